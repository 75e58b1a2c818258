"""A MyCase demo firm for the emulator, and the trust ledger export the firm would download from MyCase's trust
reports (MyCase's API has no trust).

Clients (people) and two companies, cases, invoices with the time entries and expenses that name them, payments
(most successful; some partial), and the trust activity of each case: a retainer deposited, now and then a
filing fee paid out of trust, invoices paid from trust. Deterministic for a seed. It plants what a MyCase firm
meets:

- most invoices do not allow online payments: MyCase's API hides them unless asked (the sync must ask);
- one invoice whose total is less than its entries (a write-down MyCase's API does not show): held, both figures;
- one failed payment (a card declined): never posted;
- the trust ledger export holds one line twice across two overlapping downloads (the second import adds only
  what is new).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents
from app.sandbox.mycase.emulator import MyCaseState

START = dt.date(2026, 9, 1)
TRUST_ACCOUNT = "IOLTA Trust (MyCase)"
LEDGER_COLUMNS = ("Date", "Client", "Case", "Type", "Amount", "Reference")


@dataclass
class MyCaseFirm:
    ledger: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)  # the trust ledger's rows
    planted: dict[str, Any] = field(default_factory=dict)

    def ledger_csv(self, until: dt.date | None = None, since: dt.date | None = None) -> str:
        """The trust ledger export (rows from ``since`` through ``until``), as MyCase's report downloads it."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LEDGER_COLUMNS)
        for row in self.ledger:
            day = dt.date.fromisoformat(row[0])
            if (until is None or day <= until) and (since is None or day >= since):
                writer.writerow((day.strftime("%m/%d/%Y"), *row[1:]))
        return out.getvalue()


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T12:00:00Z"


def demo_firm(state: MyCaseState, *, cases: int = 12, seed: int = 7) -> MyCaseFirm:
    rng = random.Random(seed)
    firm = MyCaseFirm()
    rec = state.records
    ids = {"entry": 0, "payment": 0}
    for n in range(cases):
        client_id, case_id = 100 + n, 500 + n
        company = n in (3, 7)
        if company:
            rec["companies"].append({"id": 900 + n, "name": f"Harbor Holdings {n} LLC", "email": f"ap{n}@harbor.test",
                                     "updated_at": _stamp(START)})
        rec["clients"].append({"id": client_id, "first_name": f"Client{n}", "last_name": rng.choice(
            ["Reyes", "Okafor", "Lindqvist", "Moreau", "Tanaka"]), "email": f"c{n}@example.test",
            "updated_at": _stamp(START)})
        case_number = f"2026-{n + 1:04d}"
        rec["cases"].append({"id": case_id, "name": f"Matter of Client{n}", "case_number": case_number,
                             "status": "open", "clients": [{"id": client_id}],
                             "companies": [{"id": 900 + n}] if company else [],
                             "billing_contact": {"id": 900 + n if company else client_id},
                             "practice_area": rng.choice(["Estate Planning", "Family Law", "Real Estate"]),
                             "updated_at": _stamp(START)})
        client_name = f"Client{n} {rec['clients'][-1]['last_name']}"
        retainer = cents(Decimal(rng.randint(15, 50) * 100 + n))
        firm.ledger.append(((START + dt.timedelta(days=n % 5)).isoformat(), client_name, case_number, "Deposit",
                            str(retainer), f"DEP-{n:03d}"))
        held = retainer
        if n % 4 == 1:
            fee = cents(Decimal(rng.randint(80, 350)))
            firm.ledger.append(((START + dt.timedelta(days=8)).isoformat(), client_name, case_number,
                                "Disbursement", str(-fee), f"CHK-{2000 + n}"))
            held -= fee
        for k in range(rng.randint(1, 2)):
            issued = START + dt.timedelta(days=14 + 21 * k + n % 4)
            invoice_id = 3000 + n * 10 + k
            total = _entries(rec, ids, rng, case_id, invoice_id, issued)
            invoice = {"id": invoice_id, "invoice_number": f"{1000 + n * 10 + k}", "invoice_date": issued.isoformat(),
                       "due_date": (issued + dt.timedelta(days=30)).isoformat(), "total_amount": total,
                       "paid_amount": ZERO, "case": {"id": case_id}, "allow_online_payments": n % 3 == 0,
                       "status": "sent", "bank_account": {"name": "Operating", "account_type": "operating"},
                       "updated_at": _stamp(issued)}
            rec["invoices"].append(invoice)
            held = _pay(rec, firm, ids, rng, invoice, held, client_name, case_number, issued)
    _plant(rec, firm, ids, rng)
    return firm


def _entries(rec: dict[str, list[dict[str, Any]]], ids: dict[str, int], rng: random.Random, case_id: int,
             invoice_id: int, issued: dt.date) -> Decimal:
    """A time entry and an expense naming the invoice; their total is the invoice's."""
    ids["entry"] += 1
    hours, rate = Decimal(rng.randint(2, 40)) / 4, Decimal(rng.choice([225, 275, 325]))
    day = (issued - dt.timedelta(days=3)).isoformat()
    rec["time_entries"].append({"id": ids["entry"], "activity_name": "Legal work", "description": "Drafting and calls",
                                "billable": True, "entry_date": day, "rate": str(rate), "hours": hours,
                                "flat_fee": False, "case": {"id": case_id}, "invoices": [{"id": invoice_id}],
                                "updated_at": _stamp(issued)})
    cost = cents(Decimal(rng.randint(15, 240)) + Decimal(rng.randint(0, 99)) / 100)
    rec["expenses"].append({"id": ids["entry"], "activity_name": "Filing", "description": "Court filing",
                            "billable": True, "entry_date": day, "cost": str(cost), "units": "1",
                            "case": {"id": case_id}, "invoices": [{"id": invoice_id}], "updated_at": _stamp(issued)})
    return cents(hours * rate) + cost


def _pay(rec: dict[str, list[dict[str, Any]]], firm: MyCaseFirm, ids: dict[str, int], rng: random.Random,
         invoice: dict[str, Any], held: Decimal, client: str, case_number: str, issued: dt.date) -> Decimal:
    """Paid in full, in part or not yet; from trust (a trust ledger line as well) when the case's funds allow."""
    total = invoice["total_amount"]
    share = rng.choice([ZERO, total, cents(total / 2)])
    if share == ZERO:
        return held
    day = issued + dt.timedelta(days=rng.randint(2, 9))
    from_trust = held >= share and rng.random() < 0.5
    ids["payment"] += 1
    rec["invoice_payments"].append({
        "id": 7000 + ids["payment"], "amount": share, "date": day.isoformat(), "invoice": {"id": invoice["id"]},
        "invoice_number": invoice["invoice_number"], "status": "success", "transaction_type": "payment",
        "case": {"id": invoice["case"]["id"]}, "account_name": "Trust" if from_trust else "Operating",
        "client": None, "updated_at": _stamp(day)})
    invoice["paid_amount"] = share
    invoice["status"] = "paid" if share == total else "partial"
    if from_trust:
        firm.ledger.append((day.isoformat(), client, case_number, "Invoice payment", str(-share),
                            f"INV-{invoice['invoice_number']}"))
        return held - share
    return held


def _plant(rec: dict[str, list[dict[str, Any]]], firm: MyCaseFirm, ids: dict[str, int], rng: random.Random) -> None:
    # a write-down the API does not show: the invoice totals $50.00 less than its entries
    short = next(i for i in rec["invoices"] if i["paid_amount"] == ZERO)
    short["total_amount"] = short["total_amount"] - Decimal("50.00")
    firm.planted["lines_mismatch"] = short["invoice_number"]
    # a declined card: a failed payment on an open invoice, never posted
    open_invoice = next(i for i in rec["invoices"] if i["paid_amount"] == ZERO and i is not short)
    ids["payment"] += 1
    rec["invoice_payments"].append({
        "id": 7000 + ids["payment"], "amount": open_invoice["total_amount"], "date": "2026-10-20",
        "invoice": {"id": open_invoice["id"]}, "invoice_number": open_invoice["invoice_number"], "status": "failure",
        "transaction_type": "payment", "case": {"id": open_invoice["case"]["id"]}, "account_name": "Operating",
        "client": None, "updated_at": "2026-10-20T12:00:00Z"})
    firm.planted["failed_payment"] = open_invoice["invoice_number"]
