"""A QuickBooks company that already holds the firm's books up to a cutover date.

What a firm has when it installs Ledgerbridge: years of invoices, payments and trust activity written by
Clio's own QuickBooks connector, and the traces of manual bookkeeping. :func:`seed_history` writes the demo
firm's Clio history dated before the cutover into the emulator the way that connector writes it:

- a customer per Clio client named as the contact (with its email), a sub-customer per matter named by the
  matter's number;
- an invoice per approved bill, DocNumber = the bill number, one line for the bill's total;
- a payment per Clio payment, applied to its invoices, with the Clio payment's id as its reference; a
  payment from trust is deposited to operating, and the money leaving trust for it is a journal entry;
- trust deposits as Deposits into the trust bank (the matter on the trust liability line) and other trust
  activity as journal entries between the trust bank and the trust liability.

And four leftovers of manual bookkeeping (named in the summary so tests can find them): a customer spelled
differently, an invoice whose total differs from Clio's, a payment typed by hand with another reference,
and a trust deposit posted to the operating account (as fee income). Finally the company's books are closed
through the end of the month before the cutover, as a firm closes its books each month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.model import Allocation, AllocationParent, Invoice, TrustTxn
from app.money import ZERO, cents
from app.sandbox.demo_firm import DemoFirm
from app.sandbox.qbo.books import Books as QboBooks
from app.sandbox.qbo.company import account_id
from app.sync import names
from app.sync.clio_books import Books, books_from_records

OPERATING = "Operating Checking"
TRUST_BANK = "IOLTA Trust Account"
TRUST_LIABILITY = "Client Trust Liability"
FEE_INCOME = "Legal Fee Income"
FEES_ITEM = "Legal Services"
MISSPELLED_SUFFIX = " (old)"  # how the leftover customer's name was typed in QuickBooks
DIFFERENT_TOTAL = Decimal("50.00")  # what the leftover invoice adds to Clio's total
HAND_REFERENCE = "CHK-HAND"  # the hand-typed payment's reference


@dataclass
class History:
    """What was written, for the summary and for tests."""

    cutover: dt.date
    closed_through: dt.date
    customers: int = 0
    jobs: int = 0
    invoices: int = 0
    payments: int = 0
    deposits: int = 0
    journal_entries: int = 0
    planted: dict[str, Any] = field(default_factory=dict)

    def sentence(self) -> str:
        return (f"QuickBooks already holds the firm's books before {self.cutover.isoformat()}: {self.customers} "
                f"customers, {self.jobs} sub-customers, {self.invoices} invoices, {self.payments} payments, "
                f"{self.deposits} deposits, {self.journal_entries} journal entries; books closed through "
                f"{self.closed_through.isoformat()}.")


def closing_date_for(cutover: dt.date) -> dt.date:
    """The last day of the month before the cutover's month."""
    return cutover.replace(day=1) - dt.timedelta(days=1)


def seed_history(qbo: QboBooks, firm: DemoFirm, cutover: dt.date) -> History:
    """Write the firm's history before ``cutover`` into ``qbo`` (see the module docstring)."""
    books = books_from_records(lambda kind: firm.books.records.get(kind, {}).values())
    history = History(cutover, closing_date_for(cutover))
    writer = _Writer(qbo, books, firm, history)
    writer.customers()
    writer.invoices()
    writer.payments()
    writer.trust()
    qbo.book_close_date = history.closed_through  # after the history: its own writes are dated before it
    return history


class _Writer:
    def __init__(self, qbo: QboBooks, books: Books, firm: DemoFirm, history: History) -> None:
        self.qbo, self.books, self.history = qbo, books, history
        self.cutover = history.cutover
        self.accounts = {name: account_id(qbo, name) for name in (OPERATING, TRUST_BANK, TRUST_LIABILITY, FEE_INCOME)}
        items = qbo.index["Item"]["Name"].get(FEES_ITEM.lower()) or set()
        self.fees_item = next(iter(items))
        self.trust_account = firm.trust_account_id  # the pooled IOLTA: the one the company tracks
        self.customer_of: dict[int, str] = {}  # Clio client id → QBO customer Id
        self.job_of: dict[int, str] = {}  # Clio matter id → QBO sub-customer Id
        self.invoice_of: dict[int, str] = {}  # Clio bill id → QBO invoice Id
        self.before = [t for t in books.trust_txns if t.date < self.cutover]

    # --- names ---------------------------------------------------------------------------------------

    def customers(self) -> None:
        active = self._clients_with_history()
        trust_clients = {self._client_of(t) for t in self.books.trust_txns}
        # The leftover: a client with bills but never any trust money, typed by hand under another name.
        misspelled = next((c for c in sorted(active) if c not in trust_clients
                           and not self._existing_customer(self.books.clients[c].name)), None)
        for client_id in sorted(active):
            client = self.books.clients[client_id]
            # QuickBooks takes no colon and at most 100 characters: named as a connector would clean it
            name = names.clean(client.name)[0] + (MISSPELLED_SUFFIX if client_id == misspelled else "")
            existing = self._existing_customer(name)
            if existing is not None and existing not in self.customer_of.values():
                self.customer_of[client_id] = existing  # keyed in before (the demo's own planted customers)
                continue
            if existing is not None:  # a second client of the same name: QuickBooks wants another name
                name = f"{name} 2"
            body: dict[str, Any] = {"DisplayName": name}
            if client.type.value == "Company":
                body["CompanyName"] = name
            if client.email and client_id != misspelled:
                body["PrimaryEmailAddr"] = {"Address": client.email}
            self.customer_of[client_id] = self.qbo.seed("Customer", body)["Id"]
            self.history.customers += 1
        if misspelled is not None:
            self.history.planted["misspelled_customer"] = {
                "contact_id": misspelled, "clio_name": self.books.clients[misspelled].name,
                "qbo_name": names.clean(self.books.clients[misspelled].name)[0] + MISSPELLED_SUFFIX}
        for matter in sorted(self.books.matters.values(), key=lambda m: m.id):
            if matter.client_id not in self.customer_of or not self._matter_has_history(matter.id):
                continue
            job = self.qbo.seed("Customer", {"DisplayName": names.clean(matter.display_number)[0], "Job": True,
                                             "BillWithParent": True,
                                             "ParentRef": {"value": self.customer_of[matter.client_id]}})
            self.job_of[matter.id] = job["Id"]
            self.history.jobs += 1

    def _existing_customer(self, name: str) -> str | None:
        ids = self.qbo.index["Customer"]["DisplayName"].get(name.strip().lower())
        return next(iter(ids)) if ids else None

    def _client_of(self, txn: TrustTxn) -> int | None:
        if txn.matter_id in self.books.matters:
            return self.books.matters[txn.matter_id].client_id
        return txn.client_id

    def _bills_before(self) -> list[Invoice]:
        return [inv for inv in sorted(self.books.invoices.values(), key=lambda i: i.id)
                if inv.is_receivable and inv.issued_at < self.cutover and inv.client_id in self.books.clients]

    def _clients_with_history(self) -> set[int]:
        clients = {inv.client_id for inv in self._bills_before()}
        clients |= {c for t in self.before if (c := self._client_of(t)) in self.books.clients}
        return clients

    def _matter_has_history(self, matter_id: int) -> bool:
        return any(matter_id in inv.matter_ids for inv in self._bills_before()) or any(
            t.matter_id == matter_id for t in self.before)

    def _customer_for(self, inv: Invoice) -> str:
        if len(inv.matter_ids) == 1 and inv.matter_ids[0] in self.job_of:
            return self.job_of[inv.matter_ids[0]]
        return self.customer_of[inv.client_id]

    # --- invoices and payments -----------------------------------------------------------------------

    def invoices(self) -> None:
        bills = self._bills_before()
        # The leftover: an invoice whose total was changed by hand (the first one not fully paid).
        changed = next((inv.id for inv in bills if inv.balance > ZERO), bills[0].id if bills else None)
        for inv in bills:
            amount = inv.total + (DIFFERENT_TOTAL if inv.id == changed else ZERO)
            body = {"CustomerRef": {"value": self._customer_for(inv)}, "TxnDate": inv.issued_at.isoformat(),
                    "DocNumber": inv.number[:21],
                    "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail", "Description": "Legal services",
                              "SalesItemLineDetail": {"ItemRef": {"value": self.fees_item}, "Qty": 1,
                                                      "UnitPrice": amount}}]}
            if inv.due_at:
                body["DueDate"] = inv.due_at.isoformat()
            self.invoice_of[inv.id] = self.qbo.seed("Invoice", body)["Id"]
            self.history.invoices += 1
            if inv.id == changed:
                self.history.planted["different_total"] = {"bill_id": inv.id, "number": inv.number,
                                                           "clio_total": str(inv.total), "qbo_total": str(amount)}

    def payments(self) -> None:
        groups: dict[int, list[Allocation]] = defaultdict(list)
        for a in self.books.allocations:
            if (a.parent_type is AllocationParent.PAYMENT and a.status == "valid" and a.amount != ZERO
                    and a.bill_id in self.invoice_of and a.date < self.cutover):
                groups[a.parent_id].append(a)
        hand_typed = None
        changed = self.history.planted.get("different_total", {}).get("bill_id")
        for pid, allocs in sorted(groups.items()):
            # One payment per customer, as QuickBooks applies a payment only to its customer's invoices; none on
            # the invoice whose total was changed by hand.
            by_customer: dict[str, list[Allocation]] = defaultdict(list)
            for a in allocs:
                by_customer[self._customer_for(self.books.invoices[a.bill_id])].append(a)
            for n, (customer, part) in enumerate(sorted(by_customer.items()), start=1):
                if any(a.bill_id == changed for a in part):
                    continue
                reference = str(pid) if len(by_customer) == 1 else f"{pid}-{n}"
                if hand_typed is None and not any(a.source_is_trust for a in part):
                    hand_typed, reference = pid, HAND_REFERENCE
                    self.history.planted["hand_typed_payment"] = {"payment_id": pid, "reference": HAND_REFERENCE}
                self._payment(customer, part, reference)

    def _payment(self, customer: str, allocs: Iterable[Allocation], reference: str) -> None:
        per_bill: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for a in allocs:
            per_bill[a.bill_id] += a.amount
        total = sum(per_bill.values(), ZERO)
        self.qbo.seed("Payment", {
            "CustomerRef": {"value": customer}, "TotalAmt": total, "PaymentRefNum": reference,
            "TxnDate": min(a.date for a in allocs).isoformat(),
            "DepositToAccountRef": {"value": self.accounts[OPERATING]},
            "Line": [{"Amount": amt, "LinkedTxn": [{"TxnId": self.invoice_of[bill], "TxnType": "Invoice"}]}
                     for bill, amt in sorted(per_bill.items())]})
        self.history.payments += 1

    # --- trust ------------------------------------------------------------------------------------------

    def trust(self) -> None:
        wrong_account = None
        for txn in sorted(self.before, key=lambda t: (t.date, t.id)):
            if txn.bank_account_id != self.trust_account:
                continue  # the firm kept its separate trust accounts outside QuickBooks
            net = cents(txn.funds_in - txn.funds_out)
            entity = self.job_of.get(txn.matter_id or 0) or self.customer_of.get(txn.client_id or 0)
            if net == ZERO or entity is None:
                continue
            if net > ZERO:
                if wrong_account is None and txn.allocation_id is None:
                    wrong_account = txn.id
                    self._deposit(txn, net, entity, to_operating=True)
                    self.history.planted["trust_deposit_to_operating"] = {
                        "bank_transaction_id": txn.id, "matter_id": txn.matter_id, "amount": str(net)}
                else:
                    self._deposit(txn, net, entity, to_operating=False)
                continue
            self.qbo.seed("JournalEntry", {"TxnDate": txn.date.isoformat(), "PrivateNote": txn.description[:4000],
                                           "Line": self._je_pair(-net, out=True, entity=entity,
                                                                 text=txn.description or "Trust disbursement")})
            self.history.journal_entries += 1

    def _deposit(self, txn: TrustTxn, amount: Decimal, entity: str, *, to_operating: bool) -> None:
        if to_operating:  # the leftover: a retainer deposited to the operating account and booked as fees
            bank, account, line_entity = self.accounts[OPERATING], self.accounts[FEE_INCOME], None
        else:
            bank, account, line_entity = self.accounts[TRUST_BANK], self.accounts[TRUST_LIABILITY], entity
        detail: dict[str, Any] = {"AccountRef": {"value": account}}
        if line_entity:
            detail["Entity"] = {"value": line_entity, "type": "Customer"}
        self.qbo.seed("Deposit", {"TxnDate": txn.date.isoformat(), "DepositToAccountRef": {"value": bank},
                                  "Line": [{"Amount": amount, "DetailType": "DepositLineDetail",
                                            "Description": txn.description[:4000] or "Trust deposit",
                                            "DepositLineDetail": detail}]})
        self.history.deposits += 1

    def _je_pair(self, amount: Decimal, *, out: bool, entity: str, text: str) -> list[dict[str, Any]]:
        """Dr trust liability (the matter) / Cr trust bank for money out; the reverse for money in."""
        liability = {"PostingType": "Debit" if out else "Credit",
                     "AccountRef": {"value": self.accounts[TRUST_LIABILITY]},
                     "Entity": {"Type": "Customer", "EntityRef": {"value": entity}}}
        bank = {"PostingType": "Credit" if out else "Debit", "AccountRef": {"value": self.accounts[TRUST_BANK]}}
        return [{"Amount": amount, "DetailType": "JournalEntryLineDetail", "Description": text[:4000],
                 "JournalEntryLineDetail": detail} for detail in (liability, bank)]
