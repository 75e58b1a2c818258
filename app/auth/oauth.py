"""OAuth 2.0 connections to Clio and QuickBooks from a desktop app, with the tokens in the keychain.

Connecting: the system browser opens the provider's authorize page; the answer comes back to a one-shot
loopback listener (``app.auth.loopback``), or the person pastes the address the browser was sent to
(``complete_from_redirect_url``, for QuickBooks production, whose redirect must be https). ``state`` is
random and checked (a mismatch stores nothing); Clio also gets PKCE S256. The code is exchanged and the
token set saved with ``TokenStore``; Clio's region (base URL) and QuickBooks' realm id are kept as
non-secret ``extra`` on the token set.

Using: a connection is a token source (``app.tokens.TokenSource``). ``access_token()`` refreshes ahead of expiry; ``refresh(stale)``
is called after a 401. QuickBooks rotates refresh tokens and its previous token stops working once a
newer one is used, so the new set is written to the keychain before the old one is let go, and
refreshes of one connection are serialised by a lock: a caller that waited re-reads the keychain and
uses the token the other caller just obtained instead of spending a refresh token a second time.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
import urllib.parse
import webbrowser
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from app.auth import pkce
from app.auth.intuit_client import TimedAuthClient
from app.auth.loopback import LoopbackListener
from app.auth.redirects import CLIO_REDIRECT_PORT, QBO_DISCOVERY, QBO_REDIRECT_PORT, QboEnvironment
from app.auth.tokens import ClientCredentials, TokenSet, TokenStore
from app.clio.errors import ClioAuthError, ClioError
from app.errors import LedgerbridgeError
from app.money import loads_json
from app.qbo.errors import QboAuthError, QboError
from app.retry import Backoff

REFRESH_MARGIN = 300.0  # refresh this many seconds before the access token expires
log = logging.getLogger("ledgerbridge.auth")

HTTP_TIMEOUT = 30.0  # seconds for one request to a sign-in service (none may wait forever)
TOKEN_TRIES = 6  # attempts at a token call that failed for a reason that may pass (5xx, 429, lost answer)
QBO_SCOPES = [Scopes.ACCOUNTING]  # com.intuit.quickbooks.accounting

CLIO_REGIONS: dict[str, str] = {
    "us": "https://app.clio.com",
    "eu": "https://eu.app.clio.com",
    "ca": "https://ca.app.clio.com",
    "au": "https://au.app.clio.com",
}


def _refusal(body: bytes | str | None) -> str:
    """The provider's reason for refusing a token request, from its OAuth error body, in a few words."""
    try:
        data = loads_json(body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return "no reason given"
    error, description = str(data.get("error") or ""), str(data.get("error_description") or "")
    text = f"{error}: {description}" if error and description else error or description or "no reason given"
    return text[:300]


_BACKOFF = Backoff(base=0.25, cap=5.0, floor=0.1)  # between tries of a token request


class OAuthError(LedgerbridgeError):
    """Connecting did not work; nothing was stored."""


class OAuthStateMismatch(OAuthError):
    """The answer that came back was not for the request we sent (``state`` differs)."""


@dataclass(frozen=True)
class PendingAuthorization:
    """What is kept in memory between opening the browser and reading the answer."""

    url: str
    state: str
    redirect_uri: str
    verifier: str = ""


class _Connection(ABC):
    """Shared machinery: the keychain entry, the refresh lock, and the connect flow."""

    name: ClassVar[str]
    label: ClassVar[str]
    # One lock per (profile, connection) in this process, so two objects for the same connection never
    # refresh at once. Guarded by _locks_guard.
    _locks: ClassVar[dict[tuple[str, str], threading.Lock]] = {}
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()
    default_port: ClassVar[int] = 0  # the fixed loopback port registered with the provider
    redirect_host: ClassVar[str] = "127.0.0.1"
    # What a provider raises when it refuses a refresh for good (revoked, expired): the connection is then
    # marked for reconnecting.
    refused: ClassVar[tuple[type[Exception], ...]] = (ClioAuthError, QboAuthError)

    @property
    def credential_key(self) -> str:
        """Under which name the developer app's credentials are kept for the workstation."""
        return self.name

    def __init__(
        self,
        store: TokenStore,
        *,
        credentials: ClientCredentials | None = None,
        redirect_port: int | None = None,
        redirect_path: str = "/callback",
        redirect_uri: str | None = None,
        open_browser: Callable[[str], Any] = webbrowser.open,
        refresh_margin: float = REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        http_timeout: float = HTTP_TIMEOUT,
    ) -> None:
        self.store = store
        self.http_timeout = http_timeout  # seconds for one request to the sign-in service
        self._credentials = credentials
        # A fixed port by default: providers redirect only to addresses registered exactly (0: any free port).
        self.redirect_port = self.default_port if redirect_port is None else redirect_port
        self.redirect_path = redirect_path
        self.redirect_uri = redirect_uri  # a fixed (https) redirect for the paste path
        self.open_browser = open_browser
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._sleep = sleep
        self._tokens: TokenSet | None = None
        self._pending: PendingAuthorization | None = None
        self.refreshes = 0  # refreshes this object performed at the provider (tests, diagnostics)
        with self._locks_guard:
            self._lock = self._locks.setdefault((store.profile, self.name), threading.Lock())

    # -- credentials and tokens -----------------------------------------------------------------

    def credentials(self) -> ClientCredentials:
        creds = self._credentials or self.store.load_credentials(self.credential_key)
        if creds is None:
            raise OAuthError(
                f"No {self.label} app client id and secret are set",
                kept="Nothing was changed.",
                next_step=f"Enter the {self.label} client id and secret in the setup wizard's developer-app "
                          "page (or Settings), then connect.",
            )
        return creds

    def save_credentials(self, client_id: str, client_secret: str) -> None:
        creds = ClientCredentials(client_id, client_secret)
        self.store.save_credentials(self.credential_key, creds)
        self._credentials = creds

    def tokens(self) -> TokenSet:
        tokens = self._tokens or self.store.load(self.name)
        if tokens is None:
            raise self._auth_error(f"{self.label} is not connected — connect in Settings")
        self._tokens = tokens
        return tokens

    @property
    def connected(self) -> bool:
        return (self._tokens or self.store.load(self.name)) is not None

    def _due(self, tokens: TokenSet) -> bool:
        return tokens.expires_at - self.refresh_margin <= self._clock()

    def access_token(self) -> str:
        tokens = self.tokens()
        if self._due(tokens):
            return self.refresh(tokens.access_token)
        return tokens.access_token

    def refresh(self, stale: str | None = None) -> str:
        with self._lock:
            # Re-read the keychain: another thread (or object) may have refreshed while we waited.
            current = self.store.load(self.name)
            if current is None:
                self._tokens = None
                raise self._auth_error(f"{self.label} is not connected — connect in Settings")
            known = stale if stale is not None else (self._tokens.access_token if self._tokens else None)
            if known is not None and current.access_token != known and not self._due(current):
                self._tokens = current
                return current.access_token
            try:
                fresh = self._refresh_at_provider(current)
            except self.refused:
                # Refused for good (revoked, expired, used up): remembered with the tokens, so the dashboard
                # shows "reconnect" until a new sign-in replaces them; every sync stops with this sentence.
                self.store.save(self.name, dataclasses.replace(current, extra={**current.extra, "reconnect": "1"}))
                raise self._auth_error(f"{self.label} refused to renew the connection — reconnect "
                                       f"{self.label}") from None
            # The new set is in the keychain before the old one is let go (QuickBooks rotation). If the
            # keychain refuses, the error propagates with the old set still stored: Intuit keeps an old
            # refresh token working until a newer one has been used, and this one never was.
            self.store.save(self.name, fresh)
            self._tokens = fresh
            self.refreshes += 1
            return fresh.access_token

    def _token_set(self, answer: dict[str, Any], *, previous: TokenSet | None,
                   extra: dict[str, str]) -> TokenSet:
        now = self._clock()
        access = answer.get("access_token")
        if not access:
            raise self._auth_error(f"{self.label} answered without an access token")
        refresh = answer.get("refresh_token") or (previous.refresh_token if previous else "")
        refresh_in = answer.get("x_refresh_token_expires_in")
        return TokenSet(
            access_token=str(access),
            refresh_token=str(refresh),
            expires_at=now + float(answer.get("expires_in") or 3600),
            token_type=str(answer.get("token_type") or "bearer"),
            refresh_expires_at=now + float(refresh_in) if refresh_in else
            (previous.refresh_expires_at if previous else None),
            extra=dict(extra),
        )

    # -- connect ----------------------------------------------------------------------------------

    def connect(self, *, timeout: float = 300.0) -> TokenSet:
        """The whole browser flow through the loopback listener; returns the stored token set."""
        with LoopbackListener(self.redirect_port, path=self.redirect_path,
                              redirect_host=self.redirect_host) as listener:
            pending = self.start_authorization(listener.redirect_uri)
            self.open_browser(pending.url)
            params = listener.wait(timeout)
        return self.complete(params)

    @property
    def loopback_uri(self) -> str:
        """The loopback redirect address this connection listens on ("" while its port is left to chance)."""
        return f"http://{self.redirect_host}:{self.redirect_port}{self.redirect_path}" if self.redirect_port else ""

    def start_authorization(self, redirect_uri: str | None = None) -> PendingAuthorization:
        """Make the authorize URL (new state, new PKCE verifier) and remember it for ``complete``."""
        uri = redirect_uri or self.redirect_uri or self.loopback_uri
        if not uri:
            raise OAuthError("No redirect address is set for this connection",
                             next_step="Set the redirect address in Settings.")
        state = secrets.token_urlsafe(32)
        self._pending = self._authorize(uri, state)
        return self._pending

    def complete_from_redirect_url(self, url: str) -> TokenSet:
        """The paste path: the full address the browser ended on after approving."""
        query = urllib.parse.urlsplit(url.strip()).query
        return self.complete(dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))

    def complete(self, params: dict[str, str]) -> TokenSet:
        pending, self._pending = self._pending, None  # a pending request is answered once
        if pending is None:
            raise OAuthError(f"No {self.label} connection was started", kept="Nothing was stored.",
                             next_step=f"Click Connect {self.label} again.")
        if params.get("error"):
            raise OAuthError(
                f"{self.label} did not grant access ({params.get('error_description') or params['error']})",
                kept="Nothing was stored.", next_step=f"Click Connect {self.label} to try again.")
        # Compared as bytes: compare_digest refuses str with characters outside ASCII (a forged answer).
        if not secrets.compare_digest(params.get("state", "").encode("utf-8"), pending.state.encode("utf-8")):
            raise OAuthStateMismatch(
                f"The answer from {self.label} does not belong to the connection Ledgerbridge started "
                "(the state check failed), so it was refused",
                kept="Nothing was stored; any earlier connection is unchanged.",
                next_step=f"Click Connect {self.label} again, and use only the browser tab it opens.",
            )
        code = params.get("code")
        if not code:
            raise OAuthError(f"{self.label} sent no authorization code", kept="Nothing was stored.",
                             next_step=f"Click Connect {self.label} to try again.")
        # Reconnecting revokes the grant being replaced, so no old copy of it keeps access: after the new one
        # is saved, or before the exchange when revoking it would end the new one too (QuickBooks: one
        # connection per app and company).
        replaced = self.store.load(self.name)
        first = replaced is not None and self._revoking_ends_the_new_grant(replaced, params)
        if first:
            self._revoke_quietly(replaced)
        tokens = self._exchange(code, pending, params)
        self.store.save(self.name, tokens)
        self._tokens = tokens
        if replaced is not None and not first and replaced.refresh_token != tokens.refresh_token:
            self._revoke_quietly(replaced)
        return tokens

    def _revoking_ends_the_new_grant(self, replaced: TokenSet, params: dict[str, str]) -> bool:
        return False

    def _revoke_quietly(self, replaced: TokenSet | None) -> None:
        if replaced is None:
            return
        try:
            self._revoke(replaced)
        except (httpx.HTTPError, requests.RequestException, AuthClientError, OSError, LedgerbridgeError):
            log.warning("%s: the grant replaced by this connection could not be revoked", self.label)

    # -- disconnect -------------------------------------------------------------------------------

    def disconnect(self) -> bool:
        """Revoke at the provider, then delete from the keychain. True if the provider confirmed."""
        with self._lock:
            tokens = self.store.load(self.name)
            revoked = False
            if tokens is not None:
                try:
                    revoked = self._revoke(tokens)
                except (httpx.HTTPError, requests.RequestException, AuthClientError, OSError, LedgerbridgeError):
                    revoked = False  # offline or refused: still forget it locally, the person asked to disconnect
            self.store.delete(self.name)
            self._tokens = None
            return revoked

    # -- per provider -----------------------------------------------------------------------------

    @abstractmethod
    def _auth_error(self, what: str) -> LedgerbridgeError:
        ...

    @abstractmethod
    def _authorize(self, redirect_uri: str, state: str) -> PendingAuthorization:
        ...

    @abstractmethod
    def _exchange(self, code: str, pending: PendingAuthorization, params: dict[str, str]) -> TokenSet:
        ...

    @abstractmethod
    def _refresh_at_provider(self, current: TokenSet) -> TokenSet:
        ...

    @abstractmethod
    def _revoke(self, tokens: TokenSet) -> bool:
        ...


class ClioConnection(_Connection):
    """Clio Manage: ``ClioConnection(store, base_url=CLIO_REGIONS["eu"])``; the region is the base URL."""

    name = "clio"
    label = "Clio"
    default_port = CLIO_REDIRECT_PORT

    def __init__(self, store: TokenStore, *, base_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self._base_url = base_url.rstrip("/").removesuffix("/api/v4") if base_url else None

    @property
    def base_url(self) -> str:
        """The region chosen at connect time (kept with the tokens), else the one given."""
        tokens = self._tokens or self.store.load(self.name)
        if tokens is not None and tokens.extra.get("base_url"):
            return tokens.extra["base_url"]
        if self._base_url:
            return self._base_url
        return CLIO_REGIONS["us"]

    def _connect_base(self) -> str:
        return self._base_url or self.base_url

    def _auth_error(self, what: str) -> LedgerbridgeError:
        return ClioAuthError(what, kept="Nothing was changed in Clio or QuickBooks.",
                             next_step="Open Settings and connect Clio again.")

    def _post_token(self, form: dict[str, str], base: str) -> dict[str, Any]:
        creds = self.credentials()
        form = {**form, "client_id": creds.client_id, "client_secret": creds.client_secret}
        # A refresh may be repeated (Clio does not rotate); a code works once, so only a refusal that
        # certainly did not use it (429, 5xx) is retried for the exchange.
        repeatable = form.get("grant_type") == "refresh_token"
        response: httpx.Response | None = None
        for attempt in range(TOKEN_TRIES):
            try:
                response = httpx.post(f"{base}/oauth/token", data=form, timeout=self.http_timeout,
                                      headers={"Accept": "application/json"})
            except httpx.HTTPError as exc:
                if repeatable and attempt + 1 < TOKEN_TRIES:
                    self._sleep(_BACKOFF.delay(attempt))
                    continue
                raise ClioError(f"Clio could not be reached to renew the connection ({type(exc).__name__})",
                                kept="The connection is kept as it was.",
                                next_step="Check the internet connection and try again.") from None
            if (response.status_code == 429 or response.status_code >= 500) and attempt + 1 < TOKEN_TRIES:
                self._sleep(_BACKOFF.delay(attempt))
                continue
            break
        assert response is not None
        if response.status_code in (400, 401, 403) and not repeatable:
            raise ClioAuthError(f"Clio refused the sign-in ({_refusal(response.content)})",
                                kept="Nothing was stored; any earlier connection is unchanged.",
                                next_step="Check the app's client id and secret and its redirect address in "
                                          "Clio's developer portal, then connect again.",
                                status=response.status_code)
        if response.status_code in (400, 401, 403):
            raise ClioAuthError("Clio connection expired — reconnect in Settings",
                                kept="Nothing was changed in Clio or QuickBooks.",
                                next_step="Open Settings and connect Clio again.", status=response.status_code)
        if response.status_code != 200:
            raise ClioError(f"Clio answered {response.status_code} when renewing the connection",
                            kept="The connection is kept as it was.", next_step="Try again in a few minutes.",
                            status=response.status_code)
        try:
            return loads_json(response.content)
        except ValueError:
            raise ClioError("Clio sent a token answer that cannot be read",
                            kept="The connection is kept as it was.", next_step="Try again.") from None

    def _authorize(self, redirect_uri: str, state: str) -> PendingAuthorization:
        creds = self.credentials()
        verifier = pkce.make_verifier()
        query = urllib.parse.urlencode({
            "response_type": "code",
            "client_id": creds.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": pkce.challenge_s256(verifier),
            "code_challenge_method": "S256",
        })
        return PendingAuthorization(f"{self._connect_base()}/oauth/authorize?{query}", state, redirect_uri,
                                    verifier)

    def _exchange(self, code: str, pending: PendingAuthorization, params: dict[str, str]) -> TokenSet:
        base = self._connect_base()
        answer = self._post_token({"grant_type": "authorization_code", "code": code,
                                   "redirect_uri": pending.redirect_uri, "code_verifier": pending.verifier},
                                  base)
        region = next((k for k, v in CLIO_REGIONS.items() if v == base), "custom")
        return self._token_set(answer, previous=None, extra={"base_url": base, "region": region})

    def _refresh_at_provider(self, current: TokenSet) -> TokenSet:
        base = current.extra.get("base_url") or self._connect_base()
        answer = self._post_token({"grant_type": "refresh_token", "refresh_token": current.refresh_token}, base)
        # Clio does not rotate: keep the refresh token we have when none comes back.
        return self._token_set(answer, previous=current, extra=current.extra)

    def _revoke(self, tokens: TokenSet) -> bool:
        base = tokens.extra.get("base_url") or self._connect_base()
        response = httpx.post(f"{base}/oauth/deauthorize", data={"token": tokens.access_token},
                              headers={"Authorization": f"Bearer {tokens.access_token}"},
                              timeout=self.http_timeout)
        return response.status_code in (200, 204)


class QboConnection(_Connection):
    """QuickBooks Online, through intuit-oauth's AuthClient pointed at a discovery document.

    ``discovery_url`` is Intuit's (production or sandbox) or the emulator's
    ``{qbo_url}/.well-known/openid_configuration``.
    """

    name = "qbo"
    label = "QuickBooks"
    default_port = QBO_REDIRECT_PORT
    redirect_host = "localhost"  # Intuit allows http://localhost (development keys), never an IP address
    PRODUCTION_DISCOVERY = QBO_DISCOVERY[QboEnvironment.PRODUCTION]

    def __init__(self, store: TokenStore, *, discovery_url: str = PRODUCTION_DISCOVERY,
                 environment: QboEnvironment | str = QboEnvironment.PRODUCTION, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.discovery_url = discovery_url
        # Intuit gives an app two pairs of keys: development (sandbox companies) and production.
        self.environment = QboEnvironment(environment)
        self._client: AuthClient | None = None

    @property
    def credential_key(self) -> str:
        return "qbo" if self.environment == QboEnvironment.PRODUCTION else "qbo-sandbox"

    def _revoking_ends_the_new_grant(self, replaced: TokenSet, params: dict[str, str]) -> bool:
        # Intuit's revoke disconnects the app from the company: for the same company it must come first.
        return bool(replaced.extra.get("realm_id")) and replaced.extra.get("realm_id") == params.get("realmId")

    @property
    def realm_id(self) -> str:
        return self.tokens().extra.get("realm_id", "")

    def _auth_error(self, what: str) -> LedgerbridgeError:
        return QboAuthError(what, kept="Nothing was changed in QuickBooks.",
                            next_step="Open Settings and connect QuickBooks again.")

    def _auth_client(self, redirect_uri: str = "") -> AuthClient:
        """One AuthClient per connection (building one fetches the discovery document)."""
        if self._client is None:
            creds = self.credentials()
            try:
                self._client = TimedAuthClient(creds.client_id, creds.client_secret, redirect_uri,
                                               self.discovery_url, timeout=self.http_timeout)
            except (requests.RequestException, AuthClientError, ValueError) as exc:
                raise QboError(f"QuickBooks' sign-in service could not be reached ({type(exc).__name__})",
                               kept="The connection is kept as it was.",
                               next_step="Check the internet connection and try again.") from None
        self._client.redirect_uri = redirect_uri or self._client.redirect_uri
        # Never keep tokens on the shared AuthClient between calls: the keychain is the one copy.
        self._client.access_token = self._client.refresh_token = None
        return self._client

    def _answer(self, client: AuthClient) -> dict[str, Any]:
        answer = {
            "access_token": client.access_token,
            "refresh_token": client.refresh_token,
            "expires_in": client.expires_in,
            "x_refresh_token_expires_in": client.x_refresh_token_expires_in,
        }
        client.access_token = client.refresh_token = None
        return answer

    def _call(self, fn: Callable[[], Any], doing: str, *, repeatable: bool) -> None:
        """Run an intuit-oauth call; retry what is safe to retry; map failures to typed errors.

        A refresh is repeatable: Intuit keeps the previous refresh token working until a newer one has
        been used, so a refresh whose answer was lost can be sent again with the same token.
        """
        for attempt in range(TOKEN_TRIES):
            try:
                fn()
                return
            except AuthClientError as exc:
                if (exc.status_code == 429 or exc.status_code >= 500) and attempt + 1 < TOKEN_TRIES:
                    self._sleep(_BACKOFF.delay(attempt))
                    continue
                if exc.status_code in (400, 401, 403) and not repeatable:
                    raise QboAuthError(f"QuickBooks refused the sign-in ({_refusal(getattr(exc, 'content', b''))})",
                                       kept="Nothing was stored; any earlier connection is unchanged.",
                                       next_step="Check the app's keys (development or production, as chosen) and "
                                                 "its redirect URI in Intuit's developer portal, then connect "
                                                 "again.",
                                       status=exc.status_code) from None
                if exc.status_code in (400, 401, 403):
                    raise QboAuthError("QuickBooks connection expired — reconnect in Settings",
                                       kept="Nothing was changed in QuickBooks.",
                                       next_step="Open Settings and connect QuickBooks again.",
                                       status=exc.status_code) from None
                raise QboError(f"QuickBooks answered {exc.status_code} when {doing}",
                               kept="The connection is kept as it was.", next_step="Try again in a few minutes.",
                               status=exc.status_code) from None
            except (requests.RequestException, ValueError) as exc:
                # ValueError: a cut answer that is not JSON.
                if repeatable and attempt + 1 < TOKEN_TRIES:
                    self._sleep(_BACKOFF.delay(attempt))
                    continue
                raise QboError(f"QuickBooks could not be reached when {doing} ({type(exc).__name__})",
                               kept="The connection is kept as it was.",
                               next_step="Check the internet connection and try again.") from None

    def _authorize(self, redirect_uri: str, state: str) -> PendingAuthorization:
        client = self._auth_client(redirect_uri)
        url = client.get_authorization_url(list(QBO_SCOPES), state_token=state)
        return PendingAuthorization(url, state, redirect_uri)

    def _exchange(self, code: str, pending: PendingAuthorization, params: dict[str, str]) -> TokenSet:
        realm = params.get("realmId", "")
        if not realm:
            raise OAuthError("QuickBooks did not say which company was connected (no realmId)",
                             kept="Nothing was stored.", next_step="Click Connect QuickBooks to try again.")
        client = self._auth_client(pending.redirect_uri)
        self._call(lambda: client.get_bearer_token(code, realm_id=realm), "connecting", repeatable=False)
        return self._token_set(self._answer(client), previous=None,
                               extra={"realm_id": realm, "discovery_url": self.discovery_url})

    def _refresh_at_provider(self, current: TokenSet) -> TokenSet:
        client = self._auth_client()
        self._call(lambda: client.refresh(refresh_token=current.refresh_token), "renewing the connection",
                   repeatable=True)
        return self._token_set(self._answer(client), previous=current, extra=current.extra)

    def _revoke(self, tokens: TokenSet) -> bool:
        client = self._auth_client()
        try:
            return bool(client.revoke(token=tokens.refresh_token))
        finally:
            client.access_token = client.refresh_token = None
