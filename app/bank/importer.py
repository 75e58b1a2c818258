"""Importing a statement into the store: all or nothing, de-duplicated, balances kept.

A line whose month is already signed off for the account is not slipped into that locked period: it is
stored with ``adjusts_period`` set, and the reconciliation carries it into the next open period as a
period adjustment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.bank.csvfile import CsvMapping
from app.bank.errors import StatementError, StatementWarning
from app.bank.reader import parse_statement, read_bytes
from app.bank.statement import Statement
from app.errors import LedgerbridgeError
from app.logs import mask_account
from app.model import BankLine
from app.money import to_json_str
from app.store import Store, audit
from app.store.db import utcnow


@dataclass(frozen=True, slots=True)
class ImportResult:
    statement_id: int | None
    added: int
    duplicates: int
    adjustments: int
    statement: Statement
    warnings: list[StatementWarning] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = f"{self.added} new bank lines imported, {self.duplicates} already imported"
        if self.adjustments:
            text += f", {self.adjustments} dated in a signed-off period (carried as adjustments)"
        return text + "."


def save_csv_mapping(store: Store, account: str, name: str, mapping: CsvMapping, *, actor: str = "user") -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO csv_mappings (account, name, mapping, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(account, name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at",
            (account, name, json.dumps(mapping.to_dict(), sort_keys=True), utcnow()),
        )
        audit.append(store, actor=actor, action="bank.csv_mapping_saved", detail=f"{account}: {name}")


def load_csv_mapping(store: Store, account: str, name: str) -> CsvMapping:
    rows = store.query("SELECT mapping FROM csv_mappings WHERE account = ? AND name = ?", (account, name))
    if not rows:
        known = [r["name"] for r in store.query("SELECT name FROM csv_mappings WHERE account = ?", (account,))]
        raise LedgerbridgeError(
            f"There is no saved CSV column mapping {name!r} for the account {account!r}",
            kept="Nothing was imported.",
            next_step=("Saved mappings: " + ", ".join(known)) if known else "Save a column mapping first.",
        )
    return CsvMapping.from_dict(json.loads(rows[0]["mapping"]))


def locked_periods(store: Store, account: str) -> set[str]:
    return {r["period"] for r in store.query("SELECT period FROM recon_periods WHERE account = ?", (account,))}


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isalnum()).upper()


def _check_account_number(in_file: str, in_clio: str, file: str, account: str) -> None:
    """A statement of another bank account must not be reconciled as this one. Banks often give only the
    last digits (or mask the rest), so the shorter number must end the longer one. Numbers are shown masked."""
    a, b = _digits(in_file), _digits(in_clio)
    if not a or not b or a.endswith(b) or b.endswith(a) or a[-4:] == b[-4:] and ("X" in a or "X" in b):
        return
    raise StatementError(file, 1, f"a statement of {account} (account {mask_account(in_clio)} in Clio)",
                         found=f"the statement of account {mask_account(in_file)}; nothing was imported")


def import_statement(
    store: Store,
    path: str | os.PathLike[str],
    account: str,
    csv_mapping: CsvMapping | Mapping[str, Any] | str | None = None,
    *,
    actor: str = "user",
) -> ImportResult:
    """Read ``path`` and add its new lines to ``account``'s bank lines, in one transaction.

    ``csv_mapping`` may be a mapping, its fields as a dict, or the name of one saved for the account.
    A file that cannot be read raises :class:`StatementError` before anything is written.
    """
    if isinstance(csv_mapping, str):
        csv_mapping = load_csv_mapping(store, account, csv_mapping)
    # A mistyped account name would quietly start a new account's statements: once Clio's bank accounts
    # are in the cache, the name must be one of them (before the first sync any name is accepted).
    from app.reconcile.load import find_bank_account

    clio_account = find_bank_account(store, account)
    data = read_bytes(path)
    file = Path(path).name
    statement = parse_statement(data, file, csv_mapping)
    _check_account_number(statement.account_id, clio_account.account_number if clio_account else "", file, account)
    digest = audit.digest(data)
    locked = locked_periods(store, account)
    with store.transaction() as conn:
        existing = {
            r[0]
            for r in conn.execute(
                "SELECT dedupe_key FROM bank_lines WHERE account = ? AND date BETWEEN ? AND ?",
                (account, (statement.start or _min_date(statement)), (statement.end or _max_date(statement))),
            )
        } if statement.lines else set()
        new = [(ln, key) for ln, key in zip(statement.lines, statement.dedupe_keys, strict=True) if key not in existing]
        if not new and _same_file_imported(conn, account, digest):
            return ImportResult(None, 0, len(statement.lines), 0, statement, statement.warnings)
        statement_id = _insert_statement(conn, account, file, digest, statement, len(new), actor)
        rows, adjustments = _line_rows(account, statement_id, new, locked)
        # OR IGNORE: a key another statement already holds outside the date window checked above.
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO bank_lines (account, statement_id, dedupe_key, fitid, date, amount, payee, "
            "memo, check_number, balance, adjusts_period) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        added = conn.total_changes - before
        if added != len(new):
            conn.execute("UPDATE bank_statements SET lines_added = ? WHERE id = ?", (added, statement_id))
        audit.append(
            store,
            actor=actor,
            action="bank.statement_imported",
            sent={"file": file, "digest": digest},
            detail=f"{account}: {file} ({statement.format}), {added} of {len(statement.lines)} lines new"
            + (f", {adjustments} in signed-off periods" if adjustments else ""),
        )
    return ImportResult(statement_id, added, len(statement.lines) - added, adjustments, statement, statement.warnings)


def _same_file_imported(conn: Any, account: str, digest: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM bank_statements WHERE account = ? AND file_digest = ?", (account, digest)
    ).fetchone()
    return row is not None


def _min_date(statement: Statement) -> str:
    return min(ln.date for ln in statement.lines).isoformat()


def _max_date(statement: Statement) -> str:
    return max(ln.date for ln in statement.lines).isoformat()


def _insert_statement(conn: Any, account: str, file: str, digest: str, statement: Statement, new: int,
                      actor: str) -> int:
    cur = conn.execute(
        "INSERT INTO bank_statements (account, file_name, file_digest, format, start_date, end_date, "
        "start_balance, ending_balance, balance_date, lines_in_file, lines_added, warnings, imported_by, "
        "imported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (account, file, digest, statement.format, _iso(statement.start), _iso(statement.end),
         _money(statement.start_balance), _money(statement.ending_balance),
         _iso(statement.balance_date or statement.end), len(statement.lines), new,
         json.dumps([list(w) for w in statement.warnings]), actor, utcnow()),
    )
    return int(cur.lastrowid or 0)


def _line_rows(account: str, statement_id: int, new: list[tuple[BankLine, str]], locked: set[str]
               ) -> tuple[list[tuple[Any, ...]], int]:
    """The new lines as bank_lines rows; a line dated in a signed-off month is carried as an adjustment to the
    first open period (how many of them is the second value)."""
    rows, adjustments = [], 0
    for line, key in new:
        month = line.date.strftime("%Y-%m")
        adjusts = month if month in locked else None
        adjustments += adjusts is not None
        rows.append((account, statement_id, key, line.fitid, line.date.isoformat(), to_json_str(line.amount),
                     line.payee, line.memo, line.check_number, _money(line.balance), adjusts))
    return rows, adjustments


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _money(value: Any) -> str | None:
    return None if value is None else to_json_str(value)


__all__ = ["ImportResult", "StatementError", "import_statement", "load_csv_mapping", "save_csv_mapping"]


def latest_csv_mapping(store: Store, account: str) -> dict[str, Any] | None:
    """The account's most recently saved column mapping (as saved), or None."""
    rows = store.query("SELECT mapping FROM csv_mappings WHERE account = ? ORDER BY updated_at DESC LIMIT 1",
                       (account,))
    return json.loads(rows[0]["mapping"]) if rows else None


def statement_accounts(store: Store) -> list[str]:
    """Every account a statement was imported for."""
    return [r["account"] for r in store.query("SELECT DISTINCT account FROM bank_statements ORDER BY account")]
