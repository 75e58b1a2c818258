"""The reconciliation's exports: the Excel workbook (openpyxl, write-only mode) and the PDF report (reportlab)."""

from app.export.pdf_report import write_pdf
from app.export.workbook import SHEETS, ExportError, write_workbook

__all__ = ["SHEETS", "ExportError", "write_pdf", "write_workbook"]
