"""Contract tests: python-quickbooks 0.9.12 and intuit-oauth, unchanged, against the QBO emulator.

Everything here goes through the libraries the app uses (never hand-written requests), so what passes
here is what the app's client will meet.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import exceptions as qbexc
from quickbooks.batch import batch_create, batch_delete
from quickbooks.cdc import change_data_capture
from quickbooks.client import QuickBooks
from quickbooks.objects.account import Account
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.deposit import Deposit, DepositLine, DepositLineDetail
from quickbooks.objects.detailline import (
    DiscountLine,
    DiscountLineDetail,
    DiscountOverride,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import Entity, JournalEntry, JournalEntryLine, JournalEntryLineDetail
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.preferences import Preferences

from tests.app.sandbox import test_qbo_support as support
from tests.app.sandbox.test_qbo_support import LiveQbo, connect

make_qbo, qbo, qb = support.make_qbo, support.qbo, support.qb  # the shared fixtures


def ref(value: str) -> Ref:
    r = Ref()
    r.value = value
    return r


def customer(qb: QuickBooks, name: str, parent: Customer | None = None) -> Customer:
    c = Customer()
    c.DisplayName = name
    if parent is not None:
        c.Job = True
        c.ParentRef = parent.to_ref()
        c.BillWithParent = True
    return c.save(qb=qb)


def item_id(qb: QuickBooks, name: str) -> str:
    return Item.filter(Name=name, qb=qb)[0].Id


def account_id(qb: QuickBooks, name: str) -> str:
    return Account.where(f"Name = '{name}'", qb=qb)[0].Id


def invoice(qb: QuickBooks, cust: Customer, amounts: list[str], doc: str, discount: str | None = None) -> Invoice:
    inv = Invoice()
    inv.CustomerRef = cust.to_ref()
    inv.DocNumber = doc
    legal = item_id(qb, "Legal Services")
    for amt in amounts:
        line = SalesItemLine()
        line.Amount = Decimal(amt)
        line.Description = f"Services {amt}"
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = ref(legal)
        line.SalesItemLineDetail.Qty = Decimal("1")
        line.SalesItemLineDetail.UnitPrice = Decimal(amt)
        inv.Line.append(line)
    if discount is not None:
        d = DiscountLine()
        d.Amount = Decimal(discount)
        d.DiscountLineDetail = DiscountLineDetail()
        d.DiscountLineDetail.Discount = DiscountOverride()
        inv.Line.append(d)
    return inv.save(qb=qb)


def pay(qb: QuickBooks, cust: Customer, links: list[tuple[Any, str]], total: str,
        deposit_to: str | None = None) -> Payment:
    p = Payment()
    p.CustomerRef = cust.to_ref()
    p.TotalAmt = Decimal(total)
    for target, amt in links:
        line = PaymentLine()
        line.Amount = Decimal(amt)
        link = LinkedTxn()
        link.TxnId = target.Id
        link.TxnType = target.qbo_object_name
        line.LinkedTxn.append(link)
        p.Line.append(line)
    if deposit_to:
        p.DepositToAccountRef = ref(deposit_to)
    return p.save(qb=qb)


def test_authorization_code_flow_through_intuit_oauth(qbo: LiveQbo) -> None:
    qbo.state.register_redirect_uri("http://localhost:8765/callback")  # as in the Intuit app's settings
    auth = AuthClient(qbo.state.client_id, qbo.state.client_secret, "http://localhost:8765/callback",
                      qbo.discovery_url)
    try:
        assert auth.token_endpoint == f"{qbo.url}/oauth2/v1/tokens/bearer"
        url = auth.get_authorization_url([Scopes.ACCOUNTING], state_token="st-123")
        redirect = httpx.get(url, follow_redirects=False)
        assert redirect.status_code == 302
        sent = parse_qs(urlparse(redirect.headers["location"]).query)
        assert sent["state"] == ["st-123"] and sent["realmId"] == [qbo.state.realm_id]
        auth.get_bearer_token(sent["code"][0], realm_id=sent["realmId"][0])
        assert auth.access_token and auth.refresh_token and auth.expires_in == 3600
        qb = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token, company_id=qbo.state.realm_id,
                        minorversion=75, use_decimal=True)
        qb.api_url_v3 = f"{qbo.url}/v3"
        assert Preferences.get(qb=qb).SalesFormsPrefs.CustomTxnNumbers is True
        # A code works once.
        with pytest.raises(Exception, match="invalid_grant|400"):
            auth.get_bearer_token(sent["code"][0])
        qb.session.close()
    finally:
        auth.close()


def test_customers_sub_customers_invoice_and_payment(qb: QuickBooks) -> None:
    client = customer(qb, "Rivera, Ana")
    matter = customer(qb, "Rivera - Estate 2024-011", client)
    assert matter.Job is True and matter.Level == 1
    assert matter.FullyQualifiedName == "Rivera, Ana:Rivera - Estate 2024-011"
    assert matter.ParentRef.value == client.Id and matter.BillWithParent is True

    inv = invoice(qb, matter, ["1200.00", "85.50"], "B-1001", discount="100.00")
    assert inv.TotalAmt == Decimal("1185.50") and inv.Balance == Decimal("1185.50")
    assert inv.Line[-1].DetailType == "SubTotalLineDetail" and inv.Line[-1].Amount == Decimal("1285.50")
    assert isinstance(inv.TotalAmt, Decimal)

    payment = pay(qb, matter, [(inv, "500.00")], "500.00")
    assert payment.UnappliedAmt == Decimal("0.00")
    assert payment.DepositToAccountRef.name == "Undeposited Funds"
    again = Invoice.get(inv.Id, qb=qb)
    assert again.Balance == Decimal("685.50")
    assert [lt.TxnId for lt in again.LinkedTxn] == [payment.Id]
    assert Customer.get(matter.Id, qb=qb).Balance == Decimal("685.50")
    parent = Customer.get(client.Id, qb=qb)
    assert parent.Balance == Decimal("0.00") and parent.BalanceWithJobs == Decimal("685.50")


def test_query_filter_count_order_and_paging(qb: QuickBooks) -> None:
    cust = customer(qb, "Paging Client")
    for n in range(12):
        invoice(qb, cust, [f"{n + 1}.00"], f"P-{n:03d}")
    assert Invoice.count(qb=qb) == 12
    assert Invoice.count("DocNumber LIKE 'P-00%'", qb=qb) == 10
    found = Invoice.filter(DocNumber="P-007", qb=qb)
    assert [i.TotalAmt for i in found] == [Decimal("8.00")]
    page1 = Invoice.where("", order_by="TotalAmt DESC", start_position=1, max_results=5, qb=qb)
    page3 = Invoice.where("", order_by="TotalAmt DESC", start_position=11, max_results=5, qb=qb)
    assert [i.TotalAmt for i in page1] == [Decimal(f"{n}.00") for n in (12, 11, 10, 9, 8)]
    assert [i.TotalAmt for i in page3] == [Decimal("2.00"), Decimal("1.00")]
    assert len(Account.all(qb=qb)) >= 20
    assert {i.Name for i in Item.all(qb=qb)} >= {"Legal Services", "Reimbursable Expenses", "Discount"}
    ids = [c.Id for c in Customer.choose(["Paging Client"], field="DisplayName", qb=qb)]
    assert ids == [cust.Id]


def test_batch_create_splits_in_thirties_with_per_item_faults(qbo: LiveQbo, qb: QuickBooks) -> None:
    customer(qb, "Taken Name")
    batch: list[Customer] = []
    for n in range(34):
        c = Customer()
        c.DisplayName = f"Batch Client {n:02d}"
        batch.append(c)
    dup = Customer()
    dup.DisplayName = "taken name"
    batch.append(dup)
    before = qbo.switches.counts[f"/v3/company/{qbo.state.realm_id}/batch"]
    result = batch_create(batch, qb=qb)
    assert qbo.switches.counts[f"/v3/company/{qbo.state.realm_id}/batch"] - before == 2
    assert len(result.successes) == 34
    assert len(result.faults) == 1 and result.faults[0].Error[0].code == "6240"
    assert result.faults[0].original_object is dup
    assert Customer.count("DisplayName LIKE 'Batch Client%'", qb=qb) == 34


def test_stale_sync_token_is_fault_5010(qb: QuickBooks) -> None:
    saved = customer(qb, "Stale Ltd")
    fetched = Customer.get(saved.Id, qb=qb)
    fetched.Notes = "first edit"
    fetched.save(qb=qb)  # python-quickbooks copies back only the Id, so this instance is now stale
    fetched.Notes = "second edit"
    with pytest.raises(qbexc.QuickbooksException) as err:
        fetched.save(qb=qb)
    assert err.value.error_code == 5010
    assert Customer.get(saved.Id, qb=qb).Notes == "first edit"


def test_change_data_capture_sees_changes_and_deletions(qb: QuickBooks) -> None:
    # python-quickbooks formats a datetime without a zone, which QuickBooks reads in the company's zone
    # (Pacific); a string with an explicit offset says what is meant.
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    cust = customer(qb, "CDC Client")
    keep = invoice(qb, cust, ["10.00"], "C-1")
    gone = invoice(qb, cust, ["20.00"], "C-2")
    Invoice.get(gone.Id, qb=qb).delete(qb=qb)
    result = change_data_capture([Invoice, Customer], since, qb=qb)
    invoices = {i.Id: i for i in result.Invoice}
    assert invoices[keep.Id].TotalAmt == Decimal("10.00")
    assert invoices[gone.Id].status == "Deleted"
    assert [c.DisplayName for c in result.Customer] == ["CDC Client"]
    future = change_data_capture([Invoice], (datetime.now(UTC) + timedelta(hours=1)).isoformat(), qb=qb)
    assert not hasattr(future, "Invoice")


def test_void_invoice_and_payment(qbo: LiveQbo, qb: QuickBooks) -> None:
    cust = customer(qb, "Void Client")
    inv = invoice(qb, cust, ["300.00"], "V-1")
    payment = pay(qb, cust, [(inv, "300.00")], "300.00")
    Payment.get(payment.Id, qb=qb).void(qb=qb)
    voided = Payment.get(payment.Id, qb=qb)
    assert voided.TotalAmt == Decimal("0") and voided.PrivateNote == "Voided"
    assert Invoice.get(inv.Id, qb=qb).Balance == Decimal("300.00")
    Invoice.get(inv.Id, qb=qb).void(qb=qb)
    inv_after = Invoice.get(inv.Id, qb=qb)
    assert inv_after.TotalAmt == Decimal("0") and inv_after.Balance == Decimal("0")
    assert qbo.state.account_balance(qbo.state.account_id("Accounts Receivable (A/R)")) == Decimal("0")
    assert qbo.state.account_balance(qbo.state.account_id("Legal Fee Income")) == Decimal("0")


def test_batch_delete_and_credit_memo_applied_by_payment(qb: QuickBooks) -> None:
    cust = customer(qb, "Credit Client")
    inv = invoice(qb, cust, ["400.00"], "CM-1")
    memo = CreditMemo()
    memo.CustomerRef = cust.to_ref()
    line = SalesItemLine()
    line.Amount = Decimal("150.00")
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = ref(item_id(qb, "Legal Services"))
    memo.Line.append(line)
    memo = memo.save(qb=qb)
    payment = pay(qb, cust, [(inv, "400.00"), (memo, "150.00")], "250.00")
    assert payment.UnappliedAmt == Decimal("0.00")
    assert Invoice.get(inv.Id, qb=qb).Balance == Decimal("0.00")
    assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == Decimal("0.00")
    extra = [invoice(qb, cust, ["5.00"], f"D-{n}") for n in range(3)]
    result = batch_delete([Invoice.get(i.Id, qb=qb) for i in extra], qb=qb)
    assert len(result.successes) == 3 and not result.faults
    assert Invoice.count("DocNumber LIKE 'D-%'", qb=qb) == 0


def test_trust_deposit_and_journal_entry_per_sub_customer(qbo: LiveQbo, qb: QuickBooks) -> None:
    client = customer(qb, "Okafor Holdings")
    matter_a = customer(qb, "Okafor - Lease", client)
    matter_b = customer(qb, "Okafor - Merger", client)
    trust_bank = account_id(qb, "IOLTA Trust Account")
    liability = account_id(qb, "Client Trust Liability")

    dep = Deposit()
    dep.DepositToAccountRef = ref(trust_bank)
    for matter, amt in ((matter_a, "5000.00"), (matter_b, "2500.00")):
        line = DepositLine()
        line.Amount = Decimal(amt)
        line.DepositLineDetail = DepositLineDetail()
        line.DepositLineDetail.AccountRef = ref(liability)
        line.DepositLineDetail.Entity = matter.to_ref()
        dep.Line.append(line)
    dep = dep.save(qb=qb)
    assert dep.TotalAmt == Decimal("7500.00")

    je = JournalEntry()
    je.DocNumber = "TR-1"
    for posting, acct, matter in (("Debit", liability, matter_a), ("Credit", trust_bank, None)):
        line = JournalEntryLine()
        line.Amount = Decimal("1200.00")
        line.JournalEntryLineDetail = JournalEntryLineDetail()
        line.JournalEntryLineDetail.PostingType = posting
        line.JournalEntryLineDetail.AccountRef = ref(acct)
        if matter is not None:
            entity = Entity()
            entity.Type = "Customer"
            entity.EntityRef = matter.to_ref()
            line.JournalEntryLineDetail.Entity = entity
        je.Line.append(line)
    je = je.save(qb=qb)
    assert je.TotalAmt == Decimal("1200.00")

    state = qbo.state
    assert state.account_balance(trust_bank) == Decimal("6300.00")
    assert state.account_balance(liability) == Decimal("6300.00")
    assert state.customer_account_balance(matter_a.Id, liability) == Decimal("3800.00")
    assert state.customer_account_balance(matter_b.Id, liability) == Decimal("2500.00")
    assert Account.get(liability, qb=qb).CurrentBalance == Decimal("6300.00")


def test_refresh_through_python_quickbooks_rotates_the_refresh_token(qbo: LiveQbo) -> None:
    first = qbo.state.issue_tokens()
    auth = AuthClient(qbo.state.client_id, qbo.state.client_secret, "http://localhost:8765/callback",
                      qbo.discovery_url)
    try:
        # No access token: python-quickbooks refreshes at construction (and the refresh token changes).
        qb = QuickBooks(auth_client=auth, refresh_token=first["refresh_token"], company_id=qbo.state.realm_id,
                        minorversion=75, use_decimal=True)
        qb.api_url_v3 = f"{qbo.url}/v3"
        assert qb.refresh_token != first["refresh_token"]
        assert Customer.count(qb=qb) == 0
        qb.session.close()
    finally:
        auth.close()


def test_expired_token_raises_authorization_exception(qbo: LiveQbo) -> None:
    qb = connect(qbo)
    try:
        qbo.state.expire_tokens()
        with pytest.raises(qbexc.AuthorizationException) as err:
            Customer.count(qb=qb)
        assert err.value.error_code == 401 and "3200" in err.value.detail
    finally:
        qb.session.close()
        qb.auth_client.close()


def test_read_modify_save_round_trip_and_request_id(qb: QuickBooks) -> None:
    cust = customer(qb, "Round Trip LLP")
    inv = invoice(qb, cust, ["200.00", "50.00"], "RT-1")
    pay(qb, cust, [(inv, "100.00")], "100.00")
    fresh = Invoice.get(inv.Id, qb=qb)  # everything QuickBooks answered goes back, subtotal line included
    fresh.Line[0].Amount = Decimal("300.00")
    fresh.Line[0].SalesItemLineDetail.UnitPrice = Decimal("300.00")
    saved = fresh.save(qb=qb)
    assert saved.TotalAmt == Decimal("350.00") and saved.Balance == Decimal("250.00")
    assert sum(1 for line in saved.Line if line.DetailType == "SubTotalLineDetail") == 1
    assert [lt.TxnType for lt in saved.LinkedTxn] == ["Payment"]

    twice = Customer()
    twice.DisplayName = "Sent Twice"
    first = twice.save(qb=qb, request_id="contract-rid-1")
    retry = Customer()
    retry.DisplayName = "Sent Twice"
    second = retry.save(qb=qb, request_id="contract-rid-1")
    assert first.Id == second.Id
    assert Customer.count("DisplayName = 'Sent Twice'", qb=qb) == 1
