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

    def __init__(self, file: str, line: int, expected: str, *, found: str = "") -> None:
        where = f"{file}, line {line}" if line else file
        what = f"Could not read the bank statement {where}: expected {expected}"
        if found:
            what += f", found {found}"
        super().__init__(
            what,
            kept="Nothing from this file was imported.",
            next_step="Download the statement again from the bank, or check the column mapping, and retry.",
        )
        self.file = file
        self.line = line
        self.expected = expected
        self.found = found
