"""Transfers of earned fees from trust to operating that no bill names: finding their two sides.

Clio records such a transfer as two bank transactions, money out of the trust account (for the matter) and
money into an operating account (for the client), with no allocation or bill on either, and nothing else that
ties them. Posting only the trust side would leave the money arriving in operating out of QuickBooks, so the
planner posts both, together; this module pairs them: same client, same day, same amount, and the same
reference when both carry one. Identical candidates are interchangeable (any pairing posts the same entries),
so they pair in id order. An operating deposit that a same-day payment of that client explains (a payment on
several bills, or the operating side of a bill paid from trust: its payment posts it) is never taken.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from app.model import AllocationParent, TrustTxn
from app.money import ZERO
from app.sync.clio_books import Books
from app.sync.rules import trust_owner


def _client_of(txn: TrustTxn, books: Books) -> int | None:
    owner = trust_owner(txn.matter_id, txn.client_id, books.matters)
    if owner is None:
        return None
    if owner[0] == "matters":
        matter = books.matters.get(owner[1])
        return matter.client_id if matter is not None else txn.client_id
    return owner[1]


def operating_sides(books: Books) -> dict[int, TrustTxn]:
    """Trust transaction id → the operating deposit that is the other side of its transfer."""
    payments: dict[tuple[dt.date, int | None, int], Decimal] = defaultdict(lambda: ZERO)
    for a in books.allocations:
        if a.parent_type is AllocationParent.PAYMENT and not a.voided_at:
            payments[(a.date, a.contact_id, a.parent_id)] += a.amount
    explained = {(day, contact, amount) for (day, contact, _pid), amount in payments.items()}
    candidates: dict[tuple[dt.date, int | None, Decimal], list[TrustTxn]] = defaultdict(list)
    for dep in sorted(books.operating_deposits, key=lambda t: t.id):
        client = dep.client_id if dep.client_id is not None else _client_of(dep, books)
        if (dep.date, client, dep.funds_in) not in explained:
            candidates[(dep.date, client, dep.funds_in)].append(dep)
    pairs: dict[int, TrustTxn] = {}
    for txn in sorted(books.trust_txns, key=lambda t: t.id):
        if txn.allocation_id is not None or txn.funds_out <= ZERO or txn.funds_in != ZERO:
            continue
        found = candidates.get((txn.date, _client_of(txn, books), txn.funds_out), [])
        match = next((d for d in found if not (d.confirmation and txn.confirmation)
                      or d.confirmation == txn.confirmation), None)
        if match is not None:
            found.remove(match)
            pairs[txn.id] = match
    return pairs
