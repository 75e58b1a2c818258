"""The headless commands, through app.cli.main, on a profile database."""

import re
from pathlib import Path

import openpyxl

from app.cli import main
from app.paths import database_path
from app.store import open_store

from .firm import ACCOUNT, PERIOD, fill, write_statement


def make_profile(name: str) -> None:
    store = open_store(database_path(name))
    fill(store)
    store.close()


def test_reconcile_with_statement_then_export_and_sign_off(data_dir, tmp_path, capsys):
    make_profile("firm-a")
    statement = write_statement(tmp_path)
    code = main(["reconcile", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD,
                 "--statement", str(statement)])
    out = capsys.readouterr().out
    assert code == 1  # it ties, but there are findings a person must deal with
    assert "10 new bank lines imported" in out and "Ties once" in out
    assert "[alert]" in out and "stale" in out

    assert main(["import-statement", str(statement), "--profile", "firm-a", "--account", ACCOUNT]) == 0
    assert "0 new bank lines imported, 10 already imported" in capsys.readouterr().out

    book = tmp_path / "out" / "october.xlsx"
    assert main(["export", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD, "--out", str(book)]) == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "Summary"

    sign = ["sign-off", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD, "--prepared-by", "Pat",
            "--reviewed-by", "Riley", "--date", "2026-11-05", "--note", "open items followed up"]
    assert main(sign) == 2  # the open items need a written resolution each
    assert "no written resolution" in capsys.readouterr().err
    items = re.findall(r"\(item ([^)]+)\)", out)
    assert len(items) >= 4
    assert main(sign + [arg for key in items for arg in ("--resolve", f"{key}=followed up with the bank")]) == 0
    assert "report digest" in capsys.readouterr().out
    assert main(["reconcile", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD]) == 1
    assert "(signed off)" in capsys.readouterr().out
    # reopening needs a reason on the command line too, and then the month is open again
    assert main(["reopen", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD, "--reason",
                 "lien payment on the wrong matter", "--by", "Pat"]) == 0
    assert "signed report is kept" in capsys.readouterr().out
    assert main(["reconcile", "--profile", "firm-a", "--account", ACCOUNT, "--period", PERIOD]) == 1
    assert "(signed off)" not in capsys.readouterr().out


def test_broken_statement_exits_2_with_the_line(data_dir, capsys):
    make_profile("firm-b")
    broken = Path(__file__).parents[2] / "data" / "bank" / "broken_amount.ofx"
    assert main(["import-statement", str(broken), "--profile", "firm-b", "--account", ACCOUNT]) == 2
    assert "line 50" in capsys.readouterr().err


def test_unknown_account_exits_2(data_dir, capsys):
    make_profile("firm-c")
    assert main(["reconcile", "--profile", "firm-c", "--account", "Nope", "--period", PERIOD]) == 2
    assert "no bank account named 'Nope'" in capsys.readouterr().err
