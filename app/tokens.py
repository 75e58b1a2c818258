"""What an API client needs from a connection: a current access token, and a forced refresh after a 401.

Here, not in ``app.auth``, so that the clients (``app.clio``, ``app.qbo``) depend on no sign-in code, while
``app.auth`` (which raises each service's own errors) depends on them: one direction only.
"""

from __future__ import annotations

from typing import Protocol


class TokenSource(Protocol):
    """``stale`` is the token a 401 came back for: if the connection already holds a newer one (another thread
    refreshed meanwhile), that one is returned and no refresh is spent. ``app.auth.oauth``'s connections
    and ``app.auth.sandbox_tokens`` are token sources."""

    def access_token(self) -> str: ...

    def refresh(self, stale: str | None = None) -> str: ...
