"""Clio pull throughput against the sandbox with Clio's rate limit on, next to the limit's ceiling.

The limit is scaled (default 50 requests per 2 s instead of per 60 s) so the run takes seconds; the
ceiling is 200 records (a full page) × the requests the limit allows. The client is the real
``ClioClient`` over HTTP against the strict emulator, reading each list as the sync does: by cursor where
Clio offers one, and bill lines (no cursor: offset pages stop at 10,000 records) in creation windows.
It paces itself from the rate-limit headers.

Two figures. The measured span: after a warm-up of three windows (in which the client learns where the
server's windows really end: the header rounds up to the second), a span that starts on a window boundary
and lasts a whole number of windows, counting only records consumed inside it, so a part-window at either
end cannot flatter it. Then the whole bill-line stream, read from a window boundary to its end (every window
restart and the part-filled last page included): records, requests, requests a perfect reader would need
(one per 200 records), records per minute and share of the ceiling. Its last window is only partly used, so
that share can pass 100% (medium: 2 windows); the strict figure counts the last window whole.

    python3 bench/clio_pull.py [--firm medium|large] [--limit 50] [--window 2] [--windows 8]
"""

from __future__ import annotations

import argparse
import itertools
import math
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


def _to_boundary(client: ClioClient, window: float) -> float:
    """Sleep to the start of the server's next rate-limit window (as the client learnt it); returns now."""
    boundary = client.window_end
    while boundary < time.time():
        boundary += window
    time.sleep(boundary - time.time())
    return time.time()


def _measured_span(client: ClioClient, window: float, windows: int) -> dict[str, float]:
    """Records consumed in a whole number of windows from a learnt window boundary (see the docstring)."""
    # The big lists, where a pull spends nearly all of its requests.
    endpoints = ["line_items", "bills", "bank_transactions", "allocations", "matters", "contacts"]
    warm_until = time.time() + 3 * window
    while time.time() < warm_until:
        list(client.iter_records("contacts", fields.CONTACTS))
    start = _to_boundary(client, window)
    deadline = start + windows * window
    records = 0
    requests_before, throttled_before = client.requests_made, client.throttled
    for endpoint in itertools.cycle(endpoints):
        # Records are counted as they are consumed, so a page fetched just before the deadline is only
        # partly counted: the figure errs low, never high.
        for _ in client.iter_records(endpoint, fields.fields_for(endpoint)):
            if time.time() >= deadline:
                break
            records += 1
        if time.time() >= deadline:
            break
    return {"records": records, "requests": client.requests_made - requests_before,
            "seconds": max(time.time() - start, windows * window), "throttled": client.throttled - throttled_before}


def _whole_line_stream(client: ClioClient, window: float) -> dict[str, float]:
    """The whole bill-line stream, from a window boundary to its last record, as the sync's pull reads it."""
    start = _to_boundary(client, window)
    requests_before, throttled_before = client.requests_made, client.throttled
    records = sum(1 for _ in client.iter_records("line_items", fields.LINE_ITEMS))
    seconds = time.time() - start
    return {"records": records, "requests": client.requests_made - requests_before, "seconds": seconds,
            "throttled": client.throttled - throttled_before, "last_window": (seconds % window) / window}


def run(firm: str, limit: int, window: float, windows: int, seed: int = 7) -> dict[str, dict[str, float]]:
    with Sandbox(firm, seed, clio_rate_limit=limit, window_seconds=window, qbo_limits=False) as sb:
        client = ClioClient(sb.clio_url, SandboxTokens(sb.clio))
        try:
            span = _measured_span(client, window, windows)
            whole = _whole_line_stream(client, window)
        finally:
            client.close()
    ceiling = 200 * limit * (60 / window)
    for figures in (span, whole):
        figures["records_per_minute"] = figures["records"] / figures["seconds"] * 60
        figures["share"] = figures["records_per_minute"] / ceiling
    return {"span": span, "lines": whole, "ceiling": {"per_minute": ceiling, "paced_seconds": client.paced_seconds}}


def _print(title: str, r: dict[str, float]) -> None:
    verdict = "meets" if r["share"] >= TARGET else "BELOW"
    print(title)
    print(f"  records pulled       {r['records']:>10,.0f}  in {r['requests']:,.0f} requests "
          f"({r['throttled']:.0f} answered 429), {r['seconds']:.1f} s")
    print(f"  records per minute   {r['records_per_minute']:>10,.0f}")
    print(f"  share of ceiling     {r['share']:>10.1%}  ({verdict} the {TARGET:.0%} target)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firm", default="medium")
    ap.add_argument("--limit", type=int, default=50, help="requests allowed per window")
    ap.add_argument("--window", type=float, default=2.0, help="window length in seconds (Clio: 60)")
    ap.add_argument("--windows", type=int, default=8, help="how many windows to measure")
    args = ap.parse_args()
    r = run(args.firm, args.limit, args.window, args.windows)
    print(f"Clio pull, firm {args.firm}, limit {args.limit} requests per {args.window:g} s (scaled minute)")
    print(f"  ceiling per minute   {r['ceiling']['per_minute']:>10,.0f}  (200 records x requests allowed)")
    _print(f"Measured span ({args.windows} windows from a window boundary, every big list in turn)", r["span"])
    lines = r["lines"]
    _print("Whole bill-line stream (no cursor: creation windows under the 10,000-record offset ceiling)", lines)
    perfect = -(-lines["records"] // 200)
    print(f"  requests needed      {perfect:>10,.0f}  at 200 a page; "
          f"{perfect / lines['requests']:.1%} of the requests sent were needed")
    whole_windows = math.ceil(lines["seconds"] / args.window)
    strict = lines["records"] / (whole_windows * args.window) * 60 / r["ceiling"]["per_minute"]
    print(f"  it ends {lines['last_window']:.0%} into its last window; counting that window whole "
          f"({whole_windows} windows): {strict:.1%} of the ceiling")


if __name__ == "__main__":
    main()
