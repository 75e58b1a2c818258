"""The Excel workbook of a reconciliation (openpyxl, write-only mode)."""

from app.export.workbook import SHEETS, ExportError, write_workbook

__all__ = ["SHEETS", "ExportError", "write_workbook"]
