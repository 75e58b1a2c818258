"""Checks run on every planned posting before anything is sent.

The trust invariant: a posting that comes from trust activity touches only the mapped trust bank and trust
liability accounts (so a trust amount can never reach income), and its debits equal its credits. And the
other way round: nothing that is not trust activity may touch a trust account. A posting that fails is not
sent; it goes to the exception queue with the sentence returned here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.money import ZERO
from app.sync.actions import Action


def _accounts_in(body: Any) -> set[str]:
    """Every AccountRef / DepositToAccountRef / DiscountAccountRef value in a body."""
    found: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key.endswith("AccountRef") and isinstance(value, dict) and "value" in value:
                found.add(str(value["value"]))
            else:
                found |= _accounts_in(value)
    elif isinstance(body, list):
        for value in body:
            found |= _accounts_in(value)
    return found


def _je_sides(body: dict[str, Any]) -> tuple[Decimal, Decimal]:
    debits = credits = ZERO
    for ln in body.get("Line", []):
        d = ln.get("JournalEntryLineDetail", {})
        if d.get("PostingType") == "Debit":
            debits += ln["Amount"]
        elif d.get("PostingType") == "Credit":
            credits += ln["Amount"]
    return debits, credits


def check(action: Action, trust_account_ids: Iterable[str], income_account_ids: Iterable[str] = ()) -> str | None:
    """None when the action may be sent; otherwise why not, in a bookkeeper's words."""
    if action.operation in ("void", "delete", "link"):
        return None
    trust_ids = set(trust_account_ids)
    touched = _accounts_in(action.body)
    if action.posting is not None:
        touched |= {ln.account_id for ln in action.posting.lines}
    if action.is_trust:
        allowed = set(action.trust_accounts)
        if action.entity != "JournalEntry":
            return f"{action.label} comes from trust activity but would be posted as a {action.entity}."
        stray = touched - allowed
        if stray:
            what = "an income account" if stray & set(income_account_ids) else "an account other than its trust " \
                                                                              "bank and trust liability accounts"
            return (f"{action.label} comes from trust activity but would touch {what}; trust money may only move "
                    "between the trust bank and trust liability accounts.")
        debits, credits = _je_sides(action.body)
        if debits != credits:
            return f"{action.label} does not balance: debits {debits} and credits {credits}."
        if any(ln["Amount"] <= ZERO for ln in action.body.get("Line", [])):
            return f"{action.label} has a line with no positive amount."
        for ln in action.body.get("Line", []):
            d = ln["JournalEntryLineDetail"]
            acct = d["AccountRef"]["value"]
            if acct in allowed and "Entity" not in d and _is_liability(acct, action):
                return f"{action.label} has a trust liability line with no client, so per-client trust balances " \
                       "would not show in QuickBooks."
        return None
    if touched & trust_ids:
        return (f"{action.label} is not trust activity but would touch a trust account; operating money and trust "
                "money are kept apart.")
    if action.posting is not None and action.posting.debits != action.posting.credits:
        return f"{action.label} does not balance: debits {action.posting.debits}, credits {action.posting.credits}."
    return None


def _is_liability(account: str, action: Action) -> bool:
    # trust_accounts is (bank, liability, bank, liability, ...): liabilities sit at odd positions.
    return account in action.trust_accounts[1::2]
