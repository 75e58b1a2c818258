"""Clio pull throughput against the sandbox with Clio's rate limit on, next to the limit's ceiling.

The limit is scaled (default 50 requests per 2 s instead of per 60 s) so the run takes seconds; the
ceiling is 200 records (a full page) × the requests the limit allows. The client is the real
``ClioClient`` over HTTP; it paces itself from the rate-limit headers. After a warm-up of three windows
(in which the client learns where the server's windows really end: the header rounds up to the second),
the measured span starts on a window boundary and lasts a whole number of windows, and only records
consumed inside it count, so a part-window at either end cannot flatter the figure.

    python3 -m bench.clio_pull [--firm medium] [--limit 50] [--window 2] [--windows 8]
"""

from __future__ import annotations

import argparse
import itertools
import time

from app.clio import fields
from app.clio.client import ClioClient
from app.sandbox.runner import Sandbox

TARGET = 0.90


class SandboxTokens:
    """Tokens issued by the emulator directly (a benchmark has no keychain or browser)."""

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        self._state = state
        self._token = state.issue_token()["access_token"]

    def access_token(self) -> str:
        return self._token

    def refresh(self, stale: str | None = None) -> str:
        if stale is None or stale == self._token:
            self._token = self._state.issue_token()["access_token"]
        return self._token


def run(firm: str, limit: int, window: float, windows: int, seed: int = 7) -> dict[str, float]:
    with Sandbox(firm, seed, clio_rate_limit=limit, window_seconds=window, qbo_limits=False) as sb:
        # The big lists, where a pull spends nearly all of its requests.
        endpoints = ["line_items", "bills", "bank_transactions", "allocations", "matters", "contacts"]
        client = ClioClient(sb.clio_url, SandboxTokens(sb.clio))
        try:
            # Warm up for a few windows, so the client has learnt where the server's windows really end
            # (the header rounds it up to the second), then start the clock on a window boundary.
            warm_until = time.time() + 3 * window
            while time.time() < warm_until:
                list(client.iter_records("contacts", fields.CONTACTS))
            boundary = client.window_end
            while boundary < time.time():
                boundary += window
            time.sleep(boundary - time.time())
            start = time.time()
            deadline = start + windows * window
            records = 0
            requests_before = client.requests_made
            throttled_before = client.throttled
            for endpoint in itertools.cycle(endpoints):
                # Records are counted as they are consumed, so a page fetched just before the deadline
                # is only partly counted: the figure errs low, never high.
                for _ in client.iter_records(endpoint, fields.fields_for(endpoint)):
                    if time.time() >= deadline:
                        break
                    records += 1
                if time.time() >= deadline:
                    break
            elapsed = max(time.time() - start, windows * window)
            requests = client.requests_made - requests_before
            throttled = client.throttled - throttled_before
        finally:
            client.close()
    per_minute = records / elapsed * 60
    ceiling = 200 * limit * (60 / window)
    return {
        "records": records,
        "requests": requests,
        "seconds": elapsed,
        "records_per_minute": per_minute,
        "ceiling_per_minute": ceiling,
        "share": per_minute / ceiling,
        "throttled": throttled,
        "paced_seconds": client.paced_seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firm", default="medium")
    ap.add_argument("--limit", type=int, default=50, help="requests allowed per window")
    ap.add_argument("--window", type=float, default=2.0, help="window length in seconds (Clio: 60)")
    ap.add_argument("--windows", type=int, default=8, help="how many windows to measure")
    args = ap.parse_args()
    r = run(args.firm, args.limit, args.window, args.windows)
    print(f"Clio pull, firm {args.firm}, limit {args.limit} requests per {args.window:g} s "
          f"(scaled minute), {r['seconds']:.1f} s measured")
    print(f"  records pulled       {r['records']:>10,}  in {r['requests']:,} requests "
          f"({r['throttled']} answered 429)")
    print(f"  records per minute   {r['records_per_minute']:>10,.0f}")
    print(f"  ceiling per minute   {r['ceiling_per_minute']:>10,.0f}  (200 records x requests allowed)")
    verdict = "meets" if r["share"] >= TARGET else "BELOW"
    print(f"  share of ceiling     {r['share']:>10.1%}  ({verdict} the {TARGET:.0%} target)")


if __name__ == "__main__":
    main()
