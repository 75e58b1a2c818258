"""Secrets in the operating system's keychain, through keyring.

One keychain service name; entries named ``profile/connection/kind``. No entry holds more than
``MAX_ENTRY`` characters, so every platform's keychain takes it (Windows' Credential Manager stops at 2,560
bytes of UTF-16, and QuickBooks' access token alone is about a thousand characters): a token set is a small
metadata entry plus its tokens cut into pieces of at most ``PIECE`` characters, each piece its own entry.
The pieces of one save carry a generation in their names and the metadata entry, written last, names the
generation, so a save that stops half-way leaves the previous set readable. A set saved whole in one entry
by an earlier version is read as it is and rewritten in pieces.

There is never a plaintext fallback: with no usable backend, :class:`KeychainError` says so.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

import keyring
import keyring.backend
import keyring.errors

from app.errors import KeychainError
from app.logs import register_secret

SERVICE = "Ledgerbridge"
# The scope of what belongs to the workstation rather than to one firm: the developer apps' client ids and
# secrets, entered once however many firms this bookkeeper runs.
WORKSTATION = "workstation"
# The developer apps whose credentials it keeps: Clio's, and Intuit's two pairs of keys (production, development).
CREDENTIAL_KEYS = ("clio", "qbo-sandbox", "qbo")

# One keychain call at a time in this process: GNOME Keyring has been seen answering a search with
# "object does not exist" for its own default collection while another thread's call was in flight.
_KEYCHAIN_LOCK = threading.RLock()
# A backend error is tried again this many times in all (short pauses between) before it is reported.
_ATTEMPTS = 3
_T = TypeVar("_T")
MAX_ENTRY = 1200  # characters in one keychain entry, at most
PIECE = 1000  # characters of a token in one piece
_FORMAT = 2  # token sets in pieces (1: one JSON entry holding everything)

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

    # other secrets of the profile (the audit log's key)
    def get_secret(self, name: str) -> str | None:
        return self._get(self._user("secret", name))

    def put_secret(self, name: str, value: str) -> None:
        self._set(self._user("secret", name), value)

    def delete_secret(self, name: str) -> None:
        self._delete(self._user("secret", name))

    # tokens
    def save(self, connection: str, tokens: TokenSet) -> None:
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        generation = secrets.token_hex(4)
        meta = {k: v for k, v in asdict(tokens).items() if k not in ("access_token", "refresh_token")}
        parts: dict[str, int] = {}
        with self._lock:
            previous = self._meta(connection)
            try:
                for name in ("access", "refresh"):
                    pieces = _cut(getattr(tokens, f"{name}_token"))
                    parts[name] = len(pieces)
                    for i, piece in enumerate(pieces):
                        self._set(self._piece(connection, generation, name, i), piece)
                self._set(self._user(connection, "tokens"), _fits(json.dumps(
                    {**meta, "format": _FORMAT, "generation": generation, "parts": parts})))
            except KeychainError:
                # The previous set still stands (its metadata names its own pieces); take back ours.
                with contextlib.suppress(KeychainError):
                    self._drop_pieces(connection, {"format": _FORMAT, "generation": generation, "parts": parts})
                raise
            if previous is not None:
                self._drop_pieces(connection, previous)

    def load(self, connection: str) -> TokenSet | None:
        with self._lock:
            meta = self._meta(connection)
            if meta is None:
                return None
            if meta.get("format") != _FORMAT:  # one whole entry, as an earlier version saved it
                tokens = TokenSet(**meta)
                self.save(connection, tokens)
                return tokens
            values = {}
            for name in ("access", "refresh"):
                pieces = [self._get(self._piece(connection, meta["generation"], name, i))
                          for i in range(int(meta["parts"][name]))]
                if any(p is None for p in pieces):
                    raise KeychainError(
                        f"Part of the saved {connection} sign-in is missing from the keychain.",
                        kept="Nothing was changed.",
                        next_step="Connect again (Settings → Connections); the new sign-in replaces it.",
                    )
                values[name] = "".join(p for p in pieces if p is not None)
        fields = {k: v for k, v in meta.items() if k not in ("format", "generation", "parts")}
        tokens = TokenSet(access_token=values["access"], refresh_token=values["refresh"], **fields)
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        return tokens

    def delete(self, connection: str) -> None:
        with self._lock:
            meta = self._meta(connection)
            self._delete(self._user(connection, "tokens"))
            if meta is not None:
                self._drop_pieces(connection, meta)

    def _meta(self, connection: str) -> dict[str, Any] | None:
        raw = self._get(self._user(connection, "tokens"))
        if not raw:
            return None
        data: dict[str, Any] = json.loads(raw)
        return data

    def _piece(self, connection: str, generation: str, name: str, index: int) -> str:
        return self._user(connection, f"{name}.{generation}.{index}")

    def _drop_pieces(self, connection: str, meta: dict[str, Any]) -> None:
        if meta.get("format") != _FORMAT:
            return
        for name, count in (meta.get("parts") or {}).items():
            for i in range(int(count)):
                self._delete(self._piece(connection, str(meta["generation"]), name, i))

    # app credentials (client id and secret): once per workstation
    def save_credentials(self, connection: str, creds: ClientCredentials) -> None:
        """Keep a developer app's credentials for the whole workstation (``connection``: "clio", "qbo" for
        QuickBooks production keys, "qbo-sandbox" for its development keys)."""
        register_secret(creds.client_secret)
        with self._lock:
            self._set(_workstation_user(connection), _fits(json.dumps(asdict(creds))))

    def load_credentials(self, connection: str) -> ClientCredentials | None:
        """The workstation's credentials, else those an earlier version kept with this firm profile."""
        with self._lock:
            raw = self._get(_workstation_user(connection)) or self._get(self._user(connection, "client"))
        if not raw:
            return None
        creds = ClientCredentials(**json.loads(raw))
        register_secret(creds.client_secret)
        return creds

    def delete_credentials(self, connection: str) -> None:
        with self._lock:
            self._delete(_workstation_user(connection))
            self._delete(self._user(connection, "client"))


def _workstation_user(connection: str) -> str:
    return f"{WORKSTATION}/{connection}/client"


def _cut(value: str) -> list[str]:
    return [value[i:i + PIECE] for i in range(0, len(value), PIECE)] or [""]


def _fits(value: str) -> str:
    if len(value) > MAX_ENTRY:
        raise KeychainError(
            f"A keychain entry of {len(value)} characters was refused before it was written (at most {MAX_ENTRY} "
            "fit every platform's keychain).",
            kept="The previous value, if any, is still in the keychain.",
            next_step="Shorten what was entered (an app's client id or secret is far shorter), or report this.",
        )
    return value


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
