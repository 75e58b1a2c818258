"""What every non-Clio source's translated records share (``app.smokeball.translate``, ``app.mycase.translate``)."""

from __future__ import annotations

import hashlib
from typing import Any

from app.money import dumps_json


def with_etag(record: dict[str, Any]) -> dict[str, Any]:
    """The etag of a translated record is a digest of everything in it: a record changes when anything the sync
    reads from it changes (Smokeball's ``versionId`` is not on every kind, and never on a transaction)."""
    body = {k: v for k, v in record.items() if k not in ("etag", "updated_at")}
    record["etag"] = hashlib.sha256(dumps_json(body).encode()).hexdigest()[:20]
    return record
