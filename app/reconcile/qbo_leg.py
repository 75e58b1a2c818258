"""The independent leg: QuickBooks' own trust liability, per client matter and in total, as of a day.

The trust journal and the client ledgers are both built from Clio, so they cannot disagree with each other;
QuickBooks can. This reads QuickBooks itself (its journal entries and deposits dated on or before the period's
last day, whoever entered them: Ledgerbridge, Clio's connector or a person), sums each line on the trust
liability account by the customer it names, and maps sub-customers to Clio matters through the sync's
links. A deposit dated after the period does not change the period's figure.

What it does not read: checks, transfers and bills that touch the liability account (a firm that keeps
trust properly posts trust through deposits and journal entries; anything else is a finding of its own).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from app.clients import QboBooks
from app.money import ZERO
from app.qbo.lines import lines_on
from app.store import cache, links
from app.store.db import Store

ENTITIES = ("JournalEntry", "Deposit")


@dataclass(frozen=True)
class QboLeg:
    as_of: dt.date
    liability: Decimal  # the account's balance from QuickBooks' own transactions, credits positive
    per_matter: dict[int, Decimal] = field(default_factory=dict)  # Clio matter id → its sub-customer's line
    other: dict[str, Decimal] = field(default_factory=dict)  # QuickBooks customer Id → balance, not a Clio matter


def read_qbo_leg(store: Store, qbo: QboBooks, liability: str, as_of: dt.date) -> QboLeg:
    """QuickBooks' trust liability on ``liability`` as of ``as_of``: a few paged queries."""
    per_customer: dict[str, Decimal] = defaultdict(lambda: ZERO)
    total = ZERO
    for entity in ENTITIES:
        for row in qbo.query_all(entity, f"TxnDate <= '{as_of.isoformat()}'"):
            for who, amount in lines_on(entity, row, liability):
                total += amount
                per_customer[who] += amount
    matter_of = {lk.qbo_id: lk.clio_id for lk in links.of_entity(store, "Customer").values()
                 if lk.clio_kind == "matters" and lk.state == "posted"}
    per_matter: dict[int, Decimal] = {}
    other: dict[str, Decimal] = {}
    for who, amount in per_customer.items():
        if who in matter_of:
            per_matter[matter_of[who]] = amount
        elif amount != ZERO:
            other[who or "(no customer)"] = amount
    return QboLeg(as_of, total, per_matter, other)


def leg_for_account(store: Store, qbo: QboBooks, account: str, period: str) -> QboLeg | None:
    """The leg for a Clio trust account (by name) and period, through the saved mapping; None when the account
    is not mapped to a QuickBooks liability account."""
    from app.mapping import load_mapping
    from app.reconcile.load import parse_period

    mapping = load_mapping(store)
    _start, end = parse_period(period)
    for t in mapping.trust_accounts if mapping else ():
        raw = cache.get_clio(store, "bank_accounts", t.clio_account_id) or {}
        if t.liability and (raw.get("name") or t.name) == account:
            return read_qbo_leg(store, qbo, t.liability, end)
    return None
