"""The mapping record of one firm, kept as a non-secret setting.

Every field is a QuickBooks id (strings, as QuickBooks sends them). Trust is mapped per Clio trust bank
account: each one has its own QuickBooks bank account and its own trust liability account, so postings,
verification and reconciliation work per trust account.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from app.store import settings
from app.store.db import Store

SETTING_KEY = "mapping"


@dataclass(frozen=True, slots=True)
class TrustAccountMap:
    clio_account_id: int
    bank: str  # QBO Bank account (subtype TrustAccounts)
    liability: str  # QBO Other Current Liability (subtype TrustAccountsLiabilities)
    name: str = ""  # the Clio account's name, for messages


@dataclass(frozen=True, slots=True)
class Mapping:
    operating_bank: str = ""
    deposit_account: str = ""  # Undeposited Funds, or the operating bank itself
    accounts_receivable: str = ""
    fees_item: str = ""
    expense_item: str = ""
    fees_income_account: str = ""  # the fees item's income account (for the dry run's account view)
    expense_income_account: str = ""
    trust_accounts: tuple[TrustAccountMap, ...] = ()
    # Clio operating bank account id → QBO bank account, for firms with more than one operating account.
    operating_accounts: tuple[tuple[int, str], ...] = ()
    # practice area name → QBO service item, for firms that split income by practice area.
    practice_area_items: tuple[tuple[str, str], ...] = ()
    discount_account: str = ""  # optional; QuickBooks uses the company's default discount account otherwise
    extra: dict[str, str] = field(default_factory=dict)

    def trust_for(self, clio_account_id: int | None) -> TrustAccountMap | None:
        for t in self.trust_accounts:
            if t.clio_account_id == clio_account_id:
                return t
        return None

    def deposit_for(self, clio_account_id: int | None) -> str:
        """Where an operating payment lands: its own mapped bank account, else the default deposit account."""
        for cid, qbo in self.operating_accounts:
            if cid == clio_account_id:
                return qbo
        return self.deposit_account or self.operating_bank

    def item_for_practice(self, practice_area: str) -> str:
        for name, item in self.practice_area_items:
            if name.casefold() == practice_area.casefold():
                return item
        return self.fees_item

    @property
    def trust_account_ids(self) -> frozenset[str]:
        """Every QBO account a trust posting may touch."""
        return frozenset(a for t in self.trust_accounts for a in (t.bank, t.liability) if a)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["trust_accounts"] = [asdict(t) for t in self.trust_accounts]
        data["operating_accounts"] = [list(p) for p in self.operating_accounts]
        data["practice_area_items"] = [list(p) for p in self.practice_area_items]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mapping:
        data = dict(data)
        data["trust_accounts"] = tuple(TrustAccountMap(**t) for t in data.get("trust_accounts", ()))
        data["operating_accounts"] = tuple((int(a), str(b)) for a, b in data.get("operating_accounts", ()))
        data["practice_area_items"] = tuple((str(a), str(b)) for a, b in data.get("practice_area_items", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def load_mapping(store: Store) -> Mapping | None:
    data = settings.get(store, SETTING_KEY)
    return None if data is None else Mapping.from_json(data)


def save_mapping(store: Store, mapping: Mapping) -> None:
    settings.put(store, SETTING_KEY, mapping.to_json())
