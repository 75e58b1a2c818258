"""The loopback listener over real HTTP, and PKCE."""

from __future__ import annotations

import base64
import hashlib

import httpx
import pytest

from app.auth import pkce
from app.auth.loopback import LoopbackListener, LoopbackTimeout


def test_listener_captures_query_and_answers_a_page() -> None:
    with LoopbackListener(0) as lb:
        assert lb.redirect_uri.startswith("http://127.0.0.1:") and lb.redirect_uri.endswith("/callback")
        miss = httpx.get(lb.redirect_uri.replace("/callback", "/favicon.ico"))
        assert miss.status_code == 404
        page = httpx.get(lb.redirect_uri, params={"code": "abc123", "state": "s t", "realmId": "42"})
        assert page.status_code == 200 and "close this tab" in page.text
        assert lb.wait(2) == {"code": "abc123", "state": "s t", "realmId": "42"}


def test_listener_times_out() -> None:
    with LoopbackListener(0) as lb, pytest.raises(LoopbackTimeout, match="did not come back"):
        lb.wait(0.2)


def test_pkce_s256() -> None:
    verifier = pkce.make_verifier()
    assert 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce.challenge_s256(verifier) == expected
    # RFC 7636 appendix B
    assert pkce.challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_stray_requests_do_not_use_up_the_listener() -> None:
    """A browser's favicon request, a scanner, a reload of /callback without an answer: each gets a 404 and
    the real redirect that follows is still caught."""
    with LoopbackListener(0, redirect_host="localhost") as lb:
        assert lb.redirect_uri.startswith("http://localhost:")
        base = f"http://127.0.0.1:{lb.port}"
        assert httpx.get(f"{base}/favicon.ico").status_code == 404
        assert httpx.get(f"{base}/callback").status_code == 404
        assert httpx.get(f"{base}/callback", params={"code": "no-state"}).status_code == 404
        assert httpx.post(f"{base}/callback").status_code in (404, 501)
        assert httpx.get(f"{base}/callback", params={"code": "c1", "state": "s1"}).status_code == 200
        assert lb.wait(2) == {"code": "c1", "state": "s1"}


def test_a_taken_port_is_a_clear_error() -> None:
    from app.errors import LedgerbridgeError

    with LoopbackListener(0) as first, pytest.raises(LedgerbridgeError, match="could not listen") as taken:
        LoopbackListener(first.port)
    assert "choose another port in Settings" in str(taken.value)
