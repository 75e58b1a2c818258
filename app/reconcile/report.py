"""The stored form of a reconciliation: JSON that reproduces the signed report exactly.

A signed-off period keeps this JSON and its SHA-256 in ``recon_periods``; reading the period back gives the
same ``Reconciliation`` (and so the same workbook), however the Clio cache or the bank lines change later.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from app.model import TrustTxn
from app.money import dumps_json, loads_json
from app.reconcile.load import ReconcileError
from app.reconcile.records import (
    Ambiguity,
    ClientLedger,
    Finding,
    Match,
    OutstandingItem,
    Reconciliation,
    Rule,
    Severity,
    SignOff,
    StoredBankLine,
)
from app.store import Store, audit

FORMAT = 1


def _d(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _m(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _pd(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _pm(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _money(value: Any) -> Decimal:
    """A money value the report always has."""
    return Decimal(str(value))


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _txn(t: TrustTxn) -> dict[str, Any]:
    return {
        "id": t.id, "etag": t.etag, "bank_account_id": t.bank_account_id, "date": _d(t.date),
        "funds_in": _m(t.funds_in), "funds_out": _m(t.funds_out), "description": t.description,
        "confirmation": t.confirmation, "transaction_type": t.transaction_type, "client_id": t.client_id,
        "matter_id": t.matter_id, "bill_id": t.bill_id, "allocation_id": t.allocation_id,
        "updated_at": t.updated_at,
    }


def _untxn(d: dict[str, Any]) -> TrustTxn:
    return TrustTxn(**{**d, "date": _pd(d["date"]), "funds_in": _pm(d["funds_in"]), "funds_out": _pm(d["funds_out"])})


def _line(b: StoredBankLine) -> dict[str, Any]:
    return {
        "id": b.id, "date": _d(b.date), "amount": _m(b.amount), "payee": b.payee, "memo": b.memo,
        "check_number": b.check_number, "fitid": b.fitid, "statement_id": b.statement_id,
        "adjusts_period": b.adjusts_period,
    }


def _unline(d: dict[str, Any]) -> StoredBankLine:
    return StoredBankLine(**{**d, "date": _pd(d["date"]), "amount": _pm(d["amount"])})


def to_dict(rec: Reconciliation) -> dict[str, Any]:
    """Everything but the sign-off (which is stored beside the report, not inside it)."""
    return {
        "format": FORMAT,
        "firm": rec.firm,
        "account": rec.account,
        "bank_account_id": rec.bank_account_id,
        "period": rec.period,
        "start": _d(rec.start),
        "end": _d(rec.end),
        "statement_balance": _m(rec.statement_balance),
        "opening_balance": _m(rec.opening_balance),
        "deposits_in_transit": [{"txn": _txn(i.txn), "age_days": i.age_days, "client": i.client}
                                for i in rec.deposits_in_transit],
        "outstanding_checks": [{"txn": _txn(i.txn), "age_days": i.age_days, "client": i.client}
                               for i in rec.outstanding_checks],
        "adjusted_bank_balance": _m(rec.adjusted_bank_balance),
        "journal_balance": _m(rec.journal_balance),
        "client_ledgers": [
            {"client_id": c.client_id, "client_name": c.client_name, "matter_id": c.matter_id,
             "matter_label": c.matter_label, "balance": _m(c.balance), "entries": c.entries,
             "qbo_balance": _m(c.qbo_balance), "lowest": _m(c.lowest), "lowest_on": _d(c.lowest_on)}
            for c in rec.client_ledgers
        ],
        "client_ledger_total": _m(rec.client_ledger_total),
        "qbo_liability": _m(rec.qbo_liability),
        "bank_lines": [_line(b) for b in rec.bank_lines],
        "journal": [_txn(t) for t in rec.journal],
        "matches": [
            {"bank_ids": list(m.bank_ids), "txn_ids": list(m.txn_ids), "rule": m.rule.value, "score": m.score,
             "manual_id": m.manual_id, "made_by": m.made_by, "made_at": m.made_at, "amount": _m(m.amount)}
            for m in rec.matches
        ],
        "unmatched_bank": [_line(b) for b in rec.unmatched_bank],
        "ambiguities": [{"bank_ids": list(a.bank_ids), "txn_ids": list(a.txn_ids), "reason": a.reason}
                        for a in rec.ambiguities],
        "findings": [
            {"severity": f.severity.value, "code": f.code, "message": f.message, "amount": _m(f.amount),
             "date": _d(f.date), "bank_ids": list(f.bank_ids), "txn_ids": list(f.txn_ids), "client": f.client}
            for f in rec.findings
        ],
        "bank_only_total": _m(rec.bank_only_total),
        "unexplained_bank_difference": _m(rec.unexplained_bank_difference),
        "unassigned_total": _m(rec.unassigned_total),
        "cleared_before_ids": list(rec.cleared_before_ids),
        "resolutions": [list(r) for r in rec.resolutions],
        "audit_head": rec.audit_head,
    }


def from_dict(d: dict[str, Any], signoff: SignOff | None = None) -> Reconciliation:
    if d.get("format") != FORMAT:
        raise ReconcileError(
            f"The stored report is in format {d.get('format')!r}, which this version cannot read",
            next_step="Open it with the Ledgerbridge version that signed it.",
        )
    def item(x: dict[str, Any]) -> OutstandingItem:
        return OutstandingItem(_untxn(x["txn"]), x["age_days"], x["client"])
    return Reconciliation(
        firm=d["firm"],
        account=d["account"],
        bank_account_id=d["bank_account_id"],
        period=d["period"],
        start=_day(d["start"]),
        end=_day(d["end"]),
        statement_balance=_pm(d["statement_balance"]),
        opening_balance=_pm(d["opening_balance"]),
        deposits_in_transit=tuple(item(x) for x in d["deposits_in_transit"]),
        outstanding_checks=tuple(item(x) for x in d["outstanding_checks"]),
        adjusted_bank_balance=_pm(d["adjusted_bank_balance"]),
        journal_balance=_money(d["journal_balance"]),
        client_ledgers=tuple(
            ClientLedger(c["client_id"], c["client_name"], c["matter_id"], c["matter_label"], _money(c["balance"]),
                         c["entries"], _pm(c["qbo_balance"]), _pm(c.get("lowest")), _pd(c.get("lowest_on")))
            for c in d["client_ledgers"]
        ),
        client_ledger_total=_money(d["client_ledger_total"]),
        qbo_liability=_pm(d["qbo_liability"]),
        bank_lines=tuple(_unline(b) for b in d["bank_lines"]),
        journal=tuple(_untxn(t) for t in d["journal"]),
        matches=tuple(
            Match(tuple(m["bank_ids"]), tuple(m["txn_ids"]), Rule(m["rule"]), m["score"], m["manual_id"],
                  m["made_by"], m["made_at"], _pm(m["amount"]))
            for m in d["matches"]
        ),
        unmatched_bank=tuple(_unline(b) for b in d["unmatched_bank"]),
        ambiguities=tuple(Ambiguity(tuple(a["bank_ids"]), tuple(a["txn_ids"]), a["reason"]) for a in d["ambiguities"]),
        findings=tuple(
            Finding(Severity(f["severity"]), f["code"], f["message"], _pm(f["amount"]), _pd(f["date"]),
                    tuple(f["bank_ids"]), tuple(f["txn_ids"]), f["client"])
            for f in d["findings"]
        ),
        bank_only_total=_money(d["bank_only_total"]),
        unexplained_bank_difference=_pm(d["unexplained_bank_difference"]),
        unassigned_total=_money(d["unassigned_total"]),
        cleared_before_ids=tuple(d["cleared_before_ids"]),
        signoff=signoff,
        resolutions=tuple((str(k), str(v)) for k, v in d.get("resolutions", [])),
        audit_head=str(d.get("audit_head") or ""),
    )


def to_json(rec: Reconciliation) -> str:
    return dumps_json(to_dict(rec))


def _signed_rows(store: Store, account: str) -> list[Any]:
    return store.query("SELECT * FROM recon_periods WHERE account = ? ORDER BY period", (account,))


def _from_row(row: Any) -> Reconciliation:
    text = row["report"]
    if audit.digest(text) != row["report_digest"]:
        raise ReconcileError(
            f"The signed report of {row['account']} for {row['period']} does not match its digest: it was "
            "changed after sign-off",
            kept="The stored report was left as it is.",
            next_step="Restore the database from a backup, and run 'ledgerbridge audit verify'.",
        )
    signoff = SignOff(
        row["prepared_by"], row["reviewed_by"], dt.date.fromisoformat(row["signed_on"]), row["note"],
        row["signed_at"], row["report_digest"],
    )
    return from_dict(loads_json(text), signoff)


def load_signed(store: Store, account: str, period: str) -> Reconciliation | None:
    rows = store.query("SELECT * FROM recon_periods WHERE account = ? AND period = ?", (account, period))
    return _from_row(rows[0]) if rows else None


def settled_before(store: Store, account: str, period: str) -> tuple[set[int], set[int], bool]:
    """Bank line ids and journal entry ids settled by signed-off periods before ``period``."""
    bank_ids: set[int] = set()
    txn_ids: set[int] = set()
    any_signed = False
    for row in _signed_rows(store, account):
        if row["period"] >= period:
            continue
        any_signed = True
        data = json.loads(row["report"])
        for m in data["matches"]:
            bank_ids.update(m["bank_ids"])
            txn_ids.update(m["txn_ids"])
        txn_ids.update(data["cleared_before_ids"])
    return bank_ids, txn_ids, any_signed


def settled_in(store: Store, account: str) -> dict[str, tuple[set[int], set[int]]]:
    """Per signed period: the bank line ids and entry ids its report matched (those can no longer change)."""
    out = {}
    for row in _signed_rows(store, account):
        data = json.loads(row["report"])
        out[row["period"]] = (
            {i for m in data["matches"] for i in m["bank_ids"]},
            {i for m in data["matches"] for i in m["txn_ids"]} | set(data["cleared_before_ids"]),
        )
    return out


def signed_periods(store: Store) -> dict[str, list[str]]:
    """Per trust account (its name as in Clio): the periods signed off, in order."""
    out: dict[str, list[str]] = {}
    for row in store.query("SELECT account, period FROM recon_periods ORDER BY account, period"):
        out.setdefault(row["account"], []).append(row["period"])
    return out


def signed_months(store: Store) -> dict[str, dict[str, str]]:
    """Per trust account: each signed period and a sentence naming its signed report (for the sync's holds)."""
    out: dict[str, dict[str, str]] = {}
    for row in store.query("SELECT account, period, prepared_by, reviewed_by, signed_on, report_digest "
                           "FROM recon_periods ORDER BY account, period"):
        out.setdefault(row["account"], {})[row["period"]] = (
            f"the reconciliation of {row['account']} for {row['period']}, signed off on {row['signed_on']} by "
            f"{row['prepared_by']} and {row['reviewed_by']} (report {row['report_digest'][:12]})")
    return out
