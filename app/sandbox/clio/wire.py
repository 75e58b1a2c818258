"""What Clio puts on the wire: JSON with amounts as plain numbers, and the `fields=` selection.

Clio writes money as JSON numbers the way its Ruby serializer prints a float: `1234.5`, `100.0`. The
emulator keeps every amount as a Decimal and writes its digits directly (never through a float), so a
client parsing with ``parse_float=Decimal`` reads back exactly what was stored.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

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


class FieldsError(ValueError):
    """A `fields=` value that names something the endpoint does not have (Clio answers 400)."""


FieldSpec = list[tuple[str, list[str] | None]]


def parse_fields(text: str | None) -> FieldSpec:
    """`id,number,matter{id,display_number}` → [("id", None), ("number", None), ("matter", ["id", …])].

    One level of nesting, as Clio allows; anything deeper or unbalanced is an error.
    """
    if not text:
        return [("id", None), ("etag", None)]
    spec: FieldSpec = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in ",{}":
            j += 1
        name = text[i:j].strip()
        if not name:
            raise FieldsError(f"The fields parameter {text!r} has an empty field name.")
        if j < n and text[j] == "{":
            close = text.find("}", j)
            inner = text[j + 1 : close] if close != -1 else ""
            if close == -1 or "{" in inner:
                raise FieldsError(f"The fields parameter {text!r} nests deeper than one level or is unbalanced.")
            subs = [s.strip() for s in inner.split(",")]
            if not all(subs):
                raise FieldsError(f"The fields parameter {text!r} has an empty nested field name.")
            spec.append((name, subs))
            j = close + 1
        elif j < n and text[j] == "}":
            raise FieldsError(f"The fields parameter {text!r} is unbalanced.")
        else:
            spec.append((name, None))
        if j < n and text[j] != ",":
            raise FieldsError(f"The fields parameter {text!r} is not a comma-separated list.")
        i = j + 1
    return spec


def check_fields(spec: FieldSpec, allowed: dict[str, frozenset[str] | None], endpoint: str) -> None:
    """Raise FieldsError for a field (or nested field) that `endpoint` does not have.

    `allowed` maps each top-level field to None (a plain value) or the set of nested fields.
    """
    for name, subs in spec:
        if name not in allowed:
            raise FieldsError(f"Invalid field: {name!r} is not a field of {endpoint}.")
        nested = allowed[name]
        if subs is not None:
            if nested is None:
                raise FieldsError(f"Invalid field: {name!r} of {endpoint} has no nested fields.")
            for sub in subs:
                if sub not in nested:
                    raise FieldsError(f"Invalid field: {name}{{{sub}}} is not a field of {endpoint}.")


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
