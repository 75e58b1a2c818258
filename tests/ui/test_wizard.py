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
    _next(qtbot, wiz, wiz.apps_page)
    # What to register, with the addresses to copy; the demo's sandbox brings its own keys.
    apps = wiz.apps_page
    qtbot.waitUntil(lambda: apps.addresses.clio_address.text() == "http://127.0.0.1:47801/callback", timeout=5000)
    assert "com.intuit.quickbooks.accounting" in " ".join(w.text() for w in apps.findChildren(type(apps.addresses.message)))
    assert set(apps.credentials.credential_edits) == {"clio", "qbo-sandbox", "qbo"}
    _next(qtbot, wiz, wiz.clio_page)
    qtbot.waitUntil(lambda: wiz.clio_page.redirect.text() == "http://127.0.0.1:47801/callback", timeout=5000)
    _connect(qtbot, wiz.clio_page)
    _next(qtbot, wiz, wiz.qbo_page)
    qtbot.waitUntil(lambda: wiz.qbo_page.redirect.text() == "http://localhost:47802/callback", timeout=5000)
    assert not wiz.qbo_page.production() and not wiz.qbo_page.environment.isEnabled()  # the demo: a sandbox
    assert not wiz.qbo_page.paste.isVisible()  # the paste-back is for production keys only
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
    made = [e for e in audit.history(wizard_ctx.store) if e.action == "mapping.account_created"]
    assert {e.qbo_id for e in made} == {bank.currentData(), liab.currentData()} and all(e.request_id for e in made)

    _next(qtbot, wiz, wiz.items_page)
    assert wiz.items_page.fees.currentData()
    _next(qtbot, wiz, wiz.customers_page)
    assert wiz.customers_page.model.rowCount() > 5
    assert "link to existing" in wiz.customers_page.counts.text()
    _next(qtbot, wiz, wiz.cutover_page)
    assert not wiz.cutover_page.enabled.isChecked() and not wiz.cutover_page.date.isEnabled()
    assert wiz.cutover_page.chosen() == (None, "post")
    _next(qtbot, wiz, wiz.confirm_page)
    assert "whole Clio history" in wiz.confirm_page.summary.text()

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


def _page_id(wiz, page):
    return next(i for i in wiz.pageIds() if wiz.page(i) is page)


def test_practice_area_items_are_offered_saved_and_honoured_by_a_dry_run(qtbot, demo_ctx, sandbox):
    """A firm already connected re-runs the mapping pages: each practice area on its Clio matters gets a
    picker that starts on the fees item; one area is given its own item, saved, and a dry run posts that
    area's fees to it and every other area's to the fees item."""
    from app.clio.normalize import to_matter
    from app.sync.engine import SyncEngine
    from ui.connections import build_clients
    from ui.tasks import TaskManager
    from ui.wizard import USE_FEES_ITEM

    errors = []
    tasks = TaskManager(lambda label, exc: errors.append((label, exc)))
    wiz = SetupWizard(demo_ctx, tasks)
    qtbot.addWidget(wiz)
    wiz.setStartId(_page_id(wiz, wiz.accounts_page))
    wiz.show()
    qtbot.waitUntil(lambda: wiz.accounts_page.loaded, timeout=30000)
    _next(qtbot, wiz, wiz.items_page)

    matters = [to_matter(m) for m in sandbox.firm.matters]
    in_clio = sorted({m.practice_area for m in matters}, key=str.casefold)
    assert len(in_clio) >= 3
    page = wiz.items_page
    assert list(page.area_combos) == in_clio
    assert all(box.currentText() == USE_FEES_ITEM and not box.currentData() for box in page.area_combos.values())
    assert wiz.mapping().practice_area_items == ()

    fees_item = page.fees.currentData()
    items = {str(i["Id"]): i for i in wiz.chart.items}
    other = next(i for i, it in items.items() if i != fees_item and it.get("Type") == "Service"
                 and (it.get("IncomeAccountRef") or {}).get("value") != items[fees_item]["IncomeAccountRef"]["value"])
    area = in_clio[0]
    box = page.area_combos[area]
    box.setCurrentIndex(box.findData(other))
    assert wiz.mapping().practice_area_items == ((area, other),)

    _next(qtbot, wiz, wiz.customers_page)
    _next(qtbot, wiz, wiz.cutover_page)
    _next(qtbot, wiz, wiz.confirm_page)
    assert f"Fees of '{area}'" in wiz.confirm_page.summary.text()
    with qtbot.waitSignal(wiz.finished_ok, timeout=10000):
        wiz.button(QWizard.WizardButton.FinishButton).click()
    saved = load_mapping(demo_ctx.store)
    assert saved.practice_area_items == ((area, other),)
    assert saved.item_for_practice(area.upper()) == other and saved.fees_item == fees_item
    tasks.wait_idle()
    assert errors == []

    # The dry run (the plan the sync would push) sends that area's fee lines to its item.
    clio, qbo = build_clients(demo_ctx)
    try:
        summary = SyncEngine(demo_ctx.store, clio, qbo).run(dry_run=True)
    finally:
        clio.close()
        qbo.close()
    area_of = {m.id: m.practice_area for m in matters}
    bills = {b["id"]: b for b in sandbox.firm.bills}
    seen: dict[bool, set[str]] = {True: set(), False: set()}
    for action in summary.plan.actions:
        if action.entity != "Invoice" or action.operation != "create":
            continue
        bill_matters = [m["id"] for m in bills[action.key[1]].get("matters") or []]
        if len(bill_matters) != 1:
            continue
        for line in action.body["Line"]:
            detail = line.get("SalesItemLineDetail")
            if detail and detail["ItemRef"]["value"] != saved.expense_item:
                seen[area_of[bill_matters[0]] == area].add(detail["ItemRef"]["value"])
    assert seen[True] == {other}, "the practice area's fees go to its own item"
    assert seen[False] == {fees_item}, "every other area's fees stay on the fees item"


def test_quickbooks_production_keys_connect_by_paste_back_in_the_wizard(qtbot, firm_store, sandbox,
                                                                        keychain_profile, monkeypatch):
    """A real firm's production keys: the wizard opens Intuit's sign-in, the person approves, the browser
    lands on the firm's registered https address, and the person pastes that address back."""
    import webbrowser

    import httpx

    from app import workstation
    from app.auth.redirects import QboEnvironment
    from app.auth.tokens import ClientCredentials, TokenStore
    from app.store import settings
    from ui.tasks import TaskManager

    landing = "https://books.example-firm.com/ledgerbridge"
    sandbox.qbo.oauth_mode = QboEnvironment.PRODUCTION  # the emulated Intuit stands for production keys
    sandbox.qbo.register_redirect_uri(landing)
    workstation.save(workstation.Workstation(qbo_production_redirect=landing))
    settings.put(firm_store, "qbo.discovery_url", sandbox.qbo_discovery_url)
    settings.put(firm_store, "qbo.api_url", sandbox.qbo_url)
    TokenStore(keychain_profile).save_credentials("qbo", ClientCredentials(sandbox.qbo_client_id,
                                                                          sandbox.qbo_client_secret))
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)  # no browser here
    ctx = AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester")
    errors = []
    wiz = SetupWizard(ctx, TaskManager(lambda label, exc: errors.append((label, exc))))
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    wiz.next()
    _next(qtbot, wiz, wiz.qbo_page)
    page = wiz.qbo_page
    qtbot.waitUntil(lambda: page.sign_in is not None, timeout=5000)
    page.environment.setCurrentIndex(page.environment.findData("production"))
    assert page.redirect.text() == landing and page.paste.isVisible()
    page.button.click()
    qtbot.waitUntil(lambda: bool(opened) and page.finish_button.isEnabled(), timeout=10000)
    landed = httpx.get(opened[0], follow_redirects=False, timeout=10).headers["location"]
    page.paste.setText(landed)
    with qtbot.waitSignal(page.completeChanged, timeout=30000):
        page.finish_button.click()
    assert page.connected and not errors, errors
    assert TokenStore(keychain_profile).load("qbo").extra["realm_id"] == sandbox.realm_id
    assert settings.get(firm_store, "qbo.environment") == "production"
    assert page.paste.text() == ""  # the one-time code does not stay in the field


def test_cutover_step_and_first_sync_preview_on_existing_books(qtbot, firm_store):
    """A firm whose QuickBooks already holds its books to mid-year: the bookkeeper sets the cutover, previews
    the first sync (what is linked, created, held; nothing sent) and starts it from the last page."""
    import datetime as dt

    from PySide6.QtCore import QDate

    from app.sandbox.runner import Sandbox
    from app.sync import cutover
    from ui.context import DemoInfo
    from ui.demo import prepare_demo
    from ui.tasks import TaskManager

    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False, existing_books=dt.date(2026, 7, 1)) as sb:
        ctx = AppContext(firm_store, "test", firm_store.path.parent, actor="user:tester", demo=DemoInfo(sb))
        prepare_demo(ctx)
        cutover.save(ctx.store, None)  # as if the firm had not chosen yet: the wizard's page decides
        errors = []
        tasks = TaskManager(lambda label, exc: errors.append((label, exc)))
        wiz = SetupWizard(ctx, tasks)
        qtbot.addWidget(wiz)
        wiz.setStartId(_page_id(wiz, wiz.accounts_page))
        wiz.show()
        qtbot.waitUntil(lambda: wiz.accounts_page.loaded, timeout=30000)
        for page in (wiz.items_page, wiz.customers_page, wiz.cutover_page):
            _next(qtbot, wiz, page)
        page = wiz.cutover_page
        page.enabled.setChecked(True)
        assert page.date.isEnabled()
        page.date.setDate(QDate(2026, 7, 1))
        page.leave.setChecked(True)
        assert page.chosen() == (dt.date(2026, 7, 1), "leave")
        _next(qtbot, wiz, wiz.confirm_page)
        confirm = wiz.confirm_page
        assert "2026-07-01" in confirm.summary.text() and "left out" in confirm.summary.text()
        # names come from the right list: QuickBooks numbers accounts and items separately
        assert "Operating bank: <b>Operating Checking</b>" in confirm.summary.text()
        assert "Accounts receivable: <b>Accounts Receivable (A/R)</b>" in confirm.summary.text()
        writes_before = {k: dict(v) for k, v in sb.qbo.books.objects["Invoice"].items()}
        confirm.preview_button.click()
        qtbot.waitUntil(lambda: confirm.start_button.isVisible(), timeout=60000)
        rows = {(confirm.preview.model.index(r, 0).data(), confirm.preview.model.index(r, 1).data()):
                int(confirm.preview.model.index(r, 2).data()) for r in range(confirm.preview.model.rowCount())}
        assert rows[("invoice", "linked to what QuickBooks has")] > 10
        assert rows[("invoice", "created")] > 10
        assert ("opening trust balance", "created") in rows
        assert "before the cutover" in confirm.preview.note.text()
        assert sb.qbo.books.objects["Invoice"] == writes_before  # the preview sent nothing
        saved = cutover.load(ctx.store)
        assert (saved.start, saved.open_bills) == (dt.date(2026, 7, 1), "leave")
        with qtbot.waitSignal(wiz.start_first_sync, timeout=5000):
            confirm.start_button.click()
        tasks.wait_idle()
        assert errors == []
