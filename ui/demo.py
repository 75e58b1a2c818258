"""Demo mode in the window: map the demo firm with the sandbox defaults so Sync works in the first minute.

The sandbox itself is started by ``ui.main.demo_session``; this module only prepares the throw-away
firm (on a worker) and tells the person what to do next.
"""

from __future__ import annotations

from typing import Any

from ui.context import AppContext
from ui.tasks import Changes, Lane, Op


def demo_mapping(ctx: AppContext, clio: Any, qbo: Any) -> Any:
    """The sandbox company's chart, mapped with ``app.mapping.demo_defaults`` and saved."""
    from app.clio.normalize import to_bank_account
    from app.mapping import demo_defaults, save_mapping

    accounts = qbo.query_all("Account")
    items = qbo.query_all("Item")
    banks = [to_bank_account(r) for r in clio.iter_records("bank_accounts", "id,etag,name,type,currency,balance")]
    mapping = demo_defaults(accounts, items, clio_bank_accounts=banks)
    save_mapping(ctx.store, mapping)
    return mapping


def prepare_demo(ctx: AppContext) -> Changes:
    from ui.connections import demo_clients

    clio, qbo = demo_clients(ctx)
    try:
        demo_mapping(ctx, clio, qbo)
    finally:
        clio.close()
        qbo.close()
    return Changes(mapping=True, settings=True)


def start_demo(window: Any) -> None:
    """Prepare the demo firm in the background, then point the person at Sync now."""
    ctx = window.ctx

    def ready(changes: Changes) -> None:
        window.apply_changes(changes)
        window.statusBar().showMessage("Demo firm ready: press Sync now on the dashboard, then reconcile.")

    window.tasks.run(Op("Preparing the demo firm", lambda _t: prepare_demo(ctx), lane=Lane.WRITE, on_success=ready))
