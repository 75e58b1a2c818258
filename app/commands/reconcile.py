"""Headless commands: ``import-statement``, ``reconcile``, ``export`` and ``sign-off``.

``reconcile`` exits 0 only when the period ties to the cent and nothing needs attention (no alert or
warning finding); 1 when it ran but found something; 2 on an error a person must fix first.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from app.bank import import_statement
from app.commands.common import open_profile_store
from app.errors import LedgerbridgeError
from app.export.pdf_report import write_pdf_for
from app.money import fmt, parse_amount
from app.reconcile.engine import reconcile
from app.reconcile.load import ReconcileError
from app.reconcile.records import Reconciliation, Severity
from app.reconcile.signoff import reopen, sign_off


def _amount(text: str):
    try:
        return parse_amount(text)
    except LedgerbridgeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the statement: OFX, QFX, QBO, or CSV (with --csv-mapping)")
    p.add_argument("--account", required=True, help="the trust bank account's name, as in Clio")
    p.add_argument("--csv-mapping", default=None, help="the name of a CSV column mapping saved for the account")


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--account", required=True, help="the trust bank account's name, as in Clio")
    p.add_argument("--period", required=True, help="the statement month, YYYY-MM")
    p.add_argument("--qbo-liability", type=_amount, default=None,
                   help="the QuickBooks trust liability balance at the period end, to compare")
    p.add_argument("--qbo", action="store_true",
                   help="read QuickBooks' own trust liability, per client matter and in total, as of the period's "
                        "last day, through the profile's connection (the independent leg)")


def _reconcile_args(p: argparse.ArgumentParser) -> None:
    _period_args(p)
    p.add_argument("--statement", default=None, help="import this statement file first")
    p.add_argument("--csv-mapping", default=None, help="the saved CSV column mapping for --statement")


def _export_args(p: argparse.ArgumentParser) -> None:
    _period_args(p)
    p.add_argument("--out", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--pdf", default=None, metavar="FILE.pdf", help="also write the PDF report a bar auditor files")


def _signoff_args(p: argparse.ArgumentParser) -> None:
    _period_args(p)
    p.add_argument("--prepared-by", required=True)
    p.add_argument("--reviewed-by", required=True)
    p.add_argument("--date", default=None, help="the sign-off date, YYYY-MM-DD (default: today)")
    p.add_argument("--note", default="")
    p.add_argument("--resolve", type=_resolution, action="append", default=[], metavar="ITEM=TEXT",
                   help="what was done about one open item (the item keys are listed by 'ledgerbridge reconcile'); "
                        "every alert and warning needs one")


def _do_import(store, file: str, account: str, mapping: str | None) -> None:
    result = import_statement(store, file, account, mapping, actor="cli")
    print(f"{file}: {result.summary}")
    for w in result.warnings:
        print(f"  note: {w.file} line {w.line}: {w.message}")


def cmd_import_statement(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        _do_import(store, args.file, args.account, args.csv_mapping)
    finally:
        store.close()
    return 0


def _qbo_leg(args: argparse.Namespace, store: Any) -> dict[str, Any]:
    """``qbo_liability`` (and with ``--qbo`` the per-matter ``qbo_ledgers``) for ``reconcile``/``sign_off``."""
    if not args.qbo:
        return {"qbo_liability": args.qbo_liability}
    from app.connections import build_clients
    from app.reconcile.qbo_leg import leg_for_account

    clio, qbo = build_clients(store, args.profile)
    try:
        leg = leg_for_account(store, qbo, args.account, args.period)
    finally:
        clio.close()
        qbo.close()
    if leg is None:
        raise ReconcileError(f"{args.account} is not mapped to a QuickBooks trust liability account",
                             next_step="Map it in the setup wizard, or leave out --qbo.")
    return {"qbo_liability": leg.liability, "qbo_ledgers": leg.per_matter}


def print_report(rec: Reconciliation) -> None:
    def money(v) -> str:
        return "n/a" if v is None else fmt(v)

    print(f"Three-way reconciliation: {rec.account}, {rec.period}" + (" (signed off)" if rec.locked else ""))
    print(f"  Bank statement ending balance  {money(rec.statement_balance):>16}")
    print(f"  + deposits in transit          {money(rec.deposits_in_transit_total):>16}")
    print(f"  - outstanding checks           {money(rec.outstanding_checks_total):>16}")
    print(f"  = adjusted bank balance        {money(rec.adjusted_bank_balance):>16}")
    print(f"  Trust journal balance          {money(rec.journal_balance):>16}")
    print(f"  Client ledgers total           {money(rec.client_ledger_total):>16}")
    if rec.qbo_liability is not None:
        print(f"  QuickBooks trust liability     {money(rec.qbo_liability):>16}")
    print(f"  Bank lines not in the journal  {money(rec.bank_only_total):>16}")
    print(f"  Unexplained difference         {money(rec.unexplained_bank_difference):>16}")
    print("  Result: " + rec.result_sentence())
    print(f"  {len(rec.matches)} matches; {len(rec.findings)} findings")
    keys = {id(f): key for key, f in rec.open_items}
    resolved = dict(rec.resolutions)
    for f in rec.findings:
        key = keys.get(id(f))
        print(f"  [{f.severity.value}] {f.message}" + (f"  (item {key})" if key else ""))
        if key and key in resolved:
            print(f"      resolution: {resolved[key]}")


def _resolution(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write it as ITEM=what was done, e.g. "
                                         "bank_charge:2026-10-15:-15.00=refunded by the bank on 2026-11-03")
    return key.strip(), value.strip()


def _needs_attention(rec: Reconciliation) -> bool:
    return not rec.tied or any(f.severity in (Severity.ALERT, Severity.WARNING) for f in rec.findings)


def cmd_reconcile(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        if args.statement:
            _do_import(store, args.statement, args.account, args.csv_mapping)
        rec = reconcile(store, args.account, args.period, **_qbo_leg(args, store))
    finally:
        store.close()
    print_report(rec)
    return 1 if _needs_attention(rec) else 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.export import write_workbook

    store = open_profile_store(args)
    try:
        rec = reconcile(store, args.account, args.period, **_qbo_leg(args, store))
        if args.pdf:
            pdf = write_pdf_for(store, rec, args.pdf)
            print(f"Wrote {pdf}.")
    finally:
        store.close()
    path = write_workbook(rec, args.out)
    print(f"Wrote {path} ({rec.result.value.lower()}; {len(rec.findings)} findings).")
    return 0


def cmd_sign_off(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        when = dt.date.fromisoformat(args.date) if args.date else None
        rec = sign_off(
            store, args.account, args.period, prepared_by=args.prepared_by, reviewed_by=args.reviewed_by,
            signed_on=when, note=args.note, resolutions=dict(args.resolve), **_qbo_leg(args, store),
        )
    finally:
        store.close()
    assert rec.signoff is not None
    print(f"Signed off {rec.account} {rec.period}; report digest {rec.signoff.report_digest}.")
    print(f"Audit chain head when signed: {rec.audit_head} (keep it with the signed report; "
          "'ledgerbridge audit anchor' prints the current one)")
    return 0


def _reopen_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--account", required=True, help="the trust bank account's name, as in Clio")
    p.add_argument("--period", required=True, help="the signed-off month to reopen, YYYY-MM (the latest one)")
    p.add_argument("--reason", required=True, help="why it is reopened (kept in the audit trail)")
    p.add_argument("--by", default="cli", help="who reopens it")


def cmd_reopen(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        reopen(store, args.account, args.period, reason=args.reason, actor=args.by)
    finally:
        store.close()
    print(f"Reopened {args.account} {args.period}: its signed report is kept; sign it off again when corrected.")
    return 0
