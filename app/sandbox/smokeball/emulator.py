"""A Smokeball read-API emulator, strict where the published description is (``app.smokeball.spec``).

- ``x-api-key`` and ``Authorization: Bearer`` on every call: a missing key is 403, a bad or expired token 401.
- A query parameter the endpoint does not declare is a 400, as is ``Limit`` outside 1–500.
- Lists answer the paged envelope ``{href, offset, limit, size, first, previous, next, last, value}``; the
  transactions list, which the description declares as one Transaction, is paged or single by a switch.
- Integer enums (invoice status, account status, fee type) go on the wire as integers or as their names, by
  a switch: the sources leave it open.
- Smokeball's rate: 5 requests a second with a burst of 5, per API key; beyond it a 429 with Retry-After.
- Errors are ProblemDetails ``{type, title, status, detail, instance}``.

``/_sandbox/issue_token`` hands out a token without the browser step (the demo and the tests).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.money import dumps_json
from app.sandbox.bearer import BearerDesk
from app.sandbox.clio.wire import dumps as wire_dumps  # Decimals as JSON numbers, as Smokeball sends money
from app.sandbox.faults import FaultMiddleware, FaultSwitches, Send, send_json
from app.smokeball.client import SANDBOX_API_KEY
from app.smokeball.spec import SpecError, check_query, facts, template_of
from app.smokeball.ticks import from_ticks, to_ticks

INVOICE_STATUS = ("Draft", "Final", "Paid", "Deleted", "Void")
DEFAULT_API_KEY = SANDBOX_API_KEY
DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET = "sandbox-smokeball-client", "sandbox-smokeball-secret"
EARLIEST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
CODE_SECONDS = 300  # Cognito's authorization code: single use, five minutes


@dataclass
class SmokeballState(BearerDesk):
    api_key: str = DEFAULT_API_KEY
    enums_as_int: bool = True
    transactions_paged: bool = True
    rate: float = 5.0
    burst: int = 5
    token_seconds: float = 3600.0
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    matters: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # matter id → its invoices
    fees: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # matter id → its fee entries
    expenses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # matter id → its expense entries
    bank_accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id → transactions
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (monotonic)
    refresh_tokens: set[str] = field(default_factory=set)
    codes: dict[str, tuple[str, str, float]] = field(default_factory=dict)  # code → (challenge, redirect, expiry)
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _buckets: dict[str, Any] = field(default_factory=dict)

    def touch(self, *records: dict[str, Any]) -> None:
        """Mark records changed now (what Smokeball's changed-since filters see; ``_updated`` never goes on
        the wire, a contact's ``lastUpdated`` does, in ticks)."""
        now = dt.datetime.now(dt.UTC)
        for record in records:
            record["_updated"] = now
            if "bankAccount" not in record:  # a transaction has no versionId
                record["versionId"] = str(uuid.uuid4())
            if "person" in record or "company" in record:
                record["lastUpdated"] = to_ticks(now)

def problem(status: int, title: str, detail: str = "") -> Response:
    body = {"type": f"https://httpstatuses.io/{status}", "title": title, "status": status, "detail": detail,
            "instance": str(uuid.uuid4())}
    headers = {"Retry-After": "1"} if status == 429 else None
    return Response(dumps_json(body), status_code=status, media_type="application/problem+json", headers=headers)


def _wire(record: dict[str, Any], state: SmokeballState) -> dict[str, Any]:
    """A record as sent: the emulator's own bookkeeping (``_``-keys) left out, and an invoice's integer status
    as a name when the switch says so (the one integer enum served in lists)."""
    record = {k: v for k, v in record.items() if not k.startswith("_")}
    if "invoiceTotals" in record and isinstance(record.get("status"), int) and not state.enums_as_int:
        record["status"] = INVOICE_STATUS[record["status"]]
    return record


def _changed_since(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows changed after ``UpdatedSince`` (ticks) or ``LastUpdated`` (ISO), if asked; a row that was never
    touched counts as changed at the start of time. ``MatterId`` narrows a list to one matter."""
    query = request.query_params
    since: dt.datetime | None = None
    if (ticks := query.get("UpdatedSince")) is not None:
        since = from_ticks(int(ticks))
    elif (stamp := query.get("LastUpdated")) is not None:
        since = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    if since is not None:
        rows = [r for r in rows if r.get("_updated", EARLIEST) > since]
    if (matter := query.get("MatterId")) is not None:
        rows = [r for r in rows if (r.get("matter") or {}).get("id") == matter]
    return rows


def _paged(request: Request, rows: list[dict[str, Any]], state: SmokeballState) -> dict[str, Any]:
    rows = _changed_since(request, rows)
    offset = int(request.query_params.get("Offset", 0))
    limit = int(request.query_params.get("Limit", 500))
    page = rows[offset:offset + limit]
    href = str(request.url.remove_query_params(["Offset", "Limit"]))

    def link(at: int | None) -> dict[str, Any] | None:
        return None if at is None else {"href": f"{href}?Offset={at}&Limit={limit}", "relation": "page",
                                        "method": "GET"}

    last = max(0, (len(rows) - 1) // limit * limit)
    return {"href": str(request.url), "offset": offset, "limit": limit, "size": len(rows), "first": link(0),
            "previous": link(max(0, offset - limit)) if offset else None,
            "next": link(offset + limit) if offset + limit < len(rows) else None, "last": link(last),
            "value": [_wire(r, state) for r in page]}


def create_smokeball_app(state: SmokeballState, switches: FaultSwitches | None = None) -> FaultMiddleware:
    """The emulator as an ASGI app, in the fault switches and the ``/_sandbox/`` control (``issue_token``,
    ``expire_tokens``, ``faults``)."""
    def answer(request: Request) -> Response:
        state.requests += 1
        key = request.headers.get("x-api-key", "")
        if key != state.api_key:
            return problem(403, "Forbidden", "A valid x-api-key header is required.")
        if not state.allowed(key):
            return problem(429, "Too Many Requests", "The rate of 5 requests a second was exceeded.")
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or not state.token_ok(token):
            return problem(401, "Unauthorized", "The access token is missing, invalid or expired.")
        path = request.url.path
        params: dict[str, Any] = {}
        for name, value in request.query_params.multi_items():
            params[name] = int(value) if value.lstrip("-").isdigit() else value
        try:
            template = template_of(path)
        except SpecError as exc:
            return problem(404, "Not Found", exc.what)
        try:
            check_query(path, params)
        except SpecError as exc:
            return problem(400, "Bad Request", exc.what)
        body = _lookup(request, template, path, state)
        if body is None:
            return problem(404, "Not Found", f"No resource at {path}.")
        if isinstance(body, dict) and "value" not in body:
            body = _wire(body, state)
        return Response(wire_dumps(body), media_type="application/json")

    async def api(request: Request) -> Response:
        return answer(request)

    async def authorize(request: Request) -> Response:
        return _authorize(request, state)

    async def token(request: Request) -> Response:
        return _token(request, dict(await request.form()), state)

    def control(name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if name == "issue_token":
            return {"access_token": state.issue_token(), "token_type": "Bearer", "expires_in": int(state.token_seconds)}
        if name == "expire_tokens":
            state.expire_tokens()
            return {}
        return None

    app = Starlette(routes=[Route("/oauth2/authorize", authorize, methods=["GET"]),
                             Route("/oauth2/token", token, methods=["POST"]),
                            Route("/{path:path}", api, methods=["GET"])])
    return FaultMiddleware(app, switches or FaultSwitches(), throttle=_injected(429, "Too Many Requests"),
                           error=_injected(503, "Service Unavailable"), control=control)


def _injected(status: int, title: str) -> Callable[[Send], Awaitable[None]]:
    """A fault switch's answer, shaped as Smokeball's own (ProblemDetails)."""
    async def respond(send: Send) -> None:
        body = {"type": f"https://httpstatuses.io/{status}", "title": title, "status": status, "detail": "",
                "instance": str(uuid.uuid4())}
        await send_json(send, status, body, {"Retry-After": "1"} if status == 429 else None)
    return respond


def _oauth_error(error: str, status: int = 400) -> Response:
    return Response(dumps_json({"error": error}), status_code=status, media_type="application/json")


def _authorize(request: Request, state: SmokeballState) -> Response:
    """Cognito's authorize, with the person's consent taken as given: a redirect back with a one-time code.
    PKCE with S256 is required (a public client may not skip it); a ``scope`` is refused, as the guide says
    not to send one."""
    q = request.query_params
    if q.get("response_type") != "code" or q.get("client_id") != state.client_id or not q.get("redirect_uri"):
        return _oauth_error("invalid_request")
    if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
        return _oauth_error("invalid_request")  # only S256 is allowed
    if "scope" in q:
        return _oauth_error("invalid_scope")
    code = secrets.token_urlsafe(16)
    with state.lock:
        state.codes[code] = (q["code_challenge"], q["redirect_uri"], time.monotonic() + CODE_SECONDS)
    sep = "&" if "?" in q["redirect_uri"] else "?"
    return Response(status_code=302, headers={"Location": f"{q['redirect_uri']}{sep}code={code}&state="
                                                          f"{q.get('state', '')}"})


def _token(request: Request, form: dict[str, Any], state: SmokeballState) -> Response:
    import base64
    import hashlib

    expected = "Basic " + base64.b64encode(f"{state.client_id}:{state.client_secret}".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return _oauth_error("invalid_client", 401)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        with state.lock:
            found = state.codes.pop(str(form.get("code", "")), None)  # single use, whatever happens next
        if found is None or found[2] < time.monotonic() or found[1] != form.get("redirect_uri"):
            return _oauth_error("invalid_grant")
        digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != found[0]:
            return _oauth_error("invalid_grant")
        refresh = secrets.token_urlsafe(24)
        with state.lock:
            state.refresh_tokens.add(refresh)
        return Response(dumps_json({"access_token": state.issue_token(), "refresh_token": refresh,
                                    "token_type": "Bearer", "expires_in": int(state.token_seconds)}),
                        media_type="application/json")
    if grant == "refresh_token":
        if form.get("refresh_token") not in state.refresh_tokens:
            return _oauth_error("invalid_grant")
        # the sample answer carries no new refresh token: the old one stays valid
        return Response(dumps_json({"access_token": state.issue_token(), "token_type": "Bearer",
                                    "expires_in": int(state.token_seconds)}), media_type="application/json")
    return _oauth_error("unsupported_grant_type")


def _lookup(request: Request, template: str, path: str, state: SmokeballState) -> Any:
    parts = path.strip("/").split("/")
    if template == "/contacts":
        return _paged(request, list(state.contacts.values()), state)
    if template == "/contacts/{id}":
        return state.contacts.get(parts[1])
    if template == "/matters":
        return _paged(request, list(state.matters.values()), state)
    if template == "/matters/{matterId}":
        return state.matters.get(parts[1])
    if template == "/matters/{matterId}/invoices":
        if parts[1] not in state.matters:
            return None
        return _paged(request, state.invoices.get(parts[1], []), state)
    if template in ("/matters/{matterId}/fees", "/matters/{matterId}/expenses"):
        if parts[1] not in state.matters:
            return None
        entries = state.fees if parts[2] == "fees" else state.expenses
        return _paged(request, entries.get(parts[1], []), state)
    if template == "/bankaccounts":
        return {"href": str(request.url), "value": list(state.bank_accounts.values())}
    if template == "/bankaccounts/{id}":
        return state.bank_accounts.get(parts[1])
    if template == "/bankaccounts/{bankAccountId}/transactions":
        if parts[1] not in state.bank_accounts:
            return None
        rows = state.transactions.get(parts[1], [])
        if state.transactions_paged:
            return _paged(request, rows, state)
        rows = _changed_since(request, rows)
        return _wire(rows[0], state) if rows else {}
    return None


def small_firm(state: SmokeballState, *, matters: int = 12, invoices_each: int = 3) -> SmokeballState:
    """A few contacts, matters, invoices and a trust account with deposits: enough to page through."""
    trust = str(uuid.UUID(int=1))
    state.bank_accounts[trust] = {"id": trust, "type": "Trust", "status": 0, "accountName": "IOLTA Trust",
                                  "balance": Decimal("0.00"), "matterBalances": []}
    state.transactions[trust] = []
    for n in range(matters):
        cid, mid = str(uuid.UUID(int=1000 + n)), str(uuid.UUID(int=2000 + n))
        state.contacts[cid] = {"id": cid, "person": {"firstName": f"Client{n}", "lastName": "Sandbox"},
                               "isDeleted": False}
        state.matters[mid] = {"id": mid, "number": f"M-{n:04d}", "title": f"Matter {n}", "status": "Open",
                              "clients": [{"id": cid}]}
        state.invoices[mid] = [{"id": str(uuid.UUID(int=3000 + n * 10 + i)), "matterId": mid, "status": 1,
                                "invoiceNumber": n * 10 + i,
                                "invoiceTotals": {"total": Decimal("250.00"), "paid": Decimal("0.00"),
                                                  "unpaid": Decimal("250.00")}} for i in range(invoices_each)]
        state.transactions[trust].append({"id": str(uuid.UUID(int=4000 + n)), "type": "Deposit",
                                          "amount": Decimal("1000.00"), "matter": {"id": mid},
                                          "bankAccount": {"id": trust}, "effectiveDate": "2026-11-02"})
    return state


def spec_fields() -> dict[str, list[str]]:
    """The record fields Smokeball publishes (for the emulator's own tests)."""
    return dict(facts()["records"])
