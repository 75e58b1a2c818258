"""CSV statements with a column mapping saved per bank account.

Every bank lays out its CSV differently, so the reader is driven by a :class:`CsvMapping`: which row the
header is on, which column holds the date (and its format, day-first included), whether the amount is one
signed column, separate debit and credit columns, or an amount plus a debit/credit type column, and
whether ``,`` is the decimal mark.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from app.bank.errors import StatementError, StatementWarning
from app.bank.fingerprint import dedupe_keys
from app.bank.statement import Statement
from app.bank.textio import decode
from app.errors import MoneyError
from app.model import BankLine
from app.money import cents, parse_amount

Column = str | int | None

_AUTO_FORMATS_MONTH_FIRST = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%d %b %Y", "%b %d, %Y")
_AUTO_FORMATS_DAY_FIRST = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%d %b %Y")


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """How to read one bank's CSV. Columns are header names, or 0-based positions when there is no header.

    Amounts: set ``amount_column`` (signed, deposits positive; or unsigned with ``type_column`` saying
    which rows are debits), or ``debit_column`` and ``credit_column`` (money out and money in).
    ``date_format`` is a ``strptime`` pattern, or ``"auto"`` to try the common ones (``day_first`` decides
    whether 03/04 is the 3rd of April).
    """

    date_column: Column
    amount_column: Column = None
    debit_column: Column = None
    credit_column: Column = None
    type_column: Column = None
    debit_types: tuple[str, ...] = ("DR", "DEBIT", "D", "WITHDRAWAL", "DBIT")
    description_column: Column = None
    memo_column: Column = None
    reference_column: Column = None
    balance_column: Column = None
    id_column: Column = None
    date_format: str = "auto"
    day_first: bool = False
    decimal_comma: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"
    skip_rows: int = 0
    has_header: bool = True

    def __post_init__(self) -> None:
        if self.date_column is None:
            raise StatementError("column mapping", 0, "a date column")
        has_amount = self.amount_column is not None
        has_split = self.debit_column is not None or self.credit_column is not None
        if has_amount == has_split:
            raise StatementError(
                "column mapping", 0, "either one amount column or debit and credit columns (not both)"
            )
        if has_split and (self.debit_column is None or self.credit_column is None):
            raise StatementError("column mapping", 0, "both a debit and a credit column")
        if len(self.delimiter) != 1:
            raise StatementError("column mapping", 0, "a one-character delimiter", found=repr(self.delimiter))
        # However the mapping is built, its debit types compare as the reader does (upper case, no spaces):
        # ("debit",) would otherwise read every debit as money in.
        object.__setattr__(self, "debit_types", tuple(str(v).strip().upper() for v in self.debit_types))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["debit_types"] = list(self.debit_types)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvMapping:
        """Build from saved settings; unknown keys are refused so a typo cannot silently drop a column."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise StatementError("column mapping", 0, "known mapping fields", found=", ".join(unknown))
        values = dict(data)
        if "debit_types" in values:
            values["debit_types"] = tuple(values["debit_types"])
        return cls(**values)


def column_index(header: list[str] | None, column: Column, file: str, line: int, role: str) -> int | None:
    if column is None:
        return None
    if isinstance(column, int):
        return column
    if header is None:
        raise StatementError(file, line, f"a header row naming the {role} column {column!r}")
    wanted = column.strip().lower()
    for i, name in enumerate(header):
        if name.strip().lower() == wanted:
            return i
    raise StatementError(file, line, f"a column named {column!r} for the {role}", found=", ".join(header)[:200])


def read_date(text: str, mapping: CsvMapping, file: str, line: int) -> dt.date:
    s = text.strip()
    if mapping.date_format != "auto":
        try:
            return dt.datetime.strptime(s, mapping.date_format).date()
        except ValueError:
            raise StatementError(file, line, f"a date as {mapping.date_format}", found=repr(s[:30])) from None
    s = s.split("T")[0].split(" ")[0] if len(s) > 10 and s[4:5] == "-" else s
    for pattern in _AUTO_FORMATS_DAY_FIRST if mapping.day_first else _AUTO_FORMATS_MONTH_FIRST:
        try:
            return dt.datetime.strptime(s, pattern).date()
        except ValueError:
            continue
    raise StatementError(file, line, "a date", found=repr(s[:30]))


def read_money(text: str, mapping: CsvMapping, file: str, line: int, role: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return cents(parse_amount(text, decimal_comma=mapping.decimal_comma))
    except MoneyError:
        raise StatementError(file, line, f"an amount in the {role} column", found=repr(text.strip()[:30])) from None


def read_csv(data: bytes, file: str, mapping: CsvMapping) -> Statement:
    text, warnings = decode(data, mapping.encoding, file)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True))
    except csv.Error as exc:
        raise StatementError(file, 0, "comma-separated text", found=str(exc)) from None
    # csv rows do not carry line numbers once a quoted field spans lines; count physical lines instead.
    line_of = _physical_lines(text, mapping.delimiter)
    pos = mapping.skip_rows
    header: list[str] | None = None
    if mapping.has_header:
        while pos < len(rows) and not any(c.strip() for c in rows[pos]):
            pos += 1
        if pos >= len(rows):
            raise StatementError(file, line_of(pos), "a header row")
        header = [c.strip() for c in rows[pos]]
        pos += 1
    header_line = line_of(max(pos - 1, 0))
    idx = {
        role: column_index(header, getattr(mapping, f"{role}_column"), file, header_line, role)
        for role in ("date", "amount", "debit", "credit", "type", "description", "memo", "reference", "balance", "id")
    }
    width = max(i for i in idx.values() if i is not None) + 1
    lines: list[BankLine] = []
    for r in range(pos, len(rows)):
        row = rows[r]
        n = line_of(r)
        if not any(c.strip() for c in row):
            continue
        if len(row) < width:
            raise StatementError(file, n, f"at least {width} columns", found=f"{len(row)}")

        def cell(role: str, row: list[str] = row) -> str:
            i = idx[role]
            return row[i].strip() if i is not None and i < len(row) else ""

        date = read_date(cell("date"), mapping, file, n)
        if idx["amount"] is not None:
            value = read_money(cell("amount"), mapping, file, n, "amount")
            if value is None:
                raise StatementError(file, n, "an amount", found="an empty cell")
            if idx["type"] is not None:
                is_debit = cell("type").strip().upper() in mapping.debit_types
                value = -abs(value) if is_debit else abs(value)
        else:
            debit = read_money(cell("debit"), mapping, file, n, "debit")
            credit = read_money(cell("credit"), mapping, file, n, "credit")
            if debit is None and credit is None:
                raise StatementError(file, n, "an amount in the debit or the credit column", found="both empty")
            value = (abs(credit) if credit else Decimal("0.00")) - (abs(debit) if debit else Decimal("0.00"))
        lines.append(
            BankLine(
                date=date,
                amount=value,
                fitid=cell("id") or None,
                payee=cell("description"),
                memo=cell("memo"),
                check_number=cell("reference"),
                balance=read_money(cell("balance"), mapping, file, n, "balance"),
            )
        )
    if not lines:
        warnings.append(StatementWarning(file, line_of(pos), "the file has no transaction rows"))
    start_balance, ending, balance_date = _balances(lines)
    return Statement(
        path=file,
        format="csv",
        lines=lines,
        dedupe_keys=dedupe_keys(lines),
        start=min((ln.date for ln in lines), default=None),
        end=max((ln.date for ln in lines), default=None),
        start_balance=start_balance,
        ending_balance=ending,
        balance_date=balance_date,
        warnings=warnings,
    )


def _balances(lines: list[BankLine]) -> tuple[Decimal | None, Decimal | None, dt.date | None]:
    """Opening and closing balance from a running-balance column, whichever order the bank lists rows in.

    Oldest-first files satisfy ``balance[i] = balance[i-1] + amount[i]``; newest-first files satisfy
    ``balance[i-1] = balance[i] + amount[i-1]``. When neither holds throughout we keep no balance rather
    than guess.
    """
    if not lines or any(ln.balance is None for ln in lines):
        return None, None, None
    if len(lines) == 1:
        only = lines[0]
        assert only.balance is not None
        return only.balance - only.amount, only.balance, only.date
    bal = [ln.balance for ln in lines]
    amt = [ln.amount for ln in lines]
    ascending = all(bal[i] == bal[i - 1] + amt[i] for i in range(1, len(lines)))  # type: ignore[operator]
    descending = all(bal[i - 1] == bal[i] + amt[i - 1] for i in range(1, len(lines)))  # type: ignore[operator]
    if ascending:
        first, last = lines[0], lines[-1]
    elif descending:
        first, last = lines[-1], lines[0]
    else:
        return None, None, None
    assert first.balance is not None
    return first.balance - first.amount, last.balance, last.date


def _physical_lines(text: str, delimiter: str):  # -> Callable[[int], int]
    """Map a csv record index to the 1-based physical line it starts on."""
    starts = [1]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for _ in reader:
            starts.append(reader.line_num + 1)
    except csv.Error:
        pass

    def line_of(record: int) -> int:
        return starts[record] if record < len(starts) else starts[-1]

    return line_of
