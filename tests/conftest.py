"""Shared fixtures: a real SQLite file per test, a real keychain, money strategies."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import Store, open_store


@pytest.fixture(autouse=True)
def _reset_app_logging() -> Iterator[None]:
    """setup_logging() binds handlers to the test's streams; take them away after each test."""
    yield
    import logging

    logger = logging.getLogger("ledgerbridge")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    logger.propagate = True


@pytest.fixture(autouse=True)
def _private_workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own workstation: its own data folder (workstation settings, profiles) and its own
    keychain scope for the app credentials, so nothing leaks between tests or into the user's own."""
    from app.auth import tokens

    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tokens, "WORKSTATION", f"ws-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(root))
    return root


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "firm.sqlite3")
    yield s
    s.close()


@pytest.fixture
def keychain_profile() -> Iterator[str]:
    """A unique profile name whose keychain entries are removed afterwards."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("no D-Bus session: run the suite through tests/run.sh, which starts a real keyring")
    profile = f"test-{uuid.uuid4().hex[:12]}"
    yield profile
    from app.auth.tokens import TokenStore

    ts = TokenStore(profile)
    for conn in ("clio", "qbo", "smokeball", "mycase"):
        ts.delete(conn)
    from app.auth.tokens import CREDENTIAL_KEYS

    for key in CREDENTIAL_KEYS:
        ts.delete_credentials(key)
