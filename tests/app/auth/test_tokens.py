import logging
import time

import keyring

from app.auth.tokens import ClientCredentials, TokenSet, TokenStore, check_backend
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
    assert keyring.get_password("Ledgerbridge", f"{keychain_profile}/clio/client") is not None


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
