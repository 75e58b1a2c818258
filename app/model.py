"""Plain, frozen records of the things Ledgerbridge moves and checks.

They carry no behaviour beyond small derived properties; amounts are Decimal (see ``app.money``).
The Clio-side records are normalized from the API by ``app.clio``; QuickBooks-side postings are built by
``app.sync``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ContactType(StrEnum):
    PERSON = "Person"
    COMPANY = "Company"


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    etag: str
    name: str
    type: ContactType = ContactType.PERSON
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class Matter:
    id: int
    etag: str
    client_id: int
    display_number: str
    description: str = ""
    status: str = "Open"
    practice_area: str = ""
    updated_at: str = ""


class BillState(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    VOID = "void"
    DELETED = "deleted"


RECEIVABLE_STATES = frozenset({BillState.AWAITING_PAYMENT, BillState.PAID})
TRUST_REQUEST_KIND = "trust_kind"


class LineKind(StrEnum):
    SERVICE = "Service"
    EXPENSE = "Expense"


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    id: int
    etag: str
    bill_id: int
    kind: LineKind
    description: str
    quantity: Decimal
    price: Decimal
    total: Decimal
    date: dt.date | None = None
    matter_id: int | None = None
    discount: Decimal = Decimal("0")


@dataclass(frozen=True, slots=True)
class Invoice:
    """A Clio bill."""

    id: int
    etag: str
    number: str
    state: BillState
    client_id: int
    matter_ids: tuple[int, ...]
    issued_at: dt.date
    due_at: dt.date | None
    total: Decimal
    paid: Decimal = Decimal("0")
    balance: Decimal = Decimal("0")
    updated_at: str = ""
    lines: tuple[InvoiceLine, ...] = ()
    kind: str = ""  # Clio's bill kind: "revenue_kind", ... or "trust_kind" (a trust request)

    @property
    def is_trust_request(self) -> bool:
        """A request for a trust deposit (Clio's ``kind`` ``trust_kind``, listed by ``type=trust``): the money
        it asks for is the client's and goes to trust, so it is never a revenue invoice."""
        return self.kind == TRUST_REQUEST_KIND

    @property
    def is_receivable(self) -> bool:
        return self.state in RECEIVABLE_STATES and not self.is_trust_request


class AllocationParent(StrEnum):
    PAYMENT = "Payment"
    CREDIT_MEMO = "CreditMemo"


@dataclass(frozen=True, slots=True)
class Allocation:
    """One slice of a Clio payment (or credit memo) applied to one bill."""

    id: int
    etag: str
    amount: Decimal
    date: dt.date
    bill_id: int
    parent_id: int
    parent_type: AllocationParent
    source_bank_account_id: int | None = None
    source_is_trust: bool = False
    destination_bank_account_id: int | None = None
    matter_id: int | None = None
    contact_id: int | None = None
    status: str = "valid"
    voided_at: str | None = None
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class Payment:
    """Allocations that share a parent payment: one QuickBooks Payment."""

    parent_id: int
    parent_type: AllocationParent
    date: dt.date
    contact_id: int | None
    allocations: tuple[Allocation, ...]

    @property
    def amount(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal("0"))

    @property
    def from_trust(self) -> bool:
        return any(a.source_is_trust for a in self.allocations)


class BankAccountType(StrEnum):
    OPERATING = "Operating"
    TRUST = "Trust"


@dataclass(frozen=True, slots=True)
class BankAccount:
    id: int
    etag: str
    name: str
    type: BankAccountType
    currency: str = "USD"
    balance: Decimal = Decimal("0")
    account_number: str = ""
    default_account: bool = False


@dataclass(frozen=True, slots=True)
class TrustTxn:
    """A Clio bank transaction on a trust account: one line of the trust journal."""

    id: int
    etag: str
    bank_account_id: int
    date: dt.date
    funds_in: Decimal
    funds_out: Decimal
    description: str = ""
    confirmation: str = ""
    transaction_type: str = ""
    client_id: int | None = None
    matter_id: int | None = None
    bill_id: int | None = None
    allocation_id: int | None = None
    updated_at: str = ""

    @property
    def amount(self) -> Decimal:
        """Signed: money into the trust bank is positive."""
        return self.funds_in - self.funds_out


@dataclass(frozen=True, slots=True)
class BankLine:
    """One line of an imported bank statement. ``amount`` is signed, deposits positive."""

    date: dt.date
    amount: Decimal
    fitid: str | None = None
    payee: str = ""
    memo: str = ""
    check_number: str = ""
    balance: Decimal | None = None


class PostingType(StrEnum):
    DEBIT = "Debit"
    CREDIT = "Credit"


@dataclass(frozen=True, slots=True)
class PostingLine:
    account_id: str
    posting: PostingType
    amount: Decimal
    customer_id: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Posting:
    """What one Clio record turns into in QuickBooks: the planned, balanced entry."""

    clio_kind: str
    clio_id: int
    qbo_entity: str
    operation: str
    lines: tuple[PostingLine, ...] = ()
    is_trust: bool = False
    description: str = ""

    @property
    def debits(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.posting is PostingType.DEBIT), Decimal("0"))

    @property
    def credits(self) -> Decimal:
        return sum((ln.amount for ln in self.lines if ln.posting is PostingType.CREDIT), Decimal("0"))


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    LINKED = "linked"
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class ExceptionItem:
    id: int
    kind: str
    clio_kind: str
    clio_id: str
    reason_code: str
    message: str
    status: ExceptionStatus
    created_at: str
    updated_at: str
    attempted: str = ""
    attempted_digest: str = ""
    blocks: tuple[str, ...] = ()
    owner: str = ""
    resolution: str = ""
    qbo_ref: str = ""
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    ts: str
    actor: str
    action: str
    clio_kind: str = ""
    clio_id: str = ""
    clio_version: str = ""
    qbo_entity: str = ""
    qbo_id: str = ""
    qbo_version: str = ""
    request_id: str = ""
    sent_digest: str = ""
    received_digest: str = ""
    detail: str = ""
    prev_hash: str = ""
    hash: str = ""
    extra: dict[str, str] = field(default_factory=dict)
