"""All firms: every firm of this workstation with its last sync, queue and tie-out; a row opens that firm."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QVBoxLayout, QWidget

from ui.backend import firms as backend
from ui.context import AppContext
from ui.table_model import Column, RowsModel
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.views import configure_table

from .base import Page

COLUMNS = [Column("Firm profile", sample="riverside-small-firm"), Column("Firm", sample="Hale & Ortiz LLP"),
           Column("Last sync (UTC)", sample="2026-12-04 02:51"), Column("Result", sample="attention"),
           Column("Exception queue", "int", sample="1234"), Column("Trust", sample="does NOT tie")]


class FirmsPage(Page):
    title = "All firms"
    open_firm = Signal(str)  # profile

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        self.loads = 0
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>All firms</h2>"))
        hint = QLabel("Every firm of this workstation. Double-click one to open it (File › Firm does the same).")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.model = RowsModel(COLUMNS, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(lambda index: self.open_firm.emit(self.model.key(index.row())))
        configure_table(self.view, COLUMNS, 1)
        layout.addWidget(self.view, 1)

    def refresh(self) -> None:
        root = self.ctx.data_dir  # the same data directory File › Firm adds to and opens from
        self.tasks.run(Op("Reading every firm", lambda _t: backend.overview(root), lane=Lane.POOL,
                          on_success=self.show_firms))

    def on_changes(self, changes: Changes) -> None:
        if changes.sync or changes.exceptions or changes.settings:
            self.refresh()

    def show_firms(self, found: list) -> None:
        self.loads += 1
        rows, keys = [], []
        for f in found:
            last = f.last_run
            ties = {True: "ties", False: "does NOT tie", None: ""}[f.ties]
            rows.append((f.profile, f.firm_name or f.problem, last.finished[:16].replace("T", " ") if last else "never",
                         last.result if last else "", f.open_exceptions, ties))
            keys.append(f.profile)
        self.model.set_rows(rows, keys)
