"""Demo mode in the window: map the demo firm with the sandbox defaults so Sync works in the first minute.

The sandbox itself is started by ``ui.main.demo_session``; this module only prepares the throw-away
firm (on a worker) and tells the person what to do next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.paths import write_private_text
from app.store import settings
from app.sync import cutover
from ui.context import AppContext
from ui.tasks import Changes, Lane, Op

DEMO_STATEMENT_KEY = "ui.demo_statement"


def write_demo_statement(ctx: AppContext) -> Path:
    """The demo firm's trust bank statement as an OFX file in the throw-away folder, ready to import."""
    assert ctx.demo is not None
    sandbox = ctx.demo.sandbox
    if getattr(sandbox, "smokeball", None) is not None:  # a Smokeball firm: its September statement
        from app.demo_smokeball import smokeball_statement

        period, account, text = smokeball_statement(sandbox)
    elif getattr(sandbox, "mycase", None) is not None:  # a MyCase firm: September, from its trust ledger
        from app.demo_mycase import PERIOD, mycase_statement
        from app.reconcile.load import parse_period
        from app.sandbox.mycase.demo_firm import TRUST_ACCOUNT

        period, account, text = PERIOD, TRUST_ACCOUNT, mycase_statement(sandbox, *parse_period(PERIOD))
    else:
        period, account, text = sandbox.firm.period, sandbox.firm.trust_account_name, sandbox.firm.statement_ofx
    folder = ctx.data_dir or ctx.store.path.parent
    path = Path(folder) / f"trust-statement-{period}.ofx"
    write_private_text(path, text)
    settings.put(ctx.store, DEMO_STATEMENT_KEY, {"path": str(path), "account": account, "period": period})
    return path


def prepare_demo(ctx: AppContext) -> Changes:
    from app.demo import prepare_demo_mapping
    from ui.connections import demo_clients

    if ctx.demo is not None and getattr(ctx.demo.sandbox, "mycase", None) is not None:
        # MyCase's API has no trust: the firm's trust ledger export comes in first (its account is then mapped)
        import datetime as dt

        from app.demo_mycase import import_ledger

        folder = Path(ctx.data_dir or ctx.store.path.parent)
        import_ledger(ctx.store, ctx.demo.sandbox, folder, lambda _line: None, through=dt.date(2026, 9, 30))
    clio, qbo = demo_clients(ctx)
    try:
        prepare_demo_mapping(ctx.store, clio, qbo)
        history = getattr(ctx.demo.sandbox, "history", None) if ctx.demo else None
        if history is not None:  # QuickBooks holds the books before the cutover: the sync starts there
            cutover.save(ctx.store, history.cutover, "post")
    finally:
        clio.close()
        qbo.close()
    write_demo_statement(ctx)
    return Changes(mapping=True, settings=True)


def start_demo(window: Any) -> None:
    """Prepare the demo firm in the background, then point the person at Sync now."""
    ctx = window.ctx

    def ready(changes: Changes) -> None:
        window.apply_changes(changes)
        window.statusBar().showMessage("Demo firm ready: press Sync now on the dashboard, then reconcile.")

    window.tasks.run(Op("Preparing the demo firm", lambda _t: prepare_demo(ctx), lane=Lane.WRITE, on_success=ready))
