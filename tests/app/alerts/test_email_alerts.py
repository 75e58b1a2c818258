"""Alerts after a run, sent to a real SMTP server the test starts (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email as email_lib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.alerts import email
from app.alerts.after_run import after_run
from app.alerts.message import compose
from app.model import ExceptionItem, ExceptionStatus
from app.store import audit, open_store, settings
from app.store import exceptions as exq
from app.store.db import Store, utcnow
from app.sync.runs import RunRecord


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email_lib.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 - aiosmtpd's handler API
        self.messages.append(email_lib.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "firm.sqlite3")
    settings.put(s, "firm_name", "Hale & Ortiz LLP")
    yield s
    s.close()


def held_run(store: Store) -> RunRecord:
    started = utcnow()
    for n in range(7):
        exq.add(store, kind="invoice", clio_kind="bills", clio_id=100 + n, reason_code="payment_bill_missing",
                message=f"Payment of $1,250.00 (Clio payment {n}) pays a bill that is not approved.", actor="sync")
    return RunRecord(started, utcnow(), "schedule", "cli", "held", counts={"created": 12, "held": 7},
                     tie_out=[{"name": "IOLTA", "bank": "18000.00", "liability": "18000.00", "ledgers": "17750.00"}])


def test_a_held_run_emails_one_message_saying_what_to_do_with_no_amount_in_its_subject(store, smtp):
    controller, inbox = smtp
    email.save(store, email.EmailSettings(host="127.0.0.1", port=controller.port, starttls=False,
                                          sender="books@hale.example", recipients=("ann@hale.example",)))
    done = after_run(store, "alerts-test", held_run(store), now=0.0)
    assert done == ["Alert emailed to ann@hale.example."]
    [msg] = inbox.messages
    subject = " ".join(str(msg["Subject"]).split())  # unfolded
    assert subject == "Ledgerbridge, Hale & Ortiz LLP: 7 new items to look at; a trust account does not tie"
    assert "$" not in subject and "18000" not in subject and "1,250" not in subject
    body = msg.get_payload(decode=True).decode()
    assert "7 record(s) were held" in body and "nothing of them was posted" in body
    assert body.count("  - bills ") == 5 and "... and 2 more." in body
    assert "Trust account IOLTA does not tie" in body and "open the reconciliation page" in body
    assert msg["To"] == "ann@hale.example" and msg["From"] == "books@hale.example"
    assert [e.action for e in audit.history(store)][-1] == "alerts.sent"


def test_a_send_that_fails_is_recorded_and_does_not_fail_anything(store):
    nowhere = free_port()  # nothing listens there
    email.save(store, email.EmailSettings(host="127.0.0.1", port=nowhere, starttls=False,
                                          recipients=("ann@x.example",)))
    done = after_run(store, "alerts-test", held_run(store), now=0.0)
    assert len(done) == 1 and "could not be sent" in done[0] and "ConnectionRefusedError" in done[0]
    last = audit.history(store)[-1]
    assert last.action == "alerts.failed" and "ann@x.example" in last.detail
    assert audit.verify(store).ok


def test_a_clean_run_alerts_nobody_and_a_failed_one_says_what_was_kept(store, smtp):
    clean = RunRecord(utcnow(), utcnow(), "schedule", "cli", "ok", counts={"created": 3},
                      tie_out=[{"name": "IOLTA", "bank": "1.00", "liability": "1.00", "ledgers": "1.00"}])
    assert compose("Firm", clean, [], []) is None
    failed = RunRecord(utcnow(), utcnow(), "schedule", "cli", "failed", message="QuickBooks connection expired")
    alert = compose("Firm", failed, [], ["The QuickBooks sign-in expires on 2026-12-20: reconnect QuickBooks."])
    assert alert is not None and alert.subject == "Ledgerbridge, Firm: the sync failed; a sign-in needs renewing"
    assert "What was kept: everything posted before the error stays posted" in alert.body
    assert "QuickBooks connection expired" in alert.body and "expires on 2026-12-20" in alert.body
    dry = RunRecord(utcnow(), utcnow(), "window", "sync", "held", dry_run=True)
    item = ExceptionItem(1, "invoice", "bills", "1", "x", "y", ExceptionStatus.OPEN, utcnow(), utcnow())
    assert compose("Firm", dry, [item], []) is None  # a dry run changes nothing: no alert


def test_the_command_line_sets_alerts_and_sends_a_test_email(smtp, keychain_profile, tmp_path, capsys):
    from app.cli import main

    controller, inbox = smtp
    common = ["--profile", keychain_profile, "--data-dir", str(tmp_path)]
    assert main(["alerts", "test", *common]) == 2  # nothing set yet
    assert main(["alerts", "set", *common, "--smtp-host", "127.0.0.1", "--smtp-port", str(controller.port),
                 "--no-starttls", "--to", "ann@hale.example, bo@hale.example"]) == 0
    assert main(["alerts", "show", *common]) == 0
    assert "to ann@hale.example, bo@hale.example" in capsys.readouterr().out
    assert main(["alerts", "test", *common]) == 0
    [msg] = inbox.messages
    assert msg["Subject"] == "Ledgerbridge: test message" and "bo@hale.example" in msg["To"]
