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


def _as_real_intuit(store, sb) -> None:
    """The firm's profile pointed at the emulator as it would be at Intuit: its discovery and API addresses
    in settings, the developer app's keys in the keychain (nothing handed over by the sandbox)."""
    settings.put(store, "qbo.discovery_url", sb.qbo_discovery_url)
    settings.put(store, "qbo.api_url", sb.qbo_url)


def test_quickbooks_development_keys_connect_through_the_loopback(keychain_profile, data_dir):
    import httpx

    from app.auth.tokens import ClientCredentials
    from app.connections import set_qbo_environment

    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        store = open_store(database_path(keychain_profile))
        _as_real_intuit(store, sb)
        set_qbo_environment(store, "sandbox")
        TokenStore(keychain_profile).save_credentials("qbo-sandbox", ClientCredentials(sb.qbo_client_id,
                                                                                      sb.qbo_client_secret))
        seen: list[str] = []

        def browser(url: str) -> None:
            seen.append(url)
            httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()

        conn = connect_qbo(store, keychain_profile, open_browser=browser)
        assert "redirect_uri=http%3A%2F%2Flocalhost%3A47802%2Fcallback" in seen[0]
        assert conn.realm_id == sb.realm_id and settings.get(store, "qbo.api_url") == sb.qbo_url
        store.close()


def test_quickbooks_production_keys_connect_by_pasting_the_address(keychain_profile, data_dir):
    import httpx

    from app import workstation
    from app.auth.tokens import ClientCredentials
    from app.connections import finish_qbo_paste, set_qbo_environment, start_qbo_paste

    landing = "https://books.example-firm.com/ledgerbridge"
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        from app.auth.redirects import QboEnvironment

        sb.qbo.oauth_mode = QboEnvironment.PRODUCTION  # the emulated Intuit now stands for production keys
        store = open_store(database_path(keychain_profile))
        _as_real_intuit(store, sb)
        set_qbo_environment(store, "production")
        TokenStore(keychain_profile).save_credentials("qbo", ClientCredentials(sb.qbo_client_id,
                                                                              sb.qbo_client_secret))
        # Without a registered https address the app says what to do; the loopback is refused outright.
        with pytest.raises(LedgerbridgeError, match="No https redirect address"):
            start_qbo_paste(store, keychain_profile)
        with pytest.raises(LedgerbridgeError, match="production keys cannot send the browser back"):
            connect_qbo(store, keychain_profile)
        with pytest.raises(LedgerbridgeError, match="IP addresses"):
            workstation.save(workstation.Workstation(qbo_production_redirect="https://203.0.113.7/cb"))
        workstation.save(workstation.Workstation(qbo_production_redirect=landing))
        conn, url = start_qbo_paste(store, keychain_profile)
        # Not registered at Intuit yet: Intuit shows an error and sends the browser nowhere.
        refused = httpx.get(url, follow_redirects=False, timeout=10)
        assert refused.status_code == 400 and "not registered" in refused.text
        sb.qbo.register_redirect_uri(landing)
        conn, url = start_qbo_paste(store, keychain_profile)
        landed = httpx.get(url, follow_redirects=False, timeout=10).headers["location"]
        assert landed.startswith(landing + "?")
        finish_qbo_paste(store, conn, "  " + landed + "\n")  # pasted with whitespace around it
        assert TokenStore(keychain_profile).load("qbo").extra["realm_id"] == sb.realm_id
        from app.qbo.client import QboClient

        qbo = QboClient(settings.get(store, "qbo.api_url"), conn.realm_id, conn)
        try:
            assert qbo.query("SELECT * FROM Account MAXRESULTS 1")  # the pasted sign-in works for the API
        finally:
            qbo.close()
        store.close()
