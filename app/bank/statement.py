"""The result of reading one statement file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from app.bank.errors import StatementWarning
from app.model import BankLine


@dataclass(frozen=True, slots=True)
class Statement:
    """What a statement file says: its lines, and the period and balances when the file gives them.

    ``lines`` keep the file's order. ``dedupe_keys`` run parallel to ``lines``: ``fitid:<FITID>`` when the
    bank gave one, else ``row:<fingerprint>`` (a digest of the row's content plus its occurrence among
    identical rows of the same file), so the same row imported twice gets the same key.
    """

    path: str
    format: str
    lines: list[BankLine]
    dedupe_keys: list[str] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    start_balance: Decimal | None = None
    ending_balance: Decimal | None = None
    balance_date: dt.date | None = None
    account_id: str = ""
    currency: str = ""
    warnings: list[StatementWarning] = field(default_factory=list)
