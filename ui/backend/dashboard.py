"""The dashboard's calls: connections, the last run, the queue size and the trust tie-out. Worker thread."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.connections import sign_in_state
from app.errors import LedgerbridgeError
from app.sources import SOURCES, firm_source
from app.store import exceptions as exq
from app.store import settings
from app.sync import runs
from app.trustledger import last_import
from ui.context import AppContext

TIMER_KEY = "ui.sync_every_minutes"  # the window's sync timer, in minutes (0: off)


@dataclass(frozen=True)
class ConnectionState:
    name: str
    connected: bool
    detail: str = ""
    expires: str = ""
    warning: str = ""  # the sign-in expires soon, or the provider refused it: reconnect


@dataclass(frozen=True)
class TieOut:
    """One trust account's three balances as the sync's verify step read them, and whether they agree."""

    name: str
    bank: Decimal
    liability: Decimal
    ledgers: Decimal

    @property
    def agrees(self) -> bool:
        return self.bank == self.liability == self.ledgers


@dataclass(frozen=True)
class HistoryRow:
    """One run of the sync history, as the dashboard's table shows it."""

    run_id: int
    started: str
    trigger: str
    result: str
    written: str
    trust: str
    message: str


HISTORY_ROWS = 50


@dataclass(frozen=True)
class DashboardState:
    connections: tuple[ConnectionState, ...]
    last_sync: dict[str, Any]
    open_exceptions: int
    tie_out: tuple[TieOut, ...]
    timer_minutes: int
    history: tuple[HistoryRow, ...] = ()
    trust_ledger: str = ""  # for a source whose API has no trust: when its ledger was last imported


def load_dashboard(ctx: AppContext) -> DashboardState:
    store = ctx.store
    last = runs.last(store)
    last_sync = last.as_dict() if last else {}
    return DashboardState(
        connections=tuple(connection_states(ctx)),
        last_sync=last_sync,
        open_exceptions=exq.open_count(store),
        tie_out=_tie_out(last_sync),
        timer_minutes=int(settings.get(store, TIMER_KEY, 0) or 0),
        history=tuple(_history_row(r) for r in runs.history(store, HISTORY_ROWS)),
        trust_ledger=trust_ledger_note(store),
    )


def trust_ledger_note(store: Any) -> str:
    """For a firm whose source has no trust in its API (MyCase), how fresh its imported trust ledger is: the trust
    side is only as current as the last import, and the dashboard says so."""
    source = firm_source(store)
    if not source.trust_imported:
        return ""
    last = last_import(store)
    if last is None:
        return (f"The trust ledger was never imported: {source.label}'s API has no trust. Import its trust ledger "
                "export (ledgerbridge import-trust-ledger) before trust can post or reconcile.")
    return (f"Trust ledger last imported {last.imported_at[:16].replace('T', ' ')} UTC ({last.file_name}), "
            f"covering through {last.through or 'its last line'}: trust is as current as that import.")


def _history_row(run: runs.RunRecord) -> HistoryRow:
    c = run.counts
    written = ", ".join(f"{c[k]} {k}" for k in ("created", "updated", "voided", "held") if c.get(k)) or "nothing"
    trust = {True: "ties", False: "does NOT tie", None: ""}[runs.ties(run)]
    kind = f"{run.trigger}{', dry run' if run.dry_run else ''}"
    return HistoryRow(run.id or 0, run.started[:19].replace("T", " "), kind, run.result, written, trust,
                      run.message)


def run_audit_rows(ctx: AppContext, run_id: int) -> list[tuple[str, str, str, str]]:
    """The audit entries one run wrote, as rows (when, action, record, detail)."""
    run = runs.get(ctx.store, run_id)
    if run is None:
        return []
    return [(e.ts[:19].replace("T", " "), e.action, " ".join(p for p in (e.clio_kind, e.clio_id, e.qbo_entity,
                                                                         e.qbo_id) if p), e.detail)
            for e in runs.audit_entries(ctx.store, run)]


def connection_states(ctx: AppContext) -> list[ConnectionState]:
    """The firm's source (Clio, or Smokeball) and QuickBooks: connected, where, until when."""
    source = firm_source(ctx.store)
    if ctx.demo is not None:
        sb = ctx.demo.sandbox
        url = getattr(sb, "smokeball_url", "") if source.key == "smokeball" else getattr(sb, "clio_url", "?")
        return [
            ConnectionState(source.word, True, f"demo sandbox at {url}"),
            ConnectionState("QuickBooks", True, f"demo company {getattr(sb, 'realm_id', '?')}"),
        ]
    states = []
    try:
        from app.auth.tokens import TokenStore

        ts = TokenStore(ctx.profile)
    except LedgerbridgeError as exc:
        return [ConnectionState(n, False, exc.what) for n in (source.word, "QuickBooks")]
    for key, name in ((source.key, source.word), ("qbo", "QuickBooks")):
        tokens = ts.load(key)
        if tokens is None:
            states.append(ConnectionState(name, False, "not connected"))
            continue
        extra = tokens.extra or {}
        where = extra.get("region") or extra.get("realm_id") or extra.get("realmId") or ""
        who = extra.get("user") or extra.get("name") or ""
        detail = ", ".join(p for p in (f"as {who}" if who else "", where) if p)
        expires = dt.datetime.fromtimestamp(tokens.expires_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        sign_in = sign_in_state(tokens, name, time.time(), warn_days=SOURCES[key].warn_days if key in SOURCES else 14)
        states.append(ConnectionState(name, True, detail, expires, sign_in.warning))
    return states


def _tie_out(last: dict[str, Any]) -> tuple[TieOut, ...]:
    return tuple(
        TieOut(t["name"], Decimal(t["bank"]), Decimal(t["liability"]), Decimal(t["ledgers"]))
        for t in last.get("tie_out") or []
    )
