"""The calls the screens make into ``app``, shaped for them. Every function here runs on a worker thread.

Nothing here computes accounting: it reads what ``app`` stored or computed and packs it into small
records for the views. The parts of ``app`` that are built separately (sync, reconciliation, connections)
are imported when first used, so a screen whose core part is missing says so instead of crashing.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.connections import SandboxAddress, sign_in_state
from app.errors import LedgerbridgeError
from app.model import AuditEntry, ExceptionItem
from app.store import audit, settings
from app.store import exceptions as exq
from app.store.db import utcnow
from app.sync import runs
from app.sync.subprocess_run import SyncJob, caller_log_level, run_in_child
from ui.context import AppContext
from ui.tasks import Changes, TaskCancelled, TaskContext

TIMER_KEY = "ui.sync_every_minutes"


# -- dashboard -----------------------------------------------------------------------------------------


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
class DashboardState:
    connections: tuple[ConnectionState, ...]
    last_sync: dict[str, Any]
    open_exceptions: int
    tie_out: tuple[TieOut, ...]
    timer_minutes: int


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
    )


def connection_states(ctx: AppContext) -> list[ConnectionState]:
    if ctx.demo is not None:
        sb = ctx.demo.sandbox
        return [
            ConnectionState("Clio", True, f"demo sandbox at {getattr(sb, 'clio_url', '?')}"),
            ConnectionState("QuickBooks", True, f"demo company {getattr(sb, 'realm_id', '?')}"),
        ]
    states = []
    try:
        from app.auth.tokens import TokenStore

        ts = TokenStore(ctx.profile)
    except LedgerbridgeError as exc:
        return [ConnectionState(n, False, exc.what) for n in ("Clio", "QuickBooks")]
    for key, name in (("clio", "Clio"), ("qbo", "QuickBooks")):
        tokens = ts.load(key)
        if tokens is None:
            states.append(ConnectionState(name, False, "not connected"))
            continue
        extra = tokens.extra or {}
        where = extra.get("region") or extra.get("realm_id") or extra.get("realmId") or ""
        who = extra.get("user") or extra.get("name") or ""
        detail = ", ".join(p for p in (f"as {who}" if who else "", where) if p)
        expires = dt.datetime.fromtimestamp(tokens.expires_at, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        sign_in = sign_in_state(tokens, name, time.time())
        states.append(ConnectionState(name, True, detail, expires, sign_in.warning))
    return states


def _tie_out(last: dict[str, Any]) -> tuple[TieOut, ...]:
    return tuple(
        TieOut(t["name"], Decimal(t["bank"]), Decimal(t["liability"]), Decimal(t["ledgers"]))
        for t in last.get("tie_out") or []
    )


# -- sync ----------------------------------------------------------------------------------------------


def default_sync_factory(ctx: AppContext) -> Any:
    import app.sync.engine as engine_mod
    clio, qbo = make_clients(ctx)
    return engine_mod.SyncEngine(ctx.store, clio, qbo, actor=ctx.actor)


def make_clients(ctx: AppContext) -> tuple[Any, Any]:
    import ui.connections as connections  # honours ctx.clients_factory
    return connections.build_clients(ctx)


def runs_in_child(ctx: AppContext) -> bool:
    """Whether a sync of this context runs in its own process (``app.sync.subprocess_run``): always, unless
    a test or script injected a factory for the engine or the clients, which cannot cross to another
    process; those runs stay on the worker thread, as before."""
    return ctx.sync_factory is None and ctx.clients_factory is None


def sync_job(ctx: AppContext, *, dry_run: bool, trigger: str = "window") -> SyncJob:
    """What the child process needs to run this firm's sync: its database file, profile, and the demo
    sandbox's addresses when the window shows the demo firm."""
    sandbox = SandboxAddress.of(ctx.demo.sandbox) if ctx.demo is not None else None
    return SyncJob(database=ctx.store.path, profile=ctx.profile, actor=ctx.actor, dry_run=dry_run,
                   trigger=trigger, sandbox=sandbox, log_level=caller_log_level())


def run_sync(ctx: AppContext, task: TaskContext, *, dry_run: bool, trigger: str) -> Any:
    """One sync run (the same engine code the CLI runs), kept in the run history (``app.sync.runs``).

    The run goes to a child process: the engine's threads then never take the GIL from the UI thread, and
    this worker thread only waits on the pipe from the child. The engine records the run however it ends;
    a run that could not leave its record (the child died, the clients could not be built, an injected
    engine) is recorded here from what this side saw."""
    started = utcnow()
    before = runs.latest_id(ctx.store)

    def unrecorded() -> bool:
        return runs.latest_id(ctx.store) == before

    try:
        if runs_in_child(ctx):
            summary = run_in_child(sync_job(ctx, dry_run=dry_run, trigger=trigger), progress=task.progress,
                                   cancel=task.cancel)
        else:
            summary = _run_in_thread(ctx, task, dry_run=dry_run, trigger=trigger)
    except BaseException as exc:
        cancelled = task.cancel.is_set() or isinstance(exc, TaskCancelled)
        if unrecorded():
            runs.record_failure(ctx.store, exc, started=started, trigger=trigger, actor=ctx.actor, dry_run=dry_run,
                                cancelled=cancelled)
        if cancelled and not isinstance(exc, TaskCancelled):
            raise TaskCancelled() from exc
        raise
    if unrecorded():
        runs.record_safely(ctx.store, runs.from_summary(summary, started=started, trigger=trigger, actor=ctx.actor,
                                                        cancelled=task.cancel.is_set()))
    if task.cancel.is_set():
        raise TaskCancelled()
    return summary


def _run_in_thread(ctx: AppContext, task: TaskContext, *, dry_run: bool, trigger: str) -> Any:
    """The run on this worker thread, with the injected engine or clients factory."""
    factory = ctx.sync_factory or default_sync_factory
    engine = factory(ctx)
    if hasattr(engine, "trigger"):
        engine.trigger = trigger
    progress = _YoungGenerationsOnly(task.progress)
    try:
        summary = engine.run(dry_run=dry_run, progress=progress, cancel=task.cancel)
        if not dry_run:
            summary.plan = None  # only a dry run's plan is shown; let the run's heap go with the engine
        return summary
    finally:
        _close_clients(engine)
        del engine
        progress.release()


class _YoungGenerationsOnly:
    """Keeps the UI responsive during a sync that runs in this process (an injected factory's). A full garbage collection scans the whole heap while holding
    the GIL, and a sync's heap (the books, the plan, the caches) is large: each full pass froze the UI thread
    for 300 ms and more in the medium-firm benchmark. So during the run only the young generations are
    collected (they are small and quick); the run's objects are freed by reference counting as usual, and
    the old generation is looked at again once the run is over."""

    def __init__(self, report: Any) -> None:
        self.report = report
        self.saved = gc.get_threshold()
        gc.set_threshold(self.saved[0], self.saved[1], 1_000_000)

    def __call__(self, p: Any) -> None:
        self.report(p)

    def release(self) -> None:
        """Back to the usual thresholds, with one full pass now, on the worker, while the run's objects are
        already gone (so it is short) rather than at some later moment on whichever thread allocates."""
        gc.set_threshold(*self.saved)
        gc.collect()


def _close_clients(engine: Any) -> None:
    for name in ("clio", "qbo"):
        close = getattr(getattr(engine, name, None), "close", None)
        if callable(close):
            close()


def plan_rows(summary: Any) -> list[tuple[str, str, str, str]]:
    """A dry run's plan as rows (action, QuickBooks record, Clio record, detail), from ``Plan.describe()``
    and the holds, for the plan dialog."""
    plan = getattr(summary, "plan", None)
    if plan is None:
        return []
    rows = []
    for d in plan.describe():
        detail = d.get("label", "")
        if d.get("amount"):
            detail += f" — {d['amount']}"
        for ln in d.get("lines", []):
            detail += f"; {ln['side']} {ln['account']} {ln['amount']}"
        if d.get("notes"):
            detail += " (" + "; ".join(d["notes"]) + ")"
        rows.append((d.get("operation", ""), d.get("entity", ""), d.get("record", ""), detail))
    for h in getattr(plan, "holds", []):
        rows.append(("hold", "", f"{h.key[0]} {h.key[1]}", h.message))
    return rows


# -- exception queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionRow:
    item: ExceptionItem
    client: str
    matter: str
    age_days: int


def load_exceptions(ctx: AppContext, *, include_closed: bool = False) -> list[ExceptionRow]:
    items = exq.list_items(ctx.store, status=None if include_closed else exq.WAITING)
    names = _names(ctx)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for item in items:
        client, matter = _who(ctx, item, names)
        try:
            age = (now - dt.datetime.fromisoformat(item.created_at)).days
        except ValueError:
            age = 0
        rows.append(ExceptionRow(item, client, matter, age))
    return rows


def _names(ctx: AppContext) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, clio id) → (client name, matter number) from the Clio cache, in two queries."""
    contacts = {
        r["clio_id"]: r["name"] or ""
        for r in ctx.store.query(
            "SELECT clio_id, json_extract(raw, '$.name') AS name FROM clio_records WHERE kind = 'contacts'"
        )
    }
    out: dict[tuple[str, str], tuple[str, str]] = {("contacts", str(k)): (v, "") for k, v in contacts.items()}
    for m in ctx.store.query(
        "SELECT clio_id, client_id, coalesce(number, json_extract(raw, '$.display_number')) AS number "
        "FROM clio_records WHERE kind = 'matters'"
    ):
        out[("matters", str(m["clio_id"]))] = (contacts.get(m["client_id"], ""), m["number"] or "")
    return out


def _contact_name(ctx: AppContext, clio_id: Any) -> str:
    if clio_id is None:
        return ""
    rows = ctx.store.query(
        "SELECT json_extract(raw, '$.name') AS name FROM clio_records WHERE kind = 'contacts' AND clio_id = ?",
        (clio_id,),
    )
    return (rows[0]["name"] or "") if rows else ""


def _who(ctx: AppContext, item: ExceptionItem, names: dict[tuple[str, str], tuple[str, str]]) -> tuple[str, str]:
    hit = names.get((item.clio_kind, item.clio_id))
    if hit:
        return hit
    rows = ctx.store.query(
        "SELECT client_id, matter_id FROM clio_records WHERE kind = ? AND clio_id = ?",
        (item.clio_kind, item.clio_id),
    )
    if not rows:
        return "", ""
    client = _contact_name(ctx, rows[0]["client_id"])
    matter = ""
    if rows[0]["matter_id"] is not None:
        matter = names.get(("matters", str(rows[0]["matter_id"])), ("", ""))[1]
    return client, matter


def exception_versions(ctx: AppContext, item: ExceptionItem) -> tuple[str, str]:
    """Both sides' stored versions of the record: the Clio JSON and the linked QBO JSON (if any)."""
    clio = ctx.store.query(
        "SELECT raw FROM clio_records WHERE kind = ? AND clio_id = ?", (item.clio_kind, item.clio_id)
    )
    qbo_text = ""
    entity, _, qid = (item.qbo_ref or "").partition(":")
    if not qid:
        link = ctx.store.query(
            "SELECT qbo_entity, qbo_id FROM links WHERE clio_kind = ? AND clio_id = ? LIMIT 1",
            (item.clio_kind, item.clio_id),
        )
        if link:
            entity, qid = link[0]["qbo_entity"], link[0]["qbo_id"]
    if qid:
        q = ctx.store.query("SELECT raw FROM qbo_records WHERE entity = ? AND qbo_id = ?", (entity, qid))
        qbo_text = q[0]["raw"] if q else f"{entity} {qid} (not in the local cache)"
    return (clio[0]["raw"] if clio else ""), qbo_text


def retry_exceptions(ctx: AppContext, ids: list[int]) -> Changes:
    for item_id in ids:
        exq.request_retry(ctx.store, item_id, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def link_exception(ctx: AppContext, item_id: int, qbo_entity: str, qbo_id: str) -> Changes:
    exq.link_existing(ctx.store, item_id, qbo_entity=qbo_entity, qbo_id=qbo_id, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def post_exception_anyway(ctx: AppContext, item_id: int, reason: str) -> Changes:
    exq.post_anyway(ctx.store, item_id, reason=reason, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def dismiss_exception(ctx: AppContext, item_id: int, reason: str) -> Changes:
    exq.dismiss(ctx.store, item_id, reason=reason, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def assign_exceptions(ctx: AppContext, ids: list[int], owner: str) -> Changes:
    """Name the person handling each exception; an empty owner puts them back to unassigned."""
    for item_id in ids:
        exq.assign(ctx.store, item_id, owner=owner.strip(), actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


# -- audit ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    clio_id: str = ""
    qbo_id: str = ""
    doc_number: str = ""
    client: str = ""
    limit: int = 2000


@dataclass(frozen=True)
class AuditResult:
    entries: list[AuditEntry] = field(default_factory=list)
    note: str = ""


def search_audit(ctx: AppContext, q: AuditQuery) -> AuditResult:
    store = ctx.store
    if q.qbo_id:
        ent = store.query("SELECT DISTINCT qbo_entity FROM audit_log WHERE qbo_id = ?", (q.qbo_id,))
        seen: dict[int, AuditEntry] = {}
        for r in ent:
            for e in audit.trace_qbo(store, r["qbo_entity"], q.qbo_id):
                seen[e.seq] = e
        return AuditResult([seen[k] for k in sorted(seen)])
    if q.clio_id:
        return AuditResult(audit.history(store, clio_id=q.clio_id, limit=q.limit))
    if q.doc_number:
        rows = store.query("SELECT clio_id FROM clio_records WHERE kind = 'bills' AND number = ?", (q.doc_number,))
        if not rows:
            return AuditResult([], f"No Clio bill numbered {q.doc_number} is in the local cache.")
        return AuditResult(audit.history(store, clio_kind="bills", clio_id=rows[0]["clio_id"], limit=q.limit))
    if q.client:
        # an indexed query over the client's records (app.store.audit.client_history); with no such client
        # in the cache, the entries whose text mentions the name
        if not audit.client_ids(store, q.client):
            found = audit.history(store, text=q.client, limit=q.limit)
            return AuditResult(found, f"No Clio client named like '{q.client}' is in the local cache; "
                                      f"{len(found)} entries mention it.")
        return AuditResult(audit.client_history(store, q.client, limit=q.limit))
    return AuditResult(_latest(ctx, q.limit))


def _latest(ctx: AppContext, limit: int) -> list[AuditEntry]:
    rows = ctx.store.query("SELECT max(seq) FROM audit_log")
    top = rows[0][0] or 0
    entries = audit.history(ctx.store, limit=limit) if top <= limit else [
        e for e in _history_from(ctx, top - limit + 1, limit)
    ]
    return entries


def _history_from(ctx: AppContext, first_seq: int, limit: int) -> list[AuditEntry]:
    rows = ctx.store.query("SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?", (first_seq, limit))
    return [audit._row_to_entry(r) for r in rows]


def record_history(ctx: AppContext, entry: AuditEntry) -> list[AuditEntry]:
    """Every event on the record this entry is about (its Clio source, or its QBO transaction)."""
    if entry.qbo_entity and entry.qbo_id:
        return audit.trace_qbo(ctx.store, entry.qbo_entity, entry.qbo_id)
    if entry.clio_kind and entry.clio_id:
        return audit.history(ctx.store, clio_kind=entry.clio_kind, clio_id=entry.clio_id)
    return [entry]


def verify_audit(ctx: AppContext) -> audit.VerifyResult:
    return audit.verify(ctx.store)


# -- settings ------------------------------------------------------------------------------------------


def load_settings(ctx: AppContext) -> dict[str, Any]:
    return settings.all_settings(ctx.store)


def save_settings(ctx: AppContext, values: dict[str, Any]) -> Changes:
    for key, value in values.items():
        settings.put(ctx.store, key, value)
    return Changes(settings=True)
