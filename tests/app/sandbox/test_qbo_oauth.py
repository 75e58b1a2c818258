"""Intuit OAuth as the emulator plays it: discovery, authorize, token grants, rotation, expiry, revoke."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from app.auth.redirects import QboEnvironment
from app.money import loads_json
from tests.app.sandbox import test_qbo_support as support
from tests.app.sandbox.test_qbo_support import LiveQbo

make_qbo, qbo = support.make_qbo, support.qbo


def token_call(qbo: LiveQbo, form: dict[str, str], secret: str | None = None) -> httpx.Response:
    return httpx.post(f"{qbo.url}/oauth2/v1/tokens/bearer", data=form,
                      auth=(qbo.state.client_id, secret or qbo.state.client_secret))


def refresh(qbo: LiveQbo, token: str) -> httpx.Response:
    return token_call(qbo, {"grant_type": "refresh_token", "refresh_token": token})


def api_status(qbo: LiveQbo, access: str) -> int:
    return httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(access)).status_code


def test_discovery_document_points_at_this_server(qbo: LiveQbo) -> None:
    doc = httpx.get(qbo.discovery_url).json()
    for key, path in (("authorization_endpoint", "/connect/oauth2"), ("token_endpoint", "/oauth2/v1/tokens/bearer"),
                      ("revocation_endpoint", "/v2/oauth2/tokens/revoke"), ("jwks_uri", "/oauth2/v1/keys"),
                      ("userinfo_endpoint", "/v1/openid_connect/userinfo")):
        assert doc[key] == qbo.url + path
    assert doc["issuer"] == qbo.url


def test_authorize_redirects_with_code_state_and_realm_then_code_exchange(qbo: LiveQbo) -> None:
    params = {"client_id": qbo.state.client_id, "response_type": "code", "state": "xyz",
              "scope": "com.intuit.quickbooks.accounting", "redirect_uri": "http://localhost:9/cb"}
    qbo.state.register_redirect_uri("http://localhost:9/cb")
    r = httpx.get(f"{qbo.url}/connect/oauth2", params=params)
    assert r.status_code == 302
    sent = parse_qs(urlparse(r.headers["location"]).query)
    assert sent["state"] == ["xyz"] and sent["realmId"] == [qbo.state.realm_id]
    wrong_uri = token_call(qbo, {"grant_type": "authorization_code", "code": sent["code"][0],
                                 "redirect_uri": "http://localhost:9/other"})
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_grant"
    # The failed attempt used the code up, as Intuit does: start again.
    sent = parse_qs(urlparse(httpx.get(f"{qbo.url}/connect/oauth2", params=params).headers["location"]).query)
    r = token_call(qbo, {"grant_type": "authorization_code", "code": sent["code"][0],
                         "redirect_uri": "http://localhost:9/cb"})
    assert r.status_code == 200
    answer = r.json()
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 3600
    assert answer["x_refresh_token_expires_in"] == 8640000
    assert api_status(qbo, answer["access_token"]) == 200
    bad_client = httpx.get(f"{qbo.url}/connect/oauth2", params={**params, "client_id": "nope"})
    assert bad_client.status_code == 400


def test_wrong_client_secret_is_refused(qbo: LiveQbo) -> None:
    tokens = qbo.state.issue_tokens()
    r = token_call(qbo, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, secret="wrong")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert token_call(qbo, {"grant_type": "password"}).json()["error"] == "unsupported_grant_type"


def test_refresh_tokens_rotate_and_an_old_one_dies_once_its_successor_is_used(qbo: LiveQbo) -> None:
    r0 = qbo.state.issue_tokens()["refresh_token"]
    first = refresh(qbo, r0).json()
    r1 = first["refresh_token"]
    assert r1 != r0
    # The answer was lost? The old token still works until the new one has been used.
    retry = refresh(qbo, r0)
    assert retry.status_code == 200
    r1b = retry.json()["refresh_token"]
    assert r1b not in (r0, r1)
    used = refresh(qbo, r1b)
    assert used.status_code == 200
    stale = refresh(qbo, r0)
    assert stale.status_code == 400 and stale.json()["error"] == "invalid_grant"
    assert refresh(qbo, used.json()["refresh_token"]).status_code == 200
    assert refresh(qbo, "AB11-never-issued").status_code == 400


def unauthorized(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 401, r.text
    body = loads_json(r.text)
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert body["fault"]["error"][0]["code"] == "3200"
    return body["fault"]["error"][0]


def test_access_tokens_expire_after_their_ttl(make_qbo: Any) -> None:
    live = make_qbo(token_ttl=0.4)
    tokens = live.state.issue_tokens()
    assert api_status(live, tokens["access_token"]) == 200
    time.sleep(0.5)
    err = unauthorized(httpx.get(f"{live.api}/preferences", headers=live.headers(tokens["access_token"])))
    assert "expired" in err["detail"]
    fresh = refresh(live, tokens["refresh_token"]).json()["access_token"]
    assert api_status(live, fresh) == 200


def test_missing_token_and_expire_now_switch(qbo: LiveQbo) -> None:
    unauthorized(httpx.get(f"{qbo.api}/preferences"))
    unauthorized(httpx.get(f"{qbo.api}/preferences", headers={"Authorization": "Bearer made-up"}))
    tokens = qbo.state.issue_tokens()
    assert api_status(qbo, tokens["access_token"]) == 200
    assert httpx.post(f"{qbo.url}/_sandbox/expire_tokens", json={}).status_code == 200
    unauthorized(httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(tokens["access_token"])))
    assert refresh(qbo, tokens["refresh_token"]).status_code == 200


def test_revoke_ends_the_grant(qbo: LiveQbo) -> None:
    tokens = qbo.state.issue_tokens()
    r = httpx.post(f"{qbo.url}/v2/oauth2/tokens/revoke", json={"token": tokens["refresh_token"]},
                   auth=(qbo.state.client_id, qbo.state.client_secret))
    assert r.status_code == 200
    assert api_status(qbo, tokens["access_token"]) == 401
    assert refresh(qbo, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_token_opens_only_its_own_company(qbo: LiveQbo) -> None:
    r = httpx.get(f"{qbo.url}/v3/company/123456/preferences", headers=qbo.headers())
    assert r.status_code == 403
    assert loads_json(r.text)["Fault"]["Error"][0]["code"] == "3100"


def test_redirects_follow_intuits_rules_for_each_kind_of_keys(qbo: LiveQbo) -> None:
    def authorize(uri: str) -> httpx.Response:
        return httpx.get(f"{qbo.url}/connect/oauth2", params={
            "client_id": qbo.state.client_id, "response_type": "code", "state": "s",
            "scope": "com.intuit.quickbooks.accounting", "redirect_uri": uri})

    for uri in ("http://127.0.0.1:47802/callback", "https://books.example/cb", "http://books.example/cb",
                "https://10.0.0.5/cb"):
        qbo.state.register_redirect_uri(uri)
    # Development keys: http://localhost is fine, an IP address never, https when registered.
    assert authorize("http://localhost:47802/callback").status_code == 302  # registered by default
    assert authorize("http://localhost:47803/callback").status_code == 400  # not registered
    refused_ip = authorize("http://127.0.0.1:47802/callback")
    assert refused_ip.status_code == 400 and "IP" in refused_ip.json()["error_description"]
    assert authorize("https://books.example/cb").status_code == 302
    assert authorize("http://books.example/cb").status_code == 400
    # Production keys: https only, no IP address, no localhost, registered.
    qbo.state.oauth_mode = QboEnvironment.PRODUCTION
    assert authorize("https://books.example/cb").status_code == 302
    assert authorize("http://localhost:47802/callback").status_code == 400
    assert authorize("https://10.0.0.5/cb").status_code == 400
    assert authorize("https://books.example/other").status_code == 400
