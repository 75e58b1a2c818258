"""OAuth against the emulators over HTTP: browser step driven by the test, tokens in the real keychain."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from app.auth.oauth import ClioConnection, OAuthError, OAuthStateMismatch, QboConnection
from app.auth.tokens import ClientCredentials, TokenStore
from app.clio import fields
from app.clio.client import ClioClient
from app.clio.errors import ClioAuthError
from app.errors import LedgerbridgeError
from app.qbo.client import QboClient
from app.qbo.errors import QboAuthError
from app.sandbox.runner import Sandbox


def browser(url: str) -> None:
    httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()


def tampering_browser(url: str) -> None:
    """A browser that comes back with another request's state (a forged or stale redirect)."""
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["state"] = "forged-" + query["state"][:8]
    browser(urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query))))


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False) as sandbox:
        yield sandbox


def clio_conn(sb: Sandbox, store: TokenStore, **kw: object) -> ClioConnection:
    return ClioConnection(store, base_url=sb.clio_url,
                          credentials=ClientCredentials(sb.clio_client_id, sb.clio_client_secret), **kw)  # type: ignore[arg-type]


def qbo_conn(sb: Sandbox, store: TokenStore, **kw: object) -> QboConnection:
    return QboConnection(store, discovery_url=sb.qbo_discovery_url,
                         credentials=ClientCredentials(sb.qbo_client_id, sb.qbo_client_secret), **kw)  # type: ignore[arg-type]


def test_clio_round_trip_through_the_loopback(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    seen: list[str] = []
    conn = clio_conn(sb, store, open_browser=lambda url: (seen.append(url), browser(url)))
    tokens = conn.connect(timeout=10)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(seen[0]).query))
    assert query["code_challenge_method"] == "S256" and len(query["state"]) >= 32
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    saved = store.load("clio")
    assert saved is not None and saved.access_token == tokens.access_token
    assert saved.extra == {"base_url": sb.clio_url, "region": "custom"}
    # A fresh object (the app restarted) finds the connection in the keychain and uses it.
    again = ClioConnection(store, credentials=ClientCredentials(sb.clio_client_id, sb.clio_client_secret))
    assert again.base_url == sb.clio_url
    with ClioClient(again.base_url, again) as client:
        assert list(client.iter_records("bank_accounts", fields.BANK_ACCOUNTS))


def test_qbo_round_trip_through_the_loopback(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    conn = qbo_conn(sb, store, open_browser=browser)
    conn.connect(timeout=10)
    saved = store.load("qbo")
    assert saved is not None and saved.extra["realm_id"] == sb.realm_id
    assert saved.refresh_expires_at and saved.refresh_expires_at > saved.expires_at
    client = QboClient(sb.qbo_url, conn.realm_id, conn)
    assert client.preferences()


@pytest.mark.parametrize("service", ["clio", "qbo"])
def test_state_mismatch_is_refused_and_nothing_stored(sb: Sandbox, keychain_profile: str, service: str) -> None:
    store = TokenStore(keychain_profile)
    make = clio_conn if service == "clio" else qbo_conn
    conn = make(sb, store, open_browser=tampering_browser)
    with pytest.raises(OAuthStateMismatch, match="state check failed") as err:
        conn.connect(timeout=10)
    assert "Nothing was stored" in str(err.value)
    assert store.load(service) is None


def test_qbo_paste_the_address_path(sb: Sandbox, keychain_profile: str) -> None:
    """QuickBooks production needs an https redirect the loopback cannot be; the person pastes it."""
    store = TokenStore(keychain_profile)
    sb.qbo.register_redirect_uri("https://ledgerbridge.example/qbo/callback")
    conn = qbo_conn(sb, store, redirect_uri="https://ledgerbridge.example/qbo/callback")
    pending = conn.start_authorization()
    answer = httpx.get(pending.url, follow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith("https://ledgerbridge.example/qbo/callback?")
    tokens = conn.complete_from_redirect_url(location)
    assert tokens.extra["realm_id"] == sb.realm_id and store.load("qbo") is not None
    # The same address cannot be used twice: the pending request was answered.
    with pytest.raises(OAuthError, match="No QuickBooks connection was started"):
        conn.complete_from_redirect_url(location)


def test_provider_refusal_is_reported(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    conn = clio_conn(sb, store)
    pending = conn.start_authorization("http://127.0.0.1:9/callback")
    with pytest.raises(OAuthError, match="did not grant access"):
        conn.complete_from_redirect_url(f"http://127.0.0.1:9/callback?error=access_denied&state={pending.state}")
    assert store.load("clio") is None


def test_refresh_ahead_of_expiry(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    now = [1_000.0]
    conn = qbo_conn(sb, store, open_browser=browser, clock=lambda: now[0])
    first = conn.connect(timeout=10)
    assert conn.access_token() == first.access_token and conn.refreshes == 0
    now[0] = first.expires_at - 299  # inside the five-minute margin
    fresh = conn.access_token()
    assert fresh != first.access_token and conn.refreshes == 1
    stored = store.load("qbo")
    assert stored is not None and stored.access_token == fresh and stored.refresh_token != first.refresh_token


def test_disconnect_revokes_and_forgets(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    clio = clio_conn(sb, store, open_browser=browser)
    qbo = qbo_conn(sb, store, open_browser=browser)
    clio_tokens, qbo_tokens = clio.connect(timeout=10), qbo.connect(timeout=10)
    assert clio.disconnect() is True and qbo.disconnect() is True
    assert store.load("clio") is None and store.load("qbo") is None
    # Revoked at the provider: the old tokens open nothing and refresh nothing.
    r = httpx.get(f"{sb.clio_url}/api/v4/contacts.json",
                  headers={"Authorization": f"Bearer {clio_tokens.access_token}"})
    assert r.status_code == 401
    r = httpx.post(f"{sb.clio_url}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": clio_tokens.refresh_token,
        "client_id": sb.clio_client_id, "client_secret": sb.clio_client_secret})
    assert r.status_code == 400
    r = httpx.get(f"{sb.qbo_url}/v3/company/{sb.realm_id}/preferences",
                  headers={"Authorization": f"Bearer {qbo_tokens.access_token}"})
    assert r.status_code == 401
    r = httpx.post(f"{sb.qbo_url}/oauth2/v1/tokens/bearer", auth=(sb.qbo_client_id, sb.qbo_client_secret),
                   data={"grant_type": "refresh_token", "refresh_token": qbo_tokens.refresh_token})
    assert r.status_code == 400
    # And the app says so in words, without a token in them.
    with pytest.raises(ClioAuthError) as err:
        clio.access_token()
    assert "connect in Settings" in str(err.value)


def test_used_up_refresh_token_says_reconnect_without_secrets(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    conn = qbo_conn(sb, store, open_browser=browser)
    tokens = conn.connect(timeout=10)
    # Someone else (another install) spends the refresh token and then its successor: ours is dead.
    answer = httpx.post(f"{sb.qbo_url}/oauth2/v1/tokens/bearer", auth=(sb.qbo_client_id, sb.qbo_client_secret),
                        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}).json()
    httpx.post(f"{sb.qbo_url}/oauth2/v1/tokens/bearer", auth=(sb.qbo_client_id, sb.qbo_client_secret),
               data={"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]})
    with pytest.raises(QboAuthError) as err:
        conn.refresh(tokens.access_token)
    text = str(err.value)
    assert text.startswith("QuickBooks refused to renew the connection — reconnect QuickBooks")
    assert tokens.refresh_token not in text and tokens.access_token not in text
    assert sb.qbo_client_secret not in text
    kept = store.load("qbo")
    assert kept is not None and kept.extra["reconnect"] == "1"  # kept, marked: the person reconnects
    from app.connections import sign_in_state

    state = sign_in_state(kept, "QuickBooks", time.time())
    assert state.needs_reconnect and "reconnect QuickBooks" in state.warning
    # A new sign-in clears the mark.
    fresh = qbo_conn(sb, store, open_browser=browser).connect(timeout=10)
    assert "reconnect" not in fresh.extra and not sign_in_state(fresh, "QuickBooks", time.time()).warning


def test_the_dashboard_warns_fourteen_days_before_the_sign_in_expires() -> None:
    from app.auth.tokens import TokenSet
    from app.connections import sign_in_state

    now = 1_900_000_000.0
    far = TokenSet("a", "r", now + 3600, refresh_expires_at=now + 30 * 86400)
    near = TokenSet("a", "r", now + 3600, refresh_expires_at=now + 13 * 86400)
    gone = TokenSet("a", "r", now - 10, refresh_expires_at=now - 1)
    assert sign_in_state(far, "QuickBooks", now).warning == ""
    warned = sign_in_state(near, "QuickBooks", now)
    assert not warned.needs_reconnect and "expires on 2030-03-30" in warned.warning
    assert sign_in_state(gone, "QuickBooks", now).needs_reconnect


def test_app_credentials_live_in_the_keychain(sb: Sandbox, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    with pytest.raises(OAuthError, match="client id and secret"):
        QboConnection(store, discovery_url=sb.qbo_discovery_url, open_browser=browser).connect(timeout=5)
    QboConnection(store, discovery_url=sb.qbo_discovery_url).save_credentials(sb.qbo_client_id,
                                                                              sb.qbo_client_secret)
    conn = QboConnection(store, discovery_url=sb.qbo_discovery_url, open_browser=browser)
    assert conn.connect(timeout=10).extra["realm_id"] == sb.realm_id
    assert sb.qbo_client_secret not in repr(store.load_credentials("qbo"))


@pytest.mark.parametrize("service", ["clio", "qbo"])
def test_a_non_ascii_state_is_a_state_mismatch(sb: Sandbox, keychain_profile: str, service: str) -> None:
    store = TokenStore(keychain_profile)
    conn = (clio_conn if service == "clio" else qbo_conn)(sb, store)
    pending = conn.start_authorization()
    forged = urllib.parse.urlencode({"code": "c", "state": "ünïcödé-" + pending.state[:4], "realmId": "1"})
    with pytest.raises(OAuthStateMismatch, match="state check failed"):
        conn.complete_from_redirect_url(f"{pending.redirect_uri}?{forged}")
    assert store.load(service) is None


@pytest.mark.parametrize("service", ["clio", "qbo"])
def test_a_refused_code_exchange_says_refused_and_why(sb: Sandbox, keychain_profile: str, service: str) -> None:
    """The provider refuses the code (here: used already); the error says so and gives its reason, instead
    of calling a connection that never existed "expired"."""
    store = TokenStore(keychain_profile)
    conn = (clio_conn if service == "clio" else qbo_conn)(sb, store)
    pending = conn.start_authorization()
    landed = httpx.get(pending.url, follow_redirects=False, timeout=10).headers["location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(landed).query))
    conn._exchange(query["code"], pending, query)  # someone used the code first
    with pytest.raises(LedgerbridgeError) as refused:
        conn._exchange(query["code"], pending, query)
    text = str(refused.value)
    assert "refused the sign-in (invalid_grant" in text and "connection expired" not in text
    assert "Nothing was stored" in text


@pytest.mark.parametrize("service", ["clio", "qbo"])
def test_reconnecting_revokes_the_grant_it_replaces(sb: Sandbox, keychain_profile: str, service: str) -> None:
    store = TokenStore(keychain_profile)
    make = clio_conn if service == "clio" else qbo_conn
    first = make(sb, store, open_browser=browser).connect(timeout=10)
    second = make(sb, store, open_browser=browser).connect(timeout=10)
    assert store.load(service) == second and second.refresh_token != first.refresh_token or service == "clio"
    # The first grant no longer works at the provider; the second does.
    stale = make(sb, store)
    store.save(service, first)
    with pytest.raises(LedgerbridgeError):
        stale.refresh(first.access_token)
    store.save(service, second)
    assert make(sb, store).refresh(second.access_token)
