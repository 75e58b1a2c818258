"""The Clio emulator's list and show endpoints over real HTTP: paging, fields, filters, ETags, versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.clio import spec as clio_spec
from app.money import loads_json

from .conftest import ClioServer

ENDPOINTS = ("contacts", "matters", "bills", "line_items", "allocations", "credit_memos", "bank_accounts",
             "bank_transactions", "trust_line_items")


def _by_id(endpoint: str) -> dict[str, str]:
    """``order=id(asc)`` where Clio's description offers it (a cursor), nothing where it does not."""
    return {"order": "id(asc)"} if clio_spec.load().endpoint(endpoint).cursor else {}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_paging_reaches_the_last_record_with_no_duplicate_and_no_gap(clio: ClioServer, endpoint: str) -> None:
    expected = sorted(clio.firm.books.records[endpoint])
    assert expected, f"the small firm has no {endpoint}"
    first = clio.json(f"/api/v4/{endpoint}.json", limit=7, **_by_id(endpoint))
    assert first["meta"]["records"] == len(expected)
    seen = [r["id"] for r in clio.list_all(endpoint, limit=7, **_by_id(endpoint))]
    assert seen == expected  # ascending, every id once


def test_a_cursor_only_with_order_id_asc_where_the_description_offers_it(clio: ClioServer) -> None:
    clio.state.offset_cap = 40
    bills = sorted(clio.firm.books.records["bills"])
    assert len(bills) > 40
    # A cursor (order=id(asc)) has no end ...
    assert [r["id"] for r in clio.list_all("bills", limit=20, order="id(asc)")] == bills
    # ... offset pages (no order, or another one) stop at the cap: the page past it is a 422 ArgumentError.
    for params in ({}, {"order": "issued_at(asc)"}):
        answer = clio.json("/api/v4/bills.json", limit=20, **params)
        assert answer["meta"]["records"] == len(bills)
        answer = loads_json(clio.http.get(answer["meta"]["paging"]["next"]).text)  # records 21 to 40
        past = clio.http.get(answer["meta"]["paging"]["next"])
        assert past.status_code == 422 and past.json()["error"]["type"] == "ArgumentError", params
    # /line_items.json has no order parameter at all: asking for one is a 400, so it never has a cursor.
    refused = clio.get("/api/v4/line_items.json", order="id(asc)")
    assert refused.status_code == 400 and "order" in refused.json()["error"]["message"]


def test_default_orders_are_the_descriptions(clio: ClioServer) -> None:
    """Allocations default to date(asc), not id order; contacts to id(asc)."""
    books = clio.state.books
    bill = books.open_bills()[0]
    books.pay([(bill, Decimal("1.00"))], dt.date(2020, 1, 2), destination_account_id=books.operating_account())
    newest = max(books.records["allocations"])  # the newest allocation, dated before every other one
    by_default = [r["id"] for r in clio.list_all("allocations", fields="id,date", limit=50)]
    assert by_default[0] == newest and len(by_default) == len(books.records["allocations"])
    assert [r["id"] for r in clio.list_all("allocations", limit=50, order="id(asc)")][-1] == newest
    contacts = [r["id"] for r in clio.list_all("contacts", limit=5)]
    assert contacts == sorted(contacts)


def test_a_parameter_the_description_lists_but_the_sandbox_does_not_filter_by_is_501(clio: ClioServer) -> None:
    answer = clio.get("/api/v4/bills.json", overdue_only="true")
    assert answer.status_code == 501 and set(answer.json()["error"]) == {"type", "message"}


def test_single_reads_exist_only_where_the_description_has_them(clio: ClioServer) -> None:
    line = next(iter(clio.firm.books.records["line_items"]))
    assert clio.get(f"/api/v4/line_items/{line}.json").status_code == 404
    bill = next(iter(clio.firm.books.records["bills"]))
    assert clio.get(f"/api/v4/bills/{bill}.json", order="id(asc)").status_code == 400


def test_last_page_has_no_next_and_next_is_a_full_url_keeping_the_query(clio: ClioServer) -> None:
    total = len(clio.firm.books.records["bills"])
    answer = clio.json("/api/v4/bills.json", limit=50, fields="id,number")
    nxt = answer["meta"]["paging"]["next"]
    assert nxt.startswith(clio.url + "/api/v4/bills.json?")
    assert "fields=id%2Cnumber" in nxt and "limit=50" in nxt and "page_token=" in nxt
    pages = 1
    while "next" in answer["meta"]["paging"]:
        answer = loads_json(clio.http.get(answer["meta"]["paging"]["next"]).text)
        pages += 1
        assert set(answer["data"][0]) == {"id", "number"}
    assert pages == -(-total // 50)
    assert answer["meta"]["paging"] == {}


def test_exact_multiple_of_limit_ends_without_an_empty_page(clio: ClioServer) -> None:
    total = len(clio.firm.books.records["bank_accounts"])
    answer = clio.json("/api/v4/bank_accounts.json", limit=total)
    assert len(answer["data"]) == total and "next" not in answer["meta"]["paging"]


def test_limit_and_order_and_page_token_are_checked(clio: ClioServer) -> None:
    for params in ({"limit": 201}, {"limit": 0}, {"limit": "ten"}, {"order": "colour(asc)"},
                   {"page_token": "not-a-token"}, {"offset": 200}, {"state": "half_paid"}, {"client_id": "x"},
                   {"updated_since": "yesterday"}, {"no_such_filter": "1"}):
        response = clio.get("/api/v4/bills.json", **params)
        assert response.status_code == 400, params
        body = response.json()
        assert set(body["error"]) == {"type", "message"}


def test_default_fields_are_id_and_etag(clio: ClioServer) -> None:
    record = clio.json("/api/v4/matters.json", limit=1)["data"][0]
    assert set(record) == {"id", "etag"}
    assert record["etag"] == clio.firm.books.records["matters"][record["id"]]["etag"]


def test_fields_pick_attributes_and_one_nesting_level(clio: ClioServer) -> None:
    record = clio.json("/api/v4/bills.json", limit=1, fields="id,number,total,matters{id,display_number},client{id}")
    bill = record["data"][0]
    source = clio.firm.books.records["bills"][bill["id"]]
    assert set(bill) == {"id", "number", "total", "matters", "client"}
    assert bill["client"] == {"id": source["client"]["id"]}
    assert bill["matters"] == [{"id": m["id"], "display_number": m["display_number"]} for m in source["matters"]]
    assert bill["total"] == source["total"]


@pytest.mark.parametrize(
    "fields",
    ["id,no_such_field", "id,client{no_such_field}", "id,total{id}", "id,client{id,matter{id}}", "id,,etag",
     "id,client{id"],
)
def test_unknown_or_malformed_fields_answer_400_in_clios_error_shape(clio: ClioServer, fields: str) -> None:
    response = clio.get("/api/v4/bills.json", fields=fields)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()["error"]) == {"type", "message"}


def test_amounts_are_json_numbers_with_the_exact_digits(clio: ClioServer) -> None:
    response = clio.get("/api/v4/line_items.json", fields="id,total,price,quantity", limit=200)
    assert '"total":"' not in response.text  # numbers, not strings
    books = clio.firm.books.records["line_items"]
    for line in loads_json(response.text)["data"]:
        source = books[line["id"]]
        assert Decimal(line["total"]) == source["total"]
        assert Decimal(line["price"]) == source["price"]
        assert Decimal(str(line["quantity"])) == source["quantity"]
    # Clio's spelling: no trailing zeros beyond one decimal place (1234.5, 100.0).
    assert ".50," not in response.text and ".00," not in response.text


@pytest.mark.parametrize(
    ("endpoint", "param", "getter"),
    [
        ("line_items", "bill_id", lambda r: r["bill"]["id"]),
        ("allocations", "bill_id", lambda r: r["bill"]["id"]),
        ("bills", "matter_id", lambda r: r["matters"][0]["id"]),
        ("bills", "client_id", lambda r: r["client"]["id"]),
        ("matters", "client_id", lambda r: r["client_id"]),
        ("bank_transactions", "matter_id", lambda r: (r["matter"] or {}).get("id")),
    ],
)
def test_filters_return_exactly_the_matching_records(clio: ClioServer, endpoint: str, param: str, getter) -> None:
    records = list(clio.firm.books.records[endpoint].values())
    value = next(getter(r) for r in records[len(records) // 2 :] if getter(r) is not None)
    expected = sorted(r["id"] for r in records if getter(r) == value)
    got = [r["id"] for r in clio.list_all(endpoint, limit=3, **{param: value}, **_by_id(endpoint))]
    assert got == expected and len(expected) < len(records)


def test_bank_transactions_type_liability_is_trust(clio: ClioServer) -> None:
    books = clio.firm.books
    got = clio.list_all("bank_transactions", type="liability", fields="id,bank_account{id,type}")
    assert got and all(r["bank_account"]["type"] == "Trust" for r in got)
    trust = [t for t in books.records["bank_transactions"].values() if t["bank_account"]["type"] == "Trust"]
    assert len(got) == len(trust)
    assets = clio.list_all("bank_transactions", type="asset", fields="id")
    assert len(assets) + len(got) == len(books.records["bank_transactions"])


def test_updated_since_returns_only_what_changed(clio: ClioServer) -> None:
    state = clio.state
    newest = max(r["updated_at"] for r in clio.firm.books.records["bills"].values())
    assert clio.list_all("bills", updated_since=newest.replace("+00:00", "Z"), fields="id") != []
    before = state._stamp()  # never before the last change's stamp: the emulator's clock only moves forward
    assert clio.list_all("bills", updated_since=before) == []
    bill = state.new_bill()
    paid = state.record_payment()
    changed = clio.list_all("bills", updated_since=before, fields="id,etag,updated_at,state")
    ids = {r["id"] for r in changed}
    assert bill["id"] in ids and paid["bill"]["id"] in ids
    assert all(r["updated_at"] >= before for r in changed)
    created = clio.list_all("bills", created_since=before, fields="id")
    assert [r["id"] for r in created] == [bill["id"]]
    assert clio.get("/api/v4/bills.json", updated_since="yesterday").status_code == 400


def test_show_with_etag_and_if_none_match(clio: ClioServer) -> None:
    bill_id = clio.state.books.open_bills()[0]
    first = clio.get(f"/api/v4/bills/{bill_id}.json", fields="id,etag,balance")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert loads_json(first.text)["data"]["etag"] == etag
    assert clio.http.get(f"/api/v4/bills/{bill_id}.json", headers={"If-None-Match": etag}).status_code == 304
    clio.state.record_payment(bill_id, "1.00")
    again = clio.http.get(f"/api/v4/bills/{bill_id}.json", headers={"If-None-Match": etag},
                          params={"fields": "id,etag,balance"})
    assert again.status_code == 200 and again.headers["etag"] != etag
    assert loads_json(again.text)["data"]["balance"] == loads_json(first.text)["data"]["balance"] - 1
    missing = clio.get("/api/v4/bills/1.json")
    assert missing.status_code == 404 and set(missing.json()["error"]) == {"type", "message"}


def test_api_version_header(clio: ClioServer) -> None:
    ok = clio.http.get("/api/v4/contacts.json", headers={"X-API-VERSION": "4.0.13"})
    assert ok.status_code == 200 and ok.headers["x-api-version"] == "4.0.13"
    gone = clio.http.get("/api/v4/contacts.json", headers={"X-API-VERSION": "3.9.0"})
    assert gone.status_code == 410 and gone.json()["error"]["type"] == "Gone"


def test_unknown_endpoint_is_404(clio: ClioServer) -> None:
    assert clio.get("/api/v4/payments.json").status_code == 404


def test_mutations_over_the_control_endpoint_bump_etag_and_updated_at(clio: ClioServer) -> None:
    books = clio.firm.books
    bill_id = books.open_bills()[-1]
    old = dict(books.records["bills"][bill_id])
    answer = clio.http.post("/_sandbox/mutate", json={"action": "edit_bill", "bill_id": bill_id, "amount": "80.00"})
    assert answer.status_code == 200, answer.text
    new = books.records["bills"][bill_id]
    assert new["etag"] != old["etag"] and new["updated_at"] > old["updated_at"]
    assert new["total"] == old["total"] + Decimal("80.00") and new["balance"] == old["balance"] + Decimal("80.00")
    for action in ({"action": "new_bill", "amount": "500.00"}, {"action": "payment"},
                   {"action": "payment", "from_trust": True, "bill_id": None},
                   {"action": "void_bill"}, {"action": "trust_deposit", "amount": "1000.00"},
                   {"action": "disbursement", "amount": "10.00"}, {"action": "refund", "amount": "5.00"}):
        body = {k: v for k, v in action.items() if v is not None}
        response = clio.http.post("/_sandbox/mutate", json=body)
        if response.status_code != 200:
            # Paying from trust needs a matter with enough trust money; say why, do not crash.
            assert body.get("from_trust") and response.status_code == 400, response.text
            continue
        made = response.json()
        record = books.records[made["kind"]][made["id"]]
        assert record["etag"] == made["etag"]
    refused = clio.http.post("/_sandbox/mutate", json={"action": "dance"})
    assert refused.status_code == 400
    bad = clio.http.post("/_sandbox/mutate", json={"action": "payment", "amount": 1.5})
    assert bad.status_code == 400  # floats never become money
