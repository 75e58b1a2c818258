"""intuit-oauth's AuthClient with a timeout on every request.

AuthClient is itself a ``requests.Session`` and sends discovery, code exchange, refresh and revoke through
``self.request`` with no timeout, so a connection that is accepted and never answered would hang the sync
(or the wizard) forever. This subclass gives each of those requests a timeout unless one is passed.
"""

from __future__ import annotations

from typing import Any

from intuitlib.client import AuthClient

DEFAULT_TIMEOUT = 30.0  # seconds for one request to Intuit's sign-in service


class TimedAuthClient(AuthClient):  # intuit-oauth ships no type information: AuthClient is Any here
    timeout: float = DEFAULT_TIMEOUT  # a class attribute: AuthClient's __init__ already fetches discovery

    def __init__(self, *args: Any, timeout: float = DEFAULT_TIMEOUT, **kwargs: Any) -> None:
        # Set before AuthClient.__init__, which reads the discovery document through self.request.
        self.timeout = timeout
        super().__init__(*args, **kwargs)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)
