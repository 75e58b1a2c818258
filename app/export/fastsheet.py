"""Streaming the rows of the big sheets straight into the workbook's XML.

openpyxl's write-only mode builds a Python cell object per value, which costs tens of microseconds a cell:
a 100,000-row reconciliation would take most of a minute. So openpyxl writes the workbook itself (styles,
sheet views, filters, print setup, the Summary) with each data sheet holding only a header, one probe row
and one total row, whose cells carry every column's style; then this module replaces each data sheet's
``<sheetData>`` with all of its rows, written as SpreadsheetML text with the probed style ids.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl.utils import get_column_letter

_EPOCH = dt.date(1899, 12, 30)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?')
_SHEETDATA = re.compile(r"<sheetData>.*</sheetData>|<sheetData/>", re.S)


def _text(value: str) -> str:
    text = _ILLEGAL.sub("", value).translate(_ESCAPE)
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


class Formula(str):
    """A formula the workbook itself writes ("=SUM(...)"). Every other string, whatever it starts with (=, +,
    -, @, a tab), is text: a payee, a memo or a client name must never become a live formula in a reviewer's
    Excel."""


def _cell(ref: str, value: Any, style: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return f"<c r=\"{ref}\"{style}><f>{_ILLEGAL.sub('', value.removeprefix('=')).translate(_ESCAPE)}</f></c>"
    if isinstance(value, str):
        return f'<c r="{ref}"{style} t="inlineStr">{_text(value)}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{style}><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}"{style}><v>{value:f}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    raise TypeError(f"cannot write a {type(value).__name__} to a sheet")


def probe_styles(sheet_xml: str) -> dict[int, dict[str, str]]:
    """Row number → column letter → ' s="N"' (or '') of every cell openpyxl wrote."""
    styles: dict[int, dict[str, str]] = {}
    for col, row, style in _CELL.findall(sheet_xml):
        styles.setdefault(int(row), {})[col] = f' s="{style}"' if style else ""
    return styles


def write_sheet(
    out: IO[bytes],
    sheet_xml: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    total: Sequence[Any] | None,
) -> None:
    """Write ``sheet_xml`` (openpyxl's part: header in row 1, probe row 2, total probe row 3) with its sheet
    data replaced by ``header``, ``rows`` and ``total``."""
    styles = probe_styles(sheet_xml)
    match = _SHEETDATA.search(sheet_xml)
    if match is None:
        raise ValueError("no sheetData in the worksheet part")
    width = len(header)
    letters = [get_column_letter(i + 1) for i in range(width)]
    head_styles = [styles.get(1, {}).get(c, "") for c in letters]
    data_styles = [styles.get(2, {}).get(c, "") for c in letters]
    total_styles = [styles.get(3, {}).get(c, "") for c in letters]

    out.write(sheet_xml[: match.start()].encode())
    out.write(b"<sheetData>")
    r = 1
    out.write(_row(r, letters, head_styles, header).encode())
    batch: list[str] = []
    for values in rows:
        r += 1
        batch.append(_row(r, letters, data_styles, values))
        if len(batch) >= 2000:
            out.write("".join(batch).encode())
            batch.clear()
    out.write("".join(batch).encode())
    if total is not None:
        out.write(_row(r + 1, letters, total_styles, total).encode())
    out.write(b"</sheetData>")
    out.write(sheet_xml[match.end() :].encode())


def _row(r: int, letters: list[str], styles: list[str], values: Sequence[Any]) -> str:
    cells = "".join(
        _cell(f"{letter}{r}", value, style) for letter, style, value in zip(letters, styles, values, strict=True)
    )
    return f'<row r="{r}">{cells}</row>'
