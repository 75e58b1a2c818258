"""``ledgerbridge sync [--dry-run] [--since ISO] [--wait SECONDS] [--firm-db PATH]``, ``ledgerbridge health`` and
``ledgerbridge runs [--last N] [--run ID]``.

Headless, for schedulers and CI: a progress line on stderr, the summary on stdout, exit code 0 only
when nothing was held and the trust accounts tie. ``--sandbox-clio``/``--sandbox-qbo`` point the run at
the local emulators (demo mode and the reliability tests) instead of the profile's connections.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

from app.commands.common import open_profile_store
from app.connections import SandboxAddress, build_clients
from app.money import dumps_json
from app.store import open_store
from app.store.db import Store, utcnow
from app.sync import cutover, preview, runs
from app.sync.engine import Progress, SyncEngine, health

DEFAULT_REALM = "9130350000000001"  # the sandbox's company


def _connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--firm-db", default=None, help="use this database file instead of the profile's")
    p.add_argument("--sandbox-clio", default=None, help=argparse.SUPPRESS)
    p.add_argument("--sandbox-qbo", default=None, help=argparse.SUPPRESS)
    p.add_argument("--sandbox-smokeball", default=None, help=argparse.SUPPRESS)
    p.add_argument("--sandbox-mycase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--sandbox-rate", type=float, default=0.0, help=argparse.SUPPRESS)  # a sandbox with limits off
    p.add_argument("--realm", default=None, help=argparse.SUPPRESS)
    p.add_argument("--qbo-window", type=float, default=60.0, help=argparse.SUPPRESS)


def _sync_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true", help="show the plan (every posting) without sending anything")
    p.add_argument("--since", default=None, help="re-read Clio records changed since this ISO 8601 time")
    p.add_argument("--full", action="store_true", help="re-read every Clio record")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                   help="when another sync of this firm is running, wait up to this long for it (default: refuse)")
    p.add_argument("--trigger", default="command line", choices=("command line", "schedule"),
                   help=argparse.SUPPRESS)  # what started the run, for the history; the scheduler says so
    p.add_argument("--start-date", type=cutover.cutover_date, default=None, metavar="YYYY-MM-DD",
                   help="the firm's cutover: post nothing dated before it, link what QuickBooks already has, open "
                        "each client's trust balance on that day (saved for this firm profile)")
    p.add_argument("--open-bills", choices=cutover.OPEN_BILLS, default=None,
                   help="bills from before the cutover still awaiting payment: post them or leave them out "
                        "(saved; default post)")
    _connection_args(p)


def _health_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sample", type=int, default=10, help="invoices to spot-check (default: %(default)s)")
    _connection_args(p)


def _store(args: argparse.Namespace) -> Store:
    if not args.firm_db:
        return open_profile_store(args)
    from app.store import audit_key

    store = open_store(args.firm_db)
    audit_key.attach(store)  # the key of the profile the database names, if its log is keyed
    return store


def clients(args: argparse.Namespace, store: Store) -> tuple[Any, Any]:
    """The Clio and QuickBooks clients: a sandbox's when its addresses are given, else the profile's."""
    sandbox = None
    if args.sandbox_clio and args.sandbox_qbo:
        sandbox = SandboxAddress(args.sandbox_clio, args.sandbox_qbo, args.realm or DEFAULT_REALM,
                                 smokeball_url=args.sandbox_smokeball or "", mycase_url=args.sandbox_mycase or "",
                                 sandbox_rate=args.sandbox_rate)
    return build_clients(store, args.profile, sandbox=sandbox, window_seconds=args.qbo_window)


class _Bar:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.last = ""

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        eta = f", about {p.eta_seconds:.0f} s left" if p.eta_seconds else ""
        total = f"/{p.total}" if p.total else ""
        line = f"\r{p.phase}: {p.done}{total}{eta}"
        if line != self.last:
            sys.stderr.write(line.ljust(60))
            sys.stderr.flush()
            self.last = line

    def close(self) -> None:
        if not self.quiet and self.last:
            sys.stderr.write("\n")


def cmd_sync(args: argparse.Namespace) -> int:
    store = _store(args)
    try:
        clio, qbo = clients(args, store)
    except Exception as exc:  # not connected, a refused token: a scheduled run's failure must be seen too
        runs.record_failure(store, exc, started=utcnow(), trigger=args.trigger, actor="cli", dry_run=args.dry_run)
        raise
    if args.start_date is not None or args.open_bills is not None:
        current = cutover.load(store)
        saved = cutover.save(store, args.start_date or current.start, args.open_bills)
        print(f"Cutover: {saved.start.isoformat() if saved.start else 'none'}; open bills from before it: "
              f"{saved.open_bills}.")
    bar = _Bar(args.quiet)
    cancel = threading.Event()
    engine = SyncEngine(store, clio, qbo, actor="cli", trigger=args.trigger)
    engine.lock_wait = args.wait
    before = runs.latest_id(store)
    try:
        summary = engine.run(dry_run=args.dry_run, progress=bar, cancel=cancel, full=args.full, since=args.since)
    except KeyboardInterrupt:
        cancel.set()
        raise
    finally:
        bar.close()
        clio.close()
        qbo.close()
        _alert(store, args.profile, before)
    if args.dry_run and summary.plan is not None:
        for action in summary.plan.describe():
            print(dumps_json(action))
        for hold in summary.plan.holds:
            print(dumps_json({"held": f"{hold.key[0]} {hold.key[1]}", "reason": hold.reason_code,
                              "message": hold.message}))
        print("Preview:")
        for line in preview.lines(summary.plan):
            print(f"  {line}")
    for line in summary.lines():
        print(line)
    return 0 if summary.ok else 1


def _alert(store: Store, profile: str, before: int) -> None:
    """The run's alert (failed, held, not tied, a sign-in to renew), however the run ended."""
    from app.alerts.after_run import after_run

    latest = runs.latest_id(store)
    for line in after_run(store, profile, runs.get(store, latest) if latest > before else None, now=time.time()):
        print(line, file=sys.stderr)


def cmd_health(args: argparse.Namespace) -> int:
    store = _store(args)
    clio, qbo = clients(args, store)
    try:
        report = health(store, qbo, args.sample)
    finally:
        clio.close()
        qbo.close()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def _runs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--last", type=int, default=20, metavar="N", help="the last N runs (default: %(default)s)")
    p.add_argument("--run", type=int, default=None, metavar="ID", help="one run, with the audit entries it wrote")
    p.add_argument("--firm-db", default=None, help="use this database file instead of the profile's")


def cmd_runs(args: argparse.Namespace) -> int:
    """The sync history, newest first, whoever started each run; or one run and the audit entries it wrote."""
    store = _store(args)
    if args.run is not None:
        found = runs.get(store, args.run)
        if found is None:
            print(f"No run {args.run} in this firm's history.")
            return 2
        print(runs.describe(found))
        for entry in runs.audit_entries(store, found):
            print(f"  #{entry.seq} {entry.ts} {entry.actor} {entry.action} {entry.clio_kind} {entry.clio_id} "
                  f"{entry.qbo_entity} {entry.qbo_id} {entry.detail}".rstrip())
        return 0
    history = runs.history(store, args.last)
    if not history:
        print("No sync has run for this firm yet.")
    for run in history:
        print(runs.describe(run))
    return 0
