"""``ledgerbridge schedule install --every 15m | status | remove [--print]``: the firm's syncs run by the
operating system's scheduler while the app is closed (``app.schedule``). The interval is kept in the firm's
settings (``schedule.every_minutes``), where the window's Settings reads it."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import open_profile_store
from app.schedule import firm
from app.schedule.definitions import Schedule, ScheduleError, definition_text, parse_every


def _schedule_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["install", "status", "remove"])
    p.add_argument("--every", default="15m", help="how often: 15m, 1h, ... (at least 5 minutes; default 15m)")
    p.add_argument("--print", dest="print_only", action="store_true",
                   help="with install: show the definition this system would get, and change nothing")


def cmd_schedule(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        minutes = parse_every(args.every) if args.action == "install" else firm.every_minutes(store)
    except ScheduleError as exc:
        print(f"ledgerbridge: {exc}.", file=sys.stderr)
        return 2
    if args.action == "install" and args.print_only:
        for name, text in definition_text(Schedule(args.profile, minutes, data_dir=args.data_dir),
                                          sys.platform).items():
            print(f"--- {name}\n{text}")
        return 0
    if args.action == "install":
        done = firm.install(store, args.profile, minutes, args.data_dir)
        print(f"Firm profile {args.profile} syncs every {minutes} minutes, also while the app is closed "
              f"({', '.join(str(f) for f in done.files) or 'the system scheduler'}).")
        return 0
    if args.action == "remove":
        done = firm.remove(store, args.profile, args.data_dir)
        print(f"The schedule of firm profile {args.profile} is removed"
              + (f" ({', '.join(str(f) for f in done.files)})." if done.files else "."))
        return 0
    print(firm.status(store, args.profile, args.data_dir))
    return 0
