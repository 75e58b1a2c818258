"""Creating a Clio trust account's QuickBooks accounts, over HTTP against the QuickBooks emulator."""

from __future__ import annotations

from app.mapping.accounts import create_trust_accounts
from app.sandbox.runner import Sandbox
from app.store import audit
from tests.app.sync.conftest import make_rig


def test_trust_accounts_are_created_once_even_when_asked_again_and_each_is_audited(tmp_path):
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_rig(sb, tmp_path / "firm.sqlite3")
        try:
            before = len(rig.qbo.query_all("Account"))
            [(clio_id, bank, liability)] = create_trust_accounts(rig.store, rig.qbo, [(71, "Trust: Harrow Estate")],
                                                                 actor="user:ann")
            assert clio_id == 71 and bank["AccountSubType"] == "TrustAccounts"
            assert liability["AccountSubType"] == "TrustAccountsLiabilities" and ":" not in bank["Name"]
            # a retry after a lost answer carries the same request ids: QuickBooks answers, nothing new is made
            [(_id, bank2, liability2)] = create_trust_accounts(rig.store, rig.qbo, [(71, "Trust: Harrow Estate")],
                                                               actor="user:ann")
            assert (bank2["Id"], liability2["Id"]) == (bank["Id"], liability["Id"])
            assert len(rig.qbo.query_all("Account")) == before + 2
            made = [e for e in audit.history(rig.store) if e.action == "mapping.account_created"]
            assert len(made) == 4 and {e.qbo_id for e in made} == {bank["Id"], liability["Id"]}
        finally:
            rig.clio.close()
            rig.qbo.close()
            rig.store.close()
