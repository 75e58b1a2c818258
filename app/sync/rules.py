"""The posting rules: what each Clio record becomes in QuickBooks (bodies plus the double-entry view).

Pure functions of the Clio record, the mapping and the keys of the records they depend on. An amount is
always a Decimal quantized to cents; QuickBooks computes TotalAmt itself, so the lines carry the money.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.mapping import Mapping, TrustAccountMap
from app.model import (
    Allocation,
    Client,
    Invoice,
    LineKind,
    Matter,
    Posting,
    PostingLine,
    PostingType,
    TrustTxn,
)
from app.money import ZERO, cents
from app.sync.actions import Key, ref, ref_id
from app.sync.clio_books import CreditMemo

DR, CR = PostingType.DEBIT, PostingType.CREDIT
MARKER = "Ledgerbridge"


class RuleError(Exception):
    """A record the rules cannot turn into a correct posting; ``code`` and the message go to the queue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def marker(kind: str, clio_id: int) -> str:
    """The private-note marker that lets a lost answer be found again in QuickBooks."""
    return f"{MARKER}: Clio {kind} {clio_id}"


def customer_key(client_id: int) -> Key:
    return ("contacts", client_id, "main")


def job_key(matter_id: int) -> Key:
    return ("matters", matter_id, "main")


def invoice_key(bill_id: int) -> Key:
    return ("bills", bill_id, "main")


def customer_body(client: Client, display_name: str) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": display_name}
    if client.type.value == "Company":
        body["CompanyName"] = display_name
    else:
        if client.first_name:
            body["GivenName"] = display_name_part(client.first_name)
        if client.last_name:
            body["FamilyName"] = display_name_part(client.last_name)
    if client.email:
        body["PrimaryEmailAddr"] = {"Address": client.email}
    body["Notes"] = marker("contact", client.id)
    return body


def display_name_part(text: str) -> str:
    """GivenName/FamilyName take no colon, tab or newline either, and at most 100 characters."""
    return " ".join(text.replace(":", " -").split())[:100]


def job_body(matter: Matter, display_name: str) -> dict[str, Any]:
    return {
        "DisplayName": display_name,
        "Job": True,
        "ParentRef": ref(customer_key(matter.client_id)),
        "BillWithParent": True,
        "Notes": marker("matter", matter.id),
    }


def invoice_customer(inv: Invoice) -> Key:
    return job_key(inv.matter_ids[0]) if len(inv.matter_ids) == 1 else customer_key(inv.client_id)


def invoice_body(
    inv: Invoice, mapping: Mapping, *, practice_area: str = "", doc_numbers: bool = True
) -> tuple[dict[str, Any], Posting]:
    """A Clio bill → a QBO Invoice. Services go to the fees item (or the practice area's), expenses to the
    reimbursable-expense item. Discounts, per line or on the whole bill, become one DiscountLine so the
    invoice total equals the bill total to the cent; a bill whose lines add up to less is refused."""
    if not inv.lines and inv.total != ZERO:
        raise RuleError("lines_missing", f"Clio bill {inv.number} has a total of {inv.total} but no lines were read "
                                         "from Clio; it is held until its lines arrive (the next sync reads them).")
    fees_item = mapping.item_for_practice(practice_area) if practice_area else mapping.fees_item
    lines: list[dict[str, Any]] = []
    credits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for ln in inv.lines:
        expense = ln.kind is LineKind.EXPENSE
        item = mapping.expense_item if expense else fees_item
        income = mapping.expense_income_account if expense else mapping.fees_income_account
        gross = cents(ln.quantity * ln.price)
        if gross == ln.total or (ln.discount and cents(gross - ln.discount) == ln.total):
            qty, price, amount_ = ln.quantity, ln.price, gross
        else:  # a line whose total Clio rounded or adjusted: keep the total, show the rate in the description
            qty, price, amount_ = Decimal(1), ln.total, ln.total
        detail: dict[str, Any] = {"ItemRef": {"value": item}, "Qty": qty, "UnitPrice": price}
        if ln.date:
            detail["ServiceDate"] = ln.date.isoformat()
        lines.append({
            "Amount": amount_,
            "DetailType": "SalesItemLineDetail",
            "Description": (ln.description or ("Expense" if expense else "Legal services"))[:4000],
            "SalesItemLineDetail": detail,
        })
        credits[income or item] += amount_
    subtotal = sum((ln_["Amount"] for ln_ in lines), ZERO)
    discount = subtotal - inv.total
    if discount < ZERO:
        raise RuleError("amounts_mismatch", f"The lines of Clio bill {inv.number} add up to {subtotal}, less than "
                                            f"its total of {inv.total}; it is held so that QuickBooks does not show "
                                            "a different amount. Check the bill in Clio.")
    if discount > ZERO:
        detail = {"PercentBased": False}
        if mapping.discount_account:
            detail["DiscountAccountRef"] = {"value": mapping.discount_account}
        lines.append({"Amount": discount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail,
                      "Description": "Discount"})
    body: dict[str, Any] = {
        "CustomerRef": ref(invoice_customer(inv)),
        "TxnDate": inv.issued_at.isoformat(),
        "Line": lines,
        "PrivateNote": marker("bill", inv.id) + f" (number {inv.number})",
    }
    if doc_numbers:
        body["DocNumber"] = inv.number[:21]
    if inv.due_at:
        body["DueDate"] = inv.due_at.isoformat()
    customer = str(inv.client_id)
    posting_lines = [PostingLine(mapping.accounts_receivable, DR, inv.total, customer, "invoice")]
    posting_lines += [PostingLine(acct, CR, amt, customer, "income") for acct, amt in sorted(credits.items())]
    if discount > ZERO:
        posting_lines.append(PostingLine(mapping.discount_account or "discounts", DR, discount, customer, "discount"))
    posting = Posting("bills", inv.id, "Invoice", "create", tuple(posting_lines), description=f"Bill {inv.number}")
    return body, posting


def _applied_by_bill(allocations: Iterable[Allocation]) -> dict[int, Decimal]:
    per_bill: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in allocations:
        per_bill[a.bill_id] += a.amount
    return dict(sorted(per_bill.items()))


def payment_customer(allocs: list[Allocation], invoices: dict[int, Invoice]) -> Key:
    """One QBO Payment has one customer: the matter's when every bill paid is the same matter's."""
    keys = {invoice_customer(invoices[a.bill_id]) for a in allocs if a.bill_id in invoices}
    if len(keys) == 1:
        return keys.pop()
    return customer_key(next(iter(invoices[a.bill_id] for a in allocs if a.bill_id in invoices)).client_id)


def payment_body(
    parent_id: int, allocs: list[Allocation], invoices: dict[int, Invoice], mapping: Mapping
) -> tuple[dict[str, Any], Posting]:
    """Allocations of one Clio payment → one QBO Payment linked to each invoice it pays."""
    per_bill = _applied_by_bill(allocs)
    total_amt = sum(per_bill.values(), ZERO)
    deposit = mapping.deposit_for(allocs[0].destination_bank_account_id)
    body = {
        "CustomerRef": ref(payment_customer(allocs, invoices)),
        "TotalAmt": total_amt,
        "TxnDate": min(a.date for a in allocs).isoformat(),
        "DepositToAccountRef": {"value": deposit},
        "PaymentRefNum": f"LB-{parent_id}"[:21],
        "PrivateNote": marker("payment", parent_id) + (" (paid from trust)" if any(a.source_is_trust for a in allocs)
                                                        else ""),
        "Line": [{"Amount": amt, "LinkedTxn": [{"TxnId": ref_id(invoice_key(bill)), "TxnType": "Invoice"}]}
                 for bill, amt in per_bill.items()],
    }
    client = str(invoices[allocs[0].bill_id].client_id) if allocs[0].bill_id in invoices else None
    posting = Posting("payments", parent_id, "Payment", "create", (
        PostingLine(deposit, DR, total_amt, client, "payment received"),
        PostingLine(mapping.accounts_receivable, CR, total_amt, client, "invoice paid"),
    ), description=f"Payment {parent_id}")
    return body, posting


def _je_line(amount_: Decimal, side: PostingType, account: str, entity: Key | None, description: str
             ) -> dict[str, Any]:
    detail: dict[str, Any] = {"PostingType": side.value, "AccountRef": {"value": account}}
    if entity is not None:
        detail["Entity"] = {"Type": "Customer", "EntityRef": ref(entity)}
    return {"Amount": amount_, "DetailType": "JournalEntryLineDetail", "Description": description[:4000],
            "JournalEntryLineDetail": detail}


def trust_owner(txn_matter: int | None, txn_client: int | None, matters: dict[int, Matter]) -> Key | None:
    if txn_matter is not None and txn_matter in matters:
        return job_key(txn_matter)
    if txn_client is not None:
        return customer_key(txn_client)
    if txn_matter is not None:
        return job_key(txn_matter)
    return None


def trust_txn_body(txn: TrustTxn, trust: TrustAccountMap, owner: Key) -> tuple[dict[str, Any], Posting]:
    """Money into trust: Dr trust bank / Cr trust liability (the matter's sub-customer).
    Money out (disbursement, refund, third-party payment): Dr trust liability (sub-customer) / Cr trust bank."""
    net = txn.funds_in - txn.funds_out
    amt = abs(net)
    what = txn.description or txn.transaction_type or ("Trust deposit" if net > 0 else "Trust disbursement")
    if net > ZERO:
        lines = [_je_line(amt, DR, trust.bank, None, what), _je_line(amt, CR, trust.liability, owner, what)]
    else:
        lines = [_je_line(amt, DR, trust.liability, owner, what), _je_line(amt, CR, trust.bank, None, what)]
    body = {
        "TxnDate": txn.date.isoformat(),
        "DocNumber": f"T{txn.id}"[:21],
        "PrivateNote": marker("trust transaction", txn.id) + (f" ({txn.confirmation})" if txn.confirmation else ""),
        "Line": lines,
    }
    return body, je_posting("bank_transactions", txn.id, body, str(owner[1]))


def operating_side_body(txn: TrustTxn, deposit: TrustTxn, bank: str, income: str, owner: Key
                        ) -> tuple[dict[str, Any], Posting]:
    """The operating side of earned fees moved out of trust with no bill: Dr the operating bank / Cr fee income
    (for the client's matter). Operating money from here on; the trust side is its own entry, trust accounts
    only."""
    what = f"Earned fees transferred from trust ({txn.description or 'Clio trust transaction ' + str(txn.id)})"
    body = {
        "TxnDate": deposit.date.isoformat(),
        "DocNumber": f"TO{txn.id}"[:21],
        "PrivateNote": marker("transfer from trust", txn.id) + f" (operating deposit {deposit.id})",
        "Line": [_je_line(deposit.funds_in, DR, bank, None, what), _je_line(deposit.funds_in, CR, income, owner, what)],
    }
    return body, je_posting("bank_transactions", txn.id, body, str(owner[1]), is_trust=False)


def je_posting(kind: str, clio_id: int, body: dict[str, Any], customer: str | None, *, is_trust: bool = True
               ) -> Posting:
    out = []
    for ln in body["Line"]:
        d = ln["JournalEntryLineDetail"]
        entity = d.get("Entity")
        out.append(PostingLine(d["AccountRef"]["value"], PostingType(d["PostingType"]), ln["Amount"],
                               customer if entity else None, ln.get("Description", "")))
    return Posting(kind, clio_id, "JournalEntry", "create", tuple(out), is_trust=is_trust)


def trust_transfer_body(
    parent_id: int, allocs: list[Allocation], invoices: dict[int, Invoice], matters: dict[int, Matter],
    trust_of: dict[int, TrustAccountMap],
) -> tuple[dict[str, Any], Posting]:
    """The trust half of an invoice paid from trust: Dr trust liability (per matter) / Cr trust bank."""
    liab: dict[tuple[str, Key], Decimal] = defaultdict(lambda: ZERO)
    bank: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for a in allocs:
        trust = trust_of[a.source_bank_account_id or 0]
        inv = invoices.get(a.bill_id)
        matter = a.matter_id if a.matter_id is not None else (inv.matter_ids[0] if inv and len(inv.matter_ids) == 1
                                                               else None)
        owner = trust_owner(matter, a.contact_id or (inv.client_id if inv else None), matters)
        assert owner is not None
        liab[(trust.liability, owner)] += a.amount
        bank[trust.bank] += a.amount
    what = f"Transfer from trust to pay Clio payment {parent_id}"
    lines = [_je_line(amt, DR, acct, owner, what) for (acct, owner), amt in sorted(liab.items())]
    lines += [_je_line(amt, CR, acct, None, what) for acct, amt in sorted(bank.items())]
    body = {
        "TxnDate": min(a.date for a in allocs).isoformat(),
        "DocNumber": f"TP{parent_id}"[:21],
        "PrivateNote": marker("trust payment", parent_id),
        "Line": lines,
    }
    client = str(invoices[allocs[0].bill_id].client_id) if allocs[0].bill_id in invoices else None
    return body, je_posting("payments", parent_id, body, client)


def opening_body(key: Key, owner: Key, trust: TrustAccountMap, amount: Decimal, day: dt.date
                 ) -> tuple[dict[str, Any], Posting]:
    """A client's trust balance on the cutover day: Dr trust bank / Cr trust liability (the matter's
    sub-customer) for money held; the reverse for a negative difference."""
    what = f"Opening trust balance at the cutover ({day.isoformat()})"
    amt = abs(amount)
    if amount > ZERO:
        lines = [_je_line(amt, DR, trust.bank, None, what), _je_line(amt, CR, trust.liability, owner, what)]
    else:
        lines = [_je_line(amt, DR, trust.liability, owner, what), _je_line(amt, CR, trust.bank, None, what)]
    body = {
        "TxnDate": day.isoformat(),
        "DocNumber": f"OB{owner[0][0].upper()}{owner[1]}-{trust.clio_account_id}"[:21],
        "PrivateNote": marker("opening balance", key[1]) + f" ({key[2]})",
        "Line": lines,
    }
    return body, je_posting("opening_balances", key[1], body, str(owner[1]))


def credit_memo_body(cm: CreditMemo, mapping: Mapping, owner: Key) -> tuple[dict[str, Any], Posting]:
    body = {
        "CustomerRef": ref(owner),
        "TxnDate": cm.date.isoformat(),
        "DocNumber": f"CM{cm.id}"[:21],
        "PrivateNote": marker("credit memo", cm.id),
        "Line": [{"Amount": cm.amount, "DetailType": "SalesItemLineDetail",
                  "Description": (cm.description or "Credit")[:4000],
                  "SalesItemLineDetail": {"ItemRef": {"value": mapping.fees_item}, "Qty": Decimal(1),
                                          "UnitPrice": cm.amount}}],
    }
    customer = str(owner[1])
    posting = Posting("credit_memos", cm.id, "CreditMemo", "create", (
        PostingLine(mapping.fees_income_account or mapping.fees_item, DR, cm.amount, customer, "credit"),
        PostingLine(mapping.accounts_receivable, CR, cm.amount, customer, "credit"),
    ))
    return body, posting


def credit_apply_body(cm_id: int, allocs: list[Allocation], invoices: dict[int, Invoice], owner: Key
                      ) -> dict[str, Any]:
    """A credit memo applied to invoices: a zero Payment linking the invoices and the credit memo."""
    per_bill = _applied_by_bill(allocs)
    total_applied = sum(per_bill.values(), ZERO)
    lines = [{"Amount": amt, "LinkedTxn": [{"TxnId": ref_id(invoice_key(bill)), "TxnType": "Invoice"}]}
             for bill, amt in per_bill.items()]
    lines.append({"Amount": total_applied,
                  "LinkedTxn": [{"TxnId": ref_id(("credit_memos", cm_id, "main")), "TxnType": "CreditMemo"}]})
    return {
        "CustomerRef": ref(owner),
        "TotalAmt": ZERO,
        "TxnDate": min(a.date for a in allocs).isoformat(),
        "PaymentRefNum": f"LB-CM{cm_id}"[:21],
        "PrivateNote": marker("credit memo application", cm_id),
        "Line": lines,
    }
