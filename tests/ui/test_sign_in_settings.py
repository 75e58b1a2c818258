"""Settings → Connections: the redirect addresses to register (with copy buttons), this firm's QuickBooks
keys, and disconnecting, each saved or done on a worker."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from app import workstation
from app.auth.tokens import TokenSet, TokenStore
from app.connections import qbo_environment


def _page(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.settings
    qtbot.waitUntil(lambda: page.sign_in.clio_address.text() != "", timeout=5000)
    return page


def test_the_addresses_to_register_are_shown_copied_and_saved(qtbot, ctx, make_window) -> None:
    page = _page(qtbot, ctx, make_window)
    sign_in = page.sign_in
    assert sign_in.clio_address.text() == "http://127.0.0.1:47801/callback"
    assert sign_in.qbo_dev_address.text() == "http://localhost:47802/callback"
    copy = [b for b in sign_in.findChildren(type(page.save_button)) if b.text() == "Copy"]
    copy[0].click()
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:47801/callback"
    sign_in.clio_port.setValue(48000)
    assert sign_in.clio_address.text() == "http://127.0.0.1:48000/callback"
    sign_in.qbo_production.setText("https://books.example-firm.com/ledgerbridge")
    sign_in.environment.setCurrentIndex(sign_in.environment.findData("sandbox"))
    with qtbot.waitSignal(sign_in.changed, timeout=10000):
        sign_in.save_button.click()
    saved = workstation.load()
    assert saved.clio_redirect_port == 48000
    assert saved.qbo_production_redirect == "https://books.example-firm.com/ledgerbridge"
    assert qbo_environment(ctx.store).value == "sandbox"
    assert "register the new one" in sign_in.message.text()


def test_an_address_intuit_would_refuse_is_not_saved(qtbot, ctx, make_window) -> None:
    page = _page(qtbot, ctx, make_window)
    page.sign_in.qbo_production.setText("http://192.168.1.20/cb")
    page.sign_in.save_button.click()
    qtbot.waitUntil(lambda: "refuse" in page.sign_in.message.text(), timeout=10000)
    assert workstation.load().qbo_production_redirect == ""


def test_disconnect_forgets_the_tokens_and_says_the_revoke_failed(qtbot, keychain_profile, firm_store,
                                                                  make_window) -> None:
    from ui.context import AppContext

    ctx = AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester")
    # Connected once to a Clio that cannot be reached now (offline): disconnecting still forgets the tokens.
    TokenStore(keychain_profile).save("clio", TokenSet("access-x", "refresh-x", 2_000_000_000.0,
                                                       extra={"base_url": "http://127.0.0.1:9"}))
    page = _page(qtbot, ctx, make_window)
    page.sign_in.disconnect_buttons["clio"].click()
    qtbot.waitUntil(lambda: "disconnected here" in page.sign_in.message.text(), timeout=20000)
    assert "could not confirm the revoke" in page.sign_in.message.text()
    assert TokenStore(keychain_profile).load("clio") is None
