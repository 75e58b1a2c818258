"""The planner: Clio records + links + mapping → the explicit list of QuickBooks writes and the holds.

A pure function (no I/O): it decides create / update / void per record by comparing the content hash of
what the record would be sent as with the one stored in its link, orders the writes in dependency waves
(customer, sub-customer, documents, payments), checks every posting (trust invariant, balance, mapping), and
holds what cannot go, together with everything that depends on it. The dry run is this plan, described.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.mapping import Mapping, MappingProblem
from app.model import Allocation, AllocationParent, Client, ExceptionItem, ExceptionStatus, Invoice, TrustTxn
from app.money import ZERO, cents, fmt
from app.qbo.lines import ref_value
from app.store.links import Link
from app.sync import invariants, names, rules, transfers
from app.sync.actions import (
    WAVE_CUSTOMER,
    WAVE_DOC,
    WAVE_JOB,
    WAVE_PAYMENT,
    WAVE_UNAPPLY,
    WAVE_VOID,
    Action,
    Hold,
    Key,
    Plan,
    content_hash,
)
from app.sync.clio_books import Books
from app.sync.customer_match import CustomerDirectory, normalize_name
from app.sync.cutover import Cutover
from app.sync.existing import ExistingBooks, describe

# Reasons that wait for a person: the planner does not try again until the item is marked for retry.
PERSON_CODES = frozenset({
    "customer_near_match", "customer_ambiguous", "qbo_refused", "edited_in_qbo", "deleted_in_qbo",
    "payment_only_in_qbo", "existing_differs", "missing_before_cutover", "trust_overdraft",
})


@dataclass
class PlanInput:
    books: Books
    mapping: Mapping
    links: dict[Key, Link] = field(default_factory=dict)
    qbo_customers: list[dict[str, Any]] = field(default_factory=list)
    other_names: Iterable[str] = ()  # DisplayNames of vendors and employees
    exceptions: dict[tuple[str, str], list[ExceptionItem]] = field(default_factory=dict)
    mapping_problems: list[MappingProblem] = field(default_factory=list)
    doc_numbers: bool = True
    income_accounts: Iterable[str] = ()
    # While bill lines are still streaming in: plan only bills whose lines already add up to their total
    # (the others wait, unheld, for the plan made once every line is read).
    only_complete_bills: bool = False
    # Bills posted during this very run, from their cached version and with this mapping: unchanged by
    # construction, so they are counted as such without their lines being read again.
    settled_bills: frozenset[int] = frozenset()
    # Where the firm's books start, QuickBooks' closing date, and what QuickBooks held before (app.sync.cutover,
    # app.sync.existing): records found there are linked, nothing dated before the start is created.
    cutover: Cutover = field(default_factory=Cutover)
    existing: ExistingBooks | None = None
    # Per Clio trust account name: signed-off periods (YYYY-MM) → the sentence naming that signed report.
    signed_months: dict[str, dict[str, str]] = field(default_factory=dict)


SECTIONS: tuple[str, ...] = ("customers", "jobs", "invoices", "credit_memos", "trust", "payments", "openings")
# The Clio kinds each section reads. Bank accounts always come (they tell trust from operating money);
# contacts become clients when a matter or bill names them. Only invoices need bill lines.
READS: dict[str, frozenset[str]] = {
    "customers": frozenset({"contacts", "matters", "bills"}),
    "jobs": frozenset({"contacts", "matters", "bills"}),
    "invoices": frozenset({"contacts", "matters", "bills", "line_items"}),
    "credit_memos": frozenset({"contacts", "matters", "bills", "allocations", "credit_memos"}),
    "trust": frozenset({"contacts", "matters", "bills", "allocations", "bank_transactions"}),
    "payments": frozenset({"contacts", "matters", "bills", "allocations", "credit_memos"}),
    "openings": frozenset({"contacts", "matters", "bills", "bank_transactions"}),
}


def reads(sections: Iterable[str]) -> frozenset[str]:
    """What ``load_books`` must read for a plan of these sections."""
    return frozenset({"bank_accounts"}).union(*(READS[s] for s in sections))


class Planner:
    """Plans the whole firm at once (``make_plan``) or one slice at a time (``plan_slice``, see
    ``app.sync.slices``). What must be the same across slices is kept here: names already given, existing
    customers already claimed, the holds, and what earlier slices planned."""

    def __init__(self, inp: PlanInput) -> None:
        self.inp = inp
        self.books = inp.books
        self.mapping = inp.mapping
        self.links = inp.links
        self.plan = Plan()
        self.actions: dict[Key, Action] = {}
        self.holds: dict[Key, Hold] = {}
        self.labels: dict[Key, str] = {}
        self.planned: set[Key] = set()  # keys earlier slices planned a write for
        self.cm_bills: dict[int, set[Key]] = {}
        self.trust_problems: dict[int, str] = {}
        for p in inp.mapping_problems:
            if p.scope is not None:
                self.trust_problems.setdefault(p.scope, p.message)
        linked_customers = {lk.qbo_id for k, lk in self.links.items() if lk.qbo_entity == "Customer"}
        self.directory = CustomerDirectory(inp.qbo_customers, linked_customers)
        # name_key → QBO id (None for vendors/employees), to find collisions
        self.taken: dict[str, str] = {names.name_key(n): "vendor" for n in inp.other_names}
        for c in inp.qbo_customers:
            self.taken.setdefault(names.name_key(str(c.get("DisplayName", ""))), str(c["Id"]))
        self.assigned: dict[str, Key] = {}
        self.overdrafts: dict[Key, tuple[Key, Decimal, dt.date]] = {}  # outflow → (owner, balance, day)
        self.linked_to: dict[Key, str] = {}  # keys earlier slices planned a link for → the QuickBooks Id
        self.left_out: dict[Key, str] = {}  # invoices not posted because they are dated before the cutover
        # (parent QBO id, normalized name) → existing sub-customer, to link a matter the firm already has
        self.customer_rows = {str(c["Id"]): c for c in inp.qbo_customers}
        self.existing_jobs: dict[tuple[str, str], str] = {}
        for c in inp.qbo_customers:
            if c.get("Job") and c.get("ParentRef"):
                self.existing_jobs.setdefault((ref_value(c["ParentRef"]), normalize_name(str(c.get("DisplayName", "")))),
                                              str(c["Id"]))
        self.existing = inp.existing or ExistingBooks()
        self.cutover = inp.cutover

    # --- helpers ------------------------------------------------------------------------------------------

    def exception_state(self, key: Key) -> tuple[str, ExceptionItem | None]:
        """("skip"|"link"|"wait"|"retry"|"", item) for a record, from the exception queue."""
        role_items = self.inp.exceptions.get((exception_kind(key), str(key[1])), [])
        for item in role_items:
            if item.status == "retry":
                return "retry", item
        for item in role_items:
            if item.status == ExceptionStatus.OPEN and item.reason_code in PERSON_CODES:
                return "wait", item
        for item in role_items:
            if item.status == ExceptionStatus.LINKED and item.qbo_ref:
                return "link", item
            if item.status == ExceptionStatus.DISMISSED:
                return "skip", item
        return "", None

    def hold(self, key: Key, code: str, message: str, attempted: Any = None, *, blocked_by: Key | None = None,
             silent: bool = False) -> None:
        if key not in self.holds:
            self.holds[key] = Hold(key, code, message, attempted, blocked_by, silent)
        self.actions.pop(key, None)

    def add(self, action: Action, *, existing_hash: str | None = None) -> None:
        """Add an action unless the link says QuickBooks already has exactly this."""
        self.labels[action.key] = action.label
        link = self.links.get(action.key)
        if action.operation in ("create", "update") and link is not None and link.state == "posted":
            if link.content_hash == action.chash:
                self.plan.unchanged += 1
                return
            action.operation = "update"
        state, item = self.exception_state(action.key)
        if state == "wait" and item is not None:
            self.hold(action.key, item.reason_code, item.message, silent=True)
            return
        if state == "link" and item is not None and link is None:
            qbo_id = item.qbo_ref.partition(":")[2]
            self.link_existing(action, qbo_id, f"linked to QuickBooks {action.entity} {qbo_id} by a person")
            return
        if state == "retry" and item is not None:
            action.generation = item.attempts
        day = action.txn_date or _day(action.body.get("TxnDate"))
        if action.operation != "link" and day is not None and self.cutover.closed(day) \
                and not any(self.waiting(n) for n in action.needs):
            self.hold(action.key, "closed_period", self.cutover.closed_sentence(action.label, day),
                      attempted=action.describe())
            return
        if action.is_trust and action.operation != "link" and day is not None and self.signed_hold(action, day):
            return
        problem = invariants.check(action, self.mapping.trust_account_ids, self.inp.income_accounts)
        if problem:
            self.hold(action.key, "trust_invariant" if action.is_trust else "posting_invalid", problem,
                      attempted=action.describe())
            return
        self.actions[action.key] = action

    def signed_hold(self, action: Action, day: dt.date) -> bool:
        """A trust posting dated in a signed-off month would change that signed report: hold it, naming it."""
        period = day.strftime("%Y-%m")
        for t in self.mapping.trust_accounts:
            if t.bank not in action.trust_accounts:
                continue
            account = self.books.bank_accounts.get(t.clio_account_id)
            report = self.inp.signed_months.get(account.name if account else t.name, {}).get(period)
            if report is None:
                continue
            waiting = any(i.status == ExceptionStatus.OPEN and i.reason_code == "signed_period"
                          for i in self.inp.exceptions.get((exception_kind(action.key), str(action.key[1])), []))
            self.hold(action.key, "signed_period",
                      f"{action.label} is dated {day.isoformat()}, in a month already signed off: posting it "
                      f"would change {report}. It was not posted. Record the correction in an open month (an "
                      f"adjusting entry in Clio dated now), or reopen {period} with a reason and sign it off again.",
                      attempted=action.describe(), silent=waiting)
            return True
        return False

    def qbo_id(self, key: Key) -> str | None:
        """The QuickBooks Id a record has or is being linked to in this plan (None: not yet known)."""
        link = self.links.get(key)
        if link is not None and link.state == "posted":
            return link.qbo_id
        action = self.actions.get(key)
        if action is not None and action.operation == "link":
            return action.link_to
        return self.linked_to.get(key)  # linked by an earlier slice's plan

    def decided(self, key: Key) -> bool | None:
        """What a person decided in the queue about a record held earlier: dismissed (True: nothing to plan),
        linked or still waiting (False: ``add`` links it or holds it again quietly); None: nothing decided."""
        state, _ = self.exception_state(key)
        if state == "skip":
            self.plan.skipped += 1
            return True
        return False if state in ("link", "wait") else None

    def waiting(self, key: Key) -> bool:
        """Whether a record is held, or waits on one that is (so it is not in QuickBooks, nor going to be in this
        plan): what depends on it waits too, and is matched with QuickBooks' records once it is there."""
        seen: set[Key] = set()
        todo = [key]
        while todo:
            k = todo.pop()
            if k in seen or self.qbo_id(k) is not None:
                continue
            seen.add(k)
            if k in self.holds:
                return True
            if k in self.actions:
                todo.extend(self.actions[k].needs)
            elif k not in self.planned:
                return True
        return False

    def link_existing(self, action: Action, qbo_id: str, note: str) -> None:
        """Link ``action``'s record to a QuickBooks record the firm already had: adopted as it is, with the hash
        of what we would have sent, so that only a later change in Clio updates it."""
        self.existing.claim(action.entity, qbo_id)
        self.actions[action.key] = Action(action.key, "link", action.entity, {}, action.wave, action.label,
                                          needs=action.needs, etag=action.etag, amount=action.amount,
                                          link_to=qbo_id, chash=action.chash, notes=(note,))

    def differs(self, action: Action, what: str, clio: dict[str, Any], found: list[tuple[str, dict[str, Any]]]) -> None:
        """Hold a record QuickBooks already has in another version: both versions go to the queue."""
        self.hold(action.key, "existing_differs",
                  f"{action.label}: {what} It was not posted, so that nothing is in QuickBooks twice. Correct one "
                  "side and retry, link it to the QuickBooks record from the queue, or dismiss it with a note.",
                  attempted={"clio": clio, "quickbooks": [describe(e, r) for e, r in found]})

    def available(self, key: Key) -> bool:
        link = self.links.get(key)
        return (link is not None and link.state == "posted") or key in self.actions or key in self.planned

    def name_for(self, key: Key, wanted: str, own_qbo: str | None, what: str) -> names.AdaptedName:
        """A legal name, unique among QuickBooks names and the names planned for other records."""
        text, _ = names.clean(wanted)
        k = names.name_key(text)
        taken = set()
        if (k in self.taken and self.taken[k] != own_qbo) or self.assigned.get(k, key) != key:
            taken.add(k)
        adapted = names.adapt(wanted, key[1], taken, what=what)
        self.assigned.setdefault(names.name_key(adapted.name), key)
        return adapted

    # --- customers ----------------------------------------------------------------------------------------

    def customers(self) -> None:
        for client in sorted(self.books.clients.values(), key=lambda c: c.id):
            key = rules.customer_key(client.id)
            link = self.links.get(key)
            label = f"Customer '{client.name}' (Clio contact {client.id})"
            self.labels[key] = label
            if link is None:
                state, item = self.exception_state(key)
                if state == "skip":
                    self.plan.skipped += 1
                    continue
                if state == "link" and item is not None:
                    entity, _, qbo_id = item.qbo_ref.partition(":")
                    self.actions[key] = Action(key, "link", entity or "Customer", {}, WAVE_CUSTOMER, label,
                                               etag=client.etag, link_to=qbo_id,
                                               chash=self.adopted_hash(key, client, qbo_id))
                    self.directory.claim(qbo_id)
                    continue
                if state == "wait" and item is not None:
                    self.hold(key, item.reason_code, item.message, silent=True)
                    continue
                if state != "retry" or item is None or not item.reason_code.startswith("customer_"):
                    match = self.directory.match(client)
                    if match.outcome == "link":
                        self.directory.claim(match.qbo_id)
                        self.actions[key] = Action(key, "link", "Customer", {}, WAVE_CUSTOMER, label,
                                                   etag=client.etag, link_to=match.qbo_id,
                                                   chash=self.adopted_hash(key, client, match.qbo_id),
                                                   notes=("linked to the existing QuickBooks customer with the "
                                                          "same name and email",))
                        continue
                    if match.outcome in ("near", "ambiguous"):
                        self.hold(key, f"customer_{'near_match' if match.outcome == 'near' else 'ambiguous'}",
                                  match.sentence(client), attempted={"candidates": list(match.candidates)})
                        continue
                    if self.customer_by_invoices(key, client):
                        continue
            adapted = self.name_for(key, client.name, link.qbo_id if link else None, "Clio")
            body = rules.customer_body(client, adapted.name)
            action = Action(key, "create", "Customer", body, WAVE_CUSTOMER, label, etag=client.etag,
                            notes=(adapted.sentence(),) if adapted.adapted else ())
            if link is not None and link.content_hash and link.content_hash != action.chash:
                action.body = {**body, "sparse": True}
            self.add(action)

    def customer_by_invoices(self, key: Key, client: Client) -> bool:
        """A client with no customer of its name may still be in QuickBooks under another spelling: when
        QuickBooks already has the client's bills (same number and total) under one customer, hold the client
        for a person to link, rather than create a second customer whose every invoice would then clash."""
        hits: dict[str, list[str]] = defaultdict(list)
        for inv in self.books.invoices.values():
            if inv.client_id != client.id or not inv.is_receivable:
                continue
            for row in self.existing.invoices_numbered(inv.number):
                if cents(row.get("TotalAmt") or 0) == inv.total:
                    owner = self.customer_rows.get(ref_value(row.get("CustomerRef"))) or {}
                    if owner.get("Job") and owner.get("ParentRef"):
                        owner = self.customer_rows.get(ref_value(owner["ParentRef"])) or {}
                    if owner and ("Customer", str(owner["Id"])) not in self.existing.claimed:
                        hits[str(owner["Id"])].append(inv.number)
        if not hits:
            return False
        best = max(hits, key=lambda i: len(hits[i]))
        row = self.customer_rows[best]
        numbers = sorted(hits[best])
        self.hold(key, "customer_near_match",
                  f"Clio client '{client.name}' matches no QuickBooks customer by name and email, but QuickBooks already has "
                  f"{len(numbers)} of its invoices (same number and total: {', '.join(numbers[:5])}"
                  f"{', …' if len(numbers) > 5 else ''}) under the customer '{row.get('DisplayName')}'. Link it to "
                  "that customer, or retry to create a new customer.", attempted={"candidates": [row]})
        return True

    def adopted_hash(self, key: Key, client: Client, qbo_id: str) -> str:
        """An existing customer is adopted as it is: its hash is what we would have sent, so only a later
        change in Clio updates it."""
        adapted = self.name_for(key, client.name, qbo_id, "Clio")
        return Action(key, "create", "Customer", rules.customer_body(client, adapted.name), WAVE_CUSTOMER, "").chash

    def jobs(self) -> None:
        for matter in sorted(self.books.matters.values(), key=lambda m: m.id):
            if matter.client_id not in self.books.clients:
                continue
            key = rules.job_key(matter.id)
            link = self.links.get(key)
            label = f"Sub-customer '{matter.display_number}' (Clio matter {matter.id})"
            wanted = matter.display_number + (f" {matter.description}" if matter.description else "")
            parent = self.qbo_id(rules.customer_key(matter.client_id))
            found = None
            if link is None and parent is not None:
                found = self.existing_jobs.get((parent, normalize_name(wanted))) or self.existing_jobs.get(
                    (parent, normalize_name(matter.display_number)))
            adapted = self.name_for(key, wanted, link.qbo_id if link else found, "Clio matter")
            body = rules.job_body(matter, adapted.name)
            action = Action(key, "create", "Customer", body, WAVE_JOB, label, etag=matter.etag,
                            needs=(rules.customer_key(matter.client_id),),
                            notes=(adapted.sentence(),) if adapted.adapted else ())
            if found is not None and ("Customer", found) not in self.existing.claimed:
                self.link_existing(action, found, "linked existing QuickBooks sub-customer of the same client and name")
                continue
            if link is not None and link.content_hash and link.content_hash != action.chash:
                action.body = {**body, "sparse": True}
            self.add(action)

    # --- documents ----------------------------------------------------------------------------------------

    def invoices(self) -> None:
        for inv in sorted(self.books.invoices.values(), key=lambda i: i.id):
            key = rules.invoice_key(inv.id)
            link = self.links.get(key)
            label = f"Invoice {inv.number} (Clio bill {inv.id})"
            self.labels[key] = label
            if not inv.is_receivable:
                if link is not None and link.state == "posted":
                    self.add(Action(key, "void", "Invoice", {}, WAVE_VOID, label, etag=inv.etag,
                                    chash=content_hash({"void": inv.id}), txn_date=inv.issued_at))
                continue
            if self.inp.only_complete_bills and sum((ln.total for ln in inv.lines), ZERO) != inv.total:
                continue
            if inv.id in self.inp.settled_bills and link is not None and link.state == "posted":
                self.plan.unchanged += 1
                continue
            if link is not None and link.state != "posted" and not (
                    link.state == "deleted" and self.exception_state(key)[0] == "retry"):
                # Voided or deleted in QuickBooks: left alone unless a person asked to post it again.
                self.plan.skipped += 1
                continue
            practice = ""
            if len(inv.matter_ids) == 1 and inv.matter_ids[0] in self.books.matters:
                practice = self.books.matters[inv.matter_ids[0]].practice_area
            try:
                body, posting = rules.invoice_body(inv, self.mapping, practice_area=practice,
                                                   doc_numbers=self.inp.doc_numbers)
            except rules.RuleError as exc:
                self.hold(key, exc.code, exc.message)
                continue
            action = Action(key, "create", "Invoice", body, WAVE_DOC, label, etag=inv.etag, amount=inv.total,
                            posting=posting, needs=(rules.invoice_customer(inv),))
            if link is None and self.waiting(action.needs[0]):
                self.add(action)  # held with its customer; matched with QuickBooks' invoices once that is decided
                continue
            if link is None and self.existing_invoice(inv, action):
                continue
            if link is None and self.cutover.before_start(inv.issued_at) and not (
                    self.cutover.open_bills == "post" and self.open_at_cutover(inv)):
                self.left_out[key] = (f"Invoice {inv.number} is dated {inv.issued_at.isoformat()}, before the cutover "
                                      f"({self.cutover.start}), and QuickBooks does not have it")
                self.plan.before_cutover += 1
                continue
            self.add(action)

    def open_at_cutover(self, inv: Invoice) -> bool:
        """Whether a bill still awaited payment on the cutover day (payments dated before it do not cover it)."""
        paid = sum((a.amount for a in self.books.allocations if a.bill_id == inv.id and a.status == "valid"
                    and not a.voided_at and self.cutover.before_start(a.date)), ZERO)
        return paid < inv.total

    def existing_invoice(self, inv: Invoice, action: Action) -> bool:
        """Link or hold a bill QuickBooks already has under its number; False when it has none."""
        found = self.existing.invoices_numbered(inv.number)
        if not found:
            return False
        decided = self.decided(action.key)
        if decided is not None:
            return decided
        customer = self.qbo_id(action.needs[0])
        same = [r for r in found if ref_value(r.get("CustomerRef")) == customer]
        exact = [r for r in same if cents(r.get("TotalAmt") or 0) == inv.total]
        if exact:
            self.link_existing(action, str(exact[0]["Id"]), f"linked existing QuickBooks invoice {inv.number}")
            return True
        clio = {"DocNumber": inv.number, "TxnDate": inv.issued_at.isoformat(), "TotalAmt": str(inv.total),
                "customer": customer or "(new customer)"}
        if same:
            what = (f"QuickBooks already has invoice {inv.number} for this customer with a total of "
                    f"{fmt(cents(same[0].get('TotalAmt') or 0))}; Clio's total is {fmt(inv.total)}.")
        else:
            what = f"QuickBooks already has an invoice numbered {inv.number}, for another customer."
        self.differs(action, what, clio, [("Invoice", r) for r in (same or found)])
        return True

    def credit_memos(self) -> None:
        for cm in sorted(self.books.credit_memos.values(), key=lambda c: c.id):
            key = ("credit_memos", cm.id, "main")
            link = self.links.get(key)
            label = f"Credit memo {fmt(cm.amount)} (Clio credit memo {cm.id})"
            self.labels[key] = label
            if cm.voided:
                if link is not None and link.state == "posted":
                    self.add(Action(key, "delete", "CreditMemo", {}, WAVE_VOID, label, etag=cm.etag,
                                    chash=content_hash({"delete": cm.id}), txn_date=cm.date))
                continue
            if cm.contact_id not in self.books.clients:
                self.hold(key, "no_client", f"{label} names no client that has matters or bills in Clio.")
                continue
            if link is None and self.cutover.before_start(cm.date):
                self.left_out[key] = f"{label} is dated {cm.date.isoformat()}, before the cutover ({self.cutover.start})"
                self.plan.before_cutover += 1
                continue
            owner = self.credit_owner(cm.id, cm.contact_id)
            body, posting = rules.credit_memo_body(cm, self.mapping, owner)
            self.add(Action(key, "create", "CreditMemo", body, WAVE_DOC, label, etag=cm.etag, amount=cm.amount,
                            posting=posting, needs=(owner,)))

    def find_overdrafts(self) -> None:
        """Money out of trust that leaves a client's (or matter's) trust ledger below zero at the end of its day:
        other clients' money would cover it. Checked on every day of the ledger, not only at month-end."""
        transfer_of = {a.id: ("payments", a.parent_id, "trust_transfer") for a in self.books.allocations
                       if a.source_is_trust and a.parent_type is AllocationParent.PAYMENT}
        days: dict[tuple[int, Key], dict[dt.date, list[TrustTxn]]] = defaultdict(lambda: defaultdict(list))
        for txn in self.books.trust_txns:
            owner = rules.trust_owner(txn.matter_id, txn.client_id, self.books.matters)
            if owner is not None and txn.funds_in != txn.funds_out:
                days[(txn.bank_account_id, owner)][txn.date].append(txn)
        self.overdrafts = {}
        for (_account, owner), by_day in days.items():
            balance = ZERO
            for day in sorted(by_day):
                balance += sum((t.funds_in - t.funds_out for t in by_day[day]), ZERO)
                if balance >= ZERO:
                    continue
                for t in by_day[day]:
                    if t.funds_out > t.funds_in:
                        key = transfer_of.get(t.allocation_id or 0) or ("bank_transactions", t.id, "main")
                        self.overdrafts[key] = (owner, cents(balance), day)

    def overdraft_hold(self, key: Key, label: str) -> bool:
        """Hold a trust outflow that overdraws its ledger (unless a person said to post it anyway)."""
        found = self.overdrafts.get(key)
        items = [i for i in self.inp.exceptions.get((exception_kind(key), str(key[1])), [])
                 if i.reason_code == "trust_overdraft"]
        if found is None or key in self.links or any(i.status == "retry" and i.resolution for i in items):
            return False  # posted already, or a person said to post it anyway and why (a plain retry is not that)
        state = "wait" if any(i.status == ExceptionStatus.OPEN for i in items) else ""
        owner, balance, day = found
        who = self.labels.get(owner) or f"Clio {owner[0]} {owner[1]}"
        self.hold(key, "trust_overdraft",
                  f"{label} would leave the trust ledger of {who} at {fmt(balance)} at the end of "
                  f"{day.isoformat()}: more would be paid out than is held for this client, so other clients' "
                  "trust money would cover it. It was not posted. Correct it in Clio (a deposit missing before "
                  "it, or a wrong amount or matter), or, if the money did leave the bank, post it anyway from "
                  "the exception queue with a reason, and replace the shortfall from operating funds.",
                  attempted={"balance": str(balance), "date": day.isoformat(), "owner": list(owner)},
                  silent=state == "wait")
        return True

    def trust_txns(self) -> None:
        trust_paid = {a.id for a in self.books.allocations if a.source_is_trust}
        operating = transfers.operating_sides(self.books)
        for txn in sorted(self.books.trust_txns, key=lambda t: t.id):
            if txn.funds_in == txn.funds_out:
                continue
            if txn.allocation_id is not None and txn.allocation_id in trust_paid:
                continue  # the transfer out of trust to pay a bill is posted with that payment
            deposit = operating.get(txn.id)
            self.trust_txn(txn, deposit)
            if deposit is not None:
                self.operating_side(txn, deposit)
            elif (link := self.links.get(("bank_transactions", txn.id, "operating"))) and link.state == "posted":
                # Posted as a transfer, but its two sides no longer agree in Clio: neither guess (delete the
                # operating entry, or leave it) is safe, so a person looks.
                self.hold(("bank_transactions", txn.id, "operating"), "transfer_changed",
                          f"Clio trust transaction {txn.id} was posted as a transfer of earned fees to operating "
                          f"(QuickBooks journal entry {link.qbo_id}), but in Clio it no longer matches an operating "
                          "deposit of the same client, day and amount. The operating entry was left as it is. Check "
                          "the transfer in Clio; correct or delete the QuickBooks entry by hand if it is wrong.")

    def trust_txn(self, txn: TrustTxn, deposit: TrustTxn | None) -> None:
        key = ("bank_transactions", txn.id, "main")
        net = txn.funds_in - txn.funds_out
        if txn.allocation_id is not None and net < ZERO:
            # Money out of trust for a payment Clio did not give us: never dropped (one side of it would be
            # missing from QuickBooks' trust accounts), held until its payment is read.
            self.hold(key, "trust_payment_missing",
                      f"Trust money out of {fmt(-net)} on {txn.date.isoformat()} (Clio trust transaction {txn.id}) "
                      f"paid Clio allocation {txn.allocation_id}, which was not read from Clio, so neither side "
                      "of it was posted. Run a full sync (ledgerbridge sync --full); if it stays, check the "
                      "payment in Clio.")
            return
        if self.cutover.before_start(txn.date) and key not in self.links:
            self.plan.before_cutover += 1  # in the opening balance of its matter (openings)
            return
        kind = "deposit" if net > ZERO else ("transfer to operating" if deposit is not None else "disbursement")
        label = f"Trust {kind} of {fmt(abs(net))} on {txn.date.isoformat()} (Clio trust transaction {txn.id})"
        self.labels[key] = label
        trust = self.mapping.trust_for(txn.bank_account_id)
        problem = self.trust_problems.get(txn.bank_account_id)
        if trust is None or problem:
            account = self.books.bank_accounts.get(txn.bank_account_id)
            name = f"'{account.name}'" if account else f"{txn.bank_account_id}"
            self.hold(key, "trust_account_unmapped", problem or (
                f"{label} is on the Clio trust account {name}, which is not mapped to a QuickBooks trust bank "
                "and trust liability account. Map it, then retry."))
            return
        owner = rules.trust_owner(txn.matter_id, txn.client_id, self.books.matters)
        if owner is None or (owner[0] == "contacts" and owner[1] not in self.books.clients):
            self.hold(key, "trust_no_client", f"{label} names no client or matter, so it cannot go on a "
                                              "client's trust ledger. Assign it to a matter in Clio.")
            return
        if self.overdraft_hold(key, label):
            return
        body, posting = rules.trust_txn_body(txn, trust, owner)
        self.add(Action(key, "create", "JournalEntry", body, WAVE_DOC, label, etag=txn.etag, amount=abs(net),
                        posting=posting, needs=(owner,), is_trust=True, trust_accounts=(trust.bank, trust.liability),
                        group=f"transfer:{txn.id}" if deposit is not None else ""))

    def operating_side(self, txn: TrustTxn, deposit: TrustTxn) -> None:
        """The operating half of a transfer of earned fees out of trust that names no bill: posted with its trust
        half (held with it, never alone), into the operating bank and fee income of the client's matter."""
        key, okey = ("bank_transactions", txn.id, "main"), ("bank_transactions", txn.id, "operating")
        if self.cutover.before_start(deposit.date) and okey not in self.links:
            return  # before the cutover: the firm's existing books hold the operating side
        label = (f"Earned fees of {fmt(deposit.funds_in)} into operating on {deposit.date.isoformat()} "
                 f"(Clio bank transaction {deposit.id}, from trust transaction {txn.id})")
        self.labels[okey] = label
        if key in self.holds or key not in self.actions and key not in self.links:
            self.hold(okey, "held_with_partner", f"{label} is held with its trust side: "
                      f"{self.holds[key].message if key in self.holds else 'not posted yet.'}", blocked_by=key)
            return
        bank = dict(self.mapping.operating_accounts).get(deposit.bank_account_id) or self.mapping.operating_bank
        income = self.mapping.fees_income_account
        owner = rules.trust_owner(txn.matter_id, txn.client_id, self.books.matters)
        if not bank or not income or owner is None:
            message = (f"{label} needs an operating bank account and the fees income account in the mapping; "
                       "finish the setup wizard's accounts step, then retry.")
            self.hold(okey, "mapping_incomplete", message)
            self.hold(key, "held_with_partner", f"{self.labels[key]} is held with its operating side: {message}",
                      blocked_by=okey)
            return
        body, posting = rules.operating_side_body(txn, deposit, bank, income, owner)
        self.add(Action(okey, "create", "JournalEntry", body, WAVE_DOC, label, etag=deposit.etag,
                        amount=deposit.funds_in, posting=posting, needs=(owner,), group=f"transfer:{txn.id}"))
        if okey in self.holds and key in self.actions:  # e.g. a closed period: the trust side waits with it
            self.hold(key, "held_with_partner", f"{self.labels[key]} is held with its operating side: "
                      f"{self.holds[okey].message}", blocked_by=okey)

    # --- payments -----------------------------------------------------------------------------------------

    def payments(self) -> None:
        groups: dict[tuple[AllocationParent, int], list[Allocation]] = defaultdict(list)
        parents: set[tuple[AllocationParent, int]] = set()
        for a in self.books.allocations:
            parents.add((a.parent_type, a.parent_id))
            if a.status == "valid" and not a.voided_at and a.amount != ZERO:
                groups[(a.parent_type, a.parent_id)].append(a)
        invoices = self.books.invoices
        payment_links: dict[int, list[tuple[Key, Link]]] = defaultdict(list)
        for k, lk in self.links.items():
            if k[0] == "payments":
                payment_links[k[1]].append((k, lk))
        for parent_type, pid in sorted(parents, key=lambda p: (p[0].value, p[1])):
            allocs = sorted(groups.get((parent_type, pid), []), key=lambda a: a.id)
            if parent_type is AllocationParent.CREDIT_MEMO:
                self._credit_application(pid, allocs)
                continue
            key, tkey = ("payments", pid, "main"), ("payments", pid, "trust_transfer")
            self.labels[tkey] = f"Transfer from trust for Clio payment {pid}"
            # One QBO Payment per customer: QuickBooks applies a payment only to its own customer's invoices.
            by_customer: dict[Key, list[Allocation]] = defaultdict(list)
            for a in allocs:
                if a.bill_id in invoices:
                    by_customer[rules.invoice_customer(invoices[a.bill_id])].append(a)
            roles = {ck: ("main" if len(by_customer) <= 1 else f"{ck[0][0]}{ck[1]}") for ck in by_customer}
            if not allocs:
                self.payment_voided(pid, parent_type, payment_links.get(pid, ()))
                continue
            label = f"Payment of {fmt(sum((a.amount for a in allocs), ZERO))} (Clio payment {pid})"
            self.labels[key] = label
            bad = [a for a in allocs if a.bill_id not in invoices or not invoices[a.bill_id].is_receivable]
            if bad:
                self.hold(key, "payment_bill_missing", f"{label} pays Clio bill {bad[0].bill_id}, which is not an "
                          "approved bill awaiting payment or paid; it is held until the bill is.")
                continue
            etag = ",".join(a.etag for a in allocs)
            pays: list[Action] = []
            for ck, part in sorted(by_customer.items()):
                pkey = ("payments", pid, roles[ck])
                body, posting = rules.payment_body(pid, part, invoices, self.mapping)
                if roles[ck] != "main":
                    body["PaymentRefNum"] = f"LB-{pid}-{ck[1]}"[:21]
                plabel = label if roles[ck] == "main" else f"{label}, part for Clio {ck[0]} {ck[1]}"
                self.labels[pkey] = plabel
                needs = tuple(sorted({rules.invoice_key(a.bill_id) for a in part} | {ck}))
                pays.append(Action(pkey, "create", "Payment", body, WAVE_PAYMENT, plabel, needs=needs, etag=etag,
                                   amount=posting.debits, posting=posting, group=f"payment:{pid}"))
            transfer = self.trust_transfer(pid, allocs, pays, etag)
            if tkey in self.holds:
                continue
            day = min(a.date for a in allocs)
            for p in pays:
                if not self.existing_payment(p, day):
                    self.add(p)
            if transfer is not None:
                if self.cutover.before_start(day) and tkey not in self.links:
                    self.plan.before_cutover += 1  # its trust side is in the matter's opening balance
                elif not self.overdraft_hold(tkey, self.labels[tkey]):  # its payment is held with it
                    self.add(transfer)

    def payment_voided(self, pid: int, parent_type: AllocationParent, posted: Iterable[tuple[Key, Link]]) -> None:
        """A payment whose every allocation is void now: void its QuickBooks payments; its transfer out of
        trust is never deleted (trust history), but reversed, dated the void."""
        for (kind, cid, role), lk in posted:
            if lk.state != "posted" or role == "trust_reversal":
                continue
            k = (kind, cid, role)
            if role == "trust_transfer":
                self.reverse_transfer(pid, parent_type)
                continue
            self.labels.setdefault(k, f"Payment (Clio payment {pid})")
            self.add(Action(k, "void", "Payment", {}, WAVE_UNAPPLY, self.labels[k],
                            chash=content_hash({"void": pid})))

    def trust_transfer(self, pid: int, allocs: list[Allocation], pays: list[Action], etag: str) -> Action | None:
        """The trust half of a payment from trust (None when none of it came from trust, or it is held: an
        unmapped trust account holds the payment's QuickBooks payments with it)."""
        from_trust = [a for a in allocs if a.source_is_trust]
        if not from_trust:
            return None
        key, tkey = ("payments", pid, "main"), ("payments", pid, "trust_transfer")
        trust_of = {}
        for a in from_trust:
            trust = self.mapping.trust_for(a.source_bank_account_id)
            if trust is None or a.source_bank_account_id in self.trust_problems:
                for p in pays:
                    self.hold(p.key, "trust_account_unmapped", f"{self.labels[key]} was paid from a Clio trust "
                              f"account ({a.source_bank_account_id}) that is not mapped; map it, then retry.")
                self.hold(tkey, "trust_account_unmapped", f"{self.labels[tkey]} is held with its payment: "
                          f"the Clio trust account {a.source_bank_account_id} is not mapped; map it, then "
                          "retry.", blocked_by=key)
                return None
            trust_of[a.source_bank_account_id or 0] = trust
        tbody, tposting = rules.trust_transfer_body(pid, from_trust, self.books.invoices, self.books.matters, trust_of)
        tneeds = tuple(sorted({tuple(ln["JournalEntryLineDetail"]["Entity"]["EntityRef"]["$ref"])
                               for ln in tbody["Line"] if "Entity" in ln["JournalEntryLineDetail"]}))
        allowed = tuple(a for t in trust_of.values() for a in (t.bank, t.liability))
        return Action(tkey, "create", "JournalEntry", tbody, WAVE_PAYMENT, self.labels[tkey], needs=tneeds, etag=etag,
                      amount=tposting.debits, posting=tposting, is_trust=True, trust_accounts=allowed,
                      group=f"payment:{pid}")

    def existing_payment(self, p: Action, day: dt.date) -> bool:
        """Link a payment QuickBooks already has (same customer, date and amount), hold one it has in another
        version, leave out one dated before the cutover whose invoice was left out; False: plan it as usual."""
        if p.key in self.links:
            return False
        decided = self.decided(p.key)
        if decided is not None:
            return decided
        customer_key: Key = tuple(p.body["CustomerRef"]["$ref"])
        bills = [n for n in p.needs if n[0] == "bills"]
        if self.cutover.before_start(day) and any(b in self.left_out for b in bills):
            self.plan.before_cutover += 1  # like its invoice, QuickBooks' own records stand before the cutover
            return True
        if any(self.waiting(n) for n in p.needs):
            return False  # held with what it needs; matched with QuickBooks' payments once that is there
        customer = self.qbo_id(customer_key)
        amount = cents(p.body["TotalAmt"])
        clio = {"TxnDate": day.isoformat(), "TotalAmt": str(amount), "customer": customer or "(new customer)",
                "invoices": [self.labels.get(b, f"Clio bill {b[1]}") for b in bills]}
        if customer is not None:
            rows = self.existing.payments_of(customer)
            same = [r for r in rows if str(r.get("TxnDate") or "")[:10] == day.isoformat()
                    and cents(r.get("TotalAmt") or 0) == amount]
            if same:
                ours = str(p.body.get("PaymentRefNum") or "")
                pick = next((r for r in same if str(r.get("PaymentRefNum") or "") in (ours, str(p.key[1]))), same[0])
                reference = str(pick.get("PaymentRefNum") or "")
                note = "linked existing QuickBooks payment of the same customer, date and amount"
                if reference not in (ours, str(p.key[1])):
                    note += f" (its reference '{reference}' is not Clio's payment {p.key[1]})"
                self.link_existing(p, str(pick["Id"]), note)
                return True
            invoices = {i for b in bills if (i := self.qbo_id(b))}
            clash = [r for r in rows if invoices & _applied_to(r) and (
                str(r.get("TxnDate") or "")[:10] == day.isoformat() or cents(r.get("TotalAmt") or 0) == amount)]
            if clash:
                self.differs(p, f"QuickBooks already has a payment on the same invoice of "
                                f"{fmt(cents(clash[0].get('TotalAmt') or 0))} on {clash[0].get('TxnDate')}; Clio's "
                                f"is {fmt(amount)} on {day.isoformat()}.", clio, [("Payment", r) for r in clash])
                return True
        if not self.cutover.before_start(day):
            return False
        if any(self.qbo_id(b) in self.existing.foreign_invoices for b in bills) \
                and self.exception_state(p.key)[0] != "retry":
            self.hold(p.key, "missing_before_cutover",
                      f"{p.label} is dated {day.isoformat()}, before the cutover ({self.cutover.start}), and pays an "
                      "invoice QuickBooks already had, but QuickBooks has no such payment. It was not posted: before "
                      "the cutover QuickBooks' own records stand. Link it to the QuickBooks payment from the queue, "
                      "retry to post it as it is in Clio, or dismiss it with a note.", attempted={"clio": clio})
            return True
        return False

    def reverse_transfer(self, pid: int, parent_type: AllocationParent) -> None:
        """A Clio payment from trust that was voided: its posted transfer out of trust stays as it was, and a
        reversing entry dated the void puts the money back on the same lines (a signed or closed month is
        never rewritten)."""
        key: Key = ("payments", pid, "trust_reversal")
        label = f"Reversal of the transfer from trust for voided Clio payment {pid}"
        self.labels[key] = label
        voided = [a for a in self.books.allocations
                  if a.parent_type is parent_type and a.parent_id == pid and a.source_is_trust and a.voided_at]
        trust_of = {a.source_bank_account_id or 0: self.mapping.trust_for(a.source_bank_account_id) for a in voided}
        if not voided or any(t is None for t in trust_of.values()) or any(
                a.bill_id not in self.books.invoices for a in voided):
            self.hold(key, "reversal_unknown", f"{label}: Clio no longer shows what the voided payment took from "
                      "trust, so the reversing entry cannot be made. Reverse the transfer in QuickBooks by hand with "
                      "a journal entry dated the void, then dismiss this with a note.")
            return
        body, _posting = rules.trust_transfer_body(pid, voided, self.books.invoices, self.books.matters,
                                                   {k: t for k, t in trust_of.items() if t is not None})
        day = max(_day(a.voided_at) or a.date for a in voided)
        for ln in body["Line"]:
            detail = ln["JournalEntryLineDetail"]
            detail["PostingType"] = "Credit" if detail["PostingType"] == "Debit" else "Debit"
            ln["Description"] = f"Reversal: Clio payment {pid} was voided"
        body.update(TxnDate=day.isoformat(), DocNumber=f"TR{pid}"[:21],
                    PrivateNote=rules.marker("trust payment reversal", pid))
        first = self.books.invoices[voided[0].bill_id]
        posting = rules.je_posting("payments", pid, body, str(first.client_id))
        needs = tuple(sorted({tuple(ln["JournalEntryLineDetail"]["Entity"]["EntityRef"]["$ref"])
                              for ln in body["Line"] if "Entity" in ln["JournalEntryLineDetail"]}))
        allowed = tuple(a for t in trust_of.values() if t is not None for a in (t.bank, t.liability))
        self.add(Action(key, "create", "JournalEntry", body, WAVE_UNAPPLY, label, needs=needs,
                        amount=posting.debits, posting=posting, is_trust=True, trust_accounts=allowed))

    def credit_owner(self, cm_id: int, contact_id: int) -> Key:
        """QuickBooks applies a credit memo only to its own customer's invoices: use the bills' customer."""
        owners = set(self.cm_bills.get(cm_id, ()))
        return owners.pop() if len(owners) == 1 else rules.customer_key(contact_id)

    def _credit_application(self, cm_id: int, allocs: list[Allocation]) -> None:
        key = ("credit_memos", cm_id, "apply")
        label = f"Credit memo {cm_id} applied to invoices"
        self.labels[key] = label
        cm = self.books.credit_memos.get(cm_id)
        if not allocs or cm is None or cm.voided:
            link = self.links.get(key)
            if link is not None and link.state == "posted":
                self.add(Action(key, "delete", "Payment", {}, WAVE_UNAPPLY, label,
                                chash=content_hash({"delete": cm_id})))
            return
        invoices: dict[int, Invoice] = self.books.invoices
        if any(a.bill_id not in invoices or not invoices[a.bill_id].is_receivable for a in allocs):
            self.hold(key, "payment_bill_missing", f"{label}: one of the bills is not an approved bill.")
            return
        if cm.contact_id is None:
            self.hold(key, "no_client", f"{label}: the credit memo names no client.")
            return
        if ("credit_memos", cm_id, "main") in self.left_out and key not in self.links:
            self.plan.before_cutover += 1
            return
        owner = self.credit_owner(cm_id, cm.contact_id)
        body = rules.credit_apply_body(cm_id, allocs, invoices, owner)
        needs = tuple(sorted({rules.invoice_key(a.bill_id) for a in allocs} | {("credit_memos", cm_id, "main"),
                                                                              owner}))
        self.add(Action(key, "create", "Payment", body, WAVE_PAYMENT, label, needs=needs,
                        etag=",".join(a.etag for a in allocs)))

    # --- opening trust balances -----------------------------------------------------------------------------

    def openings(self) -> None:
        """Each client's trust balance per matter on the cutover day, as one opening entry (trust bank ↔ trust
        liability), less what QuickBooks' own records already show for that matter."""
        start = self.cutover.start
        if start is None:
            return
        balances: dict[tuple[int, Key], Decimal] = defaultdict(lambda: ZERO)
        for txn in self.books.trust_txns:
            owner = rules.trust_owner(txn.matter_id, txn.client_id, self.books.matters)
            if txn.date < start and owner is not None:
                balances[(txn.bank_account_id, owner)] += txn.funds_in - txn.funds_out
        for (account_id, owner), balance in sorted(balances.items()):
            key: Key = ("opening_balances", owner[1], f"{owner[0]}@{account_id}")
            who = self.labels.get(owner) or f"Clio {owner[0]} {owner[1]}"
            label = f"Opening trust balance on {start.isoformat()} for {who}"
            self.labels[key] = label
            trust = self.mapping.trust_for(account_id)
            if trust is None or account_id in self.trust_problems:
                self.hold(key, "trust_account_unmapped", self.trust_problems.get(account_id) or (
                    f"{label} is on Clio trust account {account_id}, which is not mapped to a QuickBooks trust bank "
                    "and trust liability account. Map it, then retry."))
                continue
            customer = self.qbo_id(owner)
            shows = self.existing.trust_liability(trust.liability, customer, start) if customer else ZERO
            amount = cents(balance - shows)
            link = self.links.get(key)
            if amount == ZERO:
                if link is not None and link.state == "posted":
                    self.add(Action(key, "delete", "JournalEntry", {}, WAVE_DOC, label,
                                    chash=content_hash({"delete": list(key)}), txn_date=start))
                continue
            body, posting = rules.opening_body(key, owner, trust, amount, start)
            notes: tuple[str, ...] = ()
            if shows != ZERO:
                notes = (f"QuickBooks already showed {fmt(shows)} on this trust line before the cutover and Clio's "
                         f"ledger {fmt(cents(balance))}: the opening entry posts the difference, {fmt(amount)}. Look "
                         "in QuickBooks before the cutover for a trust amount posted elsewhere.",)
            self.add(Action(key, "create", "JournalEntry", body, WAVE_DOC, f"{label} ({fmt(amount)})",
                            amount=abs(amount), posting=posting, needs=(owner,), is_trust=True,
                            trust_accounts=(trust.bank, trust.liability), notes=notes))

    # --- dependencies -------------------------------------------------------------------------------------

    def resolve_dependencies(self) -> None:
        """Hold every action whose dependency is held or missing (in wave order, so holds cascade)."""
        for action in sorted(list(self.actions.values()), key=lambda a: a.wave):
            if action.key not in self.actions:
                continue
            for need in action.needs:
                if self.available(need):
                    continue
                blocker = self.holds.get(need)
                what = self.labels.get(need, f"Clio {need[0]} {need[1]}")
                if need in self.left_out:
                    self.hold(action.key, "before_cutover", f"{action.label} needs {what}: {self.left_out[need]}. "
                              "Choose to post open bills from before the cutover (the setup wizard's cutover step, "
                              "or `ledgerbridge sync --open-bills post`), or enter it in QuickBooks and link it.",
                              blocked_by=need)
                    break
                if blocker is not None:
                    msg = f"{action.label} waits for {what}, which is held: {blocker.message}"
                else:
                    msg = f"{action.label} needs {what}, which has not been read from Clio or posted yet."
                self.hold(action.key, "waiting_for_dependency", msg, blocked_by=need)
                break
        held_transfers = {k[1]: k for k in self.holds if k[0] == "bank_transactions"}
        for key in [k for k in self.actions if k[0] == "bank_transactions" and k[1] in held_transfers]:
            # the trust and operating sides of a transfer of earned fees belong together
            self.hold(key, "held_with_partner", "Held together with the other side of this transfer from trust.",
                      blocked_by=held_transfers[key[1]])
        held_payments = {k[1]: k for k in self.holds if k[0] == "payments"}
        for key in [k for k in self.actions if k[0] == "payments" and k[1] in held_payments]:
            # a payment and its transfer from trust belong together: never post one half alone
            self.hold(key, "held_with_partner", "Held together with the other part of this Clio payment.",
                      blocked_by=held_payments[key[1]])

    def unreadable(self) -> None:
        for kind, clio_id, message in self.books.unreadable:
            self.hold((kind, clio_id, "main"), "unreadable", message)
        for kind, clio_id, reason, message, attempted in self.books.source_holds:
            self.hold((kind, clio_id, "main"), reason, message, attempted)

    def plan_slice(self, books: Books, links: dict[Key, Link] | None = None,
                   sections: Iterable[str] = SECTIONS) -> Plan:
        """The writes and new holds for one slice of the firm (or all of it). ``links`` are the slice's links
        (with every customer's); ``sections`` limits what is planned (the early pushes during the pull)."""
        self.books = books
        if links is not None:
            self.links = links
        self.actions = {}
        self.plan = Plan()
        held_before = set(self.holds)
        self.cm_bills = defaultdict(set)
        for a in books.allocations:
            if a.parent_type is AllocationParent.CREDIT_MEMO and a.bill_id in books.invoices:
                self.cm_bills[a.parent_id].add(rules.invoice_customer(books.invoices[a.bill_id]))
        wanted = set(sections)
        self.find_overdrafts()
        self.unreadable()
        for name, step in (("customers", self.customers), ("jobs", self.jobs), ("invoices", self.invoices),
                           ("credit_memos", self.credit_memos), ("trust", self.trust_txns),
                           ("payments", self.payments), ("openings", self.openings)):
            if name in wanted:
                step()
        self.resolve_dependencies()
        self.resolve_dependencies()  # a second pass catches holds added by partners
        self.plan.actions = sorted(self.actions.values(), key=lambda a: (a.wave, a.key))
        self.plan.holds = sorted((h for k, h in self.holds.items() if k not in held_before), key=lambda h: h.key)
        self.planned.update(self.actions)
        self.linked_to.update({k: a.link_to for k, a in self.actions.items() if a.operation == "link"})
        # A later slice names only held records of this one in its messages; let the other labels go.
        self.labels = {k: v for k, v in self.labels.items() if k in self.holds}
        return self.plan


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _applied_to(payment: dict[str, Any]) -> set[str]:
    """The QuickBooks invoices a payment is applied to."""
    return {str(lt.get("TxnId")) for ln in payment.get("Line") or [] for lt in ln.get("LinkedTxn") or []
            if lt.get("TxnType") in (None, "Invoice")}


def exception_kind(key: Key) -> str:
    """The exception queue's ``clio_kind`` for a record and role: ``bills``, ``payments:trust_transfer``."""
    return key[0] if key[2] == "main" else f"{key[0]}:{key[2]}"


def make_plan(inp: PlanInput) -> Plan:
    """The plan for the given state; see the module docstring."""
    return Planner(inp).plan_slice(inp.books)
