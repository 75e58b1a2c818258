"""The firm's two connections and API clients, built the way ``ledgerbridge sync`` builds them.

Worker-thread functions. In demo mode the clients talk to the in-process sandbox; its sign-in pages
approve at once, so the "browser" of the connect step is an HTTP client that follows the redirect back to
the loopback listener (the same OAuth code, state and PKCE checks as against the real services).
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from typing import Any

import httpx

from app.errors import LedgerbridgeError
from app.store import settings
from ui.context import AppContext

# The same setting keys app.sync.cli reads, so the GUI and the headless sync use one connection setup.
CLIO_URL_KEY = "clio.base_url"
QBO_DISCOVERY_KEY = "qbo.discovery_url"
QBO_API_URL_KEY = "qbo.api_url"
PRODUCTION_QBO_API = "https://quickbooks.api.intuit.com"


def _sandbox_browser(url: str) -> None:
    """The demo's browser: the sandbox approves and redirects to our loopback listener."""
    httpx.get(url, follow_redirects=True, timeout=30)


def browser_for(ctx: AppContext) -> Callable[[str], Any]:
    return _sandbox_browser if ctx.is_demo else webbrowser.open


def clio_connection(ctx: AppContext, base_url: str | None = None) -> Any:
    from app.auth.oauth import ClioConnection
    from app.auth.tokens import ClientCredentials, TokenStore

    store = TokenStore(ctx.profile)
    kwargs: dict[str, Any] = {"open_browser": browser_for(ctx)}
    if ctx.demo is not None:
        sb = ctx.demo.sandbox
        base_url = sb.clio_url
        kwargs["credentials"] = ClientCredentials(sb.clio_client_id, sb.clio_client_secret)
    return ClioConnection(store, base_url=base_url or settings.get(ctx.store, CLIO_URL_KEY), **kwargs)


def qbo_connection(ctx: AppContext) -> Any:
    from app.auth.oauth import QboConnection
    from app.auth.tokens import ClientCredentials, TokenStore

    store = TokenStore(ctx.profile)
    kwargs: dict[str, Any] = {"open_browser": browser_for(ctx)}
    if ctx.demo is not None:
        sb = ctx.demo.sandbox
        kwargs["credentials"] = ClientCredentials(sb.qbo_client_id, sb.qbo_client_secret)
        return QboConnection(store, discovery_url=sb.qbo_discovery_url, **kwargs)
    return QboConnection(
        store,
        discovery_url=settings.get(ctx.store, QBO_DISCOVERY_KEY, QboConnection.PRODUCTION_DISCOVERY),
        **kwargs,
    )


def connect_clio(ctx: AppContext, region_url: str) -> str:
    """The browser sign-in to Clio; the region's address is kept for the sync. Returns a description."""
    conn = clio_connection(ctx, region_url)
    conn.connect()
    if ctx.demo is None:
        settings.put(ctx.store, CLIO_URL_KEY, region_url)
    return f"connected to {conn.base_url}"


def connect_qbo(ctx: AppContext) -> str:
    conn = qbo_connection(ctx)
    conn.connect()
    if ctx.demo is not None:
        settings.put(ctx.store, QBO_API_URL_KEY, ctx.demo.sandbox.qbo_url)
    return f"connected to company {conn.realm_id}"


def build_clients(ctx: AppContext) -> tuple[Any, Any]:
    """(ClioClient, QboClient) for a sync or the wizard."""
    from app.clio.client import ClioClient
    from app.qbo.client import QboClient

    if ctx.demo is not None:
        sb = ctx.demo.sandbox
        try:
            clio = clio_connection(ctx)
            qbo = qbo_connection(ctx)
            if clio.connected and qbo.connected:
                return ClioClient(sb.clio_url, clio), QboClient(sb.qbo_url, qbo.realm_id, qbo)
        except LedgerbridgeError:
            pass  # no keychain here: the demo does not need one
        # Not signed in through the wizard: the sandbox hands out tokens without the browser step.
        return demo_clients(ctx)
    clio = clio_connection(ctx)
    qbo = qbo_connection(ctx)
    if not clio.connected or not qbo.connected:
        raise LedgerbridgeError(
            "Clio and QuickBooks are not both connected for this firm.",
            kept="Nothing was read or sent.",
            next_step="Run the setup wizard (File → Set up…) to connect both.",
        )
    api = settings.get(ctx.store, QBO_API_URL_KEY, PRODUCTION_QBO_API)
    return ClioClient(clio.base_url, clio), QboClient(api, qbo.realm_id, qbo)


def demo_clients(ctx: AppContext) -> tuple[Any, Any]:
    """Demo clients without the keychain (the sandbox's token endpoints), for the demo start-up."""
    from app.clio.client import ClioClient
    from app.qbo.client import QboClient
    from app.sync.sandbox_tokens import clio_tokens, qbo_tokens

    assert ctx.demo is not None
    sb = ctx.demo.sandbox
    return ClioClient(sb.clio_url, clio_tokens(sb.clio_url)), QboClient(sb.qbo_url, sb.realm_id, qbo_tokens(sb.qbo_url))
