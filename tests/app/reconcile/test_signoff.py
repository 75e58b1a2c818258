"""Manual match and unmatch (audited), sign-off, the lock, carrying items forward, reproducing the report."""

import datetime as dt
from decimal import Decimal

import pytest

from app.bank import import_statement
from app.reconcile import PeriodLocked, ReconcileError, Rule, match, reconcile, sign_off, unmatch
from app.reconcile.report import to_json
from app.store import audit

from .firm import ACCOUNT, PERIOD, entry_json, fill, put, write_statement

D = Decimal


@pytest.fixture
def firm(store, tmp_path):
    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    return store


def bank_id(store, fitid):
    return store.query("SELECT id FROM bank_lines WHERE fitid = ?", (fitid,))[0][0]


def sign(store, period=PERIOD, **kw):
    """Sign off with a written resolution for every open item (as a bookkeeper must)."""
    resolutions = {key: f"followed up: {f.code}" for key, f in reconcile(store, ACCOUNT, period).open_items}
    return sign_off(store, ACCOUNT, period, prepared_by="Pat Bookkeeper", reviewed_by="Riley Partner",
                    signed_on=kw.pop("signed_on", dt.date(2026, 11, 5)),
                    note=kw.pop("note", "Fee and deposit followed up."), resolutions=resolutions, **kw)


def test_october_ties_only_with_items_to_resolve_and_each_needs_a_written_resolution(firm):
    from app.reconcile import Result

    rec = reconcile(firm, ACCOUNT, PERIOD)
    assert rec.tied and rec.result is Result.TIES_WITH_ITEMS
    codes = [f.code for _key, f in rec.open_items]
    assert {"bank_charge", "negative_ledger", "stale_check", "unidentified_deposit"} <= set(codes)
    assert "Ties once" in rec.result_sentence() and "bank charge" in rec.result_sentence()
    everything_but_one = {key: "done" for key, _f in rec.open_items[1:]}
    with pytest.raises(ReconcileError, match=r"1 open items have no written resolution: " + rec.open_items[0][0]):
        sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", signed_on=dt.date(2026, 11, 5),
                 resolutions=everything_but_one)
    with pytest.raises(ReconcileError, match="no written resolution"):
        sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", signed_on=dt.date(2026, 11, 5),
                 resolutions={**everything_but_one, rec.open_items[0][0]: "   "})
    signed = sign(firm)
    assert dict(signed.resolutions) == {key: f"followed up: {f.code}" for key, f in rec.open_items}
    assert dict(reconcile(firm, ACCOUNT, PERIOD).resolutions) == dict(signed.resolutions)  # kept in the report


def test_manual_match_replaces_a_finding_and_is_audited(firm):
    fee = bank_id(firm, "F09")
    put(firm, "bank_transactions", [entry_json(8100, "2026-10-12", "-25.00", None, "Bank fee (to be reimbursed)", "")])
    before = reconcile(firm, ACCOUNT, PERIOD)
    assert any(f.code == "bank_charge" for f in before.findings)
    match_id = match(firm, ACCOUNT, [fee], [8100], actor="pat", note="fee recorded")
    after = reconcile(firm, ACCOUNT, PERIOD)
    manual = [m for m in after.matches if m.rule is Rule.MANUAL]
    assert [(m.bank_ids, m.txn_ids, m.manual_id, m.made_by) for m in manual] == [((fee,), (8100,), match_id, "pat")]
    assert not any(f.code == "bank_charge" for f in after.findings)
    assert audit.history(firm, text="manual match")[-1].action == "reconcile.matched"
    unmatch(firm, ACCOUNT, match_id=match_id, actor="pat", reason="wrong entry")
    assert not [m for m in reconcile(firm, ACCOUNT, PERIOD).matches if m.rule is Rule.MANUAL]
    assert audit.history(firm)[-1].action == "reconcile.unmatched"
    assert audit.verify(firm).ok


def test_manual_match_must_balance_and_not_reuse_items(firm):
    fee = bank_id(firm, "F09")
    with pytest.raises(ReconcileError, match=r"add up to -\$25.00 but the journal entries to \$900.00"):
        match(firm, ACCOUNT, [fee], [8011], actor="pat")
    deposit = bank_id(firm, "F07")
    match(firm, ACCOUNT, [deposit], [8012], actor="pat")
    with pytest.raises(ReconcileError, match="already in manual match"):
        match(firm, ACCOUNT, [deposit], [8012], actor="pat")


def test_rejected_automatic_match_is_not_made_again(firm):
    line = bank_id(firm, "F06")
    assert any(m.txn_ids == (8009,) for m in reconcile(firm, ACCOUNT, PERIOD).matches)
    unmatch(firm, ACCOUNT, bank_ids=[line], txn_ids=[8009], actor="pat", reason="different payee")
    rec = reconcile(firm, ACCOUNT, PERIOD)
    assert not any(m.txn_ids == (8009,) for m in rec.matches)
    # The lien payment is now an outstanding check and the bank line a bank-only item, both reported.
    assert line in {b.id for b in rec.unmatched_bank}
    assert 8009 in {i.txn.id for i in rec.outstanding_checks}


def test_sign_off_locks_and_reproduces_the_report(firm, tmp_path):
    signed = sign(firm)
    assert signed.signoff.prepared_by == "Pat Bookkeeper" and signed.locked
    text = to_json(signed)
    # Later changes in Clio, and a later import of a line dated in October, do not change the signed report.
    put(firm, "bank_transactions", [entry_json(8200, "2026-10-15", "5.00", 2001, "Late entry", "")])
    late = write_statement(tmp_path, "late.ofx", lines=[("20261016", "5.00", "L1", "DEPOSIT", "", "")],
                           ending=D("13790.25"))
    result = import_statement(firm, late, ACCOUNT)
    assert (result.added, result.adjustments) == (1, 1)
    again = reconcile(firm, ACCOUNT, PERIOD)
    assert to_json(again) == text and again.signoff == signed.signoff
    with pytest.raises(PeriodLocked):
        sign(firm)
    with pytest.raises(PeriodLocked, match="signed off"):
        unmatch(firm, ACCOUNT, bank_ids=[bank_id(firm, "F06")], txn_ids=[8009], actor="pat", reason="x")
    # The next period carries the adjustment, and what October left outstanding.
    november = reconcile(firm, ACCOUNT, "2026-11")
    codes = [f.code for f in november.findings]
    assert "period_adjustment" in codes
    assert {i.txn.id for i in november.outstanding_checks} == {8002, 8010}
    assert any(m.txn_ids == (8200,) for m in november.matches)  # the late entry met the late line
    assert not any(8009 in m.txn_ids for m in november.matches)  # settled in October


def test_tampered_signed_report_is_detected(firm):
    sign(firm)
    firm.conn.execute("DROP TRIGGER recon_periods_no_update")
    firm.conn.execute("UPDATE recon_periods SET report = replace(report, '13785.25', '99999.99')")
    with pytest.raises(ReconcileError, match="changed after sign-off"):
        reconcile(firm, ACCOUNT, PERIOD)


def test_sign_off_rules(firm):
    with pytest.raises(ReconcileError, match="different person"):
        sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by=" pat ")
    with pytest.raises(ReconcileError, match="needs a note"):
        sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", qbo_liability=D("1.00"))
    assert firm.query("SELECT count(*) FROM recon_periods")[0][0] == 0


def test_months_are_signed_off_in_order_and_only_once_over(firm):
    with pytest.raises(ReconcileError, match="not over yet"):
        sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", signed_on=dt.date(2026, 10, 31),
                 note="early")
    sign(firm)  # the first sign-off may be any month that is over
    with pytest.raises(ReconcileError, match="2026-11 comes next, not 2026-12"):
        sign(firm, "2026-12", note="skipping November", signed_on=dt.date(2027, 1, 5))
    with pytest.raises(PeriodLocked, match="comes before it"):
        sign(firm, "2026-09", note="going back")
    # nothing changed since October was signed: November opens where it closed and signs off
    assert sign(firm, "2026-11", note="quiet month", signed_on=dt.date(2026, 12, 3)).locked


def test_a_month_opens_where_the_signed_one_closed(firm):
    sign(firm)
    # an entry back-dated into the signed October changes November's opening: November cannot be signed
    put(firm, "bank_transactions", [entry_json(8300, "2026-10-20", "-40.00", 2001, "Back-dated fee", "")])
    with pytest.raises(ReconcileError, match=r"trust journal opens at .* but 2026-10 closed at"):
        sign(firm, "2026-11", note="open items", signed_on=dt.date(2026, 12, 3))


def test_reopen_is_audited_keeps_the_signed_report_and_needs_a_new_sign_off(firm):
    from app.reconcile import reopen
    from app.reconcile.report import load_signed

    signed = sign(firm)
    with pytest.raises(ReconcileError, match="needs a reason"):
        reopen(firm, ACCOUNT, PERIOD, reason=" ", actor="pat")
    # the lock still holds against anything but a reopen
    with pytest.raises(Exception, match="locked"):
        firm.conn.execute("DELETE FROM recon_periods")
    reopen(firm, ACCOUNT, PERIOD, reason="the lien payment was booked to the wrong matter", actor="pat")
    assert load_signed(firm, ACCOUNT, PERIOD) is None and not reconcile(firm, ACCOUNT, PERIOD).locked
    kept = firm.query("SELECT * FROM recon_reopened")
    assert len(kept) == 1 and kept[0]["report_digest"] == signed.signoff.report_digest
    assert kept[0]["signed_report"] == to_json(signed.__class__(**{**{f: getattr(signed, f) for f in
                                                                       signed.__dataclass_fields__},
                                                                    "signoff": None}))
    last = audit.history(firm)[-1]
    assert last.action == "reconcile.reopened" and "wrong matter" in last.detail
    again = sign(firm, note="corrected")
    assert again.locked and audit.verify(firm).ok
    with pytest.raises(Exception, match="kept as it was"):
        firm.conn.execute("DELETE FROM recon_reopened")
