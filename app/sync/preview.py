"""The first sync, before it is sent: what will be linked, created, updated and held, by kind, with amounts.

The dry run's plan, summed up the way a bookkeeper checks a cutover: "QuickBooks already has 412 of the
invoices; 88 new ones for $61,240.00 will be created; 3 are held". The wizard's last page and
``ledgerbridge sync --dry-run`` show it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from app.money import ZERO, fmt
from app.sync.actions import Plan, kind_word

VERBS = {"link": "linked to what QuickBooks has", "create": "created", "update": "updated", "void": "voided",
         "delete": "deleted"}


@dataclass(frozen=True, slots=True)
class PreviewRow:
    kind: str  # "invoice", "payment", "opening trust balance", ...
    outcome: str  # "linked to what QuickBooks has", "created", ..., "held"
    count: int
    amount: Decimal


def preview(plan: Plan) -> list[PreviewRow]:
    count: dict[tuple[str, str], int] = defaultdict(int)
    amount: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for action in plan.actions:
        key = (kind_word(action.key), VERBS.get(action.operation, action.operation))
        count[key] += 1
        amount[key] += action.amount or ZERO
    for hold in plan.holds:
        count[(kind_word(hold.key), "held")] += 1
    return [PreviewRow(kind, outcome, n, amount[(kind, outcome)]) for (kind, outcome), n in sorted(count.items())]


def lines(plan: Plan) -> list[str]:
    """One sentence per kind and outcome, then what the cutover leaves out."""
    out = [f"{r.count} {r.kind}{'s' if r.count != 1 else ''} {r.outcome}" + (f", {fmt(r.amount)}" if r.amount else "")
           for r in preview(plan)]
    if plan.before_cutover:
        out.append(f"{plan.before_cutover} Clio records dated before the cutover are left to QuickBooks' own books")
    if plan.unchanged:
        out.append(f"{plan.unchanged} records are already in QuickBooks as they are in Clio")
    return out
