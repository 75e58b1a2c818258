"""Findings: each a severity and a sentence a bookkeeper understands, with the items it is about."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from app.model import TrustTxn
from app.money import fmt
from app.reconcile.records import (
    Ambiguity,
    ClientLedger,
    Finding,
    OutstandingItem,
    Severity,
    StoredBankLine,
)

WARN_AGE_DAYS = 90
ALERT_AGE_DAYS = 180
TRANSIT_BUSINESS_DAYS = 3
_ORDER = {Severity.ALERT: 0, Severity.WARNING: 1, Severity.INFO: 2}


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Weekdays after ``start`` up to and including ``end`` (bank holidays are not known here)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for k in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + k)).weekday() < 5:
            count += 1
    return count


def _label(line: StoredBankLine) -> str:
    text = line.text or line.check_number
    return f" ({text})" if text else ""


# What banks call their own charges on a statement line: only such a line is taken for a bank charge.
_CHARGE_WORDS = re.compile(r"\b(FEES?|SERVICE\s+CHARGE|SVC\s+CHG|CHARGE|CHG|NSF|OVERDRAFT|OD\s+FEE|RETURNED\s+ITEM|"
                           r"RETURN(ED)?\s+(CHECK|DEPOSIT)|CHARGEBACK|CHARGE\s*BACK|MAINTENANCE|COMMISSION)\b")


def looks_like_bank_charge(text: str) -> bool:
    return _CHARGE_WORDS.search(text.upper()) is not None


def bank_only(lines: Iterable[StoredBankLine]) -> list[Finding]:
    out = []
    for line in lines:
        when = line.date.isoformat()
        if line.amount < 0 and looks_like_bank_charge(line.text):
            out.append(Finding(
                Severity.ALERT, "bank_charge",
                f"The bank took {fmt(-line.amount)} on {when}{_label(line)} and it is not in the trust journal. "
                "A bank charge must not be paid with clients' trust money: have the bank charge the operating "
                "account or cover it from operating funds, and record it.",
                line.amount, line.date, bank_ids=(line.id,),
            ))
        elif line.amount < 0:
            out.append(Finding(
                Severity.ALERT, "unidentified_withdrawal",
                f"{fmt(-line.amount)} left the trust account on {when}{_label(line)} and it is not in the trust "
                "journal: find out what it paid and from whose money (a check or transfer not recorded in Clio, "
                "or one recorded with another amount or date), and record or correct it.",
                line.amount, line.date, bank_ids=(line.id,),
            ))
        elif "INTEREST" in line.text.upper() or "INT PAID" in line.text.upper():
            out.append(Finding(
                Severity.WARNING, "interest",
                f"The bank paid {fmt(line.amount)} interest on {when} and it is not in the trust journal: "
                "record it (interest on a pooled IOLTA account is normally remitted to the bar foundation).",
                line.amount, line.date, bank_ids=(line.id,),
            ))
        else:
            out.append(Finding(
                Severity.ALERT, "unidentified_deposit",
                f"A deposit of {fmt(line.amount)} on {when}{_label(line)} is not in the trust journal: find out "
                "whose money it is and record it on their matter in Clio.",
                line.amount, line.date, bank_ids=(line.id,),
            ))
    return out


def outstanding(checks: Iterable[OutstandingItem], deposits: Iterable[OutstandingItem], end: dt.date) -> list[Finding]:
    out = []
    for item in checks:
        t = item.txn
        what = f"Check {t.confirmation}" if t.confirmation else "The payment"
        to = f" ({t.description})" if t.description else ""
        base = f"{what} for {fmt(-t.amount)} written {t.date.isoformat()}{to} has not cleared the bank after {item.age_days} days"
        if item.age_days >= ALERT_AGE_DAYS:
            out.append(Finding(
                Severity.ALERT, "stale_check",
                base + ": it is stale. Contact the payee, and if it cannot be cashed void and reissue it or "
                "follow the unclaimed-funds rules; the money still belongs to the client.",
                t.amount, t.date, txn_ids=(t.id,), client=item.client,
            ))
        elif item.age_days >= WARN_AGE_DAYS:
            out.append(Finding(
                Severity.WARNING, "old_check",
                base + ": follow up with the payee.", t.amount, t.date, txn_ids=(t.id,), client=item.client,
            ))
        else:
            out.append(Finding(
                Severity.INFO, "outstanding_check", base + ".", t.amount, t.date, txn_ids=(t.id,), client=item.client,
            ))
    for item in deposits:
        t = item.txn
        days = business_days_between(t.date, end)
        if days > TRANSIT_BUSINESS_DAYS:
            out.append(Finding(
                Severity.WARNING, "late_deposit",
                f"The deposit of {fmt(t.amount)} recorded on {t.date.isoformat()} ({t.description or 'no description'}) "
                f"has not reached the bank after {days} business days: make sure it was actually deposited.",
                t.amount, t.date, txn_ids=(t.id,), client=item.client,
            ))
        else:
            out.append(Finding(
                Severity.INFO, "deposit_in_transit",
                f"The deposit of {fmt(t.amount)} recorded on {t.date.isoformat()} is in transit: the bank has "
                "not shown it yet, which is normal this close to the statement end.",
                t.amount, t.date, txn_ids=(t.id,), client=item.client,
            ))
    return out


def ledgers(rows: Iterable[ClientLedger], qbo_ledgers: Mapping[int, Decimal] | None) -> list[Finding]:
    out = []
    seen_matters = set()
    for row in rows:
        who = row.client_name + (f", matter {row.matter_label}" if row.matter_label else "")
        if row.balance < 0:
            out.append(Finding(
                Severity.ALERT, "negative_ledger",
                f"{who} has a negative trust balance of {fmt(row.balance)}: more was paid out than was held for "
                "this client, so other clients' money covered it. Replace the shortfall from operating funds "
                "and find the entry that caused it.",
                row.balance, client=row.client_name,
            ))
        elif row.lowest is not None and row.lowest < 0 and row.lowest_on is not None:
            out.append(Finding(
                Severity.ALERT, "negative_during_period",
                f"{who} went below zero in trust on {row.lowest_on.isoformat()} (lowest {fmt(row.lowest)}) and "
                f"recovered by the period's end ({fmt(row.balance)}): for those days other clients' money "
                "covered it. Find the entry that came too early or too large, and record how it was replaced.",
                row.lowest, row.lowest_on, client=row.client_name,
            ))
        if row.matter_id is not None:
            seen_matters.add(row.matter_id)
        if qbo_ledgers is not None and row.matter_id is not None and row.qbo_balance is not None:
            if row.qbo_balance != row.balance:
                out.append(Finding(
                    Severity.WARNING, "qbo_client_difference",
                    f"QuickBooks holds {fmt(row.qbo_balance)} in trust for {who}, but Clio's ledger says "
                    f"{fmt(row.balance)} (a difference of {fmt(row.qbo_balance - row.balance)}): look for a "
                    "posting made or changed only in QuickBooks, or one not yet synced.",
                    row.qbo_balance - row.balance, client=row.client_name,
                ))
    for matter_id, value in sorted((qbo_ledgers or {}).items()):
        if matter_id not in seen_matters and value != 0:
            out.append(Finding(
                Severity.WARNING, "qbo_client_difference",
                f"QuickBooks holds {fmt(value)} in trust for Clio matter {matter_id}, which has no trust activity "
                "in Clio up to the statement end: look for a posting made only in QuickBooks.",
                value,
            ))
    return out


def unassigned(entries: list[TrustTxn], total: Decimal) -> list[Finding]:
    if not entries:
        return []
    return [Finding(
        Severity.WARNING, "unassigned_entries",
        f"{len(entries)} trust journal entries totalling {fmt(total)} name no client or matter, so the client "
        "ledgers do not include them: assign each to the matter whose money it is.",
        total, txn_ids=tuple(t.id for t in entries),
    )]


def ambiguities(items: Iterable[Ambiguity]) -> list[Finding]:
    return [
        Finding(
            Severity.WARNING, "needs_a_person",
            f"These could be matched in more than one way ({a.reason}): {len(a.bank_ids)} bank lines and "
            f"{len(a.txn_ids)} journal entries were left for you to match by hand.",
            bank_ids=a.bank_ids, txn_ids=a.txn_ids,
        )
        for a in items
    ]


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(
        findings,
        key=lambda f: (_ORDER[f.severity], f.code, f.date or dt.date.min, f.bank_ids, f.txn_ids, f.message),
    ))
