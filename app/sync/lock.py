"""One sync of a firm at a time, whoever starts it (the window, its timer, the command line, the operating
system's scheduler), across processes.

The lock is an operating-system file lock on ``<database>.sync-lock`` (``flock`` on Linux and macOS,
``msvcrt.locking`` on Windows). The system releases it when the process that holds it ends, however it ends,
so a run killed mid-way never leaves it stuck; the file itself stays and only says who held it last.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from app.errors import LedgerbridgeError


class SyncBusy(LedgerbridgeError):
    """Another sync of the same firm is running."""


def lock_path(database: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(database)}.sync-lock")


def _try_lock(fh: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    try:
        who = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another sync"
    return f"a sync started by {who.get('trigger', '?')} (process {who.get('pid', '?')}) at {who.get('since', '?')}"


@contextlib.contextmanager
def sync_lock(database: str | os.PathLike[str], *, trigger: str, wait_seconds: float = 0.0,
              poll: float = 0.2) -> Iterator[None]:
    """Hold the firm's sync lock for the block. With ``wait_seconds``, wait that long for a running sync to end;
    then (or at once) raise :class:`SyncBusy`, which says who holds it. Nothing is changed by a refused run."""
    path = lock_path(database)
    try:
        fh = open(path, "a+b")  # noqa: SIM115 - held open for the whole block: the open file is the lock
    except OSError as exc:
        raise LedgerbridgeError(f"The firm's sync lock {path} could not be opened ({exc.strerror or exc})",
                                kept="This run did not start; nothing was changed.",
                                next_step="Check that the firm's data folder is writable (a sync writes there).") \
            from None
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                raise SyncBusy(
                    f"Another sync of this firm is running ({_holder(path)})",
                    kept="This run did not start; nothing was changed.",
                    next_step="Wait for it to finish (the dashboard or 'ledgerbridge runs' shows it), then run again.",
                )
            time.sleep(poll)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "trigger": trigger,
                             "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}).encode())
        fh.flush()
        yield
    finally:
        fh.close()  # closing the file releases the lock
