"""The audit page's calls: searches by Clio id, QuickBooks id, bill number or client, and the chain's check.
Worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.model import AuditEntry
from app.store import audit, cache
from ui.context import AppContext


@dataclass(frozen=True)
class AuditQuery:
    clio_id: str = ""
    qbo_id: str = ""
    doc_number: str = ""
    client: str = ""
    limit: int = 2000


@dataclass(frozen=True)
class AuditResult:
    entries: list[AuditEntry] = field(default_factory=list)
    note: str = ""


def search_audit(ctx: AppContext, q: AuditQuery) -> AuditResult:
    store = ctx.store
    if q.qbo_id:
        seen: dict[int, AuditEntry] = {}
        for entity in audit.qbo_entities_of(store, q.qbo_id):
            for e in audit.trace_qbo(store, entity, q.qbo_id):
                seen[e.seq] = e
        return AuditResult([seen[k] for k in sorted(seen)])
    if q.clio_id:
        return AuditResult(audit.history(store, clio_id=q.clio_id, limit=q.limit))
    if q.doc_number:
        bill_id = cache.bill_id_by_number(store, q.doc_number)
        if bill_id is None:
            return AuditResult([], f"No Clio bill numbered {q.doc_number} is in the local cache.")
        return AuditResult(audit.history(store, clio_kind="bills", clio_id=bill_id, limit=q.limit))
    if q.client:
        # an indexed query over the client's records (app.store.audit.client_history); with no such client
        # in the cache, the entries whose text mentions the name
        if not audit.client_ids(store, q.client):
            found = audit.history(store, text=q.client, limit=q.limit)
            return AuditResult(found, f"No Clio client named like '{q.client}' is in the local cache; "
                                      f"{len(found)} entries mention it.")
        return AuditResult(audit.client_history(store, q.client, limit=q.limit))
    return AuditResult(audit.latest(store, q.limit))


def record_history(ctx: AppContext, entry: AuditEntry) -> list[AuditEntry]:
    """Every event on the record this entry is about (its Clio source, or its QBO transaction)."""
    if entry.qbo_entity and entry.qbo_id:
        return audit.trace_qbo(ctx.store, entry.qbo_entity, entry.qbo_id)
    if entry.clio_kind and entry.clio_id:
        return audit.history(ctx.store, clio_kind=entry.clio_kind, clio_id=entry.clio_id)
    return [entry]


def verify_audit(ctx: AppContext) -> audit.VerifyResult:
    return audit.verify(ctx.store)
