"""Small dialogs of the reconciliation screen: the CSV column mapping and the sign-off."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.money import fmt
from ui.backend.reconcile import CsvPreview

NONE = "(none)"
DATE_FORMATS = ["auto", "%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%y", "%d-%b-%Y"]


class CsvMappingDialog(QDialog):
    """Which CSV column is the date, the amount (or debit and credit), the description, the reference.

    The choices become ``app.bank.CsvMapping`` fields; ``app.bank`` checks them and reads the file.
    """

    def __init__(self, preview: CsvPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Columns of {preview.path.name}")
        self.preview = preview
        saved = preview.saved or {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Tell Ledgerbridge which column holds what. The first rows of the file:"))
        table = QTableWidget(len(preview.sample), len(preview.header), self)
        table.setHorizontalHeaderLabels(preview.header)
        for r, row in enumerate(preview.sample):
            for c, value in enumerate(row[: len(preview.header)]):
                table.setItem(r, c, QTableWidgetItem(value))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setMaximumHeight(200)
        layout.addWidget(table)

        form = QFormLayout()
        self.date_col = self._columns(saved.get("date_column"), guess=("date", "posted"))
        self.signed_radio = QRadioButton("One signed amount column")
        self.split_radio = QRadioButton("Separate debit and credit columns")
        self.amount_col = self._columns(saved.get("amount_column"), guess=("amount",))
        self.debit_col = self._columns(saved.get("debit_column"), guess=("debit", "withdrawal"))
        self.credit_col = self._columns(saved.get("credit_column"), guess=("credit", "deposit"))
        self.desc_col = self._columns(saved.get("description_column"), guess=("description", "payee", "details"))
        self.ref_col = self._columns(saved.get("reference_column"), guess=("check", "reference", "ref"))
        self.balance_col = self._columns(saved.get("balance_column"), guess=("balance",))
        self.date_format = QComboBox()
        self.date_format.setEditable(True)
        self.date_format.addItems(DATE_FORMATS)
        self.date_format.setCurrentText(saved.get("date_format", "auto"))
        self.date_format.setToolTip("strptime pattern, or auto to try the common ones")
        self.day_first = QCheckBox("Day before month (03/04 is 3 April)")
        self.day_first.setChecked(bool(saved.get("day_first", False)))
        self.decimal_comma = QCheckBox("Decimal comma (1.234,56)")
        self.decimal_comma.setChecked(bool(saved.get("decimal_comma", False)))
        self.save_edit = QLineEdit(saved.get("_name", "") or "")
        self.save_edit.setPlaceholderText("name to save this mapping under (optional)")
        split = saved.get("debit_column") is not None
        self.split_radio.setChecked(split)
        self.signed_radio.setChecked(not split)
        form.addRow("Date:", self.date_col)
        form.addRow("Date format:", self.date_format)
        form.addRow(self.day_first)
        form.addRow(self.signed_radio)
        form.addRow("Amount:", self.amount_col)
        form.addRow(self.split_radio)
        form.addRow("Debit (money out):", self.debit_col)
        form.addRow("Credit (money in):", self.credit_col)
        form.addRow(self.decimal_comma)
        form.addRow("Description:", self.desc_col)
        form.addRow("Check / reference:", self.ref_col)
        form.addRow("Balance:", self.balance_col)
        form.addRow("Save as:", self.save_edit)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c62828")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.delimiter = saved.get("delimiter", ",")
        self.signed_radio.toggled.connect(self._mode)
        self._mode()

    def _columns(self, current: Any, guess: tuple[str, ...]) -> QComboBox:
        box = QComboBox()
        box.addItem(NONE)
        box.addItems(self.preview.header)
        if isinstance(current, str) and current in self.preview.header:
            box.setCurrentText(current)
        elif current is None:
            for i, name in enumerate(self.preview.header):
                if any(g in name.lower() for g in guess):
                    box.setCurrentIndex(i + 1)
                    break
        return box

    def _mode(self) -> None:
        signed = self.signed_radio.isChecked()
        self.amount_col.setEnabled(signed)
        self.debit_col.setEnabled(not signed)
        self.credit_col.setEnabled(not signed)

    @staticmethod
    def _value(box: QComboBox) -> str | None:
        return None if box.currentText() == NONE else box.currentText()

    def mapping(self) -> dict[str, Any]:
        """The chosen fields, named as ``app.bank.CsvMapping`` names them."""
        signed = self.signed_radio.isChecked()
        return {
            "date_column": self._value(self.date_col),
            "amount_column": self._value(self.amount_col) if signed else None,
            "debit_column": None if signed else self._value(self.debit_col),
            "credit_column": None if signed else self._value(self.credit_col),
            "description_column": self._value(self.desc_col),
            "reference_column": self._value(self.ref_col),
            "balance_column": self._value(self.balance_col),
            "date_format": self.date_format.currentText() or "auto",
            "day_first": self.day_first.isChecked(),
            "decimal_comma": self.decimal_comma.isChecked(),
            "delimiter": self.delimiter,
        }

    def save_name(self) -> str:
        return self.save_edit.text().strip()

    def _accept(self) -> None:
        m = self.mapping()
        if m["date_column"] is None:
            self.problem.setText("Pick the date column.")
            return
        if self.signed_radio.isChecked() and m["amount_column"] is None:
            self.problem.setText("Pick the amount column.")
            return
        if not self.signed_radio.isChecked() and (m["debit_column"] is None or m["credit_column"] is None):
            self.problem.setText("Pick both the debit and the credit column.")
            return
        self.accept()


class SignOffDialog(QDialog):
    """Who prepared and reviewed the reconciliation, and a written resolution for each open item; refuses
    when it does not tie out without a note."""

    def __init__(self, rec: Any, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sign off {rec.account} {rec.period}")
        self.rec = rec
        layout = QVBoxLayout(self)
        diff = rec.unexplained_bank_difference
        info = QLabel(
            f"The reconciliation of <b>{rec.account}</b> for <b>{rec.period}</b>: <b>{rec.result_sentence()}</b>"
            + (f" (difference {fmt(diff)})" if diff else "")
            + " Signing off locks the period."
        )
        info.setWordWrap(True)
        layout.addWidget(info)
        # One written resolution per alert and warning: kept in the signed report, item by item.
        self.resolution_edits: dict[str, QLineEdit] = {}
        if rec.open_items:
            items = QFormLayout()
            for key, finding in rec.open_items:
                edit = QLineEdit()
                edit.setPlaceholderText("what was done, or will be done, about it")
                label = QLabel(finding.message)
                label.setWordWrap(True)
                items.addRow(label)
                items.addRow(f"{finding.severity.value.capitalize()} resolution:", edit)
                self.resolution_edits[key] = edit
            box = QWidget()
            box.setLayout(items)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(box)
            scroll.setMinimumHeight(220)
            layout.addWidget(scroll)
        form = QFormLayout()
        self.prepared = QLineEdit(user)
        self.reviewed = QLineEdit()
        self.reviewed.setPlaceholderText("the reviewing attorney or bookkeeper")
        self.note_edit = QPlainTextEdit()
        self.note_edit.setPlaceholderText("Required when it does not tie out: say why it can be signed anyway")
        form.addRow("Prepared by:", self.prepared)
        form.addRow("Reviewed by:", self.reviewed)
        form.addRow("Note:", self.note_edit)
        form.addRow("Date:", QLabel(dt.date.today().isoformat()))
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #c62828")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign off")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def prepared_by(self) -> str:
        return self.prepared.text().strip()

    def reviewed_by(self) -> str:
        return self.reviewed.text().strip()

    def note(self) -> str:
        return self.note_edit.toPlainText().strip()

    def resolutions(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.resolution_edits.items()}

    def _accept(self) -> None:
        if not self.prepared_by():
            self.problem.setText("Say who prepared the reconciliation.")
            return
        if self.prepared_by().casefold() == self.reviewed_by().casefold() or not self.reviewed_by():
            self.problem.setText("A different person must review the reconciliation.")
            return
        if not self.rec.tied and not self.note():
            self.problem.setText("It does not tie out: a note explaining why it is signed anyway is required.")
            return
        missing = [key for key, text in self.resolutions().items() if not text]
        if missing:
            self.problem.setText(f"{len(missing)} open items still need a written resolution.")
            self.resolution_edits[missing[0]].setFocus()
            return
        self.accept()


class UnmatchDialog(QDialog):
    """Undo a match; the reason is kept in the audit trail (and an automatic pairing is not made again)."""

    def __init__(self, match: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unmatch")
        layout = QVBoxLayout(self)
        kind = "your manual match" if match.manual_id is not None else f"the automatic match ({match.rule})"
        layout.addWidget(QLabel(f"Undo {kind} of {len(match.bank_ids)} bank line(s) and {len(match.txn_ids)} "
                                "journal entr(ies). Why?"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("e.g. the deposit belongs to another matter")
        layout.addWidget(self.reason_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Unmatch")
        ok.setEnabled(False)
        self.reason_edit.textChanged.connect(lambda t: ok.setEnabled(bool(t.strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def reason(self) -> str:
        return self.reason_edit.text().strip()
