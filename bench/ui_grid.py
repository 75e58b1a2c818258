"""UI benchmark: open the reconciliation view with 100k rows per grid, and the UI thread's longest stall
during a medium-firm sync.

    QT_QPA_PLATFORM=offscreen python3 bench/ui_grid.py [--rows 100000] [--firm medium] [--skip-sync]

1. Open: a Reconciliation with N bank lines, N journal entries and N client ledgers is turned into grid rows
   (on a worker in the app; timed separately here), then the main thread hands them to the three models and
   paints the page. Target: under 300 ms.
2. Stall: the real SyncEngine runs a medium demo firm against the sandbox, started from the window as Sync now
   starts it (in a child process, ``app.sync.subprocess_run``; ``--in-thread`` runs it on the app's write
   worker instead, as before issue 8) while a QTimer heartbeat ticks every 5 ms on the UI thread; the
   longest gap between ticks, less the interval, is the longest stall. Target: under 100 ms. The heartbeat
   starts once the window's own start-up work is done (its first paint and dashboard load are not the sync's).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.model import TrustTxn  # noqa: E402
from app.reconcile.records import ClientLedger, Match, Reconciliation, Rule, StoredBankLine  # noqa: E402
from app.store import open_store  # noqa: E402
from ui.backend import reconcile as recon_backend  # noqa: E402
from ui.context import AppContext  # noqa: E402
from ui.main import freeze_start_up_heap  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402


def synthetic_reconciliation(n: int) -> Reconciliation:
    start = dt.date(2026, 1, 1)
    bank, journal, ledgers, matches = [], [], [], []
    for i in range(n):
        day = start + dt.timedelta(days=i % 28)
        amt = Decimal(((i * 7919) % 500_000) - 250_000) / 100
        bank.append(StoredBankLine(i + 1, day, amt, payee=f"Payee {i}", memo=f"memo {i % 97}",
                                   check_number=str(5000 + i) if amt < 0 else ""))
        journal.append(TrustTxn(i + 1, "e", 1, day, amt if amt > 0 else Decimal(0), -amt if amt < 0 else Decimal(0),
                                description=f"Entry {i}", confirmation=str(5000 + i), client_id=i % 5000,
                                matter_id=i))
        ledgers.append(ClientLedger(i % 5000, f"Client {i % 5000}", i, f"{i:05d}-Matter", amt, 3))
        if i % 10:
            matches.append(Match((i + 1,), (i + 1,), Rule.AMOUNT_DATE))
    total = sum((b.amount for b in bank), Decimal(0))
    return Reconciliation(
        firm="bench", account="IOLTA", bank_account_id=1, period="2026-01", start=start, end=dt.date(2026, 1, 31),
        statement_balance=total, opening_balance=Decimal(0), deposits_in_transit=(), outstanding_checks=(),
        adjusted_bank_balance=total, journal_balance=total, client_ledgers=tuple(ledgers), client_ledger_total=total,
        qbo_liability=None, bank_lines=tuple(bank), journal=tuple(journal), matches=tuple(matches),
        unmatched_bank=(), ambiguities=(), findings=(), bank_only_total=Decimal(0),
        unexplained_bank_difference=Decimal(0), unassigned_total=Decimal(0),
    )


def bench_open(app: QApplication, rows: int, runs: int = 5) -> None:
    rec = synthetic_reconciliation(rows)
    t = time.perf_counter()
    data = recon_backend.build_view(rec)
    build_ms = (time.perf_counter() - t) * 1000
    tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
    store = open_store(tmp / "bench.sqlite3")
    window = MainWindow(AppContext(store, "bench", tmp))
    window.resize(1600, 1000)
    window.show()
    window.show_page(window.reconcile)
    page = window.reconcile
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        page.show_view(data)  # what the main thread does when the worker's result arrives
        page.grab()  # paint the page now, synchronously (layout + the visible rows of all three grids)
        times.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    page.bank.proxy.sort(3)
    page.bank.grab()
    sort_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    page.unmatched_only.setChecked(True)
    page.grab()
    filter_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    page.bank.view.selectRow(5)
    page.grab()
    select_ms = (time.perf_counter() - t) * 1000
    print(f"reconciliation view, {rows:,} rows per grid ({3 * rows:,} rows):")
    print(f"  build grid rows (worker thread):   {build_ms:8.1f} ms")
    print(f"  open on the UI thread (median of {runs}): {statistics.median(times):6.1f} ms "
          f"(max {max(times):.1f} ms; target < 300 ms) {'OK' if statistics.median(times) < 300 else 'SLOW'}")
    print(f"  sort 100k by amount:               {sort_ms:8.1f} ms")
    print(f"  filter 'unmatched only' (3 grids): {filter_ms:8.1f} ms")
    print(f"  select a row, highlight its match: {select_ms:8.1f} ms")
    window.close()
    store.close()


class _GcPauses:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.full = 0
        self._t = 0.0

    def callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.times.append((time.perf_counter() - self._t) * 1000)
            self.full += info.get("generation") == 2


def gc_pauses() -> _GcPauses:
    """Time every garbage collection: a full one holds the GIL, so every thread (the UI's too) waits."""
    p = _GcPauses()
    gc.callbacks.append(p.callback)
    return p


@contextlib.contextmanager
def sandbox_process(firm: str) -> Iterator[tuple[str, str]]:
    """``ledgerbridge sandbox`` in its own process, as the real services are: not in the app's interpreter."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--firm", firm, "--no-limits"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        urls = {}
        assert proc.stdout is not None
        while len(urls) < 2:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox process ended before it printed its addresses")
            if line.startswith(("Clio sandbox:", "QuickBooks sandbox:")):
                name, _, url = line.partition(": ")
                urls[name] = url.strip()
        yield urls["Clio sandbox"], urls["QuickBooks sandbox"]
    finally:
        proc.terminate()
        proc.wait(10)


def settle(window: MainWindow, quiet_ms: int = 500) -> None:
    """Let the window's start-up work (first paint, the dashboard's first load) finish before measuring, so
    the figure is the sync's and not the window's opening."""
    loop = QEventLoop()
    deadline = time.monotonic() + 60

    def check() -> None:
        if (window.dashboard.refreshes >= 1 and not window.tasks.running()) or time.monotonic() > deadline:
            poll.stop()
            QTimer.singleShot(quiet_ms, loop.quit)

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(20)
    loop.exec()


def bench_stall(app: QApplication, firm: str, *, in_process: bool, in_thread: bool, limit: float | None) -> None:
    from app.auth.sandbox_tokens import clio_tokens, qbo_tokens
    from app.clio.client import ClioClient
    from app.connections import SandboxAddress
    from app.demo import prepare_demo_mapping
    from app.qbo.client import QboClient
    from app.sandbox.runner import Sandbox
    from ui.context import DemoInfo

    tmp = Path(tempfile.mkdtemp(prefix="lb-bench-"))
    with contextlib.ExitStack() as stack:
        if in_process:
            sb = stack.enter_context(Sandbox(firm, 7, clio_rate_limit=0, qbo_limits=False))
            clio_url, qbo_url, realm = sb.clio_url, sb.qbo_url, sb.realm_id
        else:
            clio_url, qbo_url = stack.enter_context(sandbox_process(firm))
            realm = "9130350000000001"

        def clients(_ctx: AppContext) -> tuple[ClioClient, QboClient]:
            return ClioClient(clio_url, clio_tokens(clio_url)), QboClient(qbo_url, realm, qbo_tokens(qbo_url))

        store = open_store(tmp / "bench.sqlite3")
        if in_thread:  # an injected clients factory cannot cross processes: the run stays on the worker
            ctx = AppContext(store, "bench", tmp, clients_factory=clients)
        else:  # as the demo firm: the child process builds its clients from the sandbox's addresses
            ctx = AppContext(store, "bench", tmp, demo=DemoInfo(SandboxAddress(clio_url, qbo_url, realm), firm))
        clio, qbo = clients(ctx)
        prepare_demo_mapping(store, clio, qbo)
        clio.close()
        qbo.close()
        window = MainWindow(ctx)
        window.show()
        settle(window)
        freeze_start_up_heap()  # as the app does once its window is up
        clock = QElapsedTimer()
        gaps: list[int] = []
        beat = QTimer()
        beat.setInterval(5)
        # Linux: the UI thread's own time running and waiting for a processor (run queue), read at every tick,
        # so the worst stall can be told apart: the app's doing (running, or waiting for the GIL) or the
        # machine's (a busy processor).
        schedstat = Path("/proc/thread-self/schedstat")
        sched: list[tuple[int, int]] = []
        has_sched = schedstat.exists()

        def tick() -> None:
            gaps.append(clock.restart())
            if has_sched:
                ran, waited = schedstat.read_text().split()[:2]
                sched.append((int(ran), int(waited)))

        beat.timeout.connect(tick)
        outcome: dict[str, object] = {}

        def finished(summary, error, dry_run, trigger) -> None:  # type: ignore[no-untyped-def]
            outcome.update(summary=summary, error=error, trigger=trigger, seconds=time.perf_counter() - t)
            # Keep beating a while: the run's heap is let go now, and a collection may follow.
            QTimer.singleShot(3000, lambda: (beat.stop(), app.quit()))

        window.sync.run_finished.connect(finished)
        pauses = gc_pauses()
        t = time.perf_counter()
        clock.start()
        beat.start()
        window.sync.start(trigger="bench")
        if limit:
            QTimer.singleShot(int(limit * 1000), window.sync.cancel)
        app.exec()
        seconds = float(outcome.get("seconds", time.perf_counter() - t))  # type: ignore[arg-type]
        summary = outcome.get("summary")
        worst = max(gaps) - 5 if gaps else 0
        worst_at = sum(gaps[: gaps.index(max(gaps)) + 1]) / 1000 if gaps else 0.0  # when, from the start
        slow = sum(1 for g in gaps if g - 5 >= 50)
        p99 = sorted(gaps)[int(len(gaps) * 0.99)] - 5 if gaps else 0
        where = "in this process" if in_process else "in its own process"
        ran = "cancelled after" if outcome.get("trigger") == "cancel" else "finished in"
        run_where = "on the write worker" if in_thread else "in a child process"
        print(f"{firm} firm sync {run_where} (sandbox {where}, switch interval "
              f"{sys.getswitchinterval() * 1000:.0f} ms): {ran} {seconds:.1f} s, "
              f"{getattr(summary, 'created', '-')} created, error: {outcome.get('error')}")
        print(f"  UI heartbeat every 5 ms (the run and 3 s after): {len(gaps)} ticks; longest stall {worst} ms "
              f"(at {worst_at:.1f} s), p99 {p99} ms, {slow} stalls of 50 ms or more "
              f"(target < 100 ms) {'OK' if worst < 100 else 'SLOW'}")
        if has_sched and gaps:
            i = gaps.index(max(gaps))
            if i > 0:
                ran_ms = (sched[i][0] - sched[i - 1][0]) / 1e6
                waited_ms = (sched[i][1] - sched[i - 1][1]) / 1e6
                print(f"  during the longest stall the UI thread ran {ran_ms:.0f} ms and waited {waited_ms:.0f} ms for "
                      f"a processor; the rest it was blocked (the GIL or a lock)")
        gc.callbacks.remove(pauses.callback)
        if pauses.times:
            print(f"  garbage collections: {len(pauses.times)}, longest {max(pauses.times):.0f} ms "
                  f"(generation 2: {pauses.full} runs)")
        window.close()
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--firm", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--skip-sync", action="store_true")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--in-process", action="store_true",
                        help="run the sandbox in the app's own interpreter (as demo mode does)")
    parser.add_argument("--in-thread", action="store_true",
                        help="run the sync on the app's write worker thread (as before issue 8), not in a child process")
    parser.add_argument("--limit", type=float, default=None, help="cancel the sync after this many seconds")
    parser.add_argument("--switch-interval-ms", type=float, default=None,
                        help="override the interpreter's thread switch interval (the app sets its own)")
    args = parser.parse_args()
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    if not args.skip_open:
        bench_open(app, args.rows)
    if not args.skip_sync:
        bench_stall(app, args.firm, in_process=args.in_process, in_thread=args.in_thread, limit=args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
