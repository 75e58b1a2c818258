"""How every table of the app looks: one line per row at a fixed height, widths from the font."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ui.table_model import Column

_SAMPLES = {"date": "2026-10-31", "money": "-$88,888.88", "int": "00000"}


def configure_table(view: QTableView, columns: Sequence[Column], stretch: int) -> None:
    """Uniform row heights (the view never measures rows, so 100k rows cost what 100 do), no wrapping,
    column widths from the font rather than from the rows' contents, one column taking the rest."""
    vh = view.verticalHeader()
    vh.hide()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    hh = view.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    fm = view.fontMetrics()
    for c, col in enumerate(columns):
        sample = col.sample or _SAMPLES.get(col.kind) or "Check or ref"
        hh.resizeSection(c, max(fm.horizontalAdvance(sample), fm.horizontalAdvance(col.title)) + 22)
    hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
