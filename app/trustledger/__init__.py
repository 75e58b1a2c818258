"""The firm's own trust ledger, imported from its practice-management system's export (MyCase's API has no
trust): read through a saved column mapping, de-duplicated across imports, kept for the sync and the
reconciliation."""

from app.trustledger.importer import LedgerImport, import_trust_ledger, last_import
from app.trustledger.reader import LedgerLine, TrustLedgerMapping, read_trust_ledger

__all__ = ["LedgerImport", "LedgerLine", "TrustLedgerMapping", "import_trust_ledger", "last_import",
           "read_trust_ledger"]
