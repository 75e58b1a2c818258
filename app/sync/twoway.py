"""Reading QuickBooks back: the directory (accounts, items, customers, vendors) and what changed there.

The first run reads the lists whole; later runs read one change-data-capture request since the last run.
When the last read is older than CDC reaches back (30 days), the transactions are read whole instead and
what changed since that read is compared as CDC would have reported it (a linked one missing = deleted).
A synced invoice, payment or journal entry that was edited or deleted in QuickBooks, or a payment entered
only in QuickBooks against a synced invoice, becomes an exception showing both versions: never an
overwrite. Our own writes are told apart by comparing a fingerprint of the money fields with the version we
wrote (QuickBooks moves an invoice's SyncToken when a payment is applied; that is not an edit).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from app.clients import QboBooks
from app.clio.normalize import parse_date
from app.money import dumps_json
from app.store import cache, cursors, links, settings
from app.store import exceptions as exq
from app.store.db import Store
from app.sync import cutover
from app.sync.actions import content_hash
from app.sync.plan import exception_kind
from app.sync.rules import MARKER

log = logging.getLogger("ledgerbridge.sync")
DIRECTORY = ("Account", "Item", "Customer", "Vendor")
WATCHED = ("Invoice", "Payment", "JournalEntry", "CreditMemo")
# What a company held before its first sync (Clio's own connector, a person): read whole once, so that it is
# linked instead of created again (``app.sync.existing``).
EXISTING = ("Invoice", "Payment", "JournalEntry", "Deposit")
CDC_STREAM = "qbo:cdc"  # the cursor of QuickBooks' change data capture: "<ISO time> <qbo|local>"
LEGACY_CDC_KEYS = ("sync.qbo_cdc_since", "sync.qbo_cdc_clock")  # where databases before it kept the bookmark
PREFS_KEY = "sync.qbo_custom_txn_numbers"
FIRM_NAME_KEY = "firm_name"  # read by the reconciliation's reports
OVERLAP = dt.timedelta(minutes=5)  # for a bookmark on this computer's clock (skew against Intuit's)
QBO_CLOCK_OVERLAP = dt.timedelta(seconds=2)  # for a bookmark on QuickBooks' own clock
CDC_CAP = 1000  # objects in one CDC answer, at most (QuickBooks truncates silently beyond it)
CDC_MAX_AGE = dt.timedelta(days=29)


def _refs(value: Any) -> Any:
    if isinstance(value, dict):
        if "value" in value and set(value) <= {"value", "name", "type"}:
            return str(value["value"])
        return {k: _refs(v) for k, v in sorted(value.items()) if k not in ("Id", "LineNum", "name")}
    if isinstance(value, list):
        return [_refs(v) for v in value]
    return str(value)


def fingerprint(obj: dict[str, Any]) -> str:
    """What a person would call the content of a transaction: customer, date, number, lines and money."""
    keep = {k: obj.get(k) for k in ("CustomerRef", "TxnDate", "DocNumber", "TotalAmt", "DepositToAccountRef")
            if obj.get(k) not in (None, "")}
    lines = []
    for ln in obj.get("Line") or []:
        if ln.get("DetailType") == "SubTotalLineDetail":
            continue
        lines.append({k: ln.get(k) for k in ("Amount", "DetailType", "LinkedTxn", "SalesItemLineDetail",
                                               "JournalEntryLineDetail", "DiscountLineDetail") if k in ln})
    keep["Line"] = lines
    return content_hash(_refs(keep))


def _ours(obj: dict[str, Any]) -> bool:
    return MARKER in str(obj.get("PrivateNote") or "")


def refresh(store: Store, qbo: QboBooks, run_started: dt.datetime, *, actor: str = "sync") -> dict[str, int]:
    """Bring the QBO side of the cache up to date and raise conflicts; returns counts for the summary."""
    since, clock = cdc_bookmark(store)
    counts = {"conflicts": 0, "changed": 0}
    if since is None or run_started - since > CDC_MAX_AGE:
        # First run, or the last read is older than QuickBooks' change data capture reaches back (30 days):
        # read the lists whole instead of asking CDC for a date it refuses.
        if since is not None:
            log.warning("last QuickBooks read (%s) is older than CDC allows: re-reading transactions whole",
                        since.isoformat())
        _read_whole(store, qbo, since, actor, counts)
    else:
        overlap = QBO_CLOCK_OVERLAP if clock == "qbo" else OVERLAP
        changed = qbo.cdc([*DIRECTORY, *WATCHED], (since - overlap).isoformat(timespec="seconds"))
        server_time = _server_time(getattr(qbo, "last_cdc_time", ""))
        if sum(len(rows) for rows in changed.values()) >= CDC_CAP:
            # QuickBooks returns at most 1,000 objects from one CDC call and drops the rest without saying
            # so: what changed beyond them (someone's edit, a deletion) is read by paged queries instead.
            log.warning("QuickBooks' change list since %s reached its cap of %d objects: reading the lists whole",
                        since.isoformat(), CDC_CAP)
            _read_whole(store, qbo, since, actor, counts)
            _bookmark(store, server_time, run_started)
            return counts
        with store.transaction():
            for entity in DIRECTORY:
                for row in changed.get(entity, []):
                    counts["changed"] += _is_new_version(store, entity, row)
                    cache.put_qbo(store, entity, row, deleted=row.get("status") == "Deleted")
        for entity in WATCHED:
            for row in changed.get(entity, []):
                # the overlap brings back our own last writes: only a new version counts as a change
                counts["changed"] += _is_new_version(store, entity, row)
                counts["conflicts"] += _compare(store, entity, row, actor)
        _bookmark(store, server_time, run_started)
        return counts
    _bookmark(store, None, run_started)
    return counts


def _server_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def cdc_bookmark(store: Store) -> tuple[dt.datetime | None, str]:
    """Where the next CDC starts, and on whose clock ("qbo" or "local"); (None, "") before the first read."""
    text = cursors.get(store, CDC_STREAM)
    if not text and (legacy := settings.get(store, LEGACY_CDC_KEYS[0])):
        text = f"{legacy} {settings.get(store, LEGACY_CDC_KEYS[1]) or 'local'}"
    if not text:
        return None, ""
    when, _, clock = text.partition(" ")
    try:
        return dt.datetime.fromisoformat(when), clock or "local"
    except ValueError:
        log.warning("the QuickBooks change bookmark %r cannot be read: reading the lists whole", text)
        return None, ""


def set_cdc_bookmark(store: Store, when: dt.datetime, clock: str) -> None:
    cursors.put(store, CDC_STREAM, f"{when.isoformat()} {clock}")
    for key in LEGACY_CDC_KEYS:
        if settings.get(store, key) is not None:
            settings.delete(store, key)


def _bookmark(store: Store, server_time: dt.datetime | None, run_started: dt.datetime) -> None:
    """Where the next CDC starts: QuickBooks' own time of this answer when it gave one (so a sync's own writes
    of a few minutes ago are not read back as changes), else this computer's time at the run's start."""
    if server_time is not None:
        set_cdc_bookmark(store, server_time.astimezone(dt.UTC), "qbo")
    else:
        set_cdc_bookmark(store, run_started, "local")


def _read_whole(store: Store, qbo: QboBooks, since: dt.datetime | None, actor: str, counts: dict[str, int]) -> None:
    """The directory lists read whole, page by page, and (after an earlier read) every watched transaction
    compared as a CDC row would be."""
    for entity in DIRECTORY:
        for row in qbo.query_all(entity):
            cache.put_qbo(store, entity, row)
    prefs = qbo.preferences()
    settings.put(store, PREFS_KEY, bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers", True)))
    cutover.remember_closing_date(store, prefs)
    # The firm's name as QuickBooks has it, for the reports' Firm cell (read with the directory).
    info = qbo.read("CompanyInfo", qbo.realm_id)
    settings.put(store, FIRM_NAME_KEY, str(info.get("LegalName") or info.get("CompanyName") or ""))
    if since is None:
        for entity in EXISTING:
            for page in qbo.query_pages(entity):
                with store.transaction():
                    for row in page:
                        cache.put_qbo(store, entity, row)
    else:
        reread = _reread_watched(store, qbo, since, actor)
        counts["changed"] += reread["changed"]
        counts["conflicts"] += reread["conflicts"]


def _updated_at(row: dict[str, Any]) -> dt.datetime | None:
    text = (row.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _reread_watched(store: Store, qbo: QboBooks, since: dt.datetime, actor: str) -> dict[str, int]:
    """What CDC would have said since ``since``, from whole reads: every watched transaction changed since
    then is compared as a CDC row would be, and a linked one QuickBooks no longer has counts as deleted.
    Read page by page: a large firm's invoices need not be held at once."""
    counts = {"conflicts": 0, "changed": 0}
    cutoff = since - OVERLAP
    linked = [lk for lk in links.all_links(store).values() if lk.state == "posted"]
    for entity in WATCHED:
        seen: set[str] = set()
        for page in qbo.query_pages(entity):
            for row in page:
                seen.add(str(row.get("Id")))
                moment = _updated_at(row)
                if moment is not None and moment < cutoff:
                    continue  # unchanged since the last read: CDC would not have shown it either
                counts["changed"] += _is_new_version(store, entity, row)
                counts["conflicts"] += _compare(store, entity, row, actor)
        for lk in linked:
            if lk.qbo_entity == entity and lk.qbo_id not in seen:
                # deleted in QuickBooks while nobody was reading its changes: the tombstone CDC would give
                counts["changed"] += 1
                counts["conflicts"] += _compare(store, entity, {"Id": lk.qbo_id, "status": "Deleted"}, actor)
    return counts


def _is_new_version(store: Store, entity: str, row: dict[str, Any]) -> int:
    known = cache.get_qbo(store, entity, str(row.get("Id")))
    if known is None:
        return 1
    deleted = row.get("status") == "Deleted"
    return int(deleted != (known.get("status") == "Deleted") or str(known.get("SyncToken")) != str(
        row.get("SyncToken", known.get("SyncToken"))))


def _compare(store: Store, entity: str, row: dict[str, Any], actor: str) -> int:
    qbo_id = str(row.get("Id"))
    link = links.by_qbo(store, entity, qbo_id)
    if link is None:
        if entity == "Payment" and not _ours(row) and row.get("status") != "Deleted":
            if not _is_new_version(store, entity, row):
                return 0  # reported already: the CDC overlap brings the same version back
            with store.transaction():
                found = _foreign_payment(store, row, actor)
                cache.put_qbo(store, entity, row)  # the version reported, so the overlap does not repeat it
            return found
        return 0
    known = cache.get_qbo(store, entity, qbo_id)
    key = (link.clio_kind, link.clio_id, link.role)
    label = f"{entity} {qbo_id} (Clio {link.clio_kind} {link.clio_id})"
    if row.get("status") == "Deleted":
        if link.state in ("deleted", "voided"):
            return 0
        with store.transaction():
            exq.add(store, kind=entity.lower(), clio_kind=exception_kind(key), clio_id=link.clio_id,
                    reason_code="deleted_in_qbo",
                    message=f"{label} was deleted in QuickBooks after Ledgerbridge posted it. It was not posted "
                            "again; decide whether to retry (post it again) or dismiss.",
                    attempted={"ledgerbridge": known, "quickbooks": row}, actor=actor)
            # The link no longer stands for a live QuickBooks object: the planner must neither update it nor
            # pay against it, and the CDC overlap that brings the same deletion back next run must not raise
            # it again (the state check above). The version we posted stays in the cache, marked deleted.
            links.put(store, clio_kind=link.clio_kind, clio_id=link.clio_id, role=link.role,
                      clio_etag=link.clio_etag, content_hash=link.content_hash, qbo_entity=link.qbo_entity,
                      qbo_id=link.qbo_id, qbo_sync_token=link.qbo_sync_token, state="deleted")
            if known is not None:
                cache.put_qbo(store, entity, known, deleted=True)
        return 1
    if known is not None and fingerprint(known) != fingerprint(row):
        voided = str(row.get("PrivateNote", "")).startswith("Voided") or row.get("TotalAmt") in (0, "0")
        if link.state == "voided" and voided:
            return 0
        if str(row.get("SyncToken", "")) == link.qbo_sync_token:
            return 0  # this very QuickBooks version was reported already (the CDC overlap brings it back)
        with store.transaction():
            exq.add(store, kind=entity.lower(), clio_kind=exception_kind(key), clio_id=link.clio_id,
                    reason_code="edited_in_qbo",
                    message=f"{label} was changed in QuickBooks after Ledgerbridge posted it; the two versions "
                            "are shown side by side. Nothing was overwritten: correct one side, then retry or "
                            "dismiss.",
                    attempted={"ledgerbridge": known, "quickbooks": row}, actor=actor)
            # Remember which version was reported. The cache keeps ours for the comparison; the planner's
            # guard against overwriting is the open exception, not a stale SyncToken.
            links.set_sync_token(store, entity, qbo_id, str(row.get("SyncToken", "")))
        return 1
    # Only QuickBooks' own bookkeeping moved (e.g. a payment applied): remember the new SyncToken.
    links.set_sync_token(store, entity, qbo_id, str(row.get("SyncToken", "")))
    if known is not None:
        cache.put_qbo(store, entity, {**known, "SyncToken": row.get("SyncToken", known.get("SyncToken"))})
    return 0


def _foreign_payment(store: Store, row: dict[str, Any], actor: str) -> int:
    found = 0
    for ln in row.get("Line") or []:
        for txn in ln.get("LinkedTxn") or []:
            if txn.get("TxnType") != "Invoice":
                continue
            link = links.by_qbo(store, "Invoice", str(txn.get("TxnId")))
            if link is None:
                continue
            bill = cache.get_clio(store, "bills", link.clio_id) or {}
            exq.add(store, kind="invoice", clio_kind=exception_kind((link.clio_kind, link.clio_id, link.role)),
                    clio_id=link.clio_id, reason_code="payment_only_in_qbo",
                    message=f"A payment of {ln.get('Amount')} was entered in QuickBooks only (payment {row.get('Id')}"
                            f" dated {parse_date(row.get('TxnDate'))}) against invoice {bill.get('number', '')}, "
                            "which comes from Clio. Record the payment in Clio (and delete it in QuickBooks) so "
                            "it is not counted twice.",
                    attempted={"clio": {k: bill.get(k) for k in ("number", "total", "paid", "balance", "state")},
                               "quickbooks": row}, actor=actor)
            found += 1
    return found


def directory(store: Store) -> dict[str, list[dict[str, Any]]]:
    return {entity: list(cache.iter_qbo(store, entity)) for entity in DIRECTORY}


def doc_numbers_on(store: Store) -> bool:
    return bool(settings.get(store, PREFS_KEY, True))


def describe(obj: Any) -> str:
    return dumps_json(obj)
