"""Requests per second the sandbox emulators serve on loopback with their limits off, and how long the
demo-firm generator takes for the large firm.

    python3 bench/sandbox_throughput.py [--requests 3000] [--threads 4] [--firm medium] [--skip-large]

The emulators must never be what bounds a sync benchmark: the target is at least 1,000 requests a second
each. They run as `ledgerbridge sandbox --no-limits` in their own process (as in demo mode), and the
clients here are keep-alive httpx clients, one per thread, as the app's are. Besides the wall-clock rate
(which on a shared machine also measures the neighbours), the server process's CPU time per request is
read from /proc, which gives the rate one free core sustains.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sandbox.demo_firm import generate_firm  # noqa: E402

TARGET = 1000.0
REALM = "9130350000000001"  # the QuickBooks emulator's default company


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux); None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(pid: int, base_url: str, headers: dict[str, str], request: Callable[[httpx.Client, int], httpx.Response],
             total: int, threads: int) -> tuple[float, float | None, int]:
    """Send `total` requests from `threads` clients: (requests/s, server CPU µs per request, failures)."""
    failures = [0] * threads

    def worker(slot: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            for i in range(slot, total, threads):
                if request(client, i).status_code != 200:
                    failures[slot] += 1

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(pid)
    cpu_per_request = None
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        cpu_per_request = (cpu_after - cpu_before) / total * 1e6
    return total / elapsed, cpu_per_request, sum(failures)


def _wrk(url: str, headers: dict[str, str], seconds: int = 5) -> float | None:
    """Requests/s from wrk, a C load generator, where it is installed (Debian: wrk): unlike the Python
    clients above it is not itself the bottleneck, so this is the server's own rate on loopback."""
    if shutil.which("wrk") is None:
        return None
    cmd = ["wrk", "-t1", "-c8", f"-d{seconds}s", *[a for k, v in headers.items() for a in ("-H", f"{k}: {v}")], url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    if "Non-2xx" in out or "Socket errors" in out:  # a fast stream of errors is no throughput
        print(out)
        return None
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per measurement")
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--firm", default="medium", help="firm served while measuring (default: medium)")
    parser.add_argument("--skip-large", action="store_true", help="do not time the large firm's generation")
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--firm", args.firm, "--seed", "7", "--no-limits"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    rates: dict[str, float] = {}
    try:
        assert server.stdout is not None
        clio_url = server.stdout.readline().split(": ", 1)[1].strip()
        qbo_url = server.stdout.readline().split(": ", 1)[1].strip()
        clio_headers = {"Authorization": f"Bearer {httpx.post(f'{clio_url}/_sandbox/issue_token').json()['access_token']}"}
        qbo_token = httpx.post(f"{qbo_url}/_sandbox/tokens").json()["access_token"]
        qbo_headers = {"Authorization": f"Bearer {qbo_token}", "Accept": "application/json"}
        realm = REALM
        first = httpx.get(f"{clio_url}/api/v4/bills.json", headers=clio_headers, params={"limit": 200}).json()
        bill_ids = [b["id"] for b in first["data"]]

        def clio_show(client: httpx.Client, i: int) -> httpx.Response:
            return client.get(f"/api/v4/bills/{bill_ids[i % len(bill_ids)]}.json",
                              params={"fields": "id,etag,number,state,total,paid,balance"})

        def clio_page(client: httpx.Client, i: int) -> httpx.Response:
            return client.get("/api/v4/line_items.json", params={
                "fields": "id,etag,description,kind,quantity,price,total,discount,date,bill{id},matter{id},updated_at",
                "limit": 50})

        def qbo_query(client: httpx.Client, i: int) -> httpx.Response:
            return client.get(f"/v3/company/{realm}/query",
                              params={"query": "select * from Customer MAXRESULTS 5", "minorversion": "75"})

        print(f"serving the {args.firm} demo firm; {args.requests} requests per line from {args.threads} "
              f"keep-alive clients; limits off")
        for name, call, headers, base in (
            ("Clio: one bill (show, 7 fields)", clio_show, clio_headers, clio_url),
            ("Clio: page of 50 line items (12 fields)", clio_page, clio_headers, clio_url),
            ("QuickBooks: query of 5 customers", qbo_query, qbo_headers, qbo_url),
        ):
            rate, cpu_us, failures = _measure(server.pid, base, headers, call, args.requests, args.threads)
            capacity = 1e6 / cpu_us if cpu_us else None
            cpu_text = f"; server CPU {cpu_us:,.0f} µs a request = {capacity:,.0f}/s on one free core" if cpu_us else ""
            print(f"{name}: {rate:,.0f} requests/s wall clock with httpx clients{cpu_text}; {failures} not 200")
            with httpx.Client(base_url=base, headers=headers) as probe:
                url = str(call(probe, 0).request.url)
            wrk_rate = _wrk(url, headers)
            if wrk_rate is not None:
                print(f"{name}: {wrk_rate:,.0f} requests/s wall clock with wrk (1 thread, 8 connections)")
            rates[name] = max(rate, wrk_rate or 0.0)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average while measuring: {load:.2f} on {os.cpu_count()} cores)")
    if not args.skip_large:
        started = time.perf_counter()
        large = generate_firm("large", 7)
        elapsed = time.perf_counter() - started
        books = large.books.records
        print(f"generated the large firm in {elapsed:.1f} s: {len(books['matters'])} matters, {len(books['bills'])} "
              f"bills, {len(books['line_items'])} lines, {len(books['bank_transactions'])} bank transactions")
    below = [name for name, rate in rates.items() if rate < TARGET]
    if below:
        print(f"below {TARGET:,.0f} requests/s: {', '.join(below)}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
