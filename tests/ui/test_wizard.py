"""The setup wizard from start to a saved mapping against the sandbox (real OAuth, real keychain)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.mapping import load_mapping
from app.store import audit
from ui.context import AppContext, DemoInfo
from ui.wizard import SetupWizard


@pytest.fixture
def wizard_ctx(firm_store, sandbox, keychain_profile):
    return AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester",
                      demo=DemoInfo(sandbox))


def _next(qtbot, wiz, page):
    wiz.next()
    assert wiz.currentPage() is page


def _connect(qtbot, page):
    assert not page.isComplete()
    with qtbot.waitSignal(page.completeChanged, timeout=30000):
        page.button.click()
    assert page.connected and "connected" in page.status.text()


def test_the_wizard_from_start_to_a_saved_mapping(qtbot, wizard_ctx, sandbox):
    from ui.tasks import TaskManager

    errors = []
    tasks = TaskManager(lambda label, exc: errors.append((label, exc)))
    wiz = SetupWizard(wizard_ctx, tasks)
    qtbot.addWidget(wiz)
    wiz.show()
    _next(qtbot, wiz, wiz.clio_page)
    _connect(qtbot, wiz.clio_page)
    _next(qtbot, wiz, wiz.qbo_page)
    _connect(qtbot, wiz.qbo_page)
    # The tokens went to the keychain, not the database.
    from app.auth.tokens import TokenStore

    ts = TokenStore(wizard_ctx.profile)
    assert ts.load("clio") is not None and ts.load("qbo").extra.get("realm_id") == sandbox.realm_id
    assert ts.load("qbo").access_token not in repr(wizard_ctx.store.query("SELECT * FROM settings"))

    wiz.next()
    page = wiz.accounts_page
    qtbot.waitUntil(lambda: page.loaded, timeout=30000)
    assert page.operating.currentData()
    assert len(page.trust_combos) == 1
    bank, liab = next(iter(page.trust_combos.values()))
    # Un-map the trust account, then let the wizard create the missing pair in QuickBooks.
    bank.setCurrentIndex(0)
    liab.setCurrentIndex(0)
    before = len(wiz.chart.accounts)
    page.create_button.click()
    qtbot.waitUntil(lambda: bool(bank.currentData() and liab.currentData()), timeout=30000)
    assert len(wiz.chart.accounts) == before + 2
    created = {a["Id"]: a for a in wiz.chart.accounts}
    assert created[bank.currentData()]["AccountSubType"] == "TrustAccounts"
    assert created[liab.currentData()]["AccountType"] == "Other Current Liability"

    _next(qtbot, wiz, wiz.items_page)
    assert wiz.items_page.fees.currentData()
    _next(qtbot, wiz, wiz.customers_page)
    assert wiz.customers_page.model.rowCount() > 5
    assert "link to existing" in wiz.customers_page.counts.text()
    _next(qtbot, wiz, wiz.confirm_page)

    # An invalid mapping is refused, with the reason in words.
    wiz.items_page.fees.setCurrentIndex(0)
    assert not wiz.validateCurrentPage()
    assert "cannot be saved" in wiz.confirm_page.problems.text()
    assert "legal fees" in wiz.confirm_page.problems.text()
    assert load_mapping(wizard_ctx.store) is None

    wiz.items_page.fees.setCurrentIndex(1)
    with qtbot.waitSignal(wiz.finished_ok, timeout=10000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    saved = load_mapping(wizard_ctx.store)
    assert saved is not None and saved.trust_accounts[0].bank == bank.currentData()
    assert saved.fees_item == wiz.items_page.fees.currentData()
    assert [e.action for e in audit.history(wizard_ctx.store)][-1] == "mapping.saved"
    assert errors == []

    # Re-run: the wizard starts from the saved mapping.
    again = SetupWizard(wizard_ctx, tasks)
    qtbot.addWidget(again)
    again.show()
    got = []
    again.load_chart(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=30000)
    assert got[0].suggested == saved
    tasks.wait_idle()
