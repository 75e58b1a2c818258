"""Write PNG screenshots of each screen on the demo firm (offscreen) to docs/screenshots/.

    python3 scripts/screenshots.py [--out docs/screenshots] [--firm small]

It runs the real app in demo mode: the sandbox with the demo firm, the demo mapping, a real sync, the demo
statement imported and reconciled. The setup wizard's pages are shot too (its sign-in uses the keychain;
without one, only the first pages are shot).

Qt draws with the fonts fontconfig finds on the machine. The demo firm has clients with Japanese names, which
show as boxes without a CJK font: on Debian/Ubuntu install ``fonts-droid-fallback`` or
``fonts-wqy-microhei`` first (the script warns when neither kind of font is there).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from ui import theme  # noqa: E402
from ui.main import demo_session, make_app  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402


def wait_until(pred: Callable[[], bool], timeout_ms: int = 60_000) -> None:
    """Run the event loop until ``pred()`` holds (a script's wait; the app itself never does this)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    deadline = QTimer()
    deadline.setSingleShot(True)
    poll.timeout.connect(lambda: loop.quit() if pred() else None)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(timeout_ms)
    if not pred():
        loop.exec()
    poll.stop()
    if not pred():
        raise TimeoutError("the screen did not get ready in time")


def settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def missing_writing_systems() -> list[str]:
    """The demo firm's scripts that no installed font can draw (their names would show as boxes)."""
    wanted = {"Japanese": QFontDatabase.WritingSystem.Japanese, "Chinese": QFontDatabase.WritingSystem.SimplifiedChinese}
    return [name for name, ws in wanted.items() if not QFontDatabase.families(ws)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--firm", default="small")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    theme.apply_theme(app, "light")
    missing = missing_writing_systems()
    if missing:
        print(f"warning: no font for {' or '.join(missing)} text; CJK client names will show as boxes. "
              "Install fonts-droid-fallback or fonts-wqy-microhei and run again.", file=sys.stderr)
    with demo_session(args.firm, 7) as (ctx, _tmp):
        from ui.demo import prepare_demo

        prepare_demo(ctx)
        window = MainWindow(ctx)
        window.resize(1600, 960)
        window.show()
        dash = window.dashboard
        wait_until(lambda: dash.refreshes >= 1)

        # Dashboard after a sync.
        done: list[object] = []
        window.sync.run_finished.connect(lambda *a: done.append(a))
        dash.sync_button.click()
        wait_until(lambda: bool(done), 120_000)
        wait_until(lambda: "created" in dash.last_sync_label.text())
        shoot(window, out / "dashboard.png")

        # Exception queue with one item open.
        window.show_page(window.exceptions)
        page = window.exceptions
        wait_until(lambda: page.model.rowCount() > 0)
        page.view.selectRow(0)
        wait_until(lambda: bool(page.clio_side.toPlainText()))
        page.details.setCurrentIndex(0)
        shoot(window, out / "exceptions.png")

        # Audit trail: the history of one invoice.
        window.show_page(window.audit)
        audit_page = window.audit
        wait_until(lambda: audit_page.model.rowCount() > 0)
        audit_page.verify_button.click()
        wait_until(lambda: audit_page.last_verify is not None)
        row = next((r for r in range(audit_page.model.rowCount())
                    if audit_page.model.row_tuple(r)[5].startswith("Invoice")), 0)
        audit_page.view.selectRow(row)
        wait_until(lambda: audit_page.history_model.rowCount() > 0)
        shoot(window, out / "audit.png")

        # Reconciliation: the demo statement imported, a matched pair selected.
        window.show_page(window.reconcile)
        rec = window.reconcile
        wait_until(lambda: rec.demo_statement is not None)
        loaded: list[object] = []
        rec.loaded.connect(lambda: loaded.append(1))
        rec.import_file(rec.demo_statement)
        wait_until(lambda: bool(loaded))
        model = rec.bank.model
        matched = next((r for r in range(model.rowCount()) if model.group(r) is not None), 0)
        rec.bank.view.selectRow(matched)
        shoot(window, out / "reconciliation.png")

        window.show_page(window.settings)
        wait_until(lambda: window.settings.timer_spin.value() >= 0)
        shoot(window, out / "settings.png")

        # Setup wizard pages.
        window.open_wizard()
        wiz = window.wizard
        wiz.resize(760, 600)
        shoot(wiz, out / "wizard-1-start.png")
        wiz.next()  # the developer apps (docs/CONNECTING.md shows it for a real firm)
        wiz.next()
        wiz.clio_page.button.click()
        try:
            wait_until(lambda: wiz.clio_page.connected, 20_000)
            wiz.next()
            wiz.qbo_page.button.click()
            wait_until(lambda: wiz.qbo_page.connected, 20_000)
            shoot(wiz, out / "wizard-2-connect.png")
            wiz.next()
            wait_until(lambda: wiz.accounts_page.loaded)
            shoot(wiz, out / "wizard-3-accounts.png")
            wiz.next()
            shoot(wiz, out / "wizard-4-items.png")  # with the per-practice-area pickers
            wiz.next()
            wiz.customers_page.view.scrollToBottom()  # the clients with non-Latin names sort last
            shoot(wiz, out / "wizard-5-customers.png")
            wiz.next()
            shoot(wiz, out / "wizard-6-confirm.png")
        except TimeoutError:
            shoot(wiz, out / "wizard-2-connect.png")
            print("no keychain here: the wizard's later pages were not shot", file=sys.stderr)
        wiz.reject()
        if window.last_error_dialog is not None:
            window.last_error_dialog.close()

        # The dark palette.
        theme.apply_theme(app, "dark")
        window.show_page(window.dashboard)
        shoot(window, out / "dashboard-dark.png")
        window.show_page(window.reconcile)
        shoot(window, out / "reconciliation-dark.png")
        theme.apply_theme(app, "light")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
