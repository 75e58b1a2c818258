"""MyCase as a practice-management source: billing from its API, trust from the firm's imported trust ledger
(``app.trustledger``), translated (``app.mycase.translate``) into the streams the sync pulls.

- Clients and companies are the contacts, cases the matters, all read since the bookmark
  (``filter[updated_after]``, inclusive).
- **Invoices with lines rebuilt.** MyCase publishes no invoice lines: each invoice's lines are the billable time
  entries and expenses that name it. Lines come from the entries changed since the bookmark and, for the rest,
  from the cache; an invoice whose lines do not add up to its ``total_amount`` is held with both figures.
- **Payments** link to their invoice; only ``success`` ones post, and one that was posted and no longer
  succeeds is voided. MyCase gives payments no changed-since filter, so every sync reads the whole list: one
  request per 1,000 payments (what it costs is in ``requests_made``).
- **Trust** is the imported ledger: one trust account per imported account name, its lines as the account's
  transactions, each on the case (or the client) it names.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents, fmt
from app.mycase import translate as tr
from app.mycase.client import MyCaseClient
from app.source_records import Reader, TranslatingSource, with_etag
from app.store import cache
from app.store.db import Store
from app.store.trust_ledger import ledger_accounts
from app.trustledger.importer import ledger_lines

log = logging.getLogger("ledgerbridge.mycase")
SOURCE = "mycase"


@dataclass
class _Run:
    billing: dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=dict)


class MyCaseSource(TranslatingSource):
    name, label = SOURCE, "MyCase"

    def __init__(self, client: MyCaseClient, store: Store) -> None:
        super().__init__(client, store)

    def new_run(self) -> _Run:
        return _Run()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"value": self.client.page(path, dict(params or {})).rows}

    def readers(self) -> dict[str, Reader]:
        return {"contacts": self._contacts, "matters": self._matters, "bank_accounts": self._bank_accounts,
                "bills": lambda s: iter(self._billing(s)[0]), "line_items": lambda s: iter(self._billing(s)[1]),
                "credit_memos": lambda s: iter(()), "allocations": self._allocations,
                "bank_transactions": self._trust_lines}

    @staticmethod
    def _since(since: str | None) -> dict[str, str]:
        return {"filter[updated_after]": since} if since else {}

    # -- contacts and matters ----------------------------------------------------------------------------------
    def _contacts(self, since: str | None) -> Iterator[dict[str, Any]]:
        for path, kind in (("/clients", "client"), ("/companies", "company")):
            rows = list(self.client.records(path, self._since(since)))
            ids = self.ids(("contacts", f"{kind}:{r.get('id')}") for r in rows)
            yield from (tr.contact(r, kind, ids, self.stamp) for r in rows if r.get("id") is not None)

    def _matters(self, since: str | None) -> Iterator[dict[str, Any]]:
        rows = list(self.client.records("/cases", self._since(since)))
        ids = self.ids([("matters", str(r.get("id"))) for r in rows] + [("contacts", tr.case_client(r)) for r in rows])
        yield from (tr.matter(r, ids, self.stamp) for r in rows if r.get("id") is not None)

    def _matter_clients(self) -> dict[int, int | None]:
        return {int(r["id"]): (r.get("client") or {}).get("id") for r in cache.iter_clio(self.store, "matters")}

    # -- invoices and their rebuilt lines ----------------------------------------------------------------------
    def _billing(self, since: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if since not in self.run.billing:
            self.run.billing[since] = self._read_billing(since)
        return self.run.billing[since]

    def _read_billing(self, since: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        invoices = [r for r in self.client.records("/invoices", self._since(since)) if r.get("id") is not None]
        entries = [(kind, r) for kind in ("time_entries", "expenses")
                   for r in self.client.records(f"/{kind}", self._since(since)) if r.get("id") is not None]
        ids = self.ids([("bills", str(r["id"])) for r in invoices]
                        + [("matters", tr.ref(r.get("case"))) for r in invoices]
                        + [("line_items", f"{k}:{r['id']}") for k, r in entries]
                        + [("matters", tr.ref(r.get("case"))) for _, r in entries]
                        + [("bills", tr.ref(i)) for _, r in entries for i in r.get("invoices") or []])
        lines = [ln for k, r in entries if (ln := tr.entry(r, k, ids, self.stamp)) is not None]
        clients = self._matter_clients()
        bills = {b["id"]: b for r in invoices
                 for b in [tr.invoice(r, ids, clients.get(ids("matters", tr.ref(r.get("case"))) or 0), self.stamp)]}
        # an invoice whose lines changed is checked again even when it did not change itself
        touched = {ln["bill"]["id"] for ln in lines} | {int(r["bill"]["id"]) for r in self._cached_lines(lines)}
        for raw in cache.iter_clio_ids(self.store, "bills", touched - set(bills) - {0}):
            bills[int(raw["id"])] = {k: v for k, v in raw.items() if k != "ledgerbridge_hold"}
        all_lines = self._lines_by_bill(lines)
        checked = [self._checked(bill, all_lines.get(bill["id"], [])) for bill in bills.values()]
        return sorted(checked, key=lambda b: b["id"]), sorted(lines, key=lambda ln: (ln["bill"]["id"], ln["id"]))

    def _cached_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The cached versions of lines read again now (their old invoice must be checked again too)."""
        return list(cache.iter_clio_ids(self.store, "line_items", [ln["id"] for ln in lines]))

    def _lines_by_bill(self, fresh: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
        current = {int(r["id"]): r for r in cache.iter_clio(self.store, "line_items")}
        current.update({ln["id"]: ln for ln in fresh})
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for ln in current.values():
            out[int(ln["bill"]["id"])].append(ln)
        return out

    @staticmethod
    def _checked(bill: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
        """The invoice, held when the lines rebuilt for it do not add up to its total (both figures said)."""
        bill = {k: v for k, v in bill.items() if k != "ledgerbridge_hold"}
        total = cents(Decimal(str(bill.get("total") or 0)))
        rebuilt = cents(sum((Decimal(str(ln["total"])) for ln in lines), ZERO))
        if bill.get("state") not in ("draft", "void", "deleted") and bill.get("kind") != "trust_kind" \
                and rebuilt != total:
            bill["ledgerbridge_hold"] = {
                "reason": "lines_mismatch",
                "message": f"MyCase invoice {bill['number']} totals {fmt(total)}, but the time entries and expenses "
                           f"that name it add up to {fmt(rebuilt)} (MyCase publishes no invoice lines, so they are "
                           "rebuilt from those). It is not posted, so QuickBooks never shows a different amount. "
                           "Check the invoice's entries (or a discount or adjustment on it) in MyCase; the next "
                           "sync checks it again."}
        return with_etag(bill)

    # -- payments ---------------------------------------------------------------------------------------------
    def _allocations(self, since: str | None) -> Iterator[dict[str, Any]]:
        """Every payment, every sync (MyCase has no changed-since filter for them): a successful one as its
        allocation; one posted before that no longer succeeds, voided."""
        rows = [r for r in self.client.records("/invoice_payments") if r.get("id") is not None]
        ids = self.ids([("allocations", str(r["id"])) for r in rows] + [("bills", tr.ref(r.get("invoice")))
                                                                          for r in rows]
                        + [("matters", tr.ref(r.get("case"))) for r in rows])
        clients = self._matter_clients()
        posted = {int(r["id"]) for r in cache.iter_clio(self.store, "allocations") if not r.get("voided_at")}
        out = []
        for r in rows:
            client = clients.get(ids("matters", tr.ref(r.get("case"))) or 0)
            if r.get("status") == "success":
                out.append(tr.allocation(r, ids, client, self.stamp))
            elif ids("allocations", str(r["id"])) in posted:
                out.append(tr.allocation(r, ids, client, self.stamp, voided_on=str(r.get("updated_at") or "")[:10]))
        return iter(sorted(out, key=lambda a: a["id"]))

    # -- trust: the imported ledger ----------------------------------------------------------------------------
    def _bank_accounts(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        """One trust account per account a ledger was imported for, its balance the sum of its lines."""
        balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for account, ln in ledger_lines(self.store):
            balances[account] += ln.amount
        names = ledger_accounts(self.store)
        ids = self.ids(("bank_accounts", n) for n in names)
        return iter([with_etag({"id": ids("bank_accounts", n), "name": n, "type": "Trust", "currency": "USD",
                                "balance": cents(balances[n]), "account_number": "", "default_account": False,
                                "updated_at": self.stamp, "mycase": {"ledger": n}}) for n in names])

    def _trust_lines(self, since: str | None) -> Iterator[dict[str, Any]]:
        """Every imported line as a trust transaction, on the case it names (by number or name), else on the
        client it names; one that names neither is held by the trust rules (no client's ledger)."""
        lines = ledger_lines(self.store)
        cases, clients = self._cases_by_reference(), self._clients_by_name()
        ids = self.ids([("bank_transactions", f"{ln.dedupe_key}@{account}") for account, ln in lines]
                       + [("bank_accounts", account) for account, _ in lines])
        out = []
        for account, ln in lines:
            matter, client = cases.get(ln.case.casefold(), (None, None))
            if matter is None:
                client = clients.get(_name_key(ln.client))
            out.append(with_etag({
                "id": ids("bank_transactions", f"{ln.dedupe_key}@{account}"), "date": ln.date.isoformat(),
                "funds_in": ln.amount if ln.amount > ZERO else ZERO,
                "funds_out": -ln.amount if ln.amount < ZERO else ZERO, "confirmation": ln.reference,
                "description": " ".join(p for p in (ln.type, ln.case or ln.client) if p),
                "transaction_type": ln.type,
                "bank_account": {"id": ids("bank_accounts", account), "type": "Trust"},
                "client": {"id": client} if client else None, "matter": {"id": matter} if matter else None,
                "bill": None, "allocation": None, "updated_at": self.stamp,
                "mycase": {"ledger": account, "case": ln.case, "client": ln.client}}))
        return iter(sorted(out, key=lambda t: t["id"]))

    def _cases_by_reference(self) -> dict[str, tuple[int, int | None]]:
        """A case as a trust ledger names it (its number, or its name) → (matter, client)."""
        out: dict[str, tuple[int, int | None]] = {}
        for r in cache.iter_clio(self.store, "matters"):
            client = (r.get("client") or {}).get("id")
            for key in (r.get("display_number"), r.get("description")):
                if key:
                    out.setdefault(str(key).casefold(), (int(r["id"]), client))
        return out

    def _clients_by_name(self) -> dict[str, int]:
        """A client as a trust ledger names it (spacing and case aside) → its number."""
        out: dict[str, int] = {}
        for r in cache.iter_clio(self.store, "contacts"):
            if key := _name_key(str(r.get("name") or "")):
                out.setdefault(key, int(r["id"]))
        return out


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()
