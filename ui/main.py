"""GUI entry point: ``ledgerbridge-gui [--profile NAME] [--data-dir DIR] [--demo] [--self-test]``.

``main(argv)`` parses the command line; ``run(window_args)`` opens the window for a firm (or for the demo
firm, served by an in-process sandbox in a throw-away profile) and runs the event loop.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import logging
import multiprocessing
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app import __version__
from app.clio import spec as clio_spec
from app.errors import LedgerbridgeError
from app.logs import setup_logging
from app.paths import DEFAULT_PROFILE, database_path
from app.store import audit_key, open_store
from app.sync.cutover import cutover_date
from ui import platform_check, theme
from ui.context import AppContext, DemoInfo
from ui.main_window import MainWindow

log = logging.getLogger("ledgerbridge.ui")


@dataclass
class WindowArgs:
    profile: str = DEFAULT_PROFILE
    data_dir: str | None = None
    demo: bool = False
    firm: str = "small"
    seed: int = 7
    existing_books: dt.date | None = None  # the demo's QuickBooks already holds its books before this date
    self_test: bool = False
    theme: str = "light"
    qt_args: list[str] = field(default_factory=list)
    source: str = "clio"  # the demo firm's practice-management system


def parse_args(argv: Sequence[str] | None = None) -> WindowArgs:
    parser = argparse.ArgumentParser(prog="ledgerbridge-gui", description="The Ledgerbridge desktop app.")
    parser.add_argument("--version", action="version", version=f"ledgerbridge {__version__}")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="the firm's profile (default: %(default)s)")
    parser.add_argument("--data-dir", default=None, help="where profiles live (default: the user data folder)")
    parser.add_argument("--demo", action="store_true", help="open a made-up firm served by a local sandbox")
    parser.add_argument("--firm", default="small", choices=["small", "medium", "large"], help="demo firm size")
    parser.add_argument("--seed", type=int, default=7, help="demo firm seed")
    parser.add_argument("--existing-books", type=cutover_date, default=None, metavar="YYYY-MM-DD",
                        help="the demo's QuickBooks already holds the firm's books before this date (the cutover)")
    parser.add_argument("--source", default="clio", choices=["clio", "smokeball", "mycase"],
                        help="the demo firm's practice-management system (default: %(default)s)")
    parser.add_argument("--dark", action="store_true", help="use the dark palette")
    parser.add_argument("--self-test", action="store_true", help="start offscreen-safe, check, and quit")
    args, qt_args = parser.parse_known_args(argv)
    return WindowArgs(args.profile, args.data_dir, args.demo, args.firm, args.seed, args.existing_books,
                      args.self_test, "dark" if args.dark else "light", qt_args, args.source)


def make_app(qt_args: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Ledgerbridge")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(theme.icon("app"))
    return app


@contextlib.contextmanager
def demo_session(firm: str, seed: int, existing_books: dt.date | None = None, source: str = "clio"
                 ) -> Iterator[tuple[AppContext, Path]]:
    """The sandbox with the demo firm (QuickBooks holding its books before ``existing_books`` when given; kept in
    Smokeball when ``source`` says so), and a throw-away profile whose folder goes away afterwards."""
    import app.sandbox.runner as runner
    from app.sources import set_firm_source

    tmp = Path(tempfile.mkdtemp(prefix="ledgerbridge-demo-"))
    try:
        with runner.Sandbox(firm=firm, seed=seed, existing_books=existing_books, source=source) as sandbox:
            store = open_store(database_path("demo", tmp))
            try:
                set_firm_source(store, source)
                yield AppContext(store, "demo", tmp, demo=DemoInfo(sandbox, firm, seed)), tmp
            finally:
                store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(window_args: WindowArgs) -> int:
    setup_logging()
    missing = platform_check.missing_packages()
    if missing:
        print(platform_check.explain(missing), file=sys.stderr)
        return 2
    app = make_app(window_args.qt_args)
    theme.apply_theme(app, window_args.theme)
    if window_args.self_test:
        return self_test(app)
    try:
        if window_args.demo:
            with demo_session(window_args.firm, window_args.seed, window_args.existing_books,
                              window_args.source) as (ctx, _tmp):
                return _show(app, ctx, demo=True)
        store = open_store(database_path(window_args.profile, window_args.data_dir))
        audit_key.attach(store, window_args.profile)
    except LedgerbridgeError as exc:
        print(f"ledgerbridge-gui: {exc}", file=sys.stderr)
        return 2
    from ui.firm_session import FirmSession

    session = FirmSession(AppContext(store, window_args.profile,
                                     Path(window_args.data_dir) if window_args.data_dir else None), owns_store=True)
    QTimer.singleShot(2000, freeze_start_up_heap)
    try:
        return app.exec()
    finally:
        session.close()


def freeze_start_up_heap() -> None:
    """What the window made while opening lives as long as the app: keep it out of the scan of every later
    garbage collection (a full pass over it froze the window for up to 66 ms during a sync)."""
    gc.collect()
    gc.freeze()


def _show(app: QApplication, ctx: AppContext, *, demo: bool = False) -> int:
    window = MainWindow(ctx)
    window.show()
    QTimer.singleShot(2000, freeze_start_up_heap)  # once the first paint and the dashboard's load are done
    if demo:
        from ui.demo import start_demo

        start_demo(window)
    return app.exec()


def self_test(app: QApplication) -> int:
    """Start the whole window on a throw-away firm, let its first loads finish, check, quit. 0 = fine."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ledgerbridge-selftest-") as tmp:
        store = open_store(Path(tmp) / "selftest.sqlite3")
        window = MainWindow(AppContext(store, "selftest", Path(tmp)))
        window.show()
        if theme.icon("app").isNull():
            problems.append("icons are missing from the bundle")
        if not (theme.resources_dir() / "style.qss").exists():
            problems.append("the style sheet is missing from the bundle")
        try:
            clio_spec.load()
        except (OSError, ValueError) as exc:  # the Clio client and its emulator both read it
            problems.append(f"Clio's API description (app/clio/spec.json) is missing from the bundle: {exc}")

        deadline = QTimer()
        deadline.setSingleShot(True)
        poll = QTimer()
        poll.setInterval(50)

        def check() -> None:
            # Done when the dashboard's first background load has come back (or at the deadline).
            if window.dashboard.refreshes >= 1 or not deadline.isActive():
                poll.stop()
                if window.dashboard.refreshes < 1:
                    problems.append("the dashboard did not load within 10 s")
                app.quit()

        poll.timeout.connect(check)
        deadline.start(10_000)
        poll.start()
        app.exec()
        window.close()
        store.close()
        if problem := check_sync_process(Path(tmp)):
            problems.append(problem)
    for p in problems:
        print(f"self-test: {p}", file=sys.stderr)
    print(f"ledgerbridge {__version__} self-test: {'ok' if not problems else 'FAILED'}")
    return 1 if problems else 0


def check_sync_process(folder: Path) -> str | None:
    """A sync runs in a child process (``app.sync.subprocess_run``). Start one as a sync does, on a database
    file that is not one, and expect the child's own error back: this build can start its children, and
    their errors come back whole. Returns what is wrong, or None."""
    import threading

    from app.errors import StoreError
    from app.sync.subprocess_run import SyncJob, run_in_child

    bogus = folder / "not-a-database.sqlite3"
    bogus.write_bytes(b"this is not an SQLite database" * 64)
    give_up = threading.Event()
    timer = threading.Timer(60, give_up.set)  # a child that never answers must not hang the self-test
    timer.start()
    try:
        run_in_child(SyncJob(database=bogus, profile="selftest"), cancel=give_up, cancel_grace=1)
    except StoreError:
        return None
    except BaseException as exc:
        return f"the sync's child process did not work ({type(exc).__name__}: {exc})"
    finally:
        timer.cancel()
    return "the sync's child process took a damaged database for a good one"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["cli"]:
        # The bundled app has one executable: "cli" runs the headless command line (what the operating
        # system's scheduler starts, app.schedule), without Qt.
        from app.cli import main as cli_main

        return cli_main(args[1:])
    return run(parse_args(args))


if __name__ == "__main__":
    # In the bundle, a sync's child process (app.sync.subprocess_run, "spawn") and multiprocessing's
    # resource tracker start this same executable: this diverts them to their work before the app starts.
    multiprocessing.freeze_support()
    sys.exit(main())
