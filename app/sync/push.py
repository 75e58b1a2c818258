"""Sending the plan to QuickBooks: outbox first, then batches and single requests, then the link.

For each wave: resolve the references (the QuickBooks ids of what each record depends on), write every
intent to the outbox with its deterministic requestid, then send chunks of up to 30 (a group that belongs
together, a payment and its transfer from trust, stays in one chunk) from a pool of threads: as a batch
while the batch quota has room, as single requests in the rest of the per-minute budget. Each answer is
linked (link + outbox + cache + audit + queue) in one transaction with the rest of its batch's answers, so a
kill at any moment leaves every record either linked or pending in the outbox, never half-posted.

A pending row found at start-up (the run before was killed) is finished first: its batch is replayed with
the same requestid (QuickBooks returns the first answer), after looking the creates up by their
DocNumber / name / reference, in case QuickBooks' requestid memory is gone.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from app.clients import QboBooks
from app.qbo.client import BatchOp
from app.qbo.errors import (
    QboAuthError,
    QboDuplicateName,
    QboError,
    QboNotFound,
    QboServerError,
    QboStaleObject,
    QboThrottled,
)
from app.store import audit, cache, links, outbox
from app.store import exceptions as exq
from app.store.db import Store
from app.store.links import Link
from app.sync import names
from app.sync.actions import Action, Key, kind_word, request_id
from app.sync.plan import exception_kind

log = logging.getLogger("ledgerbridge.sync")
MAX_BATCH = 30
PIECE = 8 * MAX_BATCH  # rows prepared and recorded at a time: a chunk for each sender
TRANSIENT = (QboServerError, QboThrottled)
T = TypeVar("T")


class Unresolved(Exception):
    def __init__(self, key: Key) -> None:
        super().__init__(f"{key}")
        self.key = key


def resolve(value: Any, lookup: Callable[[Key], str]) -> Any:
    """Replace ``{"$ref": key}`` with ``{"value": id}`` and ``{"$id": key}`` with the id."""
    if isinstance(value, dict):
        if "$ref" in value and len(value) == 1:
            return {"value": lookup(tuple(value["$ref"]))}
        if "$id" in value and len(value) == 1:
            return lookup(tuple(value["$id"]))
        return {k: resolve(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    return value


@dataclass
class PushStats:
    created: int = 0
    updated: int = 0
    voided: int = 0
    linked: int = 0
    held: int = 0
    deferred: int = 0
    held_keys: set[Key] = field(default_factory=set)

    def add(self, other: PushStats) -> None:
        for name in ("created", "updated", "voided", "linked", "held", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.held_keys |= other.held_keys


@dataclass(eq=False)
class _Item:
    row: outbox.OutboxRow
    meta: dict[str, Any]


class Pusher:
    def __init__(
        self,
        store: Store,
        qbo: QboBooks,
        *,
        actor: str = "sync",
        cancel: threading.Event | None = None,
        on_done: Callable[[int], None] | None = None,
        workers: int = 8,
    ) -> None:
        self.store = store
        self.qbo = qbo
        self.actor = actor
        self.cancel = cancel or threading.Event()
        self.on_done = on_done or (lambda n: None)
        self.workers = max(1, workers)
        self.stats = PushStats()
        self._lock = threading.Lock()
        self.auth_error: QboAuthError | None = None

    # --- the wave --------------------------------------------------------------------------------------------

    def prepare(self, action: Action, known: dict[Key, Link] | None = None) -> dict[str, Any]:
        """The outbox row for an action: the resolved body and what the link will need afterwards.

        ``known``: the links of the action and of everything it refers to, read beforehand for many actions
        at once (:func:`links_for`); without it they are read one by one."""
        known = links_for(self.store, [action]) if known is None else known

        def link_of(key: Key) -> Link | None:
            return known.get((key[0], int(key[1]), key[2]))

        def posted(key: Key) -> str:
            link = link_of(key)
            if link is None or link.state != "posted":
                raise Unresolved(key)
            return link.qbo_id

        body = resolve(action.body, posted)
        link = link_of(action.key)
        if action.operation in ("update", "void", "delete"):
            if link is None:
                raise Unresolved(action.key)
            if action.operation == "update":
                body = {**body, "Id": link.qbo_id, "SyncToken": link.qbo_sync_token}
            else:
                body = {"Id": link.qbo_id, "SyncToken": link.qbo_sync_token}
        meta = {"chash": action.chash, "etag": action.etag, "label": action.label, "notes": list(action.notes),
                "generation": action.generation}
        return {
            "request_id": action.request_id, "clio_kind": action.key[0], "clio_id": action.key[1],
            "role": action.key[2], "operation": action.operation, "qbo_entity": action.entity,
            "payload": {"body": body, "meta": meta},
        }

    def push_wave(self, actions: list[Action]) -> PushStats:
        """Send one wave. Its rows are prepared and written to the outbox a piece at a time, and each piece's
        chunks go to the senders at once, so QuickBooks is busy while the rest of a large wave is prepared
        (preparing a wave of several thousand writes took long enough to leave the quotas idle)."""
        stats = PushStats()
        with cf.ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="push") as pool:
            running: set[cf.Future[None]] = set()
            for piece in _packed(_groups(actions).values(), PIECE):
                if self.cancel.is_set() or self.auth_error is not None:
                    break  # what is not yet in the outbox is planned again by the next sync
                for chunk in self._prepare_piece(piece, stats):
                    running.add(pool.submit(self._send_chunk, chunk, stats))
                # Stay a few chunks ahead of the senders, no more; a sender's error surfaces here, not at the end.
                while len(running) > 3 * self.workers:
                    finished, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                    for f in finished:
                        f.result()
            for f in cf.as_completed(running):
                f.result()
        with self._lock:  # two slices' waves may be sent at once
            self.stats.add(stats)
        return stats

    def _prepare_piece(self, piece: list[Action], stats: PushStats) -> list[list[_Item]]:
        """Resolve and record a piece's rows in the outbox; its chunks of up to 30, groups kept whole."""
        rows: list[dict[str, Any]] = []
        group_of: list[str] = []
        known = links_for(self.store, [a for a in piece if a.operation != "link"])
        for action in piece:
            if action.operation == "link":
                self._link_existing(action, stats)
                continue
            try:
                rows.append(self.prepare(action, known))
            except Unresolved as exc:
                self._hold(action.key, action.label, "waiting_for_dependency",
                           f"{action.label} could not be sent because Clio {exc.key[0]} {exc.key[1]} it depends on "
                           "was not posted in QuickBooks.", stats)
                continue
            group_of.append(action.group or action.request_id)
        if not rows:
            return []
        members: dict[str, list[tuple[int, _Item]]] = {}
        for n, (row, group) in enumerate(zip(outbox.record_many(self.store, rows), group_of, strict=True)):
            if row.status != outbox.PENDING:  # this very intent was settled before (posted or refused)
                log.info("outbox %s already %s", row.request_id, row.status)
                continue
            members.setdefault(group, []).append((n, _Item(row, row.payload["meta"])))
        return [[item for _, item in sorted(chunk, key=lambda p: p[0])]
                for chunk in _packed(members.values(), MAX_BATCH)]

    def _reserve_batch(self) -> bool:
        """Claim a place in the batch quota now, or say there is none (then the chunk goes as singles)."""
        limiter = getattr(self.qbo, "limiter", None)
        return limiter is None or limiter.try_reserve_batch()

    def _release_batch(self) -> None:
        limiter = getattr(self.qbo, "limiter", None)
        if limiter is not None:
            limiter.release_batch_reservation()

    def _send_chunk(self, chunk: list[_Item], stats: PushStats) -> None:
        if self.cancel.is_set() or self.auth_error is not None:
            return  # cancelled between batches: these rows stay pending, nothing is half-sent
        if len(chunk) > 1 and self._reserve_batch():
            batch_id = "lbb" + hashlib.sha256("|".join(i.row.request_id for i in chunk).encode()).hexdigest()[:32]
            outbox.mark_attempt(self.store, [i.row.request_id for i in chunk], batch_id=batch_id)
            try:
                self._send_batch(chunk, batch_id, stats)
            finally:
                self._release_batch()
        else:
            for item in chunk:
                if self.cancel.is_set() or self.auth_error is not None:
                    return
                outbox.mark_attempt(self.store, [item.row.request_id])
                self._send_single(item, stats)

    def _send_batch(self, chunk: list[_Item], batch_id: str, stats: PushStats) -> None:
        ops = [BatchOp(f"b{n}", i.row.operation, i.row.qbo_entity, i.row.payload["body"]) for n, i in enumerate(chunk)]
        try:
            results = self.qbo.batch(ops, batch_id)
        except QboAuthError as exc:
            self.auth_error = exc
            return
        except TRANSIENT as exc:
            log.info("batch %s deferred: %s", batch_id, exc)
            with self._lock:
                stats.deferred += len(chunk)
            return
        answered: list[tuple[_Item, dict[str, Any]]] = []
        failed: list[tuple[_Item, QboError | None]] = []
        for item, result in zip(chunk, results, strict=True):
            if result.error is None and result.body is not None:
                answered.append((item, result.body))
            else:
                failed.append((item, result.error))
        # The batch's answers are linked in one transaction: fewer commits, and the store's lock is taken
        # once, not 30 times. A kill before it commits leaves the whole batch pending, to be replayed.
        self._finish_all(answered, stats)
        for item, error in failed:
            if isinstance(error, TRANSIENT):
                # one item failed on the server side: send it alone (its own requestid) now
                outbox.mark_attempt(self.store, [item.row.request_id])
                self._send_single(item, stats)
            else:
                self._refused(item, error or QboError("QuickBooks gave no answer for this item"), stats)

    def _call(self, row: outbox.OutboxRow, body: dict[str, Any], rid: str) -> dict[str, Any]:
        op, entity = row.operation, row.qbo_entity
        if op == "create":
            return self.qbo.create(entity, body, rid)
        if op == "update":
            return self.qbo.update(entity, body, rid)
        if op == "void":
            return self.qbo.void(entity, body["Id"], body["SyncToken"], rid)
        if op == "delete":
            return self.qbo.delete(entity, body["Id"], body["SyncToken"], rid)
        raise ValueError(op)

    def _send_single(self, item: _Item, stats: PushStats) -> None:
        try:
            answer = self._call(item.row, item.row.payload["body"], item.row.request_id)
        except QboAuthError as exc:
            self.auth_error = exc
            return
        except TRANSIENT as exc:
            log.info("%s deferred: %s", item.row.request_id, exc)
            with self._lock:
                stats.deferred += 1
            return
        except QboError as exc:
            self._refused(item, exc, stats)
            return
        self._finish(item, answer, stats)

    # --- outcomes ----------------------------------------------------------------------------------------

    def _refused(self, item: _Item, exc: QboError, stats: PushStats) -> None:
        row = item.row
        key: Key = (row.clio_kind, row.clio_id, row.role)
        if isinstance(exc, QboDuplicateName) and row.qbo_entity == "Customer" and row.operation == "create":
            if self._retry_renamed(item, stats):
                return
        if isinstance(exc, QboStaleObject) and row.operation in ("update", "void", "delete"):
            if self._retry_fresh_token(item, stats):
                return
        outbox.mark_failed(self.store, row.request_id, error=str(exc))
        label = item.meta.get("label", f"Clio {row.clio_kind} {row.clio_id}")
        if isinstance(exc, QboNotFound) and row.operation in ("void", "delete"):
            message = f"{label} could not be {row.operation}ed: QuickBooks no longer has it. {exc.what}."
        elif closed_period(exc):
            # QuickBooks' books were closed after this run read the closing date: the same hold as the planner's.
            self._hold(key, label, "closed_period", f"QuickBooks refused {label}: its date is in a period closed in "
                       "QuickBooks. Reopen the period (Settings → Advanced → Close the books) and retry, or change "
                       "the date in Clio, or dismiss it with a note.", stats, attempted=row.payload["body"])
            return
        else:
            message = f"QuickBooks refused {label}: {exc.what}. {exc.next_step}".strip()
        self._hold(key, label, "qbo_refused", message, stats, attempted=row.payload["body"])

    def _retry_renamed(self, item: _Item, stats: PushStats) -> bool:
        """6240: a vendor or employee (or a customer we could not see) has the name: add the Clio id."""
        row = item.row
        body = dict(row.payload["body"])
        original = str(body.get("DisplayName", ""))
        adapted = names.adapt(original, row.clio_id, {names.name_key(original)},
                              what="Clio" if row.clio_kind == "contacts" else "Clio matter")
        if adapted.name == original:
            return False
        body["DisplayName"] = adapted.name
        if body.get("CompanyName"):
            body["CompanyName"] = adapted.name
        meta = {**item.meta, "notes": [*item.meta.get("notes", []), adapted.sentence()]}
        rid = request_id((row.clio_kind, row.clio_id, row.role), "create", item.meta["chash"] + "|renamed",
                         item.meta.get("generation", 0))
        outbox.mark_failed(self.store, row.request_id, error="duplicate name; sent again renamed")
        new = outbox.record(self.store, request_id=rid, clio_kind=row.clio_kind, clio_id=row.clio_id, role=row.role,
                            operation="create", qbo_entity=row.qbo_entity, payload={"body": body, "meta": meta})
        outbox.mark_attempt(self.store, [rid])
        self._send_single(_Item(new, meta), stats)
        return True

    def _retry_fresh_token(self, item: _Item, stats: PushStats) -> bool:
        """5010: someone (often QuickBooks itself, applying a payment) moved the SyncToken: read, retry once."""
        row = item.row
        if item.meta.get("fresh_token"):
            return False
        body = dict(row.payload["body"])
        try:
            current = self.qbo.read(row.qbo_entity, body["Id"])
        except QboError:
            return False
        body["SyncToken"] = current.get("SyncToken", body.get("SyncToken"))
        meta = {**item.meta, "fresh_token": True}
        rid = request_id((row.clio_kind, row.clio_id, row.role), row.operation,
                         item.meta["chash"] + "|" + str(body["SyncToken"]), item.meta.get("generation", 0))
        outbox.mark_failed(self.store, row.request_id, error="stale SyncToken; sent again with the current one")
        new = outbox.record(self.store, request_id=rid, clio_kind=row.clio_kind, clio_id=row.clio_id, role=row.role,
                            operation=row.operation, qbo_entity=row.qbo_entity, payload={"body": body, "meta": meta})
        outbox.mark_attempt(self.store, [rid])
        self._send_single(_Item(new, meta), stats)
        return True

    def _hold(self, key: Key, label: str, code: str, message: str, stats: PushStats, attempted: Any = None) -> None:
        exq.add(self.store, kind=kind_word(key), clio_kind=exception_kind(key), clio_id=key[1], reason_code=code,
                message=message, attempted=attempted, actor=self.actor)
        with self._lock:
            stats.held += 1
            stats.held_keys.add(key)

    def _finish(self, item: _Item, answer: dict[str, Any], stats: PushStats) -> None:
        """Link one posted record: link, outbox, cache, audit and queue in one transaction."""
        self._finish_all([(item, answer)], stats)

    def _finish_all(self, answered: list[tuple[_Item, dict[str, Any]]], stats: PushStats) -> None:
        """Link posted records, all in one transaction (see :meth:`_finish`)."""
        if not answered:
            return
        ops = []
        with self.store.transaction():
            for item, answer in answered:
                self._link_answer(item, answer)
                ops.append(item.row.operation)
        with self._lock:
            for op in ops:
                if op == "create":
                    stats.created += 1
                elif op == "update":
                    stats.updated += 1
                else:
                    stats.voided += 1
        self.on_done(len(ops))

    def _link_answer(self, item: _Item, answer: dict[str, Any]) -> None:
        row = item.row
        op = row.operation
        state = {"void": "voided", "delete": "deleted"}.get(op, "posted")
        qbo_id = str(answer.get("Id") or row.payload["body"].get("Id") or "")
        sync_token = str(answer.get("SyncToken", ""))
        links.put(self.store, clio_kind=row.clio_kind, clio_id=row.clio_id, role=row.role,
                  clio_etag=item.meta.get("etag", ""), content_hash=item.meta.get("chash", ""),
                  qbo_entity=row.qbo_entity, qbo_id=qbo_id, qbo_sync_token=sync_token, state=state)
        # QuickBooks' answer is kept once: in the QBO cache when it is an object, else in the outbox row.
        cached = bool(answer.get("Id"))
        outbox.mark_done(self.store, row.request_id, qbo_id=qbo_id, response=None if cached else answer)
        if cached:
            cache.put_qbo(self.store, row.qbo_entity, answer, deleted=op == "delete")
        action = {"create": "sync.posted", "update": "sync.updated", "void": "sync.voided",
                  "delete": "sync.deleted"}[op]
        notes = item.meta.get("notes") or []
        audit.append(self.store, actor=self.actor, action=action, clio_kind=row.clio_kind, clio_id=row.clio_id,
                     clio_version=item.meta.get("etag", ""), qbo_entity=row.qbo_entity, qbo_id=qbo_id,
                     qbo_version=sync_token, request_id=row.request_id, sent=row.payload["body"],
                     received=answer, detail=" ".join([item.meta.get("label", ""), *notes]).strip())
        exq.resolve_for(self.store, exception_kind((row.clio_kind, row.clio_id, row.role)), row.clio_id,
                        actor=self.actor, note=f"posted as {row.qbo_entity} {qbo_id}")

    def _link_existing(self, action: Action, stats: PushStats) -> None:
        found = cache.get_qbo(self.store, action.entity, action.link_to) or {}
        with self.store.transaction():
            links.put(self.store, clio_kind=action.key[0], clio_id=action.key[1], role=action.key[2],
                      clio_etag=action.etag, content_hash=action.chash, qbo_entity=action.entity,
                      qbo_id=action.link_to,
                      qbo_sync_token=str(found.get("SyncToken", "")))
            audit.append(self.store, actor=self.actor, action="sync.linked", clio_kind=action.key[0],
                         clio_id=action.key[1], clio_version=action.etag, qbo_entity=action.entity,
                         qbo_id=action.link_to, detail=" ".join([action.label, *action.notes]))
            exq.resolve_for(self.store, exception_kind(action.key), action.key[1], actor=self.actor,
                            note=f"linked to existing {action.entity} {action.link_to}")
        with self._lock:
            stats.linked += 1
        self.on_done(1)

    # --- finishing a killed run ----------------------------------------------------------------------------

    def resume(self) -> PushStats:
        """Finish every pending outbox row left by an earlier run, before anything new is planned."""
        stats = PushStats()
        rows = outbox.pending(self.store)
        if not rows:
            return stats
        batches: dict[str, list[_Item]] = {}
        singles: list[_Item] = []
        for row in rows:
            item = _Item(row, row.payload["meta"])
            if row.batch_id:
                batches.setdefault(row.batch_id, []).append(item)
            else:
                singles.append(item)
        for batch_id in batches:
            full = [_Item(r, r.payload["meta"]) for r in outbox.batch_rows(self.store, batch_id)]
            still = [i for i in full if i.row.status == outbox.PENDING]
            found = self._look_up(still)
            for item, answer in found.items():
                self._finish(item, answer, stats)
            if found:  # the batch did reach QuickBooks: what was not found failed there; send it alone
                for item in still:
                    if item not in found:
                        outbox.mark_attempt(self.store, [item.row.request_id])
                        self._send_single(item, stats)
            elif len(full) == len(still):  # replay the very same batch: QuickBooks answers from its memory
                outbox.mark_attempt(self.store, [i.row.request_id for i in full], batch_id=batch_id)
                self._send_batch(full, batch_id, stats)
            else:
                for item in still:
                    self._send_single(item, stats)
        found = self._look_up([i for i in singles if i.row.attempts > 0])
        for item in singles:
            if item in found:
                self._finish(item, found[item], stats)
            else:
                outbox.mark_attempt(self.store, [item.row.request_id])
                self._send_single(item, stats)
        self.stats.add(stats)
        return stats

    def _look_up(self, items: list[_Item]) -> dict[_Item, dict[str, Any]]:
        """Creates that may have reached QuickBooks: find them by DocNumber, name or reference number."""
        queries = []
        for item in items:
            if item.row.operation != "create" or item.row.attempts == 0:
                continue
            sql = _lookup_sql(item.row.qbo_entity, item.row.payload["body"])
            if sql:
                queries.append((item, sql))
        found: dict[_Item, dict[str, Any]] = {}
        for start in range(0, len(queries), MAX_BATCH):
            part = queries[start:start + MAX_BATCH]
            ops = [BatchOp(f"q{n}", "query", item.row.qbo_entity, sql) for n, (item, sql) in enumerate(part)]
            try:
                results = self.qbo.batch(ops, "lbq" + hashlib.sha256(
                    "|".join(sql for _, sql in part).encode()).hexdigest()[:30] + f"{start:03d}")
            except QboError:
                continue
            for (item, _), result in zip(part, results, strict=True):
                rows = []
                if result.body:
                    rows = next((v for v in result.body.values() if isinstance(v, list)), [])
                matches = [r for r in rows if _same_record(item.row.qbo_entity, item.row.payload["body"], r)]
                if len(matches) == 1:
                    found[item] = matches[0]
        return found


def links_for(store: Store, actions: list[Action]) -> dict[Key, Link]:
    """The links of these actions and of every record their bodies refer to, read in a few queries."""
    wanted: dict[str, set[int]] = {}

    def want(key: Key) -> str:
        wanted.setdefault(key[0], set()).add(int(key[1]))
        return ""

    for action in actions:
        want(action.key)
        resolve(action.body, want)  # walks the body's references; the resolved copy is not needed
    return links.for_records(store, wanted)


def _groups(actions: list[Action]) -> dict[str, list[Action]]:
    """Actions that must share a batch (a payment and its transfer from trust), by group, in order."""
    groups: dict[str, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.group or action.request_id, []).append(action)
    return groups


def _packed(groups: Iterable[list[T]], size: int) -> Iterator[list[T]]:
    """Whole groups packed in order into lists of at most ``size`` (a larger group gets a list of its own)."""
    packed: list[T] = []
    for members in groups:
        if packed and len(packed) + len(members) > size:
            yield packed
            packed = []
        packed.extend(members)
    if packed:
        yield packed


def _q(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _lookup_sql(entity: str, body: dict[str, Any]) -> str:
    """A query QuickBooks accepts that returns the record if it was created (and a few others)."""
    if entity == "Customer" and body.get("DisplayName"):
        return f"SELECT * FROM Customer WHERE DisplayName = {_q(body['DisplayName'])}"
    if entity in ("Invoice", "JournalEntry", "CreditMemo") and body.get("DocNumber"):
        return f"SELECT * FROM {entity} WHERE DocNumber = {_q(body['DocNumber'])}"
    customer = (body.get("CustomerRef") or {}).get("value") if isinstance(body.get("CustomerRef"), dict) else None
    if entity == "Payment" and body.get("PaymentRefNum") and customer and body.get("TxnDate"):
        # Intuit lists a Payment's filterable fields as Id, CustomerRef, TxnDate and the MetaData times;
        # PaymentRefNum is not among them. Ask for the customer's payments of that day, and pick ours by
        # its reference number and private-note marker (_same_record).
        return (f"SELECT * FROM Payment WHERE CustomerRef = {_q(customer)} AND TxnDate = {_q(body['TxnDate'])} "
                "MAXRESULTS 1000")
    return ""


def _has_marker(text: str, marker: str) -> bool:
    """``marker`` in ``text`` as a whole: "Clio payment 9" must not be found in "Clio payment 90"."""
    return re.search(re.escape(marker) + r"(?!\d)", text) is not None


def _same_record(entity: str, sent: dict[str, Any], found: dict[str, Any]) -> bool:
    """Whether a record the lookup query returned is the one we sent: same identifying number, same marker."""
    if entity == "Payment" and str(found.get("PaymentRefNum") or "") != str(sent.get("PaymentRefNum") or ""):
        return False
    marker = str(sent.get("PrivateNote") or sent.get("Notes") or "")
    return not marker or _has_marker(str(found.get("PrivateNote") or found.get("Notes") or ""), marker)


def closed_period(exc: QboError) -> bool:
    """QuickBooks' refusal of a write dated in a closed period. Vendors quote its message ("Account Period
    Closed, Cannot Update Through Services API"; "The account period has closed ..."); the code, 6210 in our
    reading of Intuit's list, is not confirmed by a page we could reach, so the words count too."""
    text = f"{exc.what} {exc}".lower()
    return exc.code == "6210" or "account period closed" in text or "account period has closed" in text
