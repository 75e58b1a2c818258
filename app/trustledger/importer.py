"""Importing a trust ledger export into the store: all or nothing, each line once across imports (an
overlapping export adds only what is new), with what came in when, so the dashboard can say how fresh the
trust side is and the reconciliation can refuse a month the ledger does not cover."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.bank.errors import LedgerFileError
from app.money import amount, to_json_str
from app.store.db import Store, utcnow
from app.trustledger.reader import LedgerLine, TrustLedgerMapping, read_trust_ledger


@dataclass(frozen=True)
class LedgerImport:
    account: str
    file_name: str
    rows_read: int
    rows_added: int
    first_date: dt.date | None
    last_date: dt.date | None
    imported_at: str
    through: dt.date | None = None

    def sentence(self) -> str:
        span = f"{self.first_date} to {self.last_date}" if self.first_date else "no dated lines"
        if self.through and self.through != self.last_date:
            span += f", covering through {self.through}"
        return (f"Imported {self.rows_added} new of {self.rows_read} trust ledger lines ({span}) from "
                f"{self.file_name} into '{self.account}'.")


def import_trust_ledger(store: Store, path: Path | str, account: str, mapping: TrustLedgerMapping, *,
                        through: dt.date | None = None) -> LedgerImport:
    """``through``: the last day the export covers (a month's export reaches its last day even when nothing
    happened on it); without it, the day of its last line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LedgerFileError(path.name, 0, "a readable file", found=exc.strerror or type(exc).__name__) from None
    lines = read_trust_ledger(data, path.name, mapping)
    first = min((ln.date for ln in lines), default=None)
    last = max((ln.date for ln in lines), default=None)
    if through is not None and last is not None and through < last:
        raise LedgerFileError(path.name, 0, f"lines up to {through} (the day the export is said to cover)",
                             found=f"a line dated {last}")
    covers = through or last
    now = utcnow()
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO trust_ledger_imports (account, file_name, file_sha256, first_date, last_date, through_date, "
            "rows_read, rows_added, imported_at) VALUES (?,?,?,?,?,?,?,0,?)",
            (account, path.name, hashlib.sha256(data).hexdigest(), first.isoformat() if first else None,
             last.isoformat() if last else None, covers.isoformat() if covers else None, len(lines), now))
        import_id = cur.lastrowid
        added = 0
        for ln in lines:
            added += conn.execute(
                "INSERT OR IGNORE INTO trust_ledger_lines (account, date, client, case_ref, type, amount, reference, "
                "dedupe_key, import_id) VALUES (?,?,?,?,?,?,?,?,?)",
                (account, ln.date.isoformat(), ln.client, ln.case, ln.type, to_json_str(ln.amount), ln.reference,
                 ln.dedupe_key, import_id)).rowcount
        conn.execute("UPDATE trust_ledger_imports SET rows_added = ? WHERE id = ?", (added, import_id))
    return LedgerImport(account, path.name, len(lines), added, first, last, now, covers)


def last_import(store: Store, account: str | None = None) -> LedgerImport | None:
    """The latest import (of one account, or of any), or None when the trust ledger was never imported."""
    where, params = ("WHERE account = ?", (account,)) if account else ("", ())
    rows = store.query(f"SELECT * FROM trust_ledger_imports {where} ORDER BY id DESC LIMIT 1", params)
    if not rows:
        return None
    r = rows[0]
    day = dt.date.fromisoformat
    return LedgerImport(r["account"], r["file_name"], r["rows_read"], r["rows_added"],
                        day(r["first_date"]) if r["first_date"] else None,
                        day(r["last_date"]) if r["last_date"] else None, r["imported_at"],
                        day(r["through_date"]) if r["through_date"] else None)


def ledger_lines(store: Store, account: str | None = None) -> list[tuple[str, LedgerLine]]:
    """Every imported line (of one account, or all), with its account, oldest first."""
    where, params = ("WHERE account = ?", (account,)) if account else ("", ())
    out = []
    for r in store.query(f"SELECT * FROM trust_ledger_lines {where} ORDER BY date, id", params):
        out.append((str(r["account"]), LedgerLine(dt.date.fromisoformat(r["date"]), r["client"], r["case_ref"], r["type"],
                                             amount(r["amount"]), r["reference"], 0, r["dedupe_key"])))
    return out
