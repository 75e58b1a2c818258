"""The records a reconciliation is made of. Frozen, Decimal amounts, dates as ``datetime.date``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from app.model import TrustTxn
from app.money import fmt


@dataclass(frozen=True, slots=True)
class StoredBankLine:
    """A bank line as imported into the store (``id`` is the store's row id)."""

    id: int
    date: dt.date
    amount: Decimal
    payee: str = ""
    memo: str = ""
    check_number: str = ""
    fitid: str | None = None
    statement_id: int = 0
    adjusts_period: str | None = None

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.payee, self.memo) if p)


class Rule(StrEnum):
    MANUAL = "manual"
    CHECK_NUMBER = "check number"
    REFERENCE = "reference"
    AMOUNT_DATE = "amount and date"
    ONE_DEPOSIT_MANY_ENTRIES = "one bank line to several entries"
    MANY_LINES_ONE_ENTRY = "several bank lines to one entry"


@dataclass(frozen=True, slots=True)
class Match:
    """Bank lines and trust journal entries that are the same money. Amounts on both sides are equal."""

    bank_ids: tuple[int, ...]
    txn_ids: tuple[int, ...]
    rule: Rule
    score: int = 100
    manual_id: int | None = None
    made_by: str = ""
    made_at: str = ""
    amount: Decimal | None = None  # the money matched (equal on both sides)


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """Items the matcher could pair in more than one way: left for a person, never guessed."""

    bank_ids: tuple[int, ...]
    txn_ids: tuple[int, ...]
    reason: str


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ALERT = "alert"


class Result(StrEnum):
    """What a reconciliation may say, and nothing kinder than the truth."""

    TIES = "Ties"  # every leg equal and nothing open
    TIES_WITH_ITEMS = "Ties with items to resolve"  # equal only once the listed items are accounted for
    DOES_NOT_TIE = "Does not tie"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str
    message: str
    amount: Decimal | None = None
    date: dt.date | None = None
    bank_ids: tuple[int, ...] = ()
    txn_ids: tuple[int, ...] = ()
    client: str = ""


@dataclass(frozen=True, slots=True)
class OutstandingItem:
    """A trust journal entry the bank has not shown yet (deposit in transit or outstanding check)."""

    txn: TrustTxn
    age_days: int
    client: str = ""


@dataclass(frozen=True, slots=True)
class ClientLedger:
    client_id: int | None
    client_name: str
    matter_id: int | None
    matter_label: str
    balance: Decimal
    entries: int
    qbo_balance: Decimal | None = None
    # The lowest end-of-day balance within the period, and its day: a ledger that went below zero mid-month
    # and recovered by its end is an overdraft all the same.
    lowest: Decimal | None = None
    lowest_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class SignOff:
    prepared_by: str
    reviewed_by: str
    signed_on: dt.date
    note: str = ""
    signed_at: str = ""
    report_digest: str = ""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Everything about one trust account and one statement period; what the report and workbook show."""

    firm: str
    account: str
    bank_account_id: int | None
    period: str
    start: dt.date
    end: dt.date
    statement_balance: Decimal | None
    opening_balance: Decimal | None
    deposits_in_transit: tuple[OutstandingItem, ...]
    outstanding_checks: tuple[OutstandingItem, ...]
    adjusted_bank_balance: Decimal | None
    journal_balance: Decimal
    client_ledgers: tuple[ClientLedger, ...]
    client_ledger_total: Decimal
    qbo_liability: Decimal | None
    bank_lines: tuple[StoredBankLine, ...]
    journal: tuple[TrustTxn, ...]
    matches: tuple[Match, ...]
    unmatched_bank: tuple[StoredBankLine, ...]
    ambiguities: tuple[Ambiguity, ...]
    findings: tuple[Finding, ...]
    bank_only_total: Decimal
    unexplained_bank_difference: Decimal | None
    unassigned_total: Decimal
    cleared_before_ids: tuple[int, ...] = ()
    signoff: SignOff | None = None
    # (open item key, written resolution): what the people who signed it off wrote for each open item
    resolutions: tuple[tuple[str, str], ...] = ()
    audit_head: str = ""  # the audit chain's head hash when it was signed off (kept in the signed report)
    # Why the trust journal cannot be trusted whole for the period ("" when it can): a source without trust in its
    # API whose imported ledger does not reach the period's end. The reconciliation then never ties.
    journal_gap: str = ""

    @property
    def deposits_in_transit_total(self) -> Decimal:
        return sum((i.txn.amount for i in self.deposits_in_transit), Decimal("0.00"))

    @property
    def outstanding_checks_total(self) -> Decimal:
        """Positive: the money written out of trust that the bank has not paid yet."""
        return -sum((i.txn.amount for i in self.outstanding_checks), Decimal("0.00"))

    @property
    def tied(self) -> bool:
        """True when the three (or four) balances agree once the explained items are accounted for."""
        if self.journal_gap:
            return False
        if self.unexplained_bank_difference is None or self.unexplained_bank_difference != 0:
            return False
        if self.journal_balance - self.unassigned_total != self.client_ledger_total:
            return False
        return self.qbo_liability is None or self.qbo_liability == self.client_ledger_total

    @property
    def open_items(self) -> list[tuple[str, Finding]]:
        """The alerts and warnings a person must resolve, each with a key stable for the same data
        (``code:date:amount``, numbered when two are alike), which sign-off resolutions refer to."""
        out: list[tuple[str, Finding]] = []
        seen: dict[str, int] = {}
        for f in self.findings:
            if f.severity not in (Severity.ALERT, Severity.WARNING):
                continue
            base = f"{f.code}:{f.date.isoformat() if f.date else ''}:{f.amount if f.amount is not None else ''}"
            seen[base] = seen.get(base, 0) + 1
            out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", f))
        return out

    @property
    def result(self) -> Result:
        """Ties only when every leg agrees and nothing is open; never "ties" while an alert stands."""
        if not self.tied:
            return Result.DOES_NOT_TIE
        return Result.TIES_WITH_ITEMS if self.open_items else Result.TIES

    def result_sentence(self) -> str:
        items = self.open_items
        if self.result is Result.TIES:
            return "Ties to the cent, with nothing open."
        listed = "; ".join(f"{f.code.replace('_', ' ')}" + (f" {fmt(f.amount)}" if f.amount is not None else "")
                           for _key, f in items)
        if self.result is Result.TIES_WITH_ITEMS:
            return f"Ties once {len(items)} listed items are resolved: {listed}."
        return "Does not tie" + (f"; open items: {listed}." if items else ".")

    @property
    def locked(self) -> bool:
        return self.signoff is not None
