"""The exception queue page's calls: its rows with client and matter names, both sides' stored versions, and what
a person does with an item. Worker thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.model import ExceptionItem
from app.store import cache, links
from app.store import exceptions as exq
from ui.context import AppContext
from ui.tasks import Changes


@dataclass(frozen=True)
class ExceptionRow:
    item: ExceptionItem
    client: str
    matter: str
    age_days: int


def load_exceptions(ctx: AppContext, *, include_closed: bool = False) -> list[ExceptionRow]:
    items = exq.list_items(ctx.store, status=None if include_closed else exq.WAITING)
    names = _names(ctx)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for item in items:
        client, matter = _who(ctx, item, names)
        try:
            age = (now - dt.datetime.fromisoformat(item.created_at)).days
        except ValueError:
            age = 0
        rows.append(ExceptionRow(item, client, matter, age))
    return rows


def _names(ctx: AppContext) -> dict[tuple[str, str], tuple[str, str]]:
    return cache.client_and_matter_names(ctx.store)


def _who(ctx: AppContext, item: ExceptionItem, names: dict[tuple[str, str], tuple[str, str]]) -> tuple[str, str]:
    hit = names.get((item.clio_kind, item.clio_id))
    if hit:
        return hit
    owner = cache.owner_of(ctx.store, item.clio_kind, item.clio_id)
    if owner is None:
        return "", ""
    client_id, matter_id = owner
    matter = names.get(("matters", str(matter_id)), ("", ""))[1] if matter_id is not None else ""
    return cache.contact_name(ctx.store, client_id), matter


def exception_versions(ctx: AppContext, item: ExceptionItem) -> tuple[str, str]:
    """Both sides' stored versions of the record: the Clio JSON and the linked QBO JSON (if any)."""
    entity, _, qid = (item.qbo_ref or "").partition(":")
    if not qid and (link := links.first_of(ctx.store, item.clio_kind, item.clio_id)) is not None:
        entity, qid = link
    qbo = ""
    if qid:
        found = cache.qbo_text(ctx.store, entity, qid)
        qbo = found if found is not None else f"{entity} {qid} (not in the local cache)"
    return cache.clio_text(ctx.store, item.clio_kind, item.clio_id), qbo


def retry_exceptions(ctx: AppContext, ids: list[int]) -> Changes:
    for item_id in ids:
        exq.request_retry(ctx.store, item_id, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def link_exception(ctx: AppContext, item_id: int, qbo_entity: str, qbo_id: str) -> Changes:
    exq.link_existing(ctx.store, item_id, qbo_entity=qbo_entity, qbo_id=qbo_id, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def post_exception_anyway(ctx: AppContext, item_id: int, reason: str) -> Changes:
    exq.post_anyway(ctx.store, item_id, reason=reason, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def dismiss_exception(ctx: AppContext, item_id: int, reason: str) -> Changes:
    exq.dismiss(ctx.store, item_id, reason=reason, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def choose_exception(ctx: AppContext, item_id: int, choice: str) -> Changes:
    exq.choose(ctx.store, item_id, choice, actor=ctx.actor)
    return Changes(exceptions=True, audit=True)


def assign_exceptions(ctx: AppContext, ids: list[int], owner: str) -> Changes:
    """Name the person handling each exception; an empty owner puts them back to unassigned."""
    for item_id in ids:
        exq.assign(ctx.store, item_id, owner=owner.strip(), actor=ctx.actor)
    return Changes(exceptions=True, audit=True)
