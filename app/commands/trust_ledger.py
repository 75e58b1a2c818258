"""``ledgerbridge import-trust-ledger FILE --account NAME [--through YYYY-MM-DD] [--columns role=Header,…]``:
the firm's trust ledger export, for a source whose API has no trust (MyCase). The column mapping is saved per
account, so the next import needs only the file."""

from __future__ import annotations

import argparse
import datetime as dt

from app.commands.common import open_profile_store
from app.errors import LedgerbridgeError
from app.trustledger import TrustLedgerMapping, import_trust_ledger
from app.trustledger.columns import save_columns, saved_columns


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the trust ledger export (CSV)")
    p.add_argument("--account", required=True, help="the trust account it is the ledger of (its name in the books)")
    p.add_argument("--through", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="the last day the export covers (default: the day of its last line)")
    p.add_argument("--columns", default=None, metavar="ROLE=HEADER,…",
                   help="which header holds what: date, client, case, type, amount (or deposit and withdrawal), "
                        "reference; saved for the account")


def parse_columns(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        role, sep, header = part.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise LedgerbridgeError(f"{part!r} is not ROLE=HEADER", kept="Nothing was imported.",
                                    next_step="Write the columns as date=Date,client=Client,amount=Amount,…")
        out[f"{role.strip().lower()}_column"] = header.strip()
    return out


def cmd_import_trust_ledger(args: argparse.Namespace) -> int:
    store = open_profile_store(args)
    try:
        saved = saved_columns(store, args.account)
        given = parse_columns(args.columns) if args.columns else {}
        columns = {**saved, **given}
        if "deposit_column" in given and "amount_column" not in given:
            columns.pop("amount_column", None)  # two amount columns replace the one
        mapping = TrustLedgerMapping.from_dict(columns)
        done = import_trust_ledger(store, args.file, args.account, mapping, through=args.through)
        save_columns(store, args.account, columns)
        print(done.sentence())
    finally:
        store.close()
    return 0
