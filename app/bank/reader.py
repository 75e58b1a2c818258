"""``read_statement``: pick the reader for a file and run it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.bank.csvfile import CsvMapping, read_csv
from app.bank.errors import StatementError
from app.bank.ofx import looks_like_ofx, read_ofx
from app.bank.statement import Statement
from app.bank.textio import widen_to_utf8

MAX_BYTES = 64 * 1024 * 1024  # no bank statement is this large; refuse rather than exhaust memory


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    file = str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise StatementError(file, 0, "a bank statement under 64 MB", found=f"{size // (1024 * 1024)} MB")
        return Path(path).read_bytes()
    except OSError as exc:
        raise StatementError(file, 0, "a file that can be opened", found=exc.strerror or str(exc)) from None


def read_statement(
    path: str | os.PathLike[str], csv_mapping: CsvMapping | Mapping[str, Any] | None = None
) -> Statement:
    """Read an OFX/QFX/QBO file, or a CSV file with ``csv_mapping``. Raises only :class:`StatementError`."""
    return parse_statement(read_bytes(path), Path(path).name, csv_mapping)


def parse_statement(
    data: bytes, file: str, csv_mapping: CsvMapping | Mapping[str, Any] | None = None
) -> Statement:
    """Like :func:`read_statement`, from bytes already read (``file`` names it in messages). Whatever the
    bytes, only a StatementError leaves it."""
    try:
        return _parse(data, file, csv_mapping)
    except StatementError:
        raise
    except (ArithmeticError, ValueError, LookupError) as exc:
        # Data the readers did not foresee: an amount too large for a Decimal context (1e37), a NUL or an
        # unknown name in a charset label. The file is refused whole, as any unreadable statement is.
        raise StatementError(file, 0, "a statement with readable amounts, dates and character set",
                             found=f"{type(exc).__name__} ({str(exc)[:80] or 'no detail'})") from None


def _parse(data: bytes, file: str, csv_mapping: CsvMapping | Mapping[str, Any] | None) -> Statement:
    data = widen_to_utf8(data)
    if csv_mapping is not None:
        mapping = csv_mapping if isinstance(csv_mapping, CsvMapping) else CsvMapping.from_dict(csv_mapping)
        return read_csv(data, file, mapping)
    if looks_like_ofx(data):
        return read_ofx(data, file)
    raise StatementError(
        file,
        1,
        "an OFX, QFX or QBO statement (or a CSV file read with a column mapping)",
        found="neither an OFX header nor an <OFX> element",
    )
