"""Secrets in the operating system's keychain, through keyring.

One keychain service name; one entry per (profile, connection, kind). A token set is stored as JSON in
the entry. There is never a plaintext fallback: with no usable backend, :class:`KeychainError` says so.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TypeVar

import keyring
import keyring.backend
import keyring.errors

from app.errors import KeychainError
from app.logs import register_secret

SERVICE = "Ledgerbridge"

# One keychain call at a time in this process: GNOME Keyring has been seen answering a search with
# "object does not exist" for its own default collection while another thread's call was in flight.
_KEYCHAIN_LOCK = threading.RLock()
# A backend error is tried again this many times in all (short pauses between) before it is reported.
_ATTEMPTS = 3
_T = TypeVar("_T")

# Backends that would write secrets in plaintext or not at all.
_REFUSED_BACKENDS = ("fail", "null", "PlaintextKeyring", "UncryptedFileKeyring", "EncryptedKeyring")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds
    token_type: str = "bearer"
    refresh_expires_at: float | None = None
    extra: dict[str, str] = field(default_factory=dict)  # non-secret: realm id, region, user

    def __repr__(self) -> str:  # never show the tokens
        return f"TokenSet(expires_at={self.expires_at}, extra={self.extra})"


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r})"


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    try:
        priority = backend.priority
    except Exception:  # a backend that cannot run here says so by raising
        return False
    return type(backend).__name__ not in _REFUSED_BACKENDS and priority > 0


def check_backend() -> keyring.backend.KeyringBackend:
    """The keyring in use, if it is a real keychain; otherwise a KeychainError saying what to do."""
    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None) or [backend]
    if not any(_usable(b) for b in chain):
        raise KeychainError(
            "No secure keychain is available on this computer, so Ledgerbridge cannot store its "
            "connection tokens.",
            kept="Nothing was saved; no token was written anywhere else.",
            next_step="On Linux, install and unlock a Secret Service keyring (GNOME Keyring or KWallet); "
            "on macOS and Windows the system keychain is used.",
        )
    return backend


class TokenStore:
    """Tokens and app credentials of one profile in the keychain. Thread-safe."""

    def __init__(self, profile: str = "default") -> None:
        self.profile = profile
        self._lock = threading.RLock()
        check_backend()

    def _user(self, connection: str, kind: str) -> str:
        return f"{self.profile}/{connection}/{kind}"

    def _set(self, user: str, value: str) -> None:
        _call(
            lambda: keyring.set_password(SERVICE, user, value),
            "The keychain refused to store a secret",
            kept="The previous value, if any, is still in the keychain.",
        )

    def _get(self, user: str) -> str | None:
        return _call(lambda: keyring.get_password(SERVICE, user), "The keychain could not be read")

    def _delete(self, user: str) -> None:
        def delete() -> None:
            try:
                keyring.delete_password(SERVICE, user)
            except keyring.errors.PasswordDeleteError:
                pass  # nothing stored under that name: already forgotten

        _call(delete, "The keychain could not remove a secret", kept="The secret may still be in the keychain.")

    # tokens
    def save(self, connection: str, tokens: TokenSet) -> None:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        with self._lock:
            self._set(self._user(connection, "tokens"), json.dumps(asdict(tokens)))

    def load(self, connection: str) -> TokenSet | None:
        with self._lock:
            raw = self._get(self._user(connection, "tokens"))
        if not raw:
            return None
        data = json.loads(raw)
        tokens = TokenSet(**data)
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        return tokens

    def delete(self, connection: str) -> None:
        with self._lock:
            self._delete(self._user(connection, "tokens"))

    # app credentials (client id and secret)
    def save_credentials(self, connection: str, creds: ClientCredentials) -> None:
        register_secret(creds.client_secret)
        with self._lock:
            self._set(self._user(connection, "client"), json.dumps(asdict(creds)))

    def load_credentials(self, connection: str) -> ClientCredentials | None:
        with self._lock:
            raw = self._get(self._user(connection, "client"))
        if not raw:
            return None
        creds = ClientCredentials(**json.loads(raw))
        register_secret(creds.client_secret)
        return creds

    def delete_credentials(self, connection: str) -> None:
        with self._lock:
            self._delete(self._user(connection, "client"))


def _call(fn: Callable[[], _T], what: str, kept: str = "") -> _T:
    """Run one keychain call under the process-wide lock; any backend error becomes a KeychainError.

    Backends raise their own types (secretstorage, jeepney's D-Bus errors, Windows' pywintypes.error),
    not only keyring's, so everything is caught; a transient one is tried again before it is reported.
    """
    failure: Exception | None = None
    for attempt in range(_ATTEMPTS):
        try:
            with _KEYCHAIN_LOCK:
                return fn()
        except Exception as exc:  # noqa: BLE001 - any backend's error, reported below without its text
            failure = exc
            time.sleep(0.1 * (attempt + 1))
    assert failure is not None
    raise KeychainError(
        f"{what} ({type(failure).__name__}), {_ATTEMPTS} times.",
        kept=kept,
        next_step="Unlock the keychain (or start its service) and try again.",
    ) from None
