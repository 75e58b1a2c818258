"""The Clio emulator's OAuth: authorize (auto-approve), code and refresh grants, PKCE, expiry, revoke."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import httpx

from app.auth.redirects import clio_loopback
from app.sandbox.clio.emulator import ClioState, create_clio_app
from app.sandbox.demo_firm import generate_firm
from app.sandbox.httpserver import ServerThread

from .conftest import ClioServer

REDIRECT = clio_loopback()  # the address the app registers by default


def _authorize(clio: ClioServer, **extra: str) -> dict[str, list[str]]:
    params = {"response_type": "code", "client_id": clio.state.client_id, "redirect_uri": REDIRECT,
              "state": "st-123", **extra}
    response = httpx.get(f"{clio.url}/oauth/authorize", params=params)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def _token(clio: ClioServer, **form: str) -> httpx.Response:
    base = {"client_id": clio.state.client_id, "client_secret": clio.state.client_secret}
    return httpx.post(f"{clio.url}/oauth/token", data={**base, **form})


def _api(clio: ClioServer, access_token: str) -> httpx.Response:
    return httpx.get(f"{clio.url}/api/v4/contacts.json", headers={"Authorization": f"Bearer {access_token}"})


def test_code_grant_then_refresh_without_rotation(clio: ClioServer) -> None:
    query = _authorize(clio)
    assert query["state"] == ["st-123"]
    code = query["code"][0]
    answer = _token(clio, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] > 0 and tokens["refresh_token"]
    assert _api(clio, tokens["access_token"]).status_code == 200
    # A code works once.
    again = _token(clio, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    refreshed = _token(clio, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()  # not rotated: keep the one you have
    assert _api(clio, refreshed.json()["access_token"]).status_code == 200
    # The same refresh token keeps working.
    assert _token(clio, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 200


def test_pkce_verifier_is_checked(clio: ClioServer) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = _authorize(clio, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    wrong = _token(clio, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier="x" * 50)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = _authorize(clio, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    missing = _token(clio, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert missing.status_code == 400
    code = _authorize(clio, code_challenge=challenge, code_challenge_method="S256")["code"][0]
    right = _token(clio, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)
    assert right.status_code == 200, right.text


def test_wrong_client_secret_redirect_or_grant_type_are_refused(clio: ClioServer) -> None:
    code = _authorize(clio)["code"][0]
    bad_secret = httpx.post(f"{clio.url}/oauth/token", data={
        "client_id": clio.state.client_id, "client_secret": "nope", "grant_type": "authorization_code",
        "code": code, "redirect_uri": REDIRECT})
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    other_redirect = _token(clio, grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:1/x")
    assert other_redirect.status_code == 400
    assert _token(clio, grant_type="password").json()["error"] == "unsupported_grant_type"
    unknown_client = httpx.get(f"{clio.url}/oauth/authorize", params={
        "response_type": "code", "client_id": "someone-else", "redirect_uri": REDIRECT})
    assert unknown_client.status_code == 400
    unregistered = httpx.get(f"{clio.url}/oauth/authorize", params={
        "response_type": "code", "client_id": clio.state.client_id, "redirect_uri": REDIRECT + "/"})
    assert unregistered.status_code == 400 and "registered" in unregistered.text  # exactly, not a prefix
    # Client credentials may also come as HTTP Basic.
    code = _authorize(clio)["code"][0]
    basic = httpx.post(f"{clio.url}/oauth/token", auth=(clio.state.client_id, clio.state.client_secret),
                       data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert basic.status_code == 200


def test_unsupported_response_type_redirects_with_an_error(clio: ClioServer) -> None:
    query = _authorize(clio, response_type="token")
    assert query["error"] == ["unsupported_response_type"] and query["state"] == ["st-123"]


def test_expire_tokens_now_then_refresh(clio: ClioServer) -> None:
    assert clio.get("/api/v4/contacts.json").status_code == 200
    assert clio.http.post("/_sandbox/expire_tokens").json()["expired"] >= 1
    expired = clio.get("/api/v4/contacts.json")
    assert expired.status_code == 401
    assert expired.json()["error"] == "invalid_token" and expired.json()["error_description"]
    fresh = _token(clio, grant_type="refresh_token", refresh_token=clio.token["refresh_token"]).json()
    assert _api(clio, fresh["access_token"]).status_code == 200


def test_tokens_expire_after_their_ttl() -> None:
    state = ClioState(generate_firm("small", 7), rate_limit=0, token_ttl=0.5)
    with ServerThread(create_clio_app(state)) as server:
        token = state.issue_token()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.url}/api/v4/contacts.json", headers=headers).status_code == 200
        time.sleep(0.6)
        assert httpx.get(f"{server.url}/api/v4/contacts.json", headers=headers).status_code == 401


def test_missing_or_unknown_token_is_401(clio: ClioServer) -> None:
    assert httpx.get(f"{clio.url}/api/v4/contacts.json").status_code == 401
    assert _api(clio, "made-up-token").json()["error"] == "invalid_token"


def test_deauthorize_revokes_access_and_refresh(clio: ClioServer) -> None:
    tokens = clio.state.issue_token()
    assert _api(clio, tokens["access_token"]).status_code == 200
    gone = httpx.post(f"{clio.url}/oauth/deauthorize", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert gone.status_code == 200
    assert _api(clio, tokens["access_token"]).status_code == 401
    assert _token(clio, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 400
    # Another connection is untouched.
    assert clio.get("/api/v4/contacts.json").status_code == 200
