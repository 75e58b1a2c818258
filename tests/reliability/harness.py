"""The reliability harness: the emulators in their own process, the headless sync in another, SIGKILL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from app.auth.sandbox_tokens import clio_tokens, qbo_tokens
from app.clients import ClioSource
from app.clio.client import ClioClient
from app.connections import SandboxAddress, build_clients
from app.mapping import demo_defaults, save_mapping
from app.money import cents, loads_json
from app.qbo.client import QboClient
from app.sources import set_firm_source
from app.store import open_store
from app.sync import cutover, twoway
from app.sync.clio_books import load_books
from app.sync.engine import SyncEngine

ROOT = Path(__file__).resolve().parents[2]
REALM = "9130350000000001"


class SandboxProcess:
    """``ledgerbridge sandbox`` in a child process; the URLs it prints."""

    def __init__(self, firm: str = "small", existing_books: str = "", source: str = "clio") -> None:
        """``existing_books``: QuickBooks already holds the firm's books before that date (YYYY-MM-DD).
        ``source``: the firm keeps its books in Clio or in Smokeball (served besides)."""
        cmd = [sys.executable, "-m", "app", "sandbox", "--firm", firm, "--no-limits", "--source", source]
        if existing_books:
            cmd += ["--existing-books", existing_books]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.clio_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.qbo_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.smokeball_url = self.proc.stdout.readline().split(": ", 1)[1].strip() if source == "smokeball" else ""
        self.mycase_url = self.mycase_ledger = ""
        if source == "mycase":  # its API, and the trust ledger export the firm downloads (MyCase has no trust API)
            self.mycase_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
            self.mycase_ledger = self.proc.stdout.readline().split(": ", 1)[1].strip()

    def faults(self, **switches: Any) -> dict[str, Any]:
        return httpx.post(self.qbo_url + "/_sandbox/faults", json=switches, timeout=10).json()

    def source_faults(self, **switches: Any) -> dict[str, Any]:
        """The practice-management emulator's own fault switches (Smokeball's, when the firm keeps Smokeball)."""
        url = self.smokeball_url or self.mycase_url or self.clio_url
        return httpx.post(url + "/_sandbox/faults", json=switches, timeout=10).json()

    def qbo_requests(self) -> int:
        return sum(self.faults()["counts"].values())

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def prepare(db: Path, clio_url: str, qbo_url: str, cutover_date: str = "", smokeball_url: str = "",
            mycase: tuple[str, str] = ("", "")) -> None:
    """Read the directory (a dry run) and save the demo mapping, as the setup wizard would; with
    ``cutover_date``, the firm's cutover too; with ``smokeball_url``, a firm that keeps Smokeball; with ``mycase``
    (its URL, its trust ledger export), a firm that keeps MyCase, its trust ledger imported first."""
    store = open_store(db)
    if cutover_date:
        cutover.save(store, dt.date.fromisoformat(cutover_date), "post")
    clio: ClioSource = ClioClient(clio_url, clio_tokens(clio_url))
    if smokeball_url or mycase[0]:
        set_firm_source(store, "smokeball" if smokeball_url else "mycase")
        if mycase[0]:
            from app.sandbox.mycase.demo_firm import TRUST_ACCOUNT
            from app.trustledger import TrustLedgerMapping, import_trust_ledger

            import_trust_ledger(store, mycase[1], TRUST_ACCOUNT,
                                TrustLedgerMapping(amount_column="Amount", reference_column="Reference"))
        clio, _ = build_clients(store, "test", sandbox=SandboxAddress(clio_url, qbo_url, REALM,
                                                                     smokeball_url=smokeball_url,
                                                                     mycase_url=mycase[0], sandbox_rate=500))
    qbo = QboClient(qbo_url, REALM, qbo_tokens(qbo_url), per_minute=0, batch_per_minute=0)
    try:
        SyncEngine(store, clio, qbo).run(dry_run=True)
        directory = twoway.directory(store)
        save_mapping(store, demo_defaults(directory["Account"], directory["Item"],
                                          clio_bank_accounts=load_books(store).bank_accounts.values()))
    finally:
        clio.close()
        qbo.close()
        store.close()


def sync_command(db: Path, clio_url: str, qbo_url: str, smokeball_url: str = "", mycase_url: str = "") -> list[str]:
    extra = ["--sandbox-smokeball", smokeball_url] if smokeball_url else []
    extra += ["--sandbox-mycase", mycase_url] if mycase_url else []
    extra += ["--sandbox-rate", "500"] if extra else []  # the sandbox runs with limits off: no need to pace
    return [sys.executable, "-m", "app", "sync", "--quiet", "--firm-db", str(db), "--sandbox-clio", clio_url,
            "--sandbox-qbo", qbo_url, "--realm", REALM, *extra]


def run_and_kill(sb: SandboxProcess, db: Path, after_requests: int, delay: float) -> bool:
    """Start the sync, SIGKILL it ``delay`` seconds after QBO saw ``after_requests`` more requests.
    Returns whether it was killed (False when it finished first)."""
    start = sb.qbo_requests()
    command = sync_command(db, sb.clio_url, sb.qbo_url, sb.smokeball_url, sb.mycase_url)
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    try:
        while proc.poll() is None:
            if sb.qbo_requests() - start >= after_requests:
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.003)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_to_end(sb: SandboxProcess, db: Path) -> int:
    command = sync_command(db, sb.clio_url, sb.qbo_url, sb.smokeball_url, sb.mycase_url)
    return subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=300).returncode


def end_state(qbo_url: str) -> dict[str, Any]:
    """What a sync leaves in QuickBooks, in terms that do not depend on the ids QuickBooks chose."""
    qbo = QboClient(qbo_url, REALM, qbo_tokens(qbo_url), per_minute=0, batch_per_minute=0)
    try:
        state: dict[str, Any] = {}
        customers = qbo.query_all("Customer")
        state["customer_names"] = Counter(c["DisplayName"] for c in customers)
        for entity, key in (("Invoice", "DocNumber"), ("JournalEntry", "DocNumber"), ("CreditMemo", "DocNumber"),
                            ("Payment", "PaymentRefNum")):
            rows = qbo.query_all(entity)
            state[entity] = Counter((r.get(key), str(cents(r.get("TotalAmt", 0))), str(cents(r.get("Balance", 0))))
                                    for r in rows)
        accounts = {a["Name"]: cents(a.get("CurrentBalance", 0)) for a in qbo.query_all("Account")}
        state["trust_bank"] = accounts["IOLTA Trust Account"]
        state["trust_liability"] = accounts["Client Trust Liability"]
        state["income"] = sum((v for n, v in accounts.items() if "Income" in n), Decimal(0))
        return state
    finally:
        qbo.close()


def duplicates(state: dict[str, Any]) -> list[Any]:
    dups = [n for n, c in state["customer_names"].items() if c > 1]
    for entity in ("Invoice", "JournalEntry", "CreditMemo", "Payment"):
        keys = Counter(k[0] for k in state[entity].elements())
        # a record without a number (a firm's own journal entries) cannot be a duplicate by number
        dups += [(entity, k) for k, c in keys.items() if c > 1 and k]
    return dups


def audit_ok(db: Path) -> bool:
    from app.store import audit

    store = open_store(db)
    try:
        return audit.verify(store).ok
    finally:
        store.close()


def outbox_pending(db: Path) -> int:
    store = open_store(db)
    try:
        return store.query("SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0]
    finally:
        store.close()


def loads(text: str) -> Any:
    return loads_json(text)
