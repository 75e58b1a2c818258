"""A live sandbox (both emulators over HTTP) and a sync engine wired to it through the real clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.auth.sandbox_tokens import clio_tokens, qbo_tokens
from app.clio.client import ClioClient
from app.mapping import Mapping, demo_defaults, save_mapping
from app.qbo.client import QboClient
from app.sandbox.runner import Sandbox
from app.store import Store, open_store
from app.sync import twoway
from app.sync.clio_books import load_books
from app.sync.engine import SyncEngine


def map_defaults(engine: SyncEngine, store: Store) -> Mapping:
    """Read the QBO directory and the source's accounts (a dry run), then save the demo mapping."""
    engine.run(dry_run=True)
    directory = twoway.directory(store)
    mapping = demo_defaults(directory["Account"], directory["Item"],
                            clio_bank_accounts=load_books(store).bank_accounts.values())
    save_mapping(store, mapping)
    return mapping


@dataclass
class Rig:
    sb: Sandbox
    store: Store
    clio: ClioClient
    qbo: QboClient
    engine: SyncEngine

    def map_defaults(self) -> Mapping:
        return map_defaults(self.engine, self.store)

    def map_every_trust_account(self) -> Mapping:
        """The demo mapping, and for each Clio trust account it leaves unmapped (the medium firm's second one)
        its own QuickBooks trust bank and liability accounts."""
        mapping = self.map_defaults()
        trusts = list(mapping.trust_accounts)
        for n, t in enumerate(t for t in mapping.trust_accounts if not t.bank or not t.liability):
            bank = self.qbo.create("Account", {"Name": f"Trust Bank {n}", "AccountType": "Bank",
                                               "AccountSubType": "TrustAccounts"}, f"acct-b{n}")
            liab = self.qbo.create("Account", {"Name": f"Trust Liability {n}", "AccountType": "Other Current Liability",
                                               "AccountSubType": "TrustAccountsLiabilities"}, f"acct-l{n}")
            trusts[trusts.index(t)] = replace(t, bank=bank["Id"], liability=liab["Id"])
        self.engine.run(dry_run=True)  # the new accounts reach the directory through CDC
        mapping = replace(mapping, trust_accounts=tuple(trusts))
        save_mapping(self.store, mapping)
        return mapping

    def qbo_writes(self) -> int:
        return sum(n for path, n in self.sb.qbo_faults.counts.items()
                   if not path.endswith(("/query", "/cdc")) and "/company/" in path
                   and path.rsplit("/", 1)[-1].isalpha() and not path.endswith("/preferences"))


def make_rig(sb: Sandbox, path: Path, *, limits: bool = False, window: float = 60.0,
             offset_cap: int | None = None) -> Rig:
    """``limits`` False: the sandbox runs without limits, so the client need not pace itself either.
    ``offset_cap`` lowers Clio's 10,000-record offset ceiling on both sides (bill lines then need windows)."""
    store = open_store(path)
    if offset_cap is not None:
        sb.clio.offset_cap = offset_cap
    clio = ClioClient(sb.clio_url, clio_tokens(sb.clio_url), **({"offset_cap": offset_cap} if offset_cap else {}))
    pace = {} if limits else {"per_minute": 0, "batch_per_minute": 0}
    qbo = QboClient(sb.qbo_url, sb.realm_id, qbo_tokens(sb.qbo_url), window_seconds=window, **pace)
    return Rig(sb, store, clio, qbo, SyncEngine(store, clio, qbo, workers=4))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        r = make_rig(sb, tmp_path / "firm.sqlite3")
        yield r
        r.clio.close()
        r.qbo.close()
        r.store.close()
