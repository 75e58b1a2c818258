"""The reconciliation as a PDF a bar auditor can file (reportlab; no Qt).

What an auditor looks for, in order: who and what (firm, bank, masked account number, period), the bank's
roll-forward from the opening to the closing balance, the adjusted bank balance with every deposit in
transit and outstanding check (dates and ages), the three balances and QuickBooks', the result in words,
each client ledger with its month's entries and running balance, every finding with its written
resolution, and the sign-off with the report and audit-chain digests. Written with reportlab's invariant
mode, so the same reconciliation (a signed one above all) gives the same bytes.
"""

from __future__ import annotations

import contextlib
import os
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.logs import mask_account as mask
from app.model import TrustTxn
from app.money import ZERO, fmt
from app.reconcile.records import Reconciliation, Result
from app.store import audit, cache
from app.store.db import Store

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=8.5, leading=10.5)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7.5, leading=9)
_H1, _H2 = _STYLES["Title"], ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=11, spaceBefore=10)
_GRID = TableStyle([
    ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE4EE")),
    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9AA5B1")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
])
_MONEY_COLS = TableStyle([("ALIGN", (-1, 0), (-1, -1), "RIGHT")])


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(header: Sequence[str], rows: list[list[Any]], widths: Sequence[float], money_last: bool = True) -> Table:
    data = [list(header)] + [[c if isinstance(c, Paragraph) else _p(str(c), _SMALL) for c in r] for r in rows]
    t = Table(data, colWidths=[w * inch for w in widths], repeatRows=1)
    t.setStyle(_GRID)
    if money_last:
        t.setStyle(_MONEY_COLS)
    return t


def _money(value: Decimal | None) -> str:
    return "n/a" if value is None else fmt(value)


def _rollforward(rec: Reconciliation) -> list[list[Any]]:
    lines = [b for b in rec.bank_lines if rec.start <= b.date <= rec.end]
    deposits = sum((b.amount for b in lines if b.amount > 0), ZERO)
    withdrawals = sum((b.amount for b in lines if b.amount < 0), ZERO)
    rows = [["Opening balance (statement)", _money(rec.opening_balance)],
            [f"+ deposits and credits ({sum(1 for b in lines if b.amount > 0)})", fmt(deposits)],
            [f"- checks and debits ({sum(1 for b in lines if b.amount < 0)})", fmt(-withdrawals)]]
    if rec.opening_balance is not None:
        computed = rec.opening_balance + deposits + withdrawals
        rows.append(["= closing balance, computed", fmt(computed)])
    rows.append(["Closing balance (statement)", _money(rec.statement_balance)])
    return rows


def _ledger_sections(rec: Reconciliation) -> list[Any]:
    """Each client ledger: its opening for the month, the month's entries with a running balance, closing."""
    by_owner: dict[tuple[int | None, int | None], list[TrustTxn]] = defaultdict(list)
    for t in sorted(rec.journal, key=lambda t: (t.date, t.id)):
        by_owner[(t.client_id, t.matter_id)].append(t)
    out: list[Any] = []
    for ledger in rec.client_ledgers:
        entries = by_owner.get((ledger.client_id, ledger.matter_id)) or [
            t for (c, m), ts in by_owner.items() if m == ledger.matter_id and m is not None for t in ts]
        # The report keeps the period's entries: the month opens at its closing balance less them.
        opening = ledger.balance - sum((t.amount for t in entries), ZERO)
        running = opening
        rows: list[list[Any]] = [["", "Opening balance", "", fmt(opening)]]
        for t in entries:
            running += t.amount
            rows.append([t.date.isoformat(), t.description or "", fmt(t.amount), fmt(running)])
        rows.append(["", "Closing balance", "", fmt(ledger.balance)])
        title = ledger.client_name + (f" · {ledger.matter_label}" if ledger.matter_label else "")
        if ledger.qbo_balance is not None:
            title += f" (QuickBooks: {fmt(ledger.qbo_balance)})"
        out.append(KeepTogether([_p(title, _BODY),
                                 _table(["Date", "Entry", "Amount", "Balance"], rows, [0.9, 3.9, 1.1, 1.1]),
                                 Spacer(1, 4)]))
    return out


def _story(rec: Reconciliation, account_number: str, audit_head: str) -> list[Any]:
    story: list[Any] = [Paragraph("Three-way trust reconciliation", _H1)]
    story.append(_table(["", ""], [
        ["Firm", rec.firm or "not given"], ["Trust bank account", rec.account],
        ["Account number", mask(account_number)], ["Period", f"{rec.period} ({rec.start} to {rec.end})"],
    ], [1.8, 5.2], money_last=False))
    story += [Paragraph("Bank statement roll-forward", _H2),
              _table(["", "Amount"], _rollforward(rec), [5.5, 1.5])]
    story.append(Paragraph("The three balances", _H2))
    balances = [["Bank statement closing balance", _money(rec.statement_balance)],
                ["+ deposits in transit", fmt(rec.deposits_in_transit_total)],
                ["- outstanding checks", fmt(rec.outstanding_checks_total)],
                ["= adjusted bank balance", _money(rec.adjusted_bank_balance)],
                ["Trust journal balance", fmt(rec.journal_balance)],
                ["Client ledgers total", fmt(rec.client_ledger_total)],
                [f"QuickBooks trust liability, as of {rec.end}", _money(rec.qbo_liability)]]
    story.append(_table(["", "Amount"], balances, [5.5, 1.5]))
    colour = {Result.TIES: "#2e7d32", Result.TIES_WITH_ITEMS: "#ef6c00"}.get(rec.result, "#c62828")
    story.append(Paragraph(f'<font color="{colour}"><b>Result: {escape(rec.result_sentence())}</b></font>', _BODY))
    items = [[i.txn.date.isoformat(), "deposit in transit" if i.txn.amount > 0 else "outstanding check",
              i.txn.confirmation or "", i.client, f"{i.age_days} days", fmt(i.txn.amount)]
             for i in (*rec.deposits_in_transit, *rec.outstanding_checks)]
    story += [Paragraph("Deposits in transit and outstanding checks", _H2),
              _table(["Date", "Kind", "Check / ref.", "Client", "Age", "Amount"], items or [["", "none", "", "", "", ""]],
                     [0.9, 1.3, 0.9, 2.2, 0.7, 1.0])]
    story.append(Paragraph("Client ledgers", _H2))
    story += _ledger_sections(rec)
    keys = {id(f): key for key, f in rec.open_items}
    resolved = dict(rec.resolutions)
    findings = [[f.severity.value, _p(f.message, _SMALL), _p(resolved.get(keys.get(id(f), ""), ""), _SMALL)]
                for f in rec.findings]
    story += [Paragraph("Findings and their resolutions", _H2),
              _table(["Severity", "Finding", "Resolution"], findings or [["", "none", ""]], [0.8, 4.0, 2.2],
                     money_last=False)]
    so = rec.signoff
    signed = [["Prepared by", so.prepared_by if so else ""], ["Reviewed by", so.reviewed_by if so else ""],
              ["Signed off on", so.signed_on.isoformat() if so else "not signed off: these figures may change"],
              ["Note", so.note if so else ""], ["Report digest (SHA-256)", so.report_digest if so else ""],
              ["Audit chain head", audit_head or "not given"]]
    story += [Paragraph("Sign-off", _H2), _table(["", ""], signed, [1.8, 5.2], money_last=False)]
    return story


def write_pdf(rec: Reconciliation, path: str | os.PathLike[str], *, account_number: str = "",
              audit_head: str = "") -> Path:
    """Write the PDF report to ``path`` (replaced atomically, owner-only). A signed reconciliation carries the
    audit chain head recorded when it was signed; otherwise ``audit_head`` is printed."""
    from app.export.workbook import ExportError

    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(str(tmp), pagesize=LETTER, invariant=1, leftMargin=0.7 * inch,
                                rightMargin=0.7 * inch, topMargin=0.7 * inch, bottomMargin=0.7 * inch,
                                title=f"Trust reconciliation {rec.account} {rec.period}", author="Ledgerbridge",
                                creator="Ledgerbridge")
        doc.build(_story(rec, account_number, rec.audit_head or audit_head))
        os.chmod(tmp, 0o600)  # it names clients and their trust balances
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise ExportError(f"Could not write the PDF {target}: {exc.strerror or exc}",
                          kept="No PDF was written; the reconciliation itself is unchanged.",
                          next_step="Choose a folder you can write to.") from exc
    return target


def write_pdf_for(store: Store, rec: Reconciliation, path: str | os.PathLike[str]) -> Path:
    """The PDF report, with the account's number (masked in it) and the audit chain head from ``store``."""
    raw = cache.get_clio(store, "bank_accounts", rec.bank_account_id) if rec.bank_account_id else None
    return write_pdf(rec, path, account_number=str((raw or {}).get("account_number") or ""),
                     audit_head=audit.head(store))
