"""A firm's Smokeball sign-in, kept in the keychain like Clio's and QuickBooks' (``app.auth.oauth``).

The browser step goes through the loopback listener (``http://127.0.0.1:47803/callback``, to register in the
Smokeball developer console); the region (US, AU, UK, or their staging) is kept with the tokens, and the API
key Smokeball issues to the app is kept in the keychain for the workstation, with the app's client id and
secret. Smokeball publishes no revoke endpoint, so disconnecting forgets the tokens here and says the access
must be removed in Smokeball too.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.auth.oauth import PendingAuthorization, _Connection
from app.auth.pkce import make_verifier
from app.auth.redirects import SMOKEBALL_REDIRECT_PORT
from app.auth.tokens import ClientCredentials, TokenSet, TokenStore
from app.errors import LedgerbridgeError
from app.smokeball import oauth
from app.smokeball.client import SmokeballAuthError
from app.smokeball.regions import region as region_of

API_KEY_ENTRY = "smokeball-api-key"  # the keychain entry of the key Smokeball issues to the app
REFRESH_DAYS = 30  # Smokeball's refresh tokens, by default


class SmokeballConnection(_Connection):
    name = "smokeball"
    label = "Smokeball"
    default_port = SMOKEBALL_REDIRECT_PORT
    refused: ClassVar[tuple[type[Exception], ...]] = (SmokeballAuthError,)

    def __init__(self, store: TokenStore, *, region: str = "us", staging: bool = False, auth_host: str = "",
                 api_url: str = "", **kwargs: Any) -> None:
        """``auth_host``/``api_url`` replace the region's addresses (the local sandbox)."""
        super().__init__(store, **kwargs)
        hosts = region_of(region, staging=staging)
        self.region = region
        self._auth_host = auth_host or hosts.auth
        self._api_url = api_url or hosts.api

    @property
    def api_url(self) -> str:
        tokens = self._tokens or self.store.load(self.name)
        return (tokens.extra.get("api_url") if tokens else "") or self._api_url

    def api_key(self) -> str:
        creds = self.store.load_credentials(API_KEY_ENTRY)
        if creds is None or not creds.client_secret:
            raise self._auth_error("No Smokeball API key is set for this computer")
        return creds.client_secret

    def save_api_key(self, key: str) -> None:
        self.store.save_credentials(API_KEY_ENTRY, ClientCredentials("api-key", key))

    def _host(self, tokens: TokenSet | None = None) -> str:
        return (tokens.extra.get("auth_host") if tokens else "") or self._auth_host

    def _auth_error(self, what: str) -> LedgerbridgeError:
        return SmokeballAuthError(what, kept="Nothing was changed in Smokeball or QuickBooks.",
                                  next_step="Open the setup wizard and connect Smokeball again.")

    def _authorize(self, redirect_uri: str, state: str) -> PendingAuthorization:
        verifier = make_verifier()
        url = oauth.authorize_url(self._host(), self.credentials().client_id, redirect_uri, state, verifier)
        return PendingAuthorization(url, state, redirect_uri, verifier)

    def _exchange(self, code: str, pending: PendingAuthorization, params: dict[str, str]) -> TokenSet:
        creds = self.credentials()
        got = oauth.exchange_code(self._host(), creds.client_id, creds.client_secret, code, pending.redirect_uri,
                                  pending.verifier)
        now = self._clock()
        return TokenSet(access_token=got.access_token, refresh_token=got.refresh_token, expires_at=got.expires_at,
                        token_type="bearer", refresh_expires_at=now + REFRESH_DAYS * 86400,
                        extra={"region": self.region, "auth_host": self._host(), "api_url": self._api_url})

    def _refresh_at_provider(self, current: TokenSet) -> TokenSet:
        creds = self.credentials()
        got = oauth.refresh(self._host(current), creds.client_id, creds.client_secret,
                            oauth.SmokeballTokens(current.access_token, current.refresh_token, current.expires_at))
        # No new refresh token comes back: the one held (and its end) stays.
        return TokenSet(access_token=got.access_token, refresh_token=got.refresh_token, expires_at=got.expires_at,
                        token_type="bearer", refresh_expires_at=current.refresh_expires_at, extra=current.extra)

    def _revoke(self, tokens: TokenSet) -> bool:
        return False  # no revoke endpoint is published: the access is removed in Smokeball's own settings
