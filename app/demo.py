"""``ledgerbridge demo``: the whole job on a made-up firm served by the local sandbox.

Without ``--headless`` it hands over to the desktop app in demo mode. With it, it runs in the terminal:
start the sandbox, connect both services (the real OAuth code flow against the emulators; tokens in the
keychain when there is one), map with the demo defaults, sync, import the demo trust statement,
reconcile, export the workbook, and print a summary. The demo knows what it planted (a bank fee,
interest, an unidentified deposit, a deposit in transit, an outstanding and a stale check, a negative
client ledger, a near-duplicate QuickBooks customer), so the exit code says whether Ledgerbridge found
exactly those and nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.clients import ClioSource, QboBooks
from app.connections import connect_clio, connect_qbo, open_clients
from app.errors import KeychainError, LedgerbridgeError
from app.mapping import Mapping, demo_defaults, save_mapping
from app.money import fmt, loads_json
from app.paths import write_private_text
from app.sources import firm_source
from app.store import Store, open_store
from app.store import exceptions as exq
from app.sync import cutover

Say = Callable[[str], None]

# The finding kinds the demo firm plants on purpose, and what each is called in the firm's `planted`.
PLANTED_FINDINGS = {
    "bank_fee": "bank_charge",
    "interest": "interest",
    "unidentified_deposit": "unidentified_deposit",
    "stale_check": "stale_check",
    "negative_ledger": "negative_ledger",
}


def prepare_demo_mapping(store: Store, clio: ClioSource, qbo: QboBooks) -> Mapping:
    """Map the sandbox company's chart with the demo defaults, and save it."""
    from app.clio.fields import fields_for
    from app.clio.normalize import to_bank_account

    banks = [to_bank_account(r) for r in clio.iter_records("bank_accounts", fields_for("bank_accounts"))]
    mapping = demo_defaults(qbo.query_all("Account"), qbo.query_all("Item"), clio_bank_accounts=banks)
    save_mapping(store, mapping)
    return mapping


OVERDRAFT_REASON = ("The payment left the trust bank account as Clio records it; the shortfall is being replaced "
                    "from operating funds (see the reconciliation's negative-ledger alert).")


def settle_planted_exceptions(store: Store, say: Say) -> int:
    """Do what a bookkeeper does with the demo's planted near-duplicate customer (link the Clio client to the
    one existing QuickBooks customer it resembles) and its planted overdraft (the money did leave the bank:
    post it anyway, saying why). Returns how many were settled."""
    settled = 0
    for item in exq.list_items(store, reason_code="trust_overdraft"):
        if item.status != "open":
            continue
        exq.post_anyway(store, item.id, reason=OVERDRAFT_REASON, actor="demo:bookkeeper")
        say(f"Exception #{item.id}: {item.message}")
        say("  As a bookkeeper would, posted it anyway with the reason: " + OVERDRAFT_REASON)
        settled += 1
    for item in exq.list_items(store, reason_code="customer_near_match"):
        candidates = loads_json(item.attempted or "{}").get("candidates") or []
        if len(candidates) != 1:
            continue
        customer = candidates[0]
        exq.link_existing(store, item.id, qbo_entity="Customer", qbo_id=str(customer["Id"]), actor="demo:bookkeeper")
        say(f"Exception #{item.id}: {item.message}")
        say(f"  As a bookkeeper would, linked it to the existing QuickBooks customer '{customer['DisplayName']}'.")
        settled += 1
    return settled


def planted_disagreements(store: Store, planted: dict[str, Any], say: Say) -> int:
    """The existing books' planted invoice whose total was changed by hand waits for a person, with what it
    blocks: expected, so not counted against the demo. Returns how many queue items that is."""
    bill = str((planted.get("different_total") or {}).get("bill_id", ""))
    for item in exq.list_items(store, reason_code="existing_differs"):
        if item.clio_id == bill and item.status == "open":
            say(f"Exception #{item.id} (planted): {item.message}")
            return 1 + len(item.blocks)
    return 0


@contextlib.contextmanager
def demo_connections(store: Store, sandbox: Any, profile: str, say: Say, *, window_seconds: float = 60.0
                     ) -> Iterator[tuple[Any, Any]]:
    """(the firm's source, QboClient) signed in through the OAuth code flow, disconnected afterwards.

    Without a usable keychain the demo still runs, on tokens the sandbox hands out directly, and says so:
    the demo's tokens are worthless outside it, and nothing is ever written to a file instead. A Smokeball
    firm's source signs in with the sandbox's tokens (its keychain sign-in is not built yet).
    """
    connections: list[Any] = []
    try:
        if firm_source(store).key == "clio":
            connections.append(connect_clio(store, profile, sandbox.clio_url, sandbox=sandbox))
            say(f"Connected to Clio ({sandbox.clio_url}) through the browser sign-in.")
        connections.append(connect_qbo(store, profile, sandbox=sandbox))
        say(f"Connected to QuickBooks company {connections[-1].realm_id} through the browser sign-in; tokens are "
            "in the keychain.")
    except KeychainError:
        say("No keychain here: the demo uses tokens the sandbox hands out, held in memory only.")
    try:
        with open_clients(store, profile, sandbox=sandbox, window_seconds=window_seconds) as clients:
            yield clients
    finally:
        for conn in connections:
            with contextlib.suppress(LedgerbridgeError):
                conn.disconnect()


@dataclass
class DemoOutcome:
    held: int = 0
    unexpected_findings: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    workbook: Path | None = None
    pdf: Path | None = None

    waiting: int = 0

    @property
    def ok(self) -> bool:
        return not self.held and not self.waiting and not self.unexpected_findings and not self.missed


def _finding_codes(rec: Any) -> set[str]:
    return {f.code for f in rec.findings}


def run_headless(firm: str, seed: int, out_dir: Path, *, say: Say = print, window_seconds: float = 2.0,
                 existing_books: dt.date | None = None) -> DemoOutcome:
    """The whole job on the demo firm. Rate-limit windows are scaled down so it finishes in a minute. With
    ``existing_books`` QuickBooks already holds the firm's books before that date, and the sync starts there."""
    from app.reconcile.qbo_leg import leg_for_account
    from app.sandbox.runner import Sandbox
    from app.sync.engine import SyncEngine

    outcome = DemoOutcome()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile_dir = Path(tempfile.mkdtemp(prefix="ledgerbridge-demo-"))
    profile = f"demo-{profile_dir.name[-8:]}"
    try:
        with Sandbox(firm, seed, window_seconds=window_seconds, existing_books=existing_books) as sandbox:
            say(f"Clio sandbox: {sandbox.clio_url}")
            say(f"QuickBooks sandbox: {sandbox.qbo_url}")
            if sandbox.history is not None:
                say(sandbox.history.sentence())
            store = open_store(profile_dir / "ledgerbridge.sqlite3")
            try:
                with demo_connections(store, sandbox, profile, say, window_seconds=window_seconds) as (clio, qbo):
                    prepare_demo_mapping(store, clio, qbo)
                    say("Mapped the demo firm's money to the sandbox company's chart of accounts.")
                    if existing_books is not None:
                        cutover.save(store, existing_books, "post")
                        say(f"Cutover {existing_books.isoformat()}: nothing dated before it is posted; what "
                            "QuickBooks already has is linked; trust balances open on that day.")
                    engine = SyncEngine(store, clio, qbo, actor="demo")
                    summary = engine.run()
                    for line in summary.lines():
                        say(f"Sync: {line}")
                    if settle_planted_exceptions(store, say):
                        summary = engine.run()
                        for line in summary.lines():
                            say(f"Sync again: {line}")
                    outcome.held = summary.held
                    outcome.waiting = exq.open_count(store)
                    if sandbox.history is not None:
                        planted_held = planted_disagreements(store, sandbox.history.planted, say)
                        outcome.held -= min(outcome.held, planted_held)
                        outcome.waiting -= min(outcome.waiting, planted_held)
                    say(f"Exception queue: {outcome.waiting} waiting for a person.")
                    account = sandbox.firm.trust_account_name
                    # the independent leg: QuickBooks' own trust liability as of October's last day
                    leg = leg_for_account(store, qbo, account, sandbox.firm.period)

                expected = {code for key, code in PLANTED_FINDINGS.items() if key in sandbox.firm.planted}
                reconcile_and_export(store, account, sandbox.firm.period, sandbox.firm.statement_ofx, leg,
                                     out_dir, outcome, expected, say)
            finally:
                store.close()
    finally:
        shutil.rmtree(profile_dir, ignore_errors=True)
    return outcome


Body = Callable[[Store, Any, str, DemoOutcome], None]  # (store, sandbox, profile, outcome): the demo's own job


def run_source_demo(source: str, firm: str, seed: int, out_dir: Path, body: Body, *, say: Say = print,
                    window_seconds: float = 2.0, unlimited: bool = False) -> DemoOutcome:
    """A headless demo of a firm kept in another system than Clio: the sandbox serving it, a throw-away profile
    set to that source, ``body`` doing the job; ``unlimited`` turns the system's own rate off (the tests)."""
    from app.sandbox.runner import Sandbox
    from app.sources import SOURCES, set_firm_source

    outcome = DemoOutcome()
    out_dir.mkdir(parents=True, exist_ok=True)
    profile_dir = Path(tempfile.mkdtemp(prefix="ledgerbridge-demo-"))
    profile = f"demo-{profile_dir.name[-8:]}"
    try:
        with Sandbox(firm, seed, window_seconds=window_seconds, source=source,
                     clio_rate_limit=0 if unlimited else None) as sandbox:
            say(f"{SOURCES[source].word} sandbox: {getattr(sandbox, f'{source}_url')}")
            say(f"QuickBooks sandbox: {sandbox.qbo_url}")
            store = open_store(profile_dir / "ledgerbridge.sqlite3")
            try:
                set_firm_source(store, source)
                body(store, sandbox, profile, outcome)
            finally:
                store.close()
    finally:
        shutil.rmtree(profile_dir, ignore_errors=True)
    return outcome


def reconcile_and_export(store: Store, account: str, period: str, statement_ofx: str, leg: Any, out_dir: Path,
                         outcome: DemoOutcome, expected: set[str], say: Say) -> None:
    """Import the demo's statement, reconcile the month against QuickBooks' own leg, write the workbook and the
    PDF, and note in ``outcome`` which of the ``expected`` findings were missed and which others came up."""
    from app.bank import import_statement
    from app.export import write_workbook
    from app.export.pdf_report import write_pdf_for
    from app.reconcile import reconcile

    statement = out_dir / f"trust-statement-{period}.ofx"
    write_private_text(statement, statement_ofx)
    imported = import_statement(store, statement, account)
    say(f"Imported {imported.added} statement lines from {statement.name}.")
    rec = reconcile(store, account, period, qbo_liability=leg.liability if leg else None,
                    qbo_ledgers=leg.per_matter if leg else None)
    _say_reconciliation(rec, say)
    outcome.workbook = out_dir / f"trust-reconciliation-{period}.xlsx"
    write_workbook(rec, outcome.workbook)
    say(f"Workbook: {outcome.workbook}")
    outcome.pdf = write_pdf_for(store, rec, out_dir / f"trust-reconciliation-{period}.pdf")
    say(f"PDF report: {outcome.pdf}")
    outcome.missed = sorted(expected - _finding_codes(rec))
    outcome.unexpected_findings = [f"{f.code}: {f.message}" for f in rec.findings
                                   if f.code not in expected and f.severity != "info"]


def _say_reconciliation(rec: Any, say: Say) -> None:
    def money(value: Decimal | None) -> str:
        return "n/a" if value is None else fmt(value)

    say(f"Reconciliation of {rec.account} for {rec.period}:")
    say(f"  adjusted bank balance  {money(rec.adjusted_bank_balance):>14}")
    say(f"  trust journal balance  {money(rec.journal_balance):>14}")
    say(f"  client ledgers (sum)   {money(rec.client_ledger_total):>14}")
    say(f"  QuickBooks liability   {money(rec.qbo_liability):>14}  (QuickBooks' own, as of {rec.end.isoformat()})")
    say(f"  Result: {rec.result_sentence()}")
    for finding in rec.findings:
        say(f"  [{finding.severity}] {finding.message}")


# The demo workstation: (profile, firm size, whether a bookkeeper settled its planted problems).
WORKSTATION_FIRMS = (("riverside-small", "small", True), ("harbor-medium", "medium", True),
                     ("problems-small", "small", False))


def make_workstation(root: Path | None, *, seed: int = 7, say: Say = print, window_seconds: float = 2.0) -> list[str]:
    """Three demo firms as profiles under ``root`` (an outsourced bookkeeper's workstation): a small and a medium
    one synced and settled, and a small one whose planted problems are left waiting. Each is synced against
    its own sandbox, which stops afterwards; what stays is each firm's database and sync history (for
    ``ledgerbridge firms`` and the window's All firms page). Returns the profiles made."""
    from app import firms
    from app.paths import database_path
    from app.sandbox.runner import Sandbox
    from app.store import audit_key, settings
    from app.sync.engine import SyncEngine

    made = []
    for profile, size, settle in WORKSTATION_FIRMS:
        if profile in firms.profiles(root):
            say(f"{profile}: already here, left as it is.")
            continue
        firms.add(profile, root)
        store = open_store(database_path(profile, root))
        try:
            with contextlib.suppress(KeychainError):
                audit_key.attach(store, profile)
            with Sandbox(size, seed, window_seconds=window_seconds) as sandbox:
                with demo_connections(store, sandbox, profile, lambda _line: None,
                                      window_seconds=window_seconds) as (clio, qbo):
                    prepare_demo_mapping(store, clio, qbo)
                    engine = SyncEngine(store, clio, qbo, actor="demo", trigger="command line")
                    summary = engine.run()
                    if settle and settle_planted_exceptions(store, lambda _line: None):
                        summary = engine.run()
            name = str(settings.get(store, "firm_name", "") or size)
            say(f"{profile} ({name}, {size} firm): {' '.join(summary.lines()[:1])}")
            made.append(profile)
        finally:
            store.close()
    return made
