"""QuickBooks' rules for each entity: what a valid body is, what the server computes, what it posts.

Each builder takes the cleaned writable body (and the stored object on an update) and returns the
object as QuickBooks would store it (without Id, SyncToken and MetaData, which the books add) and the
:class:`Effects` of the write: general-ledger postings, payment applications and deposited payments.
Rules follow Intuit's documentation; where it is silent, the stricter reading is taken, so that an app
that passes here does not depend on leniency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from app.sandbox.qbo.normalize import to_decimal, truthy
from app.sandbox.qbo.wire import QboFault, business, required, too_long

if TYPE_CHECKING:
    from app.sandbox.qbo.books import Books

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# AccountType -> (Classification, default AccountSubType). Assets and expenses grow with debits.
ACCOUNT_TYPES: dict[str, tuple[str, str]] = {
    "Bank": ("Asset", "Checking"),
    "Other Current Asset": ("Asset", "OtherCurrentAssets"),
    "Fixed Asset": ("Asset", "MachineryAndEquipment"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Expense": ("Expense", "OtherMiscellaneousServiceCost"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Long Term Liability": ("Liability", "NotesPayable"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Income": ("Revenue", "ServiceFeeIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
}
SUBTYPE_TO_TYPE = {
    "Checking": "Bank", "Savings": "Bank", "TrustAccounts": "Bank", "MoneyMarket": "Bank",
    "UndepositedFunds": "Other Current Asset", "TrustAccountsLiabilities": "Other Current Liability",
    "AccountsReceivable": "Accounts Receivable", "AccountsPayable": "Accounts Payable",
}
DEBIT_NORMAL = {"Asset", "Expense"}

NAME_FIELDS = {"DisplayName": 500, "GivenName": 100, "MiddleName": 100, "FamilyName": 100, "CompanyName": 100,
               "PrintOnCheckName": 110, "Title": 16, "Suffix": 16}
MAX_SUB_LEVEL = 4
_DELETED = re.compile(r" \(deleted(-\d+)?\)$")


@dataclass
class Effects:
    postings: list[tuple[str, Decimal, str | None]] = field(default_factory=list)  # account, debit+, entity
    applies: list[tuple[str, str, Decimal]] = field(default_factory=list)  # target entity, id, amount
    deposits: list[str] = field(default_factory=list)  # payment ids taken out of Undeposited Funds


def _check_text(body: dict[str, Any], name: str, limit: int, *, forbid_colon: bool = True) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise QboFault("2010", "Request has invalid or unsupported property",
                       f"Property Name:{name} must be text", element=name)
    value = value.strip()
    body[name] = value
    if len(value) > limit:
        raise too_long(name, limit, len(value))
    bad = [c for c in ((":", "\t", "\n", "\r") if forbid_colon else ("\t", "\n", "\r")) if c in value]
    if bad:
        raise business(f"{name} {value!r} contains an invalid character ({bad[0]!r}): a name cannot "
                       f"contain a colon, tab or new line.", name)


def _amount(body: dict[str, Any], name: str, *, needed: bool = True) -> Decimal | None:
    value = to_decimal(body.get(name), name)
    if value is None:
        if needed:
            raise required(name)
        return None
    return cents(value)


# --- names: Customer, Vendor, Employee -----------------------------------------------------------------


def _person_name(books: Books, entity: str, body: dict[str, Any], old: dict[str, Any] | None) -> None:
    for name, limit in NAME_FIELDS.items():
        _check_text(body, name, limit, forbid_colon=name != "PrintOnCheckName")
    _check_text(body, "Notes", 2000, forbid_colon=False)
    if not body.get("DisplayName"):
        parts = [body.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
        composed = " ".join(p for p in parts if p) or body.get("CompanyName")
        if not composed:
            raise QboFault("6080", "No Name Provided", "Title, GivenName, MiddleName, FamilyName, DisplayName, "
                           "Suffix - one of these must be non-empty", element="DisplayName")
        body["DisplayName"] = composed
    body["Active"] = truthy(body.get("Active", True))
    own = (entity, old["Id"]) if old else None
    if body["Active"]:
        if old is not None and old.get("Active") is False and body["DisplayName"] == old["DisplayName"]:
            body["DisplayName"] = _DELETED.sub("", body["DisplayName"])  # reactivated: the suffix goes
        books.check_name_free(body["DisplayName"], own)
    elif not _DELETED.search(body["DisplayName"]):
        # QuickBooks renames an inactive name "X (deleted)" (then "(deleted-1)", ...), which frees "X".
        base = body["DisplayName"]
        for n in range(1000):
            candidate = f"{base} (deleted)" if n == 0 else f"{base} (deleted-{n})"
            if books.name_is_free(candidate, own):
                body["DisplayName"] = candidate
                break
    else:
        books.check_name_free(body["DisplayName"], own)
    if not body.get("PrintOnCheckName"):
        body["PrintOnCheckName"] = body["DisplayName"][:110]


def build_customer(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    _person_name(books, "Customer", body, old)
    job = truthy(body.get("Job", False))
    parent_ref = body.get("ParentRef")
    if job != bool(parent_ref):
        raise QboFault("6150", "ParentRef required",
                       "A sub-customer needs Job set to true and a ParentRef (the parent customer); "
                       "a top-level customer has neither.", element="ParentRef")
    body["Job"] = job
    if parent_ref:
        parent = books.ref("Customer", parent_ref, "ParentRef")
        if old is not None and books.is_ancestor(old["Id"], parent["Id"]):
            raise business("A customer cannot be its own parent or the parent of its parent.", "ParentRef")
        level = parent.get("Level", 0) + 1
        if level > MAX_SUB_LEVEL:
            raise business(f"Sub-customers can be nested at most {MAX_SUB_LEVEL} levels deep.", "ParentRef")
        body["ParentRef"] = {"value": parent["Id"], "name": parent["DisplayName"]}
        body["Level"] = level
        body["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{body['DisplayName']}"
        body["BillWithParent"] = truthy(body.get("BillWithParent", False))
    else:
        body["Level"] = 0
        body["FullyQualifiedName"] = body["DisplayName"]
        body["BillWithParent"] = False
    body.setdefault("Taxable", False)
    body.setdefault("PreferredDeliveryMethod", "Print")
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    return body, Effects()


def build_vendor(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    _person_name(books, "Vendor", body, old)
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    return body, Effects()


def build_employee(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    _person_name(books, "Employee", body, old)
    return body, Effects()


# --- lists: Account, Item ------------------------------------------------------------------------------


def build_account(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    if not body.get("Name"):
        raise required("Name")
    _check_text(body, "Name", 100)
    if '"' in body["Name"]:
        raise business(f"Account name {body['Name']!r} contains an invalid character ('\"').", "Name")
    books.check_unique("Account", "Name", body["Name"], old)
    acct_type = body.get("AccountType")
    sub_type = body.get("AccountSubType")
    if not acct_type and sub_type in SUBTYPE_TO_TYPE:
        acct_type = SUBTYPE_TO_TYPE[sub_type]
    if acct_type not in ACCOUNT_TYPES:
        raise QboFault("6010", "Invalid Account.AccountType && Account.SubType",
                       f"Either an Account.AccountType or an Account.AccountSubType must be specified "
                       f"(got {acct_type!r})", element="AccountType")
    if old is not None and old["AccountType"] != acct_type and books.account_balance_raw(old["Id"]) != 0:
        raise business("The type of an account with transactions cannot be changed.", "AccountType")
    body["AccountType"] = acct_type
    body["AccountSubType"] = sub_type or ACCOUNT_TYPES[acct_type][1]
    body["Classification"] = ACCOUNT_TYPES[acct_type][0]
    body["Active"] = truthy(body.get("Active", True))
    parent_ref = body.get("ParentRef")
    if truthy(body.get("SubAccount", False)) and parent_ref:
        parent = books.ref("Account", parent_ref, "ParentRef")
        body["ParentRef"] = {"value": parent["Id"]}
        body["SubAccount"] = True
        body["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{body['Name']}"
    else:
        body.pop("ParentRef", None)
        body["SubAccount"] = False
        body["FullyQualifiedName"] = body["Name"]
    body.pop("OpeningBalance", None)
    body.pop("OpeningBalanceDate", None)
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    return body, Effects()


def build_item(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    if not body.get("Name"):
        raise required("Name")
    _check_text(body, "Name", 100)
    books.check_unique("Item", "Name", body["Name"], old)
    item_type = body.get("Type") or "Service"
    if item_type not in ("Service", "NonInventory", "Inventory", "Category", "Group"):
        raise QboFault("2170", "Invalid Enumeration", f"Invalid Item Type {item_type!r}", element="Type")
    body["Type"] = item_type
    if item_type in ("Service", "NonInventory"):
        if not body.get("IncomeAccountRef"):
            raise required("IncomeAccountRef")
        acct = books.ref("Account", body["IncomeAccountRef"], "IncomeAccountRef")
        body["IncomeAccountRef"] = {"value": acct["Id"], "name": acct["Name"]}
    if body.get("ExpenseAccountRef"):
        acct = books.ref("Account", body["ExpenseAccountRef"], "ExpenseAccountRef")
        body["ExpenseAccountRef"] = {"value": acct["Id"], "name": acct["Name"]}
    body["Active"] = truthy(body.get("Active", True))
    body["FullyQualifiedName"] = body["Name"]
    body.setdefault("Taxable", False)
    if "UnitPrice" in body:
        body["UnitPrice"] = to_decimal(body["UnitPrice"], "UnitPrice")
    return body, Effects()


# --- sales forms: Invoice, CreditMemo ------------------------------------------------------------------


def _detail_type(line: dict[str, Any]) -> str:
    kind = line.get("DetailType")
    if kind:
        return str(kind)
    for key in ("SalesItemLineDetail", "DiscountLineDetail", "SubTotalLineDetail", "DescriptionLineDetail"):
        if key in line:
            return "DescriptionOnly" if key == "DescriptionLineDetail" else key
    raise required("Line.DetailType")


def _item_line(books: Books, line: dict[str, Any], number: int) -> tuple[Decimal, str]:
    """A sales line of an item, completed in place as QuickBooks stores it; its amount and income account."""
    detail = dict(line.get("SalesItemLineDetail") or {})
    if not detail.get("ItemRef"):
        raise required("Line.SalesItemLineDetail.ItemRef")
    item = books.ref("Item", detail["ItemRef"], "ItemRef")
    if "IncomeAccountRef" not in item:
        raise business(f"Item {item['Name']!r} has no income account and cannot be sold.", "ItemRef")
    detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
    qty = to_decimal(detail.get("Qty"), "Qty")
    price = to_decimal(detail.get("UnitPrice"), "UnitPrice")
    amount = _amount(line, "Amount", needed=not (qty and price))
    if amount is None:
        amount = cents(qty * price)  # type: ignore[operator]
    if qty and price and cents(qty * price) != amount:
        raise QboFault("6070", "Amount calculation incorrect in the request",
                       f"Amount is not equal to Qty * UnitPrice. Supplied value:{amount}", element="Amount")
    for key, value in (("Qty", qty), ("UnitPrice", price)):
        if value is None or (value == 0 and key == "UnitPrice" and amount != 0):
            detail.pop(key, None)
        else:
            detail[key] = value
    detail.pop("TaxInclusiveAmt", None)
    detail.setdefault("TaxCodeRef", {"value": "NON"})
    line.update({"Id": str(number), "LineNum": number, "Amount": amount, "DetailType": "SalesItemLineDetail",
                 "SalesItemLineDetail": detail})
    return amount, item["IncomeAccountRef"]["value"]


def _discount_line(books: Books, line: dict[str, Any], subtotal: Decimal) -> tuple[Decimal, str]:
    """A discount line (an amount, or a percent of the lines before it), completed in place; its amount and
    the account it posts to."""
    detail = dict(line.get("DiscountLineDetail") or {})
    override = detail.pop("Discount", None)  # python-quickbooks nests the terms in "Discount"
    if isinstance(override, dict):
        detail = {**override, **detail}
    detail.pop("DiscountRef", None)
    percent_based = truthy(detail.get("PercentBased", False))
    pct = to_decimal(detail.get("DiscountPercent"), "DiscountPercent")
    if percent_based:
        if pct is None:
            raise QboFault("6090", "Discount Line missing required info.",
                           "Discount amount or percent should be provided.")
        amount = cents(subtotal * pct / 100)
        detail["DiscountPercent"] = pct
    else:
        found = _amount(line, "Amount", needed=False)
        if found is None:
            raise QboFault("6090", "Discount Line missing required info.",
                           "Discount amount or percent should be provided.")
        amount = found
        detail.pop("DiscountPercent", None)
    detail["PercentBased"] = percent_based
    acct = books.ref("Account", detail["DiscountAccountRef"], "DiscountAccountRef") \
        if detail.get("DiscountAccountRef") else books.obj("Account", books.roles["discount"])
    detail["DiscountAccountRef"] = {"value": acct["Id"], "name": acct["Name"]}
    line.update({"Amount": amount, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail})
    return amount, acct["Id"]


def _sales_lines(books: Books, body: dict[str, Any]) -> tuple[list[dict], Decimal, list[tuple[str, Decimal]],
                                                                Decimal, str | None]:
    """Lines as QuickBooks stores them, the total, income per account, discount and its account."""
    lines = body.get("Line") or []
    if not isinstance(lines, list) or not lines:
        raise required("Line")
    out: list[dict] = []
    income: list[tuple[str, Decimal]] = []
    subtotal = ZERO
    discount = ZERO
    discount_account: str | None = None
    number = 0
    for raw in lines:
        if not isinstance(raw, dict):
            raise QboFault("2010", "Request has invalid or unsupported property", "Line must be an object")
        kind = _detail_type(raw)
        line = {k: v for k, v in raw.items() if k not in ("Id", "LineNum", "LinkedTxn", "CustomField")}
        if kind == "SalesItemLineDetail":
            number += 1
            amount, account = _item_line(books, line, number)
            subtotal += amount
            income.append((account, amount))
        elif kind == "DiscountLineDetail":
            amount, discount_account = _discount_line(books, line, subtotal)
            discount += amount
        elif kind == "SubTotalLineDetail":
            continue  # the server writes its own subtotal line at the end
        elif kind in ("DescriptionOnly", "DescriptionLineDetail"):
            line.pop("Amount", None)  # a line without an item carries no amount
            line["DetailType"] = "DescriptionOnly"
            line.setdefault("DescriptionLineDetail", {})
        else:
            raise QboFault("2010", "Request has invalid or unsupported property",
                           f"Unsupported DetailType {kind!r} on a sales line", element="Line.DetailType")
        _check_text(line, "Description", 4000, forbid_colon=False)
        out.append(line)
    out.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    total = subtotal - discount
    return out, total, income, discount, discount_account


def _sales_common(books: Books, body: dict[str, Any], old: dict[str, Any] | None, kind: str) -> tuple[
        dict, Decimal, list[tuple[str, Decimal]], Decimal, str | None]:
    if not body.get("CustomerRef"):
        raise required("CustomerRef")
    customer = books.ref("Customer", body["CustomerRef"], "CustomerRef")
    body["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    doc = body.get("DocNumber")
    if not books.custom_txn_numbers:
        # Custom numbers off: QuickBooks numbers the form itself and ignores the one sent.
        doc = old.get("DocNumber") if old is not None else books.next_doc_number()
    if doc is not None:
        body["DocNumber"] = str(doc)
        if len(body["DocNumber"]) > 21:
            raise too_long("DocNumber", 21, len(body["DocNumber"]))
    _check_text(body, "PrivateNote", 4000, forbid_colon=False)
    lines, total, income, discount, discount_acct = _sales_lines(books, body)
    if total < 0:
        raise business(f"The {kind} total cannot be negative ({total}).", "TotalAmt")
    body["Line"] = lines
    body["TotalAmt"] = total
    body["TxnDate"] = books.date_or_today(body.get("TxnDate"), "TxnDate")
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    for dropped in ("Deposit", "ExchangeRate", "InvoiceLink", "LinkedTxn", "CustomField", "TxnTaxDetail"):
        body.pop(dropped, None)
    return body, total, income, discount, discount_acct


def build_invoice(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    body, total, income, discount, discount_acct = _sales_common(books, body, old, "invoice")
    body["DueDate"] = books.date_or_today(body.get("DueDate") or body["TxnDate"], "DueDate")
    applied = books.applied_to("Invoice", old["Id"]) if old else ZERO
    if old is not None:
        if applied and body["CustomerRef"]["value"] != old["CustomerRef"]["value"]:
            raise business("The customer of an invoice with payments applied cannot be changed.",
                           "CustomerRef")
        if total < applied:
            raise business(f"The invoice total ({total}) would be less than the payments applied "
                           f"to it ({applied}).", "TotalAmt")
    body["Balance"] = total - applied
    body["LinkedTxn"] = books.links_to("Invoice", old["Id"]) if old else []
    customer = body["CustomerRef"]["value"]
    fx = Effects()
    fx.postings.append((books.roles["ar"], total, customer))
    for account, amount in income:
        fx.postings.append((account, -amount, customer))
    if discount:
        fx.postings.append((discount_acct or books.roles["discount"], discount, customer))
    return body, fx


def build_creditmemo(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    body, total, income, discount, discount_acct = _sales_common(books, body, old, "credit memo")
    applied = books.applied_to("CreditMemo", old["Id"]) if old else ZERO
    if total < applied:
        raise business(f"The credit memo total ({total}) would be less than the credit already used "
                       f"({applied}).", "TotalAmt")
    body["RemainingCredit"] = total - applied
    body["Balance"] = total - applied
    customer = body["CustomerRef"]["value"]
    fx = Effects()
    fx.postings.append((books.roles["ar"], -total, customer))
    for account, amount in income:
        fx.postings.append((account, amount, customer))
    if discount:
        fx.postings.append((discount_acct or books.roles["discount"], -discount, customer))
    return body, fx


# --- money movements: Payment, Deposit, JournalEntry ---------------------------------------------------


def _deposit_account(books: Books, ref: Any, element: str) -> dict[str, Any]:
    acct = books.ref("Account", ref, element)
    if acct["AccountType"] not in ("Bank", "Other Current Asset"):
        raise business(f"Account {acct['Name']!r} ({acct['AccountType']}) cannot take deposits: choose a bank "
                       f"or other current asset account.", element)
    return acct


def build_payment(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    if not body.get("CustomerRef"):
        raise required("CustomerRef")
    customer = books.ref("Customer", body["CustomerRef"], "CustomerRef")
    body["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    total = _amount(body, "TotalAmt")
    assert total is not None
    if total < 0:
        raise business("A payment amount cannot be negative.", "TotalAmt")
    if body.get("DepositToAccountRef"):
        acct = _deposit_account(books, body["DepositToAccountRef"], "DepositToAccountRef")
    else:
        acct = books.obj("Account", books.roles["undeposited"])
    body["DepositToAccountRef"] = {"value": acct["Id"], "name": acct["Name"]}
    fx = Effects()
    lines: list[dict] = []
    applied_net = ZERO
    own = old["Id"] if old else None
    for raw in body.get("Line") or []:
        amount = _amount(raw, "Amount")
        assert amount is not None
        links = raw.get("LinkedTxn") or []
        if len(links) != 1:
            raise business("Each payment line must link exactly one invoice or credit memo.", "Line.LinkedTxn")
        link = links[0]
        txn_type = link.get("TxnType")
        if txn_type not in ("Invoice", "CreditMemo"):
            raise business(f"A payment line cannot link a {txn_type!r}.", "Line.LinkedTxn.TxnType")
        target = books.ref(txn_type, {"value": link.get("TxnId")}, "LinkedTxn.TxnId")
        if books.is_voided(txn_type, target["Id"]):
            raise business(f"{txn_type} {target['Id']} is void and cannot take a payment.", "LinkedTxn")
        if target["CustomerRef"]["value"] != customer["Id"]:
            raise business(f"{txn_type} {target['Id']} belongs to another customer.", "LinkedTxn")
        open_amount = target["TotalAmt"] - books.applied_to(txn_type, target["Id"], except_payment=own)
        if amount < 0 or amount > open_amount:
            raise business(f"The amount applied to {txn_type} {target['Id']} ({amount}) is more than its open "
                           f"balance ({open_amount}).", "Line.Amount")
        applied_net += amount if txn_type == "Invoice" else -amount
        fx.applies.append((txn_type, target["Id"], amount))
        lines.append({"Amount": amount, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": txn_type}]})
    if applied_net > total:
        raise business(f"The amounts applied ({applied_net}) are more than the payment ({total}).", "TotalAmt")
    body["Line"] = lines
    body["TotalAmt"] = total
    body["UnappliedAmt"] = total - applied_net
    body["TxnDate"] = books.date_or_today(body.get("TxnDate"), "TxnDate")
    body["ProcessPayment"] = False
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    _check_text(body, "PrivateNote", 4000, forbid_colon=False)
    fx.postings.append((acct["Id"], total, customer["Id"]))
    fx.postings.append((books.roles["ar"], -total, customer["Id"]))
    return body, fx


def _entity_of(books: Books, ref: Any, element: str) -> dict[str, Any] | None:
    """A deposit line's Entity ({value, type}) or a journal line's ({Type, EntityRef})."""
    if not ref:
        return None
    if "EntityRef" in ref:
        kind, inner = ref.get("Type") or "Customer", ref["EntityRef"]
    else:
        kind, inner = ref.get("type") or ref.get("Type") or "Customer", ref
    if kind not in ("Customer", "Vendor", "Employee"):
        raise business(f"Unknown entity type {kind!r}.", element)
    target = books.ref(kind, inner, element)
    return {"kind": kind, "obj": target}


def build_deposit(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    if not body.get("DepositToAccountRef"):
        raise required("DepositToAccountRef")
    acct = _deposit_account(books, body["DepositToAccountRef"], "DepositToAccountRef")
    body["DepositToAccountRef"] = {"value": acct["Id"], "name": acct["Name"]}
    lines = body.get("Line") or []
    if not lines:
        raise required("Line")
    fx = Effects()
    out: list[dict] = []
    total = ZERO
    own = old["Id"] if old else None
    for number, raw in enumerate(lines, start=1):
        amount = _amount(raw, "Amount")
        assert amount is not None
        links = [lt for lt in raw.get("LinkedTxn") or [] if lt.get("TxnId")]
        line: dict[str, Any] = {"Id": str(number), "LineNum": number, "Amount": amount}
        if raw.get("Description"):
            line["Description"] = raw["Description"]
        if links:
            link = links[0]
            if link.get("TxnType") != "Payment":
                raise business("A deposit can only bring in payments from Undeposited Funds.", "LinkedTxn")
            payment = books.ref("Payment", {"value": link["TxnId"]}, "LinkedTxn.TxnId")
            if payment["DepositToAccountRef"]["value"] != books.roles["undeposited"]:
                raise business(f"Payment {payment['Id']} was not received into Undeposited Funds.", "LinkedTxn")
            elsewhere = books.deposited_in(payment["Id"])
            if elsewhere is not None and elsewhere != own:
                raise business(f"Payment {payment['Id']} is already in deposit {elsewhere}.", "LinkedTxn")
            if amount != payment["TotalAmt"]:
                raise business(f"The deposit line ({amount}) must equal payment {payment['Id']} "
                               f"({payment['TotalAmt']}).", "Line.Amount")
            fx.deposits.append(payment["Id"])
            line["LinkedTxn"] = [{"TxnId": payment["Id"], "TxnType": "Payment", "TxnLineId": "0"}]
            fx.postings.append((books.roles["undeposited"], -amount, payment["CustomerRef"]["value"]))
        else:
            detail = dict(raw.get("DepositLineDetail") or {})
            if not detail.get("AccountRef"):
                raise required("Line.DepositLineDetail.AccountRef")
            line_acct = books.ref("Account", detail["AccountRef"], "DepositLineDetail.AccountRef")
            out_detail: dict[str, Any] = {"AccountRef": {"value": line_acct["Id"], "name": line_acct["Name"]}}
            entity = _entity_of(books, detail.get("Entity"), "DepositLineDetail.Entity")
            entity_id = None
            if entity:
                entity_id = entity["obj"]["Id"]
                out_detail["Entity"] = {"value": entity_id, "name": entity["obj"]["DisplayName"],
                                        "type": entity["kind"]}
            if line_acct["AccountType"] == "Accounts Receivable" and not entity:
                raise business("When you use Accounts Receivable, you must choose a customer in the Name field.",
                               "DepositLineDetail.Entity")
            for key in ("CheckNum", "PaymentMethodRef", "ClassRef"):
                if detail.get(key):
                    out_detail[key] = detail[key]
            line["DetailType"] = "DepositLineDetail"
            line["DepositLineDetail"] = out_detail
            fx.postings.append((line_acct["Id"], -amount, entity_id))
        total += amount
        out.append(line)
    body["Line"] = out
    body["TotalAmt"] = total
    body["TxnDate"] = books.date_or_today(body.get("TxnDate"), "TxnDate")
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    _check_text(body, "PrivateNote", 4000, forbid_colon=False)
    for dropped in ("GlobalTaxCalculation", "ExchangeRate", "TxnStatus", "CashBack"):
        body.pop(dropped, None)
    fx.postings.append((acct["Id"], total, None))
    return body, fx


def build_journalentry(books: Books, body: dict[str, Any], old: dict[str, Any] | None) -> tuple[dict, Effects]:
    lines = body.get("Line") or []
    if not lines:
        raise required("Line")
    fx = Effects()
    out: list[dict] = []
    debits = credits = ZERO
    for number, raw in enumerate(lines, start=1):
        kind = raw.get("DetailType") or ("JournalEntryLineDetail" if "JournalEntryLineDetail" in raw
                                         else "DescriptionOnly")
        line: dict[str, Any] = {"Id": str(number), "LineNum": number}
        if raw.get("Description"):
            line["Description"] = raw["Description"]
        if kind == "DescriptionOnly":
            line["DetailType"] = "DescriptionOnly"
            line["DescriptionLineDetail"] = {}
            out.append(line)
            continue
        if kind != "JournalEntryLineDetail":
            raise QboFault("2010", "Request has invalid or unsupported property",
                           f"Unsupported DetailType {kind!r} on a journal line", element="Line.DetailType")
        amount = _amount(raw, "Amount")
        assert amount is not None
        if amount < 0:
            raise business("A journal entry line amount cannot be negative; use the other posting type.",
                           "Line.Amount")
        detail = raw.get("JournalEntryLineDetail") or {}
        posting = detail.get("PostingType")
        if posting not in ("Debit", "Credit"):
            raise required("Line.JournalEntryLineDetail.PostingType")
        if not detail.get("AccountRef"):
            raise required("Line.JournalEntryLineDetail.AccountRef")
        acct = books.ref("Account", detail["AccountRef"], "JournalEntryLineDetail.AccountRef")
        entity = _entity_of(books, detail.get("Entity"), "JournalEntryLineDetail.Entity")
        if acct["AccountType"] == "Accounts Receivable" and (not entity or entity["kind"] != "Customer"):
            raise business("When you use Accounts Receivable, you must choose a customer in the Name field.",
                           "JournalEntryLineDetail.Entity")
        if acct["AccountType"] == "Accounts Payable" and (not entity or entity["kind"] != "Vendor"):
            raise business("When you use Accounts Payable, you must choose a vendor in the Name field.",
                           "JournalEntryLineDetail.Entity")
        out_detail: dict[str, Any] = {"PostingType": posting,
                                      "AccountRef": {"value": acct["Id"], "name": acct["Name"]}}
        entity_id = None
        if entity:
            entity_id = entity["obj"]["Id"]
            out_detail["Entity"] = {"Type": entity["kind"], "EntityRef": {
                "value": entity_id, "name": entity["obj"]["DisplayName"]}}
        if detail.get("ClassRef"):
            out_detail["ClassRef"] = detail["ClassRef"]
        line.update({"Amount": amount, "DetailType": kind, "JournalEntryLineDetail": out_detail})
        if posting == "Debit":
            debits += amount
            fx.postings.append((acct["Id"], amount, entity_id))
        else:
            credits += amount
            fx.postings.append((acct["Id"], -amount, entity_id))
        out.append(line)
    if debits != credits:
        raise business(f"Journal entries must balance: debits {debits} and credits {credits} differ by "
                       f"{debits - credits}.", "Line")
    doc = body.get("DocNumber")
    if doc is not None:
        body["DocNumber"] = str(doc)
        if len(body["DocNumber"]) > 21:
            raise too_long("DocNumber", 21, len(body["DocNumber"]))
    _check_text(body, "PrivateNote", 4000, forbid_colon=False)
    body["Line"] = out
    body["TotalAmt"] = debits
    body["Adjustment"] = truthy(body.get("Adjustment", False))
    body["TxnDate"] = books.date_or_today(body.get("TxnDate"), "TxnDate")
    body["CurrencyRef"] = {"value": "USD", "name": "United States Dollar"}
    body.pop("ExchangeRate", None)
    return body, fx


BUILDERS = {
    "Customer": build_customer, "Vendor": build_vendor, "Employee": build_employee, "Account": build_account,
    "Item": build_item, "Invoice": build_invoice, "CreditMemo": build_creditmemo, "Payment": build_payment,
    "Deposit": build_deposit, "JournalEntry": build_journalentry,
}
TRANSACTIONS = ("Invoice", "CreditMemo", "Payment", "Deposit", "JournalEntry")
NAMES = ("Customer", "Vendor", "Employee")
LISTS = ("Customer", "Vendor", "Employee", "Account", "Item")
