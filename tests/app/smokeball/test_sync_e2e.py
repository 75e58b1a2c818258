"""A Smokeball firm synced into QuickBooks end to end, over HTTP, through the same engine as Clio's: invoices
with their lines, payments matched to invoices without links, trust activity, holds a person resolves."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from app.sandbox.smokeball import activity
from app.store import audit, links
from app.store import exceptions as exq
from app.sync.clio_books import load_books

from .conftest import SmokeballRig


def choose_as_the_firm_knows(rig: SmokeballRig) -> int:
    """What a bookkeeper does with an ambiguous payment: picks the invoice it paid (here, the generator knows)."""
    assert rig.sb.smokeball_truth is not None
    truth = rig.sb.smokeball_truth.paid_by
    chosen = 0
    for item in exq.list_items(rig.store, reason_code="payment_ambiguous"):
        if item.status != "open":
            continue
        guid = next(iter(_payment_guids(rig, int(item.clio_id))))
        exq.choose(rig.store, item.id, truth[guid], actor="user:ann")
        chosen += 1
    return chosen


def _payment_guids(rig: SmokeballRig, number: int) -> set[str]:
    rows = rig.store.query("SELECT source_id FROM source_ids WHERE kind = 'bank_transactions' AND id = ?", (number,))
    return {r["source_id"] for r in rows}


def test_smokeball_firm_end_to_end_then_a_quiet_sync(sbrig: SmokeballRig) -> None:
    mapping = sbrig.map_defaults()
    first = sbrig.engine.run()
    # exactly the planted problems wait: two payments nothing tells apart, a bank fee and interest on pooled trust
    held = Counter(i.reason_code for i in exq.list_items(sbrig.store, status="open"))
    assert held == {"payment_ambiguous": 2, "trust_account_charge": 2}, first.lines()
    item = exq.list_items(sbrig.store, reason_code="payment_ambiguous")[0]
    assert [c["label"].split(" (")[0] for c in exq.candidates(item)] == ["invoice 9000", "invoice 9001"]
    # every other invoice's QuickBooks balance is what Smokeball says is unpaid
    unpaid, balances = sbrig.smokeball_unpaid(), sbrig.qbo_balances()
    assert set(balances) == set(unpaid)
    twins = {g for rows in sbrig.sb.smokeball.invoices.values() for i in rows if i["invoiceNumber"] >= 9000
             for g in [i["id"]]}
    assert {g for g in unpaid if balances[g] != unpaid[g]} == twins
    # trust: the posted journal equals Smokeball's per-matter balances, and trust never reaches income
    assert all(t.ties for t in first.trust) and "in Smokeball and QuickBooks" in first.trust[0].sentence()
    books = load_books(sbrig.store)
    per_matter = Counter()
    for t in books.trust_txns:
        per_matter[t.matter_id] += t.amount
    numbers = {r["source_id"]: r["id"] for r in sbrig.store.query("SELECT * FROM source_ids WHERE kind='matters'")}
    assert {numbers[m]: b for m, b in sbrig.trust_by_matter().items() if b} == {k: v for k, v in per_matter.items() if v}
    trust_ids = mapping.trust_account_ids
    for pay in sbrig.qbo.query_all("Payment"):
        assert pay["DepositToAccountRef"]["value"] not in trust_ids
    assert audit.verify(sbrig.store).ok
    # the person chooses; the next sync posts both payments and every balance agrees
    assert choose_as_the_firm_knows(sbrig) == 2
    second = sbrig.engine.run()
    # posted by the choice, the items resolve (not left waiting in retry)
    assert Counter(i.reason_code for i in exq.list_items(sbrig.store, status=None)
                   if str(i.status) in exq.WAITING) == {"trust_account_charge": 2}
    assert sbrig.qbo_balances() == sbrig.smokeball_unpaid(), second.lines()
    # nothing changed: nothing is written, and the Smokeball requests stay few
    quiet = sbrig.engine.run()
    assert quiet.writes == 0 and quiet.requests_clio <= 30, quiet.lines()
    # Smokeball's own per-matter balances are the client-ledger leg: one that its transactions do not explain
    # (here made up) breaks the tie-out, naming the client
    trust = next(a for a in sbrig.sb.smokeball.bank_accounts.values() if a["type"] == "Trust")
    trust["matterBalances"][0]["balance"] += Decimal("10.00")
    odd = sbrig.engine.run()
    assert not odd.trust[0].ties and "Smokeball client ledgers" in odd.trust[0].sentence(), odd.lines()
    assert len(odd.trust[0].clients_differing) == 1


def test_new_activity_is_found_without_walking_every_matter(sbrig: SmokeballRig) -> None:
    sbrig.map_defaults()
    sbrig.engine.run()
    sbrig.source.sweep = 0  # only what changed: the matters named by new transactions or changed themselves
    state = sbrig.sb.smokeball
    assert state is not None
    matter = sorted(state.matters)[3]
    day = dt.date(2026, 11, 20)
    invoice = activity.bill(state, matter, day, Decimal("800.00"), Decimal("25.50"))
    state.touch(state.matters[matter])  # Smokeball's matter changes when it is billed (an emulator choice)
    payment = activity.pay(state, invoice, Decimal("400.00"), day + dt.timedelta(days=2))
    run = sbrig.engine.run()
    assert run.requests_clio < 20, run.lines()  # contacts, matters, accounts, transactions, one matter's bills
    assert sbrig.qbo_balances()[invoice["id"]] == Decimal("425.50")
    # the payment bounces: Smokeball reverses it and the invoice owes it again; QuickBooks' payment is voided
    activity.reverse(state, payment["id"], day + dt.timedelta(days=4), invoice)
    sbrig.engine.run()
    assert sbrig.qbo_balances()[invoice["id"]] == Decimal("825.50")
    posted = links.all_links(sbrig.store)[("payments", _number(sbrig, payment["id"]), "main")]
    assert sbrig.qbo.read("Payment", posted.qbo_id)["TotalAmt"] == 0  # voided, kept for the record
    # a trust deposit on another matter reaches both trust accounts and ties
    other = sorted(state.matters)[5]
    activity.add_txn(state, activity.account_of(state, "Trust"), other, "Deposit", Decimal("1500.00"), day)
    run = sbrig.engine.run()
    assert run.created == 1 and all(t.ties for t in run.trust), run.lines()
    # an invoice paid from that trust money, then the trust payment reversed: the trust ledger is whole again
    paid = activity.bill(state, other, day, Decimal("600.00"))
    from_trust = activity.pay(state, paid, Decimal("600.00"), day + dt.timedelta(days=1), from_trust=True)
    run = sbrig.engine.run()
    assert sbrig.qbo_balances()[paid["id"]] == Decimal("0.00") and all(t.ties for t in run.trust), run.lines()
    activity.reverse(state, from_trust["id"], day + dt.timedelta(days=3), paid)
    run = sbrig.engine.run()
    assert sbrig.qbo_balances()[paid["id"]] == Decimal("600.00") and all(t.ties for t in run.trust), run.lines()
    assert exq.open_count(sbrig.store) == 4  # the planted ones only
    # earned fees moved out of trust: a Transfer out of trust and one into operating, same matter, day and
    # amount (neither names the other account): paired, both sides post
    operating = activity.account_of(state, "Operating")
    activity.add_txn(state, activity.account_of(state, "Trust"), other, "Transfer", Decimal("-250.00"), day)
    activity.add_txn(state, operating, other, "Transfer", Decimal("250.00"), day)
    run = sbrig.engine.run()
    assert run.created == 2 and all(t.ties for t in run.trust), run.lines()  # the trust and the operating side
    assert exq.open_count(sbrig.store) == 4


def _number(rig: SmokeballRig, guid: str) -> int:
    rows = rig.store.query("SELECT id FROM source_ids WHERE kind = 'bank_transactions' AND source_id = ?", (guid,))
    return int(rows[0]["id"])
