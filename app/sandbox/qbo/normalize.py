"""Read a request body the way QuickBooks does, whatever python-quickbooks put in it.

python-quickbooks (``use_decimal=True``) sends every default: amounts as JSON strings, ``"SyncToken": 0``
as a number, ``""`` for unset dates and totals, read-only fields, references with empty names, empty
lists. QuickBooks takes all of that; so does :func:`clean`: numbers become Decimals, blanks and
``None`` disappear, empty reference names go, and the fields the server computes are dropped.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from app.sandbox.qbo.wire import invalid_number

# Fields that hold numbers. python-quickbooks writes them as strings (use_decimal) or ints (defaults).
NUMERIC = frozenset({
    "Amount", "TotalAmt", "UnitPrice", "Qty", "Balance", "DiscountPercent", "UnappliedAmt", "CurrentBalance",
    "OpeningBalance", "TaxAmount", "ExchangeRate", "HomeTotalAmt", "HomeBalance", "Deposit",
    "BalanceWithJobs", "RemainingCredit", "CurrentBalanceWithSubAccounts", "TaxInclusiveAmt",
    "PurchaseCost", "QtyOnHand", "TaxPercent", "NetAmountTaxable", "TotalTax",
})

# Fields only the server writes; whatever a client sends for them is ignored, as QuickBooks does.
SERVER_FIELDS = frozenset({
    "Id", "SyncToken", "MetaData", "sparse", "domain", "status", "Balance", "HomeBalance", "HomeTotalAmt",
    "BalanceWithJobs", "FullyQualifiedName", "Level", "CurrentBalance", "CurrentBalanceWithSubAccounts",
    "UnappliedAmt", "RemainingCredit", "Classification", "time",
})


def to_decimal(value: Any, element: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise invalid_number(element, value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise invalid_number(element, value) from None
        if not result.is_finite():
            raise invalid_number(element, value)
        return result
    raise invalid_number(element, value)


def _clean_value(key: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if key in NUMERIC:
        return to_decimal(value, key)
    if isinstance(value, dict):
        out = {k: c for k, v in value.items() if (c := _clean_value(k, v)) is not None}
        if key.endswith("Ref") and ("value" in value or not out):
            # A reference with no id is no reference at all (python-quickbooks sends empty shells).
            if not out.get("value"):
                return None
            out["value"] = str(out["value"])
        return out if out else None
    if isinstance(value, list):
        items = [c for v in value if (c := _clean_value(key, v)) is not None]
        return items if items or key == "Line" else None
    return value


def clean(body: dict[str, Any]) -> dict[str, Any]:
    """The body with blanks gone and numbers exact; server fields are kept here (the caller reads Id,
    SyncToken and sparse from it) and dropped by :func:`writable`."""
    out: dict[str, Any] = {}
    for key, value in body.items():
        cleaned = _clean_value(key, value)
        if cleaned is not None:
            out[key] = cleaned
    return out


def writable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in SERVER_FIELDS}


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def sync_token(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        value = int(value)
    return str(value).strip()
