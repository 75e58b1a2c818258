"""Bank statement import: OFX/QFX/QBO and CSV with a saved column mapping.

``read_statement(path, csv_mapping=None) -> Statement`` reads a file without touching the store;
``import_statement(store, path, account, csv_mapping=None) -> ImportResult`` adds its new lines to an
account, all or nothing, de-duplicated by FITID or row fingerprint.
"""

from app.bank.csvfile import CsvMapping
from app.bank.errors import StatementError, StatementWarning
from app.bank.importer import (
    ImportResult,
    import_statement,
    latest_csv_mapping,
    load_csv_mapping,
    save_csv_mapping,
    statement_accounts,
)
from app.bank.reader import parse_statement, read_statement
from app.bank.statement import Statement

__all__ = [
    "CsvMapping",
    "ImportResult",
    "Statement",
    "StatementError",
    "StatementWarning",
    "import_statement",
    "latest_csv_mapping",
    "load_csv_mapping",
    "parse_statement",
    "read_statement",
    "save_csv_mapping",
    "statement_accounts",
]
