"""The headless command line: ``ledgerbridge COMMAND`` (or ``python -m app COMMAND``). Exit code 0 only when nothing was held or wrong.

Every command takes ``--profile NAME`` (one database and keychain entries per firm) and ``--data-dir``.
The commands are listed in :mod:`app.commands`, one module per area.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__
from app.errors import LedgerbridgeError
from app.logs import setup_logging
from app.paths import DEFAULT_PROFILE


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="the firm's profile (default: %(default)s)")
    parser.add_argument("--data-dir", default=None, help="where profiles live (default: the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")


def build_parser() -> argparse.ArgumentParser:
    from app.commands import COMMANDS

    parser = argparse.ArgumentParser(
        prog="ledgerbridge",
        description="Ledgerbridge: Clio Manage to QuickBooks Online, with three-way trust reconciliation.",
    )
    parser.add_argument("--version", action="version", version=f"ledgerbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in sorted(COMMANDS, key=lambda c: c.name):
        p = sub.add_parser(command.name, help=command.help)
        _common(p)
        command.configure(p)
        p.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    setup_logging(10 if args.verbose else 30)
    try:
        return args.handler(args)
    except LedgerbridgeError as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ledgerbridge: interrupted", file=sys.stderr)
        return 130

