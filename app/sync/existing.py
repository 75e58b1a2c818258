"""What QuickBooks already held before Ledgerbridge: found, so that it is linked and never created again.

Built once per run from the QuickBooks cache (the first run reads invoices, payments, journal entries and
deposits whole: ``app.sync.twoway.EXISTING``), leaving out our own postings (the private-note marker). The
planner asks it for an invoice by DocNumber, a payment by customer, date and amount, and what a customer's
trust liability stood at on a day; what a plan links is claimed, so no QuickBooks record serves two Clio
records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents, fmt
from app.qbo.lines import lines_on, ref_value
from app.store import cache
from app.store.db import Store
from app.sync.rules import MARKER


def _date(row: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(row.get("TxnDate") or "")[:10])
    except ValueError:
        return None


def _voided(row: dict[str, Any]) -> bool:
    return str(row.get("PrivateNote") or "").startswith("Voided")


def describe(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    """QuickBooks' version of a record, as the exception queue shows it beside Clio's."""
    out = {"entity": entity, "Id": str(row.get("Id", "")), "TxnDate": row.get("TxnDate"),
           "CustomerRef": ref_value(row.get("CustomerRef")), "TotalAmt": str(cents(row.get("TotalAmt") or 0))}
    for name in ("DocNumber", "PaymentRefNum"):
        if row.get(name):
            out[name] = row[name]
    return out


@dataclass
class ExistingBooks:
    invoices: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    payments: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    trust_rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (entity, JE or Deposit)
    foreign_invoices: set[str] = field(default_factory=set)
    claimed: set[tuple[str, str]] = field(default_factory=set)
    _balances: dict[tuple[str, dt.date], dict[str, Decimal]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, linked: set[tuple[str, str]] = frozenset()) -> ExistingBooks:  # type: ignore[assignment]
        """``linked``: (entity, Id) already linked to a Clio record; they are not offered again."""
        books = cls(claimed=set(linked))
        for row in cache.iter_qbo_not_marked(store, "Invoice", MARKER):
            if _voided(row):
                continue
            books.foreign_invoices.add(str(row["Id"]))
            books.invoices[str(row.get("DocNumber") or "").strip().casefold()].append(row)
        for row in cache.iter_qbo_not_marked(store, "Payment", MARKER):
            books.payments[ref_value(row.get("CustomerRef"))].append(row)
        for entity in ("JournalEntry", "Deposit"):
            books.trust_rows += [(entity, row) for row in cache.iter_qbo_not_marked(store, entity, MARKER)]
        return books

    def free(self, entity: str, row: dict[str, Any]) -> bool:
        return (entity, str(row["Id"])) not in self.claimed

    def claim(self, entity: str, qbo_id: str) -> None:
        self.claimed.add((entity, str(qbo_id)))

    def invoices_numbered(self, number: str) -> list[dict[str, Any]]:
        return [r for r in self.invoices.get(number.strip().casefold(), []) if self.free("Invoice", r)]

    def payments_of(self, customer: str) -> list[dict[str, Any]]:
        return [r for r in self.payments.get(customer, []) if self.free("Payment", r)]

    def trust_liability(self, liability: str, customer: str, before: dt.date) -> Decimal:
        """What QuickBooks' own records put on ``customer``'s line of the ``liability`` account before a day
        (credits positive): deposit lines and journal entry lines naming the customer."""
        key = (liability, before)
        if key not in self._balances:
            per: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for entity, row in self.trust_rows:
                day = _date(row)
                if day is not None and day < before:
                    for who, amount in lines_on(entity, row, liability):
                        if who:
                            per[who] += amount
            self._balances[key] = dict(per)
        return self._balances[key].get(customer, ZERO)


def amount_text(row: dict[str, Any]) -> str:
    return fmt(cents(row.get("TotalAmt") or 0))
