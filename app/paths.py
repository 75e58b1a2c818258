"""Where a firm's data lives: the platform's user data folder, one sub-folder per profile.

``LEDGERBRIDGE_HOME`` (or the CLI's ``--data-dir``) overrides the root, for tests and portable installs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

from app.errors import LedgerbridgeError

APP_NAME = "Ledgerbridge"
DEFAULT_PROFILE = "default"
_PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def data_root(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("LEDGERBRIDGE_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def check_profile(name: str) -> str:
    if not _PROFILE_RE.match(name):
        raise LedgerbridgeError(
            f"{name!r} is not a usable profile name.",
            next_step="Use letters, digits, dot, dash or underscore (at most 64 characters).",
        )
    return name


def profile_dir(profile: str = DEFAULT_PROFILE, root: str | os.PathLike[str] | None = None) -> Path:
    """The folder of one firm's data, created owner-only."""
    path = data_root(root) / "profiles" / check_profile(profile)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def database_path(profile: str = DEFAULT_PROFILE, root: str | os.PathLike[str] | None = None) -> Path:
    return profile_dir(profile, root) / "ledgerbridge.sqlite3"


def owner_only_file(path: Path) -> None:
    """Create ``path`` empty with owner-only permissions (0600) if it is not there: exports, statements and
    logs name clients and their trust balances."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)


def write_private_text(path: Path, text: str) -> Path:
    """Write a text file readable by its owner only (0600), replaced atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))
    return path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half; owner-only (0600)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
