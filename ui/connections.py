"""The window's use of ``app.connections``: the one place that builds the firm's connections and clients
for the CLI, the timer, the window and the demo. Worker-thread functions.

In demo mode the sandbox's sign-in pages approve at once, so the "browser" of the connect step is an HTTP
client that follows the redirect back to the loopback listener: the same OAuth code, state and PKCE
checks as against the real services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app import connections as conns
from app.auth.tokens import TokenStore
from ui.context import AppContext
from ui.tasks import Changes


def _sandbox(ctx: AppContext) -> Any:
    return ctx.demo.sandbox if ctx.demo is not None else None


def connect_clio(ctx: AppContext, region_url: str) -> str:
    """The browser sign-in to Clio; the region's address is kept for the sync. Returns a description."""
    conn = conns.connect_clio(ctx.store, ctx.profile, region_url, sandbox=_sandbox(ctx))
    return f"connected to {conn.base_url}"


def connect_qbo(ctx: AppContext) -> str:
    conn = conns.connect_qbo(ctx.store, ctx.profile, sandbox=_sandbox(ctx))
    return f"connected to company {conn.realm_id}"


def build_clients(ctx: AppContext) -> tuple[Any, Any]:
    """(ClioClient, QboClient) for a sync or the wizard; the caller closes them."""
    if ctx.clients_factory is not None:
        return ctx.clients_factory(ctx)
    return conns.build_clients(ctx.store, ctx.profile, sandbox=_sandbox(ctx))


def demo_clients(ctx: AppContext) -> tuple[Any, Any]:
    """Demo clients for the demo start-up (the sandbox's token endpoints when nobody signed in)."""
    assert ctx.demo is not None
    return conns.build_clients(ctx.store, ctx.profile, sandbox=ctx.demo.sandbox)


def save_app_credentials(ctx: AppContext, entered: dict[str, tuple[str, str]]) -> Changes:
    """Keep the app's client id and secret of each service given (``{"clio": (id, secret)}``) in the
    keychain, through the same connection objects the sign-in uses. Never in settings or SQLite."""
    for service, (client_id, client_secret) in entered.items():
        if service == "clio":
            conn: Any = conns.clio_connection(ctx.store, ctx.profile)
        elif service == "qbo":
            conn = conns.qbo_connection(ctx.store, ctx.profile)
        else:
            raise ValueError(f"unknown service {service!r}")
        conn.save_credentials(client_id, client_secret)
    return Changes(connections=True)


def app_credentials_saved(ctx: AppContext, services: Iterable[str]) -> dict[str, bool]:
    """Whether each service has app credentials in the keychain (only that: the values stay there)."""
    tokens = TokenStore(ctx.profile)
    return {service: tokens.load_credentials(service) is not None for service in services}
