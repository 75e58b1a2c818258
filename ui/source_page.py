"""The wizard's first page: which practice-management system the firm uses, with what each can and cannot
provide side by side (``app.sources``), so nobody chooses a source and then finds out."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.auth.redirects import SMOKEBALL_REDIRECT_PORT
from app.mycase.connection import REDIRECT_PORT as MYCASE_REDIRECT_PORT
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
        self.loaded = False  # the saved choice was read (a person's own click is never overridden by it)
        self.touched = False
        self.group.buttonClicked.connect(self._clicked)
        self.group.buttonToggled.connect(self._toggled)

    def _toggled(self, *_args: object) -> None:
        self.completeChanged.emit()

    def _clicked(self, *_args: object) -> None:
        self.touched = True

    def initializePage(self) -> None:
        ctx = self.ctx
        self.tasks.run(Op("Reading the firm's practice-management system", lambda _t: firm_source(ctx.store).key,
                          lane=Lane.POOL, on_success=self.show_source))

    def show_source(self, key: str) -> None:
        self.loaded = True
        if key in self.buttons:
            self.chosen = key
            if not self.touched:
                self.buttons[key].setChecked(True)

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



SMOKEBALL_REGIONS = [("United States", "us"), ("Australia", "au"), ("United Kingdom", "uk")]
SMOKEBALL_HELP = (
    "<b>Smokeball</b> — in Smokeball's developer console, create an app (one per region) with the redirect "
    f"address <code>http://127.0.0.1:{SMOKEBALL_REDIRECT_PORT}/callback</code> and read scopes for contacts, "
    "matters, invoices, fees, expenses and bank accounts. Smokeball issues its client id, client secret and an "
    "API key: enter them here once for this computer (they go to the keychain).")
MYCASE_HELP = (
    "<b>MyCase</b> — ask MyCase support for an API client id and secret, with the redirect address "
    f"<code>http://127.0.0.1:{MYCASE_REDIRECT_PORT}/callback</code> (only support can set it). The person who "
    "signs in needs the permission to manage the firm's billing. Enter the keys once for this computer (they go to "
    "the keychain). MyCase's API has no trust: import its trust ledger export for trust.")


class SignInForm(QWidget):
    """The developer app's keys for a source that is not Clio (and Smokeball's region); blank keys use the ones
    already kept."""

    def __init__(self, help_text: str, *, regions: list[tuple[str, str]] | None = None, api_key: bool = False
                 ) -> None:
        super().__init__()
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        help_label = QLabel(help_text)
        help_label.setWordWrap(True)
        layout.addRow(help_label)
        self.region = QComboBox()
        for name, key in regions or []:
            self.region.addItem(name, key)
        if regions:
            layout.addRow("Region:", self.region)
        self.client_id, self.secret, self.api_key = QLineEdit(), QLineEdit(), QLineEdit()
        edits = [(self.client_id, "Client id:"), (self.secret, "Client secret:")]
        edits += [(self.api_key, "API key:")] if api_key else []
        self.wanted = [e for e, _ in edits]
        for edit, label in edits:
            if edit is not self.client_id:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("kept in the keychain; leave blank to use the one kept")
            layout.addRow(label, edit)

    def app_credentials(self) -> tuple[str, ...] | None:
        values = tuple(e.text().strip() for e in self.wanted)
        return values if all(values) else None


def smokeball_form() -> SignInForm:
    return SignInForm(SMOKEBALL_HELP, regions=SMOKEBALL_REGIONS, api_key=True)


def mycase_form() -> SignInForm:
    return SignInForm(MYCASE_HELP)
