"""Signing in to Smokeball: OAuth 2.0 authorization code with PKCE (S256 only) against the region's AWS Cognito
host. No ``scope`` is sent: the token then carries all of the app's scopes. The code is exchanged with
``Authorization: Basic base64(client_id:client_secret)``; the access token lives 60 minutes, the refresh token
30 days, and a refresh answers no new refresh token (the old one stays).

The browser step and the keychain are the existing sign-in machinery's (``app.auth``); this module is the
Smokeball-specific part: the addresses and the two token requests.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from app.auth.pkce import challenge_s256
from app.errors import LedgerbridgeError
from app.money import loads_json
from app.smokeball.client import SmokeballAuthError


@dataclass(frozen=True)
class SmokeballTokens:
    access_token: str
    refresh_token: str
    expires_at: float

    def __repr__(self) -> str:  # never show the tokens
        return f"SmokeballTokens(expires_at={self.expires_at})"


def authorize_url(auth_host: str, client_id: str, redirect_uri: str, state: str, verifier: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
             "code_challenge": challenge_s256(verifier), "code_challenge_method": "S256"}
    return f"{auth_host.rstrip('/')}/oauth2/authorize?{urlencode(query)}"


def _basic(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")


def _token_request(auth_host: str, client_id: str, client_secret: str, form: dict[str, str],
                   *, timeout: float = 30.0) -> dict[str, object]:
    try:
        answer = httpx.post(f"{auth_host.rstrip('/')}/oauth2/token", data=form, timeout=timeout,
                            headers={"Authorization": _basic(client_id, client_secret),
                                     "Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise LedgerbridgeError(f"Smokeball's sign-in could not be reached ({type(exc).__name__})",
                                kept="The connection is kept as it was.",
                                next_step="Check the internet connection and try again.") from None
    try:
        body = loads_json(answer.content)
    except ValueError:
        body = {}
    if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        reason = body.get("error", "") if isinstance(body, dict) else ""
        error = SmokeballAuthError if answer.status_code in (400, 401) else LedgerbridgeError
        raise error(f"Smokeball refused the sign-in ({answer.status_code} {reason or 'no reason given'})",
                    kept="The connection is kept as it was.",
                    next_step="Sign in to Smokeball again from the setup wizard.")
    return body


def exchange_code(auth_host: str, client_id: str, client_secret: str, code: str, redirect_uri: str,
                  verifier: str) -> SmokeballTokens:
    body = _token_request(auth_host, client_id, client_secret, {
        "grant_type": "authorization_code", "client_id": client_id, "redirect_uri": redirect_uri, "code": code,
        "code_verifier": verifier})
    return SmokeballTokens(str(body["access_token"]), str(body.get("refresh_token") or ""),
                           time.time() + float(str(body.get("expires_in") or 3600)))


def refresh(auth_host: str, client_id: str, client_secret: str, tokens: SmokeballTokens) -> SmokeballTokens:
    """A new access token; Smokeball answers no new refresh token, so the one held is kept."""
    body = _token_request(auth_host, client_id, client_secret, {
        "grant_type": "refresh_token", "client_id": client_id, "refresh_token": tokens.refresh_token})
    return SmokeballTokens(str(body["access_token"]), str(body.get("refresh_token") or tokens.refresh_token),
                           time.time() + float(str(body.get("expires_in") or 3600)))
