"""Settings' unattended box in the window: the alert settings saved (the password to the keychain, never the
database), a test email sent to a real SMTP server (aiosmtpd), and the schedule's state shown."""

from __future__ import annotations

from aiosmtpd.controller import Controller

from app.alerts import email
from app.auth.tokens import TokenStore
from tests.app.alerts.test_email_alerts import Inbox, free_port
from ui.context import AppContext


def test_alerts_are_saved_and_a_test_email_is_sent_from_the_window(qtbot, firm_store, keychain_profile, make_window):
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        ctx = AppContext(firm_store, keychain_profile, firm_store.path.parent, actor="user:tester")
        window = make_window(ctx)
        box = window.settings.unattended
        qtbot.waitUntil(lambda: box.schedule_label.text() != "…", timeout=10000)
        assert "No schedule" in box.schedule_label.text()
        box.host_edit.setText("127.0.0.1")
        box.port_spin.setValue(server.port)
        box.starttls_check.setChecked(False)
        box.password_edit.setText("s3cret-pw")
        box.to_edit.setText("ann@hale.example")
        with qtbot.waitSignal(box.changed, timeout=10000):
            box.save_alerts_button.click()
        saved = email.load(firm_store)
        assert saved is not None and saved.recipients == ("ann@hale.example",) and saved.port == server.port
        assert TokenStore(keychain_profile).get_secret(email.SECRET_NAME) == "s3cret-pw"
        for f in firm_store.path.parent.glob(firm_store.path.name + "*"):  # the database, its WAL, its journal
            assert b"s3cret-pw" not in f.read_bytes()
        box.test_button.click()
        qtbot.waitUntil(lambda: box.alerts_label.text().startswith(("Test email sent", "Not sent")), timeout=20000)
        assert box.alerts_label.text() == "Test email sent to ann@hale.example."
        assert [m["Subject"] for m in inbox.messages] == ["Ledgerbridge: test message"]
    finally:
        server.stop()
        TokenStore(keychain_profile).delete_secret(email.SECRET_NAME)
