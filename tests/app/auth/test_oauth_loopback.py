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
