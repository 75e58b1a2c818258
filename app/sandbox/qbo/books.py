"""One QuickBooks company: its objects, its general ledger, and the operations on them.

State is plain dicts behind one lock. Objects are stored as QuickBooks answers them (Decimal amounts),
indexed by entity and Id, with a few secondary indexes for the lookups an integration makes most
(Id, DocNumber, DisplayName, Name, CustomerRef), and each object's JSON is kept until it changes, so a
query over 60,000 invoices filters dicts and joins cached text.

Every write posts to a general ledger (debits positive) so that account balances, customer balances and
a customer's balance on any one account (a client's trust ledger) are what QuickBooks would show.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.sandbox.qbo import query as q
from app.sandbox.qbo.entities import (
    BUILDERS,
    DEBIT_NORMAL,
    LISTS,
    NAMES,
    TRANSACTIONS,
    ZERO,
    Effects,
)
from app.sandbox.qbo.normalize import clean, sync_token, truthy, writable
from app.sandbox.qbo.wire import (
    COMPANY_TZ,
    QboFault,
    business,
    dumps,
    duplicate_name,
    invalid_ref,
    not_found,
    parse_time,
    period_closed,
    qbo_time,
    query_error,
    required,
    stale,
    unsupported,
)

ENTITIES = ("Customer", "Vendor", "Employee", "Account", "Item", "Invoice", "CreditMemo", "Payment", "Deposit",
            "JournalEntry")
ENTITY_BY_LOWER = {e.lower(): e for e in ENTITIES}
INDEXED = ("Id", "DocNumber", "DisplayName", "Name", "CustomerRef")
CDC_MAX_OBJECTS = 1000
CDC_MAX_DAYS = 30

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _index_value(obj: dict[str, Any], fld: str) -> str | None:
    value = obj.get(fld)
    if isinstance(value, dict):
        value = value.get("value")
    return None if value is None else str(value).lower()


class Books:
    """The company file. Every public method takes the lock; callers never see internal dicts."""

    def __init__(self, realm_id: str, *, company_name: str = "Sandbox Law Firm LLP", clock: Clock = _utcnow) -> None:
        self.realm_id = realm_id
        self.company_name = company_name
        self.clock = clock
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in ENTITIES}
        self.deleted: dict[str, dict[str, dict[str, Any]]] = {e: {} for e in ENTITIES}
        self.index: dict[str, dict[str, dict[str, set[str]]]] = {
            e: {f: defaultdict(set) for f in INDEXED} for e in ENTITIES}
        self._json: dict[tuple[str, str], str] = {}
        self._next_id: dict[str, int] = defaultdict(lambda: 1)
        self._postings: dict[tuple[str, str], list[tuple[str, Decimal, str | None]]] = {}
        self._acct: dict[str, Decimal] = defaultdict(Decimal)  # debit-positive
        self._entity_acct: dict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (entity id, account)
        self._applies: dict[str, list[tuple[str, str, Decimal]]] = {}  # payment id -> applications
        self._applied: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)  # target -> payment->amt
        self._deposits: dict[str, list[str]] = {}  # deposit id -> payment ids
        self._deposited: dict[str, str] = {}  # payment id -> deposit id
        self._voided: set[tuple[str, str]] = set()
        self._children: dict[str, set[str]] = defaultdict(set)
        self.hidden: set[tuple[str, str]] | None = None  # objects a batch item must not see
        self.roles: dict[str, str] = {}  # "ar", "undeposited", "discount", "ap" -> account id
        self.custom_txn_numbers = True
        self.book_close_date: date | None = None  # Preferences.AccountingInfoPrefs.BookCloseDate
        self._doc_number = 1000

    # --- reading ----------------------------------------------------------------------------------

    def _visible(self, entity: str, ident: str) -> dict[str, Any] | None:
        obj = self.objects[entity].get(ident)
        if obj is None or (self.hidden is not None and (entity, ident) in self.hidden):
            return None
        return obj

    def obj(self, entity: str, ident: str) -> dict[str, Any]:
        found = self._visible(entity, str(ident))
        if found is None:
            raise not_found(entity, str(ident))
        return found

    def ref(self, entity: str, ref: Any, element: str) -> dict[str, Any]:
        """The active object a reference names (2500 if there is none, 610 if it is inactive)."""
        ident = ref.get("value") if isinstance(ref, dict) else ref
        if ident in (None, ""):
            raise required(element)
        found = self._visible(entity, str(ident))
        if found is None:
            raise invalid_ref(element, str(ident))
        if found.get("Active") is False:
            raise not_found(entity, str(ident))
        return found

    def is_voided(self, entity: str, ident: str) -> bool:
        return (entity, ident) in self._voided

    def applied_to(self, entity: str, ident: str, *, except_payment: str | None = None) -> Decimal:
        return sum((a for p, a in self._applied[(entity, ident)].items() if p != except_payment), ZERO)

    def links_to(self, entity: str, ident: str) -> list[dict[str, str]]:
        return [{"TxnId": p, "TxnType": "Payment"} for p in sorted(self._applied[(entity, ident)], key=int)]

    def deposited_in(self, payment_id: str) -> str | None:
        return self._deposited.get(payment_id)

    def is_ancestor(self, ancestor: str, ident: str) -> bool:
        cur: str | None = ident
        while cur is not None:
            if cur == ancestor:
                return True
            parent = self.objects["Customer"].get(cur, {}).get("ParentRef")
            cur = parent["value"] if parent else None
        return False

    def account_balance_raw(self, account_id: str) -> Decimal:
        return self._acct.get(account_id, ZERO)

    def date_or_today(self, value: Any, element: str) -> str:
        if value in (None, ""):
            return self.clock().astimezone(COMPANY_TZ).date().isoformat()
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise QboFault("2010", "Request has invalid or unsupported property",
                           f"Property Name:{element} has an invalid date {value!r}", element=element) from None

    def check_name_free(self, name: str, own: tuple[str, str] | None) -> None:
        """DisplayName is unique across customers, vendors and employees, ignoring case."""
        key = name.strip().lower()
        for entity in NAMES:
            for ident in self.index[entity]["DisplayName"].get(key, ()):
                if own != (entity, ident):
                    raise duplicate_name(name, ident)

    def name_is_free(self, name: str, own: tuple[str, str] | None) -> bool:
        key = name.strip().lower()
        return all(own == (entity, ident) for entity in NAMES
                   for ident in self.index[entity]["DisplayName"].get(key, ()))

    def next_doc_number(self) -> str:
        self._doc_number += 1
        return str(self._doc_number)

    def check_unique(self, entity: str, fld: str, value: str, old: dict[str, Any] | None) -> None:
        for ident in self.index[entity][fld].get(value.strip().lower(), ()):
            if old is None or old["Id"] != ident:
                raise duplicate_name(value, ident)

    # --- balances ---------------------------------------------------------------------------------

    def _natural(self, account_id: str, debit_positive: Decimal) -> Decimal:
        acct = self.objects["Account"].get(account_id)
        if acct is None:
            return debit_positive
        return debit_positive if acct["Classification"] in DEBIT_NORMAL else -debit_positive

    def account_balance(self, account_id: str) -> Decimal:
        """CurrentBalance as QuickBooks shows it: assets and expenses up with debits, the rest with credits."""
        with self.lock:
            return self._natural(account_id, self._acct.get(account_id, ZERO))

    def entity_account_balance(self, entity_id: str, account_id: str) -> Decimal:
        """One customer's (or vendor's) balance on one account, from every line that names them there."""
        with self.lock:
            return self._natural(account_id, self._entity_acct.get((entity_id, account_id), ZERO))

    def entity_balances(self, account_id: str) -> dict[str, Decimal]:
        """Every named balance on an account (for example each sub-customer's trust liability)."""
        with self.lock:
            return {ent: self._natural(account_id, amt) for (ent, acct), amt in self._entity_acct.items()
                    if acct == account_id and amt != 0}

    def customer_balance(self, customer_id: str) -> Decimal:
        with self.lock:
            return self._entity_acct.get((customer_id, self.roles["ar"]), ZERO)

    def _apply_postings(self, key: tuple[str, str], postings: list[tuple[str, Decimal, str | None]]) -> None:
        for account, amount, entity in self._postings.pop(key, []):
            self._acct[account] -= amount
            if entity is not None:
                self._entity_acct[(entity, account)] -= amount
        if postings:
            self._postings[key] = postings
        for account, amount, entity in postings:
            self._acct[account] += amount
            if entity is not None:
                self._entity_acct[(entity, account)] += amount

    # --- storing ----------------------------------------------------------------------------------

    def _now(self) -> str:
        return qbo_time(self.clock())

    def _store(self, entity: str, obj: dict[str, Any]) -> None:
        ident = obj["Id"]
        old = self.objects[entity].get(ident)
        for fld in INDEXED:
            if old is not None:
                value = _index_value(old, fld)
                if value is not None:
                    self.index[entity][fld][value].discard(ident)
            value = _index_value(obj, fld)
            if value is not None:
                self.index[entity][fld][value].add(ident)
        if entity == "Customer":
            if old is not None and old.get("ParentRef"):
                self._children[old["ParentRef"]["value"]].discard(ident)
            if obj.get("ParentRef"):
                self._children[obj["ParentRef"]["value"]].add(ident)
        self.objects[entity][ident] = obj
        self._json.pop((entity, ident), None)

    def _unstore(self, entity: str, ident: str) -> dict[str, Any]:
        old = self.objects[entity].pop(ident)
        for fld in INDEXED:
            value = _index_value(old, fld)
            if value is not None:
                self.index[entity][fld][value].discard(ident)
        self._json.pop((entity, ident), None)
        return old

    def _touch(self, entity: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A server-side change to an object (a payment applied to it): new SyncToken and time."""
        new = dict(obj)
        new["SyncToken"] = str(int(obj["SyncToken"]) + 1)
        new["MetaData"] = {**obj["MetaData"], "LastUpdatedTime": self._now()}
        self._store(entity, new)
        return new

    def _refresh_target(self, entity: str, ident: str) -> None:
        target = self.objects[entity].get(ident)
        if target is None:
            return
        new = dict(target)
        applied = self.applied_to(entity, ident)
        new["Balance"] = new["TotalAmt"] - applied
        if entity == "CreditMemo":
            new["RemainingCredit"] = new["Balance"]
        else:
            new["LinkedTxn"] = self.links_to(entity, ident)
        self._touch(entity, new)

    def _set_applies(self, payment_id: str, applies: list[tuple[str, str, Decimal]]) -> None:
        touched = set()
        for entity, ident, _ in self._applies.pop(payment_id, []):
            self._applied[(entity, ident)].pop(payment_id, None)
            touched.add((entity, ident))
        if applies:
            self._applies[payment_id] = applies
        for entity, ident, amount in applies:
            bucket = self._applied[(entity, ident)]
            bucket[payment_id] = bucket.get(payment_id, ZERO) + amount
            touched.add((entity, ident))
        for entity, ident in sorted(touched):
            self._refresh_target(entity, ident)

    def _set_deposits(self, deposit_id: str, payments: list[str]) -> None:
        for payment in self._deposits.pop(deposit_id, []):
            self._deposited.pop(payment, None)
        if payments:
            self._deposits[deposit_id] = payments
        for payment in payments:
            self._deposited[payment] = deposit_id

    def _commit(self, entity: str, obj: dict[str, Any], fx: Effects) -> dict[str, Any]:
        key = (entity, obj["Id"])
        self._store(entity, obj)
        if entity in TRANSACTIONS:
            self._apply_postings(key, fx.postings)
        if entity == "Payment":
            self._set_applies(obj["Id"], fx.applies)
        if entity == "Deposit":
            self._set_deposits(obj["Id"], fx.deposits)
        return obj

    def _new_id(self, entity: str) -> str:
        # Transactions share one sequence in QuickBooks; each list has its own.
        seq = "txn" if entity in TRANSACTIONS else entity
        ident = self._next_id[seq]
        self._next_id[seq] = ident + 1
        return str(ident)

    # --- writes -----------------------------------------------------------------------------------

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            data = clean(body)
            if data.get("Id") not in (None, "", "0"):
                return self.update(entity, body)
            built, fx = BUILDERS[entity](self, writable(data), None)
            self._guard_period(entity, built)
            now = self._now()
            obj = {"Id": self._new_id(entity), "SyncToken": "0", "domain": "QBO", "sparse": False, **built,
                   "MetaData": {"CreateTime": now, "LastUpdatedTime": now}}
            return self._commit(entity, obj, fx)

    def _current(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        ident = data.get("Id")
        if ident in (None, ""):
            raise required("Id")
        old = self.obj(entity, str(ident))
        token = sync_token(data.get("SyncToken"))
        if token is None:
            raise required("SyncToken")
        if token != old["SyncToken"]:
            raise stale(entity)
        return old

    def _guard_period(self, entity: str, *objs: dict[str, Any]) -> None:
        """Refuse a transaction write whose old or new date is on or before the closing date."""
        close = self.book_close_date
        if close is None or entity not in TRANSACTIONS:
            return
        for obj in objs:
            txn_date = str(obj.get("TxnDate") or "")[:10]
            if txn_date and date.fromisoformat(txn_date) <= close:
                raise period_closed(entity, txn_date, close.isoformat())

    def _guard_change(self, entity: str, old: dict[str, Any]) -> None:
        if entity == "Payment" and old["Id"] in self._deposited:
            raise QboFault("6540", "Deposited Transaction cannot be changed",
                           f"This payment is part of deposit {self._deposited[old['Id']]}: remove it from the "
                           f"deposit first.")
        if entity in TRANSACTIONS and (entity, old["Id"]) in self._voided:
            raise business(f"{entity} {old['Id']} is void and cannot be changed.")

    def update(self, entity: str, body: dict[str, Any], *, void: bool = False) -> dict[str, Any]:
        with self.lock:
            data = clean(body)
            old = self._current(entity, data)
            self._guard_change(entity, old)
            self._guard_period(entity, old)
            if void:
                return self._void(entity, old)
            if truthy(data.get("sparse", False)):
                merged = {k: copy.deepcopy(v) for k, v in writable(old).items()}
                merged.update(writable(data))
            else:
                merged = writable(data)
            built, fx = BUILDERS[entity](self, merged, old)
            self._guard_period(entity, built)
            obj = {"Id": old["Id"], "SyncToken": str(int(old["SyncToken"]) + 1), "domain": "QBO",
                   "sparse": False, **built,
                   "MetaData": {"CreateTime": old["MetaData"]["CreateTime"], "LastUpdatedTime": self._now()}}
            self._commit(entity, obj, fx)
            if entity == "Customer" and obj["FullyQualifiedName"] != old.get("FullyQualifiedName"):
                self._rename_descendants(obj)
            return obj

    def _rename_descendants(self, parent: dict[str, Any]) -> None:
        for child_id in sorted(self._children.get(parent["Id"], ()), key=int):
            child = dict(self.objects["Customer"][child_id])
            child["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{child['DisplayName']}"
            child["Level"] = parent["Level"] + 1
            child["ParentRef"] = {"value": parent["Id"], "name": parent["DisplayName"]}
            self._rename_descendants(self._touch("Customer", child))

    def void(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        if entity not in ("Invoice", "Payment"):
            raise unsupported(f"Void on {entity}")
        return self.update(entity, body, void=True)

    def _void(self, entity: str, old: dict[str, Any]) -> dict[str, Any]:
        if entity not in ("Invoice", "Payment"):
            raise unsupported(f"Void on {entity}")
        if entity == "Invoice" and self._applied[("Invoice", old["Id"])]:
            raise business(f"Invoice {old['Id']} has payments applied: void or unlink the payments first.")
        new = copy.deepcopy(old)
        new["TotalAmt"] = ZERO
        new["PrivateNote"] = ("Voided - " + old["PrivateNote"]) if old.get("PrivateNote") else "Voided"
        if entity == "Invoice":
            new["Balance"] = ZERO
            for line in new["Line"]:
                if "Amount" in line:
                    line["Amount"] = ZERO
        else:
            new["UnappliedAmt"] = ZERO
            new["Line"] = []
        new["SyncToken"] = str(int(old["SyncToken"]) + 1)
        new["MetaData"] = {**old["MetaData"], "LastUpdatedTime": self._now()}
        self._voided.add((entity, old["Id"]))
        return self._commit(entity, new, Effects())

    def delete(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if entity not in TRANSACTIONS:
                raise unsupported(f"Delete on {entity} (make it inactive instead)")
            data = clean(body)
            old = self._current(entity, data)
            self._guard_period(entity, old)
            if entity == "Payment" and old["Id"] in self._deposited:
                self._guard_change(entity, old)
            if entity in ("Invoice", "CreditMemo") and self._applied[(entity, old["Id"])]:
                raise business(f"{entity} {old['Id']} has payments linked to it: delete or change the payments "
                               f"first.")
            self._apply_postings((entity, old["Id"]), [])
            if entity == "Payment":
                self._set_applies(old["Id"], [])
            if entity == "Deposit":
                self._set_deposits(old["Id"], [])
            self._voided.discard((entity, old["Id"]))
            self._unstore(entity, old["Id"])
            now = self._now()
            self.deleted[entity][old["Id"]] = {"Id": old["Id"], "status": "Deleted", "domain": "QBO",
                                               "MetaData": {"CreateTime": old["MetaData"]["CreateTime"],
                                                            "LastUpdatedTime": now}}
            return {"Id": old["Id"], "status": "Deleted", "domain": "QBO"}

    def seed(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an object through the same rules as the API (the seeded company and tests use it)."""
        return self.create(entity, body)

    # --- rendering --------------------------------------------------------------------------------

    def render(self, entity: str, obj: dict[str, Any]) -> dict[str, Any]:
        """The object with its live balances (they change without a new SyncToken, as in QuickBooks)."""
        if entity == "Customer":
            own = self._entity_acct.get((obj["Id"], self.roles.get("ar", "")), ZERO)
            out = dict(obj)
            out["Balance"] = own
            out["BalanceWithJobs"] = own + sum((self._with_jobs(c) for c in self._children.get(obj["Id"], ())),
                                               ZERO)
            return out
        if entity == "Vendor":
            return {**obj, "Balance": self._entity_acct.get((obj["Id"], self.roles.get("ap", "")), ZERO) * -1}
        if entity == "Account":
            balance = self._natural(obj["Id"], self._acct.get(obj["Id"], ZERO))
            return {**obj, "CurrentBalance": balance, "CurrentBalanceWithSubAccounts": balance}
        return obj

    def _with_jobs(self, customer_id: str) -> Decimal:
        own = self._entity_acct.get((customer_id, self.roles.get("ar", "")), ZERO)
        return own + sum((self._with_jobs(c) for c in self._children.get(customer_id, ())), ZERO)

    def to_json(self, entity: str, obj: dict[str, Any]) -> str:
        if entity in ("Customer", "Vendor", "Account"):
            return dumps(_present(self.render(entity, obj)))
        key = (entity, obj["Id"])
        text = self._json.get(key)
        if text is None:
            text = dumps(_present(obj))
            self._json[key] = text
        return text

    def read_json(self, entity: str, ident: str) -> str:
        with self.lock:
            return self.to_json(entity, self.obj(entity, ident))

    # --- query ------------------------------------------------------------------------------------

    def query_json(self, text: str) -> str:
        """The ``QueryResponse`` object (as JSON text) for a query."""
        with self.lock:
            query = q.parse(text, ENTITY_BY_LOWER)
            rows = self._select(query)
            if query.count:
                return f'{{"totalCount":{len(rows)}}}'
            if query.order:
                for path, desc in reversed(query.order):
                    rows.sort(key=q.sort_key(path), reverse=desc)
            page = rows[query.start - 1: query.start - 1 + query.max_results]
            if not page:
                return "{}"
            body = ",".join(self.to_json(query.entity, o) for o in page)
            return f'{{"{query.entity}":[{body}],"startPosition":{query.start},"maxResults":{len(page)}}}'

    def _select(self, query: q.Query) -> list[dict[str, Any]]:
        entity = query.entity
        conds = list(query.where)
        candidates: Iterable[dict[str, Any]] | None = None
        for cond in conds:
            fld = cond.path.lower()
            indexed = next((f for f in INDEXED if f.lower() == fld), None)
            if indexed and cond.op in ("=", "IN"):
                ids: set[str] = set()
                for value in cond.values:
                    literal = str(int(value)) if isinstance(value, Decimal) and value == value.to_integral() \
                        else str(value)
                    ids |= self.index[entity][indexed].get(literal.lower(), set())
                candidates = [self.objects[entity][i] for i in sorted(ids, key=int)]
                break
        if candidates is None:
            candidates = self.objects[entity].values()
        if entity in LISTS and not any(c.path.lower() == "active" for c in conds):
            # QuickBooks leaves inactive list objects out unless the query asks about Active.
            conds.append(q.Condition("Active", "=", (True,)))
        hidden = self.hidden
        if not conds and not hidden:
            return list(candidates)
        tests = [q.compile_condition(c) for c in conds]
        live_balance = entity in ("Customer", "Account", "Vendor") and any("balance" in c.path.lower() for c in conds)
        out = []
        for obj in candidates:
            if hidden and (entity, obj["Id"]) in hidden:
                continue
            view = self.render(entity, obj) if live_balance else obj
            if all(test(view) for test in tests):
                out.append(obj)
        return out

    # --- change data capture ----------------------------------------------------------------------

    def cdc_json(self, entities: list[str], since_text: str) -> str:
        with self.lock:
            try:
                since = parse_time(since_text)
            except ValueError:
                raise query_error(f"changedSince {since_text!r} is not a date-time") from None
            if since < self.clock() - timedelta(days=CDC_MAX_DAYS):
                raise business(f"changedSince can be at most {CDC_MAX_DAYS} days in the past.", "changedSince")
            picked: list[tuple[datetime, str, str]] = []  # (time, entity, json)
            names = []
            for name in entities:
                entity = ENTITY_BY_LOWER.get(name.strip().lower())
                if entity is None:
                    raise query_error(f"Unknown entity {name!r} in entities")
                names.append(entity)
                for obj in self.objects[entity].values():
                    moment = q.moment_of(obj)
                    if moment >= since:
                        picked.append((moment, entity, self.to_json(entity, obj)))
                for tomb in self.deleted[entity].values():
                    moment = q.moment_of(tomb)
                    if moment >= since:
                        picked.append((moment, entity, dumps(tomb)))
            picked.sort(key=lambda t: t[0])
            picked = picked[:CDC_MAX_OBJECTS]
            parts = []
            for entity in names:
                rows = [text for _, e, text in picked if e == entity]
                if rows:
                    joined = ",".join(rows)
                    parts.append(f'{{"{entity}":[{joined}],"startPosition":1,"maxResults":{len(rows)}}}')
                else:
                    parts.append("{}")
            return '[{"QueryResponse":[' + ",".join(parts) + "]}]"


def _present(value: Any) -> Any:
    """Only properties with values, as QuickBooks answers (empty lists of lines and links stay)."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None and v != "" and not (
            isinstance(v, list) and not v and k not in ("Line", "LinkedTxn"))}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value
