"""Checking a mapping against the QuickBooks chart of accounts and item list, in bookkeeper words.

:func:`validate` returns every problem at once (a list, never the first exception), each naming the role
("the trust liability account for 'IOLTA'"), what is wrong, and what QuickBooks type it needs.
A problem with ``scope`` set to a Clio trust account id concerns only that account's postings; the
others are global and stop the sync from pushing anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

from app.mapping.model import Mapping, TrustAccountMap
from app.model import BankAccount, BankAccountType

Account = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MappingProblem:
    field: str
    message: str
    scope: int | None = None  # a Clio trust account id when only that account is affected

    def __str__(self) -> str:
        return self.message


def _by_id(rows: Iterable[Account]) -> dict[str, Account]:
    return {str(r["Id"]): r for r in rows}


def _active(row: Account) -> bool:
    return row.get("Active", True) not in (False, "false")


def _check_account(
    problems: list[MappingProblem],
    accounts: dict[str, Account],
    field: str,
    role: str,
    value: str,
    wanted: tuple[str, ...],
    *,
    scope: int | None = None,
) -> None:
    wanted_words = " or ".join(f"'{w}'" for w in wanted)
    if not value:
        problems.append(MappingProblem(field, f"No account is chosen for {role}; choose a QuickBooks "
                                              f"{wanted_words} account.", scope))
        return
    acct = accounts.get(str(value))
    if acct is None:
        problems.append(MappingProblem(field, f"The account chosen for {role} no longer exists in QuickBooks; "
                                              f"choose a {wanted_words} account.", scope))
        return
    name = acct.get("Name", value)
    if not _active(acct):
        problems.append(MappingProblem(field, f"The account '{name}' chosen for {role} is inactive in "
                                              "QuickBooks; make it active or choose another.", scope))
    if acct.get("AccountType") not in wanted:
        problems.append(MappingProblem(
            field,
            f"The account '{name}' chosen for {role} is a '{acct.get('AccountType')}' account, but "
            f"{role} must be a {wanted_words} account.",
            scope,
        ))


def _check_item(
    problems: list[MappingProblem],
    items: dict[str, Account],
    accounts: dict[str, Account],
    field: str,
    role: str,
    value: str,
) -> None:
    if not value:
        problems.append(MappingProblem(field, f"No product/service item is chosen for {role}."))
        return
    item = items.get(str(value))
    if item is None:
        problems.append(MappingProblem(field, f"The item chosen for {role} no longer exists in QuickBooks."))
        return
    name = item.get("Name", value)
    if not _active(item):
        problems.append(MappingProblem(field, f"The item '{name}' chosen for {role} is inactive in QuickBooks."))
    income = (item.get("IncomeAccountRef") or {}).get("value")
    acct = accounts.get(str(income)) if income else None
    if acct is None:
        problems.append(MappingProblem(field, f"The item '{name}' chosen for {role} has no income account."))
    elif acct.get("AccountType") not in ("Income", "Other Income"):
        problems.append(MappingProblem(
            field, f"The item '{name}' chosen for {role} posts to '{acct.get('Name')}', which is not an income "
                   "account."))
    elif income in _trust_ids_of(accounts):
        problems.append(MappingProblem(field, f"The item '{name}' chosen for {role} posts to a trust account."))


def _trust_ids_of(accounts: dict[str, Account]) -> set[str]:
    return {i for i, a in accounts.items() if a.get("AccountSubType") in ("TrustAccounts", "TrustAccountsLiabilities")}


def validate(
    mapping: Mapping | None,
    accounts: Iterable[Account],
    items: Iterable[Account],
    *,
    clio_bank_accounts: Iterable[BankAccount] = (),
) -> list[MappingProblem]:
    """Every problem of ``mapping`` against the chart of accounts; an empty list means it is complete."""
    if mapping is None:
        return [MappingProblem("mapping", "The accounts are not mapped yet; run the mapping step of the setup.")]
    accts, its = _by_id(accounts), _by_id(items)
    problems: list[MappingProblem] = []
    _check_account(problems, accts, "operating_bank", "the operating bank", mapping.operating_bank, ("Bank",))
    _check_account(problems, accts, "deposit_account", "client payments (Undeposited Funds or the operating "
                   "bank)", mapping.deposit_account, ("Bank", "Other Current Asset"))
    _check_account(problems, accts, "accounts_receivable", "Accounts Receivable", mapping.accounts_receivable,
                   ("Accounts Receivable",))
    _check_item(problems, its, accts, "fees_item", "legal fees", mapping.fees_item)
    _check_item(problems, its, accts, "expense_item", "reimbursable expenses", mapping.expense_item)
    for area, item in mapping.practice_area_items:
        _check_item(problems, its, accts, f"practice_area_items.{area}", f"fees of practice area '{area}'", item)
    for cid, qbo in mapping.operating_accounts:
        _check_account(problems, accts, f"operating_accounts.{cid}", f"the Clio operating account {cid}", qbo,
                       ("Bank",))
    trust_banks = [t.bank for t in mapping.trust_accounts if t.bank]
    trust_liabs = [t.liability for t in mapping.trust_accounts if t.liability]
    operating = {mapping.operating_bank, mapping.deposit_account, *(q for _, q in mapping.operating_accounts)}
    for t in mapping.trust_accounts:
        label = f"'{t.name}'" if t.name else f"Clio trust account {t.clio_account_id}"
        _check_account(problems, accts, "trust_accounts.bank", f"the trust bank account of {label}", t.bank,
                       ("Bank",), scope=t.clio_account_id)
        _check_account(problems, accts, "trust_accounts.liability", f"the trust liability account of {label}",
                       t.liability, ("Other Current Liability",), scope=t.clio_account_id)
        if t.bank and t.bank in operating:
            problems.append(MappingProblem("trust_accounts.bank", f"The trust bank account of {label} is also used "
                            "for operating money; trust money must have its own bank account.", t.clio_account_id))
        if t.bank and trust_banks.count(t.bank) > 1:
            problems.append(MappingProblem("trust_accounts.bank", f"The trust bank account of {label} is mapped to "
                            "more than one Clio trust account.", t.clio_account_id))
        if t.liability and trust_liabs.count(t.liability) > 1:
            problems.append(MappingProblem("trust_accounts.liability", f"The trust liability account of {label} is "
                            "mapped to more than one Clio trust account.", t.clio_account_id))
    for ba in clio_bank_accounts:
        if ba.type is BankAccountType.TRUST and mapping.trust_for(ba.id) is None:
            problems.append(MappingProblem(
                "trust_accounts", f"The Clio trust account '{ba.name}' is not mapped to a QuickBooks trust bank "
                "and trust liability account; its trust activity is held until it is.", ba.id))
    return problems


def global_problems(problems: Iterable[MappingProblem]) -> list[MappingProblem]:
    """The problems that stop every posting (not only one trust account's)."""
    return [p for p in problems if p.scope is None]


def _pick(accounts: list[Account], account_type: str, subtypes: tuple[str, ...] = (), exclude: Set[str] = frozenset()
          ) -> list[Account]:
    rows = [a for a in accounts if a.get("AccountType") == account_type and _active(a) and str(a["Id"]) not in exclude]
    if subtypes:
        preferred = [a for a in rows if a.get("AccountSubType") in subtypes]
        rows = preferred + [a for a in rows if a not in preferred]
    return rows


def demo_defaults(
    accounts: Iterable[Account],
    items: Iterable[Account],
    *,
    clio_bank_accounts: Iterable[BankAccount] = (),
) -> Mapping:
    """A mapping for the sandbox company, chosen by account type and subtype (and name for trust accounts)."""
    accts = list(accounts)
    its = [i for i in items if _active(i)]
    by_id = _by_id(accts)
    trust_banks = [a for a in _pick(accts, "Bank", ("TrustAccounts",)) if a.get("AccountSubType") == "TrustAccounts"]
    trust_liabs = [a for a in _pick(accts, "Other Current Liability", ("TrustAccountsLiabilities",))
                   if a.get("AccountSubType") == "TrustAccountsLiabilities"]
    trust_ids = {str(a["Id"]) for a in trust_banks}
    operating = _pick(accts, "Bank", ("Checking",), exclude=trust_ids)
    undeposited = [a for a in _pick(accts, "Other Current Asset", ("UndepositedFunds",))
                   if a.get("AccountSubType") == "UndepositedFunds"]
    ar = _pick(accts, "Accounts Receivable")

    def item_like(*words: str) -> Account | None:
        for w in words:
            for i in its:
                if w in str(i.get("Name", "")).lower() and i.get("IncomeAccountRef"):
                    return i
        return None

    fees = item_like("fee", "legal", "service")
    expense = item_like("reimburs", "expense", "cost") or fees
    trust_maps: list[TrustAccountMap] = []
    free_banks, free_liabs = list(trust_banks), list(trust_liabs)
    for ba in sorted((b for b in clio_bank_accounts if b.type is BankAccountType.TRUST), key=lambda b: b.id):
        words = set(ba.name.lower().replace("-", " ").split())

        def closest(rows: list[Account], words: set[str] = words) -> Account | None:
            if not rows:
                return None
            return max(rows, key=lambda a: len(words & set(str(a.get("Name", "")).lower().replace("-", " ").split())))

        bank, liab = closest(free_banks), closest(free_liabs)
        if bank is not None:
            free_banks.remove(bank)
        if liab is not None:
            free_liabs.remove(liab)
        trust_maps.append(TrustAccountMap(ba.id, str(bank["Id"]) if bank else "", str(liab["Id"]) if liab else "",
                                          ba.name))

    def income_of(item: Account | None) -> str:
        ref = (item or {}).get("IncomeAccountRef") or {}
        return str(ref.get("value", "")) if str(ref.get("value", "")) in by_id else ""

    op = str(operating[0]["Id"]) if operating else ""
    return Mapping(
        operating_bank=op,
        deposit_account=str(undeposited[0]["Id"]) if undeposited else op,
        accounts_receivable=str(ar[0]["Id"]) if ar else "",
        fees_item=str(fees["Id"]) if fees else "",
        expense_item=str(expense["Id"]) if expense else "",
        fees_income_account=income_of(fees),
        expense_income_account=income_of(expense),
        trust_accounts=tuple(trust_maps),
    )
