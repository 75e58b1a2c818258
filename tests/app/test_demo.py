"""The headless demo runs the whole job and finds exactly what the demo firm planted."""

from __future__ import annotations

import openpyxl

from app.cli import main
from app.demo import run_headless


def test_headless_demo_finds_exactly_the_planted_problems(tmp_path, keychain_profile):
    lines: list[str] = []
    outcome = run_headless("small", 7, tmp_path, say=lines.append)
    text = "\n".join(lines)
    assert "through the browser sign-in; tokens are in the keychain" in text
    assert "linked it to the existing QuickBooks customer" in text
    assert "ties: $" in text and outcome.held == 0 and outcome.waiting == 0
    assert outcome.ok, (outcome.missed, outcome.unexpected_findings)
    workbook = openpyxl.load_workbook(outcome.workbook)
    assert "Summary" in workbook.sheetnames and "Findings" in workbook.sheetnames
    # the workbook, the PDF and the statement name clients: owner-only; the result is never a kind "ties"
    import stat

    assert outcome.pdf is not None and outcome.pdf.read_bytes().startswith(b"%PDF")
    for path in (outcome.workbook, outcome.pdf, *tmp_path.glob("trust-statement-*.ofx")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert "Result: Ties once 5 listed items are resolved" in text


def test_demo_command_exit_code(tmp_path, keychain_profile, capsys):
    assert main(["demo", "--headless", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Clio sandbox: http://127.0.0.1:")
    assert "found exactly the planted problems" in out


def test_headless_smokeball_demo_finds_exactly_the_planted_problems(tmp_path, keychain_profile):
    from app.demo_smokeball import run_headless_smokeball

    lines: list[str] = []
    outcome = run_headless_smokeball("small", 7, tmp_path, say=lines.append, unlimited=True)
    text = "\n".join(lines)
    assert "chose invoice 9000" in text and "chose invoice 9001" in text
    assert "Exception queue: 2 waiting for a person (2 trust_account_charge)." in text
    assert "ties: $" in text and "in Smokeball and QuickBooks" in text
    assert outcome.ok, (outcome.held, outcome.waiting, outcome.missed, outcome.unexpected_findings)
    assert "Result: Ties once 1 listed items are resolved: unassigned entries -$18.83." in text
    assert openpyxl.load_workbook(outcome.workbook)["Summary"] is not None


def test_headless_mycase_demo_finds_exactly_the_planted_problems(tmp_path, keychain_profile):
    from app.demo_mycase import run_headless_mycase

    lines: list[str] = []
    outcome = run_headless_mycase("small", 7, tmp_path, say=lines.append, unlimited=True)
    text = "\n".join(lines)
    assert "Before September's trust ledger is imported: Does not tie" in text and "trust ledger missing" in text
    assert "Imported 1 new of 16 trust ledger lines" in text  # the overlapping download adds only what is new
    assert "(lines_mismatch): MyCase invoice" in text
    assert outcome.ok, (outcome.held, outcome.waiting, outcome.missed, outcome.unexpected_findings)
    assert "Result: Ties to the cent, with nothing open." in text
