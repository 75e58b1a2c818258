"""Reconciliation screen on the demo firm: import, three grids, highlight, manual match, sign-off, export."""

from __future__ import annotations

import openpyxl
import pytest

from ui import backend
from ui.demo import DEMO_STATEMENT_KEY
from ui.tasks import TaskContext


@pytest.fixture
def synced_ctx(demo_ctx):
    """The demo firm synced, with its planted exceptions settled as the demo's bookkeeper does (the near-duplicate
    customer linked, the overdraft that did leave the bank posted anyway with a reason)."""
    from app.demo import settle_planted_exceptions

    backend.run_sync(demo_ctx, TaskContext(), dry_run=False, trigger="test")
    if settle_planted_exceptions(demo_ctx.store, lambda _line: None):
        backend.run_sync(demo_ctx, TaskContext(), dry_run=False, trigger="test")
    return demo_ctx


def _loaded_page(qtbot, ctx, make_window):
    from app.store import settings

    window = make_window(ctx)
    page = window.reconcile
    demo = settings.get(ctx.store, DEMO_STATEMENT_KEY)
    qtbot.waitUntil(lambda: page.demo_statement is not None, timeout=5000)
    assert page.account == demo["account"] and page.period == demo["period"]
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.import_file(page.demo_statement)  # an OFX: no column mapping needed
    return window, page


def test_three_grids_show_the_reconciliation_and_its_summary(qtbot, synced_ctx, make_window):
    _window, page = _loaded_page(qtbot, synced_ctx, make_window)
    rec = page.view_data.rec
    assert page.bank.model.total_rows() == len(rec.bank_lines) > 10
    assert page.journal.model.total_rows() == len(rec.journal) > 10
    assert page.ledgers.model.total_rows() == len(rec.client_ledgers) > 3
    text = page.summary.text()
    assert "Client ledgers" in text and "Unexplained bank difference" in text
    assert page.findings.count() == len(rec.findings) > 0
    # Matched rows are tinted; unmatched ones are not.
    from PySide6.QtCore import Qt

    matched = [r for r in range(page.bank.proxy.rowCount()) if page.bank.model.group(r) is not None]
    unmatched = [r for r in range(page.bank.proxy.rowCount()) if page.bank.model.group(r) is None]
    assert matched and unmatched
    assert page.bank.proxy.index(matched[0], 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert page.bank.proxy.index(unmatched[0], 0).data(Qt.ItemDataRole.BackgroundRole) is None
    # Unmatched only.
    page.unmatched_only.setChecked(True)
    assert page.bank.proxy.rowCount() == len(unmatched)
    page.unmatched_only.setChecked(False)


def test_selecting_a_bank_line_highlights_its_journal_entry(qtbot, synced_ctx, make_window):
    _window, page = _loaded_page(qtbot, synced_ctx, make_window)
    model = page.bank.model
    row = next(r for r in range(model.rowCount()) if model.group(r) is not None)
    group = model.group(row)
    page.bank.view.selectRow(row)
    assert page.journal.model.highlight == {group}
    jrows = page.journal.model.rows_for_groups({group})
    assert jrows
    from PySide6.QtCore import Qt

    brush = page.journal.proxy.index(jrows[0], 0).data(Qt.ItemDataRole.BackgroundRole)
    assert brush.color() == page.journal.model.highlight_brush.color()
    # The journal entry's client ledger lights up too.
    page.journal.view.selectRow(jrows[0])
    assert page.ledgers.model.highlight == {"sel"}


def test_a_manual_match_in_the_grids(qtbot, synced_ctx, make_window):
    _window, page = _loaded_page(qtbot, synced_ctx, make_window)
    data = page.view_data
    group, match = next((g, m) for g, m in data.matches.items() if len(m.bank_ids) == 1 and len(m.txn_ids) == 1)
    bank_id, txn_id = match.bank_ids[0], match.txn_ids[0]

    # Unmatch the automatic pairing (a reason is required) ...
    page.bank.select_keys([bank_id])
    assert page.unmatch_button.isEnabled() and not page.match_button.isEnabled()
    page.unmatch_button.click()
    dialog = page.unmatch_dialog
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reason_edit.setText("checking the pairing by hand")
    with qtbot.waitSignal(page.loaded, timeout=30000):
        ok.click()
    assert page.bank.model.group(page.bank.model.row_of_key(bank_id)) is None
    assert page.journal.model.group(page.journal.model.row_of_key(txn_id)) is None

    # ... then select the two rows side by side and match them by hand.
    page.bank.select_keys([bank_id])
    page.journal.select_keys([txn_id])
    assert page.match_button.isEnabled()
    assert "Selected: bank" in page.selection_label.text()
    with qtbot.waitSignal(page.loaded, timeout=30000):
        page.match_button.click()
    b_group = page.bank.model.group(page.bank.model.row_of_key(bank_id))
    assert b_group is not None
    assert page.journal.model.group(page.journal.model.row_of_key(txn_id)) == b_group
    assert page.view_data.matches[b_group].rule.value == "manual"
    assert page.bank.model.row_tuple(page.bank.model.row_of_key(bank_id))[4] == "manual"
    from app.store import audit

    assert any("manual match" in e.detail for e in audit.history(synced_ctx.store, text="manual match"))


def test_a_match_of_unequal_amounts_is_refused_with_the_reason(qtbot, synced_ctx, make_window):
    window, page = _loaded_page(qtbot, synced_ctx, make_window)
    bm, jm = page.bank.model, page.journal.model
    b = next(bm.key(r) for r in range(bm.rowCount()) if bm.group(r) is None)
    j = next(jm.key(r) for r in range(jm.rowCount()) if jm.group(r) is None
             and jm.row_tuple(r)[3] != bm.row_tuple(bm.row_of_key(b))[3])
    page.bank.select_keys([b])
    page.journal.select_keys([j])
    handle = None

    def catch(h):
        nonlocal handle
        handle = h

    window.tasks.started.connect(catch)
    page.match_button.click()
    qtbot.waitUntil(lambda: handle is not None and handle.done, timeout=10000)
    from ui.errors import ProblemDialog

    assert isinstance(window.last_error_dialog, ProblemDialog)
    assert bm.group(bm.row_of_key(b)) is None


def test_export_produces_a_workbook_and_sign_off_locks_the_period(qtbot, synced_ctx, make_window, tmp_path):
    _window, page = _loaded_page(qtbot, synced_ctx, make_window)
    out = tmp_path / "recon.xlsx"
    with qtbot.waitSignal(page.exported, timeout=30000) as exported:
        page.export_to(out)
    assert exported.args[0] == out and out.exists()
    book = openpyxl.load_workbook(out, read_only=True)
    assert len(book.sheetnames) >= 3
    book.close()

    page.signoff_button.click()
    dialog = page.signoff_dialog
    dialog.reviewed.setText(dialog.prepared.text())  # the same person: refused
    dialog._accept()
    assert "different person" in dialog.problem.text()
    dialog.reviewed.setText("R. Reviewer")
    dialog.note_edit.setPlainText("Bank fee and interest to be recorded in Clio next month.")
    # The demo's October ties only with items to resolve: each needs a written resolution
    assert "Ties once" in page.summary.text() or "Ties with items to resolve" in page.summary.text()
    assert len(dialog.resolution_edits) >= 4
    dialog._accept()
    assert "need a written resolution" in dialog.problem.text() and not page.view_data.rec.locked
    for key, edit in dialog.resolution_edits.items():
        edit.setText(f"followed up ({key.split(':')[0]})")
    with qtbot.waitSignal(page.loaded, timeout=30000):
        dialog._accept()
    assert page.view_data.rec.locked and len(page.view_data.rec.resolutions) == len(dialog.resolution_edits)
    assert "Signed off by" in page.summary.text()
    assert not page.signoff_button.isEnabled() and not page.match_button.isEnabled()


def test_a_csv_statement_goes_through_the_column_mapping_dialog(qtbot, synced_ctx, sandbox, make_window, tmp_path):
    from app.store import settings

    window = make_window(synced_ctx)
    page = window.reconcile
    qtbot.waitUntil(lambda: page.demo_statement is not None, timeout=5000)
    path = tmp_path / "statement.csv"
    path.write_text(sandbox.firm.statement_csv, encoding="utf-8")
    page.import_file(path)
    qtbot.waitUntil(lambda: page.mapping_dialog is not None and page.mapping_dialog.isVisible(), timeout=5000)
    dialog = page.mapping_dialog
    # The header was read and the obvious columns guessed.
    assert dialog.date_col.currentText() == "Date"
    assert dialog.amount_col.currentText() == "Amount"
    assert dialog.ref_col.currentText() == "Check or Reference"
    dialog.date_format.setCurrentText("%m/%d/%Y")
    dialog.save_edit.setText("demo bank")
    with qtbot.waitSignal(page.loaded, timeout=30000):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert page.bank.model.total_rows() == sandbox.firm.statement_csv.count("\n") - 1
    saved = synced_ctx.store.query("SELECT name FROM csv_mappings")
    assert [r["name"] for r in saved] == ["demo bank"]
    assert settings.get(synced_ctx.store, DEMO_STATEMENT_KEY)["path"].endswith(".ofx")


def test_a_mycase_firm_imports_its_trust_ledger_from_the_page(qtbot, ctx, make_window, tmp_path):
    from app.sources import set_firm_source
    from app.store.trust_ledger import ledger_accounts

    set_firm_source(ctx.store, "mycase")
    window = make_window(ctx)
    page = window.reconcile
    qtbot.waitUntil(lambda: page.ledger_button.isVisibleTo(page), timeout=5000)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("Date,Client,Case,Type,Amount,Reference\n09/01/2026,Ada Reyes,2026-0001,Deposit,1500.00,D1\n")
    page.import_ledger(ledger)
    qtbot.waitUntil(lambda: "Imported 1 new of 1 trust ledger lines" in page.summary.text(), timeout=5000)
    assert ledger_accounts(ctx.store) == ["IOLTA Trust"]
    qtbot.waitUntil(lambda: page.account_box.findText("IOLTA Trust") >= 0, timeout=5000)


def test_a_clio_firm_has_no_trust_ledger_button(qtbot, ctx, make_window):
    window = make_window(ctx)
    page = window.reconcile
    qtbot.waitUntil(lambda: page.account_box is not None, timeout=5000)
    assert not page.ledger_button.isVisibleTo(page)
