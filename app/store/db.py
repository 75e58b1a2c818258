"""Opening a firm's database: owner-only file, WAL, integrity check, migrations, transactions."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        "The database is read-only (the file or its folder is not writable, as its owner set it), so this "
        "change could not be saved.",
        "Nothing was changed; reading, verifying and exporting still work.",
        "To change it, make the file and its folder writable again (or copy it somewhere writable).",
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

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False) -> None:
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.audit_key: Any = None  # app.store.audit_key.AuditKey, from the keychain (never stored here)
        self.audit_unavailable = ""  # why new audit entries cannot be keyed (then none are written)
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
        return
    # Take away what group and others may do; never give the owner more than they left themselves (a file
    # made read-only stays read-only).
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file and, for its journal, the folder (as the owner left them)."""
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(path.parent if path.parent.exists() else path.parent.parent, os.W_OK)


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    if not read_only:
        return sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    # Read-only: SQLite's own read-only mode; on a read-only folder (no room for WAL's side files) the file is
    # opened as immutable, which reads without them.
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False, isolation_level=None, timeout=30)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error:
        conn.close()
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False, isolation_level=None)


def open_store(path: str | os.PathLike[str], *, migrate: bool = True, read_only: bool | None = None) -> Store:
    """Open (creating if needed) a firm's database and bring its schema up to date. A file or folder its owner
    made read-only (or ``read_only=True``) is opened read-only: reading works, a write says it is read-only."""
    path = Path(path)
    if read_only is None:
        read_only = path.exists() and not _writable(path)
    try:
        if not read_only:
            _create_owner_only(path)
        elif not path.exists():
            raise StoreError(f"There is no database at {path} to open read-only.",
                             next_step="Check the profile or the --firm-db path.")
        conn = _connect(path, read_only)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if not read_only:
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
    if read_only:
        if version < migrations.LATEST_VERSION:
            conn.close()
            raise StoreError(f"The database {path} is read-only and needs an upgrade this version makes on opening "
                             f"(schema {version} to {migrations.LATEST_VERSION}).", kept="The file was left untouched.",
                             next_step="Make it writable once so it can be upgraded, or use the Ledgerbridge "
                                       "version that wrote it.")
        log.info("database %s opened read-only", path)
        return Store(path, conn, read_only=True)
    if migrate:
        try:
            applied = migrations.migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise (known_error(exc) or StoreError(f"Could not upgrade the database {path}: {exc}.")) from exc
        if applied:
            log.info("database %s migrated to schema %s", path, applied[-1])
    return Store(path, conn)
