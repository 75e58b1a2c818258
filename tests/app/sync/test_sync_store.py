"""The sync's tables on a real SQLite file: cache by etag, Singer bookmarks, the outbox, links."""

from __future__ import annotations

from decimal import Decimal

from app.store import cache, cursors, links, outbox


def test_cache_skips_an_unchanged_etag_and_keeps_amounts_exact(store):
    raw = {"id": 5, "etag": "a", "total": Decimal("10.10"), "client": {"id": 2}, "matters": [{"id": 9}]}
    assert cache.put_clio(store, "bills", [raw]) == 1
    assert cache.put_clio(store, "bills", [raw]) == 0
    assert cache.put_clio(store, "bills", [{**raw, "etag": "b", "total": Decimal("11.00")}]) == 1
    back = cache.get_clio(store, "bills", 5)
    # amounts are stored as exact decimal strings (never a float); app.money reads them back exactly
    assert back["total"] == "11.00" and not isinstance(back["total"], float)
    row = store.query("SELECT client_id, matter_id, amount FROM clio_records WHERE clio_id = 5")[0]
    assert (row["client_id"], row["matter_id"], row["amount"]) == (2, 9, "11.00")


def test_bookmark_moves_only_to_the_signpost_and_only_when_told(store):
    assert cursors.updated_since(store, "bills") is None
    cursors.set_signpost(store, "bills", "2026-03-01T10:00:00+00:00")
    assert cursors.get(store, "bills") == ""  # records not stored yet: nothing moves
    assert cursors.advance(store, "bills") == "2026-03-01T10:00:00+00:00"
    assert cursors.updated_since(store, "bills") == "2026-03-01T09:55:00+00:00"  # minus the overlap


def test_outbox_keeps_the_first_row_of_a_request_id_and_remembers_its_batch(store):
    row = dict(request_id="lb1", clio_kind="bills", clio_id=1, role="main", operation="create",
               qbo_entity="Invoice", payload={"body": {"Amount": Decimal("1.10")}, "meta": {}})
    first = outbox.record(store, **row)
    again = outbox.record(store, **{**row, "payload": {"body": {}, "meta": {}}})
    assert again.id == first.id and again.payload["body"]["Amount"] == "1.10"
    outbox.mark_attempt(store, ["lb1"], batch_id="lbbX")
    [pending] = outbox.pending(store)
    assert pending.attempts == 1 and pending.batch_id == "lbbX"
    outbox.mark_done(store, "lb1", qbo_id="77", response={"Id": "77"})
    assert outbox.pending(store) == [] and outbox.batch_rows(store, "lbbX")[0].qbo_id == "77"


def test_links_record_versions_per_role(store):
    links.put(store, clio_kind="payments", clio_id=9, role="main", qbo_entity="Payment", qbo_id="1",
              qbo_sync_token="0", content_hash="h1", clio_etag="e")
    links.put(store, clio_kind="payments", clio_id=9, role="trust_transfer", qbo_entity="JournalEntry", qbo_id="2")
    links.set_sync_token(store, "Payment", "1", "3")
    assert links.get(store, "payments", 9).qbo_sync_token == "3"
    assert links.by_qbo(store, "JournalEntry", "2").role == "trust_transfer"
    assert len(links.all_links(store)) == 2
