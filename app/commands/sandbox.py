"""`ledgerbridge sandbox`: serve both emulators with a demo firm until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

from app.paths import write_private_text
from app.sandbox.demo_firm import SIZES
from app.sync.cutover import cutover_date


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--firm", choices=sorted(SIZES), default="small", help="demo firm size (default: %(default)s)")
    p.add_argument("--seed", type=int, default=7, help="demo firm seed: same seed, same firm (default: %(default)s)")
    p.add_argument("--clio-port", type=int, default=0, help="port for the Clio emulator (default: any free)")
    p.add_argument("--qbo-port", type=int, default=0, help="port for the QuickBooks emulator (default: any free)")
    p.add_argument("--no-limits", action="store_true", help="turn both emulators' rate limits off")
    p.add_argument("--existing-books", type=cutover_date, default=None, metavar="YYYY-MM-DD",
                   help="QuickBooks already holds the firm's books before this date (closed through the month "
                        "before), as a firm that used Clio's own connector has")
    p.add_argument("--source", choices=("clio", "smokeball", "mycase"), default="clio",
                   help="the practice-management system the demo firm keeps (default: %(default)s); Smokeball's "
                        "emulator is served besides Clio's")
    p.add_argument("--window-seconds", type=float, default=60.0,
                   help="length of the rate-limit windows in seconds (default: %(default)s)")


def cmd_sandbox(args: argparse.Namespace) -> int:
    from app.sandbox.runner import Sandbox

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Ctrl+C and SIGTERM both stop it. SIGINT gets a handler of its own, not Python's default: a process
    # started in the background by a non-interactive shell inherits SIGINT ignored, and would never stop.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    sandbox = Sandbox(
        args.firm,
        args.seed,
        clio_rate_limit=0 if args.no_limits else None,
        qbo_limits=not args.no_limits,
        window_seconds=args.window_seconds,
        clio_port=args.clio_port,
        qbo_port=args.qbo_port,
        existing_books=args.existing_books,
        source=args.source,
    )
    with sandbox:
        if sandbox.history is not None:
            print(sandbox.history.sentence(), file=sys.stderr, flush=True)
        print(f"Clio sandbox: {sandbox.clio_url}", flush=True)
        print(f"QuickBooks sandbox: {sandbox.qbo_url}", flush=True)
        if sandbox.smokeball_url:
            print(f"Smokeball sandbox: {sandbox.smokeball_url}", flush=True)
        if sandbox.mycase_url and sandbox.mycase_firm is not None:
            print(f"MyCase sandbox: {sandbox.mycase_url}", flush=True)
            ledger = Path(tempfile.mkdtemp(prefix="ledgerbridge-mycase-")) / "mycase-trust-ledger.csv"
            write_private_text(ledger, sandbox.mycase_firm.ledger_csv())
            print(f"MyCase trust ledger export: {ledger}", flush=True)
        print(
            f"Clio client id {sandbox.clio_client_id}, QuickBooks client id {sandbox.qbo_client_id}, "
            f"realm {sandbox.realm_id}. Press Ctrl+C to stop.",
            file=sys.stderr,
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return 0
