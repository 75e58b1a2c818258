"""Three-way trust reconciliation: matching, the balances, findings, manual matches and sign-off."""

from app.reconcile.engine import reconcile
from app.reconcile.load import ReconcileError, parse_period
from app.reconcile.matching import MatchOptions
from app.reconcile.records import (
    Ambiguity,
    ClientLedger,
    Finding,
    Match,
    OutstandingItem,
    Reconciliation,
    Result,
    Rule,
    Severity,
    SignOff,
    StoredBankLine,
)
from app.reconcile.signoff import PeriodLocked, match, reopen, sign_off, unmatch

__all__ = [
    "Ambiguity",
    "ClientLedger",
    "Finding",
    "Match",
    "MatchOptions",
    "OutstandingItem",
    "PeriodLocked",
    "ReconcileError",
    "Reconciliation",
    "Result",
    "Rule",
    "Severity",
    "SignOff",
    "StoredBankLine",
    "match",
    "parse_period",
    "reconcile",
    "reopen",
    "sign_off",
    "unmatch",
]
