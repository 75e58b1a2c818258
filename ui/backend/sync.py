"""Running a sync from the window (in a child process, recorded in the run history), and a dry run's plan as
rows. Worker thread.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from typing import Any

from app.connections import SandboxAddress
from app.store.db import utcnow
from app.sync import runs
from app.sync.subprocess_run import SyncJob, caller_log_level, run_in_child
from ui.context import AppContext
from ui.tasks import TaskCancelled, TaskContext

log = logging.getLogger("ledgerbridge.ui")


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
        return _run_and_record(ctx, task, dry_run=dry_run, trigger=trigger, started=started,
                               unrecorded=unrecorded)
    finally:
        _email_alert(ctx, before)


def _email_alert(ctx: AppContext, before: int) -> None:
    """The run's email alert (the window shows the outcome itself); a failure to send is in the audit log."""
    from app.alerts.after_run import after_run

    try:
        latest = runs.latest_id(ctx.store)
        if latest > before and ctx.demo is None:
            run = runs.get(ctx.store, latest)
            for line in after_run(ctx.store, ctx.profile, run, now=time.time(), desktop_too=False):
                log.info(line)
    except Exception:  # noqa: BLE001 - an alert must never hide the run's own outcome
        log.exception("The run's alert could not be prepared")


def _run_and_record(ctx: AppContext, task: TaskContext, *, dry_run: bool, trigger: str, started: str,
                    unrecorded: Callable[[], bool]) -> Any:
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
