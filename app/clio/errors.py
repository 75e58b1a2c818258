"""Typed errors of the Clio connection, each a sentence a bookkeeper can act on.

The server's own message is kept (``server_message``) and shown, never a token or a traceback.
"""

from __future__ import annotations

from app.errors import LedgerbridgeError


class ClioError(LedgerbridgeError):
    """Clio answered with something other than what was asked for."""

    def __init__(
        self,
        what: str,
        *,
        kept: str = "",
        next_step: str = "",
        status: int | None = None,
        server_message: str = "",
    ) -> None:
        super().__init__(what, kept=kept, next_step=next_step)
        self.status = status
        self.server_message = server_message


class ClioAuthError(ClioError):
    """The connection is no longer authorised (expired, revoked, or never made)."""


class ClioRateLimited(ClioError):
    """Clio kept answering 429 after every wait we allowed."""


class ClioNotFound(ClioError):
    """The record or endpoint does not exist (404)."""


class ClioBadRequest(ClioError):
    """Clio refused the request as malformed (400/410/422): a bug or an API change on our side."""


class ClioServerError(ClioError):
    """Clio failed (5xx) or could not be reached, after every retry allowed."""


class ClioDataError(ClioError):
    """A record Clio sent lacks a field we need, or has one we cannot read."""


class ClioPagingError(ClioError):
    """A list could not be read whole within Clio's paging rules (no cursor, and no safe way around the
    10,000-record offset ceiling)."""

    def __init__(self, what: str) -> None:
        super().__init__(what, kept="Records already read are kept; the stream is read again next time.",
                         next_step="Run the sync again; if this repeats, report it to Ledgerbridge support.")
