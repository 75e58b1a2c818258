"""Nothing waits forever: against a server that accepts a connection and never answers, every network call
(Clio's API and sign-in, QuickBooks' API, and each intuit-oauth call: discovery, code exchange, refresh,
revoke) returns a clear error in bounded time."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.auth.oauth import ClioConnection, PendingAuthorization, QboConnection
from app.auth.tokens import ClientCredentials, TokenSet, TokenStore
from app.clio.client import ClioClient
from app.errors import LedgerbridgeError
from app.qbo.client import QboClient

TIMEOUT = 0.5
BOUND = 8.0  # seconds any one call may take here, retries included


class _Static:
    def access_token(self) -> str:
        return "static-access"

    def refresh(self, stale: str | None = None) -> str:
        return "static-access"


@pytest.fixture
def silent() -> Iterator[str]:
    """A TCP server that accepts every connection and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for s in held:
        s.close()
    listener.close()


@pytest.fixture
def discovery_then_silence() -> Iterator[str]:
    """Intuit's discovery document answered at once; its token and revoke endpoints never answer."""
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = json.dumps({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                               "token_endpoint": f"{base}/token", "revocation_endpoint": f"{base}/revoke",
                               "userinfo_endpoint": f"{base}/userinfo", "jwks_uri": f"{base}/jwks"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            release.wait(30)  # hang until the test is over

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/openid_configuration"
    release.set()
    server.shutdown()
    server.server_close()


def _bounded(call) -> LedgerbridgeError:
    started = time.monotonic()
    with pytest.raises(LedgerbridgeError) as failed:
        call()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"took {elapsed:.1f} s"
    assert str(failed.value)  # a sentence, not an empty error
    return failed.value


def test_clio_api_calls_end_with_an_error(silent: str) -> None:
    client = ClioClient(silent, _Static(), timeout=TIMEOUT, sleep=lambda _s: None)
    try:
        error = _bounded(lambda: client.get("users/who_am_i.json"))
    finally:
        client.close()
    assert "Clio" in str(error)


def test_quickbooks_api_calls_end_with_an_error(silent: str) -> None:
    client = QboClient(silent, "9130", _Static(), timeout=TIMEOUT, sleep=lambda _s: None)
    try:
        error = _bounded(lambda: client.query("SELECT * FROM CompanyInfo"))
    finally:
        client.close()
    assert "QuickBooks" in str(error)


def _tokens() -> TokenSet:
    return TokenSet("access-timeout-test", "refresh-timeout-test", time.time() - 10, refresh_expires_at=None,
                    extra={"realm_id": "9130"})


def test_clio_sign_in_calls_end_with_an_error(silent: str, keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    conn = ClioConnection(store, base_url=silent, credentials=ClientCredentials("id", "secret"),
                          http_timeout=TIMEOUT, sleep=lambda _s: None)
    pending = PendingAuthorization("", "state", "http://127.0.0.1:53682/callback", verifier="v" * 43)
    _bounded(lambda: conn._exchange("code", pending, {"code": "code"}))
    store.save("clio", TokenSet("access-old", "refresh-old", time.time() - 10, extra={"base_url": silent}))
    _bounded(lambda: conn.refresh())
    started = time.monotonic()
    assert conn.disconnect() is False  # the revoke never answered: forgotten locally all the same
    assert time.monotonic() - started < BOUND and store.load("clio") is None


def test_each_intuit_oauth_call_ends_with_an_error(silent: str, discovery_then_silence: str,
                                                  keychain_profile: str) -> None:
    store = TokenStore(keychain_profile)
    creds = ClientCredentials("id", "secret")
    # Discovery itself hangs.
    hanging = QboConnection(store, discovery_url=silent + "/.well-known/openid_configuration", credentials=creds,
                            http_timeout=TIMEOUT, sleep=lambda _s: None)
    assert "could not be reached" in str(_bounded(lambda: hanging.start_authorization("http://localhost:1/cb")))
    # Discovery answers; the code exchange, the refresh and the revoke hang.
    conn = QboConnection(store, discovery_url=discovery_then_silence, credentials=creds, http_timeout=TIMEOUT,
                         sleep=lambda _s: None)
    pending = conn.start_authorization("http://localhost:1/cb")
    _bounded(lambda: conn._exchange("code", pending, {"code": "code", "realmId": "9130"}))
    store.save("qbo", _tokens())
    _bounded(lambda: conn.refresh())
    started = time.monotonic()
    assert conn.disconnect() is False
    assert time.monotonic() - started < BOUND and store.load("qbo") is None
