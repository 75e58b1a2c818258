"""The wizard's first page: which practice-management system the firm uses, with what each can and cannot
provide side by side (``app.sources``), so nobody chooses a source and then finds out."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLabel, QRadioButton, QVBoxLayout, QWizardPage

from app.sources import SOURCES, SourceInfo, firm_source, set_firm_source
from ui.context import AppContext
from ui.tasks import Changes, Lane, Op, TaskManager

INTRO = ("This wizard connects the firm's practice-management system and QuickBooks, maps what each account and "
         "activity posts to, and shows how your existing QuickBooks customers match your clients. Nothing is "
         "posted until you press Sync. You can run it again later from Settings.")


def _bullets(items: tuple[str, ...], empty: str) -> str:
    return "<ul style='margin-left:-20px'>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" \
        if items else f"<p><i>{escape(empty)}</i></p>"


def comparison(sources: dict[str, SourceInfo] = SOURCES) -> list[tuple[str, str, str]]:
    """(label, what it provides, what it cannot) per source, as rich text for the side-by-side grid."""
    return [(info.label + ("" if info.available else " (not available yet)"),
             _bullets(info.provides, "nothing"), _bullets(info.cannot, "nothing the sync needs is missing"))
            for info in sources.values()]


class SourcePage(QWizardPage):
    """Choose the firm's source; the choice is saved on a worker when the page is left."""

    def __init__(self, ctx: AppContext, tasks: TaskManager, *, demo_note: str = "") -> None:
        super().__init__()
        self.ctx, self.tasks = ctx, tasks
        self.setTitle("Set up Ledgerbridge")
        self.setSubTitle("Which practice-management system does this firm keep its billing and trust in?")
        layout = QVBoxLayout(self)
        intro = QLabel(INTRO + (f"<br><br>{demo_note}" if demo_note else ""))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(QLabel("<b>Provides</b>"), 1, 0, top)
        grid.addWidget(QLabel("<b>Cannot provide</b>"), 2, 0, top)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for column, (key, (label, provides, cannot)) in enumerate(zip(SOURCES, comparison(), strict=True), start=1):
            button = QRadioButton(label)
            button.setEnabled(SOURCES[key].available and not ctx.is_demo)  # the demo's sandbox serves one firm
            self.group.addButton(button)
            self.buttons[key] = button
            grid.addWidget(button, 0, column)
            for row, text in ((1, provides), (2, cannot)):
                cell = QLabel(text)
                cell.setWordWrap(True)
                grid.addWidget(cell, row, column, top)
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.buttons["clio"].setChecked(True)
        self.chosen = "clio"
        self.group.buttonToggled.connect(lambda *_a: self.completeChanged.emit())

    def initializePage(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Reading the firm's practice-management system", lambda _t: firm_source(ctx.store).key,
                          lane=Lane.POOL, on_success=self.show_source))

    def show_source(self, key: str) -> None:
        if key in self.buttons:
            self.buttons[key].setChecked(True)
            self.chosen = key

    def source(self) -> str:
        return next((k for k, b in self.buttons.items() if b.isChecked()), "clio")

    def isComplete(self) -> bool:
        return SOURCES[self.source()].available

    def validatePage(self) -> bool:
        key, ctx = self.source(), self.ctx
        if key != self.chosen:
            self.chosen = key
            self.tasks.run(Op("Saving the firm's practice-management system", lambda _t: _save(ctx, key),
                              lane=Lane.WRITE))
        return True


def _save(ctx: AppContext, key: str) -> Changes:
    set_firm_source(ctx.store, key)
    return Changes(settings=True)


def label_of(key: str) -> str:
    return SOURCES[key].label if key in SOURCES else key

