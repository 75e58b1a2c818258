"""What QuickBooks puts on the wire: JSON with exact numbers, its time format and its fault envelopes.

QuickBooks writes amounts as JSON numbers. The emulator keeps every amount as a Decimal and writes its
digits as they are (never through a float), so a client parsing with ``parse_float=Decimal`` reads back
exactly what was stored.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

# QuickBooks stamps MetaData in the company's time zone with an offset; the demo company is in Pacific
# time, so clients meet real offsets (and daylight-saving changes) rather than a convenient UTC.
COMPANY_TZ = ZoneInfo("America/Los_Angeles")

_MARK = "\u0000D:"
_MARK_RE = re.compile(r'"\\u0000D:(-?[0-9.Ee+-]+)"')


def _mark(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    if isinstance(value, dict):
        return {k: _mark(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON with each Decimal written as a number with its own digits."""
    return _MARK_RE.sub(r"\1", json.dumps(_mark(value), separators=(",", ":")))


def loads(data: bytes | str) -> Any:
    """Parse a request body; every fractional number becomes a Decimal (floats never appear)."""
    return json.loads(data, parse_float=Decimal)


def qbo_time(moment: datetime) -> str:
    """``2026-11-25T08:10:12-08:00``: QuickBooks' MetaData format (seconds, company offset)."""
    return moment.astimezone(COMPANY_TZ).replace(microsecond=0).isoformat()


def response_time(moment: datetime) -> str:
    """The ``time`` stamp on every answer, with milliseconds as QuickBooks writes it."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def parse_time(text: str) -> datetime:
    """Read a client's timestamp; one without a zone is in the company's time zone, as QuickBooks reads it."""
    value = text.strip().replace(" ", "T")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=COMPANY_TZ)
    return moment


class QboFault(Exception):
    """A QuickBooks fault: becomes ``{"Fault": {"Error": [...], "type": ...}}`` with an HTTP status."""

    def __init__(self, code: str, message: str, detail: str = "", *, element: str = "",
                 fault_type: str = "ValidationFault", status: int = 400) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail or message
        self.element = element
        self.fault_type = fault_type
        self.status = status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}


# The faults the emulator raises, named for the rule they enforce (codes as QuickBooks documents them).
def not_found(entity: str, ident: str) -> QboFault:
    return QboFault("610", "Object Not Found",
                    f"Object Not Found : Something you're trying to use has been made inactive. Check the "
                    f"fields with accounts, customers, items, vendors or employees. ({entity} {ident})")


def invalid_ref(element: str, ident: str) -> QboFault:
    return QboFault("2500", "Invalid Reference Id", f"Invalid Reference Id : {element} {ident!r} does not exist",
                    element=element)


def required(element: str) -> QboFault:
    return QboFault("2020", "Required param missing, need to supply the required value for the API",
                    f"Required parameter {element} is missing in the request", element=element)


def too_long(element: str, limit: int, length: int) -> QboFault:
    return QboFault("2050", "String length is either shorter or longer than supported by specification",
                    f"String length specified does not match the supported length. Min:0 Max:{limit} supported. "
                    f"Supplied length:{length}", element=element)


def invalid_number(element: str, value: Any) -> QboFault:
    return QboFault("2010", "Request has invalid or unsupported property",
                    f"Property Name:{element} has an invalid number: {value!r}", element=element)


def business(detail: str, element: str = "") -> QboFault:
    return QboFault("6000", "A business validation error has occurred while processing your request",
                    f"Business Validation Error: {detail}", element=element)


def period_closed(entity: str, txn_date: str, close_date: str) -> QboFault:
    """QuickBooks' answer to a write dated on or before the company's closing date (BookCloseDate)."""
    return QboFault("6210", "Account Period Closed, Cannot Update Through Services API",
                    f"The account period has closed and the account books cannot be updated through the QBO "
                    f"Services API. Please use the QBO website to make these changes. ({entity} dated "
                    f"{txn_date}; books closed through {close_date})", element="TxnDate")


def stale(entity: str) -> QboFault:
    return QboFault("5010", "Stale Object Error",
                    f"Stale Object Error : You and another user were working on this {entity} at the same "
                    f"time. They finished before you did, so your work was not saved.", element="SyncToken")


def duplicate_name(name: str, existing_id: str) -> QboFault:
    return QboFault("6240", "Duplicate Name Exists Error",
                    f"The name supplied already exists. : Another customer, vendor or employee is already "
                    f"using this name. Please use a different name. Id={existing_id} Name={name}")


def unsupported(detail: str) -> QboFault:
    return QboFault("500", "Unsupported Operation", f"Operation {detail} is not supported.")


def query_error(detail: str) -> QboFault:
    return QboFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def auth_fault_body(detail: str) -> dict[str, Any]:
    """The 401 envelope: lower-case keys and type AUTHENTICATION, unlike every other fault."""
    return {"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": detail, "code": "3200"}], "type": "AUTHENTICATION"}}


def throttle_xml(moment: datetime) -> bytes:
    """The 429 body: XML even when JSON was asked for, as QuickBooks answers a throttled request."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{response_time(moment)}">'
        '<Fault type="SERVICE"><Error code="3001">'
        "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        "<Detail>ThrottleExceeded: the request limit was reached.</Detail>"
        "</Error></Fault></IntuitResponse>"
    ).encode()


def system_fault_body() -> dict[str, Any]:
    return {"Fault": {"Error": [{"Message": "An application error has occurred while processing your request",
                                 "Detail": "System Failure Error: An unexpected error occurred while "
                                           "accessing or saving your data. Please wait a few minutes and try "
                                           "again.", "code": "10000"}], "type": "SystemFault"}}
