"""The trust tie-out after a sync, per trust account: QBO trust bank = QBO trust liability = Clio.

Clio's side is the sum of the client trust ledgers (every trust bank transaction of the account, per
client). QuickBooks' side is read live (one query for every mapped account's CurrentBalance); the
per-client QuickBooks figure comes from the trust postings we made, so a difference can be traced to the
clients whose postings do not add up to their Clio ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from app.clients import QboBooks
from app.mapping import Mapping
from app.money import ZERO, cents, fmt
from app.sources import SourceInfo, firm_source
from app.store import cache, links
from app.store import exceptions as exq
from app.store.db import Store
from app.store.trust_ledger import covered_through
from app.sync.clio_books import Books


@dataclass
class TrustTie:
    clio_account_id: int
    name: str
    qbo_bank: Decimal
    qbo_liability: Decimal
    clio_ledgers: Decimal
    clients_differing: list[tuple[int, str, Decimal, Decimal]] = field(default_factory=list)
    source: str = "Clio"  # the practice-management system the client ledgers come from
    # For a source whose API has no trust (MyCase): how far the imported trust ledger reaches, said with a "ties"
    # (QuickBooks agrees with the ledger as imported, not with trust activity no import has brought yet).
    as_of: str = ""

    @property
    def ties(self) -> bool:
        return self.qbo_bank == self.qbo_liability == self.clio_ledgers

    def sentence(self) -> str:
        if self.ties:
            return (f"Trust account '{self.name}' ties: {fmt(self.clio_ledgers)} in {self.source} and QuickBooks"
                    + (f" ({self.as_of})." if self.as_of else "."))
        text = (f"Trust account '{self.name}' does not tie: QuickBooks trust bank {fmt(self.qbo_bank)}, QuickBooks "
                f"trust liability {fmt(self.qbo_liability)}, {self.source} client ledgers {fmt(self.clio_ledgers)} "
                f"(difference {fmt(self.qbo_liability - self.clio_ledgers)}).")
        if self.clients_differing:
            parts = [f"{name} ({self.source} {fmt(c)}, QuickBooks {fmt(q)})" for _, name, c, q in self.clients_differing[:20]]
            text += " Clients whose balances differ: " + "; ".join(parts) + "."
        return text


def clio_ledgers(books: Books, clio_account_id: int) -> dict[int, Decimal]:
    """Each client's trust balance as the source keeps it: its own per-matter balances when it publishes them
    (Smokeball), else the sum of the account's transactions (Clio)."""
    per_client: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if (balances := books.ledger_balances.get(clio_account_id)) is not None:
        for matter_id, balance in balances.items():
            matter = books.matters.get(matter_id)
            per_client[matter.client_id if matter else 0] += balance
        return dict(per_client)
    for t in books.trust_txns:
        if t.bank_account_id != clio_account_id:
            continue
        client = t.client_id
        if client is None and t.matter_id in books.matters:
            client = books.matters[t.matter_id].client_id
        per_client[client or 0] += t.amount
    return dict(per_client)


def qbo_ledgers(store: Store, liability: str) -> dict[int, Decimal]:
    """Per Clio client, what our trust postings put on one liability account (credit positive)."""
    customer_to_client: dict[str, int] = {}
    for lk in links.of_entity(store, "Customer").values():
        if lk.clio_kind == "contacts":
            customer_to_client[lk.qbo_id] = lk.clio_id
        else:
            raw = cache.get_clio(store, "matters", lk.clio_id) or {}
            client = (raw.get("client") or {}).get("id")
            if client is not None:
                customer_to_client[lk.qbo_id] = int(client)
    per_client: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lk in links.of_entity(store, "JournalEntry").values():
        if lk.state != "posted":
            continue
        je = cache.get_qbo(store, "JournalEntry", lk.qbo_id) or {}
        for ln in je.get("Line") or []:
            d = ln.get("JournalEntryLineDetail") or {}
            if str((d.get("AccountRef") or {}).get("value")) != liability:
                continue
            entity = ((d.get("Entity") or {}).get("EntityRef") or {}).get("value")
            sign = 1 if d.get("PostingType") == "Credit" else -1
            per_client[customer_to_client.get(str(entity), 0)] += sign * cents(ln.get("Amount", 0))
    return dict(per_client)


def account_balances(qbo: QboBooks, ids: list[str]) -> dict[str, Decimal]:
    if not ids:
        return {}
    quoted = ", ".join(f"'{i}'" for i in ids)
    rows = qbo.query(f"SELECT * FROM Account WHERE Id IN ({quoted})")
    return {str(r["Id"]): cents(r.get("CurrentBalance", 0)) for r in rows}


def _ledger_reach(store: Store, source: SourceInfo, account: str) -> str:
    if not source.trust_imported:
        return ""
    covered = covered_through(store, account)
    return f"as far as its trust ledger, imported through {covered.isoformat()}, goes" if covered else \
        "but its trust ledger was never imported"


def verify(store: Store, qbo: QboBooks, books: Books, mapping: Mapping, *, actor: str = "sync",
           record: bool = True) -> list[TrustTie]:
    """Tie out every mapped trust account; a difference becomes (or stays) an exception."""
    ids = sorted(mapping.trust_account_ids)
    balances = account_balances(qbo, ids)
    source = firm_source(store)
    ties: list[TrustTie] = []
    for t in mapping.trust_accounts:
        account = books.bank_accounts.get(t.clio_account_id)
        name = account.name if account else (t.name or str(t.clio_account_id))
        clio = clio_ledgers(books, t.clio_account_id)
        tie = TrustTie(t.clio_account_id, name, balances.get(t.bank, ZERO), balances.get(t.liability, ZERO),
                       cents(sum(clio.values(), ZERO)), source=source.word, as_of=_ledger_reach(store, source, name))
        if not tie.ties:
            posted = qbo_ledgers(store, t.liability)
            for client_id in sorted(set(clio) | set(posted)):
                c, q = cents(clio.get(client_id, ZERO)), cents(posted.get(client_id, ZERO))
                if c != q:
                    client = books.clients.get(client_id)
                    tie.clients_differing.append((client_id, client.name if client else f"client {client_id}", c, q))
        ties.append(tie)
        if not record:
            continue
        if tie.ties:
            exq.resolve_for(store, "bank_accounts", t.clio_account_id, actor=actor, note="trust ties out")
        else:
            exq.add(store, kind="trust tie-out", clio_kind="bank_accounts", clio_id=t.clio_account_id,
                    reason_code="trust_out_of_balance", message=tie.sentence(),
                    attempted={"qbo_bank": tie.qbo_bank, "qbo_liability": tie.qbo_liability,
                               "clio_ledgers": tie.clio_ledgers,
                               "clients": [[c, n, str(a), str(b)] for c, n, a, b in tie.clients_differing]},
                    actor=actor)
    return ties
