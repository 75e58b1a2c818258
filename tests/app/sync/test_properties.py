"""Hypothesis over generated firm histories: the trust invariant always holds, the postings of every Clio
record add up to its amount, and syncing is idempotent (a second plan after the first is applied is empty)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import AllocationParent, BillState
from app.sync import invariants
from app.sync.clio_books import Books
from app.sync.plan import PlanInput, Planner, make_plan
from app.sync.slices import FirmIndex

from .books_factory import MAPPING, alloc, apply, bill, books, trust_txn

D = Decimal
money = st.integers(min_value=1, max_value=500_000).map(lambda c: str(D(c) / 100))
qty = st.sampled_from(["0.1", "0.5", "1", "1.25", "2", "7.6", "10"])


@st.composite
def histories(draw):
    n_clients = draw(st.integers(1, 4))
    b = books(n_clients)
    bill_id = 0
    for _ in range(draw(st.integers(0, 8))):
        bill_id += 1
        client = draw(st.integers(1, n_clients))
        lines = []
        for _ in range(draw(st.integers(1, 4))):
            price = draw(money)
            q = draw(qty)
            gross = (D(q) * D(price)).quantize(D("0.01"))
            discount = draw(st.sampled_from(["0", str((gross / 10).quantize(D("0.01")))]))
            lines.append((draw(st.sampled_from(["Service", "Expense"])), q, price, discount))
        state = draw(st.sampled_from([BillState.AWAITING_PAYMENT, BillState.PAID, BillState.DRAFT, BillState.VOID]))
        b.invoices[bill_id] = bill(bill_id, 100 + client, client, lines, state=state)
    alloc_id = 0
    shared = draw(st.booleans())  # one Clio payment may pay several clients' bills
    for inv in list(b.invoices.values()):
        if not inv.is_receivable or not draw(st.booleans()):
            continue
        parent = draw(st.integers(900, 903))
        alloc_id += 1
        share = (inv.total / draw(st.sampled_from([1, 2, 3]))).quantize(D("0.01"))
        b.allocations.append(alloc(alloc_id, inv.id, parent * 10 + (0 if shared else inv.client_id), str(share),
                                   trust=draw(st.booleans()), matter=inv.matter_ids[0], contact=inv.client_id))
    for txn_id in range(1, draw(st.integers(0, 10)) + 1):
        client = draw(st.integers(1, n_clients))
        if draw(st.booleans()):
            b.trust_txns.append(trust_txn(txn_id, 100 + client, client, funds_in=draw(money)))
        else:
            b.trust_txns.append(trust_txn(txn_id, 100 + client, client, funds_out=draw(money)))
    return b


def _plan(b, links=None):
    return make_plan(PlanInput(books=b, mapping=MAPPING, links=links or {}, income_accounts=["14", "15"]))


@settings(max_examples=150, deadline=None)
@given(histories())
def test_trust_invariant_always_holds(b):
    plan = _plan(b)
    trust_ids = MAPPING.trust_account_ids
    for action in plan.actions:
        assert invariants.check(action, trust_ids, ["14", "15"]) is None
        if action.is_trust:
            accounts = {ln.account_id for ln in action.posting.lines}
            assert accounts <= trust_ids and not accounts & {"14", "15"}
            assert action.posting.debits == action.posting.credits
        elif action.posting is not None:
            assert not {ln.account_id for ln in action.posting.lines} & trust_ids


@settings(max_examples=150, deadline=None)
@given(histories())
def test_postings_of_each_clio_record_add_up_to_its_amount(b):
    plan = _plan(b)
    assert not [h for h in plan.holds if h.reason_code in ("amounts_mismatch", "posting_invalid", "trust_invariant")]
    actions = {a.key: a for a in plan.actions}
    for inv in b.invoices.values():
        a = actions.get(("bills", inv.id, "main"))
        if not inv.is_receivable:
            assert a is None
            continue
        net = sum((ln["Amount"] * (-1 if ln["DetailType"] == "DiscountLineDetail" else 1) for ln in a.body["Line"]),
                  D(0))
        assert net == inv.total
    per_parent = defaultdict(lambda: D(0))
    trust_part = defaultdict(lambda: D(0))
    for al in b.allocations:
        if al.parent_type is AllocationParent.PAYMENT:
            per_parent[al.parent_id] += al.amount
            if al.source_is_trust:
                trust_part[al.parent_id] += al.amount
    for parent, total in per_parent.items():
        pays = [a for k, a in actions.items() if k[0] == "payments" and k[1] == parent and k[2] != "trust_transfer"]
        assert sum((p.body["TotalAmt"] for p in pays), D(0)) == total
        transfer = actions.get(("payments", parent, "trust_transfer"))
        assert (transfer.posting.debits if transfer else D(0)) == trust_part[parent]
    overdrafts = {h.key for h in plan.holds if h.reason_code == "trust_overdraft"}
    for txn in b.trust_txns:
        key = ("bank_transactions", txn.id, "main")
        if key in overdrafts:  # held for a person (test_no_history_ends_with_a_silently_negative_ledger)
            assert key not in actions and txn.amount < 0
            continue
        je = actions[key]
        assert je.posting.debits == je.posting.credits == abs(txn.amount)


@settings(max_examples=100, deadline=None)
@given(histories(), st.data())
def test_sync_is_idempotent_across_changes(b, data):
    links = apply(_plan(b), {})
    assert _plan(b, links).actions == []
    # a change in Clio (a bill voided or edited) plans exactly that record, and then nothing again
    receivable = [i for i in b.invoices.values() if i.is_receivable]
    if receivable:
        inv = data.draw(st.sampled_from(receivable))
        paid_bills = {a.bill_id for a in b.allocations}
        if inv.id in paid_bills:
            b.invoices[inv.id] = bill(inv.id, inv.matter_ids[0], inv.client_id,
                                      [("Service", "1", str(inv.total + 1), "0")], etag="e2")
        else:
            b.invoices[inv.id] = bill(inv.id, inv.matter_ids[0], inv.client_id, [("Service", "1", "1", "0")],
                                      state=BillState.VOID, etag="e2")
        changed = _plan(b, links)
        assert [a.key for a in changed.actions] == [("bills", inv.id, "main")]
        links = apply(changed, links)
    assert _plan(b, links).actions == []


def _sliced(b, budget, links=None, first=None):
    """The plan made slice by slice, as the engine makes it for a large firm."""
    planner = Planner(PlanInput(books=Books(), mapping=MAPPING, links=links or {}, income_accounts=["14", "15"]))
    specs = FirmIndex.from_books(b).slices(budget, first)
    actions, holds = [], []
    for spec in specs:
        part = planner.plan_slice(b.subset(spec))
        actions += part.actions
        holds += part.holds
    return specs, actions, holds


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 40), st.none() | st.integers(1, 40))
def test_planning_slice_by_slice_plans_exactly_what_the_whole_firm_plan_does(b, budget, first):
    whole = _plan(b)
    specs, actions, holds = _sliced(b, budget, first=first)
    assert sorted((a.key, a.operation, a.wave, a.chash, a.needs) for a in actions) == \
        sorted((a.key, a.operation, a.wave, a.chash, a.needs) for a in whole.actions)
    assert sorted((h.key, h.reason_code, h.message) for h in holds) == \
        sorted((h.key, h.reason_code, h.message) for h in whole.holds)
    # every record is in exactly one slice
    for kind in ("bills", "allocations", "bank_transactions"):
        ids = [i for spec in specs for i in spec.ids(kind)]
        assert len(ids) == len(set(ids))
    assert sum(len(s.bills) for s in specs) == len(b.invoices)
    # and each payment is planned in the slice of every bill it pays
    for spec in specs:
        for a in b.allocations:
            if a.id in spec.allocations:
                assert a.bill_id in spec.bills


def test_a_small_budget_really_cuts_the_firm_into_slices():
    b = books(4)
    for i in range(1, 5):
        b.invoices[i] = bill(i, 100 + i, i, [("Service", "1", "10.00", "0")])
    b.allocations.append(alloc(1, 1, 901, "10.00", contact=1))
    b.allocations.append(alloc(2, 2, 901, "10.00", contact=2))  # one payment for clients 1 and 2
    specs = FirmIndex.from_books(b).slices(budget=2)
    assert [sorted(s.bills) for s in specs] == [[1, 2], [3], [4]]
    _specs, actions, _holds = _sliced(b, 2)
    assert sorted(a.key for a in actions) == sorted(a.key for a in _plan(b).actions)


def test_slices_can_start_small_and_grow_fourfold_to_the_budget():
    b = books(20)
    for i in range(1, 21):
        b.invoices[i] = bill(i, 100 + i, i, [("Service", "1", "10.00", "0")])  # weight 2: a bill and its line
    assert [s.weight for s in FirmIndex.from_books(b).slices(budget=16, first=2)] == [2, 8, 16, 14]
    assert [s.weight for s in FirmIndex.from_books(b).slices(budget=16)] == [16, 16, 8]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_no_history_ends_with_a_silently_negative_ledger(b):
    """Every day a client's trust ledger ends below zero, that day's money out is held as an overdraft; what
    is posted never takes a ledger below zero on any day."""
    plan = _plan(b)
    held = {h.key for h in plan.holds if h.reason_code == "trust_overdraft"}
    posted = {a.key for a in plan.actions}
    clio: dict[int, Decimal] = defaultdict(lambda: D(0))
    sent: dict[int, Decimal] = defaultdict(lambda: D(0))
    for day in sorted({t.date for t in b.trust_txns}):
        todays = [t for t in b.trust_txns if t.date == day]
        for t in todays:
            clio[t.client_id] += t.amount
            if ("bank_transactions", t.id, "main") in posted:
                sent[t.client_id] += t.amount
        for client, balance in clio.items():
            if balance < 0:
                outs = {("bank_transactions", t.id, "main") for t in todays if t.client_id == client and t.amount < 0}
                assert outs and outs <= held, (client, balance)
        assert all(v >= 0 for v in sent.values()), dict(sent)
