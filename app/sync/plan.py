"""The planner: Clio records + links + mapping → the explicit list of QuickBooks writes and the holds.

A pure function (no I/O): it decides create / update / void per record by comparing the content hash of
what the record would be sent as with the one stored in its link, orders the writes in dependency waves
(customer, sub-customer, documents, payments), checks every posting (trust invariant, balance, mapping), and
holds what cannot go, together with everything that depends on it. The dry run is this plan, described.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.mapping import Mapping, MappingProblem
from app.model import Allocation, AllocationParent, Client, ExceptionItem, ExceptionStatus, Invoice
from app.money import ZERO, fmt
from app.store.links import Link
from app.sync import invariants, names, rules
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
from app.sync.books import Books
from app.sync.matching import CustomerDirectory

# Reasons that wait for a person: the planner does not try again until the item is marked for retry.
PERSON_CODES = frozenset({
    "customer_near_match", "customer_ambiguous", "qbo_refused", "edited_in_qbo", "deleted_in_qbo",
    "payment_only_in_qbo",
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


SECTIONS: tuple[str, ...] = ("customers", "jobs", "invoices", "credit_memos", "trust", "payments")
# The Clio kinds each section reads. Bank accounts always come (they tell trust from operating money);
# contacts become clients when a matter or bill names them. Only invoices need bill lines.
READS: dict[str, frozenset[str]] = {
    "customers": frozenset({"contacts", "matters", "bills"}),
    "jobs": frozenset({"contacts", "matters", "bills"}),
    "invoices": frozenset({"contacts", "matters", "bills", "line_items"}),
    "credit_memos": frozenset({"contacts", "matters", "bills", "allocations", "credit_memos"}),
    "trust": frozenset({"contacts", "matters", "bills", "allocations", "bank_transactions"}),
    "payments": frozenset({"contacts", "matters", "bills", "allocations", "credit_memos"}),
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
        if state == "retry" and item is not None:
            action.generation = item.attempts
        problem = invariants.check(action, self.mapping.trust_account_ids, self.inp.income_accounts)
        if problem:
            self.hold(action.key, "trust_invariant" if action.is_trust else "posting_invalid", problem,
                      attempted=action.describe())
            return
        self.actions[action.key] = action

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
            adapted = self.name_for(key, client.name, link.qbo_id if link else None, "Clio")
            body = rules.customer_body(client, adapted.name)
            action = Action(key, "create", "Customer", body, WAVE_CUSTOMER, label, etag=client.etag,
                            notes=(adapted.sentence(),) if adapted.adapted else ())
            if link is not None and link.content_hash and link.content_hash != action.chash:
                action.body = {**body, "sparse": True}
            self.add(action)

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
            adapted = self.name_for(key, wanted, link.qbo_id if link else None, "Clio matter")
            body = rules.job_body(matter, adapted.name)
            action = Action(key, "create", "Customer", body, WAVE_JOB, label, etag=matter.etag,
                            needs=(rules.customer_key(matter.client_id),),
                            notes=(adapted.sentence(),) if adapted.adapted else ())
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
                                    chash=content_hash({"void": inv.id})))
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
            self.add(Action(key, "create", "Invoice", body, WAVE_DOC, label, etag=inv.etag, amount=inv.total,
                            posting=posting, needs=(rules.invoice_customer(inv),)))

    def credit_memos(self) -> None:
        for cm in sorted(self.books.credit_memos.values(), key=lambda c: c.id):
            key = ("credit_memos", cm.id, "main")
            link = self.links.get(key)
            label = f"Credit memo {fmt(cm.amount)} (Clio credit memo {cm.id})"
            self.labels[key] = label
            if cm.voided:
                if link is not None and link.state == "posted":
                    self.add(Action(key, "delete", "CreditMemo", {}, WAVE_VOID, label, etag=cm.etag,
                                    chash=content_hash({"delete": cm.id})))
                continue
            if cm.contact_id not in self.books.clients:
                self.hold(key, "no_client", f"{label} names no client that has matters or bills in Clio.")
                continue
            owner = self.credit_owner(cm.id, cm.contact_id)
            body, posting = rules.credit_memo_body(cm, self.mapping, owner)
            self.add(Action(key, "create", "CreditMemo", body, WAVE_DOC, label, etag=cm.etag, amount=cm.amount,
                            posting=posting, needs=(owner,)))

    def trust_txns(self) -> None:
        trust_paid = {a.id for a in self.books.allocations if a.source_is_trust}
        for txn in sorted(self.books.trust_txns, key=lambda t: t.id):
            key = ("bank_transactions", txn.id, "main")
            net = txn.funds_in - txn.funds_out
            if net == ZERO:
                continue
            if txn.allocation_id is not None and (txn.allocation_id in trust_paid or net < ZERO):
                continue  # the transfer out of trust to pay a bill is posted with that payment
            kind = "deposit" if net > ZERO else "disbursement"
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
                continue
            owner = rules.trust_owner(txn.matter_id, txn.client_id, self.books.matters)
            if owner is None or (owner[0] == "contacts" and owner[1] not in self.books.clients):
                self.hold(key, "trust_no_client", f"{label} names no client or matter, so it cannot go on a "
                                                  "client's trust ledger. Assign it to a matter in Clio.")
                continue
            body, posting = rules.trust_txn_body(txn, trust, owner)
            self.add(Action(key, "create", "JournalEntry", body, WAVE_DOC, label, etag=txn.etag, amount=abs(net),
                            posting=posting, needs=(owner,), is_trust=True,
                            trust_accounts=(trust.bank, trust.liability)))

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
                for (kind, cid, role), lk in payment_links.get(pid, ()):
                    if lk.state == "posted":
                        op, entity = ("delete", "JournalEntry") if role == "trust_transfer" else ("void", "Payment")
                        k = (kind, cid, role)
                        self.labels.setdefault(k, f"Payment (Clio payment {pid})")
                        self.add(Action(k, op, entity, {}, WAVE_UNAPPLY, self.labels[k],
                                        chash=content_hash({op: pid})))
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
            from_trust = [a for a in allocs if a.source_is_trust]
            transfer = None
            if from_trust:
                trust_of = {}
                for a in from_trust:
                    trust = self.mapping.trust_for(a.source_bank_account_id)
                    if trust is None or a.source_bank_account_id in self.trust_problems:
                        for p in pays:
                            self.hold(p.key, "trust_account_unmapped", f"{label} was paid from a Clio trust account "
                                      f"({a.source_bank_account_id}) that is not mapped; map it, then retry.")
                        self.hold(tkey, "trust_account_unmapped", f"{self.labels[tkey]} is held with its payment: "
                                  f"the Clio trust account {a.source_bank_account_id} is not mapped; map it, then "
                                  "retry.", blocked_by=key)
                        break
                    trust_of[a.source_bank_account_id or 0] = trust
                else:
                    tbody, tposting = rules.trust_transfer_body(pid, from_trust, invoices, self.books.matters,
                                                                trust_of)
                    tneeds = tuple(sorted({tuple(ln["JournalEntryLineDetail"]["Entity"]["EntityRef"]["$ref"])
                                           for ln in tbody["Line"] if "Entity" in ln["JournalEntryLineDetail"]}))
                    allowed = tuple(a for t in trust_of.values() for a in (t.bank, t.liability))
                    transfer = Action(tkey, "create", "JournalEntry", tbody, WAVE_PAYMENT, self.labels[tkey],
                                      needs=tneeds, etag=etag, amount=tposting.debits,
                                      posting=tposting, is_trust=True, trust_accounts=allowed, group=f"payment:{pid}")
                if tkey in self.holds:
                    continue
            for p in pays:
                self.add(p)
            if transfer is not None:
                self.add(transfer)

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
        owner = self.credit_owner(cm_id, cm.contact_id)
        body = rules.credit_apply_body(cm_id, allocs, invoices, owner)
        needs = tuple(sorted({rules.invoice_key(a.bill_id) for a in allocs} | {("credit_memos", cm_id, "main"),
                                                                              owner}))
        self.add(Action(key, "create", "Payment", body, WAVE_PAYMENT, label, needs=needs,
                        etag=",".join(a.etag for a in allocs)))

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
                if blocker is not None:
                    msg = f"{action.label} waits for {what}, which is held: {blocker.message}"
                else:
                    msg = f"{action.label} needs {what}, which has not been read from Clio or posted yet."
                self.hold(action.key, "waiting_for_dependency", msg, blocked_by=need)
                break
        held_payments = {k[1]: k for k in self.holds if k[0] == "payments"}
        for key in [k for k in self.actions if k[0] == "payments" and k[1] in held_payments]:
            # a payment and its transfer from trust belong together: never post one half alone
            self.hold(key, "held_with_partner", "Held together with the other part of this Clio payment.",
                      blocked_by=held_payments[key[1]])

    def unreadable(self) -> None:
        for kind, clio_id, message in self.books.unreadable:
            self.hold((kind, clio_id, "main"), "unreadable", message)

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
        self.unreadable()
        for name, step in (("customers", self.customers), ("jobs", self.jobs), ("invoices", self.invoices),
                           ("credit_memos", self.credit_memos), ("trust", self.trust_txns),
                           ("payments", self.payments)):
            if name in wanted:
                step()
        self.resolve_dependencies()
        self.resolve_dependencies()  # a second pass catches holds added by partners
        self.plan.actions = sorted(self.actions.values(), key=lambda a: (a.wave, a.key))
        self.plan.holds = sorted((h for k, h in self.holds.items() if k not in held_before), key=lambda h: h.key)
        self.planned.update(self.actions)
        # A later slice names only held records of this one in its messages; let the other labels go.
        self.labels = {k: v for k, v in self.labels.items() if k in self.holds}
        return self.plan


def exception_kind(key: Key) -> str:
    """The exception queue's ``clio_kind`` for a record and role: ``bills``, ``payments:trust_transfer``."""
    return key[0] if key[2] == "main" else f"{key[0]}:{key[2]}"


def make_plan(inp: PlanInput) -> Plan:
    """The plan for the given state; see the module docstring."""
    return Planner(inp).plan_slice(inp.books)
