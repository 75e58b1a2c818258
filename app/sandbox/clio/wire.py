"""What Clio puts on the wire: JSON with amounts as plain numbers, and the `fields=` selection.

Clio writes money as JSON numbers the way its Ruby serializer prints a float: `1234.5`, `100.0`. The
emulator keeps every amount as a Decimal and writes its digits directly (never through a float), so a
client parsing with ``parse_float=Decimal`` reads back exactly what was stored. Reading and checking a
`fields=` value is ``app.clio.spec``'s, which the client's tests use too.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from app.clio.spec import FieldSpec

_MARK = "\u0000N:"
_MARK_RE = re.compile(r'"\\u0000N:([-0-9.]+)"')


def number_text(value: Decimal) -> str:
    """`Decimal('1234.50')` → `1234.5`, `Decimal('100.00')` → `100.0`: Clio's float-like spelling."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    if text in ("-0.0",):
        text = "0.0"
    return text


_NUMBER_CACHE: dict[Decimal, str] = {}


class _ClioEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            # A marked string, unwrapped to a bare number below: the C encoder stays in charge of
            # everything else, which keeps large pages fast. Amounts repeat a lot, so their spelling
            # is remembered (Decimal('1.5') and Decimal('1.50') hash alike and spell alike).
            text = _NUMBER_CACHE.get(o)
            if text is None:
                text = _MARK + number_text(o)
                if len(_NUMBER_CACHE) < 200_000:
                    _NUMBER_CACHE[o] = text
            return text
        return super().default(o)


_ENCODER = _ClioEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> bytes:
    """Serialize a Clio answer; Decimals become JSON numbers with their exact digits."""
    text = _ENCODER.encode(value)
    if _MARK[0] in text or "\\u0000" in text:
        text = _MARK_RE.sub(r"\1", text)
    return text.encode("utf-8")


def select(record: dict[str, Any], spec: FieldSpec) -> dict[str, Any]:
    """The record as Clio answers for `fields=`: only the asked fields, nested objects trimmed."""
    out: dict[str, Any] = {}
    for name, subs in spec:
        value = record.get(name)
        if isinstance(value, dict):
            out[name] = {s: value.get(s) for s in (subs or ("id",))}
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            keys = subs or ("id",)
            out[name] = [{s: item.get(s) for s in keys} for item in value]
        else:
            out[name] = value
    return out
