"""A firm's MyCase sign-in, kept in the keychain like the others (``app.auth.oauth``).

Authorization code through the loopback listener (``http://127.0.0.1:47804/callback``; MyCase support registers
the redirect). Access tokens last 24 hours and refresh tokens two weeks: a firm that does not sync for two weeks
must sign in again, so the dashboard warns ``WARN_DAYS`` before the refresh token ends. MyCase publishes no
revoke: disconnecting forgets the tokens here and says the access must be removed in MyCase too.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, ClassVar

import httpx

from app.auth.oauth import PendingAuthorization, _Connection
from app.auth.tokens import TokenSet, TokenStore
from app.errors import LedgerbridgeError
from app.money import loads_json
from app.mycase.client import MyCaseError

AUTH_HOST = "https://auth.mycase.com"
REDIRECT_PORT = 47804
REFRESH_SECONDS = 14 * 86400  # two weeks
WARN_DAYS = 4  # the dashboard warns this long before the refresh token ends


class MyCaseAuthError(MyCaseError):
    """MyCase refused a code or a refresh for good: the firm must sign in again."""


class MyCaseConnection(_Connection):
    name = "mycase"
    label = "MyCase"
    default_port = REDIRECT_PORT
    refused: ClassVar[tuple[type[Exception], ...]] = (MyCaseAuthError,)

    def __init__(self, store: TokenStore, *, auth_host: str = AUTH_HOST, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.auth_host = auth_host.rstrip("/")

    def _auth_error(self, what: str) -> LedgerbridgeError:
        return MyCaseAuthError(what, kept="Nothing was changed in MyCase or QuickBooks.",
                               next_step="Open the setup wizard and connect MyCase again.")

    def _authorize(self, redirect_uri: str, state: str) -> PendingAuthorization:
        query = urllib.parse.urlencode({"client_id": self.credentials().client_id, "redirect_uri": redirect_uri,
                                        "response_type": "code", "state": state})
        return PendingAuthorization(f"{self.auth_host}/login_sessions/new?{query}", state, redirect_uri)

    def _post(self, form: dict[str, str]) -> dict[str, Any]:
        creds = self.credentials()
        form = {**form, "client_id": creds.client_id, "client_secret": creds.client_secret}
        try:
            answer = httpx.post(f"{self.auth_host}/tokens", data=form, timeout=self.http_timeout,
                                headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise MyCaseError(f"MyCase's sign-in could not be reached ({type(exc).__name__})",
                              kept="The connection is kept as it was.",
                              next_step="Check the internet connection and try again.") from None
        try:
            body = loads_json(answer.content)
        except ValueError:
            body = {}
        if answer.status_code in (400, 401, 403):
            raise self._auth_error(f"MyCase refused the sign-in ({answer.status_code})")
        if answer.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise MyCaseError(f"MyCase answered {answer.status_code} when signing in",
                              kept="The connection is kept as it was.", next_step="Try again in a few minutes.")
        return body

    def _token_set_of(self, body: dict[str, Any], previous: TokenSet | None) -> TokenSet:
        tokens = self._token_set(body, previous=previous, extra=dict(previous.extra) if previous else
                                 {"firm_uuid": str(body.get("firm_uuid") or ""), "auth_host": self.auth_host})
        # a refresh token lasts two weeks from when it was issued: a new one restarts the count
        renewed = bool(body.get("refresh_token")) or previous is None
        ends = self._clock() + REFRESH_SECONDS if renewed else (previous.refresh_expires_at if previous else None)
        return TokenSet(tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.token_type, ends,
                        tokens.extra)

    def _exchange(self, code: str, pending: PendingAuthorization, params: dict[str, str]) -> TokenSet:
        body = self._post({"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri})
        return self._token_set_of(body, None)

    def _refresh_at_provider(self, current: TokenSet) -> TokenSet:
        return self._token_set_of(self._post({"grant_type": "refresh_token", "refresh_token": current.refresh_token}),
                            current)

    def _revoke(self, tokens: TokenSet) -> bool:
        return False  # MyCase publishes no revoke: the access is removed in MyCase's own settings
