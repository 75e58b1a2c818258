"""The firms of this workstation: one profile each (its own database, tokens, mapping, schedule and alert
addresses; the app credentials are the workstation's, shared). Listing them with how each stands, adding
one, and removing one (its access revoked, its tokens and SMTP password deleted from the keychain, its
database moved to the trash folder of the data directory, never deleted outright; its audit key is kept so
that database still verifies if it is restored)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.errors import LedgerbridgeError
from app.paths import check_profile, data_root, database_path
from app.store import exceptions as exq
from app.store import open_store, settings
from app.sync import runs

DB_NAME = "ledgerbridge.sqlite3"


@dataclass(frozen=True)
class FirmStatus:
    profile: str
    firm_name: str = ""
    last_run: runs.RunRecord | None = None
    open_exceptions: int = 0
    problem: str = ""  # the database could not be read

    @property
    def ties(self) -> bool | None:
        """Whether every trust account tied at the last run (None: no tie-out yet)."""
        return runs.ties(self.last_run) if self.last_run else None

    def line(self) -> str:
        if self.problem:
            return f"{self.profile}: {self.problem}"
        last = (f"last sync {self.last_run.finished[:16].replace('T', ' ')} ({self.last_run.result})"
                if self.last_run else "never synced")
        ties = {True: "trust ties", False: "trust does NOT tie", None: "no tie-out yet"}[self.ties]
        name = f" ({self.firm_name})" if self.firm_name else ""
        return f"{self.profile}{name}: {last}; {self.open_exceptions} in the exception queue; {ties}"


def profiles(root: str | os.PathLike[str] | None = None) -> list[str]:
    """The profiles with a database, by name."""
    folder = data_root(root) / "profiles"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / DB_NAME).is_file())


def status(profile: str, root: str | os.PathLike[str] | None = None) -> FirmStatus:
    """How one firm stands, read without changing its database."""
    try:
        store = open_store(database_path(profile, root), read_only=True)
    except LedgerbridgeError as exc:
        return FirmStatus(profile, problem=exc.what)
    try:
        return FirmStatus(profile, str(settings.get(store, "firm_name", "") or ""), runs.last(store),
                          exq.open_count(store))
    finally:
        store.close()


def overview(root: str | os.PathLike[str] | None = None) -> list[FirmStatus]:
    return [status(p, root) for p in profiles(root)]


def add(profile: str, root: str | os.PathLike[str] | None = None) -> Path:
    """A new firm's profile and its empty database; an existing one is refused."""
    check_profile(profile)
    if profile in profiles(root):
        raise LedgerbridgeError(f"There is already a firm profile named {profile!r}", kept="Nothing was changed.",
                                next_step="Pick another name, or open that firm.")
    path = database_path(profile, root)
    open_store(path).close()
    return path


def remove(profile: str, root: str | os.PathLike[str] | None = None, *, revoke: bool = True
           ) -> tuple[Path, list[str]]:
    """Revoke the firm's connections (when the provider answers; ``revoke=False`` skips asking, for a firm
    whose provider is out of reach), delete its keychain entries, and move its folder to
    ``<data dir>/trash/``; where it went, and what was said about the connections."""
    from app.auth.tokens import TokenStore
    from app.connections import disconnect

    check_profile(profile)
    if profile not in profiles(root):
        raise LedgerbridgeError(f"There is no firm profile named {profile!r}", kept="Nothing was changed.")
    said = []
    store = open_store(database_path(profile, root))
    try:
        for service in ("clio", "qbo") if revoke else ():
            try:
                said.append(disconnect(store, profile, service))
            except LedgerbridgeError as exc:
                said.append(f"{service}: {exc.what}")
    finally:
        store.close()
    tokens = TokenStore(profile)
    for service in ("clio", "qbo"):
        tokens.delete(service)
    # The SMTP password goes; the audit log's key stays, so the database moved to the trash still verifies
    # as untampered if it is ever restored.
    tokens.delete_secret("smtp-password")
    trash = data_root(root) / "trash"
    trash.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = trash / f"{profile}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S')}"
    shutil.move(str(data_root(root) / "profiles" / profile), target)
    return target, said
