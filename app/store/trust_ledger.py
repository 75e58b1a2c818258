"""Reading the imported trust ledger's coverage (``app.trustledger`` writes it): for the reconciliation and the
dashboard, which must not depend on the importer."""

from __future__ import annotations

import datetime as dt

from app.store.db import Store


def covered_through(store: Store, account: str) -> dt.date | None:
    """The last day the imported ledger of ``account`` covers, over every import."""
    rows = store.query("SELECT max(through_date) AS last FROM trust_ledger_imports WHERE account = ?", (account,))
    return dt.date.fromisoformat(rows[0]["last"]) if rows and rows[0]["last"] else None


def ledger_accounts(store: Store) -> list[str]:
    """The accounts a trust ledger was imported for."""
    return [str(r["account"]) for r in store.query("SELECT DISTINCT account FROM trust_ledger_imports ORDER BY account")]
