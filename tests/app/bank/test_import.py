"""Importing statements into a real SQLite store: all or nothing, de-duplicated, balances kept."""

from decimal import Decimal
from pathlib import Path

import pytest

from app.bank import CsvMapping, StatementError, import_statement, load_csv_mapping, save_csv_mapping
from app.errors import LedgerbridgeError
from app.store import audit

DATA = Path(__file__).parents[2] / "data" / "bank"
US = CsvMapping(
    date_column="Date", amount_column="Amount", description_column="Description",
    reference_column="Check Number", balance_column="Balance", date_format="%m/%d/%Y",
)


def counts(store):
    return (
        store.query("SELECT count(*) FROM bank_lines")[0][0],
        store.query("SELECT count(*) FROM bank_statements")[0][0],
    )


def test_import_keeps_lines_and_balances(store):
    result = import_statement(store, DATA / "ofx1_sgml_cp1252.ofx", "IOLTA Trust")
    assert (result.added, result.duplicates, result.adjustments) == (3, 0, 0)
    row = store.query("SELECT * FROM bank_statements WHERE id = ?", (result.statement_id,))[0]
    assert (row["start_date"], row["end_date"], row["ending_balance"]) == ("2026-10-01", "2026-10-31", "3725.00")
    lines = store.query("SELECT date, amount, check_number, memo FROM bank_lines ORDER BY date")
    assert [(r["date"], r["amount"]) for r in lines] == [
        ("2026-10-02", "5000.00"), ("2026-10-09", "-1250.00"), ("2026-10-31", "-25.00"),
    ]
    assert lines[0]["memo"] == "Retainer Café René – matter 00012"
    last = audit.history(store)[-1]
    assert last.action == "bank.statement_imported" and "3 of 3 lines new" in last.detail
    assert audit.verify(store).ok


def test_reimport_adds_nothing(store):
    import_statement(store, DATA / "ofx2_xml.ofx", "IOLTA Trust")
    before = counts(store)
    again = import_statement(store, DATA / "ofx2_xml.ofx", "IOLTA Trust")
    assert (again.added, again.duplicates) == (0, 3)
    assert counts(store) == before


def test_overlapping_csv_import_adds_only_new_rows(store, tmp_path):
    rows = (DATA / "us_signed.csv").read_bytes().split(b"\r\n")
    first = tmp_path / "first.csv"
    first.write_bytes(b"\r\n".join(rows[:4]) + b"\r\n")  # header + 3 rows
    second = tmp_path / "second.csv"
    second.write_bytes(b"\r\n".join([rows[0], *rows[2:]]))  # overlaps rows 2-3, adds the two fees
    assert import_statement(store, first, "IOLTA Trust", US).added == 3
    result = import_statement(store, second, "IOLTA Trust", US)
    assert (result.added, result.duplicates) == (2, 2)
    assert import_statement(store, DATA / "us_signed.csv", "IOLTA Trust", US).added == 0
    fees = store.query("SELECT count(*) FROM bank_lines WHERE amount = '-15.00'")[0][0]
    assert fees == 2  # two identical fee rows on the same day are both real


def test_same_lines_on_another_account_are_separate(store):
    import_statement(store, DATA / "ofx2_xml.ofx", "IOLTA Trust")
    assert import_statement(store, DATA / "ofx2_xml.ofx", "Trust - Large Matter").added == 3


@pytest.mark.parametrize("name", ["broken_amount.ofx", "broken_no_date.ofx", "not_a_statement.txt"])
def test_broken_file_changes_nothing(store, name):
    import_statement(store, DATA / "ofx1_sgml_cp1252.ofx", "IOLTA Trust")
    before = counts(store), audit.verify(store).entries
    with pytest.raises(StatementError):
        import_statement(store, DATA / name, "IOLTA Trust")
    assert (counts(store), audit.verify(store).entries) == before


def test_broken_csv_changes_nothing(store):
    with pytest.raises(StatementError, match="line 4"):
        import_statement(store, DATA / "broken_bad_date.csv", "IOLTA Trust", US)
    assert counts(store) == (0, 0)


def test_saved_mapping_by_name(store):
    save_csv_mapping(store, "IOLTA Trust", "first national", US)
    assert load_csv_mapping(store, "IOLTA Trust", "first national") == US
    result = import_statement(store, DATA / "us_signed.csv", "IOLTA Trust", "first national")
    assert result.added == 5
    row = store.query("SELECT start_balance, ending_balance FROM bank_statements")[0]
    assert (Decimal(row[0]), Decimal(row[1])) == (Decimal("0.00"), Decimal("3170.00"))
    with pytest.raises(LedgerbridgeError, match="first national"):
        load_csv_mapping(store, "IOLTA Trust", "second national")
