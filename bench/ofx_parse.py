"""Reading a large OFX statement: speed and peak memory.

    python3 bench/ofx_parse.py [--transactions 500000]

Writes a statement of that many transactions (about 50 MB at 500,000) to a temporary folder, then reads it
with ``app.bank.read_statement`` in a fresh process and prints MB/s and that process's peak memory against
the file's size (goal: at least 20 MB/s, and peak memory at most four times the file). The process's memory
before reading (the interpreter and the app's imports) is measured the same way and subtracted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEAD = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
        "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0"
        "<SEVERITY>INFO</STATUS><DTSERVER>20261101<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>"
        "<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM>"
        "<BANKID>121000358<ACCTID>4417307305<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
        "<DTSTART>20260101<DTEND>20261031\n")
# About 100 bytes a transaction, as in a bank's export: 500,000 of them make the 50 MB of the goal.
TXN = ("<STMTTRN><TRNTYPE>{kind}<DTPOSTED>2026{month:02d}{day:02d}<TRNAMT>{amount}<FITID>F{n:08d}"
       "<CHECKNUM>{check}<NAME>Payee {matter}</STMTTRN>\n")
TAIL = "</BANKTRANLIST><LEDGERBAL><BALAMT>1234.56<DTASOF>20261031</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"


def write_statement(path: Path, count: int) -> None:
    with path.open("w", encoding="ascii") as out:
        out.write(HEAD)
        for n in range(count):
            credit = n % 3 == 0
            out.write(TXN.format(kind="CREDIT" if credit else "DEBIT", month=1 + n % 10, day=1 + n % 28,
                                 amount=f"{'' if credit else '-'}{(n % 50000) / 100 + 1:.2f}", n=n,
                                 check=5000 + n % 9000, matter=n % 700))
        out.write(TAIL)


def _read(path: str, only_imports: bool, answer: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from app.bank import read_statement

    started = time.perf_counter()
    lines = 0 if only_imports else len(read_statement(path).lines)
    seconds = time.perf_counter() - started
    answer.put((lines, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def measure(path: Path, only_imports: bool) -> tuple[int, float, int]:
    ctx = multiprocessing.get_context("spawn")
    answer: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    child = ctx.Process(target=_read, args=(str(path), only_imports, answer))
    child.start()
    child.join()
    if answer.empty():
        raise SystemExit(f"the reading process failed (exit {child.exitcode}): see above")
    return answer.get()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--transactions", type=int, default=500_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="lb-ofx-") as tmp:
        path = Path(tmp) / "statement.ofx"
        write_statement(path, args.transactions)
        size = path.stat().st_size
        _, _, baseline = measure(path, only_imports=True)
        lines, seconds, peak = measure(path, only_imports=False)
    mb = size / 1_000_000
    used = peak - baseline
    print(f"statement: {args.transactions} transactions, {mb:.1f} MB; read {lines} lines")
    print(f"time: {seconds:.2f} s, {mb / seconds:.1f} MB/s (goal at least 20 MB/s)")
    print(f"peak memory of the reading process: {peak / 2**20:.0f} MiB, {used / 2**20:.0f} MiB above its imports "
          f"({used / size:.2f} times the file; goal at most 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
