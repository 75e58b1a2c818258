"""Typed errors of the QuickBooks connection, from HTTP status and Fault codes.

QuickBooks answers a refused write with ``{"Fault": {"Error": [{"Message", "Detail", "code"}], "type"}}``
(and a 401 with the same shape in lower case). :func:`from_fault` turns that into the one error class a
caller branches on: 6240 duplicate name, 5010 stale object, other 2000–6999 validation, 610 not found,
1–499 / 3200 authentication. Messages keep QuickBooks' own words and never carry a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.errors import LedgerbridgeError


class QboError(LedgerbridgeError):
    """QuickBooks refused or failed a request. ``code`` is the Fault code as a string ("" if none)."""

    def __init__(
        self,
        what: str,
        *,
        code: str = "",
        detail: str = "",
        element: str = "",
        status: int | None = None,
        kept: str = "",
        next_step: str = "",
    ) -> None:
        super().__init__(what, kept=kept, next_step=next_step)
        self.code = code
        self.detail = detail
        self.element = element
        self.status = status


class QboDuplicateName(QboError):
    """6240: the name is already used by a customer, vendor or employee."""


class QboStaleObject(QboError):
    """5010: the SyncToken sent is not the current one; read the object again."""


class QboValidation(QboError):
    """A business or validation rule refused the object (2000–6999, other than 5010 and 6240)."""


class QboNotFound(QboError):
    """610: the object does not exist or is inactive."""


class QboAuthError(QboError):
    """The connection is no longer authorised: reconnect in Settings."""


class QboThrottled(QboError):
    """QuickBooks kept answering 429 after every wait we allowed."""


class QboServerError(QboError):
    """QuickBooks failed (5xx, a system fault) or could not be reached, after every retry allowed."""


def _first_error(fault: Mapping[str, Any]) -> Mapping[str, Any]:
    """The first error of a fault, whatever shape QuickBooks (or a proxy in between) gave it."""
    errors = fault.get("Error") or fault.get("error") or [] if isinstance(fault, Mapping) else []
    if isinstance(errors, Mapping):
        return errors
    if isinstance(errors, str):
        return {"Message": errors}
    first = errors[0] if isinstance(errors, list) and errors else {}
    return first if isinstance(first, Mapping) else {"Message": str(first)} if first else {}


_AUTH_TYPES = ("AUTHENTICATION", "AUTHENTICATIONFAULT", "AUTHORIZATIONFAULT")


def from_fault(fault: Mapping[str, Any], *, status: int | None = None) -> QboError:
    """The typed error for a Fault object (the value under ``"Fault"``, or ``"fault"`` on a 401)."""
    err = _first_error(fault)
    message = str(err.get("Message") or err.get("message") or "QuickBooks refused the request")
    detail = str(err.get("Detail") or err.get("detail") or "")
    element = str(err.get("element") or "")
    code = str(err.get("code") or "")
    fault_type = str(fault.get("type") or "") if isinstance(fault, Mapping) else ""
    try:
        n = int(code)
    except ValueError:
        n = -1
    what = f"QuickBooks refused the request: {message}"
    if detail and detail != message:
        what += f" ({detail})"
    kw: dict[str, Any] = {"code": code, "detail": detail, "element": element, "status": status}
    if status in (401, 403) or fault_type.upper() in _AUTH_TYPES or 0 < n <= 499 or n in (3100, 3200):
        return QboAuthError(
            "QuickBooks connection expired — reconnect in Settings",
            kept="Nothing was changed in QuickBooks by this request.",
            next_step="Open Settings and connect QuickBooks again.", **kw)
    if n == 6240:
        return QboDuplicateName(what, next_step="Rename the record, or link it to the existing one.", **kw)
    if n == 5010:
        return QboStaleObject(what, next_step="The object changed in QuickBooks; it is read again and retried.",
                              **kw)
    if n == 610:
        return QboNotFound(what, next_step="Check that the referenced record still exists and is active.",
                           **kw)
    if n == 3001 or status == 429:
        return QboThrottled(what, next_step="Wait a minute and run the sync again.", **kw)
    if 2000 <= n <= 6999:
        return QboValidation(what, next_step="Correct the record in Clio or the mapping, then retry.", **kw)
    if n >= 10000 or (status is not None and status >= 500) or fault_type == "SystemFault":
        return QboServerError(what, next_step="QuickBooks had a problem; the next sync retries.", **kw)
    return QboError(what, **kw)
