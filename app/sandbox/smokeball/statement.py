"""The Smokeball demo firm's trust bank statement for a month, written from its trust transactions as the bank
records them (every transaction clears the day it is entered), as OFX."""

from __future__ import annotations

import datetime as dt

from app.money import ZERO
from app.sandbox.clio import statement as stmt
from app.sandbox.smokeball.activity import account_of
from app.sandbox.smokeball.emulator import SmokeballState

BANK_ID = "121000358"


def trust_statement(state: SmokeballState, start: dt.date, end: dt.date) -> stmt.BankStatement:
    trust = account_of(state, "Trust")
    opening = ZERO
    lines = []
    for t in sorted(state.transactions.get(trust, []), key=lambda t: (t["effectiveDate"], t["id"])):
        day = dt.date.fromisoformat(t["effectiveDate"][:10])
        if day < start:
            opening += t["amount"]
        elif day <= end:
            kind = t["type"]
            memo = {"BankFees": "MONTHLY SERVICE FEE", "Interest": "INTEREST PAID"}.get(kind, kind)
            lines.append(stmt.StatementLine(date=day, amount=t["amount"], fitid=t["id"].replace("-", "")[:24],
                                            name="DEPOSIT" if t["amount"] > 0 else "WITHDRAWAL", memo=memo,
                                            reference=t.get("reference") or ""))
    number = str(state.bank_accounts[trust].get("accountNumber") or "000000000")
    return stmt.BankStatement(BANK_ID, number, start, end, opening, tuple(lines))
