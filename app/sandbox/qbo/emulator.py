"""A local QuickBooks Online v3 API: OAuth, entities, query, batch, CDC, requestid and Intuit's limits.

``create_qbo_app(state, switches)`` returns the ASGI app to serve with
:class:`app.sandbox.httpserver.ServerThread`. Layers, outermost first: the per-realm limits (500
requests a minute including batches, 40 batches a minute, 10 at once, each answered with QuickBooks' XML
429), the shared fault switches (:class:`app.sandbox.faults.FaultMiddleware`), then the Starlette routes.

The company itself (objects, ledger, rules) is :class:`app.sandbox.qbo.books.Books`, seeded with a small
law firm's chart of accounts by :mod:`app.sandbox.qbo.company`.

Choices where Intuit's documentation is silent or uncertain (the stricter reading is taken, so an app
that works here does not lean on leniency):

- A payment applied to an invoice or credit memo changes that form (Balance, LinkedTxn): its SyncToken
  moves and it shows in CDC, so a client must re-read before updating it.
- An invoice or credit memo with payments applied cannot be voided or deleted (6000); a deposited payment
  cannot be changed, voided or deleted (6540); a void transaction cannot be changed (6000).
- With a closing date (``books.book_close_date``, shown as Preferences AccountingInfoPrefs.BookCloseDate), a
  create, change, void or delete of a transaction whose old or new TxnDate is on or before it is refused
  with 6210 "Account Period Closed, Cannot Update Through Services API"; names (customers) are not dated.
- Names compare without regard to case for uniqueness (6240) and in ``=`` queries; ``:``, tab and new
  line in a name answer 6000. An inactive customer, vendor or employee is renamed ``X (deleted)``.
- A zone-less ``changedSince`` or query time is read in the company's zone (Pacific), as QuickBooks does.
- Query results leave inactive list objects out unless the query mentions ``Active``.
- Transactions share one Id sequence; each list has its own. Ids are never reused.
- A 429 carries no Retry-After unless ``retry_after_header=True``; the fault switch's 5xx alternates
  500 and 503, both with a SystemFault (code 10000) body.
- python-quickbooks sends through requests-oauthlib, which refuses plain http: set
  ``OAUTHLIB_INSECURE_TRANSPORT=1`` when pointing its own session at this loopback server.
"""

from __future__ import annotations

import base64
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from app.auth.redirects import QboEnvironment, qbo_loopback, qbo_redirect_problem
from app.sandbox.faults import ASGIApp, FaultMiddleware, FaultSwitches, Receive, Scope, Send
from app.sandbox.qbo.books import ENTITY_BY_LOWER, Books
from app.sandbox.qbo.company import account_id, seed_company
from app.sandbox.qbo.company import seed_customers as _seed_customers
from app.sandbox.qbo.normalize import truthy
from app.sandbox.qbo.oauth import OAuthRefusal, TokenBook
from app.sandbox.qbo.wire import (
    QboFault,
    auth_fault_body,
    dumps,
    loads,
    required,
    response_time,
    system_fault_body,
    throttle_xml,
    unsupported,
)
from app.sandbox.ratelimit import RateLimiter

log = logging.getLogger("ledgerbridge.sandbox.qbo")

DEFAULT_CLIENT_ID = "ABsandboxLedgerbridgeClientId0000000000000000000"
DEFAULT_CLIENT_SECRET = "sandboxLedgerbridgeClientSecret000000000"
MAX_BATCH_ITEMS = 30
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36
MIN_MINOR_VERSION = 75
_COMPANY_PREFIX = "/v3/company/"


class QboState:
    """One emulated QuickBooks company (realm), its OAuth app, its limits and its requestid memory."""

    def __init__(
        self,
        *,
        realm_id: str = "9130350000000001",
        limits_per_minute: int | None = 500,
        batch_per_minute: int | None = 40,
        max_concurrent: int | None = 10,
        window_seconds: float = 60.0,
        per_second: int | None = 10,
        oauth_mode: str = "development",
        redirect_uris: Iterable[str] = (qbo_loopback(),),
        token_ttl: float = 3600,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        retry_after_header: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.realm_id = realm_id
        # Which keys this emulated Intuit app stands for: "development" (sandbox companies; http://localhost
        # redirects allowed) or "production" (https only, no IP address); redirects must be registered.
        self.oauth_mode = QboEnvironment.SANDBOX if oauth_mode in ("development", "sandbox") \
            else QboEnvironment.PRODUCTION
        self.redirect_uris = set(redirect_uris)
        self.client_id = client_id
        self.client_secret = client_secret
        self.books = Books(realm_id, clock=clock) if clock else Books(realm_id)
        seed_company(self.books)
        self.tokens = TokenBook(client_id, client_secret, token_ttl=token_ttl)
        self.max_concurrent = max_concurrent
        self.window_seconds = window_seconds
        self.limiter = RateLimiter(limits_per_minute, window_seconds) if limits_per_minute else None
        self.batch_limiter = RateLimiter(batch_per_minute, window_seconds) if batch_per_minute else None
        # Ten requests a second per realm and app (this emulator serves one app); the second scales with the
        # minute, as the client's limiter does.
        self.second_limiter = RateLimiter(per_second, window_seconds / 60.0) if per_second else None
        # QuickBooks' Retry-After header is not documented; off by default so clients cannot lean on it.
        self.retry_after_header = retry_after_header
        self.in_flight = 0
        self.peak_in_flight = 0
        self.throttled: dict[str, int] = {"minute": 0, "second": 0, "batch": 0, "concurrent": 0}
        self._flight_lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[int, bytes]] = {}
        self._error_toggle = itertools.count()

    # --- the contract's helpers ---------------------------------------------------------------------

    def seed_customers(self, customers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Customers the firm keyed in before Ledgerbridge (QuickBooks Customer bodies, parents first)."""
        return _seed_customers(self.books, customers)

    def register_redirect_uri(self, uri: str) -> None:
        """What a developer does under Keys & OAuth → Redirect URIs in Intuit's developer portal."""
        self.redirect_uris.add(uri)

    def redirect_refusal(self, uri: str) -> str | None:
        """Why Intuit would not redirect to ``uri`` (None: it would)."""
        problem = qbo_redirect_problem(uri, self.oauth_mode)
        if problem:
            return problem
        if uri not in self.redirect_uris:
            return "The redirect_uri query parameter value is invalid: it is not registered for this app."
        return None

    def issue_tokens(self) -> dict[str, Any]:
        """A token answer as the token endpoint gives it, without the browser step (for tests and demo)."""
        return self.tokens.issue(self.realm_id)

    def expire_tokens(self) -> None:
        """Every access token expires now; the next API call answers 401 and the client must refresh."""
        self.tokens.expire_all()

    def account_balance(self, account_id: str) -> Decimal:
        return self.books.account_balance(account_id)

    def customer_account_balance(self, customer_id: str, account_id: str) -> Decimal:
        """One customer's (sub-customer's) balance on one account, e.g. a client's trust liability."""
        return self.books.entity_account_balance(customer_id, account_id)

    def account_id(self, name: str) -> str:
        return account_id(self.books, name)

    def reset_limits(self) -> None:
        for limiter in (self.limiter, self.second_limiter, self.batch_limiter):
            if limiter is not None:
                limiter.reset()

    # --- requestid memory ---------------------------------------------------------------------------

    def remembered(self, request_id: str) -> tuple[int, bytes] | None:
        return self._answers.get((self.realm_id, request_id))

    def remember(self, request_id: str, status: int, body: bytes) -> None:
        self._answers[(self.realm_id, request_id)] = (status, body)

    def forget_request_ids(self) -> int:
        """QuickBooks keeps a requestid's answer only for a while: forget them all, as it eventually does
        (tests use it to check that a restart finds its lost writes by looking them up, not by replay)."""
        forgotten = len(self._answers)
        self._answers.clear()
        return forgotten


# --- HTTP helpers --------------------------------------------------------------------------------------


def _now_stamp(state: QboState) -> str:
    return response_time(state.books.clock())


def _entity_answer(state: QboState, entity: str, entity_json: str) -> bytes:
    return f'{{"{entity}":{entity_json},"time":"{_now_stamp(state)}"}}'.encode()


def _fault_answer(state: QboState, fault: QboFault) -> tuple[int, bytes]:
    return fault.status, f'{{"Fault":{dumps(fault.body())},"time":"{_now_stamp(state)}"}}'.encode()


def _json(status: int, body: bytes) -> Response:
    return Response(body, status_code=status, media_type="application/json")


def _basic_client(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        raise OAuthRefusal("invalid_client", 401)
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise OAuthRefusal("invalid_client", 401) from None
    return client_id, secret


def _oauth_error(exc: OAuthRefusal) -> JSONResponse:
    body = {"error": exc.error}
    if exc.description:
        body["error_description"] = exc.description
    return JSONResponse(body, status_code=exc.status)


# --- OAuth routes --------------------------------------------------------------------------------------


def _oauth_routes(state: QboState) -> list[Route]:
    async def discovery(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        return JSONResponse({
            "issuer": base,
            "authorization_endpoint": f"{base}/connect/oauth2",
            "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
            "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
            "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
            "jwks_uri": f"{base}/oauth2/v1/keys",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone",
                                 "com.intuit.quickbooks.accounting"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        })

    async def authorize(request: Request) -> Response:
        params = request.query_params
        if params.get("client_id") != state.client_id:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if params.get("response_type") != "code" or not params.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        redirect_uri = params["redirect_uri"]
        refusal = state.redirect_refusal(redirect_uri)
        if refusal:  # Intuit shows an error page and sends the browser nowhere
            return JSONResponse({"error": "invalid_request", "error_description": refusal}, status_code=400)
        code = state.tokens.new_code(state.realm_id, redirect_uri)
        answer = {"code": code, "state": params.get("state", ""), "realmId": state.realm_id}
        sep = "&" if "?" in redirect_uri else "?"
        return RedirectResponse(f"{redirect_uri}{sep}{urlencode(answer)}", status_code=302)

    async def token(request: Request) -> JSONResponse:
        try:
            state.tokens.check_client(*_basic_client(request))
            # Form-encoded, parsed here rather than through python-multipart (not a dependency).
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
            grant = form.get("grant_type")
            if grant == "authorization_code":
                answer = state.tokens.exchange_code(str(form.get("code", "")), form.get("redirect_uri"))
            elif grant == "refresh_token":
                answer = state.tokens.refresh(str(form.get("refresh_token", "")))
            else:
                raise OAuthRefusal("unsupported_grant_type")
        except OAuthRefusal as exc:
            return _oauth_error(exc)
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    async def revoke(request: Request) -> Response:
        try:
            state.tokens.check_client(*_basic_client(request))
            body = loads(await request.body() or b"{}")
            token_value = body.get("token") if isinstance(body, dict) else None
            if not token_value:
                raise OAuthRefusal("invalid_request")
        except OAuthRefusal as exc:
            return _oauth_error(exc)
        except ValueError:
            return _oauth_error(OAuthRefusal("invalid_request"))
        state.tokens.revoke(str(token_value))
        return Response(status_code=200)

    async def userinfo(request: Request) -> Response:
        realm, why = state.tokens.realm_of(_bearer(request))
        if realm is None:
            return JSONResponse({"error": "invalid_token", "error_description": why}, status_code=401)
        return JSONResponse({"sub": "sandbox-user-0001", "email": "bookkeeper@example.com",
                             "emailVerified": True, "givenName": "Sandbox", "familyName": "Bookkeeper"})

    async def keys(request: Request) -> JSONResponse:
        return JSONResponse({"keys": []})

    return [
        Route("/.well-known/openid_configuration", discovery),
        Route("/.well-known/openid_configuration/", discovery),
        Route("/connect/oauth2", authorize),
        Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
        Route("/v2/oauth2/tokens/revoke", revoke, methods=["POST"]),
        Route("/v1/openid_connect/userinfo", userinfo),
        Route("/oauth2/v1/keys", keys),
    ]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


# --- the accounting API --------------------------------------------------------------------------------


def _preferences(state: QboState) -> dict[str, Any]:
    return {
        "Id": "1", "SyncToken": "0", "domain": "QBO", "sparse": False,
        "AccountingInfoPrefs": {"TrackDepartments": False, "ClassTrackingPerTxn": False,
                                "CustomerTerminology": "Clients",
                                "BookCloseDate": (state.books.book_close_date.isoformat()
                                                  if state.books.book_close_date else None)},
        "SalesFormsPrefs": {"CustomTxnNumbers": state.books.custom_txn_numbers, "AllowDiscount": True,
                            "AllowDeposit": False, "AllowShipping": False, "DefaultTerms": {"value": "3"},
                            "ETransactionEnabledStatus": "NotApplicable"},
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
        "TaxPrefs": {"UsingSalesTax": False},
        "OtherPrefs": {"NameValue": [{"Name": "SalesFormsPrefs.DefaultCustomerMessage", "Value": ""}]},
        "MetaData": {"CreateTime": "2024-01-02T09:00:00-08:00", "LastUpdatedTime": "2024-01-02T09:00:00-08:00"},
    }


def _update_preferences(state: QboState, body: Any) -> None:
    """Only the preference the emulator acts on can change: SalesFormsPrefs.CustomTxnNumbers."""
    prefs = body.get("SalesFormsPrefs") if isinstance(body, dict) else None
    if isinstance(prefs, dict) and "CustomTxnNumbers" in prefs:
        with state.books.lock:
            state.books.custom_txn_numbers = truthy(prefs["CustomTxnNumbers"])


def _company_info(state: QboState) -> dict[str, Any]:
    return {
        "Id": "1", "SyncToken": "0", "domain": "QBO", "sparse": False,
        "CompanyName": state.books.company_name, "LegalName": state.books.company_name, "Country": "US",
        "CompanyAddr": {"Line1": "100 Main Street", "City": "Springfield", "CountrySubDivisionCode": "CA",
                        "PostalCode": "94000"},
        "FiscalYearStartMonth": "January", "SupportedLanguages": "en",
        "MetaData": {"CreateTime": "2024-01-02T09:00:00-08:00"},
    }


def _entity_name(segment: str) -> str:
    entity = ENTITY_BY_LOWER.get(segment.lower())
    if entity is None:
        raise unsupported(f"on /{segment}")
    return entity


def _write(state: QboState, entity: str, params: dict[str, str], body: Any) -> str:
    """One create, update, delete or void; returns the answer's entity JSON."""
    if not isinstance(body, dict):
        raise QboFault("2010", "Request has invalid or unsupported property", "The body must be a JSON object")
    books = state.books
    operation = (params.get("operation") or "").lower()
    if operation == "delete":
        return dumps(books.delete(entity, body))
    if operation == "void":
        return books.to_json(entity, books.void(entity, body))
    if params.get("include", "").lower() == "void":
        return books.to_json(entity, books.update(entity, body, void=True))
    if operation not in ("", "create", "update"):
        raise unsupported(f"{operation!r}")
    if body.get("Id") not in (None, ""):
        return books.to_json(entity, books.update(entity, body))
    return books.to_json(entity, books.create(entity, body))


def _batch(state: QboState, body: Any) -> str:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise required("BatchItemRequest")
    if len(items) > MAX_BATCH_ITEMS:
        raise QboFault("6000", "A business validation error has occurred while processing your request",
                       f"Business Validation Error: a batch holds at most {MAX_BATCH_ITEMS} items "
                       f"({len(items)} sent).", element="BatchItemRequest")
    books = state.books
    out: list[str] = []
    seen: set[str] = set()
    with books.lock:
        books.hidden = set()  # items are independent: none sees another's creation
        try:
            for item in items:
                bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
                prefix = '{"bId":' + dumps(bid) + ","
                try:
                    if not bid:
                        raise required("bId")
                    if bid in seen:
                        raise QboFault("6000", "A business validation error has occurred while processing "
                                       "your request", f"Business Validation Error: duplicate bId {bid!r}",
                                       element="bId")
                    seen.add(bid)
                    out.append(prefix + _batch_item(state, item) + "}")
                except QboFault as fault:
                    out.append(prefix + '"Fault":' + dumps(fault.body()) + "}")
        finally:
            books.hidden = None
    return '{"BatchItemResponse":[' + ",".join(out) + f'],"time":"{_now_stamp(state)}"}}'


def _batch_item(state: QboState, item: dict[str, Any]) -> str:
    books = state.books
    if "Query" in item:
        return '"QueryResponse":' + books.query_json(str(item["Query"]))
    names = [k for k in item if k.lower() in ENTITY_BY_LOWER]
    if len(names) != 1:
        raise QboFault("2010", "Request has invalid or unsupported property",
                       "Each batch item needs exactly one entity or a Query")
    entity = ENTITY_BY_LOWER[names[0].lower()]
    body = item[names[0]]
    operation = str(item.get("operation", "create")).lower()
    void = str(item.get("optionsData", "")).lower() == "void"
    if operation == "create":
        obj = books.create(entity, body)
        assert books.hidden is not None
        books.hidden.add((entity, obj["Id"]))
        text = books.to_json(entity, obj)
    elif operation == "update":
        params = {"operation": "void"} if void and entity == "Invoice" else (
            {"include": "void"} if void else {"operation": "update"})
        text = _write(state, entity, params, body)
    elif operation == "delete":
        text = _write(state, entity, {"operation": "delete"}, body)
    else:
        raise unsupported(f"{operation!r} in a batch")
    return f'"{entity}":{text}'


class _Api:
    """Dispatches ``/v3/company/{realm}/...``; every answer is (status, JSON bytes)."""

    def __init__(self, state: QboState) -> None:
        self.state = state

    async def handle(self, request: Request) -> Response:
        state = self.state
        realm, why = state.tokens.realm_of(_bearer(request))
        if realm is None:
            return Response(dumps(auth_fault_body(why)), status_code=401, media_type="application/json",
                            headers={"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'})
        if realm != request.path_params["realm"]:
            fault = QboFault("3100", "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                             "The token does not open this company.", fault_type="AuthorizationFault",
                             status=403)
            return _json(*_fault_answer(state, fault))
        params = dict(request.query_params)
        _minor_version(params)
        parts = [p for p in request.path_params["rest"].split("/") if p]
        raw = await request.body()
        try:
            return _json(*self._dispatch(request.method, parts, params, raw, request.headers))
        except QboFault as fault:
            return _json(*_fault_answer(state, fault))
        except Exception:  # a bug in the emulator must look like QuickBooks' own failure, and be logged
            log.exception("QuickBooks sandbox failed on %s %s", request.method, request.url.path)
            return _json(500, dumps(system_fault_body()).encode())

    def _dispatch(self, method: str, parts: list[str], params: dict[str, str], raw: bytes,
                  headers: Any) -> tuple[int, bytes]:
        state = self.state
        books = state.books
        if not parts:
            raise unsupported("on the company root")
        head = parts[0].lower()
        if head == "query":
            text = params.get("query") if method == "GET" else raw.decode("utf-8")
            if not text:
                raise required("query")
            return 200, f'{{"QueryResponse":{books.query_json(text)},"time":"{_now_stamp(state)}"}}'.encode()
        if head == "cdc" and method == "GET":
            if not params.get("entities"):
                raise required("entities")
            if not params.get("changedSince"):
                raise required("changedSince")
            text = books.cdc_json(params["entities"].split(","), params["changedSince"])
            return 200, f'{{"CDCResponse":{text},"time":"{_now_stamp(state)}"}}'.encode()
        if head == "preferences":
            if method == "POST":
                _update_preferences(state, _body(raw))
            return 200, _entity_answer(state, "Preferences", dumps(_preferences(state)))
        if head == "companyinfo" and method == "GET":
            return 200, _entity_answer(state, "CompanyInfo", dumps(_company_info(state)))
        if head == "batch" and method == "POST":
            return self._remembering(params, MAX_BATCH_REQUEST_ID,
                                     lambda: (200, _batch(state, _body(raw)).encode()))
        entity = _entity_name(parts[0])
        if method == "GET" and len(parts) == 2:
            return 200, _entity_answer(state, entity, books.read_json(entity, parts[1]))
        if method == "POST" and len(parts) == 1:
            return self._remembering(params, MAX_REQUEST_ID,
                                     lambda: (200, _entity_answer(state, entity,
                                                                  _write(state, entity, params, _body(raw)))))
        raise unsupported(f"{method} on /{'/'.join(parts)}")

    def _remembering(self, params: dict[str, str], limit: int,
                     run: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
        """A repeated requestid answers the first answer and changes nothing (even a fault is replayed)."""
        state = self.state
        request_id = params.get("requestid")
        if not request_id:
            return run()
        if len(request_id) > limit:
            raise QboFault("2010", "Request has invalid or unsupported property",
                           f"requestid can be at most {limit} characters", element="requestid")
        with state.books.lock:
            known = state.remembered(request_id)
            if known is not None:
                return known
            try:
                answer = run()
            except QboFault as fault:
                answer = _fault_answer(state, fault)
            state.remember(request_id, *answer)
            return answer


def _body(raw: bytes) -> Any:
    if not raw.strip():
        raise required("request body")
    try:
        return loads(raw)
    except ValueError:
        raise QboFault("2010", "Request has invalid or unsupported property",
                       "The request body is not valid JSON") from None


def _minor_version(params: dict[str, str]) -> int:
    """minorversion below 75 is ignored (treated as 75), as QuickBooks does since 2025."""
    try:
        return max(MIN_MINOR_VERSION, int(params.get("minorversion", MIN_MINOR_VERSION)))
    except ValueError:
        return MIN_MINOR_VERSION


# --- limits and fault responders -----------------------------------------------------------------------


async def _send(send: Send, status: int, body: bytes, content_type: bytes,
                extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())] + (extra or [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Limits:
    """Intuit's per-realm limits, in front of everything else under /v3/company/."""

    def __init__(self, app: ASGIApp, state: QboState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        if scope["type"] != "http" or not scope["path"].startswith(_COMPANY_PREFIX):
            await self.app(scope, receive, send)
            return
        with state._flight_lock:
            if state.max_concurrent is not None and state.in_flight >= state.max_concurrent:
                state.throttled["concurrent"] += 1
                refused: str | None = "concurrent"
            else:
                refused = None
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        if refused:
            await self._throttle(send, 1.0)
            return
        try:
            for kind, limiter in (("minute", state.limiter), ("second", state.second_limiter),
                                  ("batch", state.batch_limiter if scope["path"].endswith("/batch") else None)):
                if limiter is None:
                    continue
                ok, _, _, retry_after = limiter.try_acquire()
                if not ok:
                    with state._flight_lock:
                        state.throttled[kind] += 1
                    await self._throttle(send, retry_after)
                    return
            await self.app(scope, receive, send)
        finally:
            with state._flight_lock:
                state.in_flight -= 1

    async def _throttle(self, send: Send, retry_after: float) -> None:
        extra = [(b"retry-after", str(max(1, round(retry_after))).encode())] if self.state.retry_after_header \
            else []
        await _send(send, 429, throttle_xml(self.state.books.clock()), b"application/xml", extra)


def create_qbo_app(state: QboState, switches: FaultSwitches) -> ASGIApp:
    """The whole emulator as an ASGI app: limits, then fault switches, then the routes."""
    api = _Api(state)
    routes = _oauth_routes(state) + [
        Route("/v3/company/{realm}/{rest:path}", api.handle, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes)

    async def throttle(send: Send) -> None:
        await _send(send, 429, throttle_xml(state.books.clock()), b"application/xml")

    async def error(send: Send) -> None:
        # Alternate 500 (resubmit) and 503 (back off) so clients meet both.
        status = 500 if next(state._error_toggle) % 2 == 0 else 503
        await _send(send, status, dumps(system_fault_body()).encode(), b"application/json")

    def control(name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if name == "expire_tokens":
            state.expire_tokens()
            return {"expired": True}
        if name == "tokens":
            return state.issue_tokens()
        if name == "reset_limits":
            state.reset_limits()
            return {"reset": True}
        if name == "balance":
            return {"account": args["account"], "balance": str(state.account_balance(str(args["account"])))}
        if name == "limits":
            with state._flight_lock:
                return {"in_flight": state.in_flight, "peak_in_flight": state.peak_in_flight,
                        "throttled": dict(state.throttled)}
        return None

    faulted = FaultMiddleware(app, switches, throttle=throttle, error=error, control=control)
    return _Limits(faulted, state)


__all__ = ["QboState", "create_qbo_app", "DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET"]
