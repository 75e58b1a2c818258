"""End to end on the demo firm: the real clients over HTTP against both emulators."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest

from app.mapping import load_mapping, save_mapping
from app.model import RECEIVABLE_STATES
from app.money import cents
from app.sandbox.runner import Sandbox
from app.store import audit, cursors, links
from app.store import exceptions as exq
from app.sync import push
from app.sync.actions import WAVE_PAYMENT, Action
from app.sync.clio_books import load_books
from app.sync.engine import Progress
from app.sync.plan import SECTIONS, reads
from app.sync.pull import Puller
from app.sync.slices import FirmIndex

from .conftest import Rig, make_rig


def snapshot(rig: Rig) -> dict[tuple[str, str], str]:
    """Every QBO object and its SyncToken: equal snapshots mean nothing was written."""
    books = rig.sb.qbo.books
    return {(entity, ident): str(obj.get("SyncToken")) for entity, objs in books.objects.items()
            for ident, obj in objs.items()}


def resolve_near_match(rig: Rig) -> None:
    """What a bookkeeper does with the planted near-duplicate customer (link it to the existing one) and the
    planted trust overdraft (it did leave the bank: post it anyway, with a reason)."""
    for item in exq.list_items(rig.store, reason_code="customer_near_match"):
        candidates = rig.qbo.query("SELECT * FROM Customer WHERE DisplayName = 'Riverside Dental Group LLC'")
        exq.link_existing(rig.store, item.id, qbo_entity="Customer", qbo_id=candidates[0]["Id"], actor="user:ann")
    for item in exq.list_items(rig.store, reason_code="trust_overdraft"):
        if item.status == "open":
            exq.post_anyway(rig.store, item.id, reason="it left the bank; replaced from operating", actor="user:ann")


def assert_books_match(rig: Rig) -> None:
    books = load_books(rig.store)
    all_links = links.all_links(rig.store)
    customers = rig.qbo.query_all("Customer")
    # exactly one customer per Clio client, one sub-customer per matter, no duplicate names
    assert not [n for n, c in Counter(c["DisplayName"].casefold() for c in customers).items() if c > 1]
    client_ids = [all_links[("contacts", c, "main")].qbo_id for c in books.clients]
    assert len(set(client_ids)) == len(books.clients)
    jobs = [c for c in customers if c.get("Job")]
    assert len(jobs) == len(books.matters)
    assert {all_links[("matters", m, "main")].qbo_id for m in books.matters} == {j["Id"] for j in jobs}
    # one invoice per eligible bill, equal totals, equal balances; a trust request is never an invoice
    invoices = {i["Id"]: i for i in rig.qbo.query_all("Invoice")}
    eligible = [b for b in books.invoices.values() if b.is_receivable]
    requests = [b for b in books.invoices.values() if b.is_trust_request]
    assert requests and all(b.state in RECEIVABLE_STATES for b in requests)
    assert not [b for b in requests if ("bills", b.id, "main") in all_links]
    assert not {b.number for b in requests} & {i.get("DocNumber") for i in invoices.values()}
    live = [i for i in invoices.values() if i.get("TotalAmt") != 0 or "Voided" not in str(i.get("PrivateNote"))]
    assert len({i["DocNumber"] for i in live if cents(i["TotalAmt"]) != 0}) >= len(eligible) - 1
    for bill in eligible:
        inv = invoices[all_links[("bills", bill.id, "main")].qbo_id]
        assert cents(inv["TotalAmt"]) == bill.total, bill.number
        assert cents(inv["Balance"]) == bill.balance, bill.number
    assert len([lk for lk in all_links.values() if lk.qbo_entity == "Invoice" and lk.state == "posted"]) \
        == len(eligible)
    # trust ties three ways, and nothing from trust reaches income
    mapping = load_mapping(rig.store)
    assert mapping is not None
    trust_ids = mapping.trust_account_ids
    for t in mapping.trust_accounts:
        clio_total = sum((x.amount for x in books.trust_txns if x.bank_account_id == t.clio_account_id), Decimal(0))
        assert rig.sb.qbo.account_balance(t.bank) == rig.sb.qbo.account_balance(t.liability) == cents(clio_total)
    for je in rig.qbo.query_all("JournalEntry"):
        accounts = {ln["JournalEntryLineDetail"]["AccountRef"]["value"] for ln in je["Line"]}
        if str(je.get("DocNumber", "")).startswith("TO"):  # the operating side of earned fees out of trust
            assert not accounts & trust_ids and accounts == {mapping.operating_bank, mapping.fees_income_account}
        else:
            assert accounts <= trust_ids
    for pay in rig.qbo.query_all("Payment"):
        assert pay["DepositToAccountRef"]["value"] not in trust_ids
    assert audit.verify(rig.store).ok


def test_small_firm_end_to_end_then_a_quiet_second_sync(rig: Rig) -> None:
    rig.map_defaults()
    first = rig.engine.run()
    assert first.created > 200 and first.deferred == 0
    # the planted near-duplicate customer is held, with what depends on it, never duplicated
    near = exq.list_items(rig.store, reason_code="customer_near_match")
    assert len(near) == 1 and "Riverside Dental Group" in near[0].message
    # ... and the queue says what it blocks: the client's matters, and what waits on them in turn
    held_client = int(near[0].clio_id)
    matters = {f"matters:{m.id}" for m in load_books(rig.store).matters.values() if m.client_id == held_client}
    assert matters and matters <= set(near[0].blocks)
    assert any(b.startswith(("bills:", "bank_transactions:")) for b in near[0].blocks)
    assert first.held > 1 and not first.ok
    resolve_near_match(rig)
    second = rig.engine.run()
    assert second.held == 0 and second.ok, second.lines()
    assert exq.open_count(rig.store) == 0
    assert_books_match(rig)
    before = snapshot(rig)
    quiet = rig.engine.run()
    assert quiet.writes == 0 and quiet.held == 0
    assert quiet.requests_clio + quiet.requests_qbo <= 10, quiet.lines()
    assert snapshot(rig) == before


def test_dry_run_shows_every_posting_and_sends_nothing(rig: Rig) -> None:
    rig.map_defaults()
    before = snapshot(rig)
    summary = rig.engine.run(dry_run=True)
    assert snapshot(rig) == before
    assert summary.plan is not None and summary.writes == 0
    described = summary.plan.describe()
    trust = [d for d in described if d["entity"] == "JournalEntry"]
    assert trust and all(d["lines"] and {ln["side"] for ln in d["lines"]} == {"Debit", "Credit"} for d in trust)
    invoices = [d for d in described if d["entity"] == "Invoice"]
    assert all(Decimal(d["amount"]) >= 0 and d["lines"] for d in invoices)


def test_changes_in_clio_update_void_and_add(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    rig.engine.run()
    books = load_books(rig.store)
    unpaid = [b for b in books.invoices.values() if b.state.value == "awaiting_payment" and b.is_receivable]
    edited, voided = unpaid[0], unpaid[1]
    matter = edited.matter_ids[0]
    rig.sb.clio.mutate("edit_bill", {"bill_id": edited.id, "amount": "150.00"})
    rig.sb.clio.mutate("void_bill", {"bill_id": voided.id})
    new = rig.sb.clio.mutate("new_bill", {"matter_id": matter, "amount": "1200.00"})
    rig.sb.clio.mutate("trust_deposit", {"matter_id": matter, "amount": "2500.00"})
    rig.sb.clio.mutate("payment", {"bill_id": unpaid[2].id})
    summary = rig.engine.run()
    assert summary.created >= 3 and summary.updated >= 1 and summary.voided >= 1, summary.lines()
    assert summary.ok, summary.lines()
    all_links = links.all_links(rig.store)
    assert all_links[("bills", voided.id, "main")].state == "voided"
    assert ("bills", new["id"], "main") in all_links
    assert_books_match(rig)


def test_earned_fees_moved_from_trust_with_no_bill_post_both_sides(rig: Rig) -> None:
    """Issue 17: the operating side of a trust-to-operating transfer that names no bill is not lost."""
    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    rig.engine.run()
    books = load_books(rig.store)
    matter = min(m for (m, _account), held in rig.sb.clio.books.trust.items() if held >= Decimal("1000"))
    operating_before = rig.sb.qbo.account_balance(load_mapping(rig.store).operating_bank)  # type: ignore[union-attr]
    moved = rig.sb.clio.mutate("transfer_to_operating", {"matter_id": matter, "amount": "400.00"})
    summary = rig.engine.run()
    assert summary.ok and summary.created == 2, summary.lines()
    all_links = links.all_links(rig.store)
    trust_side = all_links[("bank_transactions", moved["id"], "main")]
    operating_side = all_links[("bank_transactions", moved["id"], "operating")]
    assert trust_side.state == operating_side.state == "posted"
    je = rig.qbo.read("JournalEntry", operating_side.qbo_id)
    customer = all_links[("matters", matter, "main")].qbo_id
    credit = next(ln for ln in je["Line"] if ln["JournalEntryLineDetail"]["PostingType"] == "Credit")
    assert credit["JournalEntryLineDetail"]["Entity"]["EntityRef"]["value"] == customer
    mapping = load_mapping(rig.store)
    assert mapping is not None
    assert rig.sb.qbo.account_balance(mapping.operating_bank) == operating_before + Decimal("400.00")
    assert len(load_books(rig.store).operating_deposits) == len(books.operating_deposits) + 1
    assert_books_match(rig)
    assert rig.engine.run().writes == 0


def test_changes_made_in_quickbooks_become_exceptions_not_overwrites(rig: Rig) -> None:
    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    rig.engine.run()
    books = load_books(rig.store)
    unpaid = [b for b in books.invoices.values() if b.state.value == "awaiting_payment" and b.is_receivable]
    inv_link = links.get(rig.store, "bills", unpaid[0].id)
    assert inv_link is not None
    current = rig.qbo.read("Invoice", inv_link.qbo_id)
    rig.qbo.update("Invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True,
                               "DueDate": "2030-01-01", "Line": current["Line"][:1]}, "test-edit-1")
    other = links.get(rig.store, "bills", unpaid[1].id)
    assert other is not None
    other_inv = rig.qbo.read("Invoice", other.qbo_id)
    rig.qbo.create("Payment", {"CustomerRef": other_inv["CustomerRef"], "TotalAmt": "10.00",
                               "Line": [{"Amount": "10.00", "LinkedTxn": [{"TxnId": other.qbo_id,
                                                                           "TxnType": "Invoice"}]}]}, "test-pay-1")
    rig.sb.clio.mutate("edit_bill", {"bill_id": unpaid[0].id, "amount": "75.00"})
    summary = rig.engine.run()
    assert summary.conflicts == 2
    edited = exq.list_items(rig.store, reason_code="edited_in_qbo")
    assert len(edited) == 1 and '"ledgerbridge"' in edited[0].attempted and '"quickbooks"' in edited[0].attempted
    assert len(exq.list_items(rig.store, reason_code="payment_only_in_qbo")) == 1
    # the Clio edit is held, not written over the QuickBooks edit
    after = rig.qbo.read("Invoice", inv_link.qbo_id)
    assert after["DueDate"] == "2030-01-01"
    assert not summary.ok


def test_invalid_mapping_refuses_to_push_then_posts_once_when_fixed(rig: Rig) -> None:
    good = rig.map_defaults()
    from dataclasses import replace

    save_mapping(rig.store, replace(good, accounts_receivable=good.operating_bank, trust_accounts=()))
    before = snapshot(rig)
    summary = rig.engine.run()
    assert snapshot(rig) == before and summary.writes == 0 and summary.mapping_problems
    [item] = exq.list_items(rig.store, reason_code="mapping_invalid")
    assert "Accounts Receivable" in item.message and "'Bank'" in item.message
    # A/R fixed, the trust account still unmapped: trust activity is held, the rest posts
    save_mapping(rig.store, replace(good, trust_accounts=()))
    summary = rig.engine.run()
    held = exq.list_items(rig.store, reason_code="trust_account_unmapped")
    assert held and all("not mapped" in i.message for i in held)
    assert not rig.qbo.query_all("JournalEntry")
    save_mapping(rig.store, good)
    for item in exq.list_items(rig.store):
        exq.request_retry(rig.store, item.id, actor="user:ann")
    resolve_near_match(rig)
    rig.engine.run()
    resolve_near_match(rig)  # the planted overdraft is found once its trust account is mapped
    rig.engine.run()
    assert exq.open_count(rig.store) == 0
    jes = rig.qbo.query_all("JournalEntry")
    assert len({je["DocNumber"] for je in jes}) == len(jes)  # each posted once
    assert_books_match(rig)
    assert all(e.action for e in audit.history(rig.store, text="exception.resolved"))


def test_cancel_between_batches_then_resume(rig: Rig) -> None:
    rig.map_defaults()
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.phase == "push" and p.done >= 60:
            cancel.set()

    summary = rig.engine.run(progress=progress, cancel=cancel)
    assert summary.cancelled and 0 < summary.created < 300
    resolve_near_match(rig)
    rig.engine.run()
    final = rig.engine.run()
    assert final.ok, final.lines()
    assert_books_match(rig)


def test_health_report(rig: Rig) -> None:
    from app.sync.engine import health

    rig.map_defaults()
    rig.engine.run()
    resolve_near_match(rig)
    rig.engine.run()
    report = health(rig.store, rig.qbo, sample=5)
    assert report.ok and len(report.spot_checks) == 5 and report.last_run
    assert any("ties" in line for line in report.lines())


@pytest.mark.slow
def test_medium_firm_end_to_end(tmp_path) -> None:
    from app.sandbox.runner import Sandbox

    with Sandbox("medium", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_rig(sb, tmp_path / "medium.sqlite3")
        try:
            _medium(rig)
        finally:
            rig.clio.close()
            rig.qbo.close()
            rig.store.close()


def _medium(rig: Rig) -> None:
    if True:
        rig.map_every_trust_account()
        rig.engine.run()
        resolve_near_match(rig)
        summary = rig.engine.run()
        assert summary.ok, summary.lines()
        assert_books_match(rig)
        before = snapshot(rig)
        quiet = rig.engine.run()
        assert quiet.writes == 0 and quiet.requests_clio + quiet.requests_qbo <= 10
        assert snapshot(rig) == before


def test_a_firm_planned_slice_by_slice_ends_exactly_as_in_one_pass(rig: Rig) -> None:
    """The memory-bounded path of a large firm, forced on the small one with a tiny slice budget."""
    rig.map_defaults()
    whole = rig.engine.run(dry_run=True)
    rig.engine.slice_budget = 40
    assert len(FirmIndex.from_store(rig.store).slices(40)) > 5
    sliced = rig.engine.run(dry_run=True)
    assert whole.plan is not None and sliced.plan is not None
    assert [(a.key, a.operation, a.chash) for a in sliced.plan.actions] == \
        [(a.key, a.operation, a.chash) for a in whole.plan.actions]
    assert [(h.key, h.message) for h in sliced.plan.holds] == [(h.key, h.message) for h in whole.plan.holds]
    first = rig.engine.run()
    assert first.deferred == 0 and first.created == len([a for a in whole.plan.actions if a.operation != "link"])
    near = exq.list_items(rig.store, reason_code="customer_near_match")
    assert len(near) == 1 and any(b.startswith("matters:") for b in near[0].blocks)
    resolve_near_match(rig)
    second = rig.engine.run()
    assert second.held == 0 and second.ok, second.lines()
    assert_books_match(rig)
    before = snapshot(rig)
    assert rig.engine.run().writes == 0 and snapshot(rig) == before


def test_invoices_are_posted_while_their_lines_are_still_streaming_in(tmp_path) -> None:
    """With Clio paced, QuickBooks is not left idle for the whole line stream: bills whose lines are all in
    go early, and the plan made after the pull leaves the books exactly right."""
    with Sandbox("small", clio_rate_limit=3, qbo_limits=False, window_seconds=1.0) as sb:
        scratch = make_rig(sb, tmp_path / "scratch.sqlite3")
        mapping = scratch.map_defaults()
        for part in (scratch.clio, scratch.qbo, scratch.store):
            part.close()
        r = make_rig(sb, tmp_path / "firm.sqlite3")  # a first sync: every stream read from nothing
        try:
            save_mapping(r.store, mapping)
            early: list[int] = []

            def progress(p: Progress) -> None:
                if p.phase == "push" and cursors.get(r.store, "line_items") in (None, ""):
                    early.append(len([k for k in links.all_links(r.store) if k[0] == "bills"]))

            r.engine.run(progress=progress)
            assert max(early, default=0) > 0, "no invoice was posted before the line stream ended"
            # Bills are offered to the planner round after round as they arrive; none is posted twice.
            posted = Counter(row[0] for row in r.store.query(
                "SELECT clio_id FROM audit_log WHERE clio_kind = 'bills' AND action = 'sync.posted'"))
            assert posted and max(posted.values()) == 1
            assert len({i["DocNumber"] for i in r.qbo.query_all("Invoice")}) == len(r.qbo.query_all("Invoice"))
            resolve_near_match(r)
            assert r.engine.run().ok
            assert_books_match(r)
        finally:
            r.clio.close()
            r.qbo.close()
            r.store.close()


def test_a_wave_is_sent_while_the_rest_of_it_is_still_being_prepared(rig: Rig, monkeypatch) -> None:
    """A large wave goes to QuickBooks piece by piece: its first writes are sent before the rest of it is even
    in the outbox (preparing a whole wave first left the quotas idle), and the books end exactly right."""
    monkeypatch.setattr(push, "PIECE", 30)
    rig.map_defaults()
    waves: list[list[int]] = []  # per wave: outbox rows when it began, its size, outbox rows at its first send

    def rows() -> int:
        return rig.store.query("SELECT count(*) FROM outbox")[0][0]

    whole_wave = push.Pusher.push_wave

    def push_wave(self, actions):  # noqa: ANN001, ANN202 - the real method, observed
        waves.append([rows(), len(actions), -1])
        return whole_wave(self, actions)

    def observed(send):  # noqa: ANN001, ANN202 - the real call, observed
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if waves and waves[-1][2] < 0:
                waves[-1][2] = rows()
            return send(*args, **kwargs)
        return call

    monkeypatch.setattr(push.Pusher, "push_wave", push_wave)
    rig.qbo.batch = observed(rig.qbo.batch)  # type: ignore[method-assign]
    rig.qbo.create = observed(rig.qbo.create)  # type: ignore[method-assign]
    rig.engine.run()
    big = [w for w in waves if w[1] > 90]
    assert big, waves
    assert all(0 < first - began < size for began, size, first in big), big
    resolve_near_match(rig)
    assert rig.engine.run().ok
    assert_books_match(rig)


def test_pieces_of_a_wave_never_split_a_group() -> None:
    def action(n: int, group: str) -> Action:
        return Action(("payments", n, "main"), "create", "Payment", {}, WAVE_PAYMENT, f"p{n}", group=group)

    wave = [action(n, f"g{n // 4}" if n % 3 else "") for n in range(50)]
    pieces = list(push._packed(push._groups(wave).values(), 7))
    assert sorted(a.key for piece in pieces for a in piece) == sorted(a.key for a in wave)
    for piece in pieces[:-1]:
        assert 0 < len(piece) <= 7
    owner = {a.group: n for n, piece in enumerate(pieces) for a in piece if a.group}
    assert all(owner[a.group] == n for n, piece in enumerate(pieces) for a in piece if a.group)


def test_an_error_while_sending_a_slice_stops_the_planning_thread_too(rig: Rig) -> None:
    """The next slice is planned on a thread while one is sent; a failure must not leave it behind."""
    rig.map_defaults()
    rig.engine.slice_budget = 40
    books = load_books(rig.store, trust_only=True)
    mapping, problems = rig.engine._mapping(books)
    seen: list[int] = []

    def boom(part, planner, specs, n) -> None:  # noqa: ANN001
        seen.append(n)
        time.sleep(0.3)  # the planner runs ahead and blocks on the full queue
        raise RuntimeError("QuickBooks refused the token")

    with pytest.raises(RuntimeError, match="refused the token"):
        rig.engine._in_slices(mapping, problems, boom)
    assert seen[0] == 0 and len(seen) <= 2  # a second slice may have started beside the first
    assert not [t for t in threading.enumerate() if t.name in ("sync-plan", "sync-slice")]


def test_each_section_is_planned_alike_from_only_the_kinds_it_reads(rig: Rig) -> None:
    """The early pushes read only what their sections need (payments without bill lines, invoices without
    payments or trust activity); each section's plan is exactly the one made from every cached record.
    An early round of invoices leaves out only the bills already posted from their cached version."""
    mapping = rig.map_defaults()
    rig.engine.run()  # the held near-duplicate customer keeps its matters, bills and payments held
    books, first = load_books(rig.store), links.all_links(rig.store)
    unpaid = [b for b in books.invoices.values() if b.state.value == "awaiting_payment"
              and ("bills", b.id, "main") in first]
    edited, voided = unpaid[0], unpaid[1]
    rig.sb.clio.mutate("edit_bill", {"bill_id": edited.id, "amount": "150.00"})
    rig.sb.clio.mutate("void_bill", {"bill_id": voided.id})
    new = rig.sb.clio.mutate("new_bill", {"matter_id": edited.matter_ids[0], "amount": "1200.00"})
    rig.sb.clio.mutate("trust_deposit", {"matter_id": edited.matter_ids[0], "amount": "2500.00"})
    rig.sb.clio.mutate("payment", {"bill_id": unpaid[2].id})
    Puller(rig.store, rig.clio, signpost=dt.datetime.now(dt.UTC).isoformat()).run()  # the changes, nothing sent

    def plan(section: str, kinds: frozenset[str] | None) -> tuple[list, list]:
        books = load_books(rig.store) if kinds is None else load_books(rig.store, kinds=kinds)
        part = rig.engine.planner(mapping, []).plan_slice(books, links.all_links(rig.store), (section,))
        return ([(a.key, a.operation, a.wave, a.chash, a.needs) for a in part.actions],
                [(h.key, h.reason_code, h.message) for h in part.holds])

    planned = {}
    for section in SECTIONS:
        narrow = plan(section, reads((section,)))
        assert narrow == plan(section, None), section
        planned[section] = {(key[0], key[1], op) for key, op, *_ in narrow[0]}
    assert "line_items" not in reads(("payments", "credit_memos", "trust"))
    assert {("bills", edited.id, "update"), ("bills", voided.id, "void"), ("bills", new["id"], "create")} \
        <= planned["invoices"]
    assert any(k[0] == "payments" for k in planned["payments"]) and planned["trust"]

    posted = links.posted_as_cached(rig.store, "bills")
    now = load_books(rig.store).invoices
    assert posted == {k[1] for k, lk in links.all_links(rig.store).items() if k[0] == "bills" and k[2] == "main"
                      and lk.state == "posted" and lk.clio_etag == now[k[1]].etag}
    assert posted and not posted & {edited.id, voided.id, unpaid[2].id, new["id"]}  # the payment moved a bill
    early = FirmIndex.from_store(rig.store, reads(("invoices",)), posted)
    assert set(early.bills) == set(load_books(rig.store).invoices) - posted
    assert not early.allocations and not early.bank_transactions
