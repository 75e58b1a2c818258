"""Payments without links: which Smokeball invoice each ``InvoicePayment`` paid.

Smokeball records a payment as a bank transaction of type ``InvoicePayment`` on the matter, with no invoice
id; an invoice shows only ``invoiceTotals.paid`` (and ``paidDate`` once fully paid). So, per matter, the
payments are assigned to invoices so that each invoice's assigned payments add up to its ``paid`` exactly, a
payment never paying an invoice issued after it or fully paid before it. The search counts the assignments
that explain every ``paid`` total:

- exactly one: each payment is matched, and can post as a QuickBooks Payment linked to its invoice;
- several: the payments that differ between them are ambiguous, held with their candidate invoices for a
  person to choose; the payments every assignment agrees on are still matched;
- none: nothing of the matter is matched; its payments are held as unexplained, with the totals that disagree.

A reversed payment (``InvoicePaymentReversal`` naming it) and its reversal leave the matter before matching:
Smokeball's ``paid`` no longer counts them. The search is bounded (``budget`` steps); a matter beyond it is
held as ambiguous rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from app.money import ZERO


@dataclass(frozen=True)
class Invoice:
    id: str
    matter_id: str
    issued: dt.date
    paid: Decimal
    paid_date: dt.date | None = None  # set by Smokeball only when the invoice is fully paid


@dataclass(frozen=True)
class Payment:
    id: str
    matter_id: str
    date: dt.date
    amount: Decimal
    payor: str = ""
    reverses: str | None = None  # an InvoicePaymentReversal: the payment it reverses


@dataclass
class Outcome:
    matched: dict[str, str] = field(default_factory=dict)  # payment id → invoice id
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # payment id → candidate invoice ids
    unexplained: dict[str, str] = field(default_factory=dict)  # payment id → why, in a bookkeeper's words
    reversed: set[str] = field(default_factory=set)  # payments taken back, with their reversals


def match_payments(invoices: Iterable[Invoice], payments: Iterable[Payment], *, budget: int = 200_000,
                   chosen: Mapping[str, str] | None = None) -> Outcome:
    """``chosen``: payment id → invoice id, a person's choice for a payment that was ambiguous. A choice that
    fits (the invoice is the payment's matter's, issued by then, with that much of its paid total left) is
    taken as a match before the rest are searched; one that no longer fits is ignored."""
    out = Outcome()
    by_matter_inv: dict[str, list[Invoice]] = defaultdict(list)
    for inv in invoices:
        by_matter_inv[inv.matter_id].append(inv)
    live = _without_reversed(list(payments), out)
    by_matter_pay: dict[str, list[Payment]] = defaultdict(list)
    for p in live:
        by_matter_pay[p.matter_id].append(p)
    for matter, pays in by_matter_pay.items():
        invs, pays = _apply_choices(by_matter_inv.get(matter, []), pays, chosen or {}, out)
        _match_matter(sorted(invs, key=lambda i: (i.issued, i.id)), sorted(pays, key=lambda p: (p.date, p.id)),
                      out, budget)
    return out


def _apply_choices(invoices: list[Invoice], pays: list[Payment], chosen: Mapping[str, str], out: Outcome
                   ) -> tuple[list[Invoice], list[Payment]]:
    """Take the choices that fit as matches; the invoices' paid totals left for the others to explain."""
    left = {i.id: i.paid for i in invoices}
    by_id = {i.id: i for i in invoices}
    rest: list[Payment] = []
    for p in sorted(pays, key=lambda p: (p.date, p.id)):
        inv = by_id.get(chosen.get(p.id, ""))
        if inv is not None and inv.issued <= p.date and left[inv.id] >= p.amount:
            left[inv.id] -= p.amount
            out.matched[p.id] = inv.id
        else:
            rest.append(p)
    return [replace(i, paid=left[i.id]) for i in invoices], rest


def _without_reversed(payments: list[Payment], out: Outcome) -> list[Payment]:
    reversed_ids = {p.reverses for p in payments if p.reverses}
    out.reversed |= {p.id for p in payments if p.reverses or p.id in reversed_ids}
    return [p for p in payments if not p.reverses and p.id not in reversed_ids]


def _match_matter(invoices: list[Invoice], pays: list[Payment], out: Outcome, budget: int) -> None:
    options = {p.id: [i.id for i in invoices if i.issued <= p.date and (i.paid_date is None or p.date <= i.paid_date)
                      and i.paid > ZERO] for p in pays}
    total_paid = sum((i.paid for i in invoices), ZERO)
    total_pay = sum((p.amount for p in pays), ZERO)
    search = _Search(invoices, pays, options, budget)
    solutions = search.solve({}, limit=2) if total_pay == total_paid else []
    if search.exhausted:
        for p in pays:
            out.ambiguous[p.id] = options[p.id]
        return
    if not solutions:
        why = (f"the matter's payments add up to {total_pay} and its invoices show {total_paid} paid"
               if total_pay != total_paid else "no way of applying the payments gives each invoice its paid total")
        for p in pays:
            out.unexplained[p.id] = why
        return
    if len(solutions) == 1:
        out.matched.update(solutions[0])
        return
    # Several assignments explain the totals. A payment is still matched when no assignment at all puts it
    # elsewhere (each other candidate is tried); the others are a person's choice among their candidates.
    for p in pays:
        alternatives = [c for c in options[p.id] if c != solutions[0][p.id]]
        moved = any(search.solve({p.id: c}, limit=1) for c in alternatives)
        if moved or search.exhausted:
            out.ambiguous[p.id] = options[p.id]
        else:
            out.matched[p.id] = solutions[0][p.id]


class _Search:
    """Depth-first over the payments (largest first: they constrain most), each to one of its candidate
    invoices with room for it; a solution leaves every invoice's paid total exactly used."""

    def __init__(self, invoices: list[Invoice], pays: list[Payment], options: dict[str, list[str]],
                 budget: int) -> None:
        self.paid = {i.id: i.paid for i in invoices}
        self.order = sorted(pays, key=lambda p: (-p.amount, p.date, p.id))
        self.options = options
        self.budget = budget
        self.steps = 0
        self.exhausted = False

    def solve(self, forced: dict[str, str], *, limit: int) -> list[dict[str, str]]:
        remaining = dict(self.paid)
        found: list[dict[str, str]] = []
        chosen: dict[str, str] = {}

        def visit(k: int) -> None:
            if len(found) >= limit or self.exhausted:
                return
            self.steps += 1
            if self.steps > self.budget:
                self.exhausted = True
                return
            if k == len(self.order):
                if all(v == ZERO for v in remaining.values()):
                    found.append(dict(chosen))
                return
            p = self.order[k]
            for inv_id in [forced[p.id]] if p.id in forced else self.options[p.id]:
                if remaining.get(inv_id, ZERO) >= p.amount:
                    remaining[inv_id] -= p.amount
                    chosen[p.id] = inv_id
                    visit(k + 1)
                    del chosen[p.id]
                    remaining[inv_id] += p.amount

        visit(0)
        return found
