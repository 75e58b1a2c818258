"""``demo``: the app (or, with ``--headless``, the whole job in the terminal) on a made-up firm."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.demo import run_headless
from app.sync.cutover import cutover_date


def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--firm", choices=["small", "medium", "large"], default="small", help="demo firm size")
    p.add_argument("--seed", type=int, default=7, help="demo firm seed (same seed, same firm)")
    p.add_argument("--headless", action="store_true", help="run the whole job in the terminal, no window")
    p.add_argument("--source", choices=["clio", "smokeball", "mycase"], default="clio",
                   help="the demo firm's practice-management system (default: %(default)s)")
    p.add_argument("--existing-books", type=cutover_date, default=None, metavar="YYYY-MM-DD",
                   help="QuickBooks already holds the firm's books before this date, and the sync starts there")
    p.add_argument("--out", default=".", help="where the headless demo writes its statement and workbook")
    p.add_argument("--workstation", action="store_true",
                   help="set up three demo firms as profiles in --data-dir (an outsourced bookkeeper's "
                        "workstation: a small and a medium firm, and one with problems waiting), then list them")


def cmd_demo(args: argparse.Namespace) -> int:
    if args.workstation:
        from app import firms
        from app.demo import make_workstation

        make_workstation(Path(args.data_dir) if args.data_dir else None, seed=args.seed)
        for firm in firms.overview(args.data_dir):
            print(firm.line())
        print("Open them with: ledgerbridge-gui" + (f" --data-dir {args.data_dir}" if args.data_dir else "")
              + " --profile riverside-small   (File > Firm switches between them)")
        return 0
    if not args.headless:
        from app.gui_launch import run_gui

        extra = ["--existing-books", args.existing_books.isoformat()] if args.existing_books else []
        return run_gui("--demo", "--firm", args.firm, "--seed", str(args.seed), "--source", args.source, *extra)
    if args.source == "smokeball":
        from app.demo_smokeball import run_headless_smokeball

        outcome = run_headless_smokeball(args.firm, args.seed, Path(args.out))
    elif args.source == "mycase":
        from app.demo_mycase import run_headless_mycase

        outcome = run_headless_mycase(args.firm, args.seed, Path(args.out))
    else:
        outcome = run_headless(args.firm, args.seed, Path(args.out), existing_books=args.existing_books)
    if outcome.missed:
        print(f"Not found although planted: {', '.join(outcome.missed)}")
    for line in outcome.unexpected_findings:
        print(f"Unexpected: {line}")
    print("Demo finished: Ledgerbridge found exactly the planted problems." if outcome.ok
          else "Demo finished with unexpected results (see above).")
    return 0 if outcome.ok else 1
