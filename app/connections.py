"""The firm's two connections and their API clients, built one way for the CLI, the timer, the window and
the demo.

Where each service lives is a non-secret setting of the profile (the Clio region's address, the QuickBooks
API address and discovery document); tokens and the app's client credentials live in the keychain
(``app.auth.tokens``). Against the local sandbox the same OAuth code is used when the person signed in
through it; otherwise the sandbox's own token endpoint stands in, which the real services do not have.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import webbrowser
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from app import workstation
from app.auth.oauth import ClioConnection, QboConnection
from app.auth.redirects import QBO_API, QBO_DISCOVERY, QboEnvironment
from app.auth.tokens import ClientCredentials, TokenSet, TokenStore
from app.clients import ClioSource
from app.clio.client import ClioClient
from app.errors import KeychainError, LedgerbridgeError
from app.qbo.client import QboClient
from app.smokeball.client import SANDBOX_API_KEY
from app.sources import firm_source
from app.store import settings
from app.store.db import Store

CLIO_URL_KEY = "clio.base_url"
QBO_API_URL_KEY = "qbo.api_url"
QBO_DISCOVERY_KEY = "qbo.discovery_url"
QBO_ENV_KEY = "qbo.environment"  # "sandbox" (development keys) or "production"
PRODUCTION_QBO_API = QBO_API[QboEnvironment.PRODUCTION]
REFRESH_WARNING_DAYS = 14  # the dashboard warns this long before a sign-in expires

Browser = Callable[[str], Any]


class SandboxLike(Protocol):
    """What ``app.sandbox.runner.Sandbox`` offers; also a sandbox served by another process."""

    # Read-only members: a frozen SandboxAddress satisfies the protocol as well as the running Sandbox.
    @property
    def clio_url(self) -> str: ...
    @property
    def qbo_url(self) -> str: ...
    @property
    def realm_id(self) -> str: ...


@dataclass(frozen=True)
class SandboxAddress:
    """Where the local sandbox serves (demo mode, tests, benchmarks), with the sandbox's own OAuth app
    credentials when it has them. Satisfies ``SandboxLike``; a sandbox running elsewhere
    (``ledgerbridge sandbox``) is known by its addresses alone. The credentials are the
    emulator's made-up ones, never a real service's, and stay out of repr."""

    clio_url: str
    qbo_url: str
    realm_id: str
    clio_client_id: str = ""
    clio_client_secret: str = field(default="", repr=False)
    qbo_client_id: str = ""
    qbo_client_secret: str = field(default="", repr=False)
    smokeball_url: str = ""
    smokeball_api_key: str = field(default=SANDBOX_API_KEY, repr=False)
    mycase_url: str = ""
    sandbox_rate: float = 0.0  # a sandbox elsewhere serving with limits off: how fast to ask it (0: the service's)

    @classmethod
    def of(cls, sandbox: Any) -> SandboxAddress:
        """The address of a running ``app.sandbox.runner.Sandbox`` (or anything with its attributes)."""
        return cls(
            clio_url=sandbox.clio_url,
            qbo_url=sandbox.qbo_url,
            realm_id=sandbox.realm_id,
            clio_client_id=getattr(sandbox, "clio_client_id", "") or "",
            clio_client_secret=getattr(sandbox, "clio_client_secret", "") or "",
            qbo_client_id=getattr(sandbox, "qbo_client_id", "") or "",
            qbo_client_secret=getattr(sandbox, "qbo_client_secret", "") or "",
            smokeball_url=getattr(sandbox, "smokeball_url", "") or "",
            smokeball_api_key=getattr(sandbox, "smokeball_api_key", "") or SANDBOX_API_KEY,
            mycase_url=getattr(sandbox, "mycase_url", "") or "",
        )


def sandbox_browser(url: str) -> None:
    """The sandbox's sign-in pages approve at once; following the redirect reaches our loopback listener."""
    httpx.get(url, follow_redirects=True, timeout=30)


def _sandbox_credentials(sandbox: Any, service: str) -> ClientCredentials | None:
    client_id = getattr(sandbox, f"{service}_client_id", None)
    secret = getattr(sandbox, f"{service}_client_secret", None)
    return ClientCredentials(client_id, secret) if client_id and secret else None


def clio_connection(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                    base_url: str | None = None, open_browser: Browser | None = None) -> ClioConnection:
    kwargs: dict[str, Any] = {"open_browser": open_browser or (sandbox_browser if sandbox else webbrowser.open),
                              "redirect_port": workstation.load().clio_redirect_port}
    if sandbox is not None:
        base_url = sandbox.clio_url
        if creds := _sandbox_credentials(sandbox, "clio"):
            kwargs["credentials"] = creds
    return ClioConnection(TokenStore(profile), base_url=base_url or settings.get(store, CLIO_URL_KEY), **kwargs)


def qbo_environment(store: Store) -> QboEnvironment:
    """The QuickBooks keys this firm uses: development (a sandbox company) or production (its books)."""
    return QboEnvironment(settings.get(store, QBO_ENV_KEY, QboEnvironment.PRODUCTION.value))


def set_qbo_environment(store: Store, environment: QboEnvironment | str) -> None:
    """Choose the keys; where QuickBooks' sign-in and API live follows (the sandbox's own stay)."""
    env = QboEnvironment(environment)
    settings.put(store, QBO_ENV_KEY, env.value)
    if not _local_sandbox_api(store):
        settings.put(store, QBO_API_URL_KEY, QBO_API[env])
        settings.put(store, QBO_DISCOVERY_KEY, QBO_DISCOVERY[env])


def _local_sandbox_api(store: Store) -> bool:
    """The firm's QuickBooks address is a local sandbox's (plain http; Intuit's are https): it stays."""
    return str(settings.get(store, QBO_API_URL_KEY, "")).startswith("http://")


def qbo_connection(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                   open_browser: Browser | None = None) -> QboConnection:
    ws = workstation.load()
    env = QboEnvironment.SANDBOX if sandbox is not None else qbo_environment(store)
    kwargs: dict[str, Any] = {"open_browser": open_browser or (sandbox_browser if sandbox else webbrowser.open),
                              "redirect_port": ws.qbo_redirect_port, "environment": env}
    if env == QboEnvironment.PRODUCTION:
        # Production keys redirect only to a registered https address: the paste-back flow.
        kwargs["redirect_uri"] = ws.qbo_production_redirect or None
    if sandbox is not None:
        if creds := _sandbox_credentials(sandbox, "qbo"):
            kwargs["credentials"] = creds
        return QboConnection(TokenStore(profile), discovery_url=f"{sandbox.qbo_url}/.well-known/openid_configuration",
                             **kwargs)
    discovery = settings.get(store, QBO_DISCOVERY_KEY, QBO_DISCOVERY[env])
    return QboConnection(TokenStore(profile), discovery_url=discovery, **kwargs)


def connect_clio(store: Store, profile: str, region_url: str, *, sandbox: SandboxLike | None = None,
                 open_browser: Browser | None = None) -> ClioConnection:
    """The browser sign-in to Clio; the region's address is kept for every later sync."""
    conn = clio_connection(store, profile, sandbox=sandbox, base_url=region_url, open_browser=open_browser)
    conn.connect()
    settings.put(store, CLIO_URL_KEY, conn.base_url)
    return conn


def connect_qbo(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                open_browser: Browser | None = None) -> QboConnection:
    """The browser sign-in to QuickBooks through the loopback listener (development keys, and the sandbox);
    where its API and sign-in live is kept for every later sync. Production keys use
    ``start_qbo_paste`` and ``finish_qbo_paste`` instead."""
    conn = qbo_connection(store, profile, sandbox=sandbox, open_browser=open_browser)
    if conn.environment == QboEnvironment.PRODUCTION:
        raise LedgerbridgeError(
            "QuickBooks production keys cannot send the browser back to this computer (Intuit allows only https "
            "addresses that are not this machine's)",
            kept="Nothing was changed.",
            next_step="Use the wizard's paste-back step: approve in the browser, then paste the address it landed "
                      "on.",
        )
    conn.connect()
    _remember_qbo(store, conn, sandbox)
    return conn


def start_qbo_paste(store: Store, profile: str) -> tuple[QboConnection, str]:
    """Production keys: the connection to keep until the address is pasted, and the address to open."""
    conn = qbo_connection(store, profile)
    if not conn.redirect_uri:
        raise LedgerbridgeError(
            "No https redirect address is set for QuickBooks production keys",
            kept="Nothing was changed.",
            next_step="Enter the address registered under Production → Keys & OAuth → Redirect URIs in your "
                      "Intuit developer app (Settings or the wizard's developer-app page).",
        )
    pending = conn.start_authorization()
    return conn, pending.url


def finish_qbo_paste(store: Store, conn: QboConnection, pasted: str) -> QboConnection:
    """The address the browser landed on after approving: state, code and realmId are read from it."""
    conn.complete_from_redirect_url(pasted)
    _remember_qbo(store, conn, None)
    return conn


def _remember_qbo(store: Store, conn: QboConnection, sandbox: SandboxLike | None) -> None:
    if sandbox is not None:
        settings.put(store, QBO_API_URL_KEY, sandbox.qbo_url)
        settings.put(store, QBO_DISCOVERY_KEY, f"{sandbox.qbo_url}/.well-known/openid_configuration")
    else:
        if not _local_sandbox_api(store):
            settings.put(store, QBO_API_URL_KEY, QBO_API[conn.environment])
        settings.put(store, QBO_DISCOVERY_KEY, conn.discovery_url)


def disconnect(store: Store, profile: str, service: str) -> str:
    """Revoke at the provider and forget the tokens here, even when the revoke fails; a sentence saying
    which happened."""
    makers: dict[str, Callable[[Store, str], Any]] = {"clio": clio_connection, "qbo": qbo_connection,
                                                      "smokeball": smokeball_connection,
                                                      "mycase": mycase_connection}
    conn = makers[service](store, profile)
    if not conn.connected:
        return f"{conn.label} was not connected."
    if conn.disconnect():
        return f"{conn.label} is disconnected: the provider revoked the access and the tokens are forgotten here."
    return (f"{conn.label} is disconnected here (the tokens are forgotten), but the provider could not confirm "
            f"the revoke. Remove Ledgerbridge's access in {conn.label}'s own settings as well.")


@dataclass(frozen=True)
class SignInState:
    """What the dashboard says about one connection's sign-in."""

    connected: bool
    needs_reconnect: bool = False
    warning: str = ""


def sign_in_state(tokens: TokenSet | None, label: str, now: float, *, warn_days: float = REFRESH_WARNING_DAYS
                  ) -> SignInState:
    """Refused by the provider (reconnect now), or expiring within ``warn_days`` (reconnect soon; MyCase's
    refresh tokens last two weeks in all, so it warns later than the others)."""
    if tokens is None:
        return SignInState(False)
    if tokens.extra.get("reconnect"):
        return SignInState(True, True, f"{label} refused to renew the sign-in: reconnect {label}. Syncs stop "
                                       "until then; nothing is lost.")
    ends = tokens.refresh_expires_at
    if ends is not None and ends - now <= warn_days * 86400:
        day = dt.datetime.fromtimestamp(ends, dt.UTC).strftime("%Y-%m-%d")
        return SignInState(True, ends <= now, f"The {label} sign-in expires on {day}: reconnect {label} "
                                              "before then so the syncs keep running.")
    return SignInState(True)


def build_clients(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                  window_seconds: float = 60.0) -> tuple[ClioSource, QboClient]:
    """(the firm's source, QboClient) for a sync, the wizard or a health check: the source is Clio's client,
    or another practice-management system's (``app.sources``). The caller closes them."""
    if firm_source(store).key == "smokeball":
        return _smokeball_clients(store, profile, sandbox=sandbox, window_seconds=window_seconds)
    if firm_source(store).key == "mycase":
        return _mycase_clients(store, profile, sandbox=sandbox, window_seconds=window_seconds)
    if sandbox is not None:
        try:
            clio, qbo = clio_connection(store, profile, sandbox=sandbox), qbo_connection(store, profile, sandbox=sandbox)
            if clio.connected and qbo.connected:
                return (ClioClient(sandbox.clio_url, clio),
                        QboClient(sandbox.qbo_url, qbo.realm_id, qbo, window_seconds=window_seconds))
        except KeychainError:
            pass  # the sandbox does not need a keychain: its own token endpoint stands in below
        from app.auth.sandbox_tokens import clio_tokens, qbo_tokens

        return (ClioClient(sandbox.clio_url, clio_tokens(sandbox.clio_url)),
                QboClient(sandbox.qbo_url, sandbox.realm_id, qbo_tokens(sandbox.qbo_url),
                          window_seconds=window_seconds))
    clio, qbo = clio_connection(store, profile), qbo_connection(store, profile)
    if not clio.connected or not qbo.connected:
        raise _not_connected((("Clio", clio.connected), ("QuickBooks", qbo.connected)))
    api = settings.get(store, QBO_API_URL_KEY, PRODUCTION_QBO_API)
    return ClioClient(clio.base_url, clio), QboClient(api, qbo.realm_id, qbo, window_seconds=window_seconds)


def _not_connected(states: tuple[tuple[str, bool], ...]) -> LedgerbridgeError:
    missing = " and ".join(name for name, connected in states if not connected)
    return LedgerbridgeError(f"{missing} {'is' if ' and ' not in missing else 'are'} not connected for this firm.",
                             kept="Nothing was read or sent.",
                             next_step="Connect in the app's setup wizard (File → Set up…), then run the sync again.")


def _signed_in(make: Callable[..., Any], store: Store, profile: str, sandbox: SandboxLike | None) -> Any:
    """The firm's keychain sign-in made by ``make``, when it is connected; else None (no keychain: None too)."""
    try:
        conn = make(store, profile, sandbox=sandbox)
        return conn if conn.connected else None
    except KeychainError:
        return None


def _with_quickbooks(store: Store, profile: str, label: str, conn: Any, source: ClioSource,
                     sandbox: SandboxLike | None, window_seconds: float) -> tuple[ClioSource, QboClient]:
    """A source that is not Clio, with the firm's QuickBooks: against a sandbox, the firm's QuickBooks sign-in if
    there is one, else the sandbox's own tokens; against the real services, both must be connected."""
    qbo = _signed_in(qbo_connection, store, profile, sandbox)
    if sandbox is not None:
        from app.auth.sandbox_tokens import qbo_tokens

        return source, QboClient(sandbox.qbo_url, sandbox.realm_id, qbo or qbo_tokens(sandbox.qbo_url),
                                 window_seconds=window_seconds)
    if conn is None or qbo is None:
        source.close()
        raise _not_connected(((label, conn is not None), ("QuickBooks", qbo is not None)))
    return source, QboClient(settings.get(store, QBO_API_URL_KEY, PRODUCTION_QBO_API), qbo.realm_id, qbo,
                             window_seconds=window_seconds)


def _sandbox_pace(sandbox: SandboxLike | None, service: str) -> Any:
    """How fast to ask a sandbox: a sandbox in this process at its own rate; one elsewhere at the rate its
    address says it serves (``sandbox_rate``: limits off, for the reliability runs); else None (the service's
    own pace, as against the real service)."""
    from app.retry import TokenBucket

    state = getattr(sandbox, service, None)
    if state is not None:
        return TokenBucket(state.rate * 0.9, max(1, state.burst - 1))
    rate = getattr(sandbox, "sandbox_rate", 0.0) or 0.0
    return TokenBucket(rate, max(1, int(rate))) if rate else None


def smokeball_connection(store: Store, profile: str, *, region: str = "us", sandbox: SandboxLike | None = None,
                         open_browser: Browser | None = None) -> Any:
    """The firm's Smokeball sign-in (``app.smokeball.connection.SmokeballConnection``); against a sandbox, its
    Cognito and API addresses and its made-up app credentials."""
    from app.smokeball.connection import SmokeballConnection

    kwargs: dict[str, Any] = {"open_browser": open_browser or (sandbox_browser if sandbox else webbrowser.open)}
    url = getattr(sandbox, "smokeball_url", "") if sandbox is not None else ""
    if url:
        kwargs.update(auth_host=url, api_url=url)
        if creds := _sandbox_credentials(sandbox, "smokeball"):
            kwargs["credentials"] = creds
    return SmokeballConnection(TokenStore(profile), region=region, **kwargs)


def connect_smokeball(store: Store, profile: str, region: str, *, sandbox: SandboxLike | None = None,
                      open_browser: Browser | None = None, app_credentials: tuple[str, str, str] | None = None
                      ) -> Any:
    """The browser sign-in to Smokeball; ``app_credentials`` (client id, secret, API key) are kept in the
    keychain for the workstation first, when given."""
    conn = smokeball_connection(store, profile, region=region, sandbox=sandbox, open_browser=open_browser)
    if app_credentials:
        client_id, secret, key = app_credentials
        conn.save_credentials(client_id, secret)
        conn.save_api_key(key)
    conn.connect()
    return conn


def _smokeball_clients(store: Store, profile: str, *, sandbox: SandboxLike | None,
                       window_seconds: float) -> tuple[ClioSource, QboClient]:
    """A Smokeball firm's source and QuickBooks: the firm's keychain sign-ins; against a sandbox where nobody
    signed in, the sandbox's own tokens."""
    from app.auth.sandbox_tokens import SandboxTokens
    from app.smokeball.client import SmokeballClient
    from app.smokeball.source import SmokeballSource

    url = getattr(sandbox, "smokeball_url", "") if sandbox is not None else ""
    conn = _signed_in(smokeball_connection, store, profile, sandbox)
    if url:  # the sandbox's made-up key; its sign-in if someone signed in, else its own tokens
        key, api = getattr(sandbox, "smokeball_api_key", "") or SANDBOX_API_KEY, url
        tokens: Any = conn or SandboxTokens(url, "issue_token")
    else:
        key, api, tokens = (conn.api_key(), conn.api_url, conn) if conn is not None else ("", "", None)
    client = SmokeballClient(api, key, tokens, bucket=_sandbox_pace(sandbox, "smokeball"))
    return _with_quickbooks(store, profile, "Smokeball", conn, SmokeballSource(client, store), sandbox,
                            window_seconds)


def mycase_connection(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                      open_browser: Browser | None = None) -> Any:
    """The firm's MyCase sign-in (``app.mycase.connection.MyCaseConnection``); against a sandbox, its sign-in
    address and its made-up app credentials."""
    from app.mycase.connection import MyCaseConnection

    kwargs: dict[str, Any] = {"open_browser": open_browser or (sandbox_browser if sandbox else webbrowser.open)}
    url = getattr(sandbox, "mycase_url", "") if sandbox is not None else ""
    if url:
        kwargs["auth_host"] = url
        if creds := _sandbox_credentials(sandbox, "mycase"):
            kwargs["credentials"] = creds
    return MyCaseConnection(TokenStore(profile), **kwargs)


def connect_mycase(store: Store, profile: str, *, sandbox: SandboxLike | None = None,
                   open_browser: Browser | None = None, app_credentials: tuple[str, str] | None = None) -> Any:
    """The browser sign-in to MyCase; ``app_credentials`` (client id, secret: MyCase support issues them) are kept
    in the keychain for the workstation first, when given."""
    conn = mycase_connection(store, profile, sandbox=sandbox, open_browser=open_browser)
    if app_credentials:
        conn.save_credentials(*app_credentials)
    conn.connect()
    return conn


def _mycase_clients(store: Store, profile: str, *, sandbox: SandboxLike | None, window_seconds: float
                    ) -> tuple[ClioSource, QboClient]:
    """A MyCase firm's source and QuickBooks: the firm's keychain sign-ins; against a sandbox where nobody signed
    in, the sandbox's own tokens."""
    from app.auth.sandbox_tokens import SandboxTokens
    from app.mycase.client import BASE_URL, MyCaseClient
    from app.mycase.source import MyCaseSource

    url = getattr(sandbox, "mycase_url", "") if sandbox is not None else ""
    conn = _signed_in(mycase_connection, store, profile, sandbox)
    tokens: Any = conn or (SandboxTokens(url, "issue_token") if url else None)
    client = MyCaseClient(f"{url}/v1" if url else BASE_URL, tokens, bucket=_sandbox_pace(sandbox, "mycase"))
    return _with_quickbooks(store, profile, "MyCase", conn, MyCaseSource(client, store), sandbox, window_seconds)


@contextlib.contextmanager
def open_clients(store: Store, profile: str, **kwargs: Any) -> Iterator[tuple[ClioSource, QboClient]]:
    clio, qbo = build_clients(store, profile, **kwargs)
    try:
        yield clio, qbo
    finally:
        clio.close()
        qbo.close()
