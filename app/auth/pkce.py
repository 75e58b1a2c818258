"""PKCE (RFC 7636) with S256: a one-time verifier kept in memory and its challenge sent to the browser."""

from __future__ import annotations

import base64
import hashlib
import secrets


def make_verifier() -> str:
    """A 86-character verifier from 64 random bytes (RFC 7636 allows 43–128 unreserved characters)."""
    return secrets.token_urlsafe(64)


def challenge_s256(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
