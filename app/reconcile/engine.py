"""The three-way reconciliation of one trust bank account for one statement period.

For the period ending ``end``: the adjusted bank balance (statement ending balance + deposits in transit
- outstanding checks), the trust journal balance, and the sum of the client ledgers must agree to the
cent once the bank-only items (fees, interest, unidentified deposits) and the journal entries that name no
client are accounted for; the QuickBooks trust liability, when given, must equal the client ledgers.

Items carry forward: what a signed-off earlier period matched is settled, what it left outstanding is
matched again now. Before the first imported statement nothing is known of the bank, so the journal
entries from then are taken as cleared except those that explain the opening difference (the journal
balance before the statement minus the bank's opening balance): a single entry, or one combination of a
few, that accounts for it exactly is carried as outstanding (the classic case: an old uncashed check).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from app.model import BankAccount, TrustTxn
from app.money import fmt
from app.reconcile import findings as fnd
from app.reconcile import report
from app.reconcile.load import (
    Names,
    ReconcileError,
    StoredBankLine,
    find_bank_account,
    load_bank_lines,
    load_journal,
    load_manual,
    load_names,
    load_statements,
    parse_period,
)
from app.reconcile.matching import MatchOptions, MatchOutcome, match, subset_sums
from app.reconcile.records import (
    ClientLedger,
    Finding,
    Match,
    OutstandingItem,
    Reconciliation,
    Rule,
    Severity,
)
from app.sources import firm_source, in_source_words
from app.store import Store, settings

ZERO = Decimal("0.00")


def reconcile(
    store: Store,
    account: str,
    period: str,
    *,
    qbo_liability: Decimal | None = None,
    qbo_ledgers: Mapping[int, Decimal] | None = None,
    options: MatchOptions | None = None,
) -> Reconciliation:
    """Reconcile ``account`` (the Clio trust bank account's name) for ``period`` (``YYYY-MM``).

    A signed-off period is not recomputed: its stored report is returned exactly as signed.
    ``qbo_ledgers`` maps Clio matter ids to QuickBooks sub-customer trust balances.
    """
    start, end = parse_period(period)
    signed = report.load_signed(store, account, period)
    if signed is not None:
        return signed
    bank_account = _bank_account(store, account)
    journal, unreadable = load_journal(store, bank_account.id, end)
    every_line = load_bank_lines(store, account, None)
    bank = [b for b in every_line if b.date <= end]
    statements = load_statements(store, account)
    names = load_names(store)

    bank_u, journal_u, outcome, earlier_signed = _match_open(store, account, period, bank, journal, options)
    matched_b = {i for m in outcome.matches for i in m.bank_ids}
    matched_t = {i for m in outcome.matches for i in m.txn_ids}

    opening, cleared_before, statement_balance, found = _bank_balances(
        statements, every_line, bank, journal_u, matched_t, (start, end), earlier_signed, options)

    open_items = [t for t in journal_u if t.id not in matched_t and t.id not in cleared_before]
    deposits, checks, adjusted = _outstanding(open_items, end, names, statement_balance)

    journal_balance = sum((t.amount for t in journal), ZERO)
    ledgers, unassigned, unassigned_total = _client_ledgers(journal, names, qbo_ledgers, start)
    ledger_total = sum((row.balance for row in ledgers), ZERO)

    unmatched_bank = tuple(b for b in bank_u if b.id not in matched_b)
    bank_only_total = sum((b.amount for b in unmatched_bank), ZERO)
    unexplained = None if adjusted is None else adjusted - journal_balance - bank_only_total

    found += fnd.bank_only(unmatched_bank)
    found += fnd.outstanding(checks, deposits, end)
    found += fnd.ledgers(ledgers, qbo_ledgers)
    found += fnd.unassigned(unassigned, unassigned_total)
    found += fnd.ambiguities(outcome.ambiguities)
    found += _difference_findings(adjusted, journal_balance, bank_only_total, unmatched_bank, unexplained)
    found += _more_findings(qbo_liability, ledger_total, unreadable, bank_u)
    gap = journal_gap(store, account, end)
    if gap:
        found.append(Finding(Severity.ALERT, "trust_ledger_missing", gap, date=end))

    open_ids = {b.id for b in bank_u}
    in_period = [b for b in bank if start <= b.date <= end or (b.adjusts_period and b.id in open_ids)]
    return Reconciliation(
        firm=str(settings.get(store, "firm_name", "") or ""),
        account=account,
        bank_account_id=bank_account.id,
        period=period,
        start=start,
        end=end,
        statement_balance=statement_balance,
        opening_balance=opening,
        deposits_in_transit=deposits,
        outstanding_checks=checks,
        adjusted_bank_balance=adjusted,
        journal_balance=journal_balance,
        client_ledgers=ledgers,
        client_ledger_total=ledger_total,
        qbo_liability=qbo_liability,
        bank_lines=tuple(in_period),
        journal=tuple(t for t in journal if start <= t.date <= end),
        matches=tuple(sorted(outcome.matches, key=lambda m: (m.bank_ids, m.txn_ids))),
        unmatched_bank=unmatched_bank,
        ambiguities=tuple(outcome.ambiguities),
        findings=fnd.sort_findings(_in_source_words(store, found)),
        bank_only_total=bank_only_total,
        unexplained_bank_difference=unexplained,
        unassigned_total=unassigned_total,
        cleared_before_ids=tuple(sorted(cleared_before)),
        journal_gap=gap,
    )


def _bank_balances(statements: list[Any], every_line: list[StoredBankLine], bank: list[StoredBankLine],
                   journal_open: list[TrustTxn], matched: set[int], period: tuple[dt.date, dt.date],
                   earlier_signed: bool, options: MatchOptions | None
                   ) -> tuple[Decimal | None, set[int], Decimal | None, list[Finding]]:
    """The bank's opening balance, the journal entries it already holds (cleared before the first statement),
    the statement balance at the period's end, and what was found working them out."""
    found: list[Finding] = []
    # The bank is known from the first imported statement on (its first line, if that is earlier).
    firsts = [d for d in (min((s.start for s in statements if s.start), default=None),
                          min((b.date for b in every_line), default=None)) if d is not None]
    since = min(firsts, default=None)
    opening = _bank_opening(statements, every_line)
    cleared_before: set[int] = set()
    if since is not None and not earlier_signed:
        cleared_before, opening_findings = _settle_opening(journal_open, matched, since, opening, options)
        found += opening_findings
    statement_balance, balance_findings = _statement_balance(statements, bank, period[0], period[1], opening, since)
    return opening, cleared_before, statement_balance, found + balance_findings


def _bank_account(store: Store, account: str) -> BankAccount:
    found = find_bank_account(store, account)
    if found is None:
        raise ReconcileError(
            "The local copy of Clio has no bank accounts yet",
            kept="Nothing was changed.",
            next_step="Run a sync first, so the trust journal is here to reconcile against.",
        )
    return found


def _match_open(store: Store, account: str, period: str, bank: list[StoredBankLine], journal: list[TrustTxn],
                options: MatchOptions | None) -> tuple[list[StoredBankLine], list[TrustTxn], MatchOutcome, bool]:
    """Match what is still open: what earlier signed-off periods settled is out of play, what they left open
    carries forward; a person's own matches and rejections count."""
    settled_bank, settled_txn, earlier_signed = report.settled_before(store, account, period)
    bank_u = [b for b in bank if b.id not in settled_bank]
    journal_u = [t for t in journal if t.id not in settled_txn]
    manual_rows, rejected = load_manual(store, account)
    manual = [
        Match(tuple(sorted(b)), tuple(sorted(t)), Rule.MANUAL, 100, mid, by, at) for mid, b, t, by, at in manual_rows
    ]
    return bank_u, journal_u, match(bank_u, journal_u, manual=manual, rejected=rejected, options=options), \
        earlier_signed


def journal_gap(store: Store, account: str, end: dt.date) -> str:
    """For a source whose API has no trust (MyCase), the journal is the imported trust ledger: a sentence when no
    import covers the period through ``end`` (the reconciliation then refuses to tie), else ""."""
    source = firm_source(store)
    if not source.trust_imported:
        return ""
    from app.store.trust_ledger import covered_through

    covered = covered_through(store, account)
    if covered is not None and covered >= end:
        return ""
    reach = f"reaches only {covered.isoformat()}" if covered else "was never imported"
    return (f"The trust ledger of '{account}' {reach}, and {source.word}'s API has no trust: without the ledger "
            f"through {end.isoformat()} the journal and client ledgers are not known for this month, so it cannot "
            f"tie. Download the trust ledger export through {end.isoformat()} from {source.word}'s trust reports "
            "and import it (ledgerbridge import-trust-ledger).")


def _in_source_words(store: Store, found: list[Finding]) -> list[Finding]:
    label = firm_source(store).word
    return [replace(f, message=in_source_words(f.message, label)) for f in found]


def _more_findings(qbo_liability: Decimal | None, ledger_total: Decimal, unreadable: list[tuple[int, str]],
                   open_bank: list[StoredBankLine]) -> list[Finding]:
    """QuickBooks' liability against the ledgers, entries left out unread, and late lines carried in."""
    found = []
    if qbo_liability is not None and qbo_liability != ledger_total:
        found.append(Finding(
            Severity.ALERT, "qbo_liability_difference",
            f"The QuickBooks trust liability is {fmt(qbo_liability)} but the client ledgers add up to "
            f"{fmt(ledger_total)} (a difference of {fmt(qbo_liability - ledger_total)}): compare the client "
            "differences listed here, and look for trust postings made or changed only in QuickBooks.",
            qbo_liability - ledger_total,
        ))
    for clio_id, why in unreadable:
        found.append(Finding(
            Severity.WARNING, "unreadable_entry",
            f"Clio bank transaction {clio_id} could not be read and is left out of this reconciliation: {why}",
        ))
    for line in open_bank:
        if line.adjusts_period:
            found.append(Finding(
                Severity.WARNING, "period_adjustment",
                f"The bank line of {fmt(line.amount)} dated {line.date.isoformat()} arrived after "
                f"{line.adjusts_period} was signed off; it is carried into this period as an adjustment.",
                line.amount, line.date, bank_ids=(line.id,),
            ))
    return found


def _outstanding(open_items: list[TrustTxn], end: dt.date, names: Names, statement_balance: Decimal | None
                 ) -> tuple[tuple[OutstandingItem, ...], tuple[OutstandingItem, ...], Decimal | None]:
    """Deposits in transit and outstanding checks, and the bank balance adjusted by them."""
    deposits = tuple(_item(t, end, names) for t in open_items if t.amount > 0)
    checks = tuple(_item(t, end, names) for t in open_items if t.amount < 0)
    dit = sum((i.txn.amount for i in deposits), ZERO)
    oc = -sum((i.txn.amount for i in checks), ZERO)
    return deposits, checks, None if statement_balance is None else statement_balance + dit - oc


def _item(txn, end: dt.date, names: Names) -> OutstandingItem:
    return OutstandingItem(txn, (end - txn.date).days, names.client(txn.client_id, txn.matter_id))


def _bank_opening(statements, bank) -> Decimal | None:
    """The bank balance before the first imported statement: as the file says, or worked back from its
    ending balance and its lines."""
    dated = [s for s in statements if s.start is not None]
    if not dated:
        return None
    first = min(dated, key=lambda s: (s.start, s.id))
    if first.start_balance is not None:
        return first.start_balance
    if first.ending_balance is None:
        return None
    upto = first.balance_date or first.end
    moved = sum((b.amount for b in bank if b.statement_id == first.id and (upto is None or b.date <= upto)), ZERO)
    return first.ending_balance - moved


def _settle_opening(journal_u, matched_t, since, opening, options) -> tuple[set[int], list[Finding]]:
    """Which journal entries from before the first statement had already cleared the bank."""
    prior = [t for t in journal_u if t.date < since]
    if not prior:
        return set(), []
    unmatched = [t for t in prior if t.id not in matched_t]
    everything = {t.id for t in unmatched}
    if opening is None:
        return everything, [Finding(
            Severity.WARNING, "no_opening_balance",
            f"The first imported statement gives no balance, so the {len(unmatched)} journal entries before "
            f"{since.isoformat()} are taken as cleared.",
        )]
    journal_before = sum((t.amount for t in journal_u if t.date < since), ZERO)
    matched_prior = sum((t.amount for t in prior if t.id in matched_t), ZERO)
    remaining = journal_before - opening - matched_prior  # what is still outstanding from before
    if remaining == 0:
        return everything, []
    singles = [t for t in unmatched if t.amount == remaining]
    if len(singles) == 1:
        return everything - {singles[0].id}, []
    opt = options or MatchOptions()
    same_sign = [t for t in unmatched if (t.amount > 0) == (remaining > 0) and abs(t.amount) < abs(remaining)]
    if len(singles) == 0 and 2 <= len(same_sign) <= opt.max_candidates * 2:
        solutions, _ = subset_sums(
            [t.id for t in same_sign], [int(abs(t.amount).scaleb(2)) for t in same_sign],
            int(abs(remaining).scaleb(2)), opt.max_group, opt.subset_budget,
        )
        if len(solutions) == 1:
            return everything - set(solutions[0]), []
    return everything, [Finding(
        Severity.ALERT, "opening_difference",
        f"Before {since.isoformat()} the trust journal shows {fmt(journal_before)} but the bank started the "
        f"first imported statement with {fmt(opening)}: {fmt(remaining)} of entries from before then had not "
        "cleared, and no single set of entries explains it. Match the old outstanding items by hand.",
        remaining,
    )]


def _statement_balance(statements, bank, start, end, opening, since) -> tuple[Decimal | None, list[Finding]]:
    """The bank's balance at the period end: as a statement says, checked against opening + lines."""
    found: list[Finding] = []
    candidates = [
        s for s in statements
        if s.ending_balance is not None and (s.balance_date or s.end) and start <= (s.balance_date or s.end) <= end
    ]
    stated = max(candidates, key=lambda s: (s.balance_date or s.end, s.id)).ending_balance if candidates else None
    computed = None
    if opening is not None and since is not None:
        computed = opening + sum((b.amount for b in bank if since <= b.date <= end), ZERO)
    if stated is not None and computed is not None and stated != computed:
        found.append(Finding(
            Severity.ALERT, "statement_lines_missing",
            f"The statement's ending balance is {fmt(stated)}, but the opening balance plus the imported lines "
            f"come to {fmt(computed)}: lines are missing or doubled. Import the bank's full statement.",
            stated - computed,
        ))
    if stated is None and computed is not None:
        latest = max((b.date for b in bank), default=None)
        if latest is not None and latest >= start:
            found.append(Finding(
                Severity.INFO, "computed_balance",
                f"No imported statement gives a balance at {end.isoformat()}; {fmt(computed)} was worked out "
                "from the opening balance and the imported lines.",
            ))
            return computed, found
    if stated is None:
        found.append(Finding(
            Severity.ALERT, "no_statement",
            f"No bank statement with an ending balance in {start:%B %Y} has been imported, so the bank side "
            "cannot be reconciled.",
        ))
    return stated, found


def _client_ledgers(journal, names: Names, qbo_ledgers, start: dt.date):
    sums: dict[tuple[int | None, int | None], Decimal] = defaultdict(lambda: ZERO)
    counts: dict[tuple[int | None, int | None], int] = defaultdict(int)
    # Each ledger's lowest end-of-day balance within the period (a deposit later the same day covers a check):
    # one that went below zero mid-month and recovered by its end is an overdraft all the same.
    lowest: dict[tuple[int | None, int | None], tuple[Decimal, dt.date]] = {}
    unassigned = []
    touched: set[tuple[int | None, int | None]] = set()
    ordered = sorted(journal, key=lambda t: (t.date, t.id))
    for n, t in enumerate(ordered):
        client = t.client_id
        if client is None and t.matter_id is not None:
            client = names.matters.get(t.matter_id, ("", None))[1]
        if client is None and t.matter_id is None:
            unassigned.append(t)
        else:
            sums[(client, t.matter_id)] += t.amount
            counts[(client, t.matter_id)] += 1
            touched.add((client, t.matter_id))
        if n + 1 == len(ordered) or ordered[n + 1].date != t.date:  # the day is over
            for key in touched:
                if t.date >= start and (key not in lowest or sums[key] < lowest[key][0]):
                    lowest[key] = (sums[key], t.date)
            touched.clear()
    rows = [
        ClientLedger(
            client_id=client,
            client_name=names.client(client, matter),
            matter_id=matter,
            matter_label=names.matter(matter),
            balance=value,
            entries=counts[(client, matter)],
            qbo_balance=None if qbo_ledgers is None or matter is None else qbo_ledgers.get(matter, ZERO),
            lowest=lowest.get((client, matter), (None, None))[0],
            lowest_on=lowest.get((client, matter), (None, None))[1],
        )
        for (client, matter), value in sums.items()
    ]
    rows.sort(key=lambda r: (r.client_name.lower(), r.matter_label, r.client_id or 0, r.matter_id or 0))
    return tuple(rows), unassigned, sum((t.amount for t in unassigned), ZERO)


def _difference_findings(adjusted, journal_balance, bank_only_total, unmatched_bank, unexplained) -> list[Finding]:
    if adjusted is None:
        return []
    diff = adjusted - journal_balance
    if diff == 0:
        return []
    if unexplained == 0:
        return [Finding(
            Severity.INFO, "explained_difference",
            f"The adjusted bank balance {fmt(adjusted)} and the trust journal {fmt(journal_balance)} differ by "
            f"{fmt(diff)}, which the {len(unmatched_bank)} bank lines missing from the journal explain exactly.",
            diff, bank_ids=tuple(b.id for b in unmatched_bank),
        )]
    return [Finding(
        Severity.ALERT, "unexplained_difference",
        f"The adjusted bank balance {fmt(adjusted)} and the trust journal {fmt(journal_balance)} differ by "
        f"{fmt(diff)}; the bank lines missing from the journal explain {fmt(bank_only_total)}, leaving "
        f"{fmt(unexplained)} unexplained. Look for a journal entry recorded with the wrong amount or account.",
        unexplained, bank_ids=tuple(b.id for b in unmatched_bank),
    )]
