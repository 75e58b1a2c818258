"""The setup wizard's cutover step, and the first sync's preview shown before it is started.

A firm whose books are already in QuickBooks starts Ledgerbridge on a cutover date: nothing dated before it
is posted, what QuickBooks already has is linked, each client's trust balance opens on that day (see
``app.sync.cutover``). The preview is the first sync's dry run summed up by kind (``app.sync.preview``),
computed on a worker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.money import fmt
from app.sync import cutover
from ui.context import AppContext
from ui.table_model import Column, RowsModel

EXPLAIN = (
    "If QuickBooks already holds this firm's books (from Clio's own QuickBooks connector or typed by hand), "
    "start Ledgerbridge on a cutover date. Ledgerbridge then posts nothing dated before it; it links the "
    "invoices, payments and customers QuickBooks already has instead of creating them again (a record that "
    "disagrees waits in the exception queue with both versions); and it posts each client's trust balance per "
    "matter on that day as one opening entry, less what QuickBooks already shows. Anything dated on or before "
    "QuickBooks' closing date is never sent. Leave the box clear to post the whole Clio history."
)


class CutoverPage(QWizardPage):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setTitle("Where the books start")
        self.setSubTitle("The cutover: from which day Ledgerbridge posts Clio into QuickBooks.")
        layout = QVBoxLayout(self)
        text = QLabel(EXPLAIN)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.enabled = QCheckBox("QuickBooks already holds the books: start on")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.post = QRadioButton("post them to QuickBooks (linked instead when QuickBooks has them)")
        self.leave = QRadioButton("leave them out (QuickBooks' own records stand)")
        self.open_bills = QButtonGroup(self)
        self.open_bills.addButton(self.post)
        self.open_bills.addButton(self.leave)
        layout.addWidget(self.enabled)
        layout.addWidget(self.date)
        layout.addWidget(QLabel("Bills issued before the cutover that are still awaiting payment:"))
        layout.addWidget(self.post)
        layout.addWidget(self.leave)
        layout.addStretch(1)
        self.enabled.toggled.connect(self._toggled)
        saved = cutover.load(ctx.store)
        today = dt.date.today()
        start = saved.start or today.replace(day=1)
        self.date.setDate(QDate(start.year, start.month, start.day))
        self.enabled.setChecked(saved.start is not None)
        (self.leave if saved.open_bills == "leave" else self.post).setChecked(True)
        self._toggled(self.enabled.isChecked())

    def _toggled(self, on: bool) -> None:
        for w in (self.date, self.post, self.leave):
            w.setEnabled(on)

    def chosen(self) -> tuple[dt.date | None, str]:
        """(cutover or None, "post" | "leave")."""
        q = self.date.date()
        start = dt.date(q.year(), q.month(), q.day()) if self.enabled.isChecked() else None
        return start, "leave" if self.leave.isChecked() else "post"

    def sentence(self) -> str:
        start, open_bills = self.chosen()
        if start is None:
            return "Cutover: none, the whole Clio history is posted."
        return (f"Cutover: <b>{start.isoformat()}</b>; open bills from before it are "
                f"<b>{'posted' if open_bills == 'post' else 'left out'}</b>.")


def save_cutover(ctx: AppContext, start: dt.date | None, open_bills: str) -> None:
    from app.store import audit

    saved = cutover.save(ctx.store, start, open_bills)
    audit.append(ctx.store, actor=ctx.actor, action="cutover.saved",
                 detail=f"cutover {saved.start.isoformat() if saved.start else 'none'}, open bills {saved.open_bills}")


class PreviewTable(QWidget):
    """The first sync's preview: kind, what happens to it, how many, how much."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.model = RowsModel([Column("Record"), Column("What the first sync does"), Column("How many"),
                                Column("Amount")], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.view)
        layout.addWidget(self.note)

    def show_plan(self, plan: Any) -> None:
        from app.sync import preview

        rows = preview.preview(plan)
        self.model.set_rows([(r.kind, r.outcome, str(r.count), fmt(r.amount) if r.amount else "") for r in rows])
        extra = []
        if plan.before_cutover:
            extra.append(f"{plan.before_cutover} Clio records dated before the cutover are left to QuickBooks' "
                         "own books.")
        if plan.unchanged:
            extra.append(f"{plan.unchanged} records are already in QuickBooks as they are in Clio.")
        self.note.setText(" ".join(extra))
