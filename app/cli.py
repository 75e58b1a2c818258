"""The headless command line: ``ledgerbridge COMMAND`` (or ``python -m app COMMAND``). Exit code 0 only when nothing was held or wrong.

Every command takes ``--profile NAME`` (one database and keychain entries per firm) and ``--data-dir``.
Subcommands register themselves in :data:`COMMANDS` through :func:`command`; each module keeps its own
arguments next to its code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from app import __version__
from app.errors import LedgerbridgeError
from app.logs import setup_logging
from app.paths import DEFAULT_PROFILE, database_path
from app.store import audit, open_store
from app.store import exceptions as exq

Handler = Callable[[argparse.Namespace], int]
Configure = Callable[[argparse.ArgumentParser], None]
COMMANDS: dict[str, tuple[str, Configure, Handler]] = {}


def command(name: str, help_text: str, configure: Configure = lambda p: None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = (help_text, configure, handler)
        return handler

    return register


def open_profile_store(args: argparse.Namespace):  # -> Store
    """The profile's database, with its audit key from the profile's keychain (``app.store.audit_key``)."""
    from app.store import audit_key

    store = open_store(database_path(args.profile, args.data_dir))
    audit_key.attach(store, args.profile)
    return store


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="the firm's profile (default: %(default)s)")
    parser.add_argument("--data-dir", default=None, help="where profiles live (default: the user data folder)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")


# --- audit ------------------------------------------------------------------------------------------


def _audit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["verify", "anchor"],
                   help="verify: check the hash chain of the audit log; anchor: print the chain's head, to keep "
                        "outside this computer")
    p.add_argument("--anchor", default=None, metavar="SEQ:HASH",
                   help="with verify: also prove the log still extends this anchor")


@command("audit", "check the audit log", _audit_args)
def cmd_audit(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    result = audit.verify_anchor(store, args.anchor) if args.anchor else audit.verify(store)
    if result.needs_key:
        print(f"Audit log not checked: {result.problem}.")
        return 2
    if not result.ok:
        print(f"Audit log BROKEN at entry {result.first_bad_seq}: {result.problem}.")
        return 1
    if args.action == "anchor":
        print(f"Audit chain head: {result.anchor}")
        print("Keep this line somewhere outside this computer; 'ledgerbridge audit verify --anchor' proves later "
              "that the log still extends it.")
        return 0
    keyed = " and its key" if store.audit_key is not None else ""
    print(f"Audit log intact: {result.entries} entries, hash chain{keyed} verified"
          + (f"; it still extends the anchor {args.anchor}." if args.anchor else "."))
    return 0


# --- db ---------------------------------------------------------------------------------------------


def _db_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["info"], help="info: where the database is and what it holds")


@command("db", "inspect the local database", _db_args)
def cmd_db(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    print(f"Database: {store.path}")
    print(f"Schema version: {store.schema_version}")
    for table in ("clio_records", "qbo_records", "links", "outbox", "exceptions", "audit_log"):
        n = store.query(f"SELECT count(*) FROM {table}")[0][0]
        print(f"  {table}: {n} rows")
    print(f"Open exceptions: {exq.open_count(store)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    _load_commands()
    parser = argparse.ArgumentParser(
        prog="ledgerbridge",
        description="Ledgerbridge: Clio Manage to QuickBooks Online, with three-way trust reconciliation.",
    )
    parser.add_argument("--version", action="version", version=f"ledgerbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, configure, handler) in sorted(COMMANDS.items()):
        p = sub.add_parser(name, help=help_text)
        _common(p)
        configure(p)
        p.set_defaults(handler=handler)
    return parser


def _load_commands() -> None:
    """Import the modules whose commands live beside their code (each registers itself)."""
    import importlib

    for module in ("app.sandbox.cli", "app.sync.cli", "app.reconcile.cli", "app.demo"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # Absent parts are fine (a trimmed install); a broken import inside a part is not.
            if exc.name is None or not module.startswith(exc.name):
                raise


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

