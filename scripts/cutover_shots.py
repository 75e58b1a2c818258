"""Screenshots of the setup wizard's cutover step and the first sync's preview, for the README.

    bash tests/run.sh --version >/dev/null; dbus-run-session -- python3 scripts/cutover_shots.py

Runs offscreen against the local sandbox whose QuickBooks already holds the demo firm's books before 1 July
(``ledgerbridge demo --existing-books 2026-07-01``), in a throw-away profile.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshots import shoot, wait_until  # noqa: E402

CUTOVER = dt.date(2026, 7, 1)


def main() -> int:
    from PySide6.QtCore import QDate

    from app.sandbox.runner import Sandbox
    from app.store import open_store
    from ui import theme
    from ui.context import AppContext, DemoInfo
    from ui.demo import prepare_demo
    from ui.main import make_app
    from ui.main_window import MainWindow

    out = ROOT / "docs" / "screenshots"
    home = Path(tempfile.mkdtemp(prefix="ledgerbridge-shots-"))
    os.environ["LEDGERBRIDGE_HOME"] = str(home)
    app = make_app()
    theme.apply_theme(app, "light")
    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False, existing_books=CUTOVER) as sb:
        store = open_store(home / "firm.sqlite3")
        try:
            ctx = AppContext(store, "cutover-docs", home, actor="user:docs", demo=DemoInfo(sb))
            prepare_demo(ctx)
            window = MainWindow(ctx)
            window.resize(1280, 900)
            window.show()
            window.open_wizard()
            wiz = window.wizard
            assert wiz is not None
            wiz.resize(860, 760)
            wiz.setStartId(next(i for i in wiz.pageIds() if wiz.page(i) is wiz.accounts_page))
            wiz.restart()
            wait_until(lambda: wiz.accounts_page.loaded)
            for _ in range(3):  # items, customers, cutover
                wiz.next()
            page = wiz.cutover_page
            page.enabled.setChecked(True)
            page.date.setDate(QDate(CUTOVER.year, CUTOVER.month, CUTOVER.day))
            shoot(wiz, out / "cutover-1-step.png")
            wiz.next()
            confirm = wiz.confirm_page
            confirm.preview_button.click()
            wait_until(lambda: confirm.start_button.isVisible())
            shoot(wiz, out / "cutover-2-preview.png")
            window.tasks.wait_idle()
            wiz.reject()
            window.close()
        finally:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
