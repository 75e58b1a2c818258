"""Mapping validation in bookkeeper words, demo defaults by type/subtype, and the saved record."""

from __future__ import annotations

from dataclasses import replace

from app.mapping import Mapping, TrustAccountMap, demo_defaults, load_mapping, save_mapping, validate
from app.model import BankAccount, BankAccountType
from app.sandbox.qbo.company import CHART, ITEMS

ACCOUNTS = [{"Id": str(n), "Name": name, "AccountType": t, "AccountSubType": sub, "Active": True}
            for n, (name, t, sub, _) in enumerate(CHART, start=1)]
BY_NAME = {a["Name"]: a["Id"] for a in ACCOUNTS}
ITEM_ROWS = [{"Id": str(n), "Name": name, "Type": "Service", "IncomeAccountRef": {"value": BY_NAME[income]}}
             for n, (name, income, _) in enumerate(ITEMS, start=1)]
CLIO = [BankAccount(7, "e", "Operating Account", BankAccountType.OPERATING),
        BankAccount(8, "e", "IOLTA Trust Account", BankAccountType.TRUST)]


def test_demo_defaults_pick_accounts_by_type_and_are_valid():
    m = demo_defaults(ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO)
    assert m.operating_bank == BY_NAME["Operating Checking"]
    assert m.deposit_account == BY_NAME["Undeposited Funds"]
    assert m.accounts_receivable == BY_NAME["Accounts Receivable (A/R)"]
    assert m.trust_accounts == (TrustAccountMap(8, BY_NAME["IOLTA Trust Account"], BY_NAME["Client Trust Liability"],
                                                "IOLTA Trust Account"),)
    assert m.fees_income_account == BY_NAME["Legal Fee Income"]
    assert validate(m, ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO) == []


def test_every_problem_is_named_at_once_in_bookkeeper_words():
    good = demo_defaults(ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO)
    bad = replace(good, accounts_receivable="", fees_item="999",
                  trust_accounts=(replace(good.trust_accounts[0], liability=BY_NAME["Legal Fee Income"],
                                          bank=good.operating_bank),))
    problems = validate(bad, ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO)
    text = " | ".join(p.message for p in problems)
    assert "No account is chosen for Accounts Receivable" in text
    assert "The item chosen for legal fees no longer exists" in text
    assert "'Legal Fee Income' chosen for the trust liability account of 'IOLTA Trust Account' is a 'Income'" in text
    assert "must be a 'Other Current Liability' account" in text
    assert "also used for operating money" in text
    assert {p.scope for p in problems} == {None, 8}


def test_an_unmapped_clio_trust_account_is_a_problem_of_that_account_only():
    good = demo_defaults(ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO)
    second = BankAccount(9, "e", "Trust - Harrow Estate", BankAccountType.TRUST)
    [problem] = validate(good, ACCOUNTS, ITEM_ROWS, clio_bank_accounts=[*CLIO, second])
    assert problem.scope == 9 and "'Trust - Harrow Estate' is not mapped" in problem.message
    assert validate(None, ACCOUNTS, ITEM_ROWS)[0].message.startswith("The accounts are not mapped yet")


def test_inactive_account_is_named():
    good = demo_defaults(ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO)
    accounts = [{**a, "Active": False} if a["Id"] == good.operating_bank else a for a in ACCOUNTS]
    [problem] = validate(good, accounts, ITEM_ROWS, clio_bank_accounts=CLIO)
    assert "'Operating Checking' chosen for the operating bank is inactive" in problem.message


def test_saved_as_a_setting_and_read_back(store):
    m = replace(demo_defaults(ACCOUNTS, ITEM_ROWS, clio_bank_accounts=CLIO),
                operating_accounts=((7, "1"),), practice_area_items=(("Litigation", "2"),))
    assert load_mapping(store) is None
    save_mapping(store, m)
    back = load_mapping(store)
    assert back == m and isinstance(back, Mapping)
    assert back.deposit_for(7) == "1" and back.deposit_for(99) == m.deposit_account
    assert back.item_for_practice("litigation") == "2"
