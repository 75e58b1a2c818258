"""A firm connected through the browser sign-in is synced by ``ledgerbridge sync --profile`` with nothing
but what the profile keeps: the services' addresses in settings, the tokens in the real keychain."""

from __future__ import annotations

import pytest

from app.auth.tokens import TokenStore
from app.cli import main
from app.connections import build_clients, connect_clio, connect_qbo, open_clients
from app.demo import prepare_demo_mapping
from app.errors import LedgerbridgeError
from app.paths import database_path
from app.sandbox.runner import Sandbox
from app.store import open_store, settings


def test_profile_sync_uses_the_keychain_connections(keychain_profile, data_dir, capsys):
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        store = open_store(database_path(keychain_profile))
        connect_clio(store, keychain_profile, sb.clio_url, sandbox=sb)
        connect_qbo(store, keychain_profile, sandbox=sb)
        assert settings.get(store, "clio.base_url") == sb.clio_url
        assert TokenStore(keychain_profile).load("qbo") is not None
        with open_clients(store, keychain_profile) as (clio, qbo):  # the production path: no sandbox given
            prepare_demo_mapping(store, clio, qbo)
        store.close()
        sb.qbo_faults.counts.clear()
        code = main(["sync", "--profile", keychain_profile, "--quiet"])
        out = capsys.readouterr().out
        assert "Created" in out and sb.qbo_faults.total_requests() > 0
        assert code == 1  # the demo firm's near-duplicate customer is held for a person
        assert "held 0" not in out


def test_unconnected_profile_says_what_to_do(keychain_profile, data_dir):
    store = open_store(database_path(keychain_profile))
    with pytest.raises(LedgerbridgeError, match="not connected") as err:
        build_clients(store, keychain_profile)
    assert "setup wizard" in str(err.value)
