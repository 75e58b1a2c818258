"""The plan's vocabulary: an Action per QuickBooks write, a Hold per record that cannot be posted.

Bodies are built before the QuickBooks ids they point at exist: a reference is written as
``{"$ref": [kind, id, role]}`` (becomes ``{"value": qbo_id}``) or ``{"$id": [...]}`` (becomes the bare id)
and resolved from the links just before the outbox row is written. The content hash is taken over the
unresolved body, so it depends only on Clio data and the mapping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.model import Posting
from app.money import dumps_json

Key = tuple[str, int, str]  # (Clio kind, Clio id, role)

# Waves: a batch item cannot see another created in the same batch, so dependents go in a later wave.
WAVE_CUSTOMER, WAVE_JOB, WAVE_UNAPPLY, WAVE_DOC, WAVE_PAYMENT, WAVE_VOID = 0, 1, 2, 3, 4, 5


def ref(key: Key) -> dict[str, Any]:
    return {"$ref": list(key)}


def ref_id(key: Key) -> dict[str, Any]:
    return {"$id": list(key)}


def content_hash(body: Any) -> str:
    return hashlib.sha256(dumps_json(body).encode()).hexdigest()[:32]


def request_id(key: Key, operation: str, chash: str, generation: int = 0) -> str:
    """Deterministic: the same intent (record, role, operation, content, retry generation) → the same id.

    34 characters, inside QuickBooks' 36-character limit for batch items.
    """
    seed = f"{key[0]}|{key[1]}|{key[2]}|{operation}|{chash}|{generation}"
    return "lb" + hashlib.sha256(seed.encode()).hexdigest()[:32]


@dataclass
class Action:
    key: Key
    operation: str  # create | update | void | delete | link
    entity: str
    body: dict[str, Any]
    wave: int
    label: str
    needs: tuple[Key, ...] = ()
    etag: str = ""
    amount: Decimal | None = None
    posting: Posting | None = None
    is_trust: bool = False
    trust_accounts: tuple[str, ...] = ()  # the only QBO accounts a trust posting may touch
    notes: tuple[str, ...] = ()  # name adaptations and other things the bookkeeper should see
    group: str = ""  # actions that belong together are sent in the same batch
    generation: int = 0  # bumped by a person's retry, so a refused request is not answered from cache
    link_to: str = ""  # for "link": the existing QuickBooks id
    txn_date: dt.date | None = None  # the record's date where the body has none (a void), for the closing date
    chash: str = field(default="")

    def __post_init__(self) -> None:
        if not self.chash:
            self.chash = content_hash({"entity": self.entity, "body": self.body})

    @property
    def request_id(self) -> str:
        return request_id(self.key, self.operation, self.chash, self.generation)

    def describe(self) -> dict[str, Any]:
        """The dry-run view: what would be sent, with every posting line's account and amount."""
        out: dict[str, Any] = {
            "record": f"{self.key[0]} {self.key[1]}" + (f" ({self.key[2]})" if self.key[2] != "main" else ""),
            "operation": self.operation,
            "entity": self.entity,
            "label": self.label,
        }
        if self.link_to:
            out["qbo_id"] = self.link_to
        if self.amount is not None:
            out["amount"] = str(self.amount)
        if self.posting is not None:
            out["lines"] = [
                {"account": ln.account_id, "side": ln.posting.value, "amount": str(ln.amount),
                 **({"customer": ln.customer_id} if ln.customer_id else {})}
                for ln in self.posting.lines
            ]
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True, slots=True)
class Hold:
    key: Key
    reason_code: str
    message: str
    attempted: Any = None
    blocked_by: Key | None = None
    silent: bool = False  # already waiting in the queue for a person: count it, do not add it again

    @property
    def kind(self) -> str:
        return kind_word(self.key)


def kind_word(key: Key) -> str:
    """What a bookkeeper calls a record of this Clio kind in QuickBooks."""
    if key[0] == "bank_transactions" and key[2] == "operating":
        return "operating side of a transfer from trust"
    return {"contacts": "customer", "matters": "sub-customer", "bills": "invoice", "payments": "payment",
            "allocations": "payment",
            "bank_transactions": "trust posting", "credit_memos": "credit memo",
            "opening_balances": "opening trust balance"}.get(key[0], key[0])


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    before_cutover: int = 0  # records dated before the cutover that QuickBooks does not get (see app.sync.cutover)

    def by_wave(self) -> dict[int, list[Action]]:
        waves: dict[int, list[Action]] = {}
        for a in self.actions:
            waves.setdefault(a.wave, []).append(a)
        return dict(sorted(waves.items()))

    def describe(self) -> list[dict[str, Any]]:
        return [a.describe() for a in self.actions]
