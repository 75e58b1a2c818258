"""Every ``ledgerbridge`` command, listed here (not registered by importing modules): its name, its help line,
the function that adds its arguments and the function that runs it. A command module may depend on any part
of the core; no part of the core depends on a command module.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from app.commands import alerts, demo, reconcile, sandbox, schedule, store, sync, trust_ledger

Handler = Callable[[argparse.Namespace], int]
Configure = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Configure
    run: Handler


COMMANDS: tuple[Command, ...] = (
    Command("alerts", "where a firm's alerts go (email), and a test message", alerts._alerts_args,
            alerts.cmd_alerts),
    Command("audit", "check the audit log",
            store._audit_args, store.cmd_audit),
    Command("db", "inspect the local database",
            store._db_args, store.cmd_db),
    Command("sandbox", "serve the Clio and QuickBooks emulators with a demo firm",
            sandbox._args, sandbox.cmd_sandbox),
    Command("sync", "copy Clio into QuickBooks (pull, plan, push, verify)",
            sync._sync_args, sync.cmd_sync),
    Command("runs", "the sync history: every run, whoever started it, with its counts, holds and tie-out",
            sync._runs_args, sync.cmd_runs),
    Command("firms", "every firm of this workstation with its last sync, queue and tie-out; add or remove one",
            store._firms_args, store.cmd_firms),
    Command("health", "is the exception queue empty, do invoices and trust tie out",
            sync._health_args, sync.cmd_health),
    Command("import-statement", "import a trust bank statement (OFX/QFX/QBO, or CSV with a saved mapping)",
            reconcile._import_args, reconcile.cmd_import_statement),
    Command("import-trust-ledger", "import the trust ledger export of a source whose API has no trust (MyCase)",
            trust_ledger._args, trust_ledger.cmd_import_trust_ledger),
    Command("reconcile", "three-way trust reconciliation for one account and month",
            reconcile._reconcile_args, reconcile.cmd_reconcile),
    Command("export", "write the reconciliation workbook (.xlsx)",
            reconcile._export_args, reconcile.cmd_export),
    Command("schedule", "sync this firm on a timer of the operating system, also while the app is closed",
            schedule._schedule_args, schedule.cmd_schedule),
    Command("sign-off", "sign off and lock a reconciled month",
            reconcile._signoff_args, reconcile.cmd_sign_off),
    Command("reopen", "reopen the last signed-off month (its signed report is kept; it needs a new sign-off)",
            reconcile._reopen_args, reconcile.cmd_reopen),
    Command("demo", "try Ledgerbridge on a made-up firm served by a local sandbox",
            demo._demo_args, demo.cmd_demo),
)
