"""Exception queue: what could not be posted, why, who handles it, and the person's choices (retry, link,
dismiss, assign)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.store import exceptions as exq
from app.store.exceptions import WAITING
from ui import backend
from ui.context import AppContext
from ui.table_model import Column, FilterProxy, RowsModel
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.views import configure_table

from .base import Page

COLUMNS = [
    Column("#", "int", "Queue number"),
    Column("Kind", tooltip="What kind of record could not be posted", sample="sub-customer"),
    Column("Client", sample="Riverside Dental Group, LLC"),
    Column("Matter", sample="00008-Riverside Dental"),
    Column("Reason", tooltip="Why it was held, in words"),
    Column("Status"),
    Column("Age (days)", "int", "Days since it was first held"),
    Column("Attempts", "int"),
    Column("Owner", tooltip="Who is handling it; empty until someone is assigned", sample="Maria Fernandes"),
]


class ExceptionsPage(Page):
    title = "Exception queue"
    changed = Signal(object)  # Changes

    def __init__(self, ctx: AppContext, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(ctx, tasks, parent)
        self.rows: dict[int, backend.ExceptionRow] = {}
        self.loads = 0
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Exception queue</h2>"))
        layout.addLayout(self._build_filters())
        layout.addWidget(self._build_table_and_details(), 1)
        layout.addLayout(self._build_actions())
        self._connect()
        self._build_context_menu()
        self._selection_changed()

    def _build_filters(self) -> QHBoxLayout:
        filters = QHBoxLayout()
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("All kinds", "")
        self.kind_filter.setToolTip("Show one kind of record")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search client, matter, reason, Clio id…")
        self.search.setClearButtonEnabled(True)
        self.show_closed = QCheckBox("Show closed")
        self.show_closed.setToolTip("Also list exceptions that were resolved, linked or dismissed")
        filters.addWidget(QLabel("Kind:"))
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.show_closed)
        return filters

    def _build_table_and_details(self) -> QSplitter:
        """The queue's rows above, the selected one's details (what was attempted, both versions) below."""
        self.model = RowsModel(COLUMNS, self)
        self.proxy = FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        configure_table(self.view, COLUMNS, 4)

        self.details = QTabWidget()
        self.summary = QLabel("Select an exception to see what was attempted.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.attempted = _text_box()
        self.clio_side = _text_box()
        self.qbo_side = _text_box()
        self.details.addTab(self.summary, "Summary")
        self.details.addTab(self.attempted, "What was attempted")
        self.details.addTab(self.clio_side, "Clio version")
        self.details.addTab(self.qbo_side, "QuickBooks version")

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.details)
        split.setSizes([400, 220])
        return split

    def _build_actions(self) -> QHBoxLayout:
        actions = QHBoxLayout()
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setToolTip("Try the selected records again on the next sync (several may be selected)")
        self.link_button = QPushButton("&Link to existing…")
        self.link_button.setToolTip("This record already exists in QuickBooks: link it instead of posting")
        self.dismiss_button = QPushButton("Dis&miss…")
        self.dismiss_button.setToolTip("Do not post this record; a written reason is required")
        self.post_button = QPushButton("&Post anyway…")
        self.post_button.setToolTip("Post this held record as it is, e.g. a trust overdraft that did happen at the "
                                    "bank; a written reason is required")
        self.choose_button = QPushButton("C&hoose…")
        self.choose_button.setToolTip("Pick which of the listed candidates is right (the invoice a payment paid, "
                                      "when the source does not say); the next sync posts it that way")
        self.assign_button = QPushButton("Ass&ign…")
        self.assign_button.setToolTip("Name the person handling the selected exceptions (several may be selected)")
        self.retry_all_button = QPushButton("Retry &all shown")
        self.retry_all_button.setToolTip("Bulk retry: every open exception the filter shows")
        for b in (self.retry_button, self.choose_button, self.link_button, self.post_button, self.dismiss_button,
                  self.assign_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.retry_all_button)
        return actions

    def _connect(self) -> None:
        self.kind_filter.currentIndexChanged.connect(self._apply_filter)
        self.search.textChanged.connect(self._apply_filter)
        self.show_closed.toggled.connect(lambda _on: self.refresh())
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.retry_button.clicked.connect(lambda: self.retry(self.selected_ids()))
        self.retry_all_button.clicked.connect(lambda: self.retry(self.shown_open_ids()))
        self.link_button.clicked.connect(self._link)
        self.dismiss_button.clicked.connect(self._dismiss)
        self.post_button.clicked.connect(self._post_anyway)
        self.assign_button.clicked.connect(self._assign)
        self.choose_button.clicked.connect(self._choose)

    def _build_context_menu(self) -> None:
        """The row actions again on a right click, mirroring the buttons' enabled state."""
        self.menu_actions: dict[QPushButton, QAction] = {}
        for button in (self.retry_button, self.choose_button, self.link_button, self.post_button, self.dismiss_button,
                       self.assign_button):
            action = QAction(button.text(), self.view)
            action.setToolTip(button.toolTip())
            action.triggered.connect(button.click)
            self.view.addAction(action)
            self.menu_actions[button] = action
        self.assign_action = self.menu_actions[self.assign_button]
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    # -- data -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ctx, closed = self.ctx, self.show_closed.isChecked()
        self.tasks.run(
            Op(
                "Loading the exception queue",
                lambda _t: backend.load_exceptions(ctx, include_closed=closed),
                lane=Lane.POOL,
                on_success=self.show_rows,
            )
        )

    def on_changes(self, changes: Changes) -> None:
        if changes.exceptions or changes.sync:
            self.refresh()

    def show_rows(self, rows: list[backend.ExceptionRow]) -> None:
        self.rows = {r.item.id: r for r in rows}
        kinds = sorted({r.item.kind for r in rows})
        current = self.kind_filter.currentData()
        self.kind_filter.blockSignals(True)
        self.kind_filter.clear()
        self.kind_filter.addItem("All kinds", "")
        for k in kinds:
            self.kind_filter.addItem(k, k)
        self.kind_filter.setCurrentIndex(max(0, self.kind_filter.findData(current)))
        self.kind_filter.blockSignals(False)
        self.model.set_rows(
            [
                (r.item.id, r.item.kind, r.client, r.matter, r.item.message, str(r.item.status), r.age_days,
                 r.item.attempts, r.item.owner)
                for r in rows
            ],
            keys=[r.item.id for r in rows],
        )
        self._apply_filter()
        self.loads += 1

    def _apply_filter(self) -> None:
        kind = self.kind_filter.currentData() or ""
        self.proxy.set_filter(text=self.search.text(), equals={1: kind} if kind else None)
        self._selection_changed()

    def selected_ids(self) -> list[int]:
        rows = {i.row() for i in self.view.selectionModel().selectedRows()}
        return [self.model.key(self.proxy.source_row(r)) for r in sorted(rows)]

    def shown_open_ids(self) -> list[int]:
        ids = []
        for r in range(self.proxy.rowCount()):
            key = self.model.key(self.proxy.source_row(r))
            if str(self.rows[key].item.status) in WAITING:
                ids.append(key)
        return ids

    def select_id(self, item_id: int) -> None:
        src = self.model.row_of_key(item_id)
        if src >= 0:
            self.view.selectRow(self.proxy.mapFromSource(self.model.index(src, 0)).row())

    def _selection_changed(self, *_args: object) -> None:
        ids = self.selected_ids()
        one = len(ids) == 1
        waiting = [i for i in ids if str(self.rows[i].item.status) in WAITING]
        self.retry_button.setEnabled(bool(waiting))
        self.link_button.setEnabled(one and bool(waiting))
        self.dismiss_button.setEnabled(one and bool(waiting))
        self.post_button.setEnabled(one and bool(waiting) and self.rows[ids[0]].item.reason_code in POST_ANYWAY_CODES)
        self.assign_button.setEnabled(bool(waiting))
        self.choose_button.setEnabled(one and bool(waiting) and bool(exq.candidates(self.rows[ids[0]].item)))
        for button, action in self.menu_actions.items():
            action.setEnabled(button.isEnabled())
        self.retry_all_button.setEnabled(bool(self.shown_open_ids()))
        if one:
            self._show_details(self.rows[ids[0]])
        else:
            self.summary.setText(f"{len(ids)} selected." if ids else "Select an exception to see what was attempted.")
            for box in (self.attempted, self.clio_side, self.qbo_side):
                box.setPlainText("")

    def _show_details(self, row: backend.ExceptionRow) -> None:
        item = row.item
        blocks = ", ".join(item.blocks) or "nothing else"
        self.summary.setText(
            f"<b>#{item.id} {_esc(item.kind)}</b> — Clio {_esc(item.clio_kind)} {_esc(item.clio_id)}<br>"
            f"<b>Why:</b> {_esc(item.message)} <i>({_esc(item.reason_code)})</i><br>"
            f"<b>Held since:</b> {item.created_at[:16].replace('T', ' ')} UTC · <b>attempts:</b> {item.attempts}<br>"
            f"<b>Blocks:</b> {_esc(blocks)}<br><b>Owner:</b> {_esc(item.owner or 'unassigned')}"
            + (f"<br><b>Resolution:</b> {_esc(item.resolution)}" if item.resolution else "")
        )
        self.attempted.setPlainText(_pretty(item.attempted))
        ctx = self.ctx
        self.tasks.run(
            Op(
                "Loading both sides",
                lambda _t: backend.exception_versions(ctx, item),
                lane=Lane.POOL,
                on_success=self._show_versions,
            )
        )

    def _show_versions(self, sides: tuple[str, str]) -> None:
        clio, qbo = sides
        self.clio_side.setPlainText(_pretty(clio) or "Not in the local Clio cache.")
        self.qbo_side.setPlainText(_pretty(qbo) or "No QuickBooks record is linked yet.")

    # -- actions --------------------------------------------------------------------------------------
    def _run_change(self, label: str, fn: Callable[..., Any]) -> None:
        self.tasks.run(Op(label, fn, lane=Lane.WRITE, on_success=self.changed.emit))

    def retry(self, ids: list[int]) -> None:
        if not ids:
            return
        ctx = self.ctx
        self._run_change(f"Retrying {len(ids)} exception(s)", lambda _t: backend.retry_exceptions(ctx, ids))

    def _link(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        dialog = LinkDialog(self.rows[ids[0]], self)
        dialog.accepted.connect(lambda: self.link(ids[0], dialog.entity(), dialog.qbo_id()))
        dialog.open()

    def link(self, item_id: int, entity: str, qbo_id: str) -> None:
        ctx = self.ctx
        self._run_change("Linking", lambda _t: backend.link_exception(ctx, item_id, entity, qbo_id))

    def _dismiss(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        dialog = DismissDialog(self.rows[ids[0]], self)
        dialog.accepted.connect(lambda: self.dismiss(ids[0], dialog.reason()))
        dialog.open()

    def _post_anyway(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        dialog = DismissDialog(self.rows[ids[0]], self, post_anyway=True)
        dialog.accepted.connect(lambda: self.post_anyway(ids[0], dialog.reason()))
        dialog.open()

    def post_anyway(self, item_id: int, reason: str) -> None:
        ctx = self.ctx
        self._run_change("Posting anyway", lambda _t: backend.post_exception_anyway(ctx, item_id, reason))

    def dismiss(self, item_id: int, reason: str) -> None:
        ctx = self.ctx
        self._run_change("Dismissing", lambda _t: backend.dismiss_exception(ctx, item_id, reason))

    def _choose(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        dialog = ChooseDialog(self.rows[ids[0]], self)
        dialog.accepted.connect(lambda: self.choose(ids[0], dialog.choice()))
        dialog.open()

    def choose(self, item_id: int, choice: str) -> None:
        ctx = self.ctx
        self._run_change("Choosing", lambda _t: backend.choose_exception(ctx, item_id, choice))

    def _assign(self) -> None:
        ids = [i for i in self.selected_ids() if str(self.rows[i].item.status) in WAITING]
        if not ids:
            return
        owners = {self.rows[i].item.owner for i in ids}
        current = owners.pop() if len(owners) == 1 else ""
        known = sorted({r.item.owner for r in self.rows.values() if r.item.owner})
        dialog = AssignDialog(ids, current, known, self)
        dialog.accepted.connect(lambda: self.assign(ids, dialog.owner()))
        dialog.open()

    def assign(self, ids: list[int], owner: str) -> None:
        ctx = self.ctx
        label = f"Assigning {len(ids)} exception(s)" if owner else f"Unassigning {len(ids)} exception(s)"
        self._run_change(label, lambda _t: backend.assign_exceptions(ctx, ids, owner))


class ChooseDialog(QDialog):
    """One of the candidates a hold listed (which invoice an unlinked payment paid)."""

    def __init__(self, row: backend.ExceptionRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Choose for exception #{row.item.id}")
        form = QFormLayout(self)
        message = QLabel(_esc(row.item.message))
        message.setWordWrap(True)
        form.addRow(message)
        self.box = QComboBox()
        for candidate in exq.candidates(row.item):
            self.box.addItem(candidate["label"], candidate["id"])
        form.addRow("It was:", self.box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def choice(self) -> str:
        return str(self.box.currentData())


class LinkDialog(QDialog):
    def __init__(self, row: backend.ExceptionRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Link exception #{row.item.id} to an existing QuickBooks record")
        form = QFormLayout(self)
        form.addRow(QLabel(_esc(row.item.message)))
        self.entity_box = QComboBox()
        self.entity_box.addItems(["Customer", "Invoice", "Payment", "Deposit", "JournalEntry", "CreditMemo"])
        self.entity_box.setCurrentText(_guess_entity(row.item.clio_kind))
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("the QuickBooks Id, e.g. 1042")
        form.addRow("QuickBooks record:", self.entity_box)
        form.addRow("Id:", self.id_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.id_edit.textChanged.connect(lambda t: ok.setEnabled(bool(t.strip())))
        form.addRow(self.buttons)

    def entity(self) -> str:
        return self.entity_box.currentText()

    def qbo_id(self) -> str:
        return self.id_edit.text().strip()


# Held records a person may decide to post as they are, with a written reason (a trust overdraft that did
# happen at the bank must reach the books; the shortfall is then replaced from operating funds).
POST_ANYWAY_CODES = frozenset({"trust_overdraft"})


class DismissDialog(QDialog):
    """Asks for the written reason a dismissal (or, with ``post_anyway``, a post-anyway) needs."""

    def __init__(self, row: backend.ExceptionRow, parent: QWidget | None = None, *, post_anyway: bool = False
                 ) -> None:
        super().__init__(parent)
        verb = "Post anyway" if post_anyway else "Dismiss"
        self.setWindowTitle(f"{verb}: exception #{row.item.id}")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("This record will be posted as it is on the next sync. Say why (kept in the audit "
                                "trail):" if post_anyway else
                                "This record will not be posted. Say why (kept in the audit trail):"))
        self.reason_edit = QPlainTextEdit()
        layout.addWidget(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(verb)
        ok.setEnabled(False)
        self.reason_edit.textChanged.connect(lambda: ok.setEnabled(bool(self.reason().strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()


class AssignDialog(QDialog):
    """Asks for the owner's name; the names already in the queue are offered as completions."""

    def __init__(self, ids: list[int], current: str, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        what = f"exception #{ids[0]}" if len(ids) == 1 else f"{len(ids)} exceptions"
        self.setWindowTitle(f"Assign {what}")
        form = QFormLayout(self)
        hint = QLabel("Who is handling this? Leave empty to put it back to unassigned.")
        hint.setWordWrap(True)
        form.addRow(hint)
        self.owner_edit = QLineEdit(current)
        self.owner_edit.setPlaceholderText("a person's name, e.g. Maria Fernandes")
        self.owner_edit.setCompleter(QCompleter(known, self))
        form.addRow("Owner:", self.owner_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # Saying what OK will do avoids an accidental unassign from an empty box.
        self.owner_edit.textChanged.connect(lambda t: ok.setText("Assign" if t.strip() else "Unassign"))
        ok.setText("Assign" if current else "Unassign")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def owner(self) -> str:
        return self.owner_edit.text().strip()


def _guess_entity(clio_kind: str) -> str:
    return {"contacts": "Customer", "matters": "Customer", "bills": "Invoice", "allocations": "Payment",
            "bank_transactions": "JournalEntry", "credit_memos": "CreditMemo"}.get(clio_kind, "Invoice")


def _text_box() -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    return box


def _pretty(text: str) -> str:
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True)
    except ValueError:
        return text


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
