"""QuickBooks push throughput against the sandbox with all of QuickBooks' limits on, next to the ceiling.

Limits are scaled (default: a 6 s "minute"): 500 requests per window, 40 of them batches, 10 at once.
The ceiling is what those limits allow: 30 writes × the batch requests allowed, plus the rest of the
request budget as single writes. The push uses the real ``QboClient`` from several threads, as the sync
does: a few threads send batches of 30 customer creates, the others single creates, all through the
client's own pacing (its window set to the same scaled length). The measured span is a whole number of
windows; writes are counted when QuickBooks confirms them.

    python3 -m bench.qbo_push [--window 6] [--windows 5] [--batch-threads 2] [--single-threads 8]
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time

from app.qbo.client import BatchOp, QboClient
from app.sandbox.runner import Sandbox

TARGET = 0.85
PER_MINUTE, BATCH_PER_MINUTE, CONCURRENT, BATCH_SIZE = 500, 40, 10, 30


class SandboxTokens:
    """Tokens issued by the emulator directly (a benchmark has no keychain or browser)."""

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        self._state = state
        self._lock = threading.Lock()
        self._token = state.issue_tokens()["access_token"]

    def access_token(self) -> str:
        return self._token

    def refresh(self, stale: str | None = None) -> str:
        with self._lock:
            if stale is None or stale == self._token:
                self._token = self._state.issue_tokens()["access_token"]
            return self._token


def run(window: float, windows: int, batch_threads: int, single_threads: int) -> dict[str, float]:
    with Sandbox("small", 7, qbo_limits=True, window_seconds=window) as sb:
        client = QboClient(sb.qbo_url, sb.realm_id, SandboxTokens(sb.qbo), window_seconds=window,
                           per_minute=PER_MINUTE, batch_per_minute=BATCH_PER_MINUTE,
                           max_concurrent=CONCURRENT)
        counter = itertools.count()
        lock = threading.Lock()
        writes = {"batch": 0, "single": 0, "failed": 0}
        start = time.time()
        deadline = start + windows * window
        run_id = f"{int(start * 1000) % 10**9:09d}"

        def name() -> str:
            return f"Bench {run_id} {next(counter):07d}"

        def batcher() -> None:
            while time.time() < deadline:
                n = next(counter)
                ops = [BatchOp(f"b{i}", "create", "Customer", {"DisplayName": name()}) for i in range(BATCH_SIZE)]
                results = client.batch(ops, request_id=f"bench-{run_id}-b{n}")
                if time.time() <= deadline + 0.001:
                    with lock:
                        writes["batch"] += sum(1 for r in results if r.error is None)
                        writes["failed"] += sum(1 for r in results if r.error is not None)

        def single() -> None:
            while time.time() < deadline:
                n = next(counter)
                client.create("Customer", {"DisplayName": name()}, request_id=f"bench-{run_id}-s{n}")
                if time.time() <= deadline + 0.001:
                    with lock:
                        writes["single"] += 1

        threads = [threading.Thread(target=batcher) for _ in range(batch_threads)]
        threads += [threading.Thread(target=single) for _ in range(single_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = windows * window
        client.close()
    total = writes["batch"] + writes["single"]
    scale = 60 / window
    ceiling = (BATCH_SIZE * BATCH_PER_MINUTE + (PER_MINUTE - BATCH_PER_MINUTE)) * scale
    per_minute = total / elapsed * 60
    return {
        "writes": total,
        "batch_writes": writes["batch"],
        "single_writes": writes["single"],
        "failed": writes["failed"],
        "requests": client.requests_made,
        "throttled": client.throttled,
        "seconds": elapsed,
        "writes_per_minute": per_minute,
        "ceiling_per_minute": ceiling,
        "share": per_minute / ceiling,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--window", type=float, default=6.0, help="window length in seconds (QuickBooks: 60)")
    ap.add_argument("--windows", type=int, default=5)
    ap.add_argument("--batch-threads", type=int, default=2)
    ap.add_argument("--single-threads", type=int, default=8)
    args = ap.parse_args()
    r = run(args.window, args.windows, args.batch_threads, args.single_threads)
    print(f"QuickBooks push, limits {PER_MINUTE} requests / {BATCH_PER_MINUTE} batches / {CONCURRENT} at once "
          f"per {args.window:g} s (scaled minute), {r['seconds']:.1f} s measured")
    print(f"  writes confirmed     {r['writes']:>10,}  ({r['batch_writes']:,} in batches, "
          f"{r['single_writes']:,} single; {r['failed']} refused; {r['requests']:,} requests, "
          f"{r['throttled']} answered 429)")
    print(f"  writes per minute    {r['writes_per_minute']:>10,.0f}")
    print(f"  ceiling per minute   {r['ceiling_per_minute']:>10,.0f}  (30 x batches allowed + the rest "
          "of the budget as single writes)")
    verdict = "meets" if r["share"] >= TARGET else "BELOW"
    print(f"  share of ceiling     {r['share']:>10.1%}  ({verdict} the {TARGET:.0%} target)")


if __name__ == "__main__":
    main()
