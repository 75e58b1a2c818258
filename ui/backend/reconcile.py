"""The reconciliation screen's calls into ``app.reconcile``, ``app.bank`` and ``app.export``.

Worker-thread functions. ``grids()`` turns a ``Reconciliation`` (computed by ``app.reconcile``) into the
three grids' row tuples on the worker, so the main thread only hands finished lists to the models.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.errors import LedgerbridgeError
from ui.context import AppContext
from ui.tasks import Changes

log = logging.getLogger("ledgerbridge.ui")


@dataclass(frozen=True)
class Grid:
    rows: list[tuple]
    keys: list[Any]
    groups: list[Any]


@dataclass(frozen=True)
class ReconView:
    """What the screen shows: the app's Reconciliation plus the grids' rows built from it."""

    rec: Any  # app.reconcile.records.Reconciliation
    bank: Grid
    journal: Grid
    ledgers: Grid
    #: journal txn id → ledger row key, so selecting a journal line highlights its client ledger.
    ledger_of_txn: dict[int, Any]
    #: match group → the Match (for unmatch and the rule shown).
    matches: dict[int, Any]


def trust_accounts(ctx: AppContext) -> tuple[list[str], dict[str, str] | None]:
    """Trust accounts known to the store (Clio's trust bank accounts and accounts with statements), and in
    demo mode where the demo statement was written."""
    from app.bank import statement_accounts
    from app.store import cache, settings
    from app.store.trust_ledger import ledger_accounts

    names = cache.trust_account_names(ctx.store)
    names += [a for a in statement_accounts(ctx.store) if a not in names]
    names += [a for a in ledger_accounts(ctx.store) if a not in names]
    return names, settings.get(ctx.store, "ui.demo_statement")


def load(ctx: AppContext, account: str, period: str) -> ReconView:
    return build_view(_reconcile(ctx, account, period))


def qbo_leg(ctx: AppContext, account: str, period: str) -> Any:
    """QuickBooks' own trust liability for ``account`` as of the period's last day, per client matter and in
    total (``app.reconcile.qbo_leg``), read on this worker; None when QuickBooks cannot be reached or the
    account is not mapped (the reconciliation then says it has no QuickBooks leg)."""
    from app.errors import LedgerbridgeError
    from app.reconcile.qbo_leg import leg_for_account
    from ui.connections import build_clients

    try:
        clio, qbo = build_clients(ctx)
    except LedgerbridgeError as exc:
        log.info("no QuickBooks leg for %s %s: %s", account, period, exc)
        return None
    try:
        return leg_for_account(ctx.store, qbo, account, period)
    except LedgerbridgeError as exc:
        log.warning("QuickBooks leg of %s %s not read: %s", account, period, exc)
        return None
    finally:
        clio.close()
        qbo.close()


def _reconcile(ctx: AppContext, account: str, period: str, **signing: Any) -> Any:
    """The reconciliation with the QuickBooks leg as of the period's end (signed off when ``signing`` names
    who prepared and reviewed it)."""
    import app.reconcile as reconcile

    leg = qbo_leg(ctx, account, period)
    liability, ledgers = (leg.liability, leg.per_matter) if leg is not None else (None, None)
    if signing:
        return reconcile.sign_off(ctx.store, account, period, qbo_liability=liability, qbo_ledgers=ledgers,
                                  **signing)
    return reconcile.reconcile(ctx.store, account, period, qbo_liability=liability, qbo_ledgers=ledgers)


def build_view(rec: Any) -> ReconView:
    group_of_bank: dict[int, int] = {}
    group_of_txn: dict[int, int] = {}
    matches: dict[int, Any] = {}
    for number, m in enumerate(rec.matches):
        matches[number] = m
        for b in m.bank_ids:
            group_of_bank[b] = number
        for t in m.txn_ids:
            group_of_txn[t] = number
    in_transit = {i.txn.id for i in rec.deposits_in_transit}
    outstanding = {i.txn.id for i in rec.outstanding_checks}

    b_rows: list[tuple[Any, ...]] = []
    b_keys: list[int] = []
    b_groups: list[int | None] = []
    for ln in rec.bank_lines:
        g = group_of_bank.get(ln.id)
        b_rows.append((ln.date, ln.check_number, ln.text, ln.amount, matches[g].rule.value if g is not None else ""))
        b_keys.append(ln.id)
        b_groups.append(g)

    ledger_key = {}
    l_rows, l_keys = [], []
    for n, cl in enumerate(rec.client_ledgers):
        key = (cl.client_id, cl.matter_id)
        ledger_key[key] = n
        l_rows.append((cl.client_name, cl.matter_label, cl.entries, cl.balance, cl.qbo_balance))
        l_keys.append(n)

    j_rows: list[tuple[Any, ...]] = []
    j_keys: list[int] = []
    j_groups: list[int | None] = []
    ledger_of_txn: dict[int, Any] = {}
    for t in rec.journal:
        g = group_of_txn.get(t.id)
        status = "matched" if g is not None else (
            "in transit" if t.id in in_transit else "outstanding" if t.id in outstanding else "unmatched"
        )
        j_rows.append((t.date, t.confirmation, t.description, t.amount, status))
        j_keys.append(t.id)
        j_groups.append(g)
        lk = ledger_key.get((t.client_id, t.matter_id))
        if lk is None:
            lk = ledger_key.get((t.client_id, None))
        if lk is not None:
            ledger_of_txn[t.id] = lk
    return ReconView(
        rec,
        Grid(b_rows, b_keys, b_groups),
        Grid(j_rows, j_keys, j_groups),
        Grid(l_rows, l_keys, [None] * len(l_rows)),
        ledger_of_txn,
        matches,
    )


def manual_match(ctx: AppContext, account: str, bank_ids: list[int], txn_ids: list[int]) -> Changes:
    """A person's match; ``app.reconcile`` refuses unequal amounts or a locked period, with the reason."""
    import app.reconcile as reconcile
    reconcile.match(ctx.store, account, bank_ids, txn_ids, actor=ctx.actor)
    return Changes(reconciliation=True, audit=True)


def manual_unmatch(ctx: AppContext, account: str, match: Any, reason: str) -> Changes:
    """Undo a person's match, or reject an automatic pairing so the matcher does not make it again."""
    import app.reconcile as reconcile
    if match.manual_id is not None:
        reconcile.unmatch(ctx.store, account, actor=ctx.actor, reason=reason, match_id=match.manual_id)
    else:
        reconcile.unmatch(ctx.store, account, actor=ctx.actor, reason=reason, bank_ids=list(match.bank_ids),
                          txn_ids=list(match.txn_ids))
    return Changes(reconciliation=True, audit=True)


def sign_off(ctx: AppContext, account: str, period: str, prepared_by: str, reviewed_by: str, note: str,
             resolutions: dict[str, str] | None = None) -> Changes:
    _reconcile(ctx, account, period, prepared_by=prepared_by, reviewed_by=reviewed_by, note=note,
               resolutions=resolutions or {})
    return Changes(reconciliation=True, audit=True)


def export(ctx: AppContext, account: str, period: str, path: Path) -> Path:
    import app.export as export_mod
    from app.export.pdf_report import write_pdf_for

    rec = _reconcile(ctx, account, period)
    if path.suffix.lower() == ".pdf":
        return Path(write_pdf_for(ctx.store, rec, path))
    return Path(export_mod.write_workbook(rec, path))


# -- statement import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvPreview:
    path: Path
    header: list[str]
    sample: list[list[str]]
    saved: dict[str, Any] | None  # a mapping saved for this account, as fields


def needs_mapping(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".txt")


def preview_csv(ctx: AppContext, account: str, path: Path, delimiter: str = ",") -> CsvPreview:
    """The first rows of a CSV, for the column-mapping dialog, and the account's saved mapping."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        text = fh.read(64_000)
    sniff_delim = delimiter
    try:
        sniff_delim = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    rows = list(csv.reader(io.StringIO(text), delimiter=sniff_delim))[:12]
    from app.bank import latest_csv_mapping

    saved = latest_csv_mapping(ctx.store, account) or {"delimiter": sniff_delim}
    return CsvPreview(path, rows[0] if rows else [], rows[1:], saved)


def trust_is_imported(ctx: AppContext) -> bool:
    """The firm's source has no trust in its API (MyCase): its trust ledger is imported."""
    from app.sources import firm_source

    return firm_source(ctx.store).trust_imported


def import_trust_ledger(ctx: AppContext, account: str, path: Path) -> str:
    """Import the export through the account's saved columns (MyCase's own layout until another is saved)."""
    from app.trustledger import TrustLedgerMapping
    from app.trustledger import import_trust_ledger as run_import
    from app.trustledger.columns import saved_columns

    mapping = TrustLedgerMapping.from_dict(saved_columns(ctx.store, account))
    return run_import(ctx.store, path, account, mapping).sentence()


def import_statement(
    ctx: AppContext, account: str, path: Path, mapping: dict[str, Any] | None, save_as: str = ""
) -> Any:
    import app.bank as bank
    csv_mapping = None
    if mapping is not None:
        try:
            csv_mapping = bank.CsvMapping(**mapping)
        except TypeError as exc:
            raise LedgerbridgeError(f"The column mapping is incomplete ({exc}).", kept="Nothing was imported.",
                                    next_step="Pick the date and amount columns.") from None
        if save_as:
            bank.save_csv_mapping(ctx.store, account, save_as, csv_mapping, actor=ctx.actor)
    return bank.import_statement(ctx.store, path, account, csv_mapping, actor=ctx.actor)


def selection_total(amounts: list[Decimal]) -> Decimal:
    from app.money import total

    return total(amounts)
