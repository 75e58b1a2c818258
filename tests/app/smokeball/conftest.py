"""A Smokeball firm served over HTTP beside the QuickBooks emulator, and a sync engine wired to both through the
real clients, chosen by the firm's source setting as the app chooses them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from app.connections import build_clients
from app.mapping import Mapping
from app.money import cents
from app.qbo.client import QboClient
from app.sandbox.runner import Sandbox
from app.smokeball.source import SmokeballSource
from app.sources import set_firm_source
from app.store import Store, links, open_store
from app.sync.clio_books import load_books
from app.sync.engine import SyncEngine
from tests.app.sync.conftest import map_defaults


@dataclass
class SmokeballRig:
    sb: Sandbox
    store: Store
    source: SmokeballSource
    qbo: QboClient
    engine: SyncEngine

    def map_defaults(self) -> Mapping:
        return map_defaults(self.engine, self.store)

    def qbo_balances(self) -> dict[str, Decimal]:
        """Smokeball invoice GUID → its QuickBooks invoice's balance, for every invoice that was posted."""
        books = load_books(self.store)
        invoices = {i["Id"]: i for i in self.qbo.query_all("Invoice")}
        out = {}
        for key, link in links.all_links(self.store).items():
            if key[0] == "bills" and link.state == "posted" and key[1] in books.invoices:
                guid = next(r["smokeball"]["id"] for r in _cached(self.store, key[1]))
                out[guid] = cents(invoices[link.qbo_id]["Balance"])
        return out

    def smokeball_unpaid(self) -> dict[str, Decimal]:
        assert self.sb.smokeball is not None
        return {i["id"]: i["invoiceTotals"]["unpaid"] for rows in self.sb.smokeball.invoices.values() for i in rows
                if i["status"] in (1, 2)}

    def trust_by_matter(self) -> dict[str, Decimal]:
        """Smokeball's own client-ledger leg: the trust account's matterBalances."""
        assert self.sb.smokeball is not None
        out: dict[str, Decimal] = defaultdict(Decimal)
        for account in self.sb.smokeball.bank_accounts.values():
            if account["type"] == "Trust":
                for b in account["matterBalances"]:
                    out[b["matter"]["id"]] += b["balance"]
        return dict(out)


def _cached(store: Store, bill_id: int) -> list[dict]:
    from app.store import cache

    return list(cache.iter_clio_ids(store, "bills", [bill_id]))


def make_smokeball_rig(sb: Sandbox, path: Path) -> SmokeballRig:
    store = open_store(path)
    set_firm_source(store, "smokeball")
    source, qbo = build_clients(store, "test", sandbox=sb)
    assert isinstance(source, SmokeballSource)
    return SmokeballRig(sb, store, source, qbo, SyncEngine(store, source, qbo, workers=4))


@pytest.fixture
def sbrig(tmp_path: Path) -> Iterator[SmokeballRig]:
    with Sandbox("small", source="smokeball", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_smokeball_rig(sb, tmp_path / "firm.sqlite3")
        yield rig
        rig.source.close()
        rig.qbo.close()
        rig.store.close()
