"""The health report: is the queue empty, when did the last sync run, do invoices and trust tie out."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from app.clients import QboBooks
from app.mapping import load_mapping
from app.money import cents, fmt
from app.store import cache, links
from app.store import exceptions as exq
from app.store.db import Store
from app.sync import runs
from app.sync.clio_books import load_books
from app.sync.verify import TrustTie, verify


@dataclass
class SpotCheck:
    bill_number: str
    clio_total: Decimal
    qbo_total: Decimal | None

    @property
    def ok(self) -> bool:
        return self.qbo_total is not None and self.qbo_total == self.clio_total


@dataclass
class HealthReport:
    open_exceptions: int
    last_run: runs.RunRecord | None
    spot_checks: list[SpotCheck] = field(default_factory=list)
    trust: list[TrustTie] = field(default_factory=list)

    @property
    def queue_empty(self) -> bool:
        return self.open_exceptions == 0

    @property
    def ok(self) -> bool:
        return self.queue_empty and all(s.ok for s in self.spot_checks) and all(t.ties for t in self.trust)

    def lines(self) -> list[str]:
        out = [f"Exception queue: {'empty' if self.queue_empty else f'{self.open_exceptions} waiting'}."]
        last = self.last_run
        out.append(f"Last sync: {last.finished} ({last.result}, {last.trigger})." if last else "Last sync: never.")
        bad = [s for s in self.spot_checks if not s.ok]
        out.append(f"Invoice spot check: {len(self.spot_checks) - len(bad)} of {len(self.spot_checks)} match.")
        for s in bad:
            out.append(f"  Invoice {s.bill_number}: Clio {fmt(s.clio_total)}, QuickBooks "
                       f"{fmt(s.qbo_total) if s.qbo_total is not None else 'missing'}.")
        out += [t.sentence() for t in self.trust]
        return out


def health(store: Store, qbo: QboBooks, sample: int = 10, *, seed: int | None = None) -> HealthReport:
    """Queue, last run, ``sample`` random invoices compared (one query), and the trust tie-out."""
    report = HealthReport(exq.open_count(store), runs.last(store))
    invoice_links = [lk for lk in links.all_links(store).values()
                     if lk.qbo_entity == "Invoice" and lk.state == "posted"]
    chosen = random.Random(seed).sample(invoice_links, min(sample, len(invoice_links)))
    if chosen:
        quoted = ", ".join(f"'{lk.qbo_id}'" for lk in chosen)
        rows = {str(r["Id"]): r for r in qbo.query(f"SELECT * FROM Invoice WHERE Id IN ({quoted})")}
        for lk in chosen:
            bill = cache.get_clio(store, "bills", lk.clio_id) or {}
            row = rows.get(lk.qbo_id)
            report.spot_checks.append(SpotCheck(str(bill.get("number", lk.clio_id)), cents(bill.get("total", 0)),
                                                cents(row["TotalAmt"]) if row else None))
    mapping = load_mapping(store)
    if mapping is not None:
        report.trust = verify(store, qbo, load_books(store), mapping, record=False)
    return report
