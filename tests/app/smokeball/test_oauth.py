"""Signing in to Smokeball: authorization code with PKCE S256 against the emulator's Cognito endpoints."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from app.auth.pkce import make_verifier
from app.errors import LedgerbridgeError
from app.sandbox.httpserver import ServerThread
from app.sandbox.smokeball.emulator import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SmokeballState,
    create_smokeball_app,
    small_firm,
)
from app.smokeball import oauth
from app.smokeball.client import SmokeballClient

REDIRECT = "http://127.0.0.1:47803/callback"


class Held:
    """The tokens a connection holds, refreshed through Smokeball's token endpoint."""

    def __init__(self, host: str, tokens: oauth.SmokeballTokens) -> None:
        self.host, self.tokens, self.refreshes = host, tokens, 0

    def access_token(self) -> str:
        return self.tokens.access_token

    def refresh(self, stale: str | None = None) -> str:
        self.refreshes += 1
        self.tokens = oauth.refresh(self.host, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, self.tokens)
        return self.tokens.access_token


def _code(host: str, verifier: str, state: str = "s1") -> str:
    url = oauth.authorize_url(host, DEFAULT_CLIENT_ID, REDIRECT, state, verifier)
    assert "scope" not in parse_qs(urlparse(url).query) and "code_challenge_method=S256" in url
    back = httpx.get(url, follow_redirects=False)  # the person's consent, as the browser would carry it
    assert back.status_code == 302
    query = parse_qs(urlparse(back.headers["Location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


def test_sign_in_with_pkce_then_read_and_refresh():
    state = small_firm(SmokeballState(), matters=3)
    with ServerThread(create_smokeball_app(state), name="smokeball") as server:
        verifier = make_verifier()
        tokens = oauth.exchange_code(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, _code(server.url, verifier),
                                     REDIRECT, verifier)
        assert tokens.refresh_token and "access" not in repr(tokens)
        held = Held(server.url, tokens)
        client = SmokeballClient(server.url, DEFAULT_API_KEY, held)
        assert client.get("/matters")["size"] == 3
        state.expire_tokens()
        assert client.get("/matters")["size"] == 3 and held.refreshes == 1
        assert held.tokens.refresh_token == tokens.refresh_token  # Smokeball sends no new one: the old one stays
        client.close()


def test_a_code_is_single_use_and_needs_its_own_verifier():
    state = SmokeballState()
    with ServerThread(create_smokeball_app(state), name="smokeball") as server:
        verifier = make_verifier()
        code = _code(server.url, verifier)
        with pytest.raises(LedgerbridgeError, match="invalid_grant"):
            oauth.exchange_code(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, code, REDIRECT, make_verifier())
        with pytest.raises(LedgerbridgeError, match="invalid_grant"):  # used up by the failed attempt
            oauth.exchange_code(server.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, code, REDIRECT, verifier)
        with pytest.raises(LedgerbridgeError, match="invalid_client"):
            oauth.exchange_code(server.url, DEFAULT_CLIENT_ID, "wrong", _code(server.url, verifier), REDIRECT,
                                verifier)
        plain = httpx.get(f"{server.url}/oauth2/authorize", params={
            "response_type": "code", "client_id": DEFAULT_CLIENT_ID, "redirect_uri": REDIRECT,
            "code_challenge": verifier, "code_challenge_method": "plain"})
        assert plain.status_code == 400  # only S256
