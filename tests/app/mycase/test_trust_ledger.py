"""Importing a trust ledger export: read through a column mapping, all or nothing, each line once across
overlapping imports, with the day each import covers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from app.bank.errors import StatementError
from app.store import open_store
from app.trustledger import TrustLedgerMapping, import_trust_ledger, last_import
from app.trustledger.importer import ledger_lines

MAPPING = TrustLedgerMapping(amount_column="Amount", reference_column="Reference")
HEADER = "Date,Client,Case,Type,Amount,Reference\n"


def _write(tmp: Path, name: str, rows: str) -> Path:
    path = tmp / name
    path.write_text(HEADER + rows)
    return path


def test_overlapping_exports_add_only_what_is_new(tmp_path: Path):
    store = open_store(tmp_path / "f.sqlite3")
    first = _write(tmp_path, "a.csv", "09/01/2026,Ada Reyes,2026-0001,Deposit,1500.00,DEP-1\n"
                                      "09/03/2026,Ada Reyes,2026-0001,Disbursement,-120.00,CHK-7\n")
    second = _write(tmp_path, "b.csv", "09/01/2026,Ada Reyes,2026-0001,Deposit,1500.00,DEP-1\n"
                                       "09/03/2026,Ada Reyes,2026-0001,Disbursement,-120.00,CHK-7\n"
                                       "09/03/2026,Ada Reyes,2026-0001,Disbursement,-120.00,CHK-7\n"
                                       "09/20/2026,Bo Tanaka,2026-0002,Deposit,900.00,DEP-2\n")
    a = import_trust_ledger(store, first, "IOLTA", MAPPING)
    b = import_trust_ledger(store, second, "IOLTA", MAPPING, through=dt.date(2026, 9, 30))
    assert (a.rows_added, b.rows_read, b.rows_added) == (2, 4, 2)  # the repeated check is a second, real one
    assert sum(ln.amount for _, ln in ledger_lines(store, "IOLTA")) == Decimal("2160.00")
    last = last_import(store, "IOLTA")
    assert last is not None and last.through == dt.date(2026, 9, 30) and "covering through 2026-09-30" in b.sentence()
    store.close()


def test_a_broken_line_refuses_the_whole_file_and_names_the_line(tmp_path: Path):
    store = open_store(tmp_path / "f.sqlite3")
    bad = _write(tmp_path, "bad.csv", "09/01/2026,Ada Reyes,2026-0001,Deposit,1500.00,DEP-1\n"
                                      "09/02/2026,Ada Reyes,2026-0001,Deposit,twelve,DEP-2\n")
    with pytest.raises(StatementError) as err:
        import_trust_ledger(store, bad, "IOLTA", MAPPING)
    assert err.value.line == 3 and "amount" in str(err.value)
    assert ledger_lines(store) == [] and last_import(store) is None  # nothing kept
    nobody = _write(tmp_path, "nobody.csv", "09/01/2026,,,Deposit,10.00,X\n")
    with pytest.raises(StatementError, match="a client or a case"):
        import_trust_ledger(store, nobody, "IOLTA", MAPPING)
    late = _write(tmp_path, "late.csv", "10/02/2026,Ada Reyes,2026-0001,Deposit,10.00,X\n")
    with pytest.raises(StatementError, match="lines up to 2026-09-30"):
        import_trust_ledger(store, late, "IOLTA", MAPPING, through=dt.date(2026, 9, 30))
    with pytest.raises(StatementError, match="trust ledger export x.csv, line 1: expected a column named 'When'"):
        import_trust_ledger(store, _write(tmp_path, "x.csv", ""), "IOLTA",
                            TrustLedgerMapping(amount_column="Amount", date_column="When"))
    store.close()


def test_deposit_and_withdrawal_columns(tmp_path: Path):
    store = open_store(tmp_path / "f.sqlite3")
    path = tmp_path / "split.csv"
    path.write_text("When,Who,Matter,Kind,In,Out,Ref\n2026-09-01,Ada,2026-0001,Deposit,500.00,,D1\n"
                    "2026-09-05,Ada,2026-0001,Fee,,75.25,C1\n")
    mapping = TrustLedgerMapping(date_column="When", client_column="Who", case_column="Matter", type_column="Kind",
                                 deposit_column="In", withdrawal_column="Out", reference_column="Ref")
    import_trust_ledger(store, path, "IOLTA", mapping)
    assert [ln.amount for _, ln in ledger_lines(store)] == [Decimal("500.00"), Decimal("-75.25")]
    store.close()


def test_the_command_imports_with_the_saved_columns(tmp_path: Path, data_dir, capsys):
    from app.cli import main

    path = tmp_path / "ledger.csv"
    path.write_text("When,Who,Matter,Kind,Sum,Ref\n2026-09-01,Ada,2026-0001,Deposit,500.00,D1\n")
    columns = "date=When,client=Who,case=Matter,type=Kind,amount=Sum,reference=Ref"
    assert main(["import-trust-ledger", str(path), "--account", "IOLTA", "--columns", columns,
                 "--through", "2026-09-30"]) == 0
    assert "Imported 1 new of 1 trust ledger lines" in capsys.readouterr().out
    path.write_text("When,Who,Matter,Kind,Sum,Ref\n2026-09-01,Ada,2026-0001,Deposit,500.00,D1\n"
                    "2026-10-02,Ada,2026-0001,Deposit,20.00,D2\n")
    assert main(["import-trust-ledger", str(path), "--account", "IOLTA"]) == 0  # the columns were kept
    assert "Imported 1 new of 2 trust ledger lines" in capsys.readouterr().out
