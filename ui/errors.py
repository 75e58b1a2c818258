"""The default error dialogs.

A :class:`~app.errors.LedgerbridgeError` is something a bookkeeper can act on: it is shown as its three
sentences (what happened, what was kept, what to do next) and never a traceback. Anything else is a bug:
a dialog with the details in a read-only, selectable box and a Copy button, and the traceback goes to the
log (the caller logs it; see ``TaskManager.report_error``). Dialogs are opened window-modal with
``open()``, never ``exec()``, so no nested event loop runs under a task's callback.
"""

from __future__ import annotations

import traceback

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.errors import LedgerbridgeError
from app.logs import redact


class ProblemDialog(QDialog):
    """A LedgerbridgeError: what happened, what was kept, what to do next."""

    def __init__(self, title: str, error: LedgerbridgeError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemDialog")
        self.setWindowTitle(title)
        self.error = error
        layout = QVBoxLayout(self)
        self.what = QLabel(f"<b>{_esc(error.what)}</b>")
        self.kept = QLabel(_esc(error.kept))
        self.next_step = QLabel(_esc(error.next_step))
        for label in (self.what, self.kept, self.next_step):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setVisible(bool(label.text()))
            layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def text(self) -> str:
        return str(self.error)


class BugDialog(QDialog):
    """Something the app did not expect: copyable details for a bug report."""

    def __init__(self, title: str, error: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bugDialog")
        self.setWindowTitle(f"{title}: unexpected error")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "<b>Ledgerbridge hit an unexpected error.</b><br>Nothing half-done was saved: each step "
            "commits whole or not at all. Please send the details below to support; they contain no "
            "passwords or tokens."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.details = QPlainTextEdit(redact(f"Ledgerbridge {__version__}\n{title}\n\n{details}"), self)
        self.details.setReadOnly(True)
        self.details.setMinimumSize(560, 220)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("&Copy details", self)
        copy.setToolTip("Copy the details to the clipboard for a bug report")
        copy.clicked.connect(self.copy)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())


def error_dialog(parent: QWidget | None, title: str, error: BaseException) -> QDialog:
    """Open the right dialog for ``error`` (window-modal, non-blocking) and return it."""
    dialog: QDialog
    if isinstance(error, LedgerbridgeError):
        dialog = ProblemDialog(title, error, parent)
    else:
        dialog = BugDialog(title, error, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
