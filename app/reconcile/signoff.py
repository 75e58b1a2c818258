"""What a person does to a reconciliation: match and unmatch by hand, and sign a period off.

Every action is audited. A signed-off period is locked: the matches its report made cannot be undone or
remade, and it is never recomputed; bank lines dated in it that arrive later are carried into the next
open period as adjustments (see ``app.bank.importer``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from app.money import fmt, loads_json
from app.reconcile import report
from app.reconcile.engine import reconcile
from app.reconcile.load import ReconcileError, parse_period
from app.reconcile.records import Reconciliation, SignOff
from app.store import Store, audit
from app.store.db import utcnow


class PeriodLocked(ReconcileError):
    """A change that would alter a signed-off period."""


def _check_unlocked(store: Store, account: str, bank_ids: Iterable[int], txn_ids: Iterable[int]) -> None:
    b, t = set(bank_ids), set(txn_ids)
    for period, (sb, st) in report.settled_in(store, account).items():
        if b & sb or t & st:
            raise PeriodLocked(
                f"These items were reconciled in {period}, which is signed off",
                kept="The match was left as it was signed.",
                next_step="Record the correction in the current period (an adjusting entry in Clio), not in "
                f"{period}.",
            )


def _bank_amounts(store: Store, account: str, bank_ids: list[int]) -> Decimal:
    if not bank_ids:
        return Decimal("0.00")
    rows = store.query(
        f"SELECT id, amount FROM bank_lines WHERE account = ? AND id IN ({','.join('?' * len(bank_ids))})",
        (account, *bank_ids),
    )
    if len(rows) != len(set(bank_ids)):
        missing = sorted(set(bank_ids) - {r["id"] for r in rows})
        raise ReconcileError(f"Bank lines {missing} are not on the account {account!r}", kept="Nothing was changed.")
    return sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))


def _txn_amounts(store: Store, txn_ids: list[int]) -> Decimal:
    if not txn_ids:
        return Decimal("0.00")
    rows = store.query(
        f"SELECT clio_id, raw FROM clio_records WHERE kind = 'bank_transactions' "
        f"AND clio_id IN ({','.join('?' * len(txn_ids))})",
        tuple(txn_ids),
    )
    if len(rows) != len(set(txn_ids)):
        missing = sorted(set(txn_ids) - {r["clio_id"] for r in rows})
        raise ReconcileError(f"Clio bank transactions {missing} are not in the local copy", kept="Nothing was changed.")
    from app.clio.normalize import to_trust_txn

    return sum((to_trust_txn(loads_json(r["raw"])).amount for r in rows), Decimal("0.00"))


def match(
    store: Store, account: str, bank_ids: Iterable[int], txn_ids: Iterable[int], *, actor: str, note: str = ""
) -> int:
    """Match bank lines to journal entries by hand; the amounts must agree. Returns the match's id."""
    b, t = sorted(set(bank_ids)), sorted(set(txn_ids))
    if not b or not t:
        raise ReconcileError("A match needs at least one bank line and one journal entry", kept="Nothing was changed.")
    bank_total, txn_total = _bank_amounts(store, account, b), _txn_amounts(store, t)
    if bank_total != txn_total:
        raise ReconcileError(
            f"The bank lines add up to {fmt(bank_total)} but the journal entries to {fmt(txn_total)}",
            kept="Nothing was matched.",
            next_step="Pick items whose amounts agree; a difference belongs in its own journal entry.",
        )
    _check_unlocked(store, account, b, t)
    with store.transaction() as conn:
        for row in conn.execute(
            "SELECT id, bank_line_ids, txn_ids FROM recon_matches WHERE account = ? AND kind = 'manual' "
            "AND removed_at IS NULL", (account,),
        ):
            if set(json.loads(row["bank_line_ids"])) & set(b) or set(json.loads(row["txn_ids"])) & set(t):
                raise ReconcileError(
                    f"Some of these items are already in manual match #{row['id']}",
                    kept="Nothing was changed.",
                    next_step="Unmatch that first.",
                )
        cur = conn.execute(
            "INSERT INTO recon_matches (account, kind, bank_line_ids, txn_ids, note, created_by, created_at) "
            "VALUES (?, 'manual', ?, ?, ?, ?, ?)",
            (account, json.dumps(b), json.dumps(t), note, actor, utcnow()),
        )
        match_id = int(cur.lastrowid or 0)
        audit.append(
            store, actor=actor, action="reconcile.matched", clio_kind="bank_transactions",
            clio_id=",".join(map(str, t)), sent={"bank_line_ids": b, "txn_ids": t},
            detail=f"{account}: manual match #{match_id} of {fmt(bank_total)}" + (f" ({note})" if note else ""),
        )
    return match_id


def unmatch(
    store: Store,
    account: str,
    *,
    actor: str,
    reason: str,
    match_id: int | None = None,
    bank_ids: Iterable[int] = (),
    txn_ids: Iterable[int] = (),
) -> None:
    """Undo a manual match (``match_id``), or reject an automatic pairing (``bank_ids`` with ``txn_ids``)
    so the matcher never makes it again."""
    if not reason.strip():
        raise ReconcileError("Unmatching needs a written reason", kept="Nothing was changed.")
    with store.transaction() as conn:
        if match_id is not None:
            row = conn.execute(
                "SELECT * FROM recon_matches WHERE id = ? AND account = ? AND kind = 'manual' AND removed_at IS NULL",
                (match_id, account),
            ).fetchone()
            if row is None:
                raise ReconcileError(f"There is no open manual match #{match_id} on {account!r}", kept="Nothing was changed.")
            b, t = json.loads(row["bank_line_ids"]), json.loads(row["txn_ids"])
            _check_unlocked(store, account, b, t)
            conn.execute(
                "UPDATE recon_matches SET removed_by = ?, removed_at = ?, note = note || ? WHERE id = ?",
                (actor, utcnow(), f" | unmatched: {reason.strip()}", match_id),
            )
            detail = f"{account}: manual match #{match_id} undone: {reason.strip()}"
        else:
            b, t = sorted(set(bank_ids)), sorted(set(txn_ids))
            if not b or not t:
                raise ReconcileError("Say which match to undo", kept="Nothing was changed.")
            _check_unlocked(store, account, b, t)
            conn.execute(
                "INSERT INTO recon_matches (account, kind, bank_line_ids, txn_ids, note, created_by, created_at) "
                "VALUES (?, 'reject', ?, ?, ?, ?, ?)",
                (account, json.dumps(b), json.dumps(t), reason.strip(), actor, utcnow()),
            )
            detail = f"{account}: automatic match rejected: {reason.strip()}"
        audit.append(
            store, actor=actor, action="reconcile.unmatched", clio_kind="bank_transactions",
            clio_id=",".join(map(str, t)), sent={"bank_line_ids": b, "txn_ids": t}, detail=detail,
        )


def sign_off(
    store: Store,
    account: str,
    period: str,
    *,
    prepared_by: str,
    reviewed_by: str,
    signed_on: dt.date | None = None,
    note: str = "",
    qbo_liability: Decimal | None = None,
    qbo_ledgers: Mapping[int, Decimal] | None = None,
) -> Reconciliation:
    """Sign off and lock ``period``: its report is stored with a digest and reproduced from then on."""
    parse_period(period)
    if not prepared_by.strip() or not reviewed_by.strip():
        raise ReconcileError("A sign-off needs who prepared it and who reviewed it", kept="The period is still open.")
    if prepared_by.strip().lower() == reviewed_by.strip().lower():
        raise ReconcileError(
            "The reviewer must be a different person from the preparer",
            kept="The period is still open.",
            next_step="Ask a second person (usually the responsible lawyer) to review it.",
        )
    if report.load_signed(store, account, period) is not None:
        raise PeriodLocked(f"{account} for {period} is already signed off", kept="The signed report is unchanged.")
    rec = reconcile(store, account, period, qbo_liability=qbo_liability, qbo_ledgers=qbo_ledgers)
    if not rec.tied and not note.strip():
        raise ReconcileError(
            "This reconciliation does not tie, so the sign-off needs a note explaining the open items",
            kept="The period is still open.",
        )
    text = report.to_json(rec)
    digest = audit.digest(text)
    when = signed_on or dt.date.today()
    signoff = SignOff(prepared_by.strip(), reviewed_by.strip(), when, note.strip(), utcnow(), digest)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO recon_periods (account, period, prepared_by, reviewed_by, signed_on, note, report, "
            "report_digest, signed_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (account, period, signoff.prepared_by, signoff.reviewed_by, when.isoformat(), signoff.note, text,
             digest, signoff.signed_at),
        )
        audit.append(
            store, actor=signoff.prepared_by, action="reconcile.signed_off", sent=text,
            detail=f"{account} {period} prepared by {signoff.prepared_by}, reviewed by {signoff.reviewed_by}; "
            f"{'tied' if rec.tied else 'open items noted'}; report {digest[:12]}",
        )
    return replace(rec, signoff=signoff)


__all__ = ["PeriodLocked", "match", "sign_off", "unmatch"]
