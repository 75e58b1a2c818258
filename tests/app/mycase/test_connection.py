"""A firm's MyCase sign-in through the browser flow, kept in the real keychain: two-week refresh tokens, a warning
before one ends, refreshed tokens renewing it, a refused refresh asking for a reconnect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.auth.tokens import TokenStore
from app.connections import build_clients, connect_mycase, disconnect, sign_in_state
from app.errors import LedgerbridgeError
from app.mycase.source import MyCaseSource
from app.sandbox.runner import Sandbox
from app.sources import SOURCES, set_firm_source
from app.store import open_store


def test_sign_in_lasts_two_weeks_is_warned_of_and_renews(tmp_path: Path, keychain_profile: str):
    store = open_store(tmp_path / "firm.sqlite3")
    set_firm_source(store, "mycase")
    ts = TokenStore(keychain_profile)
    with Sandbox("small", source="mycase", clio_rate_limit=0, qbo_limits=False) as sb:
        conn = connect_mycase(store, keychain_profile, sandbox=sb,
                              app_credentials=(sb.mycase_client_id, sb.mycase_client_secret))
        tokens = ts.load("mycase")
        assert tokens is not None and tokens.extra["firm_uuid"]
        assert tokens.refresh_expires_at - tokens.expires_at == pytest.approx(13 * 86400, abs=60)  # 14 d vs 24 h
        warn = SOURCES["mycase"].warn_days
        quiet = sign_in_state(tokens, "MyCase", tokens.refresh_expires_at - (warn + 1) * 86400, warn_days=warn)
        soon = sign_in_state(tokens, "MyCase", tokens.refresh_expires_at - (warn - 1) * 86400, warn_days=warn)
        assert not quiet.warning and "reconnect MyCase" in soon.warning and not soon.needs_reconnect
        day = dt.datetime.fromtimestamp(tokens.refresh_expires_at, dt.UTC).strftime("%Y-%m-%d")
        assert day in soon.warning
        # the sync reads through the keychain's sign-in; a 401 refreshes and the two weeks start again
        source, qbo = build_clients(store, keychain_profile, sandbox=sb)
        assert isinstance(source, MyCaseSource)
        sb.mycase.expire_tokens()
        assert len(list(source.iter_records("contacts"))) == 14
        renewed = ts.load("mycase")
        assert renewed.refresh_token != tokens.refresh_token and renewed.refresh_expires_at >= tokens.refresh_expires_at
        source.close()
        qbo.close()
        # MyCase refuses the refresh token: a reconnect, said on the dashboard, and every sync stops saying so
        sb.mycase.refresh_tokens.clear()
        sb.mycase.expire_tokens()
        with pytest.raises(LedgerbridgeError, match="refused to renew"):
            conn.refresh(ts.load("mycase").access_token)
        assert sign_in_state(ts.load("mycase"), "MyCase", 0).needs_reconnect
        sentence = disconnect(store, keychain_profile, "mycase")
        assert "could not confirm the revoke" in sentence and ts.load("mycase") is None
    ts.delete_credentials("mycase")
    store.close()


def test_an_unconnected_mycase_firm_is_told_what_to_do(tmp_path: Path, keychain_profile: str):
    store = open_store(tmp_path / "firm.sqlite3")
    set_firm_source(store, "mycase")
    with pytest.raises(LedgerbridgeError, match="MyCase and QuickBooks are not connected for this firm"):
        build_clients(store, keychain_profile)
    store.close()
