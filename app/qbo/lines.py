"""Reading QuickBooks transactions' lines: which account and customer each one touches, and how much."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.money import cents


def ref_value(ref: Any) -> str:
    """The Id in a QuickBooks reference ({"value": ..., "name": ...}), or the bare value."""
    return str(ref.get("value") or "") if isinstance(ref, dict) else str(ref or "")


def lines_on(entity: str, row: dict[str, Any], account: str) -> list[tuple[str, Decimal]]:
    """(customer Id or "", amount with credits positive) of each line of a Deposit or JournalEntry on
    ``account``."""
    out = []
    for ln in row.get("Line") or []:
        if entity == "Deposit":
            d = ln.get("DepositLineDetail") or {}
            who, sign = ref_value(d.get("Entity")), 1
        else:
            d = ln.get("JournalEntryLineDetail") or {}
            who = ref_value((d.get("Entity") or {}).get("EntityRef"))
            sign = 1 if d.get("PostingType") == "Credit" else -1
        if ref_value(d.get("AccountRef")) == account:
            out.append((who, sign * cents(ln.get("Amount") or 0)))
    return out
