"""Money: Decimal only, cents at the edges, never a float.

There is one way to make an amount: :func:`amount`. It accepts ``str``, ``int`` and ``Decimal`` and
rejects ``float`` (and ``bool``) outright, so a binary fraction can never leak into the books. JSON from
the APIs is parsed with :func:`loads_json`, which turns every number with a fraction or exponent into a
Decimal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from app.errors import MoneyError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Amountish = str | int | Decimal


def amount(value: Amountish) -> Decimal:
    """Return ``value`` as an exact Decimal (not yet rounded). Floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(
            f"An amount was given as a binary floating-point number ({value!r}), which cannot be exact.",
            next_step="This is a bug: parse the source with Decimal.",
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a number.") from None
    else:
        raise MoneyError(f"Cannot read an amount from a {type(value).__name__}.")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount.")
    return result


def cents(value: Amountish) -> Decimal:
    """Quantize to cents with ROUND_HALF_UP (the edge rule for every amount we store or send)."""
    return amount(value).quantize(CENT, rounding=ROUND_HALF_UP)


def total(values: Iterable[Amountish]) -> Decimal:
    """Exact sum, quantized to cents."""
    acc = Decimal(0)
    for v in values:
        acc += amount(v)
    return cents(acc)


_GROUPING = re.compile(r"[\s'\u00a0\u202f]")


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Read an amount as people and banks write it: ``1,234.56``, ``(12.00)``, ``-$5``, ``1.234,56``.

    ``decimal_comma`` says that ``,`` is the decimal separator and ``.`` groups thousands.
    Returns the exact value, not rounded.
    """
    raw = text
    s = text.strip()
    if not s:
        raise MoneyError("An empty field was read where an amount was expected.")
    signs = 0
    if s.startswith("(") and s.endswith(")"):
        signs, s = 1, s[1:-1].strip()
    if s.endswith("-"):
        signs, s = signs + 1, s[:-1].strip()
    if s.upper().endswith(("CR", "DR")):
        signs += s.upper().endswith("DR")
        s = s[:-2].strip()
    for _ in range(2):  # a sign may stand before or after the currency symbol, once
        if s.startswith(("-", "+")):
            signs += 1 if s[0] == "-" else 0
            s = s[1:].strip()
            if s.startswith(("-", "+")):
                raise MoneyError(f"{raw!r} is not an amount.")
        s = s.lstrip("$€£¥").strip()
    if signs > 1:
        raise MoneyError(f"{raw!r} has more than one minus sign.")
    negative = signs == 1
    s = _GROUPING.sub("", s)
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+|\d+(\.\d*)?[eE][-+]?\d+", s):
        raise MoneyError(f"{raw!r} is not an amount.")
    value = amount(s)
    return -value if negative else value


def fmt(value: Amountish, *, symbol: str = "$") -> str:
    """Display form: ``$1,234.56``, ``-$1,234.56``."""
    v = cents(value)
    sign = "-" if v < 0 else ""
    return f"{sign}{symbol}{abs(v):,.2f}"


def to_json_str(value: Amountish) -> str:
    """The string form QuickBooks and our stores take: two decimals, no grouping."""
    return f"{cents(value):.2f}"


def loads_json(text: str | bytes) -> Any:
    """json.loads with every fractional number as Decimal (never float)."""
    return json.loads(text, parse_float=Decimal)


class _DecimalEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def dumps_json(value: Any, **kwargs: Any) -> str:
    """json.dumps that writes Decimals as strings (exact) and sorts keys (stable digests)."""
    kwargs.setdefault("sort_keys", True)
    kwargs.setdefault("separators", (",", ":"))
    return json.dumps(value, cls=_DecimalEncoder, ensure_ascii=False, **kwargs)
