"""The Clio side as the planner sees it: cached raw records normalized into ``app.model`` records.

A record that cannot be read (a missing field, a bad amount) is not dropped: it is listed in
``unreadable`` with the sentence ``app.clio.normalize`` wrote, and the sync holds it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.clio import normalize
from app.errors import LedgerbridgeError
from app.model import Allocation, BankAccount, BankAccountType, Client, Invoice, InvoiceLine, Matter, TrustTxn
from app.money import ZERO, cents
from app.store import cache
from app.store.db import Store
from app.sync.slices import SLICED_KINDS, SliceSpec

# The Clio streams the sync reads, parents first. Bills and their lines come right after the customers: they
# are most of what QuickBooks has to write, and invoices are posted while the lines are still streaming in.
# Payments (credit memos and allocations) come next, so they are sent while trust activity is being read.
STREAMS: tuple[str, ...] = (
    "contacts",
    "matters",
    "bank_accounts",
    "bills",
    "line_items",
    "credit_memos",
    "allocations",
    "bank_transactions",
)


@dataclass(frozen=True, slots=True)
class CreditMemo:
    id: int
    etag: str
    amount: Decimal
    date: dt.date
    contact_id: int | None
    description: str = ""
    voided: bool = False


@dataclass
class Books:
    clients: dict[int, Client] = field(default_factory=dict)
    matters: dict[int, Matter] = field(default_factory=dict)
    invoices: dict[int, Invoice] = field(default_factory=dict)
    allocations: list[Allocation] = field(default_factory=list)
    credit_memos: dict[int, CreditMemo] = field(default_factory=dict)
    bank_accounts: dict[int, BankAccount] = field(default_factory=dict)
    trust_txns: list[TrustTxn] = field(default_factory=list)
    # Money into an operating account that no payment explains (no allocation, no bill): the operating side of
    # a transfer of earned fees out of trust, when a trust withdrawal of the same client, day and amount is its
    # other side (``app.sync.transfers``). Same record shape as a trust transaction.
    operating_deposits: list[TrustTxn] = field(default_factory=list)
    # (Clio kind, id, sentence) of records that could not be read.
    unreadable: list[tuple[str, int, str]] = field(default_factory=list)
    # Per trust account, the source's own balance of each matter (Smokeball publishes them; Clio's are read
    # from its transactions): the client-ledger leg of the tie-out, when there.
    ledger_balances: dict[int, dict[int, Decimal]] = field(default_factory=dict)
    # (kind, id, reason, sentence, candidates) of records their source says must not post as they are (a Smokeball payment
    # that could have paid more than one invoice): held with that reason, never dropped.
    source_holds: list[tuple[str, int, str, str, Any]] = field(default_factory=list)

    def subset(self, spec: SliceSpec) -> Books:
        """One slice of books already in memory (what ``load_books(store, only=spec)`` reads from the cache)."""
        def mine(kind: str, clio_id: int) -> bool:
            # An unreadable record of a kind the slice does not list (a line, a bank account) goes with every
            # slice; the planner holds each record once.
            return kind not in SLICED_KINDS or clio_id in spec.ids(kind)

        return Books(
            clients={k: v for k, v in self.clients.items() if k in spec.clients},
            matters={k: v for k, v in self.matters.items() if k in spec.matters},
            invoices={k: v for k, v in self.invoices.items() if k in spec.bills},
            allocations=[a for a in self.allocations if a.id in spec.allocations],
            credit_memos={k: v for k, v in self.credit_memos.items() if k in spec.credit_memos},
            bank_accounts=dict(self.bank_accounts),
            ledger_balances=dict(self.ledger_balances),
            trust_txns=[t for t in self.trust_txns if t.id in spec.bank_transactions],
            operating_deposits=[t for t in self.operating_deposits if t.id in spec.bank_transactions],
            unreadable=[u for u in self.unreadable if mine(u[0], u[1])],
            source_holds=[h for h in self.source_holds if mine(h[0], h[1])],
        )

    def is_trust_account(self, account_id: int | None) -> bool:
        ba = self.bank_accounts.get(account_id) if account_id is not None else None
        return ba is not None and ba.type is BankAccountType.TRUST


def _deposit(raw: dict[str, Any]) -> TrustTxn | None:
    """Money in (and none out) on an operating account that no payment explains. One that cannot be read is
    left out quietly: operating activity is posted by its payments, and its trust side then posts alone."""
    try:
        t = normalize.to_trust_txn(raw)
    except (LedgerbridgeError, KeyError, TypeError, ValueError):
        return None
    return t if t.funds_in > ZERO and t.funds_out == ZERO else None


def to_credit_memo(raw: dict[str, Any]) -> CreditMemo:
    contact = raw.get("contact") or raw.get("client") or {}
    date = normalize.parse_date(raw.get("date")) or dt.date.today()
    return CreditMemo(
        id=int(raw["id"]),
        etag=str(raw.get("etag") or ""),
        amount=cents(raw.get("amount") or 0),
        date=date,
        contact_id=int(contact["id"]) if isinstance(contact, dict) and contact.get("id") else None,
        description=str(raw.get("description") or ""),
        voided=bool(raw.get("voided_at")),
    )


def _invoice_with(lines: Iterable[InvoiceLine], raw: dict[str, Any]) -> Invoice:
    return normalize.to_invoice(raw, lines)


def _held(books: Books, kind: str, raw: dict[str, Any]) -> bool:
    """A record its source says must not post as it is: listed to be held (never dropped). It is held as the record
    it would post as, when the source says (an unlinked payment: its QuickBooks payment), so the item resolves
    when that posts."""
    hold = raw.get("ledgerbridge_hold")
    if not isinstance(hold, dict):
        return False
    attempted = {"candidates": hold["candidates"]} if hold.get("candidates") else None
    books.source_holds.append((str(hold.get("record") or kind), int(raw.get("id") or 0),
                               str(hold.get("reason") or "source_hold"), str(hold.get("message") or ""), attempted))
    return True


def _read(books: Books, kind: str, raw: dict[str, Any], fn: Callable[[dict[str, Any]], Any]) -> Any:
    if _held(books, kind, raw):
        return None
    try:
        return fn(raw)
    except (LedgerbridgeError, KeyError, TypeError, ValueError) as exc:
        books.unreadable.append((kind, int(raw.get("id") or 0), str(exc)))
        return None


TRUST_KINDS = frozenset(STREAMS) - {"line_items", "bills", "allocations", "credit_memos"}


def load_books(store: Store, *, trust_only: bool = False, only: SliceSpec | None = None,
               kinds: Iterable[str] = STREAMS, lines_unread: Collection[int] = ()) -> Books:
    """Everything cached, normalized. Contacts become clients only when a matter or a bill names them.

    ``trust_only`` leaves bills, lines and payments out (what the trust tie-out needs, read fast); ``only``
    reads one slice of the firm (see ``app.sync.slices``); ``kinds`` reads only those Clio kinds (a bill
    without its lines when ``line_items`` is not among them); the bills ``lines_unread`` of a slice come
    without their lines."""
    wanted = frozenset(kinds) & (TRUST_KINDS if trust_only else frozenset(STREAMS))

    def records(kind: str) -> Iterator[dict[str, Any]]:
        if kind not in wanted:
            return iter(())
        if only is None or kind == "bank_accounts":
            return cache.iter_clio(store, kind)
        if kind == "line_items":
            return cache.iter_clio_ids(store, kind, only.bills - frozenset(lines_unread), by_parent=True)
        return cache.iter_clio_ids(store, kind, only.ids(kind))

    return books_from_records(records)


def books_from_records(records: Callable[[str], Iterable[dict[str, Any]]]) -> Books:
    """Clio records as v4 returns them (``records(kind)`` yields one kind's), normalized into Books."""
    books = Books()
    for raw in records("bank_accounts"):
        if (ba := _read(books, "bank_accounts", raw, normalize.to_bank_account)) is not None:
            books.bank_accounts[ba.id] = ba
            if isinstance(balances := raw.get("ledger_balances"), dict):
                books.ledger_balances[ba.id] = {int(m): cents(v) for m, v in balances.items()}
    for raw in records("matters"):
        if (m := _read(books, "matters", raw, normalize.to_matter)) is not None:
            books.matters[m.id] = m
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for raw in records("line_items"):
        if (ln := _read(books, "line_items", raw, normalize.to_invoice_line)) is not None:
            lines[ln.bill_id].append(ln)
    client_ids = {m.client_id for m in books.matters.values()}
    for raw in records("bills"):
        bill_id = int(raw.get("id") or 0)
        inv = _read(books, "bills", raw, functools.partial(_invoice_with, lines.get(bill_id, ())))
        if inv is not None:
            books.invoices[inv.id] = inv
            client_ids.add(inv.client_id)
    for raw in records("contacts"):
        if int(raw.get("id") or 0) in client_ids and (c := _read(books, "contacts", raw, normalize.to_client)):
            books.clients[c.id] = c
    for raw in records("allocations"):
        if (a := _read(books, "allocations", raw, normalize.to_allocation)) is not None:
            books.allocations.append(a)
    for raw in records("credit_memos"):
        if (cm := _read(books, "credit_memos", raw, to_credit_memo)) is not None:
            books.credit_memos[cm.id] = cm
    for raw in records("bank_transactions"):
        account = raw.get("bank_account") or {}
        account_id = account.get("id") if isinstance(account, dict) else None
        if _held(books, "bank_transactions", raw):
            continue
        if normalize.is_trust_account(raw) or books.is_trust_account(account_id):
            if (t := _read(books, "bank_transactions", raw, normalize.to_trust_txn)) is not None:
                books.trust_txns.append(t)
        elif not raw.get("allocation") and not raw.get("bill") and (t := _deposit(raw)) is not None:
            books.operating_deposits.append(t)
    return books
