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
from app.reconcile.load import ReconcileError, next_period, parse_period
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
    resolutions: Mapping[str, str] | None = None,
) -> Reconciliation:
    """Sign off and lock ``period``: its report is stored with a digest and reproduced from then on.
    ``resolutions`` (open item key → what was done about it) must answer every alert and warning; they are
    kept in the signed report."""
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
    when = signed_on or dt.date.today()
    _check_in_order(store, account, period, when)
    rec = reconcile(store, account, period, qbo_liability=qbo_liability, qbo_ledgers=qbo_ledgers)
    _check_opening(store, account, period, rec)
    if not rec.tied and not note.strip():
        raise ReconcileError(
            "This reconciliation does not tie, so the sign-off needs a note explaining the open items",
            kept="The period is still open.",
        )
    given = {k: v.strip() for k, v in (resolutions or {}).items() if v and v.strip()}
    missing = [(key, f) for key, f in rec.open_items if key not in given]
    if missing:
        raise ReconcileError(
            f"{len(missing)} open items have no written resolution: "
            + "; ".join(f"{key} ({f.message[:80]})" for key, f in missing[:10]),
            kept="The period is still open.",
            next_step="Write what was done (or will be done) about each alert and warning, then sign off.")
    rec = replace(rec, resolutions=tuple((key, given[key]) for key, _f in rec.open_items),
                  audit_head=audit.head(store))
    text = report.to_json(rec)
    digest = audit.digest(text)
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
            f"{rec.result.value.lower()}; {len(rec.resolutions)} items resolved in writing; report {digest[:12]}",
        )
    return replace(rec, signoff=signoff)


def _check_in_order(store: Store, account: str, period: str, when: dt.date) -> None:
    """Months are signed off once they are over, one after another: the month after the last one signed."""
    _start, end = parse_period(period)
    if when <= end:
        raise ReconcileError(f"{period} is not over yet (it ends {end.isoformat()}), so it cannot be signed off",
                             kept="The period is still open.", next_step="Sign it off after the month has ended.")
    signed = report.signed_periods(store).get(account, [])
    if signed and period < signed[-1]:
        raise PeriodLocked(f"{account} is signed off through {signed[-1]}; {period} comes before it",
                           kept="Nothing was changed.",
                           next_step=f"To change {period}, reopen the months from {signed[-1]} back to it.")
    if signed and period != next_period(signed[-1]):
        raise ReconcileError(
            f"{account} was last signed off for {signed[-1]}: months are signed off in order, so "
            f"{next_period(signed[-1])} comes next, not {period}", kept="The period is still open.",
            next_step=f"Reconcile and sign off {next_period(signed[-1])} first.")


def _check_opening(store: Store, account: str, period: str, rec: Reconciliation) -> None:
    """A month opens where the last signed one closed: the bank statement and the trust journal."""
    signed = report.signed_periods(store).get(account, [])
    if not signed:
        return
    last = report.load_signed(store, account, signed[-1])
    assert last is not None
    # ``rec.journal`` holds the period's entries: the journal opened at its closing balance less them.
    journal_opening = rec.journal_balance - sum((t.amount for t in rec.journal), Decimal("0.00"))
    problems = []
    if last.statement_balance is not None and rec.statement_balance is not None:
        # the bank's opening for this month: its closing balance less the month's lines
        bank_opening = rec.statement_balance - sum((b.amount for b in rec.bank_lines
                                                    if rec.start <= b.date <= rec.end), Decimal("0.00"))
        if bank_opening != last.statement_balance:
            problems.append(f"the bank opens at {fmt(bank_opening)} but {signed[-1]} closed at "
                            f"{fmt(last.statement_balance)}")
    if journal_opening != last.journal_balance:
        problems.append(f"the trust journal opens at {fmt(journal_opening)} but {signed[-1]} closed at "
                        f"{fmt(last.journal_balance)} (something dated in {signed[-1]} changed after its sign-off)")
    if problems:
        raise ReconcileError(f"{period} does not open where the signed {signed[-1]} closed: " + "; ".join(problems),
                             kept="The period is still open.",
                             next_step=f"Find what changed, or reopen {signed[-1]} (with a reason) and sign it off "
                                       "again.")


def reopen(store: Store, account: str, period: str, *, reason: str, actor: str) -> None:
    """Reopen the last signed-off month: its signed report is kept (``recon_reopened``), the reopening is
    audited, and the month needs a new sign-off. Only the latest signed month can be reopened (later ones
    were signed on its closing)."""
    if not reason.strip():
        raise ReconcileError("Reopening a signed-off month needs a reason", kept=f"{period} stays signed off.")
    signed = report.signed_periods(store).get(account, [])
    if period not in signed:
        raise ReconcileError(f"{account} for {period} is not signed off", kept="Nothing was changed.")
    if period != signed[-1]:
        raise PeriodLocked(f"{signed[-1]} was signed off on {period}'s closing, so {period} cannot be reopened alone",
                           kept="Nothing was changed.", next_step=f"Reopen {signed[-1]} first, then back to {period}.")
    row = store.query("SELECT * FROM recon_periods WHERE account = ? AND period = ?", (account, period))[0]
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO recon_reopened (account, period, signed_report, report_digest, prepared_by, reviewed_by, "
            "signed_on, reopened_by, reason, reopened_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (account, period, row["report"], row["report_digest"], row["prepared_by"], row["reviewed_by"],
             row["signed_on"], actor, reason.strip(), utcnow()))
        conn.execute("DELETE FROM recon_periods WHERE account = ? AND period = ?", (account, period))
        audit.append(store, actor=actor, action="reconcile.reopened",
                     detail=f"{account} {period} reopened: {reason.strip()}; the signed report "
                            f"{row['report_digest'][:12]} is kept and the month needs a new sign-off")


__all__ = ["PeriodLocked", "match", "reopen", "sign_off", "unmatch"]
