"""The local SQLite store: cache, id links, cursors, outbox, exception queue, audit log, settings."""

from app.store.db import Store, open_store

__all__ = ["Store", "open_store"]
