"""A Clio Manage firm's records, kept consistent by the operations that change them.

The demo-firm generator builds a firm's history through these operations, and the emulator's control
endpoint uses the same ones to change data over time, so the two can never disagree about what a payment
or a trust disbursement does. Every record is a plain dict shaped as Clio v4 returns it with all its
fields; amounts are Decimal (cents). Each change bumps the record's `etag` and `updated_at`, as Clio does.

Rules kept here (and checked by the tests):
- a bill's `total` is the sum of its line totals; `paid` is the sum of its valid payment allocations,
  `credits_issued` the sum of its valid credit-memo allocations, and `balance = total - paid -
  credits_issued` (0 on a void bill);
- a bank account's `balance` is the sum of its transactions, and each transaction carries the running
  `current_account_balance`;
- each matter's (and client's) trust balance per trust account is the sum of its trust transactions in
  `account_balances`, and a withdrawal that would make it negative is refused unless asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents

KINDS: tuple[str, ...] = (
    "contacts",
    "matters",
    "bills",
    "line_items",
    "allocations",
    "credit_memos",
    "bank_accounts",
    "bank_transactions",
    "trust_line_items",
)

# Ids start at a different million per kind, as ids from unrelated tables look in a real firm; it also
# makes a bill id passed where a matter id belongs fail loudly instead of finding the wrong record.
_ID_BASE = {kind: (i + 1) * 1_000_000 for i, kind in enumerate(KINDS)}
_PAYMENT_ID_BASE = 90_000_000

Record = dict[str, Any]


class BooksError(ValueError):
    """An operation Clio itself would refuse (paying more than a balance, voiding a paid bill…)."""


@dataclass(frozen=True, slots=True)
class LineSpec:
    kind: str  # "Service" | "Expense"
    description: str
    quantity: Decimal
    price: Decimal
    date: dt.date
    discount_type: str = ""  # "" | "percentage" | "money"
    discount_rate: Decimal = ZERO
    no_charge: bool = False

    @property
    def gross(self) -> Decimal:
        return cents(self.quantity * self.price)

    @property
    def discount(self) -> Decimal:
        if self.discount_type == "percentage":
            return cents(self.gross * self.discount_rate / Decimal(100))
        if self.discount_type == "money":
            return cents(self.discount_rate)
        return ZERO

    @property
    def total(self) -> Decimal:
        return ZERO if self.no_charge else self.gross - self.discount


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


class ClioBooks:
    """All of one firm's Clio records, with the operations that keep them consistent."""

    def __init__(self, stamp: Callable[[], str]) -> None:
        # `stamp` gives the timestamp of the change being made: the simulated day in the generator,
        # the wall clock in the emulator.
        self.stamp = stamp
        self.records: dict[str, dict[int, Record]] = {kind: {} for kind in KINDS}
        self._next_id = {kind: base + 1 for kind, base in _ID_BASE.items()}
        self._next_payment = _PAYMENT_ID_BASE
        self._next_bill_number = 1001
        self._next_matter_number = 1
        self._version: dict[str, dict[int, int]] = {kind: {} for kind in KINDS}
        self.refs: dict[str, dict[int, Record]] = {kind: {} for kind in KINDS}
        self.trust: dict[tuple[int, int], Decimal] = {}  # (matter id, trust account id) -> balance
        self.client_trust: dict[tuple[int, int], Decimal] = {}
        self.bill_lines: dict[int, list[int]] = {}
        self.bill_allocations: dict[int, list[int]] = {}
        self.trust_request_lines: dict[int, list[int]] = {}  # a trust request's trust line items
        # Bumped on every change, so the emulator knows when its cached filter results are stale.
        self.generation = 0

    # --- record plumbing ----------------------------------------------------------------------

    def _etag(self, kind: str, rid: int, version: int) -> str:
        digest = hashlib.blake2s(f"{kind}/{rid}/{version}".encode(), digest_size=16).hexdigest()
        return f'"{digest}"'

    def _new(self, kind: str, fields: Record) -> Record:
        rid = self._next_id[kind]
        self._next_id[kind] = rid + 1
        now = self.stamp()
        record: Record = {"id": rid, "etag": self._etag(kind, rid, 1), "created_at": now, "updated_at": now}
        record.update(fields)
        self.records[kind][rid] = record
        self._version[kind][rid] = 1
        self.generation += 1
        return record

    def touch(self, kind: str, rid: int) -> Record:
        """Mark a record changed: a new etag and updated_at, as Clio does on every edit."""
        record = self.records[kind][rid]
        version = self._version[kind][rid] + 1
        self._version[kind][rid] = version
        record["etag"] = self._etag(kind, rid, version)
        record["updated_at"] = self.stamp()
        self.generation += 1
        return record

    def get(self, kind: str, rid: int) -> Record:
        try:
            return self.records[kind][rid]
        except KeyError:
            raise BooksError(f"There is no {kind[:-1].replace('_', ' ')} with id {rid}.") from None

    def ref(self, kind: str, rid: int | None) -> Record | None:
        """The small nested object other records carry for this one (shared, never stale fields)."""
        if rid is None:
            return None
        return self.refs[kind][rid]

    # --- parties and accounts -----------------------------------------------------------------

    def add_bank_account(
        self, name: str, type_: str, *, account_number: str, institution: str, default: bool = False
    ) -> Record:
        record = self._new(
            "bank_accounts",
            {
                "account_number": account_number,
                "balance": ZERO,
                "bank_transactions_count": 0,
                "clio_payments_enabled": False,
                "controlled_account": type_ == "Trust",
                "currency": "USD",
                "default_account": default,
                "domicile_branch": "",
                "general_ledger_number": "",
                "holder": "",
                "institution": institution,
                "name": name,
                "swift": "",
                "transit_number": "",
                "type": type_,
            },
        )
        self.refs["bank_accounts"][record["id"]] = {
            "id": record["id"],
            "name": name,
            "type": type_,
            "currency": "USD",
            "account_number": account_number,
        }
        return record

    def add_contact(
        self,
        type_: str,
        name: str,
        *,
        first_name: str = "",
        last_name: str = "",
        email: str = "",
        phone: str = "",
        is_client: bool = True,
    ) -> Record:
        initials = "".join(p[:1] for p in (first_name, last_name) if p) if type_ == "Person" else name[:1]
        record = self._new(
            "contacts",
            {
                "name": name,
                "first_name": first_name,
                "middle_name": "",
                "last_name": last_name,
                "type": type_,
                "prefix": "",
                "title": "",
                "initials": initials,
                "primary_email_address": email,
                "primary_phone_number": phone,
                "is_client": is_client,
                "is_co_counsel": False,
                "account_balances": [],
            },
        )
        self.refs["contacts"][record["id"]] = {
            "id": record["id"],
            "name": name,
            "first_name": first_name,
            "last_name": last_name,
            "type": type_,
            "primary_email_address": email,
            "is_client": is_client,
        }
        return record

    def add_matter(
        self, client_id: int, description: str, *, practice_area: str, open_date: dt.date
    ) -> Record:
        client = self.get("contacts", client_id)
        number = self._next_matter_number
        self._next_matter_number += 1
        surname = client["last_name"] or client["name"]
        display = f"{number:05d}-{surname[:40]}"
        record = self._new(
            "matters",
            {
                "number": number,
                "display_number": display,
                "custom_number": "",
                "description": description,
                "status": "Open",
                "location": "",
                "client_reference": "",
                "client_id": client_id,
                "billable": True,
                "billing_method": "hourly",
                "open_date": open_date.isoformat(),
                "close_date": None,
                "pending_date": None,
                "shared": False,
                "has_tasks": False,
                "last_activity_date": open_date.isoformat(),
                "client": self.ref("contacts", client_id),
                "practice_area": {"id": _practice_id(practice_area), "name": practice_area},
                "account_balances": [],
            },
        )
        self.refs["matters"][record["id"]] = {
            "id": record["id"],
            "number": number,
            "display_number": display,
            "description": description,
            "client_id": client_id,
        }
        return record

    def close_matter(self, matter_id: int, day: dt.date) -> Record:
        matter = self.get("matters", matter_id)
        matter["status"] = "Closed"
        matter["close_date"] = day.isoformat()
        return self.touch("matters", matter_id)

    # --- bills --------------------------------------------------------------------------------

    def add_bill(
        self,
        matter_id: int,
        issued: dt.date,
        lines: Iterable[LineSpec],
        *,
        state: str = "awaiting_payment",
        due_days: int = 30,
        subject: str = "",
    ) -> Record:
        bill = self._new_bill(matter_id, issued, state=state, due_days=due_days, subject=subject)
        bid = bill["id"]
        for spec in lines:
            self._add_line(bid, matter_id, spec)
        self._recompute_bill(bid)
        # Creating the lines and totals is one change from the outside: a single version.
        self._version["bills"][bid] = 1
        bill["etag"] = self._etag("bills", bid, 1)
        return bill

    def add_trust_request(self, matter_id: int, issued: dt.date, value: Decimal, note: str) -> Record:
        """A trust request: a bill of kind ``trust_kind`` asking the client to pay ``value`` into trust.

        It has no bill lines, only a trust line item. It is not the firm's receivable (paid, the money is the
        client's and belongs in trust), so it is never a revenue invoice; nor is it paid through ``pay``."""
        bill = self._new_bill(matter_id, issued, state="awaiting_payment", due_days=14, kind="trust_kind",
                              subject=f"Trust request, {self.get('matters', matter_id)['display_number']}")
        bid = bill["id"]
        self.trust_request_lines[bid] = [self.add_trust_line_item(bid, issued, value, note)["id"]]
        self._recompute_bill(bid)
        self._version["bills"][bid] = 1
        bill["etag"] = self._etag("bills", bid, 1)
        return bill

    def _new_bill(self, matter_id: int, issued: dt.date, *, state: str, due_days: int, subject: str,
                  kind: str = "revenue_kind") -> Record:
        matter = self.get("matters", matter_id)
        client_id = matter["client_id"]
        number = str(self._next_bill_number)
        self._next_bill_number += 1
        due = issued + dt.timedelta(days=due_days)
        bill = self._new(
            "bills",
            {
                "number": number,
                "issued_at": issued.isoformat(),
                "due_at": due.isoformat(),
                "tax_rate": ZERO,
                "secondary_tax_rate": ZERO,
                "subject": subject or f"Legal services, {matter['display_number']}",
                "purchase_order": "",
                "type": "MatterBill",
                "memo": "",
                "start_at": (issued - dt.timedelta(days=30)).isoformat(),
                "end_at": issued.isoformat(),
                "balance": ZERO,
                "state": state,
                "kind": kind,
                "total": ZERO,
                "paid": ZERO,
                "paid_at": None,
                "pending": ZERO,
                "due": ZERO,
                "can_update": True,
                "credits_issued": ZERO,
                "shared": False,
                "last_sent_at": None,
                "services_sub_total": ZERO,
                "sub_total": ZERO,
                "tax_sum": ZERO,
                "secondary_tax_sum": ZERO,
                "total_tax": ZERO,
                "client": self.ref("contacts", client_id),
                "matters": [self.ref("matters", matter_id)],
                "balances": [],
                "matter_totals": [],
                "destination_account": None,
            },
        )
        bid = bill["id"]
        self.refs["bills"][bid] = {
            "id": bid,
            "number": number,
            "issued_at": bill["issued_at"],
            "due_at": bill["due_at"],
            "type": "MatterBill",
        }
        self.bill_lines[bid] = []
        self.bill_allocations[bid] = []
        return bill

    def _add_line(self, bill_id: int, matter_id: int, spec: LineSpec) -> Record:
        discount = {
            "rate": spec.discount_rate if spec.discount_type else ZERO,
            "type": spec.discount_type or "money",
            "note": "Courtesy discount" if spec.discount_type else "",
            "early_payment_rate": 0,
            "early_payment_period": 0,
        }
        line = self._new(
            "line_items",
            {
                "type": "NoChargeLineItem" if spec.no_charge else "ActivityLineItem",
                "description": spec.description,
                "date": spec.date.isoformat(),
                "price": ZERO if spec.no_charge else cents(spec.price),
                "taxable": False,
                "kind": spec.kind,
                "note": "",
                "secondary_taxable": False,
                "total": spec.total,
                "tax": ZERO,
                "secondary_tax": ZERO,
                "sub_total": ZERO if spec.no_charge else spec.gross,
                "quantity": spec.quantity,
                "group_ordering": len(self.bill_lines[bill_id]) + 1,
                "bill": self.ref("bills", bill_id),
                "matter": self.ref("matters", matter_id),
                "discount": discount,
            },
        )
        self.bill_lines[bill_id].append(line["id"])
        return line

    def _recompute_bill(self, bill_id: int) -> Record:
        bill = self.records["bills"][bill_id]
        lines = self.records["line_items"]
        total = sum((lines[i]["total"] for i in self.bill_lines[bill_id]), ZERO)
        if bill_id in self.trust_request_lines:
            trust_lines = self.records["trust_line_items"]
            total = sum((trust_lines[i]["total"] for i in self.trust_request_lines[bill_id]), ZERO)
        services = sum(
            (lines[i]["total"] for i in self.bill_lines[bill_id] if lines[i]["kind"] == "Service"), ZERO
        )
        paid = credits = ZERO
        last_paid: str | None = None
        for aid in self.bill_allocations[bill_id]:
            alloc = self.records["allocations"][aid]
            if alloc["voided_at"] is not None:
                continue
            if alloc["parent"]["type"] == "CreditMemo":
                credits += alloc["amount"]
            else:
                paid += alloc["amount"]
                last_paid = max(last_paid or "", alloc["date"])
        bill["total"] = total
        bill["sub_total"] = total
        bill["services_sub_total"] = services
        bill["paid"] = paid
        bill["credits_issued"] = credits
        if bill["state"] == "void":
            balance = ZERO
        else:
            balance = total - paid - credits
            if balance < 0:
                raise BooksError(f"Bill {bill['number']} would be overpaid.")
            if bill["state"] in ("awaiting_payment", "paid"):
                bill["state"] = "paid" if balance == 0 and total > 0 else "awaiting_payment"
        bill["balance"] = balance
        bill["due"] = balance
        bill["paid_at"] = f"{last_paid}T12:00:00+00:00" if bill["state"] == "paid" and last_paid else None
        matter_id = bill["matters"][0]["id"]
        bill["balances"] = [
            {"id": matter_id, "amount": balance, "type": "Matter", "interest_amount": ZERO, "due": balance}
        ]
        bill["matter_totals"] = [{"id": matter_id, "amount": total}]
        return bill

    def edit_bill(self, bill_id: int, *, add_line: LineSpec | None = None, due_at: dt.date | None = None,
                  subject: str | None = None) -> Record:
        """An edit to an issued bill: a line added, a new due date or subject."""
        bill = self.get("bills", bill_id)
        if bill["state"] == "void":
            raise BooksError(f"Bill {bill['number']} is void and cannot be edited.")
        if add_line is not None:
            self._add_line(bill_id, bill["matters"][0]["id"], add_line)
        if due_at is not None:
            bill["due_at"] = due_at.isoformat()
            self.refs["bills"][bill_id]["due_at"] = bill["due_at"]
        if subject is not None:
            bill["subject"] = subject
        self._recompute_bill(bill_id)
        return self.touch("bills", bill_id)

    def issue_bill(self, bill_id: int) -> Record:
        """A draft approved and sent: it becomes a receivable."""
        bill = self.get("bills", bill_id)
        if bill["state"] not in ("draft", "awaiting_approval"):
            raise BooksError(f"Bill {bill['number']} is {bill['state']}, not a draft.")
        bill["state"] = "awaiting_payment"
        self._recompute_bill(bill_id)
        return self.touch("bills", bill_id)

    def void_bill(self, bill_id: int) -> Record:
        bill = self.get("bills", bill_id)
        if bill["state"] == "void":
            raise BooksError(f"Bill {bill['number']} is already void.")
        if bill["paid"] > 0 or bill["credits_issued"] > 0:
            raise BooksError(
                f"Bill {bill['number']} has payments applied; Clio requires removing them before voiding."
            )
        bill["state"] = "void"
        bill["can_update"] = False
        self._recompute_bill(bill_id)
        return self.touch("bills", bill_id)

    def add_trust_line_item(self, bill_id: int, day: dt.date, total: Decimal, note: str) -> Record:
        bill = self.get("bills", bill_id)
        matter_id = bill["matters"][0]["id"]
        return self._new(
            "trust_line_items",
            {
                "date": day.isoformat(),
                "total": cents(total),
                "note": note,
                "bill": self.ref("bills", bill_id),
                "matter": self.ref("matters", matter_id),
                "client": self.ref("contacts", bill["client"]["id"]),
            },
        )

    # --- payments -----------------------------------------------------------------------------

    def pay(
        self,
        slices: list[tuple[int, Decimal]],
        day: dt.date,
        *,
        destination_account_id: int,
        source_account_id: int | None = None,
        payment_type: str = "Check",
        reference: str = "",
    ) -> int:
        """One client payment spread over one or more bills; returns the payment (parent) id.

        With `source_account_id` (a trust account) the money comes out of the matter's trust funds: a
        trust withdrawal per bill, and the same amount deposited to the operating account.
        """
        if not slices:
            raise BooksError("A payment needs at least one bill.")
        parent_id = self._next_payment
        self._next_payment += 1
        first_bill = self.get("bills", slices[0][0])
        contact_id = first_bill["client"]["id"]
        source_ref = self.ref("bank_accounts", source_account_id)
        dest_ref = self.ref("bank_accounts", destination_account_id)
        total = ZERO
        for bill_id, value in slices:
            bill = self.get("bills", bill_id)
            value = cents(value)
            matter_id = self._payable(bill, value, source_account_id)
            alloc = self._new(
                "allocations",
                {
                    "date": day.isoformat(),
                    "amount": value,
                    "interest": False,
                    "voided_at": None,
                    "description": f"Payment on bill {bill['number']}",
                    "has_online_payment": False,
                    "destroyable": True,
                    "payment_type": "Trust" if source_account_id is not None else payment_type,
                    "bill": self.ref("bills", bill_id),
                    "source_bank_account": source_ref,
                    "destination_bank_account": dest_ref,
                    "matter": self.ref("matters", matter_id),
                    "contact": self.ref("contacts", contact_id),
                    "parent": {"id": parent_id, "type": "Payment"},
                },
            )
            self.bill_allocations[bill_id].append(alloc["id"])
            self._recompute_bill(bill_id)
            self.touch("bills", bill_id)
            if source_account_id is not None:
                self._bank_txn(
                    source_account_id,
                    day,
                    funds_out=value,
                    matter_id=matter_id,
                    transaction_type="Bill Payment",
                    source="Trust Payment",
                    description=f"Payment from trust to bill {bill['number']}",
                    confirmation=reference,
                    bill_id=bill_id,
                    allocation_id=alloc["id"],
                )
            total += value
        self._payment_deposit(destination_account_id, day, total, contact_id, from_trust=source_account_id is not None,
                              reference=reference, bill_id=slices[0][0] if len(slices) == 1 else None)
        return parent_id

    def _payable(self, bill: Record, value: Decimal, source_account_id: int | None) -> int:
        """The bill's matter, when the bill can take ``value`` (from that trust account's funds, if given)."""
        if bill["state"] != "awaiting_payment":
            raise BooksError(f"Bill {bill['number']} is {bill['state']} and cannot take a payment.")
        if bill["kind"] == "trust_kind":
            raise BooksError(f"Bill {bill['number']} is a trust request: its money is a trust deposit.")
        if value <= 0 or value > bill["balance"]:
            raise BooksError(f"{value} is more than bill {bill['number']}'s balance {bill['balance']}.")
        matter_id = int(bill["matters"][0]["id"])
        if source_account_id is not None:
            have = self.trust.get((matter_id, source_account_id), ZERO)
            if value > have:
                raise BooksError(f"Matter {matter_id} has {have} in trust, less than {value}.")
        return matter_id

    def _payment_deposit(self, account_id: int, day: dt.date, total: Decimal, contact_id: int, *, from_trust: bool,
                         reference: str, bill_id: int | None) -> Record:
        """The money of a payment arriving in the operating account (from the client, or out of trust)."""
        client = self.ref("contacts", contact_id)
        assert client is not None
        return self._bank_txn(
            account_id, day, funds_in=total, matter_id=None, client_id=contact_id,
            transaction_type="Transfer" if from_trust else "Payment",
            source="Trust Transfer" if from_trust else "Payment",
            description=f"Transfer from trust for {client['name']}" if from_trust else f"Payment from {client['name']}",
            confirmation=reference, bill_id=bill_id,
        )

    def void_allocation(self, allocation_id: int, day: dt.date) -> Record:
        """A payment's allocation to a bill voided (the bookkeeper undoes a payment applied in error).

        The allocation stays, with `voided_at` set, as Clio keeps it (its `status=invalid` filter finds it);
        the bill's balance goes back up. The money moves back as Clio records it: out of the operating
        account it was deposited to, and, for a bill paid from trust, back into the matter's trust funds (both carrying the
        allocation, so a reader can tell the reversal from new activity)."""
        alloc = self.get("allocations", allocation_id)
        if alloc["voided_at"] is not None:
            raise BooksError(f"Allocation {allocation_id} is already void.")
        if alloc["parent"]["type"] != "Payment":
            raise BooksError(f"Allocation {allocation_id} belongs to a credit memo; void the credit memo instead.")
        bill_id = alloc["bill"]["id"]
        value = alloc["amount"]
        alloc["voided_at"] = self.stamp()
        alloc["destroyable"] = False
        self.touch("allocations", allocation_id)
        self._recompute_bill(bill_id)
        self.touch("bills", bill_id)
        bill = self.records["bills"][bill_id]
        matter_id = alloc["matter"]["id"] if alloc.get("matter") else bill["matters"][0]["id"]
        source = alloc.get("source_bank_account")
        if source is not None:
            self._bank_txn(source["id"], day, funds_in=value, matter_id=matter_id,
                           transaction_type="Bill Payment Reversal", source="Trust Payment",
                           description=f"Voided payment from trust to bill {bill['number']}",
                           bill_id=bill_id, allocation_id=allocation_id)
        dest = alloc.get("destination_bank_account")
        if dest is not None:
            self._bank_txn(dest["id"], day, funds_out=value, matter_id=None, client_id=alloc["contact"]["id"],
                           transaction_type="Payment Reversal", source="Payment",
                           description=f"Voided payment on bill {bill['number']}", bill_id=bill_id,
                           allocation_id=allocation_id)
        return alloc

    def credit_memo(self, bill_id: int, value: Decimal, day: dt.date, description: str) -> Record:
        bill = self.get("bills", bill_id)
        value = cents(value)
        if bill["state"] != "awaiting_payment" or value <= 0 or value > bill["balance"]:
            raise BooksError(f"A credit of {value} does not fit bill {bill['number']}.")
        contact_id = bill["client"]["id"]
        memo = self._new(
            "credit_memos",
            {
                "date": day.isoformat(),
                "amount": value,
                "description": description,
                "discount": False,
                "voided_at": None,
                "contact": self.ref("contacts", contact_id),
                "allocations": [],
            },
        )
        alloc = self._new(
            "allocations",
            {
                "date": day.isoformat(),
                "amount": value,
                "interest": False,
                "voided_at": None,
                "description": description,
                "has_online_payment": False,
                "destroyable": True,
                "payment_type": "Credit Memo",
                "bill": self.ref("bills", bill_id),
                "source_bank_account": None,
                "destination_bank_account": None,
                "matter": self.ref("matters", bill["matters"][0]["id"]),
                "contact": self.ref("contacts", contact_id),
                "parent": {"id": memo["id"], "type": "CreditMemo"},
            },
        )
        memo["allocations"].append({"id": alloc["id"], "amount": value, "date": alloc["date"]})
        self.bill_allocations[bill_id].append(alloc["id"])
        self._recompute_bill(bill_id)
        self.touch("bills", bill_id)
        return memo

    # --- trust --------------------------------------------------------------------------------

    def trust_deposit(
        self, matter_id: int, account_id: int, value: Decimal, day: dt.date, *, reference: str = "",
        description: str = ""
    ) -> Record:
        if cents(value) <= 0:
            raise BooksError("A trust deposit must be a positive amount.")
        matter = self.get("matters", matter_id)
        return self._bank_txn(
            account_id,
            day,
            funds_in=cents(value),
            matter_id=matter_id,
            transaction_type="Deposit",
            source="Trust Request" if reference.startswith("TR") else "Manual",
            description=description or f"Retainer deposit, {matter['display_number']}",
            confirmation=reference,
        )

    def trust_withdrawal(
        self,
        matter_id: int,
        account_id: int,
        value: Decimal,
        day: dt.date,
        *,
        transaction_type: str = "Disbursement",
        payee: str = "",
        check_number: str = "",
        allow_negative: bool = False,
    ) -> Record:
        """Money paid out of trust for a matter: to a third party, or refunded to the client."""
        value = cents(value)
        if value <= 0:
            raise BooksError("A trust withdrawal must be a positive amount.")
        have = self.trust.get((matter_id, account_id), ZERO)
        if value > have and not allow_negative:
            raise BooksError(f"Matter {matter_id} has {have} in trust, less than {value}.")
        matter = self.get("matters", matter_id)
        what = "Refund to client" if transaction_type == "Refund" else f"Disbursement to {payee}"
        return self._bank_txn(
            account_id,
            day,
            funds_out=value,
            matter_id=matter_id,
            transaction_type=transaction_type,
            source="Check" if check_number else "EFT",
            description=f"{what}, {matter['display_number']}",
            confirmation=check_number,
        )

    def transfer_to_operating(self, matter_id: int, account_id: int, value: Decimal, day: dt.date, *,
                              reference: str = "") -> tuple[Record, Record]:
        """Earned fees moved from trust to the operating account with no bill (Clio's bank transfer): money out
        of trust for the matter and into operating for its client, nothing else tying the two."""
        value = cents(value)
        if value <= 0:
            raise BooksError("A transfer must be a positive amount.")
        have = self.trust.get((matter_id, account_id), ZERO)
        if value > have:
            raise BooksError(f"Matter {matter_id} has {have} in trust, less than {value}.")
        matter = self.get("matters", matter_id)
        out = self._bank_txn(account_id, day, funds_out=value, matter_id=matter_id, transaction_type="Transfer",
                             source="Bank Transfer", confirmation=reference,
                             description=f"Transfer of earned fees to operating, {matter['display_number']}")
        into = self._bank_txn(self.operating_account(), day, funds_in=value, matter_id=None,
                              client_id=matter["client_id"], transaction_type="Transfer", source="Bank Transfer",
                              confirmation=reference,
                              description=f"Transfer of earned fees from trust, {matter['display_number']}")
        return out, into

    def _bank_txn(
        self,
        account_id: int,
        day: dt.date,
        *,
        funds_in: Decimal = ZERO,
        funds_out: Decimal = ZERO,
        matter_id: int | None,
        client_id: int | None = None,
        transaction_type: str,
        source: str,
        description: str,
        confirmation: str = "",
        bill_id: int | None = None,
        allocation_id: int | None = None,
    ) -> Record:
        account = self.get("bank_accounts", account_id)
        is_trust = account["type"] == "Trust"
        if matter_id is not None:
            client_id = self.records["matters"][matter_id]["client_id"]
        elif is_trust:
            raise BooksError("A trust transaction must belong to a matter.")
        delta = funds_in - funds_out
        balance = account["balance"] + delta
        txn = self._new(
            "bank_transactions",
            {
                "type": "BankTransaction",
                "bank_account_id": account_id,
                "source": source,
                "confirmation": confirmation,
                "date": day.isoformat(),
                "amount": delta,
                "currency": "USD",
                "description": description,
                "exchange_rate": Decimal("1"),
                "transaction_type": transaction_type,
                "funds_in": funds_in,
                "funds_out": funds_out,
                "clio_payments_transaction": False,
                "current_account_balance": balance,
                "read_only_confirmation": False,
                "bank_account": self.ref("bank_accounts", account_id),
                "client": self.ref("contacts", client_id),
                "matter": self.ref("matters", matter_id),
                "bill": self.ref("bills", bill_id),
                "allocation": {"id": allocation_id} if allocation_id is not None else None,
            },
        )
        account["balance"] = balance
        account["bank_transactions_count"] += 1
        self.touch("bank_accounts", account_id)
        if is_trust and matter_id is not None and client_id is not None:
            key = (matter_id, account_id)
            self.trust[key] = self.trust.get(key, ZERO) + delta
            ckey = (client_id, account_id)
            self.client_trust[ckey] = self.client_trust.get(ckey, ZERO) + delta
            self._set_account_balance("matters", matter_id, account, self.trust[key])
            self._set_account_balance("contacts", client_id, account, self.client_trust[ckey])
            matter = self.records["matters"][matter_id]
            matter["last_activity_date"] = max(matter["last_activity_date"], day.isoformat())
        return txn

    def _set_account_balance(self, kind: str, rid: int, account: Record, value: Decimal) -> None:
        record = self.records[kind][rid]
        for entry in record["account_balances"]:
            if entry["id"] == account["id"]:
                entry["balance"] = value
                break
        else:
            record["account_balances"].append(
                {"id": account["id"], "balance": value, "type": account["type"], "name": account["name"]}
            )
        self.touch(kind, rid)

    # --- questions ----------------------------------------------------------------------------

    def open_bills(self, client_id: int | None = None) -> list[int]:
        """Receivable bills with a balance, oldest first (used by the control endpoint); no trust request."""
        return [
            b["id"]
            for b in self.records["bills"].values()
            if b["state"] == "awaiting_payment" and b["balance"] > 0 and b["kind"] != "trust_kind"
            and (client_id is None or b["client"]["id"] == client_id)
        ]

    def trust_accounts(self) -> list[int]:
        return [a["id"] for a in self.records["bank_accounts"].values() if a["type"] == "Trust"]

    def operating_account(self) -> int:
        for account in self.records["bank_accounts"].values():
            if account["type"] == "Operating":
                return int(account["id"])
        raise BooksError("The firm has no operating account.")


_PRACTICE_AREAS = ("Litigation", "Family", "Estate Planning", "Corporate", "Real Estate", "Employment",
                   "Immigration", "Criminal Defense", "Personal Injury", "Intellectual Property")


def _practice_id(name: str) -> int:
    try:
        return 501 + _PRACTICE_AREAS.index(name)
    except ValueError:
        return 599


PRACTICE_AREAS = _PRACTICE_AREAS
