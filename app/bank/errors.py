"""The importer's own error and warning records.

Errors are data (as in beangulp): a reader collects every oddity it tolerated as a
:class:`StatementWarning` with file and line, and raises :class:`StatementError` only when it cannot read
the file at all, naming where and what it expected there.
"""

from __future__ import annotations

from typing import NamedTuple

from app.errors import LedgerbridgeError


class StatementWarning(NamedTuple):
    """Something a reader tolerated: the file, the 1-based line, and a sentence saying what."""

    file: str
    line: int
    message: str


class StatementError(LedgerbridgeError):
    """A bank statement file that cannot be read. Nothing of it was imported."""

    document = "the bank statement"
    source = "from the bank"

    def __init__(self, file: str, line: int, expected: str, *, found: str = "") -> None:
        where = f"{file}, line {line}" if line else file
        what = f"Could not read {self.document} {where}: expected {expected}"
        if found:
            what += f", found {found}"
        super().__init__(
            what,
            kept="Nothing from this file was imported.",
            next_step=f"Download it again {self.source}, or check the column mapping, and retry.",
        )
        self.file = file
        self.line = line
        self.expected = expected
        self.found = found


class LedgerFileError(StatementError):
    """A trust ledger export that cannot be read (``app.trustledger``). Nothing of it was imported."""

    document = "the trust ledger export"
    source = "from the practice-management system's trust reports"
