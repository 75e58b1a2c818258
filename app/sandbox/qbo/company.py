"""The QuickBooks company a small law firm already has before Ledgerbridge is connected.

A realistic chart of accounts (operating and trust banks, the trust liability as an Other Current
Liability, A/R, Undeposited Funds, income and expense accounts), the service items a firm sells, a few
vendors, and the customers it already keyed in by hand (given by the demo firm: one of them matches a Clio
client and one is a near-duplicate, so the mapping has something to decide).
"""

from __future__ import annotations

from typing import Any

from app.sandbox.qbo.books import Books

# (Name, AccountType, AccountSubType, role the emulator needs to know, or "")
CHART: tuple[tuple[str, str, str, str], ...] = (
    ("Operating Checking", "Bank", "Checking", ""),
    ("IOLTA Trust Account", "Bank", "TrustAccounts", ""),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", "ar"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "undeposited"),
    ("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses", ""),
    ("Office Equipment", "Fixed Asset", "MachineryAndEquipment", ""),
    ("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", "ap"),
    ("Client Trust Liability", "Other Current Liability", "TrustAccountsLiabilities", ""),
    ("Payroll Liabilities", "Other Current Liability", "PayrollTaxPayable", ""),
    ("Firm Credit Card", "Credit Card", "CreditCard", ""),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", ""),
    ("Partner Capital", "Equity", "PartnersEquity", ""),
    ("Retained Earnings", "Equity", "RetainedEarnings", ""),
    ("Legal Fee Income", "Income", "ServiceFeeIncome", ""),
    ("Reimbursed Expense Income", "Income", "OtherPrimaryIncome", ""),
    ("Discounts Given", "Income", "DiscountsRefundsGiven", "discount"),
    ("Services", "Income", "ServiceFeeIncome", ""),
    ("Interest Income", "Other Income", "InterestEarned", ""),
    ("Bank Service Charges", "Expense", "BankCharges", ""),
    ("Court Filing Fees", "Expense", "LegalProfessionalFees", ""),
    ("Office Supplies", "Expense", "OfficeGeneralAdministrativeExpenses", ""),
    ("Rent Expense", "Expense", "RentOrLeaseOfBuildings", ""),
    ("Payroll Expenses", "Expense", "PayrollExpenses", ""),
    ("Professional Liability Insurance", "Expense", "Insurance", ""),
)

# (Name, income account name, description)
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("Services", "Services", "The item every new QuickBooks company starts with"),
    ("Legal Services", "Legal Fee Income", "Professional fees for legal services"),
    ("Reimbursable Expenses", "Reimbursed Expense Income", "Expenses advanced on a client's behalf"),
    ("Discount", "Discounts Given", "Discounts and write-downs on invoices"),
)

VENDORS: tuple[str, ...] = ("Superior Court Clerk", "Metro Process Servers", "Lexis Research Services")


def seed_company(books: Books) -> None:
    """Chart of accounts, items and vendors, created through the same rules as the API."""
    for name, acct_type, sub_type, role in CHART:
        acct = books.seed("Account", {"Name": name, "AccountType": acct_type, "AccountSubType": sub_type})
        if role:
            books.roles[role] = acct["Id"]
    by_name = {a["Name"]: a["Id"] for a in books.objects["Account"].values()}
    for name, income, description in ITEMS:
        books.seed("Item", {"Name": name, "Type": "Service", "Description": description,
                            "IncomeAccountRef": {"value": by_name[income]}})
    for name in VENDORS:
        books.seed("Vendor", {"DisplayName": name, "CompanyName": name})


def seed_customers(books: Books, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create customers keyed in before Ledgerbridge (QuickBooks Customer bodies, parents first).

    A ``ParentRef`` may name its parent by ``name`` (DisplayName) instead of ``value``, since the caller
    does not know the Ids the emulator will assign.
    """
    created = []
    for raw in customers:
        body = {k: v for k, v in raw.items() if k not in ("Id", "SyncToken", "MetaData")}
        parent = body.get("ParentRef")
        if isinstance(parent, dict) and not parent.get("value") and parent.get("name"):
            ids = books.index["Customer"]["DisplayName"].get(parent["name"].strip().lower())
            if not ids:
                raise ValueError(f"seed customer {body.get('DisplayName')!r}: no parent {parent['name']!r}")
            body["ParentRef"] = {"value": next(iter(ids))}
            body.setdefault("Job", True)
        created.append(books.seed("Customer", body))
    return created


def account_id(books: Books, name: str) -> str:
    """The Id of the seeded account called ``name``."""
    ids = books.index["Account"]["Name"].get(name.lower())
    if not ids:
        raise KeyError(f"no account named {name!r}")
    return next(iter(ids))
