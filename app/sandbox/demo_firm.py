"""A deterministic demo law firm: a year of Clio history, the trust bank statement, and QBO customers.

`generate_firm("medium", seed=7)` simulates a firm day by day through the same operations the Clio
emulator uses to change data (``app.sandbox.clio.books``): clients and matters open, bills go out with
service and expense lines, clients pay (in part, in full, several bills at once, from trust), credit memos
and voids happen, and trust money comes in and goes out to third parties and back to clients; in the last
two months a few trust requests (bills of kind ``trust_kind``) ask clients for deposits. The last
month of the history is the statement period: the trust bank's statement of that month is written in OFX
and CSV with the usual reconciling items planted, and `planted` says what they are.

Nothing depends on the wall clock or on hash randomization: the same size and seed give the same firm,
byte for byte. The simulation is linear in the number of records (events are bucketed by day and each
client's open bills are indexed), so the large firm takes seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.money import ZERO, cents
from app.sandbox.clio import statement as stmt
from app.sandbox.clio.books import KINDS, PRACTICE_AREAS, ClioBooks, LineSpec, Record

DEFAULT_PERIOD = "2026-10"
HISTORY_MONTHS = 12

# size: (matters, bills per matter)
SIZES: dict[str, tuple[int, int]] = {"small": (20, 10), "medium": (500, 16), "large": (5000, 16)}

TRUST_ACCOUNT_NAME = "IOLTA Trust Account"
SECOND_TRUST_NAME = "Trust - Interest Bearing (Harrow Estate)"
OPERATING_NAME = "Operating Account"
BANK_ID = "121000358"
IOLTA_ACCOUNT_NUMBER = "4417307305"

_FIRST = ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "William",
          "Elizabeth", "Carlos", "Aisha", "Wei", "Priya", "Olga", "Kwame", "Sofia", "Hiroshi", "Fatima",
          "Liam", "Noah", "Emma", "Ava", "Lucas", "Mia", "Ethan", "Isabella", "Mateo", "Chloe", "Omar")
_LAST = ("Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
         "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
         "Nguyen", "Kim", "Patel", "O'Brien", "Kowalski", "Okafor", "Schmidt", "Rossi", "Haddad", "Silva")
_COMPANY_A = ("Harbor", "Summit", "Pioneer", "Cedar", "Blue Ridge", "Golden Gate", "Northwind", "Evergreen",
              "Lakeside", "Ironwood", "Silverline", "Redwood", "Bayview", "Keystone", "Meridian")
_COMPANY_B = ("Logistics", "Holdings", "Construction", "Dental Group", "Realty", "Software", "Bakery",
              "Partners", "Manufacturing", "Consulting", "Farms", "Medical Associates", "Ventures")
_COMPANY_C = ("LLC", "Inc.", "Co.", "LLP", "Corp.", "Ltd.")
_SERVICES = ("Telephone conference with client", "Draft and revise motion", "Review discovery documents",
             "Legal research", "Prepare for and attend hearing", "Correspondence with opposing counsel",
             "Draft settlement agreement", "Review and revise contract", "Deposition preparation",
             "Court appearance", "Draft will and trust documents", "Title review")
_EXPENSES = ("Court filing fee", "Process server", "Deposition transcript", "Courier", "Expert witness fee",
             "Recording fee", "Photocopies", "Travel - mileage", "Medical records request")
_PAYEES = ("Superior Court Clerk", "County Recorder", "Metro Title & Escrow", "Dr. Alan Reyes (expert)",
           "Acme Process Service", "State Bar Filing Office", "Harbor Court Reporting")
_RATES = (Decimal("195"), Decimal("250"), Decimal("325"), Decimal("375"), Decimal("450"), Decimal("550"))

# Clients every firm gets, whatever its size: the names that break naive integrations.
_LONG_NAME = ("The Greater Metropolitan Association of Independent Commercial Property Owners, "
              "Managers and Developers, Incorporated")
_SPECIAL_CLIENTS: tuple[dict[str, str], ...] = (
    {"type": "Person", "first": "Margaret", "last": "Chen", "email": "margaret.chen@example.com"},
    {"type": "Person", "first": "John", "last": "Smith", "email": "john.smith@example.com"},
    {"type": "Person", "first": "John", "last": "Smith", "email": "jsmith.contracts@example.net"},
    {"type": "Person", "first": "Zoë", "last": "Ångström-Núñez", "email": "zoe.angstrom@example.org"},
    {"type": "Company", "name": "Acme: Holdings LLC", "email": "ap@acme-holdings.example.com"},
    {"type": "Company", "name": _LONG_NAME, "email": "accounts@gmacpo.example.org"},
    {"type": "Person", "first": "太郎", "last": "山田", "email": "taro.yamada@example.jp"},
    {"type": "Company", "name": "Riverside Dental Group, LLC", "email": "office@riversidedental.example.com"},
    {"type": "Person", "first": "Łukasz", "last": "Wróblewski", "email": "lukasz.w@example.pl"},
)


@dataclass
class DemoFirm:
    """One generated firm. `books` holds the live Clio records; the other fields are fixed at generation."""

    size: str
    seed: int
    period: str
    books: ClioBooks
    qbo_customers: list[dict[str, Any]]
    statement_ofx: str
    statement_csv: str
    statement_csv_mapping: dict[str, Any]
    trust_account_name: str
    planted: dict[str, Any] = field(default_factory=dict)

    @property
    def records(self) -> dict[str, list[Record]]:
        """The Clio records as v4 returns them with every field, keyed by endpoint name."""
        return {kind: list(self.books.records[kind].values()) for kind in KINDS}

    def __getattr__(self, name: str) -> list[Record]:
        # firm.contacts, firm.bills, … as the contract names them.
        if name in KINDS:
            return list(self.books.records[name].values())
        raise AttributeError(name)

    @property
    def trust_account_id(self) -> int:
        for account in self.books.records["bank_accounts"].values():
            if account["name"] == self.trust_account_name:
                return int(account["id"])
        raise KeyError(self.trust_account_name)


def _month_bounds(period: str) -> tuple[dt.date, dt.date]:
    year, month = (int(p) for p in period.split("-"))
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


class _Clock:
    """Timestamps for the simulated day: each change a second after the one before it."""

    def __init__(self) -> None:
        self.day = dt.date(2000, 1, 1)
        self._tick = 0

    def set_day(self, day: dt.date) -> None:
        if day != self.day:
            self.day = day
            self._tick = 0

    def __call__(self) -> str:
        seconds = 8 * 3600 + min(self._tick, 15 * 3600)
        self._tick += 1
        h, rest = divmod(seconds, 3600)
        m, s = divmod(rest, 60)
        return f"{self.day.isoformat()}T{h:02d}:{m:02d}:{s:02d}+00:00"


def _money(rng: random.Random, low: int, high: int, step: int = 1) -> Decimal:
    """A whole-dollar amount in [low, high] in steps of `step`."""
    return Decimal(rng.randrange(low // step, high // step + 1) * step)


def _email_slug(text: str) -> str:
    slug = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "." for ch in text)
    return ".".join(p for p in slug.split(".") if p) or "client"


class _Simulation:
    def __init__(self, size: str, seed: int, period: str) -> None:
        if size not in SIZES:
            raise ValueError(f"unknown firm size {size!r}: choose one of {', '.join(SIZES)}")
        self.size = size
        self.seed = seed
        self.period = period
        self.rng = random.Random(f"ledgerbridge-demo/{size}/{seed}")
        # Trust requests draw on their own generator, so adding them left the rest of the history as it was.
        self.trust_rng = random.Random(f"ledgerbridge-demo/{size}/{seed}/trust-requests")
        self.clock = _Clock()
        self.books = ClioBooks(self.clock)
        self.period_start, self.end = _month_bounds(period)
        self.start = _months_before(self.period_start, HISTORY_MONTHS)
        self.days = (self.end - self.start).days + 1
        self.events: dict[int, list[tuple[int, int, tuple[Any, ...]]]] = {}
        self._seq = 0
        self.client_open: dict[int, set[int]] = {}
        self.matter_trust_account: dict[int, int] = {}
        self.frozen: set[int] = set()  # matters whose trust ledger must not move again
        self.check_number = 5001
        self.planted: dict[str, Any] = {}
        self.uncleared: set[int] = set()  # journal entries the bank has not seen by the statement end

    # --- scheduling ---------------------------------------------------------------------------

    _PRIORITY = {"open": 0, "deposit": 1, "bill": 2, "pay": 3, "credit": 3, "void": 4, "disburse": 5,
                 "close": 6}

    def schedule(self, day_index: int, kind: str, *args: Any) -> None:
        if day_index >= self.days:
            return  # after the period: it has not happened yet
        self._seq += 1
        self.events.setdefault(day_index, []).append((self._PRIORITY[kind], self._seq, (kind, *args)))

    def day(self, index: int) -> dt.date:
        return self.start + dt.timedelta(days=index)

    # --- setup --------------------------------------------------------------------------------

    def setup(self) -> None:
        rng, books = self.rng, self.books
        self.clock.set_day(self.start)
        self.operating = books.add_bank_account(OPERATING_NAME, "Operating", account_number="****4821",
                                                institution="First Pacific Bank", default=True)["id"]
        self.iolta = books.add_bank_account(TRUST_ACCOUNT_NAME, "Trust", account_number="****7305",
                                            institution="First Pacific Bank")["id"]
        self.second_trust = None
        if self.size != "small":
            self.second_trust = books.add_bank_account(SECOND_TRUST_NAME, "Trust", account_number="****9912",
                                                       institution="Coastal Savings Bank")["id"]
        for payee in ("Superior Court Clerk", "Metro Title & Escrow"):
            books.add_contact("Company", payee, email="", is_client=False)

        n_matters, bills_per_matter = SIZES[self.size]
        n_clients = max(len(_SPECIAL_CLIENTS) + 3, int(n_matters * 0.7))
        self.client_specs = list(_SPECIAL_CLIENTS) + [self._random_client(i) for i in
                                                      range(n_clients - len(_SPECIAL_CLIENTS))]
        self.client_ids: list[int | None] = [None] * n_clients
        last_open = self.days - 25
        opens = sorted(rng.randrange(0, last_open) for _ in range(n_matters))
        # The special clients get the earliest matters, so every firm size shows them with activity.
        owners = list(range(len(_SPECIAL_CLIENTS))) + [
            rng.randrange(n_clients) for _ in range(n_matters - len(_SPECIAL_CLIENTS))
        ]
        for index, (open_day, owner) in enumerate(zip(opens, owners, strict=False)):
            self.schedule(open_day, "open", index, owner, bills_per_matter)

    def _random_client(self, i: int) -> dict[str, str]:
        rng = self.rng
        if rng.random() < 0.7:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            return {"type": "Person", "first": first, "last": last,
                    "email": f"{_email_slug(first)}.{_email_slug(last)}{i}@example.com"}
        name = f"{rng.choice(_COMPANY_A)} {rng.choice(_COMPANY_B)} {rng.choice(_COMPANY_C)}"
        return {"type": "Company", "name": name, "email": f"billing{i}@{_email_slug(name)}.example.com"}

    def _client(self, owner: int) -> int:
        cid = self.client_ids[owner]
        if cid is None:
            spec = self.client_specs[owner]
            if spec["type"] == "Person":
                name = f"{spec['first']} {spec['last']}"
                record = self.books.add_contact("Person", name, first_name=spec["first"], last_name=spec["last"],
                                                email=spec["email"], phone=self._phone())
            else:
                record = self.books.add_contact("Company", spec["name"], email=spec["email"], phone=self._phone())
            cid = record["id"]
            self.client_ids[owner] = cid
            self.client_open[cid] = set()
        return cid

    def _phone(self) -> str:
        return f"+1 415 555 {self.rng.randrange(10000):04d}"

    # --- events -------------------------------------------------------------------------------

    def run(self) -> None:
        self.setup()
        plants = {
            (self.end - dt.timedelta(days=200) - self.start).days: "stale_check",
            (self.end - dt.timedelta(days=12) - self.start).days: "refund",
            (self.end - dt.timedelta(days=8) - self.start).days: "negative_ledger",
            (self.end - dt.timedelta(days=4) - self.start).days: "outstanding_check",
            (self.end - dt.timedelta(days=1) - self.start).days: "deposit_in_transit",
        }
        requests = self._trust_request_days()
        for index in range(self.days):
            self.clock.set_day(self.day(index))
            for _, _, event in sorted(self.events.pop(index, ())):
                getattr(self, f"_on_{event[0]}")(index, *event[1:])
            if index in plants:
                getattr(self, f"_plant_{plants[index]}")(index)
            if index in requests:
                self._request_trust(index, requests[index])

    def _trust_request_days(self) -> dict[int, int]:
        """Day index → how many trust requests go out that day: a few over the last two months."""
        count = max(3, SIZES[self.size][0] // 60)
        days: dict[int, int] = {}
        for i in range(count):
            index = self.days - 60 + i * 60 // count
            days[index] = days.get(index, 0) + 1
        return days

    def _request_trust(self, index: int, count: int) -> None:
        """Trust requests (bills of kind ``trust_kind``) to open matters, still awaiting the client's deposit."""
        rng, books = self.trust_rng, self.books
        open_matters = [mid for mid, m in books.records["matters"].items()
                        if m["status"] == "Open" and mid not in self.frozen]
        for _ in range(count):
            mid = open_matters[rng.randrange(len(open_matters))]
            books.add_trust_request(mid, self.day(index), _money(rng, 500, 5000, 250), "Retainer top-up requested")

    def _on_open(self, index: int, slot: int, owner: int, bills_per_matter: int) -> None:
        rng, books = self.rng, self.books
        client_id = self._client(owner)
        area = rng.choice(PRACTICE_AREAS)
        description = f"{area} - {rng.choice(('general', 'dispute', 'transaction', 'advice', 'estate'))}"
        matter = books.add_matter(client_id, description, practice_area=area, open_date=self.day(index))
        mid = matter["id"]
        account = self.iolta
        if self.second_trust is not None and slot % 50 == 7:
            account = self.second_trust
        self.matter_trust_account[mid] = account
        if rng.random() < 0.45 or account != self.iolta:
            self._on_deposit(index, mid, _money(rng, 1000, 15000, 50), "retainer")
            for _ in range(rng.choice((0, 1, 1, 2))):
                self.schedule(index + rng.randrange(20, 300), "deposit", mid, _money(rng, 500, 8000, 50), "top-up")
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                self.schedule(index + rng.randrange(5, 250), "disburse", mid, rng.uniform(0.1, 0.6))
        remaining = self.days - index
        count = max(1, round(bills_per_matter * rng.uniform(0.6, 1.4) * min(1.0, remaining / 200)))
        last_bill = index
        for _ in range(count):
            bill_day = index + rng.randrange(3, max(4, remaining))
            last_bill = max(last_bill, bill_day)
            self.schedule(bill_day, "bill", mid)
        if rng.random() < 0.15:
            self.schedule(last_bill + rng.randrange(30, 90), "close", mid)

    def _lines(self, index: int) -> list[LineSpec]:
        rng = self.rng
        lines: list[LineSpec] = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 6))):
            day = self.day(max(0, index - rng.randrange(0, 28)))
            if rng.random() < 0.72:
                quantity = Decimal(rng.randrange(1, 80)) / 10
                spec = LineSpec("Service", rng.choice(_SERVICES), quantity, rng.choice(_RATES), day)
            else:
                price = Decimal(rng.randrange(1250, 85000)) / 100
                spec = LineSpec("Expense", rng.choice(_EXPENSES), Decimal("1"), price, day)
            roll = rng.random()
            if roll < 0.04:
                spec = LineSpec(spec.kind, spec.description + " (no charge)", spec.quantity, ZERO, day,
                                no_charge=True)
            elif roll < 0.09:
                spec = LineSpec(spec.kind, spec.description, spec.quantity, spec.price, day, "percentage",
                                Decimal(rng.choice((5, 10, 15))))
            elif roll < 0.12 and spec.gross > 100:
                spec = LineSpec(spec.kind, spec.description, spec.quantity, spec.price, day, "money",
                                Decimal(rng.choice((25, 50, 100))))
            lines.append(spec)
        if sum((ln.total for ln in lines), ZERO) <= 0:
            lines.append(LineSpec("Service", rng.choice(_SERVICES), Decimal("1.0"), rng.choice(_RATES),
                                  self.day(index)))
        return lines

    def _on_bill(self, index: int, mid: int) -> None:
        rng, books = self.rng, self.books
        matter = books.records["matters"][mid]
        if matter["status"] == "Closed":
            return
        draft = index >= self.days - 12 and rng.random() < 0.4
        bill = books.add_bill(mid, self.day(index), self._lines(index), state="draft" if draft else
                              "awaiting_payment")
        bid = bill["id"]
        if draft:
            return
        self.client_open[matter["client_id"]].add(bid)
        if rng.random() < 0.05 and mid in self.matter_trust_account:
            books.add_trust_line_item(bid, self.day(index), min(bill["total"], _money(rng, 100, 2000, 50)),
                                      "Trust funds requested")
        fate = rng.random()
        if books.trust.get((mid, self.matter_trust_account[mid]), ZERO) > 0 and rng.random() < 0.3:
            # Firms holding a retainer usually pay their bills from it.
            self.schedule(index + rng.randrange(1, 10), "pay", bid, "trust")
        elif fate < 0.60:
            self.schedule(index + rng.randrange(5, 45), "pay", bid, "full")
        elif fate < 0.70:
            self.schedule(index + rng.randrange(5, 30), "pay", bid, "partial")
            self.schedule(index + rng.randrange(35, 90), "pay", bid, "full")
        elif fate < 0.81:
            self.schedule(index + rng.randrange(1, 10), "pay", bid, "trust")
        elif fate < 0.85:
            self.schedule(index + rng.randrange(3, 20), "credit", bid)
            self.schedule(index + rng.randrange(25, 60), "pay", bid, "full")
        elif fate < 0.88:
            self.schedule(index + rng.randrange(3, 20), "void", bid)
        # else: it stays unpaid

    def _still_open(self, bid: int) -> bool:
        bill = self.books.records["bills"][bid]
        if bill["state"] != "awaiting_payment" or bill["balance"] <= 0:
            self.client_open[bill["client"]["id"]].discard(bid)
            return False
        return True

    def _on_pay(self, index: int, bid: int, mode: str) -> None:
        rng, books = self.rng, self.books
        if not self._still_open(bid):
            return
        bill = books.records["bills"][bid]
        day = self.day(index)
        mid = bill["matters"][0]["id"]
        client_id = bill["client"]["id"]
        if mode == "trust":
            account = self.matter_trust_account[mid]
            if mid not in self.frozen and books.trust.get((mid, account), ZERO) >= bill["balance"]:
                books.pay([(bid, bill["balance"])], day, destination_account_id=self.operating,
                          source_account_id=account, reference=f"TRUST-{bill['number']}")
                self._still_open(bid)
                return
            mode = "full"
        method = rng.choice(("Check", "EFT", "Credit Card"))
        reference = f"CHK-{rng.randrange(1000, 99999)}" if method == "Check" else ""
        if mode == "partial":
            value = cents(bill["balance"] * Decimal(rng.randrange(30, 71)) / 100)
            slices = [(bid, value)] if value > 0 else [(bid, bill["balance"])]
        else:
            slices = [(bid, bill["balance"])]
            if rng.random() < 0.25:
                # One cheque for several outstanding bills of the same client.
                issued = day.isoformat()
                others = [o for o in sorted(self.client_open[client_id]) if o != bid
                          and books.records["bills"][o]["issued_at"] <= issued and self._still_open(o)]
                for other in others[:2]:
                    slices.append((other, books.records["bills"][other]["balance"]))
        books.pay(slices, day, destination_account_id=self.operating, payment_type=method, reference=reference)
        for paid_id, _ in slices:
            self._still_open(paid_id)

    def _on_credit(self, index: int, bid: int) -> None:
        if not self._still_open(bid):
            return
        bill = self.books.records["bills"][bid]
        value = cents(bill["balance"] * Decimal(self.rng.randrange(10, 26)) / 100)
        if value > 0:
            self.books.credit_memo(bid, value, self.day(index), "Courtesy credit")

    def _on_void(self, index: int, bid: int) -> None:
        bill = self.books.records["bills"][bid]
        if bill["state"] == "awaiting_payment" and bill["paid"] == 0 and bill["credits_issued"] == 0:
            self.books.void_bill(bid)
            self.client_open[bill["client"]["id"]].discard(bid)

    def _on_deposit(self, index: int, mid: int, value: Decimal, why: str) -> None:
        if mid in self.frozen or self.books.records["matters"][mid]["status"] == "Closed":
            return
        reference = f"DEP-{self.rng.randrange(100000, 999999)}"
        self.books.trust_deposit(mid, self.matter_trust_account[mid], value, self.day(index), reference=reference,
                                 description=f"{why.capitalize()} deposit, "
                                             f"{self.books.records['matters'][mid]['display_number']}")

    def _next_check(self) -> str:
        number = self.check_number
        self.check_number += 1
        return str(number)

    def _on_disburse(self, index: int, mid: int, share: float) -> None:
        if mid in self.frozen:
            return
        account = self.matter_trust_account[mid]
        have = self.books.trust.get((mid, account), ZERO)
        value = cents(have * Decimal(str(round(share, 2))))
        if value <= 0:
            return
        self.books.trust_withdrawal(mid, account, value, self.day(index), payee=self.rng.choice(_PAYEES),
                                    check_number=self._next_check())

    def _on_close(self, index: int, mid: int) -> None:
        if mid in self.frozen:
            return
        account = self.matter_trust_account[mid]
        have = self.books.trust.get((mid, account), ZERO)
        if have > 0:
            self.books.trust_withdrawal(mid, account, have, self.day(index), transaction_type="Refund",
                                        check_number=self._next_check())
        self.books.close_matter(mid, self.day(index))

    # --- planted reconciliation items (all on the pooled IOLTA account) --------------------------

    def _iolta_matter(self, index: int, at_least: Decimal, *, sole: bool = False) -> int:
        """An open IOLTA matter with at least `at_least` in trust; funds one if none has enough.

        `sole`: only a matter holding all of its client's IOLTA money, so that a shortfall on the matter
        is also a negative client ledger.
        """
        books = self.books
        best, best_balance = None, ZERO
        for mid, account in self.matter_trust_account.items():
            if account != self.iolta or mid in self.frozen:
                continue
            balance = books.trust.get((mid, account), ZERO)
            client_id = books.records["matters"][mid]["client_id"]
            if sole and books.client_trust.get((client_id, account), ZERO) != balance:
                continue
            if balance > best_balance and books.records["matters"][mid]["status"] == "Open":
                best, best_balance = mid, balance
        if best is None or best_balance < at_least:
            if best is None:
                # Nobody holds money that fits: an open matter whose client has none in trust will.
                best = next(
                    (m for m, a in self.matter_trust_account.items()
                     if a == self.iolta and m not in self.frozen
                     and books.records["matters"][m]["status"] == "Open"
                     and books.client_trust.get((books.records["matters"][m]["client_id"], a), ZERO) == 0),
                    next(m for m, a in self.matter_trust_account.items() if a == self.iolta and m not in self.frozen),
                )
            books.trust_deposit(best, self.iolta, at_least * 2, self.day(index), reference="DEP-PLANT",
                                description="Retainer deposit")
        return best

    def _plant_check(self, index: int, label: str) -> None:
        mid = self._iolta_matter(index, Decimal("1500"))
        value = cents(Decimal(self.rng.randrange(35000, 120000)) / 100)
        txn = self.books.trust_withdrawal(mid, self.iolta, value, self.day(index), payee=self.rng.choice(_PAYEES),
                                          check_number=self._next_check())
        self.uncleared.add(txn["id"])
        self.planted[label] = {"bank_transaction_id": txn["id"], "date": self.day(index), "amount": value,
                               "check_number": txn["confirmation"], "matter_id": mid,
                               "age_days": (self.end - self.day(index)).days}

    def _plant_stale_check(self, index: int) -> None:
        self._plant_check(index, "stale_check")

    def _plant_outstanding_check(self, index: int) -> None:
        self._plant_check(index, "outstanding_check")

    def _plant_refund(self, index: int) -> None:
        """Unused retainer returned to a client by check in the period (it clears before the end)."""
        mid = self._iolta_matter(index, Decimal("400"))
        value = cents(self.books.trust[(mid, self.iolta)] / 2)
        txn = self.books.trust_withdrawal(mid, self.iolta, value, self.day(index), transaction_type="Refund",
                                          check_number=self._next_check())
        self.planted["client_refund"] = {"bank_transaction_id": txn["id"], "date": self.day(index),
                                         "amount": value, "matter_id": mid, "check_number": txn["confirmation"],
                                         "cleared": True}

    def _plant_negative_ledger(self, index: int) -> None:
        mid = self._iolta_matter(index, Decimal("500"), sole=True)
        have = self.books.trust[(mid, self.iolta)]
        over = Decimal("250.00")
        txn = self.books.trust_withdrawal(mid, self.iolta, have + over, self.day(index),
                                          payee=self.rng.choice(_PAYEES), allow_negative=True)
        self.frozen.add(mid)
        client_id = self.books.records["matters"][mid]["client_id"]
        self.planted["negative_ledger"] = {
            "matter_id": mid, "client_id": client_id, "bank_transaction_id": txn["id"],
            "date": self.day(index), "amount": txn["funds_out"], "balance": -over,
        }

    def _plant_deposit_in_transit(self, index: int) -> None:
        mid = self._iolta_matter(index, ZERO)
        value = cents(Decimal(self.rng.randrange(150000, 600000)) / 100)
        txn = self.books.trust_deposit(mid, self.iolta, value, self.day(index), reference="DEP-TRANSIT",
                                       description="Settlement funds received")
        self.uncleared.add(txn["id"])
        self.planted["deposit_in_transit"] = {"bank_transaction_id": txn["id"], "date": self.day(index),
                                              "amount": value, "matter_id": mid}

    # --- the statement ------------------------------------------------------------------------

    def statement(self) -> stmt.BankStatement:
        rng = self.rng
        start, end = self.period_start, self.end
        before = ZERO
        lines: list[tuple[dt.date, int, stmt.StatementLine]] = []
        order = 0
        for txn in self.books.records["bank_transactions"].values():
            if txn["bank_account_id"] != self.iolta:
                continue
            day = dt.date.fromisoformat(txn["date"])
            if day < start:
                if txn["id"] not in self.uncleared:
                    before += txn["amount"]
                continue
            if txn["id"] in self.uncleared or day > end:
                continue
            check = txn["confirmation"] if txn["funds_out"] > 0 and txn["confirmation"].isdigit() else ""
            posted = min(end, day + dt.timedelta(days=rng.randrange(1, 4))) if check else day
            order += 1
            name = "CHECK" if check else ("DEPOSIT" if txn["amount"] > 0 else "WITHDRAWAL")
            lines.append((posted, order, stmt.StatementLine(
                date=posted, amount=txn["amount"], fitid=f"{posted:%Y%m%d}{order:05d}", name=name,
                memo=txn["description"], check_number=check,
                reference="" if check else txn["confirmation"],
            )))
        bank_only = {
            "bank_fee": (start + dt.timedelta(days=14), -cents(rng.choice((15, 25, 35))), "SERVICE FEE",
                         "MONTHLY SERVICE FEE"),
            "unidentified_deposit": (start + dt.timedelta(days=19),
                                     cents(Decimal(rng.randrange(50000, 300000)) / 100), "DEPOSIT",
                                     "DEPOSIT - BRANCH 0412"),
            "interest": (end, cents(Decimal(rng.randrange(100, 999)) / 100), "INTEREST", "INTEREST PAID"),
        }
        for label, (day, value, name, memo) in bank_only.items():
            order += 1
            fitid = f"{day:%Y%m%d}{order:05d}"
            lines.append((day, order, stmt.StatementLine(date=day, amount=value, fitid=fitid, name=name, memo=memo)))
            self.planted[label] = {"date": day, "amount": value, "fitid": fitid, "description": memo}
        lines.sort(key=lambda item: (item[0], item[1]))
        opening = before  # the stale check is left out above: the bank never paid it
        return stmt.BankStatement(BANK_ID, IOLTA_ACCOUNT_NUMBER, start, end, opening,
                                  tuple(line for _, _, line in lines))

    def summary(self, statement: stmt.BankStatement) -> None:
        books, p = self.books, self.planted
        journal = sum((t["amount"] for t in books.records["bank_transactions"].values()
                       if t["bank_account_id"] == self.iolta), ZERO)
        ledgers = sum((v for (_, account), v in books.trust.items() if account == self.iolta), ZERO)
        dit = p["deposit_in_transit"]["amount"]
        outstanding = p["outstanding_check"]["amount"] + p["stale_check"]["amount"]
        p.update(
            account={"bank_account_id": self.iolta, "name": TRUST_ACCOUNT_NAME,
                     "account_number": IOLTA_ACCOUNT_NUMBER},
            period=self.period,
            statement_start=statement.start,
            statement_end=statement.end,
            opening_balance=statement.opening_balance,
            ending_balance=statement.ending_balance,
            journal_balance=journal,
            client_ledger_sum=ledgers,
            deposits_in_transit_total=dit,
            outstanding_checks_total=outstanding,
            adjusted_bank_balance=statement.ending_balance + dit - outstanding,
            bank_only_total=sum((p[k]["amount"] for k in ("bank_fee", "interest", "unidentified_deposit")), ZERO),
        )

    def qbo_customers(self) -> list[dict[str, Any]]:
        """Customers already in the firm's QuickBooks before Ledgerbridge connects."""
        contacts = {c["name"]: c for c in self.books.records["contacts"].values()}
        chen = contacts["Margaret Chen"]
        self.planted["qbo_exact_match"] = {"contact_id": chen["id"], "display_name": chen["name"]}
        self.planted["qbo_near_duplicate"] = {
            "contact_id": contacts["Riverside Dental Group, LLC"]["id"],
            "display_name": "Riverside Dental Group LLC",
        }
        return [
            {"DisplayName": "Margaret Chen", "GivenName": "Margaret", "FamilyName": "Chen",
             "PrimaryEmailAddr": {"Address": chen["primary_email_address"]}},
            {"DisplayName": "Riverside Dental Group LLC", "CompanyName": "Riverside Dental Group LLC",
             "PrimaryEmailAddr": {"Address": "frontdesk@riversidedental.example.com"}},
            {"DisplayName": "Walk-in Consultations", "CompanyName": "Walk-in Consultations"},
            {"DisplayName": "City Bar Association", "CompanyName": "City Bar Association",
             "PrimaryEmailAddr": {"Address": "dues@citybar.example.org"}},
            {"DisplayName": "Harold Finch", "GivenName": "Harold", "FamilyName": "Finch",
             "PrimaryEmailAddr": {"Address": "hfinch@example.com"}},
        ]


def generate_firm(size: str = "small", seed: int = 7, *, period: str = DEFAULT_PERIOD) -> DemoFirm:
    """A demo firm of `size` (small ≈ 20 matters, medium ≈ 500 and 6k bills, large ≈ 5k and 60k bills)."""
    sim = _Simulation(size, seed, period)
    sim.run()
    statement = sim.statement()
    sim.summary(statement)
    customers = sim.qbo_customers()
    return DemoFirm(
        size=size,
        seed=seed,
        period=period,
        books=sim.books,
        qbo_customers=customers,
        statement_ofx=stmt.to_ofx(statement),
        statement_csv=stmt.to_csv(statement),
        statement_csv_mapping=stmt.csv_mapping(),
        trust_account_name=TRUST_ACCOUNT_NAME,
        planted=sim.planted,
    )
