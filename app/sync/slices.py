"""Cutting a firm into slices the planner can take one at a time, so memory does not grow with the firm.

A large firm's books (bills with their lines, payments, trust activity) and the plan of every write for
them do not fit comfortably in memory at once. The planner does not need them at once: a client's
records depend only on each other. So clients are grouped into connected groups (two clients are in one
group when a payment or credit memo touches bills of both, a bill or trust transaction names a matter of
the other, or a transfer from trust pays the other's bill), and whole groups are packed into slices of a
bounded size. Every write a slice plans then depends only on records of the same slice, so the dependency
waves inside a slice are exactly the ones a plan of the whole firm would have.

The index is small (a few integers per record); the slices are loaded from the cache one by one
(``app.sync.clio_books.load_books(store, only=...)``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.store.db import Store

if TYPE_CHECKING:
    from app.sync.clio_books import Books

# Weight of a slice: bills, bill lines, allocations and trust transactions. About 50,000 keeps a slice's
# books and plan near 100 MB; the medium demo firm (about 35,000) is one slice.
DEFAULT_BUDGET = 50_000
SLICED_KINDS = frozenset({"contacts", "matters", "bills", "allocations", "credit_memos", "bank_transactions"})
NO_CLIENT = -1  # the group of records that name no client: planned last, where they are held


@dataclass(frozen=True, slots=True)
class SliceSpec:
    """The records of one slice, by Clio kind and id."""

    clients: frozenset[int]
    matters: frozenset[int]
    bills: frozenset[int]
    allocations: frozenset[int]
    credit_memos: frozenset[int]
    bank_transactions: frozenset[int]
    weight: int = 0

    @classmethod
    def nothing(cls) -> SliceSpec:
        """No record: ``load_books(store, only=SliceSpec.nothing())`` reads just the bank accounts."""
        empty: frozenset[int] = frozenset()
        return cls(empty, empty, empty, empty, empty, empty)

    def ids(self, kind: str) -> frozenset[int]:
        return {"contacts": self.clients, "matters": self.matters, "bills": self.bills,
                "allocations": self.allocations, "credit_memos": self.credit_memos,
                "bank_transactions": self.bank_transactions}[kind]


@dataclass
class FirmIndex:
    """Who owns what: a few integers per Clio record, enough to group and slice the firm."""

    matter_client: dict[int, int] = field(default_factory=dict)
    # bill id → (client id or None, matter ids, weight: 1 + its lines)
    bills: dict[int, tuple[int | None, tuple[int, ...], int]] = field(default_factory=dict)
    # allocation id → (parent key such as "Payment:12", bill id or None)
    allocations: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    credit_memos: dict[int, int | None] = field(default_factory=dict)  # id → contact id
    # bank transaction id → (client id, matter id, allocation id), each possibly None
    bank_transactions: dict[int, tuple[int | None, int | None, int | None]] = field(default_factory=dict)

    @classmethod
    def from_books(cls, books: Books) -> FirmIndex:
        """The same index from books already in memory (the planner's tests)."""
        ix = cls()
        ix.matter_client = {m.id: m.client_id for m in books.matters.values()}
        ix.bills = {i.id: (i.client_id, i.matter_ids, 1 + len(i.lines)) for i in books.invoices.values()}
        ix.allocations = {a.id: (f"{a.parent_type.value}:{a.parent_id}", a.bill_id) for a in books.allocations}
        ix.credit_memos = {c.id: c.contact_id for c in books.credit_memos.values()}
        ix.bank_transactions = {t.id: (t.client_id, t.matter_id, t.allocation_id) for t in books.trust_txns}
        return ix

    @classmethod
    def from_store(cls, store: Store, kinds: Collection[str] = SLICED_KINDS,
                   skip_bills: Collection[int] = ()) -> FirmIndex:
        """Read from the cache's columns and JSON paths inside SQLite, without loading a record. Only the
        Clio ``kinds`` a plan will read are indexed; ``skip_bills`` are left out (bills that need no plan)."""
        ix = cls()

        def rows(sql: str) -> Iterable[tuple]:
            return (tuple(r) for r in store.query(sql))

        for mid, cid in rows("SELECT clio_id, client_id FROM clio_records WHERE kind = 'matters'"):
            if cid is not None:
                ix.matter_client[mid] = cid
        lines = dict(rows("SELECT parent_id, count(*) FROM clio_records WHERE kind = 'line_items' "
                          "GROUP BY parent_id"))
        matters: dict[int, list[int]] = defaultdict(list)
        for bid, mid in rows("SELECT c.clio_id, json_extract(j.value, '$.id') FROM clio_records c, "
                             "json_each(c.raw, '$.matters') j WHERE c.kind = 'bills'"):
            if mid is not None:
                matters[bid].append(int(mid))
        for bid, cid in rows("SELECT clio_id, json_extract(raw, '$.client.id') FROM clio_records "
                             "WHERE kind = 'bills'"):
            if bid not in skip_bills:
                ix.bills[bid] = (cid, tuple(matters.get(bid, ())), 1 + lines.get(bid, 0))
        if "allocations" in kinds:
            for aid, ptype, pid, bid in rows(
                    "SELECT clio_id, json_extract(raw, '$.parent.type'), json_extract(raw, '$.parent.id'), "
                    "json_extract(raw, '$.bill.id') FROM clio_records WHERE kind = 'allocations'"):
                ix.allocations[aid] = (f"{ptype or 'Payment'}:{pid}", bid)
        if "credit_memos" in kinds:
            for cmid, cid in rows("SELECT clio_id, client_id FROM clio_records WHERE kind = 'credit_memos'"):
                ix.credit_memos[cmid] = cid
        if "bank_transactions" in kinds:
            for tid, cid, mid, aid in rows(
                    "SELECT clio_id, json_extract(raw, '$.client.id'), json_extract(raw, '$.matter.id'), "
                    "json_extract(raw, '$.allocation.id') FROM clio_records WHERE kind = 'bank_transactions'"):
                ix.bank_transactions[tid] = (cid, mid, aid)
        return ix

    # --- grouping ---------------------------------------------------------------------------------------------

    def slices(self, budget: int = DEFAULT_BUDGET, first: int | None = None) -> list[SliceSpec]:
        """Connected client groups packed into slices of about ``budget`` weight, in client order; records that
        name no client come in the last slice. With ``first``, the slices start at that weight and grow
        fourfold to ``budget``: a small slice is planned quickly, so sending starts early, and each next one
        is planned while the one before is sent."""
        groups, bill_client, by_parent = self._client_groups()
        members, weight = self._members(groups, bill_client, by_parent)
        return _pack(members, weight, budget, first)

    def _owner_of_matter(self, mid: int | None) -> int | None:
        return self.matter_client.get(mid) if mid is not None else None

    def _client_groups(self) -> tuple[_Groups, dict[int, int | None], dict[str, list[int | None]]]:
        """Clients joined when a bill, a payment, a credit memo or a trust transaction touches both; with each
        bill's client and each payment's (or credit memo's) clients, which the grouping needed."""
        groups = _Groups()
        for matter_owner in self.matter_client.values():
            groups.union([matter_owner])
        for _bid, (cid, mids, _w) in self.bills.items():
            groups.union([cid, *(self._owner_of_matter(m) for m in mids)])
        bill_client = {bid: self._bill_owner(bid) for bid in self.bills}
        by_parent: dict[str, list[int | None]] = defaultdict(list)
        for pkey, bid in self.allocations.values():
            by_parent[pkey].append(bill_client.get(bid) if bid is not None else None)
        for cmid, contact in self.credit_memos.items():
            by_parent[f"CreditMemo:{cmid}"].append(contact)
        for owners in by_parent.values():
            groups.union(owners)
        for cid, mid, aid in self.bank_transactions.values():
            paid = self.allocations.get(aid) if aid is not None else None
            groups.union([cid, self._owner_of_matter(mid),
                          bill_client.get(paid[1]) if paid and paid[1] is not None else None])
        return groups, bill_client, by_parent

    def _members(self, groups: _Groups, bill_client: dict[int, int | None], by_parent: dict[str, list[int | None]]
                 ) -> tuple[dict[int, dict[str, set[int]]], dict[int, int]]:
        """Each record in its client's group, and each group's weight."""
        members: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        weight: dict[int, int] = defaultdict(int)
        for mid, client in self.matter_client.items():
            members[groups.of(client)]["matters"].add(mid)
            members[groups.of(client)]["contacts"].add(client)
        for bid, (cid, _mids, w) in self.bills.items():
            g = groups.of(bill_client[bid])
            members[g]["bills"].add(bid)
            if cid is not None:
                members[g]["contacts"].add(cid)
            weight[g] += w
        parent_group = {pkey: groups.of(next((o for o in owners if o is not None), None))
                        for pkey, owners in by_parent.items()}
        for aid, (pkey, _paid_bill) in self.allocations.items():
            g = parent_group[pkey]
            members[g]["allocations"].add(aid)
            weight[g] += 1
        for cmid in self.credit_memos:
            members[parent_group[f"CreditMemo:{cmid}"]]["credit_memos"].add(cmid)
        for tid, (txn_client, txn_matter, _aid) in self.bank_transactions.items():
            owner = self._owner_of_matter(txn_matter)
            g = groups.of(owner if owner is not None else txn_client)
            members[g]["bank_transactions"].add(tid)
            weight[g] += 1
        return members, weight

    def _bill_owner(self, bid: int) -> int | None:
        cid, mids, _w = self.bills[bid]
        if cid is not None:
            return cid
        return next((self.matter_client[m] for m in mids if m in self.matter_client), None)


def _spec(members: dict[str, set[int]], weight: int) -> SliceSpec:
    def ids(kind: str) -> frozenset[int]:
        return frozenset(members.get(kind, ()))

    return SliceSpec(clients=ids("contacts"), matters=ids("matters"), bills=ids("bills"),
                     allocations=ids("allocations"), credit_memos=ids("credit_memos"),
                     bank_transactions=ids("bank_transactions"), weight=weight)


class _Groups:
    """Union-find over client ids: which clients' records must be planned together."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, xs: Iterable[int | None]) -> None:
        roots = [self.find(x) for x in xs if x is not None]
        for r in roots[1:]:
            self.parent[self.find(r)] = self.find(roots[0])

    def of(self, client: int | None) -> int:
        return self.find(client) if client is not None else NO_CLIENT


def _pack(members: dict[int, dict[str, set[int]]], weight: dict[int, int], budget: int, first: int | None
          ) -> list[SliceSpec]:
    """Whole groups, in client order (records of no client last), into slices growing from ``first`` to
    ``budget`` weight."""
    out: list[SliceSpec] = []
    current: dict[str, set[int]] = defaultdict(set)
    current_weight = 0

    def close() -> None:
        nonlocal current, current_weight
        if current_weight or any(current.values()):
            out.append(_spec(current, current_weight))
        current, current_weight = defaultdict(set), 0

    ordered = sorted((g for g in members if g != NO_CLIENT), key=lambda g: min(members[g]["contacts"] or {g}))
    limit = min(budget, first or budget)
    for g in [*ordered, NO_CLIENT] if NO_CLIENT in members else ordered:
        if current_weight and current_weight + weight[g] > limit:
            close()
            limit = min(budget, 4 * limit)
        for kind, ids in members[g].items():
            current[kind] |= ids
        current_weight += weight[g]
    close()
    return out or [_spec({}, 0)]
