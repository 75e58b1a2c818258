"""What every command shares: the profile's database, opened with its audit key."""

from __future__ import annotations

import argparse

from app.paths import database_path
from app.store import Store, audit_key, open_store


def open_profile_store(args: argparse.Namespace) -> Store:
    """The profile's database, with its audit key from the profile's keychain (``app.store.audit_key``)."""
    store = open_store(database_path(args.profile, args.data_dir))
    audit_key.attach(store, args.profile)
    return store
