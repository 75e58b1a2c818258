"""Reconciliation: three grids side by side (bank statement, trust journal, client ledgers).

Matched rows are tinted; selecting rows highlights their match in the other grid and the client ledger
of a journal line. Select unmatched rows on both sides and press Match; select a matched row and press
Unmatch. Balances, the difference, and the findings come from ``app.reconcile``; the screen only shows
them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.errors import MoneyError
from app.money import fmt, parse_amount
from app.reconcile.records import Result
from ui.backend import reconcile as rb
from ui.context import AppContext
from ui.dialogs import CsvMappingDialog, SignOffDialog, UnmatchDialog
from ui.table_model import Column, FilterProxy, RowsModel
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.views import configure_table

from .base import Page

BANK_COLUMNS = [
    Column("Date", "date"),
    Column("Check #", tooltip="Check number or reference on the statement"),
    Column("Payee / memo"),
    Column("Amount", "money", "Deposits positive, withdrawals negative"),
    Column("Matched by", tooltip="The rule that matched this line, or empty when unmatched",
           sample="check no."),
]
JOURNAL_COLUMNS = [
    Column("Date", "date"),
    Column("Ref", tooltip="Check or confirmation number in Clio"),
    Column("Description"),
    Column("Amount", "money", "Money into trust positive"),
    Column("Status", tooltip="matched, deposit in transit, outstanding check, or unmatched",
           sample="in transit"),
]
LEDGER_COLUMNS = [
    Column("Client", sample="Riverside Den"),
    Column("Matter", sample="00008-River"),
    Column("Entries", "int"),
    Column("Balance", "money", "The client's trust balance at the end of the period"),
    Column("QuickBooks", "money", "The same client's balance on the QuickBooks trust liability account"),
]


class Grid(QWidget):
    """One titled grid: a RowsModel behind a FilterProxy in a QTableView with uniform rows."""

    def __init__(self, title: str, columns: list[Column], stretch: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(f"<b>{title}</b>")
        self.count = QLabel("")
        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.count)
        layout.addLayout(head)
        self.model = RowsModel(columns, self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        v = self.view
        v.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        hh = v.horizontalHeader()
        hh.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # no sort on open: rows come in date order
        hh.setStretchLastSection(False)
        v.setModel(self.proxy)
        v.setSortingEnabled(True)
        configure_table(v, columns, stretch)
        layout.addWidget(v)

    def set_grid(self, grid: rb.Grid) -> None:
        self.model.set_rows(grid.rows, grid.keys, grid.groups)
        self._count()

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.total_rows()
        self.count.setText(f"{shown} of {total}" if shown != total else f"{total} rows")

    def set_filter(self, **params: Any) -> None:
        self.proxy.set_filter(**params)
        self._count()

    def selected_keys(self) -> list[Any]:
        rows = {i.row() for i in self.view.selectionModel().selectedRows()}
        return [self.model.key(self.proxy.source_row(r)) for r in sorted(rows)]

    def selected_groups(self) -> set[Any]:
        rows = {i.row() for i in self.view.selectionModel().selectedRows()}
        return {g for r in rows if (g := self.model.group(self.proxy.source_row(r))) is not None}

    def select_keys(self, keys: list[Any]) -> None:
        """Select the rows of ``keys`` (adds to the selection), as a person's click would."""
        sm = self.view.selectionModel()
        for key in keys:
            src = self.model.row_of_key(key)
            if src < 0:
                continue
            idx = self.proxy.mapFromSource(self.model.index(src, 0))
            sm.select(idx, sm.SelectionFlag.Select | sm.SelectionFlag.Rows)

    def scroll_to_first(self, src_rows: list[int]) -> None:
        if src_rows:
            self.view.scrollTo(self.proxy.mapFromSource(self.model.index(src_rows[0], 0)),
                               QAbstractItemView.ScrollHint.PositionAtCenter)


FIRST_LEDGER_ACCOUNT = "IOLTA Trust"  # what a MyCase firm's first imported ledger is called, if no account is picked


class ReconcilePage(Page):
    title = "Reconciliation"
    changed = Signal(object)  # Changes
    loaded = Signal()
    exported = Signal(object)  # Path

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        self.view_data: rb.ReconView | None = None
        self.signoff_dialog: SignOffDialog | None = None
        self.mapping_dialog: CsvMappingDialog | None = None
        self.unmatch_dialog: UnmatchDialog | None = None
        self._syncing_selection = False
        self.demo_statement: Path | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Three-way trust reconciliation</h2>"))
        layout.addLayout(self._build_bar())
        self.summary = QLabel("Pick a trust account and a period, then Reconcile.")
        self.summary.setObjectName("summaryBar")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        layout.addLayout(self._build_filters())
        layout.addWidget(self._build_grids(), 1)
        self._connect()
        self._update_buttons()

    def _build_bar(self) -> QHBoxLayout:
        """Account, period, and the page's actions."""
        bar = QHBoxLayout()
        self.account_box = QComboBox()
        self.account_box.setMinimumWidth(220)
        self.account_box.setEditable(True)
        self.account_box.setToolTip("The trust bank account to reconcile")
        self.period_edit = QDateEdit()
        self.period_edit.setDisplayFormat("yyyy-MM")
        self.period_edit.setCalendarPopup(True)
        self.period_edit.setDate(QDate.currentDate().addMonths(-1))
        self.period_edit.setToolTip("The statement month")
        self.load_button = QPushButton("&Reconcile")
        self.load_button.setToolTip("Match the statement to the trust journal and compute the three balances")
        self.import_button = QPushButton("&Import statement…")
        self.import_button.setToolTip("Import a bank statement (OFX, QFX or CSV) for this account")
        self.ledger_button = QPushButton("Import trust &ledger…")
        self.ledger_button.setToolTip("Import the trust ledger export of a practice-management system whose API has "
                                      "no trust (MyCase's trust reports): it is this account's journal")
        self.ledger_button.hide()  # shown for such a firm only
        self.signoff_button = QPushButton("Sign &off…")
        self.signoff_button.setToolTip("Sign off and lock this period's reconciliation")
        self.export_button = QPushButton("&Export…")
        self.export_button.setToolTip("Write the reconciliation to an Excel workbook with one sheet per part, or to "
                                      "the PDF report a bar auditor files")
        bar.addWidget(QLabel("Account:"))
        bar.addWidget(self.account_box)
        bar.addWidget(QLabel("Period:"))
        bar.addWidget(self.period_edit)
        for b in (self.load_button, self.import_button, self.ledger_button, self.signoff_button, self.export_button):
            bar.addWidget(b)
        bar.addStretch(1)
        return bar

    def _build_filters(self) -> QHBoxLayout:
        """The grids' filters, and matching by hand."""
        filters = QHBoxLayout()
        self.unmatched_only = QCheckBox("&Unmatched only")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search payee, description, reference…")
        self.search_edit.setClearButtonEnabled(True)
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("Amount")
        self.amount_edit.setMaximumWidth(120)
        self.amount_edit.setToolTip("Show rows of this amount (either sign)")
        filters.addWidget(self.unmatched_only)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.amount_edit)
        self.match_button = QPushButton("&Match selected")
        self.match_button.setToolTip("Match the selected bank lines to the selected journal entries (Ctrl+M)")
        self.match_button.setShortcut("Ctrl+M")
        self.unmatch_button = QPushButton("U&nmatch")
        self.unmatch_button.setToolTip("Undo the match of the selected rows")
        self.selection_label = QLabel("")
        filters.addWidget(self.selection_label)
        filters.addWidget(self.match_button)
        filters.addWidget(self.unmatch_button)
        return filters

    def _build_grids(self) -> QSplitter:
        """The three grids side by side, the findings under them."""
        self.bank = Grid("Bank statement", BANK_COLUMNS, 2)
        self.journal = Grid("Trust journal", JOURNAL_COLUMNS, 2)
        self.ledgers = Grid("Client ledgers", LEDGER_COLUMNS, 1)
        grids = QSplitter(Qt.Orientation.Horizontal)
        for g in (self.bank, self.journal, self.ledgers):
            grids.addWidget(g)
        grids.setSizes([520, 520, 380])
        self.findings = QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setToolTip("What needs a person's attention in this period")
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(grids)
        lower.addWidget(self.findings)
        lower.setSizes([520, 130])
        return lower

    def _connect(self) -> None:
        self.load_button.clicked.connect(self.load)
        self.import_button.clicked.connect(self._pick_statement)
        self.ledger_button.clicked.connect(self._pick_ledger)
        self.export_button.clicked.connect(self._pick_export)
        self.signoff_button.clicked.connect(self._sign_off)
        self.match_button.clicked.connect(self.match_selected)
        self.unmatch_button.clicked.connect(self.unmatch_selected)
        self.unmatched_only.toggled.connect(self._apply_filter)
        self.search_edit.textChanged.connect(self._apply_filter)
        self.amount_edit.textChanged.connect(self._apply_filter)
        for g in (self.bank, self.journal, self.ledgers):
            g.view.selectionModel().selectionChanged.connect(lambda *_a, grid=g: self._selection(grid))

    # -- loading --------------------------------------------------------------------------------------
    @property
    def account(self) -> str:
        return self.account_box.currentText().strip()

    @property
    def period(self) -> str:
        return self.period_edit.date().toString("yyyy-MM")

    def set_period(self, period: str) -> None:
        year, month = (int(p) for p in period.split("-"))
        self.period_edit.setDate(QDate(year, month, 1))

    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Listing trust accounts", lambda _t: rb.trust_accounts(ctx), lane=Lane.POOL,
                          on_success=self._show_accounts))
        self.tasks.run(Op("Reading the firm's source", lambda _t: rb.trust_is_imported(ctx), lane=Lane.POOL,
                          on_success=self.ledger_button.setVisible))

    def _show_accounts(self, found: tuple[list[str], dict[str, str] | None]) -> None:
        names, demo = found
        current = self.account
        self.account_box.clear()
        self.account_box.addItems(names)
        if current:
            self.account_box.setCurrentText(current)
        if demo and not current:
            # Demo mode: the demo firm's account and statement month, and where its statement file is.
            self.account_box.setCurrentText(demo["account"])
            self.set_period(demo["period"])
            self.demo_statement = Path(demo["path"])
            self.summary.setText(f"Demo: import {self.demo_statement.name} (Import statement…), then Reconcile.")

    def on_changes(self, changes: Changes) -> None:
        if changes.sync:
            self.refresh()
        if (changes.reconciliation or changes.sync) and self.view_data is not None:
            self.load()

    def load(self) -> None:
        ctx, account, period = self.ctx, self.account, self.period
        if not account:
            self.summary.setText("Pick a trust account first.")
            return
        self.load_button.setEnabled(False)
        self.tasks.run(Op(f"Reconciling {account} {period}", lambda _t: rb.load(ctx, account, period),
                          lane=Lane.POOL, on_success=self.show_view,
                          on_finally=lambda: self.load_button.setEnabled(True)))

    def show_view(self, data: rb.ReconView) -> None:
        self.view_data = data
        self.bank.set_grid(data.bank)
        self.journal.set_grid(data.journal)
        self.ledgers.set_grid(data.ledgers)
        if self.unmatched_only.isChecked() or self.search_edit.text() or self.amount_edit.text():
            self._apply_filter()
        self._show_summary(data.rec)
        self._show_findings(data.rec)
        self._update_buttons()
        self.loaded.emit()

    def _show_summary(self, rec: Any) -> None:
        def m(v: Decimal | None) -> str:
            return "—" if v is None else fmt(v)

        diff = rec.unexplained_bank_difference
        state = {Result.TIES: "ok", Result.TIES_WITH_ITEMS: "warn"}.get(rec.result, "bad")
        parts = [
            f"<b>{rec.result.value}</b>" + (f" ({len(rec.open_items)} open items)" if rec.open_items else ""),
            f"Statement {m(rec.statement_balance)}",
            f"+ in transit {fmt(rec.deposits_in_transit_total)}",
            f"− outstanding {fmt(rec.outstanding_checks_total)}",
            f"= adjusted bank <b>{m(rec.adjusted_bank_balance)}</b>",
            f"Trust journal <b>{fmt(rec.journal_balance)}</b>",
            f"Client ledgers <b>{fmt(rec.client_ledger_total)}</b>",
        ]
        if rec.qbo_liability is not None:
            parts.append(f"QuickBooks liability {fmt(rec.qbo_liability)}")
        parts.append(f"Unexplained bank difference <b>{m(diff)}</b>")
        if rec.qbo_liability is not None and rec.qbo_liability != rec.client_ledger_total:
            # Say which of the balances disagree, so "does not tie" never stands beside a zero alone.
            parts.append(f"QuickBooks differs from the ledgers by <b>{fmt(rec.qbo_liability - rec.client_ledger_total)}</b>")
        if rec.locked:
            parts.append(f"Signed off by {rec.signoff.prepared_by} on {rec.signoff.signed_on}")
        self.summary.setText(" · ".join(parts))
        self.summary.setProperty("state", state)
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    def _show_findings(self, rec: Any) -> None:
        self.findings.clear()
        colors = {"alert": QColor("#c62828"), "warning": QColor("#b26a00")}
        for f in rec.findings:
            severity = str(f.severity)
            text = f"{severity.upper()}: {f.message}"
            if f.amount is not None:
                text += f" ({fmt(f.amount)})"
            item = QListWidgetItem(text)
            if severity in colors:
                item.setForeground(colors[severity])
            item.setData(Qt.ItemDataRole.UserRole, (list(f.bank_ids), list(f.txn_ids)))
            item.setToolTip(f.code)
            self.findings.addItem(item)
        if not rec.findings:
            self.findings.addItem("No findings.")

    # -- selection and highlighting -------------------------------------------------------------------
    def _selection(self, grid: Grid) -> None:
        if self.view_data is None or self._syncing_selection:
            return
        groups = grid.selected_groups()
        for g in (self.bank, self.journal):
            g.model.set_highlight(groups)
        if grid is not self.bank and groups:
            self.bank.scroll_to_first(self.bank.model.rows_for_groups(groups))
        if grid is not self.journal and groups:
            self.journal.scroll_to_first(self.journal.model.rows_for_groups(groups))
        # A journal line lights up its client's ledger.
        ledger_rows = {self.view_data.ledger_of_txn.get(t) for t in self.journal.selected_keys()} - {None}
        self.ledgers.model.set_highlight(set())
        self.ledgers.model.set_groups({k: "sel" for k in ledger_rows})
        self.ledgers.model.set_highlight({"sel"} if ledger_rows else set())
        self._update_buttons()

    def _update_buttons(self) -> None:
        loaded = self.view_data is not None
        locked = loaded and self.view_data.rec.locked  # type: ignore[union-attr]
        b_sel, j_sel = self.bank.selected_keys(), self.journal.selected_keys()
        unmatched_b = [k for k in b_sel if self.bank.model.group(self.bank.model.row_of_key(k)) is None]
        unmatched_j = [k for k in j_sel if self.journal.model.group(self.journal.model.row_of_key(k)) is None]
        self.match_button.setEnabled(bool(loaded and not locked and unmatched_b and unmatched_j))
        groups = self.bank.selected_groups() | self.journal.selected_groups()
        self.unmatch_button.setEnabled(bool(loaded and not locked and len(groups) == 1))
        self.signoff_button.setEnabled(bool(loaded and not locked))
        self.export_button.setEnabled(loaded)
        if b_sel or j_sel:
            bt = rb.selection_total([self.bank.model.row_tuple(self.bank.model.row_of_key(k))[3] for k in b_sel])
            jt = rb.selection_total(
                [self.journal.model.row_tuple(self.journal.model.row_of_key(k))[3] for k in j_sel]
            )
            self.selection_label.setText(f"Selected: bank {fmt(bt)} · journal {fmt(jt)}")
        else:
            self.selection_label.setText("")

    def _apply_filter(self) -> None:
        amount = None
        text = self.amount_edit.text().strip()
        if text:
            try:
                amount = parse_amount(text)
            except MoneyError:
                amount = None
        params = {"unmatched_only": self.unmatched_only.isChecked(), "text": self.search_edit.text(),
                  "amount": amount}
        self.bank.set_filter(**params)
        self.journal.set_filter(**params)
        self.ledgers.set_filter(text=params["text"], amount=amount)
        self._update_buttons()

    # -- actions --------------------------------------------------------------------------------------
    def match_selected(self) -> None:
        if self.view_data is None:
            return
        b = [k for k in self.bank.selected_keys() if self.bank.model.group(self.bank.model.row_of_key(k)) is None]
        j = [k for k in self.journal.selected_keys()
             if self.journal.model.group(self.journal.model.row_of_key(k)) is None]
        if not b or not j:
            return
        ctx, account = self.ctx, self.account
        self.tasks.run(Op("Matching", lambda _t: rb.manual_match(ctx, account, b, j), on_success=self.changed.emit))

    def unmatch_selected(self) -> None:
        if self.view_data is None:
            return
        groups = self.bank.selected_groups() | self.journal.selected_groups()
        if len(groups) != 1:
            return
        match = self.view_data.matches[next(iter(groups))]
        self.unmatch_dialog = UnmatchDialog(match, self)
        dialog = self.unmatch_dialog
        dialog.accepted.connect(lambda: self.unmatch(match, dialog.reason()))
        dialog.open()

    def unmatch(self, match: Any, reason: str) -> None:
        ctx, account = self.ctx, self.account
        self.tasks.run(Op("Unmatching", lambda _t: rb.manual_unmatch(ctx, account, match, reason),
                          on_success=self.changed.emit))

    def _pick_statement(self) -> None:
        start = self.demo_statement.parent if self.demo_statement else Path.home()
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a bank statement", str(start), "Statements (*.ofx *.qfx *.qbo *.csv *.txt);;All files (*)"
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Import ``path``; a CSV first goes through the column-mapping dialog."""
        ctx, account = self.ctx, self.account
        if not account:
            self.summary.setText("Pick the trust account the statement belongs to first.")
            return
        if rb.needs_mapping(path):
            self.tasks.run(Op("Reading the CSV", lambda _t: rb.preview_csv(ctx, account, path), lane=Lane.POOL,
                              on_success=self._ask_mapping))
        else:
            self._import(path, None, "")

    def _ask_mapping(self, preview: rb.CsvPreview) -> None:
        self.mapping_dialog = CsvMappingDialog(preview, self)
        dialog = self.mapping_dialog
        dialog.accepted.connect(lambda: self._import(preview.path, dialog.mapping(), dialog.save_name()))
        dialog.open()

    def _import(self, path: Path, mapping: dict[str, Any] | None, save_as: str) -> None:
        ctx, account = self.ctx, self.account

        def done(result: Any) -> None:
            self.summary.setText(getattr(result, "summary", "Imported."))
            self.changed.emit(Changes(reconciliation=True, audit=True))
            self.load()

        self.tasks.run(Op(f"Importing {path.name}", lambda _t: rb.import_statement(ctx, account, path, mapping, save_as),
                          on_success=done))

    def _pick_ledger(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import the trust ledger export", str(Path.home()),
                                              "Trust ledger (*.csv *.txt);;All files (*)")
        if path:
            self.import_ledger(Path(path))

    def import_ledger(self, path: Path) -> None:
        """Import a trust ledger export into the selected account, through the account's saved columns."""
        # the first import names the account (its ledger is its journal); later ones go to the one picked
        ctx, account = self.ctx, self.account or FIRST_LEDGER_ACCOUNT

        def done(sentence: str) -> None:
            self.summary.setText(sentence + " Run a sync to post it.")
            self.changed.emit(Changes(reconciliation=True, settings=True))
            self.refresh()

        self.tasks.run(Op(f"Importing {path.name}", lambda _t: rb.import_trust_ledger(ctx, account, path),
                          on_success=done))

    def _pick_export(self) -> None:
        default = Path.home() / f"trust-reconciliation-{self.account}-{self.period}.xlsx".replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(self, "Export", str(default),
                                              "Excel workbook (*.xlsx);;PDF report for the auditor (*.pdf)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        ctx, account, period = self.ctx, self.account, self.period

        def done(p: Path) -> None:
            self.summary.setText(self.summary.text() + f" · Exported to {p.name}")
            self.exported.emit(p)

        self.tasks.run(Op("Exporting", lambda _t: rb.export(ctx, account, period, path), lane=Lane.POOL,
                          on_success=done))

    def _sign_off(self) -> None:
        if self.view_data is None:
            return
        self.signoff_dialog = SignOffDialog(self.view_data.rec, self.ctx.actor.removeprefix("user:"), self)
        dialog = self.signoff_dialog
        dialog.accepted.connect(lambda: self.sign_off(dialog.prepared_by(), dialog.reviewed_by(), dialog.note(),
                                                      dialog.resolutions()))
        dialog.open()

    def sign_off(self, prepared_by: str, reviewed_by: str, note: str, resolutions: dict[str, str] | None = None
                 ) -> None:
        ctx, account, period = self.ctx, self.account, self.period
        self.tasks.run(Op("Signing off", lambda _t: rb.sign_off(ctx, account, period, prepared_by, reviewed_by, note,
                                                                resolutions or {}),
                          on_success=self.changed.emit))

