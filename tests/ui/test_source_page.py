"""The wizard's first page: the firm's practice-management system, with what each provides and cannot, side by
side; a Smokeball demo firm then goes through the same wizard to a saved mapping."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.sources import SOURCES, firm_source
from ui.context import AppContext, DemoInfo
from ui.tasks import TaskManager
from ui.wizard import SetupWizard


def _wizard(qtbot, ctx):
    errors = []
    wiz = SetupWizard(ctx, TaskManager(lambda label, exc: errors.append((label, exc))))
    qtbot.addWidget(wiz)
    wiz.show()
    return wiz, errors


def _done(wiz) -> None:
    """Let every worker finish before the widgets go (a late answer must not reach a deleted page)."""
    assert wiz.tasks.wait_idle()
    wiz.close()


def test_the_first_page_compares_the_sources_and_saves_the_choice(qtbot, ctx):
    wiz, errors = _wizard(qtbot, ctx)
    page = wiz.intro
    texts = " ".join(w.text() for w in page.findChildren(QLabel))
    for info in SOURCES.values():  # every source, with what it provides and what it cannot
        assert info.label in " ".join(b.text() for b in page.buttons.values())
        assert all(item.split(":")[0] in texts for item in info.provides + info.cannot)
    assert page.buttons["mycase"].isEnabled()
    qtbot.waitUntil(lambda: page.loaded, timeout=5000)
    assert page.buttons["clio"].isChecked() and page.isComplete()
    page.buttons["smokeball"].click()
    wiz.next()
    qtbot.waitUntil(lambda: firm_source(ctx.store).key == "smokeball", timeout=5000)
    assert wiz.currentPage() is wiz.apps_page
    wiz.next()
    clio_page = wiz.clio_page
    assert clio_page.title() == "Connect Smokeball" and clio_page.smokeball.isVisible()
    assert not clio_page.region.isVisible() and "47803/callback" in clio_page.smokeball.findChild(QLabel).text()
    assert clio_page.smokeball.app_credentials() is None and not clio_page.isComplete()
    _done(wiz)
    assert not errors


def test_a_smokeball_demo_firm_goes_through_the_wizard_to_a_saved_mapping(qtbot, firm_store, keychain_profile):
    from app.mapping import load_mapping
    from app.sandbox.runner import Sandbox
    from app.sources import set_firm_source

    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False, source="smokeball") as sb:
        set_firm_source(firm_store, "smokeball")
        ctx = AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester",
                         demo=DemoInfo(sb))
        wiz, errors = _wizard(qtbot, ctx)
        qtbot.waitUntil(lambda: wiz.intro.buttons["smokeball"].isChecked(), timeout=5000)
        wiz.next()
        wiz.next()
        page = wiz.clio_page
        assert page.title() == "Connect Smokeball" and page.button.isEnabled() and not page.smokeball.isVisible()
        with qtbot.waitSignal(page.completeChanged, timeout=30000):
            page.button.click()
        assert f"connected to {sb.smokeball_url}" in page.status.text(), page.status.text()
        from app.auth.tokens import TokenStore

        assert TokenStore(keychain_profile).load("smokeball") is not None  # the browser sign-in, in the keychain
        wiz.next()
        with qtbot.waitSignal(wiz.qbo_page.completeChanged, timeout=30000):
            wiz.qbo_page.button.click()
        wiz.next()
        accounts = wiz.accounts_page
        qtbot.waitUntil(lambda: bool(accounts.trust_combos), timeout=30000)
        assert [ba.name for ba in wiz.chart.clio_banks if ba.type.value == "Trust"] == ["IOLTA Trust"]
        while wiz.currentPage() is not wiz.confirm_page:
            qtbot.waitUntil(lambda: wiz.currentPage().isComplete(), timeout=30000)
            wiz.next()
        qtbot.waitUntil(lambda: wiz.confirm_page.isComplete(), timeout=30000)
        wiz.accept() if wiz.confirm_page.validatePage() else None
        qtbot.waitUntil(lambda: load_mapping(firm_store) is not None, timeout=30000)
        _done(wiz)
        assert not errors, errors


def test_a_mycase_firm_enters_its_keys_on_the_connect_page(qtbot, ctx):
    wiz, errors = _wizard(qtbot, ctx)
    page = wiz.intro
    qtbot.waitUntil(lambda: page.loaded, timeout=5000)
    page.buttons["mycase"].click()
    wiz.next()
    qtbot.waitUntil(lambda: firm_source(ctx.store).key == "mycase", timeout=5000)
    wiz.next()
    clio_page = wiz.clio_page
    assert clio_page.title() == "Connect MyCase" and clio_page.button.isEnabled()
    assert clio_page.mycase.isVisible() and not clio_page.smokeball.isVisible()
    assert "47804/callback" in clio_page.mycase.findChild(QLabel).text()
    _done(wiz)
    assert not errors
