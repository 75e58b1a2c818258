"""The firm switcher's and the All firms page's calls: every firm of this workstation, adding, removing, and
opening one. Worker thread."""

from __future__ import annotations

from pathlib import Path

from app import firms
from app.paths import database_path
from app.store import Store, audit_key, open_store


def overview(root: Path | None) -> list[firms.FirmStatus]:
    return firms.overview(root)


def profiles(root: Path | None) -> list[str]:
    return firms.profiles(root)


def open_firm(profile: str, root: Path | None) -> Store:
    """The firm's database, opened with its audit key, as the window opens it on start."""
    store = open_store(database_path(profile, root))
    audit_key.attach(store, profile)
    return store


def add_firm(profile: str, root: Path | None) -> str:
    firms.add(profile, root)
    return profile


def remove_firm(profile: str, root: Path | None) -> str:
    where, said = firms.remove(profile, root)
    return " ".join([*said, f"Firm {profile} removed; its database was moved to {where}."])
