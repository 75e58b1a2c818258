"""QuickBooks' validation rules and answer shapes, over real HTTP against the emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.money import loads_json
from tests.app.sandbox import test_qbo_support as support
from tests.app.sandbox.test_qbo_support import LiveQbo

make_qbo, qbo = support.make_qbo, support.qbo


def ok(r: httpx.Response, entity: str) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return loads_json(r.text)[entity]


def fault(r: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = loads_json(r.text)["Fault"]
    assert body["Error"][0]["code"], "every fault carries a code"
    return body["Error"][0]


def new_customer(qbo: LiveQbo, name: str, parent: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": name, **extra}
    if parent is not None:
        body.update(Job=True, ParentRef={"value": parent["Id"]}, BillWithParent=True)
    return ok(qbo.post("customer", body), "Customer")


def sales_line(amount: str, item: str = "2", **detail: Any) -> dict[str, Any]:
    return {"Amount": amount, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": item}, **detail}}


def new_invoice(qbo: LiveQbo, cust: dict[str, Any], *amounts: str, doc: str = "1") -> dict[str, Any]:
    body = {"CustomerRef": {"value": cust["Id"]}, "DocNumber": doc, "Line": [sales_line(a) for a in amounts]}
    return ok(qbo.post("invoice", body), "Invoice")


# --- names --------------------------------------------------------------------------------------------


def test_display_name_unique_across_customers_and_vendors_ignoring_case(qbo: LiveQbo) -> None:
    new_customer(qbo, "Acme Widgets")
    assert fault(qbo.post("customer", {"DisplayName": "ACME widgets"}))["code"] == "6240"
    assert fault(qbo.post("vendor", {"DisplayName": "acme widgets"}))["code"] == "6240"
    # A seeded vendor blocks a customer of the same name.
    assert fault(qbo.post("customer", {"DisplayName": "Superior Court Clerk"}))["code"] == "6240"
    assert fault(qbo.post("customer", {"DisplayName": "  Acme Widgets  "}))["code"] == "6240"


@pytest.mark.parametrize("field", ["DisplayName", "GivenName", "FamilyName", "CompanyName"])
@pytest.mark.parametrize("bad", ["Smith: John", "Tab\there", "New\nline"])
def test_colon_tab_and_newline_rejected_in_names(qbo: LiveQbo, field: str, bad: str) -> None:
    body = {"DisplayName": "Fine Name", field: bad}
    err = fault(qbo.post("customer", body))
    assert err["code"] == "6000" and err["element"] == field


def test_name_length_limits(qbo: LiveQbo) -> None:
    assert fault(qbo.post("customer", {"DisplayName": "x" * 501}))["code"] == "2050"
    assert fault(qbo.post("customer", {"DisplayName": "ok", "GivenName": "g" * 101}))["code"] == "2050"
    assert ok(qbo.post("customer", {"DisplayName": "y" * 500}), "Customer")["DisplayName"] == "y" * 500
    assert fault(qbo.post("customer", {}))["code"] == "6080"
    assert ok(qbo.post("customer", {"GivenName": "Ana", "FamilyName": "Lopez"}), "Customer")[
        "DisplayName"] == "Ana Lopez"


def test_sub_customer_rules(qbo: LiveQbo) -> None:
    top = new_customer(qbo, "Top")
    assert fault(qbo.post("customer", {"DisplayName": "No Job", "ParentRef": {"value": top["Id"]}}))[
        "code"] == "6150"
    assert fault(qbo.post("customer", {"DisplayName": "No Parent", "Job": True}))["code"] == "6150"
    chain = [top]
    for level in range(1, 5):
        chain.append(new_customer(qbo, f"Level {level}", chain[-1]))
        assert chain[-1]["Level"] == level
    assert chain[-1]["FullyQualifiedName"] == "Top:Level 1:Level 2:Level 3:Level 4"
    too_deep = qbo.post("customer", {"DisplayName": "Level 5", "Job": True, "ParentRef": {"value": chain[-1]["Id"]}})
    assert fault(too_deep)["code"] == "6000"
    assert fault(qbo.post("customer", {"DisplayName": "Orphan", "Job": True, "ParentRef": {"value": "999"}}))[
        "code"] == "2500"


def test_renaming_a_parent_renames_the_children_full_names(qbo: LiveQbo) -> None:
    top = new_customer(qbo, "Old Name")
    child = new_customer(qbo, "Child Matter", top)
    ok(qbo.post("customer", {"Id": top["Id"], "SyncToken": top["SyncToken"], "sparse": True,
                             "DisplayName": "New Name"}), "Customer")
    again = ok(httpx.get(f"{qbo.api}/customer/{child['Id']}", headers=qbo.headers()), "Customer")
    assert again["FullyQualifiedName"] == "New Name:Child Matter"
    assert again["SyncToken"] == "1"


# --- updates, reads, deletes --------------------------------------------------------------------------


def test_sparse_and_full_update_and_sync_token(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Update Me", Notes="keep", CompanyName="Co")
    sparse = ok(qbo.post("customer", {"Id": c["Id"], "SyncToken": 0, "sparse": True, "Notes": "changed"}),
                "Customer")
    assert sparse["Notes"] == "changed" and sparse["CompanyName"] == "Co" and sparse["SyncToken"] == "1"
    full = ok(qbo.post("customer", {"Id": c["Id"], "SyncToken": "1", "sparse": False, "DisplayName": "Update Me"}),
              "Customer")
    assert "CompanyName" not in full and "Notes" not in full and full["SyncToken"] == "2"
    err = fault(qbo.post("customer", {"Id": c["Id"], "SyncToken": "1", "sparse": True, "Notes": "late"}))
    assert err["code"] == "5010"
    assert fault(qbo.post("customer", {"Id": c["Id"], "sparse": True, "Notes": "x"}))["code"] == "2020"


def test_read_missing_and_unsupported_operations(qbo: LiveQbo) -> None:
    assert fault(httpx.get(f"{qbo.api}/invoice/4242", headers=qbo.headers()))["code"] == "610"
    c = new_customer(qbo, "Never Deleted")
    err = fault(qbo.post("customer", {"Id": c["Id"], "SyncToken": "0"}, operation="delete"))
    assert err["code"] == "500"
    assert fault(httpx.get(f"{qbo.api}/widget/1", headers=qbo.headers()))["code"] == "500"


def test_python_quickbooks_style_body_is_accepted(qbo: LiveQbo) -> None:
    body = {"Active": True, "Balance": 0, "BalanceWithJobs": 0, "BillWithParent": False, "CompanyName": "",
            "DisplayName": "Defaults Everywhere", "FamilyName": "", "FullyQualifiedName": "", "GivenName": "",
            "IsProject": False, "Job": False, "Level": 0, "OpenBalanceDate": "", "SyncToken": 0,
            "domain": "QBO", "sparse": False, "ParentRef": {"name": "", "type": "", "value": ""}}
    c = ok(qbo.post("customer", body), "Customer")
    assert c["Id"] == "1" and c["SyncToken"] == "0" and c["Level"] == 0
    assert "" not in c.values() and "ParentRef" not in c


def test_answers_are_quickbooks_shaped(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Shape Co")
    r = qbo.post("invoice", {"CustomerRef": {"value": c["Id"]}, "Line": [sales_line("1185.50")]},
                 minorversion="4")  # below 75: ignored, as QuickBooks does
    assert '"TotalAmt":1185.50' in r.text and '"Id":"1"' in r.text
    body = loads_json(r.text)
    assert set(body) == {"Invoice", "time"}
    inv = body["Invoice"]
    assert isinstance(inv["SyncToken"], str) and inv["CustomerRef"] == {"value": c["Id"], "name": "Shape Co"}
    assert inv["MetaData"]["CreateTime"].endswith(("-08:00", "-07:00"))


# --- invoices and payments -----------------------------------------------------------------------------


def test_invoice_line_rules(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Lines Co")
    cust = {"value": c["Id"]}
    assert fault(qbo.post("invoice", {"CustomerRef": cust, "DocNumber": "x" * 22, "Line": [sales_line("1")]}))[
        "code"] == "2050"
    wrong = sales_line("10.00", Qty="2", UnitPrice="4.00")
    assert fault(qbo.post("invoice", {"CustomerRef": cust, "Line": [wrong]}))["code"] == "6070"
    assert fault(qbo.post("invoice", {"CustomerRef": cust, "Line": []}))["code"] == "2020"
    assert fault(qbo.post("invoice", {"Line": [sales_line("1")]}))["code"] == "2020"
    assert fault(qbo.post("invoice", {"CustomerRef": cust, "Line": [sales_line("1", item="99")]}))[
        "code"] == "2500"
    mixed = [sales_line("100.00", Qty="4", UnitPrice="25"), {"DetailType": "DescriptionOnly", "Amount": "50",
                                                             "Description": "note"},
             {"DetailType": "DiscountLineDetail", "Amount": "",
              "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": "10"}}]
    inv = ok(qbo.post("invoice", {"CustomerRef": cust, "Line": mixed}), "Invoice")
    assert inv["TotalAmt"] == 90 and "Amount" not in inv["Line"][1]
    assert inv["Line"][2]["Amount"] == 10


def test_payment_rules_and_unapplied_amount(qbo: LiveQbo) -> None:
    a = new_customer(qbo, "Payer A")
    b = new_customer(qbo, "Payer B")
    inv = new_invoice(qbo, a, "100.00")

    def payment(cust: dict[str, Any], total: str, applied: str) -> httpx.Response:
        return qbo.post("payment", {"CustomerRef": {"value": cust["Id"]}, "TotalAmt": total, "Line": [
            {"Amount": applied, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})

    assert fault(payment(a, "150.00", "150.00"))["code"] == "6000"  # more than the open balance
    assert fault(payment(b, "10.00", "10.00"))["code"] == "6000"  # another customer's invoice
    assert fault(payment(a, "10.00", "20.00"))["code"] == "6000"  # applies more than it brings
    p = ok(payment(a, "130.00", "100.00"), "Payment")
    assert p["UnappliedAmt"] == 30 and p["DepositToAccountRef"]["name"] == "Undeposited Funds"
    assert qbo.state.books.customer_balance(a["Id"]) == -30
    checking = qbo.state.account_id("Operating Checking")
    bad_account = qbo.post("payment", {"CustomerRef": {"value": a["Id"]}, "TotalAmt": "5",
                                       "DepositToAccountRef": {"value": qbo.state.account_id("Legal Fee Income")}})
    assert fault(bad_account)["code"] == "6000"
    direct = ok(qbo.post("payment", {"CustomerRef": {"value": a["Id"]}, "TotalAmt": "5",
                                     "DepositToAccountRef": {"value": checking}}), "Payment")
    assert direct["DepositToAccountRef"]["name"] == "Operating Checking"


def test_invoice_with_payments_cannot_be_voided_or_deleted_and_sync_token_moves(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Linked Co")
    inv = new_invoice(qbo, c, "80.00")
    ok(qbo.post("payment", {"CustomerRef": {"value": c["Id"]}, "TotalAmt": "80", "Line": [
        {"Amount": "80", "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]}), "Payment")
    # The payment changed the invoice (Balance, LinkedTxn): the old SyncToken is stale now.
    assert fault(qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}))[
        "code"] == "5010"
    assert fault(qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "1"}, operation="void"))["code"] == "6000"
    assert fault(qbo.post("invoice", {"Id": inv["Id"], "SyncToken": "1"}, operation="delete"))["code"] == "6000"


def test_deposited_payment_cannot_change(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Deposit Co")
    p = ok(qbo.post("payment", {"CustomerRef": {"value": c["Id"]}, "TotalAmt": "40.00"}), "Payment")
    checking = qbo.state.account_id("Operating Checking")
    ok(qbo.post("deposit", {"DepositToAccountRef": {"value": checking}, "Line": [
        {"Amount": "40.00", "LinkedTxn": [{"TxnId": p["Id"], "TxnType": "Payment", "TxnLineId": "0"}]}]}),
       "Deposit")
    err = fault(qbo.post("payment", {"Id": p["Id"], "SyncToken": "0", "sparse": True}, include="void"))
    assert err["code"] == "6540"
    assert fault(qbo.post("payment", {"Id": p["Id"], "SyncToken": "0"}, operation="delete"))["code"] == "6540"
    assert qbo.state.account_balance(qbo.state.account_id("Undeposited Funds")) == 0
    assert qbo.state.account_balance(checking) == 40


def test_journal_entry_must_balance_and_name_ar_customers(qbo: LiveQbo) -> None:
    trust = qbo.state.account_id("IOLTA Trust Account")
    liability = qbo.state.account_id("Client Trust Liability")
    ar = qbo.state.account_id("Accounts Receivable (A/R)")

    def line(posting: str, account: str, amount: str, entity: dict[str, Any] | None = None) -> dict[str, Any]:
        detail: dict[str, Any] = {"PostingType": posting, "AccountRef": {"value": account}}
        if entity:
            detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": entity["Id"]}}
        return {"Amount": amount, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": detail}

    err = fault(qbo.post("journalentry", {"Line": [line("Debit", trust, "100.00"),
                                                   line("Credit", liability, "99.99")]}))
    assert err["code"] == "6000" and "balance" in err["Detail"]
    err = fault(qbo.post("journalentry", {"Line": [line("Debit", ar, "5"), line("Credit", liability, "5")]}))
    assert err["code"] == "6000" and "Accounts Receivable" in err["Detail"]
    assert fault(qbo.post("journalentry", {"Line": [line("Debit", trust, "5"), line("Credit", liability, "5")],
                                           "DocNumber": "J" * 22}))["code"] == "2050"
    c = new_customer(qbo, "JE Client")
    je = ok(qbo.post("journalentry", {"Line": [line("Debit", trust, "100.00"),
                                               line("Credit", liability, "100.00", c)]}), "JournalEntry")
    assert je["Line"][1]["JournalEntryLineDetail"]["Entity"]["EntityRef"]["name"] == "JE Client"
    assert qbo.state.customer_account_balance(c["Id"], liability) == 100


def test_accounts_and_items(qbo: LiveQbo) -> None:
    acct = ok(qbo.post("account", {"Name": "Interest-Bearing Trust", "AccountSubType": "TrustAccounts"}), "Account")
    assert acct["AccountType"] == "Bank" and acct["Classification"] == "Asset" and acct["CurrentBalance"] == 0
    assert fault(qbo.post("account", {"Name": "interest-bearing trust", "AccountType": "Bank"}))["code"] == "6240"
    assert fault(qbo.post("account", {"Name": "Bad: Name", "AccountType": "Bank"}))["code"] == "6000"
    assert fault(qbo.post("account", {"Name": "No Type"}))["code"] == "6010"
    assert fault(qbo.post("item", {"Name": "Orphan Item", "Type": "Service"}))["code"] == "2020"
    assert fault(qbo.post("item", {"Name": "Legal Services", "Type": "Service",
                                   "IncomeAccountRef": {"value": "14"}}))["code"] == "6240"


# --- query --------------------------------------------------------------------------------------------


def test_query_language_subset(qbo: LiveQbo) -> None:
    top = new_customer(qbo, "O'Brien & Co")
    child = new_customer(qbo, "O'Brien - Appeal", top)
    gone = new_customer(qbo, "Inactive Client")
    ok(qbo.post("customer", {"Id": gone["Id"], "SyncToken": "0", "sparse": True, "Active": False}), "Customer")
    for n in range(5):
        new_invoice(qbo, child, f"{n + 1}0.00", doc=f"INV-{n}")

    assert qbo.query("select * from Customer where DisplayName = 'O\\'Brien & Co'")["Customer"][0]["Id"] == top["Id"]
    assert [c["Id"] for c in qbo.query(f"select * from Customer where ParentRef = '{top['Id']}'")["Customer"]] == [
        child["Id"]]
    assert "Customer" not in qbo.query("select * from Customer where DisplayName = 'Inactive Client'")
    both = qbo.query("select * from Customer where Active in (true, false) and DisplayName like 'Inactive%'")
    assert [c["Id"] for c in both["Customer"]] == [gone["Id"]]
    assert qbo.query("SELECT COUNT(*) FROM Invoice WHERE TotalAmt >= '30'") == {"totalCount": 3}
    picked = qbo.query("select * from Invoice where DocNumber in ('INV-1', 'INV-3') orderby DocNumber desc")
    assert [i["DocNumber"] for i in picked["Invoice"]] == ["INV-3", "INV-1"]
    page = qbo.query("select * from Invoice orderby Id startposition 2 maxresults 2")
    assert [i["DocNumber"] for i in page["Invoice"]] == ["INV-1", "INV-2"]
    assert page["startPosition"] == 2 and page["maxResults"] == 2
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    assert len(qbo.query(f"select * from Invoice where MetaData.LastUpdatedTime > '{since}'")["Invoice"]) == 5
    assert qbo.query("select * from Invoice where DocNumber = 'nope'") == {}
    posted = httpx.post(f"{qbo.api}/query", content="select count(*) from Invoice",
                        headers={**qbo.headers(), "Content-Type": "application/text"})
    assert loads_json(posted.text)["QueryResponse"] == {"totalCount": 5}


@pytest.mark.parametrize("sql", [
    "select * from Invoice where PrivateNote = 'x'",
    "select * from Invoice where DocNumber = '1' or DocNumber = '2'",
    "select DocNumber from Invoice",
    "select * from Nothing",
    "select * from Invoice maxresults 0",
])
def test_query_errors(qbo: LiveQbo, sql: str) -> None:
    r = httpx.get(f"{qbo.api}/query", params={"query": sql}, headers=qbo.headers())
    assert fault(r)["code"] == "4000"


def test_maxresults_is_capped_at_1000(qbo: LiveQbo) -> None:
    books = qbo.state.books
    for n in range(1005):
        books.create("Vendor", {"DisplayName": f"Vendor {n:04d}"})
    page = qbo.query("select * from Vendor maxresults 5000")
    assert page["maxResults"] == 1000 and len(page["Vendor"]) == 1000
    assert qbo.query("select count(*) from Vendor")["totalCount"] == 1005 + 3  # plus the seeded vendors


# --- batch --------------------------------------------------------------------------------------------


def test_batch_items_are_independent_and_echo_bid(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Batch Owner")
    next_customer_id = str(int(c["Id"]) + 1)
    items = [
        {"bId": "a1", "operation": "create", "Customer": {"DisplayName": "Made In Batch"}},
        {"bId": "a2", "operation": "create", "Invoice": {"CustomerRef": {"value": next_customer_id},
                                                         "Line": [sales_line("5")]}},
        {"bId": "a3", "Query": "select * from Customer where DisplayName = 'Made In Batch'"},
        {"bId": "a4", "operation": "create", "Customer": {"DisplayName": "Batch Owner"}},
        {"bId": "a5", "operation": "create", "Invoice": {"CustomerRef": {"value": c["Id"]},
                                                         "Line": [sales_line("7")]}},
    ]
    r = qbo.post("batch", {"BatchItemRequest": items})
    answers = {a["bId"]: a for a in loads_json(r.text)["BatchItemResponse"]}
    assert answers["a1"]["Customer"]["Id"] == next_customer_id
    assert answers["a2"]["Fault"]["Error"][0]["code"] == "2500"  # cannot see a1's customer
    assert answers["a3"]["QueryResponse"] == {}
    assert answers["a4"]["Fault"]["Error"][0]["code"] == "6240"
    inv = answers["a5"]["Invoice"]
    void = qbo.post("batch", {"BatchItemRequest": [
        {"bId": "v", "operation": "update", "optionsData": "void", "Invoice": {"Id": inv["Id"], "SyncToken": "0"}},
    ]})
    assert loads_json(void.text)["BatchItemResponse"][0]["Invoice"]["TotalAmt"] == 0


def test_batch_over_thirty_items_is_refused(qbo: LiveQbo) -> None:
    items = [{"bId": str(n), "operation": "create", "Vendor": {"DisplayName": f"V{n}"}} for n in range(31)]
    assert fault(qbo.post("batch", {"BatchItemRequest": items}))["code"] == "6000"
    assert qbo.query("select count(*) from Vendor")["totalCount"] == 3


# --- change data capture ------------------------------------------------------------------------------


def test_cdc_window_zone_and_cap(qbo: LiveQbo) -> None:
    def cdc(since: str, entities: str = "Invoice,Customer") -> httpx.Response:
        return httpx.get(f"{qbo.api}/cdc", params={"entities": entities, "changedSince": since},
                         headers=qbo.headers())

    c = new_customer(qbo, "CDC Co")
    new_invoice(qbo, c, "1.00")
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    assert fault(cdc(old))["code"] == "6000"
    # Without a zone the time is the company's (Pacific): a UTC wall-clock time read that way is hours
    # in the future, so nothing is found. Clients must send an offset.
    naive_utc = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None).isoformat(timespec="seconds")
    answer = loads_json(cdc(naive_utc).text)["CDCResponse"][0]["QueryResponse"]
    assert answer == [{}, {}]
    with_zone = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
    answer = loads_json(cdc(with_zone).text)["CDCResponse"][0]["QueryResponse"]
    assert len(answer[0]["Invoice"]) == 1 and len(answer[1]["Customer"]) == 1
    for n in range(1005):
        qbo.state.books.create("Customer", {"DisplayName": f"Bulk {n}"})
    answer = loads_json(cdc(with_zone).text)["CDCResponse"][0]["QueryResponse"]
    assert sum(len(next(iter(part.values()), [])) for part in answer) == 1000


def test_inactive_names_get_the_deleted_suffix_and_free_the_name(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Gone Fishing")
    gone = ok(qbo.post("customer", {"Id": c["Id"], "SyncToken": "0", "sparse": True, "Active": False}), "Customer")
    assert gone["DisplayName"] == "Gone Fishing (deleted)" and gone["Active"] is False
    again = new_customer(qbo, "Gone Fishing")  # the name is free again
    second = ok(qbo.post("customer", {"Id": again["Id"], "SyncToken": "0", "sparse": True, "Active": False}),
                "Customer")
    assert second["DisplayName"] == "Gone Fishing (deleted-1)"
    back = ok(qbo.post("customer", {"Id": c["Id"], "SyncToken": "1", "sparse": True, "Active": True}), "Customer")
    assert back["DisplayName"] == "Gone Fishing" and back["Active"] is True


def test_custom_transaction_numbers_preference(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Numbered Co")
    assert new_invoice(qbo, c, "1.00", doc="CLIO-77")["DocNumber"] == "CLIO-77"
    prefs = ok(qbo.post("preferences", {"SalesFormsPrefs": {"CustomTxnNumbers": False}}), "Preferences")
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    auto = new_invoice(qbo, c, "1.00", doc="CLIO-78")
    assert auto["DocNumber"] == "1001"  # QuickBooks numbered it and ignored ours


def test_closing_date_refuses_writes_dated_on_or_before_it(qbo: LiveQbo) -> None:
    c = new_customer(qbo, "Closed Books Co")  # names are not dated: never refused
    old = ok(qbo.post("invoice", {"CustomerRef": {"value": c["Id"]}, "DocNumber": "9", "TxnDate": "2026-03-31",
                                  "Line": [sales_line("5.00")]}), "Invoice")
    qbo.state.books.book_close_date = date(2026, 3, 31)
    prefs = ok(httpx.get(f"{qbo.api}/preferences", headers=qbo.headers()), "Preferences")
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2026-03-31"
    dated = {"CustomerRef": {"value": c["Id"]}, "Line": [sales_line("5.00")]}
    refused = fault(qbo.post("invoice", {**dated, "DocNumber": "10", "TxnDate": "2026-03-31"}))
    assert refused["code"] == "6210" and "period has closed" in refused["Detail"]
    # Changing, voiding or deleting a transaction in the closed period is refused too.
    change = {"Id": old["Id"], "SyncToken": old["SyncToken"], "sparse": True, "PrivateNote": "x"}
    assert fault(qbo.post("invoice", change))["code"] == "6210"
    assert fault(qbo.post("invoice", change, operation="delete"))["code"] == "6210"
    # Moving an open-period transaction into the closed period is refused; the day after is open.
    fresh = ok(qbo.post("invoice", {**dated, "DocNumber": "11", "TxnDate": "2026-04-01"}), "Invoice")
    move = {"Id": fresh["Id"], "SyncToken": fresh["SyncToken"], "sparse": True, "TxnDate": "2026-03-15"}
    assert fault(qbo.post("invoice", move))["code"] == "6210"
