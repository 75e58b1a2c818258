"""``ledgerbridge demo --source smokeball --headless``: the whole job on a made-up Smokeball firm.

Start the sandbox with the Smokeball emulator, connect QuickBooks (Smokeball with the sandbox's tokens), map,
sync, reconcile September's trust account against its bank statement, export. The firm plants what Smokeball
makes hard: two payments of one matter that nothing tells apart (held with their candidates; the demo chooses
as the firm's bookkeeper would, knowing which invoice each paid), and a bank fee and interest on the pooled trust
account (held: they belong to no client; they wait for a person, as expected). The exit code says whether
Ledgerbridge found exactly those and nothing else.
"""

from __future__ import annotations

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
from app.store import Store
from app.store import exceptions as exq

PERIOD = "2026-09"
PLANTED_HOLDS = {"trust_account_charge": 2}  # a bank fee and interest on pooled trust: a person records them
# The reconciliation's findings the firm plants: the fee and interest sit in Smokeball's trust journal with no
# client, so the journal is more than the client ledgers by exactly their sum.
PLANTED_FINDINGS = {"unassigned_entries"}


def smokeball_statement(sandbox: Any) -> tuple[str, str, str]:
    """(period, trust account name, OFX text) of the demo Smokeball firm's trust bank statement for PERIOD."""
    from app.reconcile.load import parse_period
    from app.sandbox.clio.statement import to_ofx
    from app.sandbox.smokeball.statement import trust_statement

    start, end = parse_period(PERIOD)
    account = next(a["accountName"] for a in sandbox.smokeball.bank_accounts.values() if a["type"] == "Trust")
    return PERIOD, account, to_ofx(trust_statement(sandbox.smokeball, start, end))


def choose_planted(store: Store, truth: Any, say: Say) -> int:
    """The bookkeeper picks the invoice each ambiguous payment paid (the demo knows it from the generator)."""
    chosen = 0
    for item in exq.list_items(store, reason_code="payment_ambiguous"):
        if item.status != "open":
            continue
        rows = store.query("SELECT source_id FROM source_ids WHERE kind = 'bank_transactions' AND id = ?",
                           (int(item.clio_id),))
        invoice = truth.paid_by.get(rows[0]["source_id"]) if rows else None
        pick = next((c for c in exq.candidates(item) if c["id"] == invoice), None)
        if pick is None:
            continue
        exq.choose(store, item.id, pick["id"], actor="demo:bookkeeper")
        say(f"Exception #{item.id}: {item.message}")
        say(f"  As the firm's bookkeeper would, chose {pick['label']}.")
        chosen += 1
    return chosen


def run_headless_smokeball(firm: str, seed: int, out_dir: Path, *, say: Say = print,
                           window_seconds: float = 2.0, unlimited: bool = False) -> DemoOutcome:
    """``unlimited`` turns Smokeball's 5-a-second limit off (the tests); the demo keeps it, as Smokeball does."""
    def body(store: Store, sandbox: Any, profile: str, outcome: DemoOutcome) -> None:
        _sync_and_reconcile(store, sandbox, profile, out_dir, outcome, say, window_seconds)

    return run_source_demo("smokeball", firm, seed, out_dir, body, say=say, window_seconds=window_seconds,
                           unlimited=unlimited)


def _sync_and_reconcile(store: Store, sandbox: Any, profile: str, out_dir: Path, outcome: DemoOutcome, say: Say,
                        window_seconds: float) -> None:
    from app.reconcile.qbo_leg import leg_for_account
    from app.sync.engine import SyncEngine

    with demo_connections(store, sandbox, profile, say, window_seconds=window_seconds) as (source, qbo):
        prepare_demo_mapping(store, source, qbo)
        say("Mapped the Smokeball firm's accounts to the sandbox company's chart of accounts.")
        engine = SyncEngine(store, source, qbo, actor="demo")
        summary = engine.run()
        for line in summary.lines():
            say(f"Sync: {line}")
        if choose_planted(store, sandbox.smokeball_truth, say):
            summary = engine.run()
            for line in summary.lines():
                say(f"Sync again: {line}")
        waiting: dict[str, int] = {}
        for item in exq.list_items(store, status="open"):
            waiting[item.reason_code] = waiting.get(item.reason_code, 0) + 1
        say(f"Exception queue: {sum(waiting.values())} waiting for a person "
            f"({', '.join(f'{n} {code}' for code, n in sorted(waiting.items())) or 'none'}).")
        outcome.waiting = sum(n for code, n in waiting.items() if code not in PLANTED_HOLDS)
        outcome.held = 0 if waiting == PLANTED_HOLDS else sum(waiting.values())
        _, account, _ = smokeball_statement(sandbox)
        leg = leg_for_account(store, qbo, account, PERIOD)
    reconcile_and_export(store, account, PERIOD, smokeball_statement(sandbox)[2], leg, out_dir, outcome,
                         set(PLANTED_FINDINGS), say)
