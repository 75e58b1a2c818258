"""Payments without links: each Smokeball InvoicePayment assigned to the invoice whose paid total it explains."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.smokeball.payments import Invoice, Payment, match_payments

D = Decimal
DAY = dt.date(2026, 10, 1)


def day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def test_distinct_amounts_match_uniquely():
    invoices = [Invoice("i1", "m", day(0), D("300.00"), day(5)), Invoice("i2", "m", day(1), D("450.00"))]
    payments = [Payment("p1", "m", day(5), D("300.00")), Payment("p2", "m", day(6), D("200.00")),
                Payment("p3", "m", day(7), D("250.00"))]
    out = match_payments(invoices, payments)
    assert out.matched == {"p1": "i1", "p2": "i2", "p3": "i2"} and not out.ambiguous and not out.unexplained


def test_two_interchangeable_invoices_are_held_for_a_person_with_the_candidates():
    invoices = [Invoice("i1", "m", day(0), D("100.00")), Invoice("i2", "m", day(0), D("100.00")),
                Invoice("i3", "m", day(0), D("999.00"))]
    payments = [Payment("p1", "m", day(3), D("100.00")), Payment("p2", "m", day(4), D("100.00")),
                Payment("p3", "m", day(4), D("999.00"))]
    out = match_payments(invoices, payments)
    assert out.matched == {"p3": "i3"}  # every assignment agrees on it
    assert out.ambiguous == {"p1": ["i1", "i2", "i3"], "p2": ["i1", "i2", "i3"]}


def test_dates_decide_between_equal_amounts():
    # i1 was fully paid on day 3: the payment of day 9 cannot be its; so each payment has one invoice
    invoices = [Invoice("i1", "m", day(0), D("100.00"), paid_date=day(3)), Invoice("i2", "m", day(5), D("100.00"))]
    payments = [Payment("p1", "m", day(3), D("100.00")), Payment("p2", "m", day(9), D("100.00"))]
    assert match_payments(invoices, payments).matched == {"p1": "i1", "p2": "i2"}


def test_a_reversed_payment_and_its_reversal_leave_the_matching():
    invoices = [Invoice("i1", "m", day(0), D("100.00"))]
    payments = [Payment("p1", "m", day(1), D("100.00")), Payment("r1", "m", day(2), D("100.00"), reverses="p1"),
                Payment("p2", "m", day(3), D("100.00"))]
    out = match_payments(invoices, payments)
    assert out.matched == {"p2": "i1"} and out.reversed == {"p1", "r1"}


def test_payments_that_no_paid_total_explains_are_held_saying_why():
    out = match_payments([Invoice("i1", "m", day(0), D("100.00"))], [Payment("p1", "m", day(1), D("90.00"))])
    assert out.unexplained == {"p1": "the matter's payments add up to 90.00 and its invoices show 100.00 paid"}


def test_a_search_beyond_its_budget_is_held_never_guessed():
    invoices = [Invoice(f"i{n}", "m", day(0), D("10.00")) for n in range(12)]
    payments = [Payment(f"p{n}", "m", day(1), D("10.00")) for n in range(12)]
    out = match_payments(invoices, payments, budget=500)
    assert not out.matched and len(out.ambiguous) == 12


@st.composite
def histories(draw):
    invoices, payments = [], []
    for m in range(draw(st.integers(1, 3))):
        for n in range(draw(st.integers(1, 4))):
            issued = draw(st.integers(0, 20))
            parts = draw(st.lists(st.integers(1, 400), min_size=1, max_size=3))
            paid = sum(parts)
            full = draw(st.booleans())
            dates = sorted(draw(st.lists(st.integers(issued, issued + 30), min_size=len(parts),
                                         max_size=len(parts))))
            invoices.append(Invoice(f"m{m}i{n}", f"m{m}", day(issued), D(paid) / 4,
                                    paid_date=day(dates[-1]) if full else None))
            payments += [Payment(f"m{m}i{n}p{k}", f"m{m}", day(d), D(a) / 4) for k, (a, d) in
                         enumerate(zip(parts, dates, strict=True))]
    order = draw(st.permutations(payments))
    return invoices, list(order)


@settings(max_examples=300, deadline=None)
@given(histories())
def test_once_nothing_waits_for_a_person_every_invoices_applied_payments_equal_its_paid(history):
    """The trust property of the issue at the matching level: when the queue is empty (nothing ambiguous or
    unexplained), each invoice's applied payments equal Smokeball's paid total, so its QuickBooks balance is
    Smokeball's unpaid; and whatever is matched never over-applies an invoice."""
    invoices, payments = history
    out = match_payments(invoices, payments)
    amount = {p.id: p.amount for p in payments}
    applied = {i.id: D(0) for i in invoices}
    for pid, iid in out.matched.items():
        applied[iid] += amount[pid]
    assert all(applied[i.id] <= i.paid for i in invoices)
    sorted_out = set(out.matched) | set(out.ambiguous) | set(out.unexplained)
    assert sorted_out == {p.id for p in payments}  # every payment is in exactly one place
    assert not (set(out.matched) & set(out.ambiguous)) and not (set(out.matched) & set(out.unexplained))
    assert not out.unexplained  # generated histories are always explainable
    if not out.ambiguous:
        assert all(applied[i.id] == i.paid for i in invoices)
