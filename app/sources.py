"""The practice-management systems a firm's money can come from, and which one this firm uses.

Every source offers the sync the same thing: its records since a bookmark, as the streams of
``app.sync.clio_books.STREAMS`` (``app.clients.ClioSource``; Clio's own records, or another system's translated
into their shape, as ``app.smokeball.source`` does). What each one cannot provide is said here, once, for the
wizard, the README and the dashboard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import LedgerbridgeError
from app.store import settings
from app.store.db import Store

SOURCE_KEY = "source.kind"


@dataclass(frozen=True)
class SourceInfo:
    key: str
    label: str
    provides: tuple[str, ...]
    cannot: tuple[str, ...]
    available: bool = True
    trust_imported: bool = False  # its API has no trust: the trust ledger comes from an imported export
    warn_days: int = 14  # the dashboard warns this long before the sign-in ends

    @property
    def word(self) -> str:
        """What a sentence calls it ("Clio", not "Clio Manage": the words Clio firms have always read)."""
        return self.label.split()[0]


SOURCES: dict[str, SourceInfo] = {
    "clio": SourceInfo(
        "clio", "Clio Manage",
        provides=("clients and matters", "bills with their lines", "payments linked to the bills they paid",
                  "credit notes", "trust accounts with every transaction, per matter", "changes since the last sync"),
        cannot=(),
    ),
    "smokeball": SourceInfo(
        "smokeball", "Smokeball",
        provides=("contacts and matters", "invoices with their fee and expense entries (read per matter)",
                  "trust and operating accounts with typed transactions and per-matter balances",
                  "changes since the last sync for contacts, matters and transactions"),
        cannot=("which invoice a payment paid: payments are matched to invoices by amount and date, and a payment "
                "that fits more than one invoice waits for a person",
                "a firm-wide list of invoices: a change to an invoice that Smokeball shows nowhere else is read "
                "within a few syncs (a rotating check of the matters), not at once",
                "credit notes", "which account a transfer came from: the two sides are paired by amount and day",
                "bank fees and interest for a client: they wait for a person"),
    ),
    "mycase": SourceInfo(
        "mycase", "MyCase",
        provides=("clients, companies and cases", "invoices, with their lines rebuilt from the time entries and "
                  "expenses that name them", "invoice payments linked to their invoices",
                  "changes since the last sync (payments are read whole each time)"),
        cannot=("any trust activity: MyCase's API has no trust accounts, deposits or balances; import the trust "
                "ledger export from MyCase's trust reports instead",
                "invoice lines: an invoice whose rebuilt lines do not add up to its total waits for a person",
                "credit notes, discounts and write-offs",
                "a sign-in longer than two weeks: a firm that does not sync for two weeks must sign in again "
                "(the dashboard warns four days before)"),
        available=True, trust_imported=True, warn_days=4,
    ),
}


def firm_source(store: Store) -> SourceInfo:
    """The system this firm's books come from (Clio unless the wizard chose another)."""
    return SOURCES.get(str(settings.get(store, SOURCE_KEY, "clio")), SOURCES["clio"])


def set_firm_source(store: Store, key: str) -> SourceInfo:
    info = SOURCES.get(key)
    if info is None or not info.available:
        choices = ", ".join(k for k, v in SOURCES.items() if v.available)
        raise LedgerbridgeError(f"Ledgerbridge cannot read {info.label if info else repr(key)} yet",
                                kept="The firm's source was not changed.", next_step=f"Choose one of: {choices}.")
    settings.put(store, SOURCE_KEY, key)
    return info


# "Clio" as the system, not as the start of a name someone has ("Clio Partners LLC", "Clio Smith"): the core's
# sentences never follow the system's name with a capitalised word.
_CLIO = re.compile(r"\bClio\b(?!\s+[A-Z0-9])")


def in_source_words(text: str, word: str) -> str:
    """A sentence written about Clio, told about the firm's own source: the planner's holds and the
    reconciliation's findings say "Clio" for the practice-management system; a Smokeball firm reads
    "Smokeball"."""
    return text if word == "Clio" else _CLIO.sub(word, text)
