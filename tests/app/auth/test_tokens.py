import logging
import time

import keyring

from app.auth.tokens import ClientCredentials, TokenSet, TokenStore, check_backend
from app.errors import KeychainError
from app.logs import setup_logging
from app.store import audit, open_store
from app.store import exceptions as exq


def test_backend_is_the_real_secret_service(keychain_profile):
    backend = check_backend()
    chain = getattr(backend, "backends", None) or [backend]
    assert any(type(b).__module__ == "keyring.backends.SecretService" for b in chain)


def test_token_roundtrip_and_delete(keychain_profile):
    ts = TokenStore(keychain_profile)
    tokens = TokenSet("access-AAAA-1111-real", "refresh-BBBB-2222-real", time.time() + 3600,
                      extra={"realm_id": "9130"})
    ts.save("qbo", tokens)
    assert TokenStore(keychain_profile).load("qbo") == tokens
    assert "access-AAAA" not in repr(tokens)
    ts.delete("qbo")
    assert ts.load("qbo") is None


def test_credentials_roundtrip(keychain_profile):
    ts = TokenStore(keychain_profile)
    ts.save_credentials("clio", ClientCredentials("cid", "client-secret-value-99"))
    assert ts.load_credentials("clio").client_secret == "client-secret-value-99"
    from app.auth import tokens as tokens_mod

    # Once for the workstation, not per firm profile.
    assert keyring.get_password("Ledgerbridge", f"{tokens_mod.WORKSTATION}/clio/client") is not None
    assert keyring.get_password("Ledgerbridge", f"{keychain_profile}/clio/client") is None
    assert TokenStore("another-firm").load_credentials("clio").client_secret == "client-secret-value-99"


def test_credentials_kept_with_a_profile_by_an_earlier_version_are_still_read(keychain_profile):
    import json

    keyring.set_password("Ledgerbridge", f"{keychain_profile}/qbo/client",
                         json.dumps({"client_id": "old-id", "client_secret": "old-secret-1"}))
    assert TokenStore(keychain_profile).load_credentials("qbo") == ClientCredentials("old-id", "old-secret-1")
    assert TokenStore(keychain_profile).load_credentials("qbo-sandbox") is None


def test_tokens_never_reach_sqlite_or_logs(keychain_profile, tmp_path, capsys):
    access, refresh = "access-SECRET-5678-xyz", "refresh-SECRET-8765-zyx"
    logger = setup_logging(logging.DEBUG, log_file=tmp_path / "ledgerbridge.log")
    ts = TokenStore(keychain_profile)
    ts.save("clio", TokenSet(access, refresh, time.time() + 60))
    loaded = ts.load("clio")
    store = open_store(tmp_path / "firm.sqlite3")
    logger.info("using %s and %s", loaded.access_token, loaded.refresh_token)
    logging.getLogger("ledgerbridge.clio").warning("401 for Bearer %s", loaded.access_token)
    audit.append(store, actor="sync", action="connect", detail=f"token {loaded.access_token}")
    exq.add(store, kind="auth", clio_kind="connection", clio_id="clio", reason_code="auth",
            message=f"refused {loaded.refresh_token}", attempted={"token": loaded.access_token})
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    for handler in logger.handlers:
        handler.flush()
    blobs = [
        (tmp_path / "firm.sqlite3").read_bytes(),
        (tmp_path / "ledgerbridge.log").read_bytes(),
        capsys.readouterr().err.encode(),
    ]
    for blob in blobs:
        assert access.encode() not in blob
        assert refresh.encode() not in blob
    assert b"***" in blobs[1]


class _Stumbling(keyring.backend.KeyringBackend):
    """The real Secret Service behind a backend that fails the first `failures` calls with a non-keyring
    error, as secretstorage and jeepney do (their errors are not keyring's). The only seam no real part reaches:
    a real keyring cannot be made to fail on demand."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, real: keyring.backend.KeyringBackend, failures: int) -> None:
        super().__init__()
        self.real, self.failures, self.calls = real, failures, 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise LookupError("Object does not exist at path /org/freedesktop/secrets/collection/x")

    def get_password(self, service, username):
        self._maybe_fail()
        return self.real.get_password(service, username)

    def set_password(self, service, username, password):
        self._maybe_fail()
        self.real.set_password(service, username, password)

    def delete_password(self, service, username):
        self._maybe_fail()
        self.real.delete_password(service, username)


def test_a_transient_backend_error_is_tried_again(keychain_profile):
    real = keyring.get_keyring()
    stumbling = _Stumbling(real, failures=2)
    keyring.set_keyring(stumbling)
    try:
        ts = TokenStore(keychain_profile)
        ts.save_credentials("qbo", ClientCredentials("cid", "secret-retry-1"))
        assert stumbling.calls == 3  # two failures, then the real keychain stored it
        assert TokenStore(keychain_profile).load_credentials("qbo").client_secret == "secret-retry-1"
    finally:
        keyring.set_keyring(real)


def test_a_lasting_backend_error_is_a_keychain_error_without_its_text(keychain_profile):
    import pytest

    real = keyring.get_keyring()
    keyring.set_keyring(_Stumbling(real, failures=10**6))
    try:
        ts = TokenStore(keychain_profile)
        with pytest.raises(KeychainError) as caught:
            ts.load("qbo")
        with pytest.raises(KeychainError):
            ts.save("qbo", TokenSet("access-never-stored", "refresh-never-stored", time.time() + 60))
    finally:
        keyring.set_keyring(real)
    message = str(caught.value)
    assert "could not be read (LookupError)" in message and "/org/freedesktop" not in message
    assert "Unlock the keychain" in message
    assert TokenStore(keychain_profile).load("qbo") is None  # nothing half-written


class _WindowsCredentialManager(keyring.backend.KeyringBackend):
    """Windows' Credential Manager as keyring sees it: a secret over 2,560 bytes of UTF-16 is refused with
    pywintypes.error, which is not a keyring error. Only at this seam: no Windows here."""

    priority = 1  # type: ignore[assignment]
    LIMIT = 2560

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        if len(password.encode("utf-16-le")) > self.LIMIT:
            error = type("error", (Exception,), {"__module__": "pywintypes"})
            raise error(1783, "CredWrite", "The stub received bad data.")
        self.entries[(service, username)] = password

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def delete_password(self, service, username):
        if (service, username) not in self.entries:
            raise keyring.errors.PasswordDeleteError(username)
        del self.entries[(service, username)]


# Real-length QuickBooks tokens: an access token of a few thousand characters (Intuit's are JWTs that grow
# with their claims) and a refresh token of about fifty.
LONG_ACCESS = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0.." + "x7Qb-" * 600
REFRESH = "AB11" + "9" * 46


def test_a_real_length_token_set_fits_windows_credential_manager(keychain_profile):
    import json
    from dataclasses import asdict

    from app.auth import tokens as tokens_mod

    real = keyring.get_keyring()
    windows = _WindowsCredentialManager()
    keyring.set_keyring(windows)
    try:
        ts = TokenStore(keychain_profile)
        tokens = TokenSet(LONG_ACCESS, REFRESH, time.time() + 3600, refresh_expires_at=time.time() + 86400 * 100,
                          extra={"realm_id": "9130355", "environment": "production"})
        assert len(json.dumps(asdict(tokens)).encode("utf-16-le")) > windows.LIMIT  # one entry would not fit
        ts.save("qbo", tokens)
        assert TokenStore(keychain_profile).load("qbo") == tokens
        assert all(len(v) <= tokens_mod.MAX_ENTRY for v in windows.entries.values())
        assert len(windows.entries) >= 4  # metadata, the access token in pieces, the refresh token
        ts.save("qbo", TokenSet("short-access", REFRESH, time.time() + 60))  # a new set replaces every piece
        assert len(windows.entries) == 3 and ts.load("qbo").access_token == "short-access"
        ts.delete("qbo")
        assert windows.entries == {}
        # What Windows refuses is still the app's keychain error, with what to do.
        import pytest

        with pytest.raises(KeychainError) as refused:
            tokens_mod._call(lambda: windows.set_password("s", "u", "x" * 5000), "The keychain refused")
        assert "(error)" in str(refused.value) and "Unlock the keychain" in str(refused.value)
    finally:
        keyring.set_keyring(real)


def test_a_token_set_saved_whole_by_an_earlier_version_is_read_and_rewritten_in_pieces(keychain_profile):
    import json

    old = {"access_token": "access-old-format-1", "refresh_token": "refresh-old-format-1",
           "expires_at": 1_900_000_000.0, "token_type": "bearer", "refresh_expires_at": None,
           "extra": {"realm_id": "42"}}
    keyring.set_password("Ledgerbridge", f"{keychain_profile}/qbo/tokens", json.dumps(old))
    loaded = TokenStore(keychain_profile).load("qbo")
    assert loaded == TokenSet(**old)
    meta = json.loads(keyring.get_password("Ledgerbridge", f"{keychain_profile}/qbo/tokens"))
    assert meta["format"] == 2 and "access_token" not in meta and "refresh_token" not in meta
    assert TokenStore(keychain_profile).load("qbo") == loaded


def test_a_save_that_stops_half_way_leaves_the_previous_set(keychain_profile):
    import pytest

    ts = TokenStore(keychain_profile)
    before = TokenSet("access-before-1", "refresh-before-1", time.time() + 60)
    ts.save("clio", before)
    real = keyring.get_keyring()

    class _MetadataRefused(_Stumbling):
        def set_password(self, service, username, password):
            if username.endswith("/tokens"):
                raise OSError("disk full")
            self.real.set_password(service, username, password)

    keyring.set_keyring(_MetadataRefused(real, failures=0))
    try:
        with pytest.raises(KeychainError):
            ts.save("clio", TokenSet("access-after-2", "refresh-after-2", time.time() + 60))
    finally:
        keyring.set_keyring(real)
    assert TokenStore(keychain_profile).load("clio") == before


def test_app_credentials_too_long_for_a_keychain_entry_are_refused_before_writing(keychain_profile):
    import pytest

    ts = TokenStore(keychain_profile)
    with pytest.raises(KeychainError) as refused:
        ts.save_credentials("qbo", ClientCredentials("id", "s" * 2000))
    assert "refused before it was written" in str(refused.value)
    assert ts.load_credentials("qbo") is None
