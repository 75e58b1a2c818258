"""The matcher on its own: each pass, ties left for a person, and invariants over random data."""

import datetime as dt
import importlib.util
import time
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.model import TrustTxn
from app.reconcile.matching import MatchOptions, check_key, match
from app.reconcile.records import Match, Rule, StoredBankLine

D = Decimal
DAY = dt.date(2026, 10, 1)


def line(i, day, amount, payee="", memo="", check=""):
    return StoredBankLine(i, DAY + dt.timedelta(days=day), D(amount), payee, memo, check)


def txn(i, day, amount, description="", confirmation=""):
    value = D(amount)
    return TrustTxn(i, "", 1, DAY + dt.timedelta(days=day), max(value, D("0.00")), max(-value, D("0.00")),
                    description, confirmation)


def pairs(outcome):
    return {(m.bank_ids, m.txn_ids): m.rule for m in outcome.matches}


def test_check_keys():
    assert check_key("0000312") == check_key("CHK 312") == check_key("#312") == "312"
    assert check_key("WX7781") == "" and check_key("") == ""


def test_check_number_wins_over_a_closer_amount_match():
    bank = [line(1, 40, "-100.00", check="1001"), line(2, 0, "-100.00")]
    journal = [txn(10, 0, "-100.00", confirmation="1001")]
    assert pairs(match(bank, journal)) == {((1,), (10,)): Rule.CHECK_NUMBER}


def test_check_cleared_for_a_different_amount_is_left_for_a_person():
    out = match([line(1, 2, "-100.00", check="77")], [txn(10, 0, "-110.00", confirmation="77")])
    assert not out.matches and "different amount" in out.ambiguities[0].reason


def test_reference_in_the_bank_memo():
    bank = [line(1, 1, "2500.00", "WIRE IN", "REF WX7781"), line(2, 1, "2500.00", "WIRE IN", "REF WX9999")]
    journal = [txn(10, 0, "2500.00", confirmation="WX7781"), txn(11, 0, "2500.00", confirmation="WX9999")]
    assert pairs(match(bank, journal)) == {((1,), (10,)): Rule.REFERENCE, ((2,), (11,)): Rule.REFERENCE}


def test_nearest_date_wins_and_outside_the_window_is_not_matched():
    bank = [line(1, 3, "500.00"), line(2, 30, "75.00")]
    journal = [txn(10, 2, "500.00"), txn(11, -5, "500.00"), txn(12, 1, "75.00")]
    assert pairs(match(bank, journal)) == {((1,), (10,)): Rule.AMOUNT_DATE}


def test_equal_candidates_are_never_guessed():
    bank = [line(1, 2, "500.00"), line(2, 2, "500.00")]
    journal = [txn(10, 1, "500.00"), txn(11, 1, "500.00")]
    out = match(bank, journal)
    assert not out.matches
    assert out.ambiguities[0].bank_ids == (1, 2) and out.ambiguities[0].txn_ids == (10, 11)


def test_text_breaks_a_tie_of_equal_dates():
    bank = [line(1, 2, "500.00", "Retainer Ada Lovelace"), line(2, 2, "500.00", "Retainer Bob Marley")]
    journal = [txn(10, 1, "500.00", "Ada Lovelace retainer"), txn(11, 1, "500.00", "Bob Marley retainer")]
    assert pairs(match(bank, journal)) == {((1,), (10,)): Rule.AMOUNT_DATE, ((2,), (11,)): Rule.AMOUNT_DATE}


def test_one_deposit_several_receipts_and_several_lines_one_entry():
    bank = [line(1, 1, "1750.00", "DEPOSIT"), line(2, 5, "-300.00"), line(3, 5, "-200.00")]
    journal = [txn(10, 0, "1000.00"), txn(11, 1, "500.00"), txn(12, 1, "250.00"), txn(13, 4, "-500.00"),
               txn(14, 0, "99.00")]
    assert pairs(match(bank, journal)) == {
        ((1,), (10, 11, 12)): Rule.ONE_DEPOSIT_MANY_ENTRIES,
        ((2, 3), (13,)): Rule.MANY_LINES_ONE_ENTRY,
    }


def test_two_combinations_adding_up_are_ambiguous():
    bank = [line(1, 1, "300.00")]
    journal = [txn(10, 1, "100.00"), txn(11, 1, "200.00"), txn(12, 1, "150.00"), txn(13, 1, "150.00")]
    out = match(bank, journal)
    assert not out.matches and out.ambiguities and "more than one combination" in out.ambiguities[0].reason


def test_manual_and_rejected():
    bank = [line(1, 0, "10.00"), line(2, 0, "20.00")]
    journal = [txn(10, 0, "10.00"), txn(11, 0, "20.00")]
    manual = [Match((1,), (10,), Rule.MANUAL, 100, 7, "pat", "now")]
    out = match(bank, journal, manual=manual, rejected=[((2,), (11,))])
    assert pairs(out) == {((1,), (10,)): Rule.MANUAL}
    assert out.matches[0].manual_id == 7 and out.matches[0].amount == D("10.00")


amounts = st.sampled_from(["10.00", "25.00", "100.00", "-10.00", "-25.00", "-100.00", "33.33", "66.67", "-50.00"])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), amounts), max_size=25),
    st.lists(st.tuples(st.integers(0, 20), amounts), max_size=25),
)
def test_matches_balance_and_never_reuse_an_item(bank_spec, journal_spec):
    bank = [line(i + 1, d, a) for i, (d, a) in enumerate(bank_spec)]
    journal = [txn(i + 100, d, a) for i, (d, a) in enumerate(journal_spec)]
    out = match(bank, journal, options=MatchOptions())
    by_b = {b.id: b for b in bank}
    by_j = {t.id: t for t in journal}
    used_b = [i for m in out.matches for i in m.bank_ids]
    used_j = [i for m in out.matches for i in m.txn_ids]
    assert len(used_b) == len(set(used_b)) and len(used_j) == len(set(used_j))
    for m in out.matches:
        assert sum(by_b[i].amount for i in m.bank_ids) == sum(by_j[i].amount for i in m.txn_ids) == m.amount
    assert match(bank, journal).matches == out.matches  # deterministic


def test_ten_thousand_each_way_is_fast():
    spec = importlib.util.spec_from_file_location("bench_reconcile", Path(__file__).parents[3] / "bench" / "reconcile.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bank, journal = bench.generate(10_000)
    started = time.perf_counter()
    out = match(bank, journal)
    elapsed = time.perf_counter() - started
    assert len(out.matches) > 7_000
    assert elapsed < 2.0, f"{elapsed:.2f} s for 10k x 10k"
