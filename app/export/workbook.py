"""The reconciliation workbook: one sheet per part, real number formats, totals as live formulas.

Every sheet is written in openpyxl's write-only (streaming) mode, so a workbook of 100,000 rows is written
in seconds with little memory. The document's created/modified times come from the period (or its
sign-off), and the zip entries carry a fixed time, so the same reconciliation gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

from app import paths
from app.errors import LedgerbridgeError
from app.export import fastsheet
from app.export.fastsheet import Formula
from app.export.stablezip import StableZipFile
from app.reconcile.records import Reconciliation, Result, Severity

MONEY = '"$"#,##0.00;[Red]-"$"#,##0.00'
DATE = "yyyy-mm-dd"
SHEETS = (
    "Summary",
    "Bank statement",
    "Trust journal",
    "Client ledgers",
    "Matches",
    "Outstanding items",
    "Findings",
)
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")


class ExportError(LedgerbridgeError):
    """The workbook could not be written."""


class _Sheet:
    """A data sheet: openpyxl sets it up (widths, frozen header, filter, print setup) and writes a header,
    a probe row and a total row that carry each column's style; :mod:`app.export.fastsheet` then writes the
    real rows with those styles (see there for why)."""

    def __init__(self, wb: Workbook, title: str, columns: Sequence[tuple[str, float, str | None]]) -> None:
        self.ws = wb.create_sheet(title)
        self.title = title
        self.columns = columns
        for idx, (_, width, _) in enumerate(columns, start=1):
            self.ws.column_dimensions[get_column_letter(idx)].width = width
        self.ws.freeze_panes = "A2"
        self.ws.print_title_rows = "1:1"
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        self.header = [name for name, _, _ in columns]
        self.data: list[Sequence[Any]] = []
        self.total_values: list[Any] | None = None
        self.rows = 1  # the header row

    def row(self, values: Sequence[Any]) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"{self.title}: {len(values)} values for {len(self.columns)} columns")
        self.data.append(values)
        self.rows += 1

    def total(self, label: str, sum_columns: Iterable[int], first: int = 2) -> int:
        """A bold total row with =SUM(...) over the data rows of ``sum_columns`` (1-based). Returns its row."""
        last = self.rows
        values: list[Any] = [None] * len(self.columns)
        values[0] = label
        for col in sum_columns:
            letter = get_column_letter(col)
            values[col - 1] = Formula(f"=SUM({letter}{first}:{letter}{max(last, first)})") if last >= first else 0
        self.total_values = values
        self.rows += 1
        return self.rows

    def finish(self) -> None:
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{max(self.rows, 1)}"
        ws = self.ws
        header, probe, total = [], [], []
        for name, _, number_format in self.columns:
            cell = WriteOnlyCell(ws, name)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            header.append(cell)
            cell = WriteOnlyCell(ws, 0)
            if number_format:
                cell.number_format = number_format
            probe.append(cell)
            cell = WriteOnlyCell(ws, 0)
            cell.font = _BOLD
            if number_format:
                cell.number_format = number_format
            total.append(cell)
        ws.append(header)
        ws.append(probe)
        ws.append(total)


def _names(rec: Reconciliation) -> tuple[dict[int, tuple[str, str]], dict[int, str]]:
    by_matter = {c.matter_id: (c.client_name, c.matter_label) for c in rec.client_ledgers if c.matter_id is not None}
    by_client = {c.client_id: c.client_name for c in rec.client_ledgers if c.client_id is not None}
    return by_matter, by_client


def _who(txn, by_matter, by_client) -> tuple[str, str]:
    if txn.matter_id is not None and txn.matter_id in by_matter:
        return by_matter[txn.matter_id]
    return by_client.get(txn.client_id, ""), ""


def _ids(values: Iterable[int]) -> str:
    return ", ".join(str(v) for v in values)


def write_workbook(reconciliation: Reconciliation, path: str | os.PathLike[str]) -> Path:
    """Write the workbook for ``reconciliation`` to ``path`` (replaced atomically). Returns the path."""
    rec = reconciliation
    target = Path(path)
    try:  # before any sheet is streamed, so a bad target leaves nothing half-written behind
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(target, exc) from exc
    wb = Workbook(write_only=True)
    stamp = dt.datetime.combine(rec.signoff.signed_on if rec.signoff else rec.end, dt.time(0, 0))
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "Ledgerbridge"
    wb.properties.lastModifiedBy = "Ledgerbridge"
    wb.properties.title = f"Trust reconciliation {rec.account} {rec.period}"

    by_matter, by_client = _names(rec)
    match_of_bank: dict[int, int] = {}
    match_of_txn: dict[int, int] = {}
    for n, m in enumerate(rec.matches, start=1):
        for i in m.bank_ids:
            match_of_bank[i] = n
        for i in m.txn_ids:
            match_of_txn[i] = n
    rule_of = {n: m.rule.value for n, m in enumerate(rec.matches, start=1)}

    # Row numbers that the Summary's formulas point at are fixed by the counts, so compute them first.
    n_ledgers = len(rec.client_ledgers)
    ledger_total_row = n_ledgers + 2
    # The Summary is the first sheet; it is filled last, since its formulas point at the others' totals.
    summary = wb.create_sheet("Summary")
    sheets = [
        _bank_sheet(wb, rec, match_of_bank, rule_of),
        _journal_sheet(wb, rec, match_of_txn, rule_of, by_matter, by_client),
        _ledger_sheet(wb, rec),
        _matches_sheet(wb, rec),
        _outstanding_sheet(wb, rec),
        _findings_sheet(wb, rec),
    ]
    _summary_sheet(summary, rec, ledger_total_row)

    tmp = target.with_name(target.name + ".tmp")
    try:
        paths.owner_only_file(tmp)  # it names clients and their trust balances: 0600 from the start
        _save(wb, sheets, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_error(target, exc) from exc
    return target


def _save(wb: Workbook, sheets: list[_Sheet], path: Path) -> None:
    """openpyxl writes the workbook into memory; it is copied to ``path`` with the data sheets' rows
    streamed in (every zip entry with a fixed time, so equal content gives equal bytes)."""
    scaffold = io.BytesIO()
    with StableZipFile(scaffold, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    parts = {f"xl/worksheets/sheet{wb.worksheets.index(s.ws) + 1}.xml": s for s in sheets}
    with zipfile.ZipFile(scaffold) as source, StableZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
    ) as out:
        for name in source.namelist():
            data = source.read(name)
            sheet = parts.get(name)
            if sheet is None:
                out.writestr(name, data)
                continue
            with out.open(out.entry(name), "w", force_zip64=True) as dst:
                fastsheet.write_sheet(dst, data.decode("utf-8"), sheet.header, sheet.data, sheet.total_values)


def _write_error(target: Path, exc: OSError) -> ExportError:
    return ExportError(
        f"Could not write the workbook {target}: {exc.strerror or exc}",
        kept="No workbook was written; the reconciliation itself is unchanged.",
        next_step="Choose a folder you can write to, and close the file if Excel has it open.",
    )


def _bank_sheet(wb: Workbook, rec: Reconciliation, match_of: dict[int, int], rule_of: dict[int, str]) -> _Sheet:
    s = _Sheet(wb, "Bank statement", [
        ("Line", 8, None), ("Date", 12, DATE), ("Payee", 30, None), ("Memo", 34, None),
        ("Check / reference", 16, None), ("FITID", 18, None), ("Amount", 15, MONEY), ("Match", 8, None),
        ("How matched", 26, None),
    ])
    for b in rec.bank_lines:
        n = match_of.get(b.id)
        how = rule_of[n] if n else ("adjustment: " + b.adjusts_period if b.adjusts_period else "not in the trust journal")
        s.row([b.id, b.date, b.payee, b.memo, b.check_number, b.fitid or "", b.amount, n, how])
    s.total("Total", [7])
    s.finish()
    return s


def _journal_sheet(wb, rec, match_of, rule_of, by_matter, by_client) -> _Sheet:
    s = _Sheet(wb, "Trust journal", [
        ("Entry", 10, None), ("Date", 12, DATE), ("Client", 28, None), ("Matter", 24, None),
        ("Description", 40, None), ("Confirmation", 16, None), ("Type", 14, None), ("Amount", 15, MONEY),
        ("Match", 8, None), ("Status", 22, None),
    ])
    in_period = sum((t.amount for t in rec.journal), Decimal("0.00"))
    outstanding = {i.txn.id for i in rec.deposits_in_transit} | {i.txn.id for i in rec.outstanding_checks}
    s.row(["", rec.start - dt.timedelta(days=1), "", "", "Balance brought forward", "", "",
           rec.journal_balance - in_period, None, ""])
    for t in rec.journal:
        client, matter = _who(t, by_matter, by_client)
        n = match_of.get(t.id)
        status = rule_of[n] if n else ("outstanding" if t.id in outstanding else "")
        s.row([t.id, t.date, client, matter, t.description, t.confirmation, t.transaction_type, t.amount,
               n, status])
    s.total("Trust journal balance", [8])
    s.finish()
    return s


def _ledger_sheet(wb, rec) -> _Sheet:
    s = _Sheet(wb, "Client ledgers", [
        ("Client", 32, None), ("Matter", 28, None), ("Entries", 9, None), ("Clio trust balance", 18, MONEY),
        ("QuickBooks balance", 18, MONEY), ("Difference", 15, MONEY),
    ])
    for c in rec.client_ledgers:
        row = s.rows + 1
        diff = Formula(f"=E{row}-D{row}") if c.qbo_balance is not None else None
        s.row([c.client_name, c.matter_label, c.entries, c.balance, c.qbo_balance, diff])
    s.total("Total", [4, 5] if any(c.qbo_balance is not None for c in rec.client_ledgers) else [4])
    s.finish()
    return s


def _matches_sheet(wb, rec) -> _Sheet:
    s = _Sheet(wb, "Matches", [
        ("Match", 8, None), ("How", 28, None), ("Score", 8, None), ("Bank lines", 18, None),
        ("Journal entries", 24, None), ("Amount", 15, MONEY), ("Made by", 14, None), ("Made at", 22, None),
    ])
    for n, m in enumerate(rec.matches, start=1):
        s.row([n, m.rule.value, m.score, _ids(m.bank_ids), _ids(m.txn_ids), m.amount, m.made_by or "automatic",
               m.made_at])
    s.total("Total matched", [6])
    s.finish()
    return s


OUTSTANDING_TYPES = ("Deposit in transit", "Outstanding check", "Bank only")


def _outstanding_sheet(wb, rec) -> _Sheet:
    s = _Sheet(wb, "Outstanding items", [
        ("Type", 20, None), ("Item", 10, None), ("Date", 12, DATE), ("Age (days)", 11, None), ("Client", 28, None),
        ("Description", 40, None), ("Reference", 16, None), ("Amount", 15, MONEY),
    ])
    for i in rec.deposits_in_transit:
        t = i.txn
        s.row([OUTSTANDING_TYPES[0], t.id, t.date, i.age_days, i.client, t.description, t.confirmation, t.amount])
    for i in rec.outstanding_checks:
        t = i.txn
        s.row([OUTSTANDING_TYPES[1], t.id, t.date, i.age_days, i.client, t.description, t.confirmation, t.amount])
    for b in rec.unmatched_bank:
        s.row([OUTSTANDING_TYPES[2], b.id, b.date, (rec.end - b.date).days, "", b.text, b.check_number, b.amount])
    s.total("Total", [8])
    s.finish()
    return s


def _findings_sheet(wb, rec) -> _Sheet:
    s = _Sheet(wb, "Findings", [
        ("Severity", 10, None), ("Finding", 24, None), ("Date", 12, DATE), ("Amount", 15, MONEY),
        ("Client", 26, None), ("What it means", 90, None), ("Bank lines", 14, None), ("Journal entries", 16, None),
        ("Item", 34, None), ("Resolution (at sign-off)", 60, None),
    ])
    keys = {id(f): key for key, f in rec.open_items}
    resolved = dict(rec.resolutions)
    for f in rec.findings:
        key = keys.get(id(f), "")
        s.row([f.severity.value, f.code.replace("_", " "), f.date, f.amount, f.client, f.message,
               _ids(f.bank_ids), _ids(f.txn_ids), key, resolved.get(key, "")])
    s.finish()
    return s


def _summary_page(ws: Any) -> None:
    for letter, width in (("A", 46), ("B", 20), ("C", 22), ("D", 40)):
        ws.column_dimensions[letter].width = width
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _signoff_rows(rec: Reconciliation, cell: Callable[..., Any]) -> list[list[Any]]:
    if rec.signoff is None:
        return [["Status", "Not signed off: these figures may still change."], ["Prepared by", ""],
                ["Reviewed by", ""], ["Date", ""]]
    so = rec.signoff
    return [
        ["Prepared by", so.prepared_by],
        ["Reviewed by", so.reviewed_by],
        ["Date", cell(so.signed_on, DATE)],
        ["Note", cell(so.note, font=None)],
        ["Report digest (SHA-256)", so.report_digest],
    ]


def _summary_sheet(ws: Any, rec: Reconciliation, ledger_total_row: int) -> None:
    _summary_page(ws)

    def cell(value: Any, fmt: str | None = None, font: Font | None = None) -> Any:
        c = WriteOnlyCell(ws, value)
        if isinstance(value, str) and not isinstance(value, Formula):
            c.data_type = "s"  # text from outside stays text, whatever it starts with
        if fmt:
            c.number_format = fmt
        if font:
            c.font = font
        return c

    def money_row(label: str, value: Decimal | None, formula: str | None = None) -> list[Any]:
        return [label, cell(value, MONEY), cell(Formula(formula), MONEY) if formula else None]

    oi = "'Outstanding items'"
    rows: list[list[Any]] = [
        [cell("Three-way trust reconciliation", font=_TITLE)],
        ["Firm", rec.firm],
        ["Trust account", rec.account],
        ["Period", rec.period],
        ["Statement from", cell(rec.start, DATE)],
        ["Statement to", cell(rec.end, DATE)],
        [],
        [cell("Balances", font=_BOLD), cell("Ledgerbridge", font=_BOLD), cell("Excel recomputes", font=_BOLD)],
    ]
    first = len(rows) + 1  # row of "Bank statement ending balance"
    r_stmt, r_dit, r_oc, r_adj, r_jrn, r_cli, r_qbo = range(first, first + 7)
    rows += [
        money_row("Bank statement ending balance", rec.statement_balance),
        money_row("+ Deposits in transit", rec.deposits_in_transit_total,
                  f'=SUMIF({oi}!A:A,"{OUTSTANDING_TYPES[0]}",{oi}!H:H)'),
        money_row("- Outstanding checks", rec.outstanding_checks_total,
                  f'=-SUMIF({oi}!A:A,"{OUTSTANDING_TYPES[1]}",{oi}!H:H)'),
        money_row("Adjusted bank balance", rec.adjusted_bank_balance, f"=B{r_stmt}+C{r_dit}-C{r_oc}"),
        money_row("Trust journal balance", rec.journal_balance,
                  f"='Trust journal'!H{len(rec.journal) + 3}"),
        money_row("Client ledgers total", rec.client_ledger_total, f"='Client ledgers'!D{ledger_total_row}"),
        money_row("QuickBooks trust liability", rec.qbo_liability) if rec.qbo_liability is not None
        else ["QuickBooks trust liability", "not given"],
        [],
        [cell("Differences", font=_BOLD)],
    ]
    r_d1 = len(rows) + 1
    adj_minus_journal = None if rec.adjusted_bank_balance is None else rec.adjusted_bank_balance - rec.journal_balance
    rows += [
        money_row("Adjusted bank - trust journal", adj_minus_journal, f"=C{r_adj}-C{r_jrn}"),
        money_row("  explained by bank lines not in the journal", rec.bank_only_total,
                  f'=SUMIF({oi}!A:A,"{OUTSTANDING_TYPES[2]}",{oi}!H:H)'),
        money_row("  unexplained", rec.unexplained_bank_difference, f"=C{r_d1}-C{r_d1 + 1}"),
        money_row("Trust journal - client ledgers", rec.journal_balance - rec.client_ledger_total,
                  f"=C{r_jrn}-C{r_cli}"),
        money_row("  explained by entries naming no client", rec.unassigned_total),
    ]
    legs = [f"ROUND(C{r_d1 + 2},2)=0", f"ROUND(C{r_d1 + 3}-B{r_d1 + 4},2)=0"]
    if rec.qbo_liability is not None:
        rows.append(money_row("QuickBooks liability - client ledgers", rec.qbo_liability - rec.client_ledger_total,
                              f"=B{r_qbo}-C{r_cli}"))
        legs.append(f"ROUND(C{r_d1 + 5},2)=0")
    # The verdict as Ledgerbridge states it, and as Excel recomputes it from this sheet's own cells: ties only
    # when every leg agrees and no alert or warning is counted below.
    r_result = len(rows) + 1
    r_alerts, r_warnings = r_result + 3, r_result + 4
    rows += [
        ["Result", cell(rec.result.value, font=_BOLD),
         cell(Formula(f'=IF(AND({",".join(legs)}),IF(B{r_alerts}+B{r_warnings}>0,"{Result.TIES_WITH_ITEMS.value}",'
                      f'"{Result.TIES.value}"),"{Result.DOES_NOT_TIE.value}")'))],
        [],
        [cell("Findings", font=_BOLD)],
    ]
    for sev in (Severity.ALERT, Severity.WARNING, Severity.INFO):
        rows.append([sev.value.capitalize(), sum(1 for f in rec.findings if f.severity is sev)])
    rows += [[], [cell("Sign-off", font=_BOLD)], *_signoff_rows(rec, cell)]
    for row in rows:
        ws.append([cell(v) if isinstance(v, str) else v for v in row])
