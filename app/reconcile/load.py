"""Reading what a reconciliation needs from the store: the Clio cache and the imported bank lines."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from app.clio.errors import ClioDataError
from app.clio.normalize import to_bank_account, to_trust_txn
from app.errors import LedgerbridgeError
from app.model import BankAccount, TrustTxn
from app.money import amount, loads_json
from app.reconcile.records import StoredBankLine
from app.store import Store


class ReconcileError(LedgerbridgeError):
    """A reconciliation that cannot be prepared or changed (unknown account, locked period, …)."""


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: int
    file_name: str
    start: dt.date | None
    end: dt.date | None
    start_balance: Decimal | None
    ending_balance: Decimal | None
    balance_date: dt.date | None


@dataclass(slots=True)
class Names:
    clients: dict[int, str] = field(default_factory=dict)
    matters: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # id → (display number, client)

    def client(self, client_id: int | None, matter_id: int | None = None) -> str:
        if client_id is None and matter_id is not None:
            client_id = self.matters.get(matter_id, ("", None))[1]
        if client_id is None:
            return ""
        return self.clients.get(client_id, f"client {client_id}")

    def matter(self, matter_id: int | None) -> str:
        if matter_id is None:
            return ""
        return self.matters.get(matter_id, (f"matter {matter_id}", None))[0]


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """``2026-10`` → (2026-10-01, 2026-10-31)."""
    try:
        year, month = (int(p) for p in period.split("-"))
        start = dt.date(year, month, 1)
    except ValueError:
        raise ReconcileError(f"{period!r} is not a period", next_step="Give the month as YYYY-MM, e.g. 2026-10.") from None
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def next_period(period: str) -> str:
    _, end = parse_period(period)
    return (end + dt.timedelta(days=1)).strftime("%Y-%m")


def find_bank_account(store: Store, name: str) -> BankAccount | None:
    """The Clio bank account of that name (case and spacing ignored), or None when the cache has none."""
    wanted = " ".join(name.split()).lower()
    rows = store.query("SELECT raw FROM clio_records WHERE kind = 'bank_accounts' ORDER BY clio_id")
    accounts = []
    for row in rows:
        try:
            accounts.append(to_bank_account(loads_json(row["raw"])))
        except (ClioDataError, ValueError, TypeError):
            continue
    for account in accounts:
        if " ".join(account.name.split()).lower() == wanted:
            return account
    if accounts:
        trust = [a.name for a in accounts if a.type.value == "Trust"]
        raise ReconcileError(
            f"Clio has no bank account named {name!r}",
            kept="Nothing was changed.",
            next_step="Trust accounts in Clio: " + ", ".join(trust) if trust else "Check the account name in Clio.",
        )
    return None


def load_journal(store: Store, bank_account_id: int, end: dt.date) -> tuple[list[TrustTxn], list[tuple[int, str]]]:
    """The trust journal of one Clio bank account up to ``end``, and records that could not be read."""
    rows = store.query(
        "SELECT clio_id, raw FROM clio_records WHERE kind = 'bank_transactions' "
        "AND (bank_account_id = ? OR bank_account_id IS NULL) ORDER BY clio_id",
        (bank_account_id,),
    )
    journal: list[TrustTxn] = []
    bad: list[tuple[int, str]] = []
    for row in rows:
        try:
            txn = to_trust_txn(loads_json(row["raw"]))
        except (ClioDataError, ValueError, TypeError, LedgerbridgeError) as exc:
            bad.append((int(row["clio_id"]), str(exc)))
            continue
        if txn.bank_account_id == bank_account_id and txn.date <= end:
            journal.append(txn)
    journal.sort(key=lambda t: (t.date, t.id))
    return journal, bad


def load_names(store: Store) -> Names:
    names = Names()
    for row in store.query("SELECT clio_id, raw FROM clio_records WHERE kind = 'contacts'"):
        raw = loads_json(row["raw"])
        name = raw.get("name") or " ".join(p for p in (raw.get("first_name"), raw.get("last_name")) if p)
        names.clients[int(row["clio_id"])] = str(name or f"client {row['clio_id']}")
    for row in store.query("SELECT clio_id, raw FROM clio_records WHERE kind = 'matters'"):
        raw = loads_json(row["raw"])
        client = raw.get("client")
        client_id = client.get("id") if isinstance(client, dict) else client
        names.matters[int(row["clio_id"])] = (
            str(raw.get("display_number") or f"matter {row['clio_id']}"),
            None if client_id is None else int(client_id),
        )
    return names


def load_bank_lines(store: Store, account: str, end: dt.date | None) -> list[StoredBankLine]:
    """The account's imported bank lines, up to ``end`` (all of them when None), oldest first."""
    rows = store.query(
        "SELECT id, date, amount, payee, memo, check_number, fitid, statement_id, adjusts_period FROM bank_lines "
        "WHERE account = ? AND date <= ? ORDER BY date, id",
        (account, (end or dt.date.max).isoformat()),
    )
    return [
        StoredBankLine(
            id=r["id"],
            date=dt.date.fromisoformat(r["date"]),
            amount=amount(r["amount"]),
            payee=r["payee"],
            memo=r["memo"],
            check_number=r["check_number"],
            fitid=r["fitid"],
            statement_id=r["statement_id"],
            adjusts_period=r["adjusts_period"],
        )
        for r in rows
    ]


def load_statements(store: Store, account: str) -> list[StatementRow]:
    def d(v: str | None) -> dt.date | None:
        return None if v is None else dt.date.fromisoformat(v)

    def m(v: str | None) -> Decimal | None:
        return None if v is None else amount(v)

    return [
        StatementRow(r["id"], r["file_name"], d(r["start_date"]), d(r["end_date"]), m(r["start_balance"]),
                     m(r["ending_balance"]), d(r["balance_date"]))
        for r in store.query("SELECT * FROM bank_statements WHERE account = ? ORDER BY id", (account,))
    ]


def load_manual(store: Store, account: str) -> tuple[list[tuple[int, list[int], list[int], str, str]], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Active manual matches (id, bank ids, txn ids, by, at) and rejected automatic pairings."""
    manual, rejected = [], []
    for r in store.query(
        "SELECT * FROM recon_matches WHERE account = ? AND removed_at IS NULL ORDER BY id", (account,)
    ):
        bank_ids, txn_ids = json.loads(r["bank_line_ids"]), json.loads(r["txn_ids"])
        if r["kind"] == "manual":
            manual.append((r["id"], bank_ids, txn_ids, r["created_by"], r["created_at"]))
        else:
            rejected.append((tuple(sorted(bank_ids)), tuple(sorted(txn_ids))))
    return manual, rejected
