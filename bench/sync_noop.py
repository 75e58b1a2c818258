"""A sync with nothing changed, after a first full sync: requests made and time taken.

    python3 bench/sync_noop.py [--firm small|medium|large]
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
    args = p.parse_args()
    sb = Sandbox(args.firm, window=60.0, limits=False)
    try:
        store, clio, qbo, eng = engine(sb, temp_db(), window=60.0, paced=False)
        map_firm(eng, store)
        first = eng.run()
        t0 = time.monotonic()
        again = eng.run()
        seconds = time.monotonic() - t0
        print(f"firm {args.firm}: first sync wrote {first.writes} records in {first.seconds:.1f} s")
        print(f"no-change sync: {again.writes} writes, {again.requests_clio} Clio + {again.requests_qbo} QuickBooks "
              f"= {again.requests_clio + again.requests_qbo} requests, {seconds:.2f} s")
        clio.close()
        qbo.close()
        store.close()
        return 0 if again.writes == 0 else 1
    finally:
        sb.stop()


if __name__ == "__main__":
    sys.exit(main())
