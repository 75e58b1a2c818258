"""Dashboard: connections, last and next sync, the exception count, the trust tie-out, Sync Now."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.money import fmt
from ui import backend
from ui.context import AppContext
from ui.sync_controller import SyncController
from ui.table_model import Column, RowsModel
from ui.tasks import Changes, Lane, Op, TaskManager
from ui.views import configure_table

from .base import Page

OK_COLOR = "#2e7d32"
BAD_COLOR = "#c62828"


class DashboardPage(Page):
    title = "Dashboard"
    open_exceptions = Signal()
    reconnect = Signal()  # open the setup wizard to sign in again

    def __init__(self, ctx: AppContext, tasks: TaskManager, sync: SyncController, parent: QWidget | None = None):
        super().__init__(ctx, tasks, parent)
        self.sync = sync
        self.state: backend.DashboardState | None = None
        self.plan_dialog: RowsDialog | None = None
        self.run_dialog: RowsDialog | None = None
        self.refreshes = 0

        layout = QVBoxLayout(self)
        heading = QLabel("<h2>Dashboard</h2>")
        layout.addWidget(heading)
        layout.addWidget(self._connections_box())
        layout.addWidget(self._sync_box())
        layout.addLayout(self._status_row())
        layout.addWidget(self._history_box(), 1)
        self.sync_button.clicked.connect(lambda: self.sync.start(trigger="button"))
        self.dry_button.clicked.connect(lambda: self.sync.start(dry_run=True, trigger="button"))
        self.cancel_button.clicked.connect(self.sync.cancel)
        sync.run_started.connect(self._run_started)
        sync.progressed.connect(self.show_progress)
        sync.run_finished.connect(self._run_finished)
        sync.schedule_changed.connect(self._show_schedule)

    def _connections_box(self) -> QGroupBox:
        conn_box = QGroupBox("Connections", self)
        self.conn_form = QFormLayout(conn_box)
        self.clio_label = QLabel("…")
        self.qbo_label = QLabel("…")
        self.conn_form.addRow("Clio:", self.clio_label)
        self.conn_form.addRow("QuickBooks:", self.qbo_label)
        self.sign_in_warning = QLabel()
        self.sign_in_warning.setWordWrap(True)
        self.reconnect_button = QPushButton("&Reconnect…")
        self.reconnect_button.setToolTip("Sign in again in the setup wizard; nothing synced is lost")
        self.reconnect_button.clicked.connect(self.reconnect.emit)
        self.conn_form.addRow(self.sign_in_warning)
        self.conn_form.addRow(self.reconnect_button)
        self.sign_in_warning.hide()
        self.reconnect_button.hide()
        return conn_box

    def _sync_box(self) -> QGroupBox:
        """The last and next sync, the buttons, and the running sync's progress."""
        sync_box = QGroupBox("Sync", self)
        sync_layout = QVBoxLayout(sync_box)
        form = QFormLayout()
        self.last_sync_label = QLabel("never")
        self.last_sync_label.setWordWrap(True)
        self.next_sync_label = QLabel("timer off")
        form.addRow("Last sync:", self.last_sync_label)
        form.addRow("Next timed sync:", self.next_sync_label)
        sync_layout.addLayout(form)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton("&Sync now")
        self.sync_button.setToolTip("Copy what changed in Clio to QuickBooks now (Ctrl+R)")
        self.sync_button.setShortcut("Ctrl+R")
        self.dry_button = QPushButton("&Dry run")
        self.dry_button.setToolTip("Show what a sync would post, without sending anything")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Stop the running sync at the next safe point; what was posted is kept")
        self.cancel_button.setEnabled(False)
        for b in (self.sync_button, self.dry_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        sync_layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("idle")
        self.progress.setValue(0)
        self.phase_label = QLabel("")
        sync_layout.addWidget(self.progress)
        sync_layout.addWidget(self.phase_label)
        return sync_box

    def _history_box(self) -> QGroupBox:
        """Every run, whoever started it; a double click shows the audit entries the run wrote."""
        box = QGroupBox("Sync history", self)
        layout = QVBoxLayout(box)
        self.history_model = RowsModel([Column("Started (UTC)", sample="2026-12-04 02:51:31"),
                                        Column("Started by", sample="command line, dry run"),
                                        Column("Result", sample="attention"), Column("Written", sample="310 created, 23 held, 4 updated"),
                                        Column("Trust", sample="does NOT tie"), Column("Note")], self)
        self.history_view = QTableView(box)
        self.history_view.setModel(self.history_model)
        self.history_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_view.verticalHeader().hide()
        self.history_view.setToolTip("Double-click a run to see the audit entries it wrote")
        self.history_view.doubleClicked.connect(lambda index: self.show_run(self.history_model.key(index.row())))
        configure_table(self.history_view, self.history_model.columns, 5)
        layout.addWidget(self.history_view)
        return box

    def show_run(self, run_id: int) -> None:
        ctx = self.ctx

        def shown(rows: list[tuple]) -> None:
            self.run_dialog = RowsDialog(f"Sync run {run_id}", f"{len(rows)} audit entries written by this run.",
                                         [Column("When (UTC)"), Column("Action"), Column("Record"),
                                          Column("Detail")], rows, self)
            self.run_dialog.open()

        self.tasks.run(Op(f"Reading run {run_id}'s audit entries", lambda _t: backend.run_audit_rows(ctx, run_id),
                          lane=Lane.POOL, on_success=shown))

    def _status_row(self) -> QHBoxLayout:
        """The exception queue's size and the trust tie-out, side by side."""
        row = QHBoxLayout()
        exc_box = QGroupBox("Exception queue", self)
        exc_layout = QHBoxLayout(exc_box)
        self.exceptions_label = QLabel("…")
        self.exceptions_button = QPushButton("&Open queue")
        self.exceptions_button.setToolTip("Records that could not be posted and wait for a person")
        self.exceptions_button.clicked.connect(self.open_exceptions.emit)
        exc_layout.addWidget(self.exceptions_label, 1)
        exc_layout.addWidget(self.exceptions_button)
        row.addWidget(exc_box, 1)
        tie_box = QGroupBox("Trust tie-out", self)
        tie_layout = QVBoxLayout(tie_box)
        self.tie_label = QLabel("No verification yet: run a sync.")
        self.tie_label.setObjectName("tieOut")
        self.tie_label.setToolTip("Trust bank balance, trust journal balance and the sum of client ledgers")
        self.tie_label.setWordWrap(True)
        tie_layout.addWidget(self.tie_label)
        self.ledger_label = QLabel()  # a source without trust in its API: how fresh the imported ledger is
        self.ledger_label.setWordWrap(True)
        self.ledger_label.hide()
        tie_layout.addWidget(self.ledger_label)
        row.addWidget(tie_box, 1)
        return row

    # -- loading --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        ctx = self.ctx
        self.tasks.run(
            Op("Loading the dashboard", lambda _t: backend.load_dashboard(ctx), lane=Lane.POOL, on_success=self.show_state)
        )

    def on_changes(self, changes: Changes) -> None:
        if changes.exceptions or changes.sync or changes.connections or changes.reconciliation or changes.settings:
            self.refresh()

    def show_state(self, state: backend.DashboardState) -> None:
        self.state = state
        self.refreshes += 1
        labels = {"QuickBooks": self.qbo_label}
        source = next((c.name for c in state.connections if c.name != "QuickBooks"), "Clio")
        labels[source] = self.clio_label  # the first row is the firm's source: Clio, or Smokeball
        row_label = self.conn_form.labelForField(self.clio_label)
        if isinstance(row_label, QLabel):
            row_label.setText(f"{source}:")
        warnings = [c.warning for c in state.connections if c.warning]
        self.sign_in_warning.setText("<br>".join(f"<span style='color:{BAD_COLOR}'>⚠ {_esc(w)}</span>"
                                                 for w in warnings))
        self.sign_in_warning.setVisible(bool(warnings))
        self.reconnect_button.setVisible(bool(warnings) and not self.ctx.is_demo)
        for c in state.connections:
            label = labels.get(c.name)
            if label is None:
                continue
            dot = f"<span style='color:{OK_COLOR if c.connected else BAD_COLOR}'>●</span>"
            text = f"{dot} {'connected' if c.connected else 'not connected'}"
            if c.detail and c.detail != "not connected":
                text += f" — {c.detail}"
            if c.expires:
                text += f" (token valid until {c.expires})"
            label.setText(text)
        self.exceptions_label.setText(
            f"<b>{state.open_exceptions}</b> waiting" if state.open_exceptions else "Nothing waiting"
        )
        self._show_last(state.last_sync)
        self.history_model.set_rows([(h.started, h.trigger, h.result, h.written, h.trust, h.message)
                                     for h in state.history], [h.run_id for h in state.history])
        self._show_tie_out(state.tie_out, state.trust_ledger)
        self._show_schedule()

    def _show_last(self, last: dict[str, Any]) -> None:
        if not last:
            self.last_sync_label.setText("never")
            return
        result = last.get("result", "")
        color = {"ok": OK_COLOR, "failed": BAD_COLOR, "held": "#b26a00"}.get(result, "")
        counts = last.get("counts") or {}
        parts = [f"{counts[k]} {k}" for k in ("created", "updated", "voided", "held") if counts.get(k)]
        when = (last.get("finished") or "")[:16].replace("T", " ")
        text = f"{when} UTC — <span style='color:{color}'><b>{result}</b></span>"
        trigger = last.get("trigger") or ""
        if trigger == "timer":
            text += " (timed)"
        elif trigger not in ("", "button", "window", "python"):
            text += f" (from the {_esc(trigger)})"  # started outside this window: command line, scheduler
        if parts:
            text += " — " + ", ".join(parts)
        if last.get("message"):
            text += f"<br><span style='color:{BAD_COLOR}'>{_esc(last['message'])}</span>"
        self.last_sync_label.setText(text)

    def _show_tie_out(self, ties: tuple[backend.TieOut, ...], ledger: str = "") -> None:
        self.ledger_label.setText(_esc(ledger))
        self.ledger_label.setVisible(bool(ledger))
        if not ties:
            self.tie_label.setText("No verification yet: run a sync.")
            self.tie_label.setProperty("state", "unknown")
            return
        lines = []
        for t in ties:
            verdict = (
                f"<span style='color:{OK_COLOR}'><b>● {_esc(t.name)} ties out</b></span>"
                if t.agrees
                else f"<span style='color:{BAD_COLOR}'><b>● {_esc(t.name)} does not tie out</b></span>"
            )
            lines.append(
                f"{verdict}<br>Bank {fmt(t.bank)} · Trust liability {fmt(t.liability)} · "
                f"Client ledgers {fmt(t.ledgers)}"
            )
        self.tie_label.setProperty("state", "ok" if all(t.agrees for t in ties) else "bad")
        self.tie_label.style().unpolish(self.tie_label)
        self.tie_label.style().polish(self.tie_label)
        self.tie_label.setText("<br>".join(lines))

    def _show_schedule(self) -> None:
        nxt = self.sync.next_run
        if nxt is None:
            self.next_sync_label.setText("timer off (Settings → Sync every)")
        else:
            minutes = self.sync.timer.interval() // 60000
            every = f"every {minutes} min" if minutes else f"every {self.sync.timer.interval() // 1000} s"
            self.next_sync_label.setText(f"{nxt.toString('yyyy-MM-dd HH:mm')} ({every})")

    # -- a run ----------------------------------------------------------------------------------------
    def _run_started(self, dry_run: bool, trigger: str) -> None:
        self.sync_button.setEnabled(False)
        self.dry_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.setFormat("starting…")
        self.phase_label.setText(("Dry run" if dry_run else "Sync") + (" (timed)" if trigger == "timer" else ""))

    def show_progress(self, p: Any) -> None:
        phase = getattr(p, "phase", "")
        done = int(getattr(p, "done", 0) or 0)
        total = int(getattr(p, "total", 0) or 0)
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"{phase}: {done} of {total}")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{phase}…")
        eta = getattr(p, "eta_seconds", None)
        self.phase_label.setText(f"{phase}: {done} of {total}" + (f", about {int(eta)} s left" if eta else ""))

    def _run_finished(self, summary: Any, error: BaseException | None, dry_run: bool, trigger: str) -> None:
        self.sync_button.setEnabled(True)
        self.dry_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setRange(0, 1)
        if trigger == "cancel":
            self.progress.setValue(0)
            self.progress.setFormat("cancelled")
            self.phase_label.setText("Cancelled: what was posted before the cancel is kept.")
        elif error is not None:
            self.progress.setValue(0)
            self.progress.setFormat("failed")
            self.phase_label.setText("The run failed; see the last sync above.")
        else:
            self.progress.setValue(1)
            self.progress.setFormat("dry run done" if dry_run else "done")
            self.phase_label.setText("")
            if dry_run:
                rows = backend.plan_rows(summary)
                self.plan_dialog = RowsDialog("Dry run: what a sync would post",
                                              f"{len(rows)} actions planned. Nothing has been sent.",
                                              [Column("Action"), Column("QuickBooks record"), Column("Clio id"),
                                               Column("Note")], rows, self)
                self.plan_dialog.open()
        self.refresh()


class RowsDialog(QDialog):
    """Rows in a table, to read: a dry run's plan, the audit entries of one run."""

    def __init__(self, title: str, heading: str, columns: list[Column], rows: list[tuple],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(heading))
        self.model = RowsModel(columns)
        self.model.set_rows(rows)
        view = QTableView(self)
        view.setModel(self.model)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
        view.setAlternatingRowColors(True)
        layout.addWidget(view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
