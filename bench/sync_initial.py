"""First sync of a demo firm with every limit on, windows scaled so it finishes in minutes.

    python3 bench/sync_initial.py [--firm medium|large] [--window SECONDS] [--existing-books YYYY-MM-DD]

Prints writes per (scaled) minute against the ceiling the QuickBooks limits allow (40 batches of 30 plus
the rest of 500 requests, per window), Clio and QuickBooks requests per posted record, peak RSS of the
sync process (the emulators run in their own process), wall time, and the time the same sync would take
under the real one-minute windows. With ``--existing-books`` QuickBooks already holds the firm's books before
that date (``ledgerbridge sandbox --existing-books``) and the sync starts there (its cutover): the figures say
how many records were linked to what QuickBooks had versus created. Linking writes nothing to QuickBooks, so
the rates count only writes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402

from app.auth.sandbox_tokens import clio_tokens, qbo_tokens  # noqa: E402
from app.clients import ClioSource  # noqa: E402
from app.clio.client import ClioClient  # noqa: E402
from app.connections import SandboxAddress, build_clients  # noqa: E402
from app.mapping import demo_defaults, load_mapping, save_mapping  # noqa: E402
from app.qbo.client import QboClient  # noqa: E402
from app.sources import set_firm_source  # noqa: E402
from app.store import Store, open_store  # noqa: E402
from app.sync import cutover, twoway  # noqa: E402
from app.sync.clio_books import load_books  # noqa: E402
from app.sync.engine import Progress, SyncEngine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REALM = "9130350000000001"


class Sandbox:
    def __init__(self, firm: str, *, window: float, limits: bool = True, existing_books: str = "",
                 source: str = "clio") -> None:
        cmd = [sys.executable, "-m", "app", "sandbox", "--firm", firm, "--window-seconds", str(window),
               "--source", source]
        if existing_books:
            cmd += ["--existing-books", existing_books]
        if not limits:
            cmd.append("--no-limits")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.clio_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.qbo_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.smokeball_url = self.proc.stdout.readline().split(": ", 1)[1].strip() if source == "smokeball" else ""
        self.mycase_url = self.mycase_ledger = ""
        if source == "mycase":
            self.mycase_url = self.proc.stdout.readline().split(": ", 1)[1].strip()
            self.mycase_ledger = self.proc.stdout.readline().split(": ", 1)[1].strip()

    def cpu_seconds(self) -> float:
        """User + system CPU time the emulators' process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def faults(self, **switches: Any) -> dict[str, Any]:
        return httpx.post(self.qbo_url + "/_sandbox/faults", json=switches, timeout=30).json()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


def engine(sb: Sandbox, db: Path, *, window: float, paced: bool = True) -> tuple[Store, ClioSource, QboClient,
                                                                                 SyncEngine]:
    """The sync of a firm on the sandbox, reading the firm's source (Clio, or Smokeball at its own rate)."""
    store = open_store(db)
    clio: ClioSource = ClioClient(sb.clio_url, clio_tokens(sb.clio_url))
    smokeball, mycase = getattr(sb, "smokeball_url", ""), getattr(sb, "mycase_url", "")
    if smokeball or mycase:
        set_firm_source(store, "smokeball" if smokeball else "mycase")
        if mycase and not store.query("SELECT 1 FROM trust_ledger_imports LIMIT 1"):
            from app.trustledger import TrustLedgerMapping, import_trust_ledger

            import_trust_ledger(store, sb.mycase_ledger, "IOLTA Trust (MyCase)",
                                TrustLedgerMapping(amount_column="Amount", reference_column="Reference"))
        clio, _ = build_clients(store, "bench", sandbox=SandboxAddress(sb.clio_url, sb.qbo_url, REALM,
                                                                       smokeball_url=smokeball, mycase_url=mycase))
    pace = {} if paced else {"per_minute": 0, "batch_per_minute": 0}
    qbo = QboClient(sb.qbo_url, REALM, qbo_tokens(sb.qbo_url), window_seconds=window, **pace)
    return store, clio, qbo, SyncEngine(store, clio, qbo, workers=8)


def prepare_mapping(clio_url: str, qbo_url: str, window: float, db: str, smokeball_url: str = "",
                    mycase: tuple[str, str] = ("", "")) -> None:
    """In a child process: a dry run on a scratch database, then the demo mapping saved into ``db``."""
    sb = Sandbox.__new__(Sandbox)
    sb.clio_url, sb.qbo_url, sb.smokeball_url = clio_url, qbo_url, smokeball_url
    sb.mycase_url, sb.mycase_ledger = mycase
    scratch, sclio, sqbo, seng = engine(sb, temp_db(), window=window)
    map_firm(seng, scratch)
    mapping = load_mapping(scratch)
    assert mapping is not None
    target = open_store(Path(db))
    save_mapping(target, mapping)
    if smokeball_url or mycase[0]:
        set_firm_source(target, "smokeball" if smokeball_url else "mycase")
    for c in (sclio, sqbo, scratch, target):
        c.close()


def map_firm(eng: SyncEngine, store: Store) -> None:
    eng.run(dry_run=True)
    directory = twoway.directory(store)
    save_mapping(store, demo_defaults(directory["Account"], directory["Item"],
                                      clio_bank_accounts=load_books(store).bank_accounts.values()))


def temp_db() -> Path:
    return Path(tempfile.mkdtemp(prefix="lb-bench-")) / "firm.sqlite3"


PER_MINUTE, BATCH_PER_MINUTE, BATCH_SIZE = 500, 40, 30
CEILING = BATCH_PER_MINUTE * BATCH_SIZE + (PER_MINUTE - BATCH_PER_MINUTE)  # writes per window


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--firm", default="medium", choices=["small", "medium", "large"])
    p.add_argument("--window", type=float, default=None, help="rate-limit window in seconds (real: 60)")
    p.add_argument("--existing-books", type=cutover.cutover_date, default=None, metavar="YYYY-MM-DD",
                   help="QuickBooks already holds the books before this date, and the sync's cutover is that day")
    p.add_argument("--source", default="clio", choices=["clio", "smokeball", "mycase"],
                   help="the firm's practice-management system (Smokeball: its 5 requests a second, unscaled)")
    args = p.parse_args()
    window = args.window or {"small": 2.0, "medium": 8.0, "large": 8.0}[args.firm]
    start = args.existing_books
    sb = Sandbox(args.firm, window=window, existing_books=start.isoformat() if start else "", source=args.source)
    try:
        # The mapping is made on a scratch database (the setup wizard's dry run), in a child process, so
        # that the measured run starts from nothing (a full pull, then every write) and the peak memory
        # measured is the sync's, not the dry run's.
        db = temp_db()
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=prepare_mapping, args=(sb.clio_url, sb.qbo_url, window, str(db),
                                                          sb.smokeball_url, (sb.mycase_url, sb.mycase_ledger)))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"mapping the firm failed (exit {child.exitcode})")
        store, clio, qbo, eng = engine(sb, db, window=window)
        assert load_mapping(store) is not None
        if start is not None:
            cutover.save(store, start, "post")
        sb.faults(clear=True)
        httpx.post(sb.qbo_url + "/_sandbox/reset_limits", json={}, timeout=30)
        clio0, qbo0 = clio.requests_made, qbo.requests_made
        marks: dict[str, float] = {}

        def progress(pr: Progress) -> None:
            marks.setdefault(pr.phase, time.monotonic())
            if pr.phase == "push":
                marks["push_end"] = time.monotonic()

        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        cpu0, emu0 = usage0.ru_utime + usage0.ru_stime, sb.cpu_seconds()
        t0 = time.monotonic()
        summary = eng.run(progress=progress)
        wall = time.monotonic() - t0
        posted = summary.created + summary.updated + summary.voided
        push_seconds = max(marks.get("push_end", t0) - marks.get("push", t0), 1e-9)
        rate_push = posted / (push_seconds / window)
        rate_all = posted / (wall / window)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_sync = usage.ru_utime + usage.ru_stime - cpu0
        cpu_emulators = sb.cpu_seconds() - emu0
        clio_req, qbo_req = clio.requests_made - clio0, qbo.requests_made - qbo0
        # Every step is paced by a limit, so a scaled window stands for a real minute (an upper bound: the
        # local work between requests does not grow with the window).
        real_minutes = wall / window
        print(f"firm {args.firm} in {args.source}, window {window:g} s (real: 60 s), limits on"
              + (" (Smokeball's 5 a second is not scaled)" if args.source == "smokeball" else ""))
        print(f"posted {posted} records ({summary.created} created), linked {summary.linked} to what QuickBooks "
              f"already had, held {summary.held}" + (f", left {summary.before_cutover} dated before the cutover "
                                                     f"{start}" if start else ""))
        print(f"writes per window, push phase: {rate_push:.0f} of a ceiling of {CEILING} "
              f"({100 * rate_push / CEILING:.0f}%)")
        print(f"writes per window, whole run: {rate_all:.0f} ({100 * rate_all / CEILING:.0f}%)")
        print(f"{summary.source} requests per posted record: {clio_req / max(posted, 1):.3f} ({clio_req} requests)")
        print(f"QuickBooks requests per posted record: {qbo_req / max(posted, 1):.3f} ({qbo_req} requests)")
        limits = httpx.post(sb.qbo_url + "/_sandbox/limits", json={}, timeout=30).json()
        print(f"QuickBooks refused as over a limit (429): {limits['throttled']}; the client waited on them "
              f"{qbo.throttled} times")
        print(f"peak RSS of the sync process: {rss_mb:.0f} MB")
        print(f"wall time: {wall:.1f} s (first write after {marks.get('push', t0) - t0:.1f} s, writes over "
              f"{push_seconds:.1f} s, all {summary.source} read after {marks.get('plan', t0) - t0:.1f} s)")
        # Both processes share this machine's cores: when their CPU time nears cores x wall time, the
        # machine, not the pacing, sets the pace (real one-minute windows ask 7.5 times less per second).
        print(f"CPU: sync {cpu_sync:.0f} s, emulators {cpu_emulators:.0f} s, over {wall:.0f} s wall on "
              f"{os.cpu_count()} cores ({100 * (cpu_sync + cpu_emulators) / (wall * (os.cpu_count() or 1)):.0f}% "
              "of the machine)")
        if args.source == "smokeball":  # Smokeball's rate was real, only QuickBooks' windows were scaled
            print(f"projected under real limits: about {max(wall / 60, posted / CEILING):.1f} minutes (Smokeball's "
                  f"5 a second was real here: {wall / 60:.1f} minutes; QuickBooks' ceiling alone needs "
                  f"{posted / CEILING:.1f} minutes, alongside)")
        else:
            print(f"projected under real limits: {real_minutes:.1f} minutes ({real_minutes / 60:.2f} hours); "
                  f"the QuickBooks ceiling alone needs {posted / CEILING:.1f} minutes")
        clio.close()
        qbo.close()
        store.close()
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
