"""Creating the QuickBooks accounts a Clio trust account needs, when the chart has none for it.

The one write to the chart of accounts Ledgerbridge makes (on the bookkeeper's request, in the setup
wizard): a trust bank account (Bank / TrustAccounts) and its trust liability (Other Current Liability /
TrustAccountsLiabilities). Each create carries a request id derived from the Clio account and the role, so a
retry after a lost answer is answered by QuickBooks instead of making a second account; each is audited.
"""

from __future__ import annotations

import hashlib
from typing import Any

from app.clients import QboBooks
from app.store import audit
from app.store.db import Store

ROLES = (("bank", "Bank", "TrustAccounts"), ("liability", "Other Current Liability", "TrustAccountsLiabilities"))


def request_id(clio_account_id: int, role: str, name: str) -> str:
    return "lb-acct-" + hashlib.sha256(f"{clio_account_id}|{role}|{name}".encode()).hexdigest()[:24]


def create_trust_accounts(store: Store, qbo: QboBooks, names: list[tuple[int, str]], *, actor: str
                          ) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """For each (Clio trust account id, its name): create its trust bank and trust liability accounts in
    QuickBooks. Returns (Clio id, bank account, liability account) per account."""
    made = []
    for clio_id, name in names:
        base = name.replace(":", " ").replace('"', "")[:80]
        created = {}
        for role, acct_type, sub_type in ROLES:
            title = f"{base} ({role})"
            rid = request_id(clio_id, role, title)
            account = qbo.create("Account", {"Name": title, "AccountType": acct_type, "AccountSubType": sub_type},
                                 rid)
            audit.append(store, actor=actor, action="mapping.account_created", clio_kind="bank_accounts",
                         clio_id=clio_id, qbo_entity="Account", qbo_id=account.get("Id", ""), request_id=rid,
                         received=account, detail=f"created the QuickBooks {acct_type} account '{title}' for the "
                                                  f"Clio trust account '{name}'")
            created[role] = account
        made.append((clio_id, created["bank"], created["liability"]))
    return made
