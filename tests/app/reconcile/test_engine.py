"""The reconciliation on a real store filled with Clio-shaped trust transactions and an imported statement."""

from decimal import Decimal

import pytest

from app.bank import import_statement
from app.reconcile import ReconcileError, Rule, Severity, reconcile

from .firm import ACCOUNT, PERIOD, fill, write_statement

D = Decimal


@pytest.fixture
def firm(store, tmp_path):
    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    return store


def codes(rec):
    return [f.code for f in rec.findings]


def finding(rec, code):
    found = [f for f in rec.findings if f.code == code]
    assert len(found) == 1, (code, codes(rec))
    return found[0]


def test_the_three_balances_tie_after_the_known_items(firm):
    rec = reconcile(firm, ACCOUNT, PERIOD)
    assert rec.opening_balance == D("13000.00")
    assert rec.statement_balance == D("13785.25")
    assert rec.deposits_in_transit_total == D("1550.00")
    assert rec.outstanding_checks_total == D("1061.33")
    assert rec.adjusted_bank_balance == D("14273.92")
    assert rec.journal_balance == D("13538.67")
    assert rec.bank_only_total == D("735.25")
    assert rec.unexplained_bank_difference == D("0.00")
    assert rec.unassigned_total == D("100.00")
    assert rec.client_ledger_total == D("13438.67")
    assert rec.tied


def test_each_planted_problem_is_a_finding(firm):
    rec = reconcile(firm, ACCOUNT, PERIOD)
    fee = finding(rec, "bank_charge")
    assert (fee.severity, fee.amount) == (Severity.ALERT, D("-25.00"))
    unidentified = finding(rec, "unidentified_deposit")
    assert (unidentified.severity, unidentified.amount) == (Severity.ALERT, D("758.88"))
    assert finding(rec, "interest").amount == D("1.37")
    stale = finding(rec, "stale_check")
    assert stale.severity is Severity.ALERT and stale.txn_ids == (8002,) and "225 days" in stale.message
    negative = finding(rec, "negative_ledger")
    assert negative.amount == D("-1250.00") and negative.client == "Cy Twombly"
    late = finding(rec, "late_deposit")
    assert late.txn_ids == (8014,) and "7 business days" in late.message
    assert finding(rec, "deposit_in_transit").txn_ids == (8011,)
    assert finding(rec, "outstanding_check").txn_ids == (8010,)
    assert finding(rec, "unassigned_entries").amount == D("100.00")
    explained = finding(rec, "explained_difference")
    assert explained.amount == D("735.25") and "explain exactly" in explained.message
    assert "unexplained_difference" not in codes(rec)
    assert [f.severity for f in rec.findings] == sorted(
        (f.severity for f in rec.findings), key=[Severity.ALERT, Severity.WARNING, Severity.INFO].index
    )


def test_matches_use_each_rule(firm):
    rec = reconcile(firm, ACCOUNT, PERIOD)
    by_txns = {m.txn_ids: m for m in rec.matches}
    assert by_txns[(8004,)].rule is Rule.CHECK_NUMBER  # a September check clearing in October
    assert by_txns[(8007,)].rule is Rule.CHECK_NUMBER
    assert by_txns[(8008,)].rule is Rule.REFERENCE
    assert by_txns[(8005, 8006)].rule is Rule.ONE_DEPOSIT_MANY_ENTRIES
    assert by_txns[(8009,)].rule is Rule.AMOUNT_DATE
    assert all(m.amount is not None for m in rec.matches)
    assert {b.id for b in rec.unmatched_bank} == {
        b.id for b in rec.bank_lines if b.amount in (D("-25.00"), D("758.88"), D("1.37"))
    }
    assert rec.cleared_before_ids == (8001, 8003)  # March and September items the bank had already paid


def test_operating_account_transactions_stay_out(firm):
    rec = reconcile(firm, ACCOUNT, PERIOD)
    assert 9001 not in {t.id for t in rec.journal}


def test_qbo_liability_and_client_differences(firm):
    rec = reconcile(firm, ACCOUNT, PERIOD, qbo_liability=D("13438.67"),
                    qbo_ledgers={2001: D("9438.67"), 2002: D("5000.00"), 2003: D("-1250.00"), 2999: D("12.00")})
    assert rec.tied
    diffs = [f for f in rec.findings if f.code == "qbo_client_difference"]
    assert sorted(f.amount for f in diffs) == [D("-250.00"), D("12.00")]
    wrong = reconcile(firm, ACCOUNT, PERIOD, qbo_liability=D("13000.00"))
    assert not wrong.tied
    assert finding(wrong, "qbo_liability_difference").amount == D("-438.67")


def test_missing_bank_line_is_an_unexplained_difference(store, tmp_path):
    from .firm import STATEMENT_LINES

    fill(store)
    lines = [ln for ln in STATEMENT_LINES if ln[2] != "F08"]  # the 450.00 deposit is missing from the file
    import_statement(store, write_statement(tmp_path, lines=lines), ACCOUNT)
    rec = reconcile(store, ACCOUNT, PERIOD)
    assert not rec.tied
    # With no opening balance in the file it is worked back from the ending balance, so the gap shows as
    # an opening difference the stale check no longer explains, and as an unexplained difference.
    assert finding(rec, "unexplained_difference").severity is Severity.ALERT
    assert finding(rec, "opening_difference").severity is Severity.ALERT


def test_a_later_statement_missing_a_line_is_caught(store, tmp_path):
    from .firm import STATEMENT_LINES

    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    november = [("20261103", "-400.00", "N01", "CHECK", "", "5005"), ("20261104", "900.00", "N02", "DEPOSIT", "", "")]
    short = write_statement(tmp_path, "november.ofx", lines=november[:1], ending=D("14285.25"),
                            start="20261101", end="20261130")
    import_statement(store, short, ACCOUNT)
    rec = reconcile(store, ACCOUNT, "2026-11")
    assert finding(rec, "statement_lines_missing").amount == D("900.00")
    assert len(STATEMENT_LINES) == 10


def test_without_a_statement_the_bank_side_is_an_alert(store):
    fill(store)
    rec = reconcile(store, ACCOUNT, PERIOD)
    assert rec.statement_balance is None and not rec.tied
    assert finding(rec, "no_statement").severity is Severity.ALERT


def test_unknown_account_names_the_trust_accounts(store):
    fill(store)
    with pytest.raises(ReconcileError, match="IOLTA Trust"):
        reconcile(store, "Savings", PERIOD)


def test_empty_cache_says_to_sync_first(store):
    with pytest.raises(ReconcileError, match="Run a sync first"):
        reconcile(store, ACCOUNT, PERIOD)


def test_bad_period(firm):
    with pytest.raises(ReconcileError, match="YYYY-MM"):
        reconcile(firm, ACCOUNT, "October")


def test_statement_for_an_account_clio_does_not_have_is_refused(store, tmp_path):
    fill(store)
    with pytest.raises(ReconcileError, match="no bank account named 'IOLTA Trsut'"):
        import_statement(store, write_statement(tmp_path), "IOLTA Trsut")
    assert store.query("SELECT count(*) FROM bank_lines")[0][0] == 0


def test_a_ledger_that_dips_below_zero_mid_month_and_recovers_is_an_alert(store, tmp_path):
    """Negative balances are looked for at every day's end of the period, not only at its end."""
    from .firm import ENTRIES

    entries = [*ENTRIES, (8020, "2026-10-10", "-9500.00", 2002, "Early payout", "5006"),
               (8021, "2026-10-10", "2000.00", 2002, "Same-day deposit", ""),  # the day still ends below zero
               (8022, "2026-10-12", "9000.00", 2002, "Settlement received", "")]
    fill(store, entries)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    rec = reconcile(store, ACCOUNT, PERIOD)
    dip = finding(rec, "negative_during_period")
    # Bob: 3,000 - 500 in September, then -9,500 + 2,000 on 10 October: -5,000 at that day's end
    assert dip.severity is Severity.ALERT and dip.amount == D("-5000.00") and "2026-10-10" in dip.message
    assert dip.client == "Bob Marley"
    bob = next(c for c in rec.client_ledgers if c.client_name == "Bob Marley")
    assert bob.balance > 0 and bob.lowest == D("-5000.00")
    # Cy ends the month negative: that stays the month-end alert, not a second one
    assert finding(rec, "negative_ledger").client == "Cy Twombly"


def test_money_out_is_a_bank_charge_only_when_the_bank_calls_it_one(store, tmp_path):
    from .firm import ENDING, STATEMENT_LINES

    lines = [*STATEMENT_LINES, ("20261025", "-80.00", "F11", "POS PURCHASE", "Office Depot", ""),
             ("20261026", "-35.00", "F12", "RETURNED ITEM", "Deposited check returned", ""),
             ("20261027", "-12.00", "F13", "CHARGEBACK", "", "")]
    fill(store)
    import_statement(store, write_statement(tmp_path, lines=lines, ending=ENDING - D("127.00")), ACCOUNT)
    rec = reconcile(store, ACCOUNT, PERIOD)
    charges = sorted(f.amount for f in rec.findings if f.code == "bank_charge")
    assert charges == [D("-35.00"), D("-25.00"), D("-12.00")]
    withdrawal = finding(rec, "unidentified_withdrawal")
    assert withdrawal.amount == D("-80.00") and withdrawal.severity is Severity.ALERT
    assert "Office Depot" in withdrawal.message or "POS PURCHASE" in withdrawal.message


def test_a_statement_of_another_account_is_refused_with_the_numbers_masked(store, tmp_path):
    from app.bank import StatementError

    from .firm import ACCOUNT_ID, put

    fill(store)
    put(store, "bank_accounts", [{"id": ACCOUNT_ID, "etag": '"b"', "name": ACCOUNT, "type": "Trust",
                                  "currency": "USD", "balance": "0", "account_number": "4417300042"}])
    path = write_statement(tmp_path)  # its ACCTID is 42: the same account as far as the bank shows it
    text = path.read_text(encoding="cp1252")
    import_statement(store, path, ACCOUNT)
    other = tmp_path / "other.ofx"
    other.write_text(text.replace("<ACCTID>42<", "<ACCTID>9988776655<"), encoding="cp1252")
    with pytest.raises(StatementError) as refused:
        import_statement(store, other, ACCOUNT)
    message = str(refused.value)
    assert "••••6655" in message and "••••0042" in message and "nothing was imported" in message
    assert "9988776655" not in message and "4417300042" not in message
