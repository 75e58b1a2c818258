"""The column mapping of each account's trust ledger export, saved with the firm (MyCase's own layout until
another is saved)."""

from __future__ import annotations

from typing import Any

from app.store import settings
from app.store.db import Store
from app.trustledger.reader import TrustLedgerMapping

DEFAULT_COLUMNS: dict[str, Any] = {"date_column": "Date", "client_column": "Client", "case_column": "Case",
                                   "type_column": "Type", "amount_column": "Amount",
                                   "reference_column": "Reference"}


def mapping_key(account: str) -> str:
    return f"trust_ledger.mapping.{account.casefold()}"


def saved_columns(store: Store, account: str) -> dict[str, Any]:
    return dict(settings.get(store, mapping_key(account)) or DEFAULT_COLUMNS)


def save_columns(store: Store, account: str, columns: dict[str, Any]) -> TrustLedgerMapping:
    mapping = TrustLedgerMapping.from_dict(columns)  # refuses nothing here; the reader says what is missing
    settings.put(store, mapping_key(account), columns)
    return mapping
