"""The audit chain's key: an HMAC key per firm profile, kept in the keychain, never in the database.

Without it, anyone who can write the database file could drop its triggers, rewrite or delete entries,
recompute every hash with the app's own function and update the head, and the chain would still check out.
With it, every entry from the keyed point on carries an HMAC only the key can make (``k1:`` hashes), and
the keychain, not the database, says from which entry on the log must be keyed: a rewrite without the key
is detected, and so is a log rewritten back to unkeyed hashes.

An existing log is keyed from its next entry, after its unkeyed chain was checked intact (a broken log is
not keyed, so keying cannot launder it); its earlier entries keep their plain hashes, and the first keyed
entry covers the last plain one. Each log has its own key (a random log id in the database names it among
the profile's keys), so a database made anew for a profile starts a log of its own. A database replaced
whole by a forged unkeyed one is therefore keyed afresh: only an anchor kept outside the machine
(``ledgerbridge audit anchor``) shows that replacement.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass

from app.errors import KeychainError
from app.store import settings
from app.store.db import Store

log = logging.getLogger("ledgerbridge.store")
SECRET = "audit-key"
PROFILE_KEY = "audit.profile"  # which profile's keychain holds this database's audit key
LOG_ID_KEY = "audit.log_id"  # which of that profile's keys is this log's (a database made anew gets its own)


@dataclass(frozen=True)
class AuditKey:
    key: bytes
    from_seq: int  # entries from this one on must be keyed


def _tokens(profile: str):  # -> TokenStore
    from app.auth.tokens import TokenStore

    return TokenStore(profile)


def load(profile: str, log_id: str) -> AuditKey | None:
    text = _tokens(profile).get_secret(f"{SECRET}/{log_id}")
    if not text:
        return None
    data = json.loads(text)
    return AuditKey(bytes.fromhex(data["key"]), int(data["from_seq"]))


def attach(store: Store, profile: str | None = None) -> AuditKey | None:
    """Give ``store`` its profile's audit key (made on first use). ``profile`` None: the profile the database
    itself names, if any. When a keyed log's key cannot be had, the store refuses new audit entries (they
    would be unkeyed) and says why; reading and verifying still work."""
    from app.store import audit

    profile = profile or settings.get(store, PROFILE_KEY)
    if not profile:
        return None
    keyed = audit.is_keyed(store)
    log_id = settings.get(store, LOG_ID_KEY)
    try:
        found = load(profile, log_id) if log_id else None
        if found is None and not keyed:
            found = _create(store, profile)
    except KeychainError as exc:
        if keyed:
            store.audit_unavailable = f"the keychain could not give the audit log's key ({exc.what})"
        else:
            log.warning("audit log stays unkeyed: %s", exc.what)
        return None
    if found is None:
        store.audit_unavailable = (f"the audit log's key for profile {profile!r} is not in this computer's "
                                   "keychain")
        return None
    store.audit_key = found
    return found


def _create(store: Store, profile: str) -> AuditKey | None:
    from app.store import audit

    result = audit.verify(store)
    if not result.ok:
        log.warning("audit log not keyed: it is already broken at entry %s (%s)", result.first_bad_seq,
                    result.problem)
        return None
    if store.read_only:
        return None  # keyed once it can be written to
    made = AuditKey(secrets.token_bytes(32), result.entries + 1)
    log_id = secrets.token_hex(8)
    _tokens(profile).put_secret(f"{SECRET}/{log_id}", json.dumps({"key": made.key.hex(), "from_seq": made.from_seq}))
    settings.put(store, PROFILE_KEY, profile)
    settings.put(store, LOG_ID_KEY, log_id)
    log.info("audit log keyed from entry %s", made.from_seq)
    return made
