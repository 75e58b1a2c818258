"""``audit`` (verify the hash chain, print its anchor) and ``db`` (where the database is, what it holds)."""

from __future__ import annotations

import argparse

from app.commands.common import open_profile_store
from app.store import audit
from app.store import exceptions as exq

# --- audit ------------------------------------------------------------------------------------------


def _audit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["verify", "anchor"],
                   help="verify: check the hash chain of the audit log; anchor: print the chain's head, to keep "
                        "outside this computer")
    p.add_argument("--anchor", default=None, metavar="SEQ:HASH",
                   help="with verify: also prove the log still extends this anchor")


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


def cmd_db(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    print(f"Database: {store.path}")
    print(f"Schema version: {store.schema_version}")
    for table in ("clio_records", "qbo_records", "links", "outbox", "exceptions", "audit_log"):
        n = store.query(f"SELECT count(*) FROM {table}")[0][0]
        print(f"  {table}: {n} rows")
    print(f"Open exceptions: {exq.open_count(store)}")
    return 0


def _firms_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", nargs="?", choices=["list", "add", "remove"], default="list",
                   help="list (default): every firm of this workstation and how it stands; add or remove --name")
    p.add_argument("--name", default="", help="the firm profile to add or remove")
    p.add_argument("--yes", action="store_true", help="with remove: do not ask")


def cmd_firms(args: argparse.Namespace) -> int:
    from app import firms

    if args.action == "add":
        path = firms.add(args.name, args.data_dir)
        print(f"Firm profile {args.name} added ({path}); connect it with the setup wizard: "
              f"ledgerbridge-gui --profile {args.name}")
        return 0
    if args.action == "remove":
        if not args.yes and input(f"Remove firm profile {args.name}? Its access is revoked and its database moved "
                                  "to the trash folder. Type the name to confirm: ").strip() != args.name:
            print("Nothing was removed.")
            return 1
        where, said = firms.remove(args.name, args.data_dir)
        for line in said:
            print(line)
        print(f"Firm profile {args.name} removed; its database is in {where}.")
        return 0
    found = firms.overview(args.data_dir)
    if not found:
        print("No firm profile on this workstation yet.")
    for firm in found:
        print(firm.line())
    return 0
