"""Settings → Connections: the app's client ids and secrets go to the real keychain (tests/run.sh starts
one), on the write worker, and a secret never shows back, reaches the firm's database, or a log."""

from __future__ import annotations

import logging
import threading
import uuid

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from app.auth.tokens import ClientCredentials, TokenStore
from app.errors import KeychainError
from ui.context import AppContext
from ui.errors import ProblemDialog


@pytest.fixture
def keychain_ctx(firm_store, keychain_profile) -> AppContext:
    return AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester")


def _settings(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.settings
    qtbot.waitUntil(lambda: page.credential_states["clio"].text() == "not set", timeout=5000)
    return window, page


def _enter(page, service: str, client_id: str, secret: str) -> None:
    id_edit, secret_edit = page.credential_edits[service]
    id_edit.setText(client_id)
    secret_edit.setText(secret)


def _shown_text(window) -> str:
    """Everything the window's fields and labels show or hint at."""
    edits = [f"{e.text()} {e.placeholderText()}" for e in window.findChildren(QLineEdit)]
    return " ".join(edits + [label.text() for label in window.findChildren(QLabel)])


def test_credentials_are_saved_to_the_keychain_and_never_to_sqlite(qtbot, keychain_ctx, make_window, caplog,
                                                                   monkeypatch):
    import ui.connections

    caplog.set_level(logging.DEBUG)
    threads: list[threading.Thread] = []
    real_save = ui.connections.save_app_credentials

    def save_noting_the_thread(ctx, entered):
        threads.append(threading.current_thread())
        return real_save(ctx, entered)

    monkeypatch.setattr(ui.connections, "save_app_credentials", save_noting_the_thread)
    clio_secret, qbo_secret = f"clio-secret-{uuid.uuid4().hex}", f"qbo-secret-{uuid.uuid4().hex}"
    window, page = _settings(qtbot, keychain_ctx, make_window)
    for _id_edit, secret_edit in page.credential_edits.values():
        assert secret_edit.echoMode() is QLineEdit.EchoMode.Password
    assert not page.save_credentials_button.isEnabled()

    _enter(page, "clio", "clio-app-id", "")
    assert not page.save_credentials_button.isEnabled()  # half a pair is not saved
    assert "Clio" in page.credentials_message.text()
    _enter(page, "clio", " clio-app-id ", clio_secret + "\n")  # pasted with whitespace
    _enter(page, "qbo", "qbo-app-id", qbo_secret)
    _enter(page, "qbo-sandbox", "qbo-dev-id", qbo_secret + "-dev")
    assert page.save_credentials_button.isEnabled()
    with qtbot.waitSignal(page.credentials_saved, timeout=10000) as saved:
        page.save_credentials_button.click()
    assert saved.args == [["clio", "qbo-sandbox", "qbo"]]
    assert threads and threads[0] is not threading.main_thread()  # the keychain is never waited on by the UI

    tokens = TokenStore(keychain_ctx.profile)
    assert tokens.load_credentials("clio") == ClientCredentials("clio-app-id", clio_secret)
    assert tokens.load_credentials("qbo") == ClientCredentials("qbo-app-id", qbo_secret)
    assert tokens.load_credentials("qbo-sandbox") == ClientCredentials("qbo-dev-id", qbo_secret + "-dev")
    # Once for the workstation: another firm's profile finds them too.
    assert TokenStore("another-firm").load_credentials("clio") == ClientCredentials("clio-app-id", clio_secret)
    message = page.credentials_message.text()
    assert "Saved the Clio and QuickBooks development and QuickBooks production app credentials" in message
    assert "for every firm on this computer" in message
    qtbot.waitUntil(lambda: all("saved" in s.text() for s in page.credential_states.values()), timeout=5000)

    # The secrets left the widgets and are not shown back anywhere.
    shown = _shown_text(window)
    assert clio_secret not in shown and qbo_secret not in shown
    assert all(not e.text() for pair in page.credential_edits.values() for e in pair)
    # Nor written to the firm's database (its WAL and shared-memory files included), nor logged.
    keychain_ctx.store.query("PRAGMA wal_checkpoint(FULL)")
    db = keychain_ctx.store.path
    for file in db.parent.glob(db.name + "*"):
        data = file.read_bytes()
        assert clio_secret.encode() not in data and qbo_secret.encode() not in data, file.name
    assert not any(s in caplog.text for s in (clio_secret, qbo_secret))


def test_a_keychain_failure_shows_the_problem_dialog_and_keeps_the_entry(qtbot, keychain_ctx, make_window,
                                                                         monkeypatch):
    import ui.connections

    def refuse(ctx, entered):
        raise KeychainError("The keychain refused to store a secret (KeyringLocked).",
                            kept="The previous value, if any, is still in the keychain.",
                            next_step="Unlock the keychain and try again.")

    monkeypatch.setattr(ui.connections, "save_app_credentials", refuse)
    window, page = _settings(qtbot, keychain_ctx, make_window)
    _enter(page, "qbo", "qbo-app-id", "qbo-secret-kept")
    page.save_credentials_button.click()
    qtbot.waitUntil(lambda: isinstance(window.last_error_dialog, ProblemDialog), timeout=5000)
    assert "refused" in window.last_error_dialog.text()
    assert page.credential_edits["qbo"][1].text() == "qbo-secret-kept"  # to try again after unlocking
    assert page.save_credentials_button.isEnabled()
    assert "Saved" not in page.credentials_message.text()
    assert TokenStore(keychain_ctx.profile).load_credentials("qbo") is None
