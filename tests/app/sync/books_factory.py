"""Hand-built Clio books and a complete mapping, for planner tests that need no server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.mapping import Mapping, TrustAccountMap
from app.model import (
    Allocation,
    AllocationParent,
    BankAccount,
    BankAccountType,
    BillState,
    Client,
    Invoice,
    InvoiceLine,
    LineKind,
    Matter,
    TrustTxn,
)
from app.store.links import Link
from app.sync.actions import Action, Plan
from app.sync.clio_books import Books

D = Decimal
DAY = dt.date(2026, 3, 2)
OPERATING, TRUST = 70, 71

MAPPING = Mapping(
    operating_bank="1", deposit_account="4", accounts_receivable="3", fees_item="2", expense_item="3",
    fees_income_account="14", expense_income_account="15",
    trust_accounts=(TrustAccountMap(TRUST, "2b", "8", "IOLTA"),),
)


def books(n_clients: int = 1) -> Books:
    b = Books()
    b.bank_accounts = {OPERATING: BankAccount(OPERATING, "e", "Operating", BankAccountType.OPERATING),
                       TRUST: BankAccount(TRUST, "e", "IOLTA", BankAccountType.TRUST)}
    for n in range(1, n_clients + 1):
        b.clients[n] = Client(n, f"c{n}", f"Client {n}", email=f"c{n}@example.com")
        b.matters[100 + n] = Matter(100 + n, f"m{n}", n, f"0000{n}-Client")
    return b


def bill(bill_id: int, matter: int, client: int, lines: list[tuple[str, str, str, str]], *,
         state: BillState = BillState.AWAITING_PAYMENT, total: str | None = None, etag: str = "e1") -> Invoice:
    """lines: (kind, quantity, price, discount)"""
    built = []
    for n, (kind, qty, price, discount) in enumerate(lines):
        gross = (D(qty) * D(price)).quantize(D("0.01"))
        built.append(InvoiceLine(bill_id * 10 + n, "l", bill_id, LineKind(kind), "work", D(qty), D(price),
                                 gross - D(discount), DAY, matter, D(discount)))
    tot = D(total) if total is not None else sum((ln.total for ln in built), D(0))
    return Invoice(bill_id, etag, str(1000 + bill_id), state, client, (matter,), DAY, None, tot, lines=tuple(built))


def alloc(alloc_id: int, bill_id: int, parent: int, amount: str, *, trust: bool = False, matter: int | None = None,
          contact: int | None = None) -> Allocation:
    return Allocation(alloc_id, "a", D(amount), DAY, bill_id, parent, AllocationParent.PAYMENT,
                      source_bank_account_id=TRUST if trust else None, source_is_trust=trust,
                      destination_bank_account_id=OPERATING, matter_id=matter, contact_id=contact)


def trust_txn(txn_id: int, matter: int, client: int, funds_in: str = "0", funds_out: str = "0", *,
              account: int = TRUST, allocation: int | None = None) -> TrustTxn:
    return TrustTxn(txn_id, "t", account, DAY, D(funds_in), D(funds_out), client_id=client, matter_id=matter,
                    allocation_id=allocation)


def apply(plan: Plan, links: dict, counter: list[int] | None = None) -> dict:
    """What a successful push would leave in the links table (a pure stand-in for QuickBooks)."""
    counter = counter if counter is not None else [0]
    out = dict(links)
    for a in plan.actions:
        counter[0] += 1
        existing = out.get(a.key)
        qbo_id = a.link_to or (existing.qbo_id if existing else str(counter[0]))
        state = {"void": "voided", "delete": "deleted"}.get(a.operation, "posted")
        out[a.key] = Link(a.key[0], a.key[1], a.key[2], a.etag, a.chash, a.entity, qbo_id, "0", state, "")
    return out


def by_key(plan: Plan) -> dict[tuple[str, int, str], Action]:
    return {a.key: a for a in plan.actions}
