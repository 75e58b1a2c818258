"""A MyCase read-API emulator, strict where the published reference is (``app.mycase.spec``).

- ``Authorization: Bearer`` on every call: a missing, unknown or expired token is a 401.
- A query parameter the endpoint does not declare is a 400, as is ``page_size`` outside 1–1000; errors are
  ``{"errors": [{"description", "source": {"parameter"}}]}``.
- Lists are bare JSON arrays; ``Item-Count`` gives the total and ``Link: <…&page_token=…>; rel="next"`` the
  next page (the token carries the position; the other parameters are repeated in the address).
- ``filter[updated_after]`` is inclusive; ``/invoices`` returns only invoices that allow online payments unless
  ``only_allowed_online_payments=false`` (MyCase's default hides the rest).
- MyCase's rate: 25 requests a second per token; beyond it a 429 (no Retry-After: MyCase documents none).

``/_sandbox/issue_token`` hands out a token without the browser step (the demo and the tests).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.mycase.spec import PAGE_TOKEN, SpecError, check_query
from app.sandbox.bearer import BearerDesk
from app.sandbox.clio.wire import dumps as wire_dumps  # Decimals as JSON numbers, as MyCase sends money
from app.sandbox.faults import FaultMiddleware, FaultSwitches, Send, send_json

RESOURCES = ("clients", "companies", "cases", "invoices", "invoice_payments", "time_entries", "expenses")


@dataclass
class MyCaseState(BearerDesk):
    rate: float = 25.0
    burst: int = 25
    token_seconds: float = 86400.0  # 24 hours
    client_id: str = "sandbox-mycase-client"
    client_secret: str = "sandbox-mycase-secret"
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)  # code → (redirect, expiry)
    refresh_tokens: dict[str, float] = field(default_factory=dict)  # refresh token → expiry (wall clock)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {r: [] for r in RESOURCES})
    tokens: dict[str, float] = field(default_factory=dict)  # token → expiry (monotonic)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _buckets: dict[str, Any] = field(default_factory=dict)

    def touch(self, record: dict[str, Any]) -> None:
        record["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def errors(status: int, description: str, parameter: str = "") -> Response:
    error: dict[str, Any] = {"description": description}
    if parameter:
        error["source"] = {"parameter": parameter}
    return Response(json.dumps({"errors": [error]}), status_code=status, media_type="application/json")


def _when(value: str) -> dt.datetime:
    """An ISO date or date-time (with ``Z`` or an offset; none means UTC)."""
    stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _selected(resource: str, rows: list[dict[str, Any]], query: dict[str, str]) -> list[dict[str, Any]]:
    if (since := query.get("filter[updated_after]")) is not None:
        rows = [r for r in rows if _when(str(r.get("updated_at") or "1970-01-01")) >= _when(since)]
    if resource == "invoices" and query.get("only_allowed_online_payments", "true").lower() != "false":
        rows = [r for r in rows if r.get("allow_online_payments")]
    for name, value in query.items():  # every other published filter: the field of that name equals the value
        field_name = name.removeprefix("filter[").removesuffix("]")
        if not name.startswith("filter[") or field_name == "updated_after":
            continue
        if field_name == "payable_id":  # a payment's invoice
            rows = [r for r in rows if str((r.get("invoice") or {}).get("id")) == value]
        else:
            rows = [r for r in rows if str(r.get(field_name, "")).casefold() == value.casefold()]
    return rows


def _token_of(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _offset_of(token: str) -> int:
    padded = token + "=" * (-len(token) % 4)
    return int(json.loads(base64.urlsafe_b64decode(padded))["offset"])


def create_mycase_app(state: MyCaseState, switches: FaultSwitches | None = None) -> FaultMiddleware:
    def answer(request: Request) -> Response:
        state.requests += 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not state.token_ok(token):
            return errors(401, "The access token is missing, invalid or expired.")
        if not state.allowed(token):
            return errors(429, "Too many requests: the limit is 25 a second.")
        resource = request.path_params["resource"]
        path = f"/{resource}"
        query = dict(request.query_params)
        try:
            check_query(path, query)
        except SpecError as exc:
            bad = next((n for n in query if n in exc.what), "")
            return errors(404 if "no read endpoint" in exc.what else 400, exc.what, bad)
        rows = _selected(resource, state.records.get(resource, []), query)
        size = int(float(query.get("page_size", 25)))
        try:
            offset = _offset_of(query[PAGE_TOKEN]) if PAGE_TOKEN in query else 0
        except (ValueError, KeyError, TypeError):
            return errors(400, "The page_token is not valid (or expired).", PAGE_TOKEN)
        page = rows[offset:offset + size]
        headers = {"Item-Count": str(len(rows))}
        if offset + size < len(rows):
            rest = {k: v for k, v in query.items() if k != PAGE_TOKEN}
            url = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            headers["Link"] = f'<{url}?{urlencode({**rest, PAGE_TOKEN: _token_of(offset + size)})}>; rel="next"'
        return Response(wire_dumps(page), media_type="application/json", headers=headers)

    async def api(request: Request) -> Response:
        return answer(request)

    def control(name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if name == "issue_token":
            return {"access_token": state.issue_token(), "token_type": "Bearer",
                    "expires_in": int(state.token_seconds)}
        if name == "expire_tokens":
            state.expire_tokens()
            return {}
        return None

    async def sign_in(request: Request) -> Response:
        return _login_session(request, state)

    async def tokens(request: Request) -> Response:
        form = dict(await request.form()) if "form" in request.headers.get("content-type", "") else \
            json.loads(await request.body() or b"{}")
        return _tokens(form, state)

    app = Starlette(routes=[Route("/login_sessions/new", sign_in, methods=["GET"]),
                            Route("/tokens", tokens, methods=["POST"]),
                            Route("/v1/{resource}", api, methods=["GET"])])
    return FaultMiddleware(app, switches or FaultSwitches(), throttle=_injected(429), error=_injected(503),
                           control=control)


REFRESH_SECONDS = 14 * 86400  # MyCase's refresh tokens last two weeks


def _login_session(request: Request, state: MyCaseState) -> Response:
    """MyCase's sign-in page, the person's consent taken as given: back to the redirect with a one-time code."""
    q = request.query_params
    if q.get("response_type") != "code" or q.get("client_id") != state.client_id or not q.get("redirect_uri"):
        return errors(400, "The sign-in request is missing client_id, redirect_uri or response_type=code.")
    code = secrets.token_urlsafe(16)
    with state.lock:
        state.codes[code] = (q["redirect_uri"], time.monotonic() + 300)
    sep = "&" if "?" in q["redirect_uri"] else "?"
    return Response(status_code=302, headers={"Location": f"{q['redirect_uri']}{sep}code={code}&state="
                                                          f"{q.get('state', '')}"})


def _tokens(form: dict[str, Any], state: MyCaseState) -> Response:
    """``POST /tokens``: a code or a refresh token for an access token of 24 hours and a refresh token of two
    weeks (a new one each time, the old one used up: an emulator choice, the reference does not say)."""
    if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
        return errors(401, "Unknown client.")
    grant = form.get("grant_type")
    with state.lock:
        if grant == "authorization_code":
            found = state.codes.pop(str(form.get("code", "")), None)
            if found is None or found[1] < time.monotonic() or found[0] != form.get("redirect_uri"):
                return errors(400, "The code is not valid.")
        elif grant == "refresh_token":
            expiry = state.refresh_tokens.pop(str(form.get("refresh_token", "")), None)
            if expiry is None or expiry < time.time():
                return errors(401, "The refresh token is not valid or has expired.")
        else:
            return errors(400, "Unsupported grant_type.")
        refresh = secrets.token_urlsafe(24)
        state.refresh_tokens[refresh] = time.time() + REFRESH_SECONDS
    body = {"access_token": state.issue_token(), "token_type": "Bearer", "scope": "read", "refresh_token": refresh,
            "expires_in": int(state.token_seconds)}
    if grant == "authorization_code":
        body["firm_uuid"] = "00000000-0000-4000-8000-000000000001"
    return Response(json.dumps(body), media_type="application/json")


def _injected(status: int) -> Callable[[Send], Awaitable[None]]:
    """A fault switch's answer, shaped as MyCase's own (``errors[]``)."""
    async def respond(send: Send) -> None:
        await send_json(send, status, {"errors": [{"description": "Injected by the sandbox's fault switch."}]})
    return respond
