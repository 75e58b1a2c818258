"""``ledgerbridge demo --source mycase --headless``: the whole job on a made-up MyCase firm.

Start the sandbox with the MyCase emulator, connect QuickBooks, try September's reconciliation before any trust
ledger is imported (it must refuse to tie: MyCase's API has no trust), import the firm's trust ledger export in
two overlapping downloads (the second adds only what is new), map, sync, reconcile September against the trust
bank statement and export. The firm plants an invoice whose total is $50.00 less than its entries (held, both
figures) and a declined card payment (never posted). The exit code says whether Ledgerbridge found exactly those.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.demo import (
    DemoOutcome,
    Say,
    demo_connections,
    prepare_demo_mapping,
    reconcile_and_export,
    run_source_demo,
)
from app.money import ZERO
from app.paths import write_private_text
from app.store import Store
from app.store import exceptions as exq

PERIOD = "2026-09"
PLANTED_HOLDS = {"lines_mismatch": 1}


def mycase_statement(sandbox: Any, start: dt.date, end: dt.date) -> str:
    """The trust bank's statement for the month, written from the firm's trust ledger as the bank records it."""
    from app.sandbox.clio import statement as stmt

    rows = sorted(sandbox.mycase_firm.ledger)
    opening = sum((Decimal(r[4]) for r in rows if dt.date.fromisoformat(r[0]) < start), ZERO)
    lines = []
    for n, row in enumerate(rows):
        day, amount = dt.date.fromisoformat(row[0]), Decimal(row[4])
        if start <= day <= end:
            lines.append(stmt.StatementLine(date=day, amount=amount, fitid=f"MC{day:%Y%m%d}{n:04d}",
                                            name="DEPOSIT" if amount > 0 else "WITHDRAWAL", memo=row[3],
                                            reference=row[5]))
    return stmt.to_ofx(stmt.BankStatement("121000358", "4417309910", start, end, opening, tuple(lines)))


def import_ledger(store: Store, sandbox: Any, folder: Path, say: Say, *, through: dt.date) -> None:
    """One download of the trust ledger export, covering everything through ``through``."""
    from app.sandbox.mycase.demo_firm import TRUST_ACCOUNT
    from app.trustledger import TrustLedgerMapping, import_trust_ledger

    mapping = TrustLedgerMapping(amount_column="Amount", reference_column="Reference")
    path = folder / f"mycase-trust-ledger-to-{through.isoformat()}.csv"
    write_private_text(path, sandbox.mycase_firm.ledger_csv(until=through))
    say(import_trust_ledger(store, path, TRUST_ACCOUNT, mapping, through=through).sentence())


def run_headless_mycase(firm: str, seed: int, out_dir: Path, *, say: Say = print, window_seconds: float = 2.0,
                        unlimited: bool = False) -> DemoOutcome:
    def body(store: Store, sandbox: Any, profile: str, outcome: DemoOutcome) -> None:
        _run(store, sandbox, profile, out_dir, outcome, say, window_seconds)

    return run_source_demo("mycase", firm, seed, out_dir, body, say=say, window_seconds=window_seconds,
                           unlimited=unlimited)


def _run(store: Store, sandbox: Any, profile: str, out_dir: Path, outcome: DemoOutcome, say: Say,
         window_seconds: float) -> None:
    from app.reconcile import reconcile
    from app.reconcile.load import parse_period
    from app.reconcile.qbo_leg import leg_for_account
    from app.sandbox.mycase.demo_firm import TRUST_ACCOUNT
    from app.sync.engine import SyncEngine

    start, end = parse_period(PERIOD)
    with demo_connections(store, sandbox, profile, say, window_seconds=window_seconds) as (source, qbo):
        import_ledger(store, sandbox, out_dir, say, through=dt.date(2026, 8, 31))  # a download from before
        prepare_demo_mapping(store, source, qbo)
        engine = SyncEngine(store, source, qbo, actor="demo")
        engine.run()
        before = reconcile(store, TRUST_ACCOUNT, PERIOD)
        say(f"Before September's trust ledger is imported: {before.result_sentence()}")
        if before.tied or not before.journal_gap:
            outcome.unexpected_findings.append("the reconciliation tied without the month's trust ledger")
        for through in (dt.date(2026, 9, 15), end):  # mid-month, then at its end: the second adds only what is new
            import_ledger(store, sandbox, out_dir, say, through=through)
        summary = engine.run()
        for line in summary.lines():
            say(f"Sync: {line}")
        waiting: dict[str, int] = {}
        for item in exq.list_items(store):
            waiting[item.reason_code] = waiting.get(item.reason_code, 0) + 1
            say(f"Exception #{item.id} ({item.reason_code}): {item.message}")
        outcome.waiting = sum(n for code, n in waiting.items() if code not in PLANTED_HOLDS)
        outcome.held = 0 if waiting == PLANTED_HOLDS else sum(waiting.values())
        leg = leg_for_account(store, qbo, TRUST_ACCOUNT, PERIOD)
    reconcile_and_export(store, TRUST_ACCOUNT, PERIOD, mycase_statement(sandbox, start, end), leg, out_dir,
                         outcome, set(), say)
