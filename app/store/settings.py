"""Non-secret settings of one firm, as JSON values. Secrets go to the keychain (``app.auth.tokens``)."""

from __future__ import annotations

import json
from typing import Any

from app.errors import LedgerbridgeError
from app.store.db import Store

_SECRET_HINTS = ("secret", "token", "password", "authorization")


def get(store: Store, key: str, default: Any = None) -> Any:
    rows = store.query("SELECT value FROM settings WHERE key = ?", (key,))
    return json.loads(rows[0]["value"]) if rows else default


def put(store: Store, key: str, value: Any) -> None:
    if any(h in key.lower() for h in _SECRET_HINTS):
        raise LedgerbridgeError(
            f"The setting {key!r} looks like a secret and was not saved in the database.",
            next_step="This is a bug: secrets belong in the keychain.",
        )
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, sort_keys=True)),
        )


def all_settings(store: Store) -> dict[str, Any]:
    return {r["key"]: json.loads(r["value"]) for r in store.query("SELECT key, value FROM settings")}


def delete(store: Store, key: str) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM settings WHERE key = ?", (key,))
