"""Smokeball as a practice-management source: its records read since a bookmark and translated
(``app.smokeball.translate``) into the streams the sync pulls (``app.sync.clio_books.STREAMS``).

What Smokeball does not publish is worked out or said, never guessed:

- **No firm-wide invoices, fees or expenses**: they are read per matter. A sync reads the invoices of the matters
  that changed, of the matters with new bank transactions (a payment changes an invoice's ``paid``), and of a
  rotating slice of all matters (``SWEEP`` a sync), so a change Smokeball shows nowhere else is read within
  ``matters / SWEEP`` syncs. A matter's fees and expenses are read only when one of its invoices is new or changed.
- **No payment resource**: each ``InvoicePayment`` is matched to an invoice of its matter (``app.smokeball.payments``)
  from every payment and invoice of that matter (the cache keeps the earlier ones). A payment matched becomes an
  allocation of a payment of its own; one that is ambiguous or unexplained is held with its candidates.
- **Bank fees and interest** on a pooled trust account belong to no client's ledger: held for a person.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.money import fmt
from app.smokeball import translate as tr
from app.smokeball.client import SmokeballClient
from app.smokeball.payments import Invoice as PayInvoice
from app.smokeball.payments import Payment as PayPayment
from app.smokeball.payments import match_payments
from app.smokeball.ticks import iso, to_ticks
from app.source_records import Reader, TranslatingSource
from app.store import cache, settings, source_ids
from app.store import exceptions as exq
from app.store.db import Store

log = logging.getLogger("ledgerbridge.smokeball")
SOURCE = "smokeball"
SWEEP = 20  # matters whose invoices are read each sync whatever else changed
SWEEP_KEY = "smokeball.sweep_offset"


@dataclass
class _Run:
    """What one sync has read so far (each stream's reading uses what the earlier ones found)."""

    changed_matters: set[str] = field(default_factory=set)
    accounts: dict[str, dict[str, Any]] | None = None  # GUID → translated account
    txns: dict[str | None, list[dict[str, Any]]] = field(default_factory=dict)  # since → raw transactions
    billing: dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=dict)
    money: dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=dict)
    invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # matter GUID → translated invoices
    billed_matters: set[str] = field(default_factory=set)
    matter_clients: dict[int, int | None] | None = None  # read from the cache once the matters are stored


class SmokeballSource(TranslatingSource):
    """The sync's source for a Smokeball firm (``iter_records`` as ``app.clients.ClioSource`` has it)."""

    name, label = SOURCE, "Smokeball"

    def __init__(self, client: SmokeballClient, store: Store, *, sweep: int = SWEEP) -> None:
        self.sweep = sweep
        super().__init__(client, store)

    def new_run(self) -> _Run:
        return _Run()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = self.client.get(path, dict(params or {}))
        return body if isinstance(body, dict) else {"value": body}

    def readers(self) -> dict[str, Reader]:
        return {"contacts": self._contacts, "matters": self._matters, "bank_accounts": self._bank_accounts,
                "bills": lambda s: iter(self._billing(s)[0]), "line_items": lambda s: iter(self._billing(s)[1]),
                "credit_memos": lambda s: iter(()),  # Smokeball publishes no credit notes
                "allocations": lambda s: iter(self._money(s)[0]),
                "bank_transactions": lambda s: iter(self._money(s)[1])}

    # -- contacts, matters, accounts ---------------------------------------------------------------------------
    def _contacts(self, since: str | None) -> Iterator[dict[str, Any]]:
        params = {"UpdatedSince": to_ticks(since)} if since else {}
        for page in self.client.pages("/contacts", params):
            ids = self.ids(("contacts", r.get("id")) for r in page)
            yield from (tr.contact(r, ids, self.stamp) for r in page if r.get("id") and not r.get("isDeleted"))

    def _matters(self, since: str | None) -> Iterator[dict[str, Any]]:
        params = {"UpdatedSince": to_ticks(since)} if since else {}
        for page in self.client.pages("/matters", params):
            ids = self.ids([("matters", r.get("id")) for r in page]
                            + [("contacts", tr.ref_id(c)) for r in page for c in (r.get("clients") or [])[:1]])
            for r in page:
                if r.get("id"):
                    self.run.changed_matters.add(str(r["id"]))
                    yield tr.matter(r, ids, self.stamp)

    def _bank_accounts(self, since: str | None = None) -> Iterator[dict[str, Any]]:
        return iter(list(self._accounts().values()))

    def _accounts(self) -> dict[str, dict[str, Any]]:
        if self.run.accounts is None:
            body = self.client.get("/bankaccounts", {})
            rows = body.get("value", []) if isinstance(body, dict) else body
            ids = self.ids([("bank_accounts", r.get("id")) for r in rows]
                            + [("matters", tr.ref_id(b.get("matter"))) for r in rows
                               for b in r.get("matterBalances") or []])
            translated = {str(r["id"]): tr.bank_account(r, ids, self.stamp) for r in rows if r.get("id")}
            self.run.accounts = {k: v for k, v in translated.items() if v is not None}
        return self.run.accounts

    # -- invoices and their lines ------------------------------------------------------------------------------
    def _transactions(self, since: str | None) -> list[dict[str, Any]]:
        if since not in self.run.txns:
            rows: list[dict[str, Any]] = []
            params = {"LastUpdated": iso(since)} if since else {}
            for guid in self._accounts():
                for page in self.client.pages(f"/bankaccounts/{guid}/transactions", params):
                    rows.extend(r for r in page if r.get("id"))
            self.run.txns[since] = rows
        return self.run.txns[since]

    def _matters_to_bill(self, since: str | None) -> list[str]:
        every = source_ids.known(self.store, SOURCE, "matters")
        if since is None:
            return every
        wanted = set(self.run.changed_matters)
        wanted |= {m for t in self._transactions(since) if (m := tr.ref_id(t.get("matter")))}
        if every and self.sweep:
            start = int(settings.get(self.store, SWEEP_KEY, 0) or 0) % len(every)
            wanted |= set((every + every)[start:start + min(self.sweep, len(every))])
            settings.put(self.store, SWEEP_KEY, (start + self.sweep) % len(every))
        return sorted(wanted)

    def _billing(self, since: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if since not in self.run.billing:
            clients = self._matter_clients()
            bills: list[dict[str, Any]] = []
            lines: list[dict[str, Any]] = []
            cached = {r["id"]: r.get("etag") for r in cache.iter_clio(self.store, "bills")}
            for mid in self._matters_to_bill(since):
                raw = list(self.client.records(f"/matters/{mid}/invoices", {}))
                ids = self.ids([("bills", r.get("id")) for r in raw] + [("matters", mid)]
                               + [("contacts", _debtor(r)) for r in raw])
                matter_client = clients.get(ids("matters", mid) or 0)
                translated = [tr.invoice(r, ids, ids("contacts", _debtor(r)) or matter_client, self.stamp)
                              for r in raw if r.get("id")]
                self.run.invoices[mid] = translated
                self.run.billed_matters.add(mid)
                bills.extend(translated)
                if any(cached.get(b["id"]) != b["etag"] for b in translated):
                    lines.extend(self._lines(mid))
            bills.sort(key=lambda b: b["id"])
            lines.sort(key=lambda ln: (ln["bill"]["id"], ln["id"]))
            self.run.billing[since] = (bills, lines)
        return self.run.billing[since]

    def _lines(self, mid: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for expense, path in ((False, "fees"), (True, "expenses")):
            raw = list(self.client.records(f"/matters/{mid}/{path}", {}))
            ids = self.ids([("line_items", r.get("id")) for r in raw] + [("matters", mid)]
                            + [("bills", r.get("invoiceId") or tr.ref_id(r.get("invoice"))) for r in raw])
            out.extend(ln for r in raw if r.get("id") and (ln := tr.entry(r, ids, expense, self.stamp)))
        return out

    def _matter_clients(self) -> dict[int, int | None]:
        """Each matter's client (its first), from the matters read this sync or earlier (the matters stream is
        stored before the bills and money are read, so once a pull is enough)."""
        if self.run.matter_clients is None:
            self.run.matter_clients = {int(r["id"]): (r.get("client") or {}).get("id")
                                       for r in cache.iter_clio(self.store, "matters")}
        return self.run.matter_clients

    # -- money: payments matched, trust activity -----------------------------------------------------------
    def _money(self, since: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if since not in self.run.money:
            self.run.money[since] = _Money(self, since).build()
        return self.run.money[since]


class _Money:
    """One sync's allocations and bank transactions: the new transactions, plus every payment of a matter whose
    payments are matched again (a new payment or a changed invoice can settle, or unsettle, the others)."""

    def __init__(self, source: SmokeballSource, since: str | None) -> None:
        self.src = source
        self.since = since
        self.accounts = source._accounts()
        self.clients = source._matter_clients()
        self.operating = next((a["id"] for a in self.accounts.values() if a["type"] == "Operating"), None)
        self.bills: dict[str, dict[str, Any]] | None = None

    def build(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        new = [t for t in self.src._transactions(self.since) if tr.ref_id(t.get("bankAccount")) in self.accounts]
        earlier = {r["smokeball"]["id"]: r for r in cache.iter_clio(self.src.store, "bank_transactions")
                   if isinstance(r.get("smokeball"), dict)}
        raw_new = {str(t["id"]): t for t in new}
        rematch = {m for t in new if t.get("type") in tr.PAYMENT_TYPES and (m := tr.ref_id(t.get("matter")))}
        rematch |= self.src.run.billed_matters
        payments = self._payments(rematch, raw_new, earlier)
        invoices = self._invoices(rematch)
        outcome = match_payments(invoices, payments.values(), chosen=self._chosen())
        ids = self.src.ids([("bank_transactions", g) for g in set(raw_new) | set(payments)]
                            + [("bank_transactions", p.reverses) for p in payments.values() if p.reverses]
                            + [("matters", tr.ref_id(t.get("matter"))) for t in new]
                            + [("matters", p.matter_id) for p in payments.values()]
                            + [("bills", i) for i in outcome.matched.values()])
        previous = {int(r["id"]): r for r in cache.iter_clio(self.src.store, "allocations")}
        allocations: list[dict[str, Any]] = []
        txns: list[dict[str, Any]] = []
        for guid in sorted(set(raw_new) | set(payments)):
            raw = raw_new.get(guid) or self._raw_of(earlier[guid])
            account = self.accounts.get(tr.ref_id(raw.get("bankAccount")) or "")
            if account is None:
                continue
            alloc, txn = self._one(raw, guid, account, ids, outcome, previous, payments)
            if alloc is not None:
                allocations.append(alloc)
            txns.append(txn)
        allocations.sort(key=lambda a: a["id"])
        txns.sort(key=lambda t: t["id"])
        return allocations, txns

    def _payments(self, matters: set[str], raw_new: dict[str, dict[str, Any]],
                  earlier: dict[str, dict[str, Any]]) -> dict[str, PayPayment]:
        out: dict[str, PayPayment] = {}
        for guid, r in earlier.items():
            sb = r["smokeball"]
            if sb.get("type") in tr.PAYMENT_TYPES and sb.get("matterId") in matters and guid not in raw_new:
                out[guid] = _payment(guid, sb["type"], sb["matterId"], sb["date"], sb["amount"], sb.get("reverses"))
        for guid, t in raw_new.items():
            mid = tr.ref_id(t.get("matter"))
            if t.get("type") in tr.PAYMENT_TYPES and mid in matters:
                out[guid] = _payment(guid, str(t["type"]), mid, tr.txn_date(t), tr.money(t.get("amount")),
                                     tr.ref_id(t.get("reversedFromTransaction")))
        return out

    def _known_bills(self) -> dict[str, dict[str, Any]]:
        """Every invoice known, by GUID: as read this sync, else as cached (read from the cache once)."""
        if self.bills is None:
            self.bills = {(r.get("smokeball") or {}).get("id", ""): r for r in cache.iter_clio(self.src.store, "bills")}
            self.bills.update({b["smokeball"]["id"]: b for bills in self.src.run.invoices.values() for b in bills})
        return self.bills

    def _invoices(self, matters: set[str]) -> list[PayInvoice]:
        seen = {guid: b for guid, b in self._known_bills().items()
                if (b.get("smokeball") or {}).get("matterId") in matters}
        return [PayInvoice(id=guid, matter_id=b["smokeball"]["matterId"],
                           issued=dt.date.fromisoformat(str(b["issued_at"])[:10]), paid=tr.money(b.get("paid")),
                           paid_date=dt.date.fromisoformat(b["smokeball"]["paidDate"][:10])
                           if b["smokeball"].get("paidDate") else None)
                for guid, b in seen.items() if b.get("issued_at") and b["state"] not in ("deleted", "void")]

    @staticmethod
    def _raw_of(cached: dict[str, Any]) -> dict[str, Any]:
        """A transaction read in an earlier sync, as Smokeball sent it (what the cache kept of it)."""
        sb = cached["smokeball"]
        return {"id": sb["id"], "type": sb["type"], "matter": {"id": sb["matterId"]} if sb.get("matterId") else None,
                "bankAccount": {"id": sb["accountId"]}, "amount": sb["amount"], "effectiveDate": sb["date"],
                "payorName": sb.get("payorName"), "reference": cached.get("confirmation") or "",
                "description": cached.get("description") or "",
                "reversedFromTransaction": {"id": sb["reverses"]} if sb.get("reverses") else None}

    def _one(self, raw: dict[str, Any], guid: str, account: dict[str, Any], ids: tr.Ids, outcome: Any,
             previous: dict[int, dict[str, Any]], payments: dict[str, PayPayment]
             ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        number = ids("bank_transactions", guid)
        mid = ids("matters", tr.ref_id(raw.get("matter")))
        client = self.clients.get(mid) if mid else None
        kind = str(raw.get("type") or "")
        base = tr.transaction(raw, ids, account, client, self.src.stamp)
        if kind in tr.ACCOUNT_CHARGES and account["type"] == "Trust" and mid is None:
            return None, tr.transaction(raw, ids, account, client, self.src.stamp, hold=_charge_hold(base))
        if kind == "InvoicePaymentReversal":
            # The reversal of a payment that was posted carries that payment's allocation, as a voided Clio
            # payment's money does: the payment's own voiding posts it (never a second, separate trust entry).
            reversed_no = ids("bank_transactions", tr.ref_id(raw.get("reversedFromTransaction")))
            before = previous.get(reversed_no or 0)
            if before is not None and before.get("bill"):
                return None, tr.transaction(raw, ids, account, client, self.src.stamp, allocation=reversed_no,
                                            bill=int(before["bill"]["id"]))
            return None, base
        if guid not in payments or kind != "InvoicePayment":
            return None, base

        def allocation(bill: int, voided_on: str | None = None, hold: dict[str, Any] | None = None
                       ) -> dict[str, Any]:
            return tr.allocation(base, bill=bill, account=account, contact_id=client, operating=self.operating,
                                 voided_on=voided_on, hold=hold, stamp=self.src.stamp)
        if guid in outcome.matched:
            bill = ids("bills", outcome.matched[guid])
            assert bill is not None and number is not None
            alloc = allocation(bill)
            return alloc, tr.transaction(raw, ids, account, client, self.src.stamp, allocation=number, bill=bill)
        if guid in outcome.reversed:
            before = previous.get(number or 0)
            if before is None or not before.get("bill"):
                return None, base  # never posted: the payment and its reversal net to nothing
            reversal = next((p for p in payments.values() if p.reverses == guid), None)
            bill = int(before["bill"]["id"])
            alloc = allocation(bill, reversal.date.isoformat() if reversal else base["date"])
            return alloc, tr.transaction(raw, ids, account, client, self.src.stamp, allocation=number, bill=bill)
        # Held once: a payment into operating by its allocation (its deposit is not posted on its own), a payment
        # out of trust by its trust transaction (no allocation then: the trust money waits with it).
        hold = _payment_hold(base, outcome, guid, self._candidates(outcome.ambiguous.get(guid, [])))
        if account["type"] == "Trust":
            return None, tr.transaction(raw, ids, account, client, self.src.stamp, hold=hold)
        return allocation(0, hold=hold), tr.transaction(raw, ids, account, client, self.src.stamp, allocation=number)

    def _candidates(self, invoice_guids: list[str]) -> list[dict[str, str]]:
        """The invoices a payment could have paid, as a person picks among them: number, total, issue date."""
        known = self._known_bills()
        out = []
        for guid in invoice_guids:
            b = known.get(guid)
            label = (f"invoice {b['number']} ({fmt(tr.money(b.get('total')))}, issued {str(b.get('issued_at'))[:10]})"
                     if b else f"invoice {guid}")
            out.append({"id": guid, "label": label})
        return out

    def _chosen(self) -> dict[str, str]:
        """A person's choices for held payments (held as the payment they would post as: its number is the
        transaction's), by payment GUID."""
        made = exq.choices(self.src.store, "payments")
        out = {}
        for number, invoice_guid in made.items():
            guid = source_ids.source_id(self.src.store, SOURCE, "bank_transactions", int(number))
            if guid:
                out[guid] = invoice_guid
        return out


def _debtor(raw: dict[str, Any]) -> str | None:
    """Whom an invoice bills: its first debtor (else, the caller says, its matter's client)."""
    debtors = raw.get("debtors") or []
    return tr.ref_id((debtors[0] or {}).get("contact")) if debtors and isinstance(debtors[0], dict) else None


def _payment(guid: str, kind: str, matter: str, day: str, amount: Any, reverses: str | None) -> PayPayment:
    return PayPayment(id=guid, matter_id=matter, date=dt.date.fromisoformat(day[:10]), amount=abs(tr.money(amount)),
                      reverses=reverses if kind == "InvoicePaymentReversal" else None)


def _label(txn: dict[str, Any]) -> str:
    amount = txn["funds_in"] - txn["funds_out"]
    return (f"Smokeball {txn['transaction_type'] or 'transaction'} of {fmt(abs(amount))} on {txn['date']} "
            f"(transaction {txn['smokeball']['id']})")


def _charge_hold(txn: dict[str, Any]) -> dict[str, Any]:
    return {"reason": "trust_account_charge",
            "message": f"{_label(txn)} is on the pooled trust account and belongs to no client's ledger, so it is "
                       "not posted. Record it by hand: interest on an IOLTA account is usually remitted to the "
                       "program, and a bank fee charged to trust is replaced from the firm's own funds."}


def _payment_hold(txn: dict[str, Any], outcome: Any, guid: str, candidates: list[dict[str, str]]
                  ) -> dict[str, Any]:
    if guid in outcome.ambiguous:
        names = ", ".join(c["label"] for c in candidates) or "several invoices"
        return {"reason": "payment_ambiguous", "candidates": candidates, "record": "payments",
                "message": f"{_label(txn)} could have paid {names} of its matter: Smokeball does not say which, and "
                           "more than one way of applying the matter's payments gives every invoice its paid "
                           "total. Choose the invoice it paid (Choose… in the queue); the next sync posts it."}
    why = outcome.unexplained.get(guid, "its invoices' paid totals do not account for it")
    return {"reason": "payment_unexplained", "record": "payments",
            "message": f"{_label(txn)} could not be matched to an invoice of its matter: {why}. Check the "
                       "matter's invoices and payments in Smokeball; the next sync matches it again."}

