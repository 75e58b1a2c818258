"""The window's use of ``app.connections``: the one place that builds the firm's connections and clients
for the CLI, the timer, the window and the demo. Worker-thread functions.

In demo mode the sandbox's sign-in pages approve at once, so the "browser" of the connect step is an HTTP
client that follows the redirect back to the loopback listener: the same OAuth code, state and PKCE
checks as against the real services.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app import connections as conns
from app import workstation
from app.auth.redirects import QboEnvironment
from app.auth.tokens import CREDENTIAL_KEYS, ClientCredentials, TokenStore
from app.workstation import Workstation
from ui.context import AppContext
from ui.tasks import Changes


def _sandbox(ctx: AppContext) -> Any:
    return ctx.demo.sandbox if ctx.demo is not None else None


def connect_clio(ctx: AppContext, region_url: str) -> str:
    """The browser sign-in to Clio; the region's address is kept for the sync. Returns a description."""
    conn = conns.connect_clio(ctx.store, ctx.profile, region_url, sandbox=_sandbox(ctx))
    return f"connected to {conn.base_url}"


def connect_smokeball(ctx: AppContext, region: str, app_credentials: tuple[str, ...] | None) -> str:
    """The browser sign-in to Smokeball (the app's keys kept in the keychain first, when entered)."""
    keys = (app_credentials[0], app_credentials[1], app_credentials[2]) if app_credentials else None
    conn = conns.connect_smokeball(ctx.store, ctx.profile, region, sandbox=_sandbox(ctx), app_credentials=keys)
    return f"connected to {conn.api_url}"


def connect_mycase(ctx: AppContext, app_credentials: tuple[str, ...] | None) -> str:
    """The browser sign-in to MyCase (the app's keys kept in the keychain first, when entered)."""
    keys = (app_credentials[0], app_credentials[1]) if app_credentials else None
    conns.connect_mycase(ctx.store, ctx.profile, sandbox=_sandbox(ctx), app_credentials=keys)
    return "connected to MyCase (its trust comes from the imported trust ledger)"


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
    """Keep each developer app's client id and secret (``{"clio": (id, secret)}``; "qbo" is QuickBooks'
    production keys, "qbo-sandbox" its development keys) in the keychain, once for the workstation. Never in
    settings or SQLite."""
    tokens = TokenStore(ctx.profile)
    for service, (client_id, client_secret) in entered.items():
        if service not in CREDENTIAL_KEYS:
            raise ValueError(f"unknown service {service!r}")
        tokens.save_credentials(service, ClientCredentials(client_id, client_secret))
    return Changes(connections=True)


def app_credentials_saved(ctx: AppContext, services: Iterable[str]) -> dict[str, bool]:
    """Whether each service has app credentials in the keychain (only that: the values stay there)."""
    tokens = TokenStore(ctx.profile)
    return {service: tokens.load_credentials(service) is not None for service in services}


@dataclass(frozen=True)
class SignIn:
    """What Settings and the wizard show about signing in: the workstation's redirect addresses and this
    firm's choice of QuickBooks keys."""

    workstation: Workstation
    qbo_environment: QboEnvironment


def load_sign_in(ctx: AppContext) -> SignIn:
    return SignIn(workstation.load(), conns.qbo_environment(ctx.store))


def save_sign_in(ctx: AppContext, ws: Workstation, environment: QboEnvironment | str) -> Changes:
    workstation.save(ws)
    conns.set_qbo_environment(ctx.store, environment)
    return Changes(connections=True)


def disconnect(ctx: AppContext, service: str) -> str:
    """Revoke and forget one connection of this firm; the sentence says whether the provider confirmed."""
    return conns.disconnect(ctx.store, ctx.profile, service)


def connect_qbo_with(ctx: AppContext, environment: QboEnvironment | str) -> str:
    """The loopback sign-in with the keys chosen on the wizard's page (kept for the firm first)."""
    if ctx.demo is None:
        conns.set_qbo_environment(ctx.store, environment)
    return connect_qbo(ctx)


def start_qbo_paste_with(ctx: AppContext, environment: QboEnvironment | str) -> tuple[Any, str]:
    """Production keys: keep the choice, open Intuit's sign-in in the browser (here, on the worker, as the
    loopback connect does), and give the connection that waits for the pasted address, and that address."""
    conns.set_qbo_environment(ctx.store, environment)
    conn, url = conns.start_qbo_paste(ctx.store, ctx.profile)
    conn.open_browser(url)
    return conn, url


def finish_qbo_paste(ctx: AppContext, conn: Any, pasted: str) -> str:
    done = conns.finish_qbo_paste(ctx.store, conn, pasted)
    return f"connected to company {done.realm_id}"
