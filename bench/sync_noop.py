"""Syncs with nothing changed, after a first full sync: requests made and time taken, for the run right after
it and for the one after that.

    python3 bench/sync_noop.py [--firm small|medium|large] [--source clio|smokeball|mycase]

A Smokeball or MyCase firm runs under its service's own rate (Smokeball: 5 requests a second, burst 5; MyCase:
25 a second) with QuickBooks' limits in 8-second windows; the goal for a 500-matter Smokeball firm (medium) is a
no-change sync in under 30 Smokeball requests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sync_initial import Sandbox, engine, map_firm, temp_db  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--firm", default="medium", choices=["small", "medium", "large"])
    p.add_argument("--source", default="clio", choices=["clio", "smokeball", "mycase"])
    args = p.parse_args()
    limited = args.source != "clio"  # another source runs at its own rate (QuickBooks' windows scaled to 8 s)
    window = 8.0 if limited else 60.0
    sb = Sandbox(args.firm, window=window, limits=limited, source=args.source)
    try:
        store, clio, qbo, eng = engine(sb, temp_db(), window=window, paced=limited)
        map_firm(eng, store)
        first = eng.run()
        print(f"firm {args.firm} in {args.source}: first sync wrote {first.writes} records in {first.seconds:.1f} s, "
              f"{first.requests_clio} {first.source} requests, held {first.held}")
        # The first run after a sync of more than 1,000 writes finds QuickBooks' change list at its cap (its
        # own writes) and reads the lists whole; the runs after that (a timer's) ask CDC for minutes only.
        writes = 0
        for label in ("no-change sync right after it", "no-change sync after that (a timer's)"):
            t0 = time.monotonic()
            again = eng.run()
            seconds = time.monotonic() - t0
            writes += again.writes
            print(f"{label}: {again.writes} writes, {again.requests_clio} {again.source} + {again.requests_qbo} QuickBooks "
                  f"= {again.requests_clio + again.requests_qbo} requests, {seconds:.2f} s")
        clio.close()
        qbo.close()
        store.close()
        return 0 if writes == 0 else 1
    finally:
        sb.stop()


if __name__ == "__main__":
    sys.exit(main())
