"""Audit trail: search by Clio id, QBO id, DocNumber or client; one record's full history; Verify."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.model import AuditEntry
from app.store.audit import VerifyResult
from ui import backend
from ui.context import AppContext
from ui.table_model import Column, FilterProxy, RowsModel
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.views import configure_table

from .base import Page

COLUMNS = [
    Column("Seq", "int", "Position in the hash chain"),
    Column("When (UTC)", sample="2026-11-25 16:51:33"),
    Column("Who", sample="user:bookkeeper"),
    Column("Action", sample="exception.retry_requested"),
    Column("Clio record", sample="bank_transactions 8000001"),
    Column("QuickBooks record", sample="JournalEntry 1042 #3"),
    Column("Request id", sample="lb79bd13a96e"),
    Column("Detail"),
]

SEARCH_LIMIT = 2000  # rows shown at most; the query reads only what it shows

SEARCH_KINDS = [
    ("Clio id", "clio_id"),
    ("QuickBooks id", "qbo_id"),
    ("Invoice number (DocNumber)", "doc_number"),
    ("Client name", "client"),
]


def _rows(entries: list[AuditEntry]) -> list[tuple]:
    return [
        (
            e.seq,
            e.ts[:19].replace("T", " "),
            e.actor,
            e.action,
            f"{e.clio_kind} {e.clio_id}".strip() + (f" v{e.clio_version}" if e.clio_version else ""),
            f"{e.qbo_entity} {e.qbo_id}".strip() + (f" #{e.qbo_version}" if e.qbo_version else ""),
            e.request_id,
            e.detail,
        )
        for e in entries
    ]


class AuditPage(Page):
    title = "Audit trail"

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        self.entries: dict[int, AuditEntry] = {}
        self.last_verify: VerifyResult | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Audit trail</h2>"))
        bar = QHBoxLayout()
        self.search_kind = QComboBox()
        for label, key in SEARCH_KINDS:
            self.search_kind.addItem(label, key)
        self.search_kind.setToolTip("What the search box holds")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search; empty shows the latest entries")
        self.search_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton("&Search")
        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.setToolTip("Check that no entry of the audit log was changed, removed or reordered")
        bar.addWidget(self.search_kind)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.search_button)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        self.verify_label = QLabel("")
        self.verify_label.setObjectName("verifyResult")
        self.verify_label.setWordWrap(True)
        layout.addWidget(self.verify_label)
        self.note = QLabel("")
        layout.addWidget(self.note)

        self.model = RowsModel(COLUMNS, self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = _table(self.proxy)
        self.history_model = RowsModel(COLUMNS, self)
        self.history_view = _table(self.history_model)
        self.history_title = QLabel("Select an entry to see the full history of its record.")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.history_title)
        lower_layout.addWidget(self.history_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(lower)
        layout.addWidget(split, 1)

        self.search_button.clicked.connect(self.search)
        self.search_edit.returnPressed.connect(self.search)
        self.verify_button.clicked.connect(self.verify)
        self.view.selectionModel().selectionChanged.connect(self._selected)

    def refresh(self) -> None:
        self.search()

    def on_changes(self, changes: Changes) -> None:
        if changes.audit or changes.sync:
            self.search()

    def search(self) -> None:
        key = self.search_kind.currentData()
        text = self.search_edit.text().strip()
        ctx = self.ctx
        q = backend.AuditQuery(**{key: text}, limit=SEARCH_LIMIT)
        fn = lambda _t: backend.search_audit(ctx, q)  # noqa: E731
        self.tasks.run(Op("Searching the audit trail", fn, lane=Lane.POOL, on_success=self.show_result))

    def show_result(self, result: backend.AuditResult) -> None:
        self.entries = {e.seq: e for e in result.entries}
        self.model.set_rows(_rows(result.entries), keys=[e.seq for e in result.entries])
        self.note.setText(result.note or f"{len(result.entries)} entries.")

    def _selected(self, *_args: object) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return
        seq = self.model.key(self.proxy.source_row(rows[0].row()))
        entry = self.entries[seq]
        ctx = self.ctx
        self.tasks.run(Op("Loading the record's history", lambda _t: backend.record_history(ctx, entry),
                          lane=Lane.POOL, on_success=lambda es: self.show_history(entry, es)))

    def show_history(self, entry: AuditEntry, entries: list[AuditEntry]) -> None:
        who = f"{entry.clio_kind} {entry.clio_id}".strip() or f"{entry.qbo_entity} {entry.qbo_id}"
        self.history_title.setText(f"Full history of {who}: {len(entries)} events")
        self.history_model.set_rows(_rows(entries), keys=[e.seq for e in entries])

    def verify(self) -> None:
        ctx = self.ctx
        self.verify_button.setEnabled(False)
        self.tasks.run(Op("Verifying the audit log", lambda _t: backend.verify_audit(ctx), lane=Lane.POOL,
                          on_success=self.show_verify, on_finally=lambda: self.verify_button.setEnabled(True)))

    def show_verify(self, result: VerifyResult) -> None:
        self.last_verify = result
        if result.ok:
            self.verify_label.setText(
                f"<span style='color:#2e7d32'><b>Intact:</b></span> {result.entries} entries, hash chain verified."
            )
        else:
            self.verify_label.setText(
                f"<span style='color:#c62828'><b>Broken at entry {result.first_bad_seq}:</b></span> "
                f"{result.problem}. The log was left as it is; keep a copy of the database for review."
            )


def _table(model: QAbstractItemModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    configure_table(view, COLUMNS, 7)
    return view
