"""Time and peak memory to write a reconciliation workbook of about 100,000 rows (target: under 10 s).

Usage: python3 bench/export.py [ROWS]. Builds a Reconciliation in memory (half bank lines, half journal
entries, with their matches, outstanding items and findings) and writes it with app.export. Peak memory is
measured with tracemalloc (Python allocations while writing) and reported with the process's peak RSS.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.export import write_workbook  # noqa: E402
from app.model import TrustTxn  # noqa: E402
from app.reconcile.records import (  # noqa: E402
    ClientLedger,
    Finding,
    Match,
    OutstandingItem,
    Reconciliation,
    Rule,
    Severity,
    StoredBankLine,
)


def build(rows: int, seed: int = 7) -> Reconciliation:
    rng = random.Random(seed)
    start, end = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    n = rows // 2
    bank, journal, matches = [], [], []
    for i in range(1, n + 1):
        day = start + dt.timedelta(days=rng.randrange(31))
        amount = Decimal(rng.randrange(-500000, 900000)) / 100
        bank.append(StoredBankLine(i, day, amount, f"PAYEE {i % 991}", f"memo {i}", str(1000 + i) if amount < 0 else ""))
        journal.append(TrustTxn(i, "", 1, day, max(amount, Decimal(0)), max(-amount, Decimal(0)), f"Entry {i}",
                                str(1000 + i), "Deposit" if amount > 0 else "Disbursement", client_id=i % 500,
                                matter_id=10_000 + i % 800))
        if i % 10:
            matches.append(Match((i,), (i,), Rule.AMOUNT_DATE, 95, amount=amount))
    unmatched = tuple(b for b in bank if b.id % 10 == 0)
    open_items = [t for t in journal if t.id % 10 == 0]
    ledgers = tuple(
        ClientLedger(m % 500, f"Client {m % 500}", 10_000 + m, f"{m:05d}-Matter", Decimal(rng.randrange(-1000, 90000)), 12)
        for m in range(800)
    )
    journal_total = sum((t.amount for t in journal), Decimal("0.00"))
    return Reconciliation(
        firm="Benchmark & Partners LLP", account="IOLTA Trust", bank_account_id=1, period="2026-10",
        start=start, end=end, statement_balance=Decimal("1000000.00"), opening_balance=Decimal("900000.00"),
        deposits_in_transit=tuple(OutstandingItem(t, (end - t.date).days, "Client") for t in open_items if t.amount > 0),
        outstanding_checks=tuple(OutstandingItem(t, (end - t.date).days, "Client") for t in open_items if t.amount < 0),
        adjusted_bank_balance=Decimal("1000000.00"), journal_balance=journal_total, client_ledgers=ledgers,
        client_ledger_total=sum((c.balance for c in ledgers), Decimal("0.00")), qbo_liability=None,
        bank_lines=tuple(bank), journal=tuple(journal), matches=tuple(matches), unmatched_bank=unmatched,
        ambiguities=(),
        findings=tuple(Finding(Severity.WARNING, "bank_charge", f"Finding {b.id}", b.amount, b.date, (b.id,))
                       for b in unmatched),
        bank_only_total=sum((b.amount for b in unmatched), Decimal("0.00")),
        unexplained_bank_difference=Decimal("0.00"), unassigned_total=Decimal("0.00"),
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rec = build(rows)
    total_rows = (len(rec.bank_lines) + len(rec.journal) + len(rec.matches) + len(rec.client_ledgers)
                  + len(rec.deposits_in_transit) + len(rec.outstanding_checks) + len(rec.unmatched_bank)
                  + len(rec.findings))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        t0 = time.perf_counter()
        write_workbook(rec, path)  # timed on its own: tracemalloc would slow it several times over
        seconds = time.perf_counter() - t0
        size = path.stat().st_size
        tracemalloc.start()
        write_workbook(rec, Path(tmp) / "again.xlsx")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        same = path.read_bytes() == (Path(tmp) / "again.xlsx").read_bytes()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"wrote {total_rows:,} rows ({len(rec.bank_lines):,} bank lines, {len(rec.journal):,} journal entries, "
          f"{len(rec.matches):,} matches, the rest outstanding items, ledgers and findings) in {seconds:.2f} s")
    print(f"  file {size / 1e6:.1f} MB; peak traced memory while writing {peak / 1e6:.1f} MB; "
          f"process peak RSS {rss:.0f} MB (includes the in-memory test data)")
    print(f"  written twice: {'identical bytes' if same else 'DIFFERENT bytes'}")
    print(f"  target < 10 s: {'met' if seconds < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
