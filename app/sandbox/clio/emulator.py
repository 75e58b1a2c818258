"""A local emulator of the Clio Manage API v4: OAuth, the list and show endpoints Ledgerbridge reads,
cursor and offset paging, `fields=`, incremental filters, ETags, API versions and per-token rate limits.

The records live in a :class:`~app.sandbox.clio.books.ClioBooks` (usually a generated demo firm's); the
control endpoint (`POST /_sandbox/<name>`, through :class:`~app.sandbox.faults.FaultMiddleware`) and the
helpers on :class:`ClioState` change them over time the way Clio does, so incremental sync can be tested.

Fields and query parameters come only from Clio's published OpenAPI description, as kept in
``app/clio/spec.json`` (``app.clio.spec``): a field or parameter it does not list is a 400 in Clio's error
shape, and a record carries only fields it lists. Paging (cursor only with ``order=id(asc)``, offset pages
capped at 10,000 records) is ``app.sandbox.clio.listing``'s. Where Clio's documentation is silent the
emulator is strict (an unknown page token is a 400), so a client that works here does not lean on leniency
the real service may not have.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from app.auth.redirects import clio_loopback
from app.clio import spec as clio_spec
from app.clio.spec import CURSOR_ORDER, OFFSET_CAP, FieldsError, FieldSpec, check_fields, parse_fields
from app.money import cents
from app.sandbox.clio import listing, wire
from app.sandbox.clio.books import KINDS, BooksError, ClioBooks, LineSpec, Record
from app.sandbox.clio.listing import ClioApiError
from app.sandbox.demo_firm import DemoFirm
from app.sandbox.faults import FaultMiddleware, FaultSwitches, Send
from app.sandbox.ratelimit import KeyedRateLimiter

JSON_TYPE = "application/json; charset=utf-8"
LATEST_VERSION = "4.0.13"
# The minor versions this emulator answers; anything else is 410 Gone, as Clio answers.
SUPPORTED_VERSIONS = frozenset(f"4.0.{n}" for n in range(0, 14))
DEFAULT_TOKEN_TTL = 30 * 24 * 3600  # Clio's access tokens last about 30 days
DEFAULT_CLIENT_ID = "ledgerbridge-demo-clio"
DEFAULT_CLIENT_SECRET = "demo-clio-secret-not-for-production"


def _wall_stamp() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class _Grant:
    __slots__ = ("client_id", "refresh_token", "revoked")

    def __init__(self, client_id: str, refresh_token: str) -> None:
        self.client_id = client_id
        self.refresh_token = refresh_token
        self.revoked = False


class ClioState:
    """The emulated Clio account: records, OAuth grants and tokens, rate limits.

    The state changes the firm's books in place (the runner hands the same firm to the test or demo).
    """

    def __init__(
        self,
        firm: DemoFirm | None,
        *,
        rate_limit: int | None = 50,
        window_seconds: float = 60.0,
        token_ttl: float = DEFAULT_TOKEN_TTL,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        redirect_uris: Iterable[str] = (clio_loopback(),),
    ) -> None:
        self.firm = firm
        # Clio redirects only to the developer app's registered addresses, character for character.
        self.redirect_uris = set(redirect_uris)
        self.books: ClioBooks = firm.books if firm is not None else ClioBooks(_wall_stamp)
        self._last_stamp = max(
            (r["updated_at"] for kind in KINDS for r in self.books.records[kind].values()), default=""
        )
        self.books.stamp = self._stamp
        self.lock = threading.RLock()
        self.token_ttl = token_ttl
        self.client_id = client_id
        self.client_secret = client_secret
        self.limiter = KeyedRateLimiter(rate_limit or 0, window_seconds)
        self._grants: dict[str, _Grant] = {}
        self._access: dict[str, tuple[str, float]] = {}  # token -> (grant id, expires at)
        self._refresh: dict[str, str] = {}  # refresh token -> grant id
        self._codes: dict[str, dict[str, Any]] = {}
        self._cache: OrderedDict[tuple[Any, ...], list[int]] = OrderedDict()
        self.offset_cap = OFFSET_CAP  # records one offset-paged query reaches; tests lower it
        self.request_log: list[str] | None = None  # set to a list to record each API request's path and query
        self._encoded: OrderedDict[tuple[str, str], dict[int, tuple[str, bytes]]] = OrderedDict()

    # --- time -------------------------------------------------------------------------------------

    def _stamp(self) -> str:
        """Now, but never before the last change: `updated_since` must see every later edit."""
        now = _wall_stamp()
        if now <= self._last_stamp:
            last = dt.datetime.fromisoformat(self._last_stamp)
            now = (last + dt.timedelta(seconds=1)).isoformat()
        self._last_stamp = now
        return now

    @staticmethod
    def today() -> dt.date:
        return dt.datetime.now(dt.UTC).date()

    # --- OAuth ------------------------------------------------------------------------------------

    def _new_grant(self, client_id: str) -> dict[str, Any]:
        grant_id = secrets.token_hex(8)
        refresh = secrets.token_urlsafe(32)
        self._grants[grant_id] = _Grant(client_id, refresh)
        self._refresh[refresh] = grant_id
        answer = self._new_access(grant_id)
        answer["refresh_token"] = refresh
        return answer

    def _new_access(self, grant_id: str) -> dict[str, Any]:
        token = secrets.token_urlsafe(32)
        self._access[token] = (grant_id, time.time() + self.token_ttl)
        return {"access_token": token, "token_type": "bearer", "expires_in": int(self.token_ttl)}

    def issue_token(self) -> dict[str, Any]:
        """A token answer as `/oauth/token` gives it, without the browser (for tests and the demo)."""
        with self.lock:
            return self._new_grant(self.client_id)

    def expire_tokens(self) -> int:
        """Every access token expires now (refresh tokens keep working)."""
        with self.lock:
            for token, (grant_id, _) in list(self._access.items()):
                self._access[token] = (grant_id, 0.0)
            return len(self._access)

    def check_token(self, token: str) -> None:
        with self.lock:
            entry = self._access.get(token)
            if entry is None or self._grants[entry[0]].revoked:
                raise ClioApiError(401, "invalid_token", "The access token is invalid or has been revoked.")
            if entry[1] <= time.time():
                raise ClioApiError(401, "invalid_token", "The access token expired.")

    def register_redirect_uri(self, uri: str) -> None:
        """What a developer does in Clio's developer portal: add an allowed redirect address."""
        with self.lock:
            self.redirect_uris.add(uri)

    def authorize(self, params: dict[str, str]) -> str:
        """Auto-approve an authorization request; return the redirect address with the code."""
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id:
            raise ClioApiError(400, "invalid_client", "Unknown client_id.")
        if not redirect_uri:
            raise ClioApiError(400, "invalid_request", "redirect_uri is required.")
        if redirect_uri not in self.redirect_uris:
            raise ClioApiError(400, "invalid_request", "The redirect_uri does not match a redirect URI registered "
                                                       "for this application.")
        answer: dict[str, str] = {}
        if params.get("response_type") != "code":
            answer["error"] = "unsupported_response_type"
        else:
            code = secrets.token_urlsafe(24)
            method = params.get("code_challenge_method") or ("plain" if params.get("code_challenge") else "")
            if method not in ("", "plain", "S256"):
                raise ClioApiError(400, "invalid_request", "code_challenge_method must be S256 or plain.")
            with self.lock:
                self._codes[code] = {
                    "client_id": self.client_id,
                    "redirect_uri": redirect_uri,
                    "challenge": params.get("code_challenge") or "",
                    "method": method,
                    "expires": time.time() + 600,
                }
            answer["code"] = code
        if "state" in params:
            answer["state"] = params["state"]
        joiner = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{joiner}{urlencode(answer)}"

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        client_id = form.get("client_id") or (basic[0] if basic else "")
        client_secret = form.get("client_secret") or (basic[1] if basic else "")
        if client_id != self.client_id or not secrets.compare_digest(client_secret, self.client_secret):
            raise ClioApiError(401, "invalid_client", "Client authentication failed.")
        grant_type = form.get("grant_type")
        with self.lock:
            if grant_type == "authorization_code":
                info = self._codes.pop(form.get("code", ""), None)
                if info is None or info["expires"] < time.time():
                    raise ClioApiError(400, "invalid_grant", "The authorization code is invalid or expired.")
                if form.get("redirect_uri", info["redirect_uri"]) != info["redirect_uri"]:
                    raise ClioApiError(400, "invalid_grant", "redirect_uri does not match the authorization.")
                if info["challenge"]:
                    verifier = form.get("code_verifier", "")
                    if info["method"] == "S256":
                        digest = hashlib.sha256(verifier.encode()).digest()
                        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    else:
                        computed = verifier
                    if not verifier or not secrets.compare_digest(computed, info["challenge"]):
                        raise ClioApiError(400, "invalid_grant", "The PKCE code_verifier does not match.")
                return self._new_grant(client_id)
            if grant_type == "refresh_token":
                grant_id = self._refresh.get(form.get("refresh_token", ""))
                if grant_id is None or self._grants[grant_id].revoked:
                    raise ClioApiError(400, "invalid_grant", "The refresh token is invalid or revoked.")
                # Clio does not rotate refresh tokens and does not send one back on refresh.
                return self._new_access(grant_id)
        raise ClioApiError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")

    def deauthorize(self, token: str) -> None:
        with self.lock:
            grant_id = None
            if token in self._access:
                grant_id = self._access[token][0]
            elif token in self._refresh:
                grant_id = self._refresh[token]
            if grant_id is None:
                raise ClioApiError(401, "invalid_token", "The token is invalid.")
            self._grants[grant_id].revoked = True

    # --- reading ----------------------------------------------------------------------------------

    def allowed_fields(self, kind: str) -> dict[str, frozenset[str] | None]:
        """The fields Clio's description gives the endpoint's record (a nested record's fields, or None)."""
        return clio_spec.load().allowed_fields(kind)

    def encoded(self, kind: str, fields: str) -> dict[int, tuple[str, bytes]]:
        """The JSON of records already served with this `fields=`, by id: (etag, bytes).

        Serving a page is mostly serializing it; a sync reads the same records again and again with the
        same fields, so the bytes are kept (for a few field strings) until the record's etag changes.
        """
        key = (kind, fields)
        table = self._encoded.get(key)
        if table is None:
            table = self._encoded[key] = {}
            while len(self._encoded) > 12:
                self._encoded.popitem(last=False)
        else:
            self._encoded.move_to_end(key)
        return table

    def matching_ids(self, kind: str, filters: listing.Filters, order: str = CURSOR_ORDER) -> list[int]:
        """The ids of `kind` that pass `filters`, in `order`, cached until the books next change."""
        with self.lock:
            key = (kind, filters, order, self.books.generation)
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            records = self.books.records[kind]
            if not filters:
                ids = list(records)
            else:
                tests = [listing.predicate(kind, name, values) for name, values in filters]
                ids = [rid for rid, rec in records.items() if all(test(rec) for test in tests)]
            ids = listing.ordered(ids, records, order)
            self._cache[key] = ids
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
            return ids

    # --- changing data over time (the control endpoint and tests) ----------------------------------

    def _pick_matter(self, matter_id: int | None, *, with_trust: bool = False) -> int:
        books = self.books
        if matter_id is not None:
            books.get("matters", matter_id)
            return matter_id
        for mid, matter in books.records["matters"].items():
            if matter["status"] != "Open":
                continue
            if not with_trust or any(b["balance"] > 0 for b in matter["account_balances"]):
                return mid
        raise BooksError("There is no open matter to use.")

    def _trust_account_for(self, matter_id: int, account_id: int | None) -> int:
        if account_id is not None:
            return account_id
        matter = self.books.get("matters", matter_id)
        for entry in matter["account_balances"]:
            return int(entry["id"])
        return self.books.trust_accounts()[0]

    def new_bill(self, matter_id: int | None = None, *, amount: Decimal | str | None = None,
                 state: str = "awaiting_payment") -> Record:
        """A new bill on a matter, issued today, with a service and an expense line."""
        with self.lock:
            mid = self._pick_matter(matter_id)
            today = self.today()
            if amount is None:
                lines = [LineSpec("Service", "Draft and revise motion", Decimal("2.5"), Decimal("375"), today),
                         LineSpec("Expense", "Court filing fee", Decimal("1"), Decimal("435.00"), today)]
            else:
                lines = [LineSpec("Service", "Professional services", Decimal("1"), cents(amount), today)]
            return self.books.add_bill(mid, today, lines, state=state)

    def record_payment(self, bill_id: int | None = None, amount: Decimal | str | None = None, *,
                       from_trust: bool = False) -> Record:
        """A client payment on a bill (its whole balance unless `amount`); returns the allocation."""
        with self.lock:
            books = self.books
            if bill_id is None:
                open_bills = books.open_bills()
                if not open_bills:
                    raise BooksError("There is no open bill to pay.")
                bill_id = open_bills[0]
            bill = books.get("bills", bill_id)
            value = bill["balance"] if amount is None else cents(amount)
            source = None
            if from_trust:
                source = self._trust_account_for(bill["matters"][0]["id"], None)
            books.pay([(bill_id, value)], self.today(), destination_account_id=books.operating_account(),
                      source_account_id=source, payment_type="Check", reference=f"SANDBOX-{bill_id}")
            return books.records["allocations"][books.bill_allocations[bill_id][-1]]

    def void_payment(self, allocation_id: int | None = None, *, bill_id: int | None = None) -> list[Record]:
        """Void a payment's allocations: the one given, or every valid payment allocation on `bill_id`."""
        with self.lock:
            books = self.books
            if allocation_id is not None:
                ids = [allocation_id]
            elif bill_id is not None:
                ids = [a for a in books.bill_allocations.get(bill_id, [])
                       if books.records["allocations"][a]["voided_at"] is None
                       and books.records["allocations"][a]["parent"]["type"] == "Payment"]
                if not ids:
                    raise BooksError(f"Bill {bill_id} has no payment to void.")
            else:
                raise BooksError("Say which allocation (allocation_id) or bill (bill_id) to void.")
            return [books.void_allocation(a, self.today()) for a in ids]

    def void_bill(self, bill_id: int | None = None) -> Record:
        with self.lock:
            books = self.books
            if bill_id is None:
                candidates = [b for b in books.open_bills() if books.records["bills"][b]["paid"] == 0
                              and books.records["bills"][b]["credits_issued"] == 0]
                if not candidates:
                    raise BooksError("There is no unpaid bill to void.")
                bill_id = candidates[-1]
            return books.void_bill(bill_id)

    def edit_bill(self, bill_id: int | None = None, *, add_amount: Decimal | str = "150.00") -> Record:
        """An edit to an issued bill: one more expense line of `add_amount`."""
        with self.lock:
            books = self.books
            if bill_id is None:
                open_bills = books.open_bills()
                if not open_bills:
                    raise BooksError("There is no open bill to edit.")
                bill_id = open_bills[-1]
            line = LineSpec("Expense", "Courier", Decimal("1"), cents(add_amount), self.today())
            return books.edit_bill(bill_id, add_line=line)

    def trust_deposit(self, matter_id: int | None = None, amount: Decimal | str = "2500.00", *,
                      account_id: int | None = None) -> Record:
        with self.lock:
            mid = self._pick_matter(matter_id)
            account = self._trust_account_for(mid, account_id)
            return self.books.trust_deposit(mid, account, cents(amount), self.today(), reference="SANDBOX-DEP")

    def trust_disbursement(self, matter_id: int | None = None, amount: Decimal | str = "100.00", *,
                           account_id: int | None = None, payee: str = "Superior Court Clerk",
                           refund: bool = False) -> Record:
        with self.lock:
            mid = self._pick_matter(matter_id, with_trust=True)
            account = self._trust_account_for(mid, account_id)
            return self.books.trust_withdrawal(
                mid, account, cents(amount), self.today(), payee=payee,
                transaction_type="Refund" if refund else "Disbursement", check_number="",
            )

    def transfer_to_operating(self, matter_id: int | None = None, amount: Decimal | str = "100.00", *,
                              account_id: int | None = None) -> Record:
        """Earned fees from a matter's trust to operating, no bill named; answers the trust side."""
        with self.lock:
            mid = self._pick_matter(matter_id, with_trust=True)
            account = self._trust_account_for(mid, account_id)
            return self.books.transfer_to_operating(mid, account, cents(amount), self.today())[0]

    _MUTATIONS = ("new_bill", "payment", "void_payment", "void_bill", "edit_bill", "trust_deposit", "disbursement",
                  "refund", "transfer_to_operating")

    def mutate(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        """One change over the control endpoint; answers what was created or changed."""
        ints = {k: int(v) for k, v in args.items() if k.endswith("_id") and v is not None}
        amount = args.get("amount")
        if isinstance(amount, float):
            raise ValueError("amount must be a string or an integer, never a float")
        if action == "new_bill":
            kwargs = {"amount": str(amount)} if amount is not None else {}
            record, kind = self.new_bill(ints.get("matter_id"), **kwargs), "bills"
        elif action == "payment":
            record = self.record_payment(ints.get("bill_id"), None if amount is None else str(amount),
                                         from_trust=bool(args.get("from_trust")))
            kind = "allocations"
        elif action == "void_payment":
            record, kind = self.void_payment(ints.get("allocation_id"), bill_id=ints.get("bill_id"))[-1], "allocations"
        elif action == "void_bill":
            record, kind = self.void_bill(ints.get("bill_id")), "bills"
        elif action == "edit_bill":
            record = self.edit_bill(ints.get("bill_id"), add_amount=str(amount or "150.00"))
            kind = "bills"
        elif action == "trust_deposit":
            record = self.trust_deposit(ints.get("matter_id"), str(amount or "2500.00"),
                                        account_id=ints.get("account_id"))
            kind = "bank_transactions"
        elif action in ("disbursement", "refund"):
            record = self.trust_disbursement(ints.get("matter_id"), str(amount or "100.00"),
                                             account_id=ints.get("account_id"), refund=action == "refund")
            kind = "bank_transactions"
        elif action == "transfer_to_operating":
            record = self.transfer_to_operating(ints.get("matter_id"), str(amount or "100.00"),
                                                account_id=ints.get("account_id"))
            kind = "bank_transactions"
        else:
            raise ValueError(f"unknown mutation {action!r}: one of {', '.join(self._MUTATIONS)}")
        return {"kind": kind, "id": record["id"], "etag": record["etag"], "updated_at": record["updated_at"]}

    def control(self, name: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """The emulator's own controls under `/_sandbox/` (faults are handled by the middleware)."""
        if name == "expire_tokens":
            return {"expired": self.expire_tokens()}
        if name == "issue_token":
            return self.issue_token()
        if name == "mutate":
            args = dict(args)
            try:
                return self.mutate(str(args.pop("action", "")), args)
            except BooksError as exc:
                raise ValueError(str(exc)) from None
        if name == "rate_limit":
            with self.lock:
                self.limiter = KeyedRateLimiter(int(args.get("limit", self.limiter.limit)),
                                                float(args.get("window_seconds", self.limiter.window_seconds)))
            return {"limit": self.limiter.limit, "window_seconds": self.limiter.window_seconds}
        if name == "state":
            with self.lock:
                return {kind: len(self.books.records[kind]) for kind in KINDS}
        return None


# --- HTTP -----------------------------------------------------------------------------------------


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(wire.dumps(body), status_code=status, media_type=JSON_TYPE, headers=headers)


def _error(exc: ClioApiError) -> Response:
    if exc.status == 401 or exc.type in ("invalid_grant", "invalid_client", "invalid_request",
                                         "unsupported_grant_type"):
        # OAuth errors (and token failures on the API) use the OAuth shape, not Clio's error object.
        body: dict[str, Any] = {"error": exc.type, "error_description": exc.message}
    else:
        body = {"error": {"type": exc.type, "message": exc.message}}
    return _json(exc.status, body, exc.headers)


class _Api:
    def __init__(self, state: ClioState) -> None:
        self.state = state

    def _guard(self, request: Request) -> dict[str, str]:
        """Token, rate limit and API version; returns the rate-limit headers for the answer."""
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ClioApiError(401, "invalid_token", "No access token was sent.",
                               {"WWW-Authenticate": 'Bearer realm="Clio"'})
        self.state.check_token(token)
        limiter = self.state.limiter
        allowed, remaining, reset, retry_after = limiter.try_acquire(token)
        headers: dict[str, str] = {}
        if limiter.limit > 0:
            headers = {
                "X-RateLimit-Limit": str(limiter.limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(int(math.ceil(reset))),
            }
        if not allowed:
            headers["Retry-After"] = str(max(1, int(math.ceil(retry_after))))
            raise ClioApiError(429, "RateLimited",
                               f"Rate limit exceeded. Retry in {headers['Retry-After']} seconds.", headers)
        version = request.headers.get("x-api-version")
        if version is not None and version not in SUPPORTED_VERSIONS:
            raise ClioApiError(410, "Gone", f"API version {version} is not supported.", headers)
        headers["X-API-VERSION"] = version or LATEST_VERSION
        return headers

    def _fields(self, kind: str, request: Request) -> FieldSpec:
        try:
            spec = parse_fields(request.query_params.get("fields"))
            check_fields(spec, self.state.allowed_fields(kind), kind)
        except FieldsError as exc:
            raise ClioApiError(400, "BadRequest", str(exc)) from None
        return spec

    def _log(self, request: Request) -> None:
        log = self.state.request_log
        if log is not None:
            log.append(f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path)

    async def list(self, request: Request) -> Response:
        kind = request.path_params["endpoint"]
        headers: dict[str, str] = {}
        self._log(request)
        try:
            if kind not in clio_spec.load().endpoints:
                raise ClioApiError(404, "NotFound", f"There is no /api/v4/{kind}.json.")
            headers = self._guard(request)
            return self._list(kind, request, headers)
        except ClioApiError as exc:
            exc.headers = {**headers, **exc.headers}
            return _error(exc)

    def _list(self, kind: str, request: Request, headers: dict[str, str]) -> Response:
        params = request.query_params
        spec = self._fields(kind, request)
        asked = listing.parse(kind, params.multi_items())
        ids = self.state.matching_ids(kind, asked.filters, asked.order)
        page_ids, token = listing.page(ids, asked, self.state.offset_cap)
        with self.state.lock:
            records = self.state.books.records[kind]
            encoded = self.state.encoded(kind, params.get("fields") or "")
            parts = []
            for rid in page_ids:
                record = records[rid]
                hit = encoded.get(rid)
                if hit is None or hit[0] != record["etag"]:
                    # Every change gives a record a new etag, so (id, etag) names its exact bytes.
                    hit = (record["etag"], wire.dumps(wire.select(record, spec)))
                    encoded[rid] = hit
                parts.append(hit[1])
        meta: dict[str, Any] = {"paging": {}, "records": len(ids)}
        if token is not None:
            query = [(k, v) for k, v in params.multi_items() if k != "page_token"]
            query.append(("page_token", token))
            base = str(request.url.replace(query=""))
            meta["paging"]["next"] = f"{base}?{urlencode(query)}"
        body = b'{"data":[' + b",".join(parts) + b'],"meta":' + wire.dumps(meta) + b"}"
        return Response(body, status_code=200, media_type=JSON_TYPE, headers=headers)

    async def show(self, request: Request) -> Response:
        kind = request.path_params["endpoint"]
        headers: dict[str, str] = {}
        self._log(request)
        try:
            endpoint = clio_spec.load().endpoints.get(kind)
            if endpoint is None or endpoint.show_params is None:
                raise ClioApiError(404, "NotFound", f"There is no /api/v4/{kind}/{{id}}.json.")
            headers = self._guard(request)
            problems = endpoint.param_problems(request.query_params.multi_items(), show=True)
            if problems:
                raise ClioApiError(400, "BadRequest", " ".join(problems))
            if set(request.query_params) - {"fields"}:
                raise ClioApiError(501, "NotImplemented", "The Clio sandbox reads only fields= on a single record.")
            spec = self._fields(kind, request)
            rid = request.path_params["rid"]
            with self.state.lock:
                record = self.state.books.records[kind].get(rid)
                if record is None:
                    raise ClioApiError(404, "NotFound", f"There is no {kind} record with id {rid}.")
                etag = record["etag"]
                body = {"data": wire.select(record, spec)}
            headers["ETag"] = etag
            wanted = request.headers.get("if-none-match")
            if wanted and etag in {tag.strip().removeprefix("W/") for tag in wanted.split(",")} | (
                {etag} if wanted.strip() == "*" else set()
            ):
                return Response(status_code=304, headers=headers)
            return _json(200, body, headers)
        except ClioApiError as exc:
            exc.headers = {**headers, **exc.headers}
            return _error(exc)

    async def authorize(self, request: Request) -> Response:
        try:
            location = self.state.authorize(dict(request.query_params))
        except ClioApiError as exc:
            return _error(exc)
        return RedirectResponse(location, status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        basic = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                basic = (user, password)
            except ValueError:
                basic = None
        try:
            answer = self.state.token({k: str(v) for k, v in form.items()}, basic)
        except ClioApiError as exc:
            return _error(exc)
        return _json(200, answer, {"Cache-Control": "no-store"})

    async def deauthorize(self, request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token") or "")
        auth = request.headers.get("authorization", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        try:
            self.state.deauthorize(token)
        except ClioApiError as exc:
            return _error(exc)
        return _json(200, {})

    async def not_found(self, request: Request) -> Response:
        return _error(ClioApiError(404, "NotFound", f"There is no {request.url.path}."))


async def _throttled(send: Send) -> None:
    """The 429 a fault switch injects, shaped as Clio's own."""
    retry = 2
    reset = str(int(time.time()) + retry)
    body = wire.dumps({"error": {"type": "RateLimited", "message": f"Rate limit exceeded. Retry in {retry} seconds."}})
    headers = [
        (b"content-type", JSON_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry).encode()),
        (b"x-ratelimit-limit", b"50"),
        (b"x-ratelimit-remaining", b"0"),
        (b"x-ratelimit-reset", reset.encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_SERVER_ERRORS = (
    (500, "InternalServerError", "Something went wrong on our end. Please retry."),
    (503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry."),
)


def _server_error_responder() -> Callable[[Send], Awaitable[None]]:
    """Alternate 500 and 503 in Clio's error shape, so clients meet both."""
    turns = itertools.count()

    async def respond(send: Send) -> None:
        status, type_, message = _SERVER_ERRORS[next(turns) % 2]
        body = wire.dumps({"error": {"type": type_, "message": message}})
        headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return respond


def create_clio_app(state: ClioState, switches: FaultSwitches | None = None) -> FaultMiddleware:
    """The emulator as an ASGI app, wrapped in the fault switches and the `/_sandbox/` control."""
    api = _Api(state)
    routes = [
        Route("/oauth/authorize", api.authorize, methods=["GET"]),
        Route("/oauth/token", api.token, methods=["POST"]),
        Route("/oauth/deauthorize", api.deauthorize, methods=["POST"]),
        Route("/api/v4/{endpoint}/{rid:int}.json", api.show, methods=["GET"]),
        Route("/api/v4/{endpoint}.json", api.list, methods=["GET"]),
        Route("/{path:path}", api.not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    return FaultMiddleware(app, switches or FaultSwitches(), throttle=_throttled,
                           error=_server_error_responder(), control=state.control)
