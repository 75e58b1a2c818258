"""Reading a trust ledger export (CSV) through a saved column mapping, as a bank CSV is read
(``app.bank.csvfile``: the same date formats, amounts, encodings and line-numbered errors), with the columns a
trust ledger has besides: client, case, type and reference.

A broken file is refused whole, naming the line and what was expected there: nothing of it is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from app.bank.csvfile import Column, CsvMapping, column_index, read_date, read_money
from app.bank.errors import LedgerFileError, StatementError
from app.bank.fingerprint import dedupe_keys
from app.bank.textio import decode
from app.model import BankLine


@dataclass(frozen=True, slots=True)
class TrustLedgerMapping:
    """Which column holds what. Amounts: one signed ``amount_column`` (money into trust positive), or
    ``deposit_column`` and ``withdrawal_column``."""

    date_column: Column = "Date"
    client_column: Column = "Client"
    case_column: Column = "Case"
    type_column: Column = "Type"
    amount_column: Column = None
    deposit_column: Column = None
    withdrawal_column: Column = None
    reference_column: Column = None
    date_format: str = "auto"
    day_first: bool = False
    decimal_comma: bool = False
    delimiter: str = ","
    encoding: str = "utf-8"

    def csv(self) -> CsvMapping:
        """The bank CSV mapping that reads this file's dates and amounts the same way."""
        return CsvMapping(date_column=self.date_column, amount_column=self.amount_column,
                          debit_column=self.withdrawal_column, credit_column=self.deposit_column,
                          date_format=self.date_format, day_first=self.day_first, decimal_comma=self.decimal_comma,
                          delimiter=self.delimiter, encoding=self.encoding)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrustLedgerMapping:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True, slots=True)
class LedgerLine:
    date: dt.date
    client: str
    case: str
    type: str
    amount: Decimal  # signed: money into trust positive
    reference: str
    line: int  # where it is in the file
    dedupe_key: str = ""


def read_trust_ledger(data: bytes, file: str, mapping: TrustLedgerMapping) -> list[LedgerLine]:
    try:
        return _read(data, file, mapping)
    except LedgerFileError:
        raise
    except StatementError as exc:  # the bank CSV helpers' own error, told as the ledger's
        raise LedgerFileError(exc.file, exc.line, exc.expected, found=exc.found) from None


def _read(data: bytes, file: str, mapping: TrustLedgerMapping) -> list[LedgerLine]:
    bank = mapping.csv()  # refuses a mapping with neither (or both) kinds of amount column
    text, _warnings = decode(data, mapping.encoding, file)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True))
    except csv.Error as exc:
        raise LedgerFileError(file, 0, "well-formed CSV", found=str(exc)) from None
    if not rows:
        raise LedgerFileError(file, 1, "a header row")
    header = rows[0]
    where = {role: column_index(header, getattr(mapping, f"{role}_column"), file, 1, role)
             for role in ("date", "client", "case", "type", "amount", "deposit", "withdrawal", "reference")}
    out: list[LedgerLine] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(role: str, row: list[str] = row, n: int = n) -> str:
            i = where[role]
            if i is None:
                return ""
            if i >= len(row):
                raise LedgerFileError(file, n, f"a {role} column (position {i + 1})", found=f"{len(row)} columns")
            return row[i].strip()

        day = read_date(cell("date"), bank, file, n)
        if where["amount"] is not None:
            amount = read_money(cell("amount"), bank, file, n, "amount")
        else:
            money_in = read_money(cell("deposit"), bank, file, n, "deposit") or Decimal(0)
            money_out = read_money(cell("withdrawal"), bank, file, n, "withdrawal") or Decimal(0)
            amount = money_in - abs(money_out)
        if amount is None:
            raise LedgerFileError(file, n, "an amount")
        if not cell("case") and not cell("client"):
            raise LedgerFileError(file, n, "a client or a case: a trust line belongs to someone's ledger")
        out.append(LedgerLine(day, cell("client"), cell("case"), cell("type"), amount, cell("reference"), n))
    keys = dedupe_keys([BankLine(date=ln.date, amount=ln.amount, payee=f"{ln.client}|{ln.case}", memo=ln.type,
                                 check_number=ln.reference) for ln in out])
    return [LedgerLine(ln.date, ln.client, ln.case, ln.type, ln.amount, ln.reference, ln.line, key)
            for ln, key in zip(out, keys, strict=True)]
