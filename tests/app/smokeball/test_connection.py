"""A firm's Smokeball sign-in through the browser flow and the loopback listener, kept in the real keychain,
used by the sync; refused refreshes ask for a reconnect; disconnecting forgets it here and says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.auth.tokens import TokenStore
from app.connections import build_clients, connect_smokeball, disconnect, sign_in_state
from app.errors import LedgerbridgeError
from app.sandbox.runner import Sandbox
from app.smokeball.connection import API_KEY_ENTRY
from app.smokeball.source import SmokeballSource
from app.sources import set_firm_source
from app.store import open_store


def test_sign_in_keeps_tokens_in_the_keychain_and_the_sync_uses_them(tmp_path: Path, keychain_profile: str):
    store = open_store(tmp_path / "firm.sqlite3")
    set_firm_source(store, "smokeball")
    with Sandbox("small", source="smokeball", clio_rate_limit=0, qbo_limits=False) as sb:
        conn = connect_smokeball(store, keychain_profile, "us", sandbox=sb,
                                 app_credentials=(sb.smokeball_client_id, sb.smokeball_client_secret,
                                                  sb.smokeball_api_key))
        tokens = TokenStore(keychain_profile).load("smokeball")
        assert tokens is not None and tokens.extra["api_url"] == sb.smokeball_url
        assert tokens.access_token not in repr(store.query("SELECT * FROM settings"))
        assert TokenStore(keychain_profile).load_credentials(API_KEY_ENTRY).client_secret == sb.smokeball_api_key
        assert sign_in_state(tokens, "Smokeball", tokens.expires_at).connected
        # the sync reads through the keychain's sign-in (not the sandbox's own tokens); a 401 refreshes once
        source, qbo = build_clients(store, keychain_profile, sandbox=sb)
        assert isinstance(source, SmokeballSource) and source.client.tokens.__class__.__name__ == "SmokeballConnection"
        sb.smokeball.expire_tokens()
        assert len(list(source.iter_records("contacts"))) == 20
        assert source.client.tokens.refreshes == 1
        source.close()
        qbo.close()
        # Smokeball refuses the refresh token: the connection asks for a reconnect, and says so
        sb.smokeball.refresh_tokens.clear()
        sb.smokeball.expire_tokens()
        with pytest.raises(LedgerbridgeError, match="refused to renew"):
            conn.refresh(TokenStore(keychain_profile).load("smokeball").access_token)
        assert sign_in_state(TokenStore(keychain_profile).load("smokeball"), "Smokeball", 0).needs_reconnect
        sentence = disconnect(store, keychain_profile, "smokeball")
        assert "could not confirm the revoke" in sentence and "Smokeball's own settings" in sentence
        assert TokenStore(keychain_profile).load("smokeball") is None
    TokenStore(keychain_profile).delete_credentials(API_KEY_ENTRY)
    TokenStore(keychain_profile).delete_credentials("smokeball")
    store.close()
