"""The audit chain keyed with the firm's HMAC key from the real keychain: a rewrite without the key fails
verification, an old log is keyed from its next entry, anchors prove the log still extends what a reviewer
kept."""

from __future__ import annotations

import pytest

from app.errors import StoreError
from app.money import dumps_json
from app.store import audit, audit_key, open_store, settings


def fill(store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit.append(store, actor="sync", action="sync.posted", clio_kind="bills", clio_id=i, detail=f"bill {i}")


def rewrite_without_the_key(store, drop_seq: int, forge_keyed: bool = False) -> None:
    """What anyone who can write the file can do: drop the triggers, delete an entry, renumber and recompute
    every hash with the app's own function, and move the head."""
    conn = store.conn
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                             "AND tbl_name IN ('audit_log', 'audit_head')")]:
        conn.execute(f"DROP TRIGGER {name}")
    rows = [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY seq")]
    conn.execute("DELETE FROM audit_log")
    prev = audit.GENESIS
    seq = 0
    for row in rows:
        if row["seq"] == drop_seq:
            continue
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        plain = audit.entry_hash(prev, row)
        row["hash"] = ("k1:" + plain) if forge_keyed else plain
        conn.execute(f"INSERT INTO audit_log ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                     list(row.values()))
        prev = row["hash"]
    conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))


@pytest.fixture
def keyed(tmp_path, keychain_profile):
    store = open_store(tmp_path / "firm.sqlite3")
    assert audit_key.attach(store, keychain_profile) is not None
    fill(store, 6)
    yield store
    store.close()


def test_entries_are_signed_with_the_key_from_the_keychain_never_stored_in_the_database(keyed, keychain_profile):
    hashes = [r[0] for r in keyed.query("SELECT hash FROM audit_log ORDER BY seq")]
    assert all(h.startswith("k1:") for h in hashes)
    assert audit.verify(keyed).ok
    key = audit_key.load(keychain_profile, settings.get(keyed, audit_key.LOG_ID_KEY))
    dump = "\n".join(keyed.conn.iterdump())
    assert key is not None and key.key.hex() not in dump and dumps_json(list(key.key)) not in dump


@pytest.mark.parametrize("forge_keyed", [False, True], ids=["plain hashes", "forged k1 hashes"])
def test_a_rewrite_without_the_key_fails_verification(keyed, forge_keyed):
    rewrite_without_the_key(keyed, drop_seq=3, forge_keyed=forge_keyed)
    result = audit.verify(keyed)
    assert not result.ok and result.first_bad_seq == 1
    assert ("not signed with the firm's audit key" in result.problem) != forge_keyed
    # the same rewrite passes a checker without the key: that is exactly the hole the key closes
    keyless = open_store(keyed.path)
    try:
        assert audit.verify(keyless).ok is (not forge_keyed)
    finally:
        keyless.close()


def test_an_old_log_is_keyed_from_its_next_entry_and_a_broken_one_is_not_laundered(tmp_path, keychain_profile):
    store = open_store(tmp_path / "old.sqlite3")
    fill(store, 4)  # written by a version without keys
    key = audit_key.attach(store, keychain_profile)
    assert key is not None and key.from_seq == 5
    fill(store, 3, start=4)
    hashes = [r[0] for r in store.query("SELECT hash FROM audit_log ORDER BY seq")]
    assert [h.startswith("k1:") for h in hashes] == [False] * 4 + [True] * 3
    assert audit.verify(store).ok
    store.close()

    broken = open_store(tmp_path / "broken.sqlite3")
    fill(broken, 4)
    broken.conn.execute("DROP TRIGGER audit_log_no_update")
    broken.conn.execute("UPDATE audit_log SET detail = 'changed' WHERE seq = 2")
    assert audit_key.attach(broken, keychain_profile) is None  # a broken log is not keyed
    assert not audit.verify(broken).ok
    broken.close()


def test_anchors_prove_the_log_still_extends_what_a_reviewer_kept(keyed):
    anchor = audit.verify(keyed).anchor
    seq, digest = anchor.split(":", 1)
    assert seq == "6" and digest.startswith("k1:")
    fill(keyed, 3, start=6)
    assert audit.verify_anchor(keyed, anchor).ok
    assert not audit.verify_anchor(keyed, f"6:{'0' * 64}").ok
    assert "not an anchor" in audit.verify_anchor(keyed, "nonsense").problem
    # cut back to before the anchor, chain and head consistent again: only the anchor shows it
    keyed.conn.execute("DROP TRIGGER audit_log_no_delete")
    keyed.conn.execute("DELETE FROM audit_log WHERE seq >= 6")
    last = keyed.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")[0]
    keyed.conn.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (last["seq"], last["hash"]))
    assert audit.verify(keyed).ok
    cut = audit.verify_anchor(keyed, anchor)
    assert not cut.ok and "rewritten or cut back" in cut.problem


def test_without_the_key_a_keyed_log_is_not_written_and_not_called_tampered(keyed, keychain_profile):
    other = open_store(keyed.path)
    try:
        assert audit_key.attach(other, keychain_profile + "-elsewhere") is None
        with pytest.raises(StoreError, match="audit trail could not be kept"):
            audit.append(other, actor="x", action="note")
        result = audit.verify(other)
        assert not result.ok and result.needs_key and "not a sign of tampering" in result.problem
        # the database names its profile: opened by path, it finds its own key
        assert audit_key.attach(other) is not None and audit.verify(other).ok
    finally:
        other.close()


def test_the_command_line_prints_an_anchor_and_verifies_against_it(data_dir, keychain_profile, capsys):
    import argparse

    from app.cli import main
    from app.commands.common import open_profile_store

    store = open_profile_store(argparse.Namespace(profile=keychain_profile, data_dir=None))
    fill(store, 3)
    store.close()
    assert main(["audit", "anchor", "--profile", keychain_profile]) == 0
    out = capsys.readouterr().out
    anchor = out.split("Audit chain head: ")[1].split()[0]
    assert main(["audit", "verify", "--profile", keychain_profile, "--anchor", anchor]) == 0
    assert "still extends the anchor" in capsys.readouterr().out
    assert anchor.startswith("3:k1:")
    assert main(["audit", "verify", "--profile", keychain_profile, "--anchor", "2:" + "0" * 64]) == 1
