"""A table model over plain row tuples that stays smooth at 100k rows, and its filter proxy.

The rows come from ``app`` (built on a worker thread) as tuples; ``data()`` only indexes into them and
formats the visible cell, so painting creates no per-row objects. Sorting is done on the row tuples in
Python with one key per row (one C-level sort) instead of letting the proxy call ``data()``
n·log(n) times; the proxy only filters, from a precomputed byte mask.

Each row may carry a ``key`` (its identity in ``app``) and a ``group`` (the match it belongs to, or
None), so matched rows are tinted and the rows of the selected match are highlighted across grids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from app.money import fmt

Index = QModelIndex | QPersistentModelIndex
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

#: role that returns the row's key (its identity in app), and the raw value of a cell.
KeyRole = int(Qt.ItemDataRole.UserRole) + 1
RawRole = int(Qt.ItemDataRole.UserRole) + 2
GroupRole = int(Qt.ItemDataRole.UserRole) + 3


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text | money | date | int
    tooltip: str = ""
    sample: str = ""  # a typical value, to size the column from the font


def _display(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "money":
        return fmt(value)
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sort_key(kind: str) -> Callable[[Any], Any]:
    if kind == "money":
        return lambda v: Decimal(0) if v is None else v
    if kind == "date":
        return lambda v: dt.date.min if v is None else v
    if kind == "int":
        return lambda v: 0 if v is None else v
    return lambda v: "" if v is None else str(v).casefold()


class RowsModel(QAbstractTableModel):
    """Rows of plain tuples, one value per column; ``keys`` and ``groups`` run alongside.

    The rows stay in the order they came in; ``_order`` is the current view of them (sorted, then
    filtered), or None for all rows as they came. Filtering lives here rather than in the proxy's
    ``filterAcceptsRow`` because a Python override of that is called once per row on every reset,
    which at 100k rows costs more than the whole view is allowed to take to open.
    """

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._kinds = [c.kind for c in self.columns]
        self._rows: list[tuple] = []
        self._keys: list[Any] = []
        self._groups: list[Any] = []
        self._search: list[str] | None = None
        self._sorted: list[int] | None = None
        self._order: list[int] | None = None
        self._filter: dict[str, Any] = {}
        self.highlight: set[Any] = set()
        self.matched_brush = QBrush(QColor(46, 160, 67, 45))
        self.highlight_brush = QBrush(QColor(255, 196, 0, 110))

    # -- loading --------------------------------------------------------------------------------------
    def set_rows(self, rows: list[tuple], keys: list[Any] | None = None, groups: list[Any] | None = None) -> None:
        self.beginResetModel()
        self._rows = rows
        self._keys = keys if keys is not None else list(range(len(rows)))
        self._groups = groups if groups is not None else [None] * len(rows)
        self._search = None
        self._sorted = None
        self._order = None
        self.highlight = set()
        if self._filter:
            self._order = self._filtered(self._filter)
        self.endResetModel()

    def _i(self, row: int) -> int:
        return row if self._order is None else self._order[row]

    def row_tuple(self, row: int) -> tuple:
        return self._rows[self._i(row)]

    def key(self, row: int) -> Any:
        return self._keys[self._i(row)]

    def group(self, row: int) -> Any:
        return self._groups[self._i(row)]

    def total_rows(self) -> int:
        return len(self._rows)

    def rows_for_groups(self, groups: set[Any]) -> list[int]:
        """View rows whose match group is in ``groups``."""
        g = self._groups
        if self._order is None:
            return [r for r in range(len(g)) if g[r] in groups]
        return [r for r, i in enumerate(self._order) if g[i] in groups]

    def row_of_key(self, key: Any) -> int:
        """The view row showing ``key``, or -1 when it is filtered out."""
        i = self._keys.index(key)
        if self._order is None:
            return i
        try:
            return self._order.index(i)
        except ValueError:
            return -1

    def set_groups(self, by_key: dict[Any, Any]) -> None:
        """Replace every row's match group (after a match or unmatch in app) and repaint."""
        self._groups = [by_key.get(k) for k in self._keys]
        if self._filter.get("unmatched_only"):
            self.beginResetModel()
            self._order = self._filtered(self._filter)
            self.endResetModel()
        else:
            self._repaint()

    def set_highlight(self, groups: set[Any]) -> None:
        if groups != self.highlight:
            self.highlight = groups
            self._repaint()

    def _repaint(self) -> None:
        n = self.rowCount()
        if n:
            self.dataChanged.emit(
                self.index(0, 0), self.index(n - 1, len(self.columns) - 1), [Qt.ItemDataRole.BackgroundRole]
            )

    # -- Qt model -------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        if parent.isValid():
            return 0
        return len(self._rows) if self._order is None else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = index.row() if self._order is None else self._order[index.row()]
        c = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(self._kinds[c], self._rows[r][c])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN_RIGHT if self._kinds[c] in ("money", "int") else _ALIGN_LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            g = self._groups[r]
            if g is None:
                return None
            return self.highlight_brush if g in self.highlight else self.matched_brush
        if role == KeyRole:
            return self._keys[r]
        if role == RawRole:
            return self._rows[r][c]
        if role == GroupRole:
            return self._groups[r]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].tooltip or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or not self._rows:
            return
        keyf = _sort_key(self._kinds[column])
        rows = self._rows
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [self._i(idx.row()) for idx in old]
        self._sorted = sorted(
            range(len(rows)), key=lambda i: keyf(rows[i][column]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self._order = self._filtered(self._filter) if self._filter else self._sorted
        where = {i: r for r, i in enumerate(self._order)} if old else {}
        for idx, i in zip(old, old_rows, strict=True):
            r = where.get(i)
            self.changePersistentIndex(idx, self.index(r, idx.column()) if r is not None else QModelIndex())
        self.layoutChanged.emit()

    # -- filtering ------------------------------------------------------------------------------------
    def set_filter(
        self,
        *,
        unmatched_only: bool = False,
        text: str = "",
        amount: Decimal | None = None,
        equals: dict[int, Any] | None = None,
    ) -> None:
        """Show only rows that pass every given test: unmatched, containing ``text``, with a money
        column of ``amount`` (either sign), and with column ``c`` equal to ``equals[c]``."""
        params = {"unmatched_only": unmatched_only, "text": text.strip(), "amount": amount, "equals": equals}
        active = unmatched_only or params["text"] or amount is not None or bool(equals)
        self._filter = params if active else {}
        self.beginResetModel()
        self._order = self._filtered(self._filter) if self._filter else self._sorted
        self.endResetModel()

    def _filtered(self, f: dict[str, Any]) -> list[int]:
        base = self._sorted if self._sorted is not None else range(len(self._rows))
        keep = list(base)
        for c, want in (f.get("equals") or {}).items():
            rows = self._rows
            keep = [i for i in keep if rows[i][c] == want]
        if f.get("unmatched_only"):
            groups = self._groups
            keep = [i for i in keep if groups[i] is None]
        if f.get("text"):
            if self._search is None:
                # Built once, on the first search: one lower-cased string per row.
                # str() not the display form: formatting money for 100k rows is the slow part.
                self._search = [" ".join(map(str, r)).casefold() for r in self._rows]
            needle = f["text"].casefold()
            search = self._search
            keep = [i for i in keep if needle in search[i]]
        if f.get("amount") is not None:
            cols = [c for c, k in enumerate(self._kinds) if k == "money"]
            want = abs(f["amount"])
            rows = self._rows
            keep = [i for i in keep if any(rows[i][c] is not None and abs(rows[i][c]) == want for c in cols)]
        return keep


class FilterProxy(QSortFilterProxyModel):
    """The views' proxy. It hands sorting and filtering to the source model (see ``RowsModel``), so
    the C++ side never calls back into Python per row; it keeps the views' selection and index
    mapping on the standard proxy API."""

    def source(self) -> RowsModel:
        src = self.sourceModel()
        assert isinstance(src, RowsModel)
        return src

    def set_filter(self, **params: Any) -> None:
        self.source().set_filter(**params)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def source_row(self, proxy_row: int) -> int:
        return self.mapToSource(self.index(proxy_row, 0)).row()
