"""What an alert after a run says: what happened, what was kept, what to do, with counts and the first few
items. The subject names the firm and the kind of trouble, never a client or a trust amount."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.model import ExceptionItem
from app.sync.runs import FAILED, RunRecord, account_ties

FIRST_ITEMS = 5


@dataclass(frozen=True)
class Alert:
    subject: str
    body: str
    reasons: tuple[str, ...] = field(default_factory=tuple)


def test_alert(when: str) -> Alert:
    """The message that proves a firm's alert settings (the CLI's ``alerts test``, Settings' test button)."""
    return Alert("Ledgerbridge: test message", f"This is a test of Ledgerbridge's alerts, sent {when}. Alerts "
                                               "after a sync arrive like this one.\n")


def compose(firm: str, run: RunRecord, new_exceptions: list[ExceptionItem], sign_in_warnings: list[str]
            ) -> Alert | None:
    """The alert for a run, or None when nothing needs a person (a clean run, or a dry run)."""
    if run.dry_run and run.result != FAILED:
        return None
    untied = [t for t in run.tie_out if not account_ties(t)]
    reasons = []
    if run.result == FAILED:
        reasons.append("the sync failed")
    if new_exceptions:
        reasons.append(f"{len(new_exceptions)} new item{'s' if len(new_exceptions) != 1 else ''} to look at")
    if untied:
        reasons.append("a trust account does not tie")
    if sign_in_warnings:
        reasons.append("a sign-in needs renewing")
    if not reasons:
        return None
    who = firm or "your firm"
    subject = f"Ledgerbridge, {who}: " + "; ".join(reasons)
    lines = [f"The sync of {who} that started {run.started} ({run.trigger}) ended: {run.result}.", ""]
    if run.result == FAILED:
        lines += ["What happened: " + (run.message or "the run stopped with an error."),
                  "What was kept: everything posted before the error stays posted and linked; the next sync "
                  "continues from there.", "What to do: read the message above; run 'ledgerbridge sync' again "
                  "once it is fixed.", ""]
    if new_exceptions:
        lines.append(f"{len(new_exceptions)} record(s) were held and wait in the exception queue; nothing of "
                     "them was posted. The first ones:")
        lines += [f"  - {item.clio_kind} {item.clio_id}: {item.message}" for item in new_exceptions[:FIRST_ITEMS]]
        if len(new_exceptions) > FIRST_ITEMS:
            lines.append(f"  ... and {len(new_exceptions) - FIRST_ITEMS} more.")
        lines += ["What to do: open the exception queue in Ledgerbridge and retry, link or dismiss each one.", ""]
    for t in untied:
        lines.append(f"Trust account {t['name']} does not tie: bank {t['bank']}, trust liability "
                     f"{t['liability']}, client ledgers {t['ledgers']}. What to do: open the reconciliation page "
                     "before the month is signed off.")
    if untied:
        lines.append("")
    lines += [f"{w}" for w in sign_in_warnings]
    counts = ", ".join(f"{k} {v}" for k, v in run.counts.items() if v)
    lines += ["", f"Counts: {counts or 'nothing written'}.", "This message was sent by Ledgerbridge after the run."]
    return Alert(subject, "\n".join(lines).strip() + "\n", tuple(reasons))
