"""The demo-firm generator: deterministic to the byte, internally consistent to the cent, and carrying
every planted reconciliation item where `planted` says it is."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from app.money import ZERO, cents
from app.sandbox.clio import wire
from app.sandbox.demo_firm import DemoFirm, generate_firm

KINDS = ("contacts", "matters", "bills", "line_items", "allocations", "credit_memos", "bank_accounts",
         "bank_transactions", "trust_line_items")


def _fingerprint(firm: DemoFirm) -> str:
    digest = hashlib.sha256()
    for kind in KINDS:
        digest.update(wire.dumps(firm.records[kind]))
    digest.update(firm.statement_ofx.encode())
    digest.update(firm.statement_csv.encode())
    digest.update(repr(sorted(firm.planted.items())).encode())
    digest.update(repr(firm.qbo_customers).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def medium() -> DemoFirm:
    return generate_firm("medium", 7)


@pytest.fixture(scope="module")
def small() -> DemoFirm:
    return generate_firm("small", 7)


def test_same_seed_same_bytes_and_another_seed_differs(small: DemoFirm, medium: DemoFirm) -> None:
    assert _fingerprint(generate_firm("small", 7)) == _fingerprint(small)
    assert _fingerprint(generate_firm("medium", 7)) == _fingerprint(medium)
    assert _fingerprint(generate_firm("small", 8)) != _fingerprint(small)


def test_sizes(small: DemoFirm, medium: DemoFirm) -> None:
    assert len(small.matters) == 20
    assert len(medium.matters) == 500
    assert 5000 <= len(medium.bills) <= 7000
    assert {a["type"] for a in medium.bank_accounts} == {"Operating", "Trust"}
    assert len([a for a in medium.bank_accounts if a["type"] == "Trust"]) == 2
    assert len([a for a in small.bank_accounts if a["type"] == "Trust"]) == 1
    with pytest.raises(ValueError):
        generate_firm("huge", 7)


@pytest.mark.parametrize("seed", [7, 8])
def test_every_kind_of_trust_activity_happens(seed: int) -> None:
    firm = generate_firm("small", seed)
    kinds = {t["transaction_type"] for t in firm.bank_transactions if t["bank_account"]["type"] == "Trust"}
    assert {"Deposit", "Disbursement", "Refund", "Bill Payment"} <= kinds
    refund = firm.planted["client_refund"]
    assert firm.books.records["bank_transactions"][refund["bank_transaction_id"]]["transaction_type"] == "Refund"
    assert f"<CHECKNUM>{refund['check_number']}" in firm.statement_ofx


def test_awkward_client_names_are_there(small: DemoFirm) -> None:
    names = [c["name"] for c in small.contacts if c["is_client"]]
    assert any(":" in n for n in names)
    assert any(len(n) > 100 for n in names)
    assert any(not n.isascii() for n in names)
    assert len(names) != len(set(names))  # two different clients with one name
    assert {c["type"] for c in small.contacts} == {"Person", "Company"}


def _check_consistency(firm: DemoFirm) -> None:  # noqa: C901 - one place for every invariant
    books = firm.records
    lines_by_bill: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line in books["line_items"]:
        lines_by_bill[line["bill"]["id"]].append(line)
        gross = cents(line["quantity"] * line["price"])
        discount = line["discount"]
        if discount["type"] == "percentage":
            off = cents(gross * discount["rate"] / 100)
        else:
            off = cents(discount["rate"])
        expected = ZERO if line["type"] == "NoChargeLineItem" else gross - off
        assert line["total"] == expected, line["id"]
    allocations_by_bill: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for alloc in books["allocations"]:
        allocations_by_bill[alloc["bill"]["id"]].append(alloc)
    trust_lines_by_bill: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for trust_line in books["trust_line_items"]:
        trust_lines_by_bill[trust_line["bill"]["id"]].append(trust_line)
    states = defaultdict(int)
    for bill in books["bills"]:
        states[bill["state"]] += 1
        if bill["kind"] == "trust_kind":  # a trust request: its trust line items, never a payment
            assert bill["total"] == sum((t["total"] for t in trust_lines_by_bill[bill["id"]]), ZERO) > 0
            assert not lines_by_bill[bill["id"]] and not allocations_by_bill[bill["id"]]
            continue
        assert bill["total"] == sum((ln["total"] for ln in lines_by_bill[bill["id"]]), ZERO)
        valid = [a for a in allocations_by_bill[bill["id"]] if a["voided_at"] is None]
        paid = sum((a["amount"] for a in valid if a["parent"]["type"] == "Payment"), ZERO)
        credits = sum((a["amount"] for a in valid if a["parent"]["type"] == "CreditMemo"), ZERO)
        assert (bill["paid"], bill["credits_issued"]) == (paid, credits)
        if bill["state"] == "void":
            assert not valid and bill["balance"] == 0
        elif bill["state"] == "draft":
            assert not valid and bill["balance"] == bill["total"]
        else:
            assert bill["balance"] == bill["total"] - paid - credits >= 0
            assert (bill["state"] == "paid") == (bill["balance"] == 0)
    assert all(states[s] > 0 for s in ("awaiting_payment", "paid", "void", "draft")), states
    assert sum(b["kind"] == "trust_kind" for b in books["bills"]) >= 3, "no trust requests"

    by_parent: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for alloc in books["allocations"]:
        if alloc["parent"]["type"] == "Payment":
            by_parent[alloc["parent"]["id"]].append(alloc)
    assert any(len(group) > 1 for group in by_parent.values()), "no payment covers several bills"
    assert any(len([a for a in allocs if a["parent"]["type"] == "Payment"]) > 1
               for allocs in allocations_by_bill.values()), "no bill was paid in parts"
    for group in by_parent.values():
        assert len({(a["contact"]["id"], a["date"]) for a in group}) == 1

    memo_allocs = {a["parent"]["id"]: a for a in books["allocations"] if a["parent"]["type"] == "CreditMemo"}
    assert books["credit_memos"]
    for memo in books["credit_memos"]:
        assert memo["amount"] == sum((a["amount"] for a in memo["allocations"]), ZERO)
        assert memo_allocs[memo["id"]]["amount"] == memo["amount"]

    txns = books["bank_transactions"]
    by_allocation = {t["allocation"]["id"]: t for t in txns if t["allocation"]}
    from_trust = [a for a in books["allocations"] if (a["source_bank_account"] or {}).get("type") == "Trust"]
    assert from_trust, "no invoice was paid from trust"
    for alloc in from_trust:
        txn = by_allocation[alloc["id"]]
        assert txn["funds_out"] == alloc["amount"] and txn["bank_account"]["type"] == "Trust"
        assert txn["bill"]["id"] == alloc["bill"]["id"]

    running: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[int, int] = defaultdict(int)
    matter_trust: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    client_trust: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for txn in txns:  # ascending id, which is also date order
        account = txn["bank_account_id"]
        assert txn["amount"] == txn["funds_in"] - txn["funds_out"]
        running[account] += txn["amount"]
        counts[account] += 1
        assert txn["current_account_balance"] == running[account]
        if txn["bank_account"]["type"] == "Trust":
            assert txn["matter"] and txn["client"]
            matter_trust[(txn["matter"]["id"], account)] += txn["amount"]
            client_trust[(txn["client"]["id"], account)] += txn["amount"]
    for account in books["bank_accounts"]:
        assert account["balance"] == running[account["id"]]
        assert account["bank_transactions_count"] == counts[account["id"]]
    for kind, sums in (("matters", matter_trust), ("contacts", client_trust)):
        shown = {(r["id"], e["id"]): e["balance"] for r in books[kind] for e in r["account_balances"]}
        assert shown == dict(sums), kind
    planted = firm.planted["negative_ledger"]
    assert [k for k, v in matter_trust.items() if v < 0] == [(planted["matter_id"], firm.trust_account_id)]
    assert [k for k, v in client_trust.items() if v < 0] == [(planted["client_id"], firm.trust_account_id)]
    assert matter_trust[(planted["matter_id"], firm.trust_account_id)] == planted["balance"] < 0

    for kind in ("bills", "line_items", "allocations", "bank_transactions"):
        for record in books[kind]:
            for key in ("total", "amount", "funds_in", "funds_out", "balance", "paid", "price"):
                value = record.get(key)
                if isinstance(value, Decimal):
                    assert value == cents(value), (kind, record["id"], key)


def test_small_firm_is_consistent_to_the_cent(small: DemoFirm) -> None:
    _check_consistency(small)


def test_medium_firm_is_consistent_to_the_cent(medium: DemoFirm) -> None:
    _check_consistency(medium)


def _csv_rows(firm: DemoFirm) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(firm.statement_csv)))


def _ofx_lines(firm: DemoFirm) -> list[dict[str, str]]:
    blocks = re.findall(r"<STMTTRN>(.*?)</STMTTRN>", firm.statement_ofx, re.S)
    return [dict(re.findall(r"<(\w+)>([^\r\n<]*)", block)) for block in blocks]


@pytest.mark.parametrize("size", ["small", "medium"])
def test_statement_ties_out_and_carries_the_planted_items(size: str, small: DemoFirm, medium: DemoFirm) -> None:
    firm = small if size == "small" else medium
    p = firm.planted
    rows, ofx = _csv_rows(firm), _ofx_lines(firm)
    assert len(rows) == len(ofx) > 5
    amounts = [Decimal(r["Amount"]) for r in rows]
    assert [Decimal(o["TRNAMT"]) for o in ofx] == amounts
    assert p["opening_balance"] + sum(amounts, ZERO) == p["ending_balance"]
    assert Decimal(rows[-1]["Balance"]) == p["ending_balance"]
    assert f"<BALAMT>{p['ending_balance']:.2f}" in firm.statement_ofx
    start, end = p["statement_start"], p["statement_end"]
    assert firm.period == f"{start:%Y-%m}" and end.month == start.month
    for row in rows:
        assert start <= dt.datetime.strptime(row["Date"], firm.statement_csv_mapping["date_format"]).date() <= end
    assert len({o["FITID"] for o in ofx}) == len(ofx)

    fitids = {o["FITID"]: o for o in ofx}
    for label in ("bank_fee", "interest", "unidentified_deposit"):
        item = p[label]
        assert Decimal(fitids[item["fitid"]]["TRNAMT"]) == item["amount"]
    assert p["bank_fee"]["amount"] < 0 < p["interest"]["amount"] and p["unidentified_deposit"]["amount"] > 0

    txns = firm.books.records["bank_transactions"]
    checks = {o.get("CHECKNUM") for o in ofx}
    for label in ("outstanding_check", "stale_check"):
        item = p[label]
        txn = txns[item["bank_transaction_id"]]
        assert txn["funds_out"] == item["amount"] and txn["confirmation"] == item["check_number"]
        assert item["check_number"] not in checks
    assert p["stale_check"]["age_days"] > 180 and p["outstanding_check"]["date"] >= start
    dit = p["deposit_in_transit"]
    txn = txns[dit["bank_transaction_id"]]
    assert txn["funds_in"] == dit["amount"] and (end - dit["date"]).days < 2
    assert not any(r["Description"] == txn["description"] and Decimal(r["Amount"]) == dit["amount"] for r in rows)

    # The three-way identity the reconciliation must find, with the bank-only items as the difference.
    assert p["journal_balance"] == p["client_ledger_sum"] == firm.books.records["bank_accounts"][
        firm.trust_account_id]["balance"]
    assert p["adjusted_bank_balance"] == p["ending_balance"] + dit["amount"] - p["outstanding_checks_total"]
    assert p["adjusted_bank_balance"] - p["journal_balance"] == p["bank_only_total"]


def test_csv_mapping_names_the_csv_columns(small: DemoFirm) -> None:
    header = small.statement_csv.splitlines()[0].split(",")
    mapping = small.statement_csv_mapping
    for key in ("date_column", "amount_column", "description_column", "reference_column", "balance_column"):
        assert mapping[key] in header


def test_qbo_customers_include_an_exact_match_and_a_near_duplicate(small: DemoFirm) -> None:
    contacts = {(c["name"], c["primary_email_address"]) for c in small.contacts}
    customers = small.qbo_customers
    exact = [c for c in customers if (c["DisplayName"], c.get("PrimaryEmailAddr", {}).get("Address")) in contacts]
    assert len(exact) == 1
    near = small.planted["qbo_near_duplicate"]
    clio_name = small.books.records["contacts"][near["contact_id"]]["name"]
    assert near["display_name"] != clio_name
    assert re.sub(r"\W", "", near["display_name"]).lower() == re.sub(r"\W", "", clio_name).lower()
    assert all(":" not in c["DisplayName"] for c in customers)


@pytest.mark.slow
def test_large_firm_is_fast_and_consistent() -> None:
    started = time.monotonic()
    firm = generate_firm("large", 7)
    elapsed = time.monotonic() - started
    assert len(firm.matters) == 5000 and 55_000 <= len(firm.bills) <= 70_000
    assert elapsed < 60, f"the large firm took {elapsed:.1f}s"
    _check_consistency(firm)


def test_the_apps_statement_reader_reads_both_files_alike(small: DemoFirm) -> None:
    """The generated OFX and CSV are what the bank importer (`app.bank`) reads, and they agree."""
    import app.bank as bank

    ofx = bank.parse_statement(small.statement_ofx.encode(), "trust.ofx")
    from_csv = bank.parse_statement(small.statement_csv.encode(), "trust.csv", small.statement_csv_mapping)
    p = small.planted
    assert ofx.ending_balance == p["ending_balance"]
    assert (ofx.start, ofx.end) == (p["statement_start"], p["statement_end"])
    assert [(ln.date, ln.amount) for ln in ofx.lines] == [(ln.date, ln.amount) for ln in from_csv.lines]
    assert sum((ln.amount for ln in from_csv.lines), ZERO) == p["ending_balance"] - p["opening_balance"]
    checks = {ln.check_number for ln in ofx.lines if ln.check_number}
    assert p["client_refund"]["check_number"] in checks
    assert p["outstanding_check"]["check_number"] not in checks
