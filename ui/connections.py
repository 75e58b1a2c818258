"""The window's use of ``app.connections``: the one place that builds the firm's connections and clients
for the CLI, the timer, the window and the demo. Worker-thread functions.

In demo mode the sandbox's sign-in pages approve at once, so the "browser" of the connect step is an HTTP
client that follows the redirect back to the loopback listener: the same OAuth code, state and PKCE
checks as against the real services.
"""

from __future__ import annotations

from typing import Any

from app import connections as conns
from ui.context import AppContext


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
