"""Opening a firm's database: owner-only file, WAL, integrity check, migrations, transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from app.errors import StoreError
from app.store import migrations

log = logging.getLogger("ledgerbridge.store")


def utcnow() -> str:
    """UTC ISO-8601 with microseconds: the one timestamp format of the store."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


_KNOWN_ERRORS = {
    "database or disk is full": (
        "The disk is full, so Ledgerbridge could not save.",
        "Nothing of the interrupted step was saved; what was saved before it is intact.",
        "Free some disk space and run the step again.",
    ),
    "database is locked": (
        "The database is busy in another Ledgerbridge window or process.",
        "Nothing was changed.",
        "Close the other window (or wait for its sync to finish) and try again.",
    ),
    "attempt to write a readonly database": (
        "The database file is read-only.",
        "Nothing was changed.",
        "Check the permissions of the data folder.",
    ),
    "file is not a database": (
        "The database file is damaged or is not a Ledgerbridge database.",
        "The file was left as it is.",
        "Restore it from a backup, or move it aside to start again.",
    ),
    "database disk image is malformed": (
        "The database file is damaged.",
        "The file was left as it is.",
        "Restore it from a backup, or move it aside to start again.",
    ),
}


def known_error(exc: sqlite3.Error) -> StoreError | None:
    """Sort an SQLite error into one a person can act on, or None for a bug."""
    text = str(exc).lower()
    for needle, (what, kept, nxt) in _KNOWN_ERRORS.items():
        if needle in text:
            return StoreError(what, kept=kept, next_step=nxt)
    return None


class Store:
    """One firm's database. Thread-safe: writes go through :meth:`transaction` under one lock."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Commit on success, roll back on any error; known SQLite errors become StoreError."""
        with self.lock:
            nested = self.conn.in_transaction
            try:
                if not nested:
                    self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
                if not nested:
                    self.conn.execute("COMMIT")
            except BaseException as exc:
                if not nested and self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and (known := known_error(exc)):
                    raise known from exc
                raise

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @property
    def schema_version(self) -> int:
        return migrations.current_version(self.conn)


def _create_owner_only(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_EXCL, 0o600)
        os.close(fd)
    else:
        os.chmod(path, 0o600)


def open_store(path: str | os.PathLike[str], *, migrate: bool = True) -> Store:
    """Open (creating if needed) a firm's database and bring its schema up to date."""
    path = Path(path)
    try:
        _create_owner_only(path)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("journal mode is %s, not WAL", mode)
        conn.execute("PRAGMA synchronous = NORMAL")
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise (known_error(exc) or StoreError(f"Could not open the database {path}: {exc}.")) from exc
    except OSError as exc:
        raise StoreError(
            f"Could not create the database {path}: {exc.strerror}.",
            next_step="Check that the data folder exists and is writable.",
        ) from exc
    if result != "ok":
        conn.close()
        raise StoreError(
            f"The database {path} failed its integrity check ({result}).",
            kept="The file was left untouched.",
            next_step="Restore it from a backup, or move it aside to start again.",
        )
    version = migrations.current_version(conn)
    if version > migrations.LATEST_VERSION:
        conn.close()
        raise StoreError(
            f"The database {path} was written by a newer Ledgerbridge (schema {version}; this version "
            f"knows up to {migrations.LATEST_VERSION}).",
            kept="The file was left untouched.",
            next_step="Install the newer Ledgerbridge to open it.",
        )
    if migrate:
        try:
            applied = migrations.migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise (known_error(exc) or StoreError(f"Could not upgrade the database {path}: {exc}.")) from exc
        if applied:
            log.info("database %s migrated to schema %s", path, applied[-1])
    return Store(path, conn)
