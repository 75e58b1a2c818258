"""Many firms on one workstation: listing them with how each stands, adding and removing one."""

from __future__ import annotations

from pathlib import Path

from app import firms
from app.auth.tokens import TokenSet, TokenStore
from app.cli import main
from app.paths import database_path
from app.store import exceptions as exq
from app.store import open_store, settings
from app.store.db import utcnow
from app.sync import runs


def _firm(root: Path, profile: str, *, name: str, result: str, ties: bool, held: int) -> None:
    firms.add(profile, root)
    store = open_store(database_path(profile, root))
    settings.put(store, "firm_name", name)
    for n in range(held):
        exq.add(store, kind="invoice", clio_kind="bills", clio_id=n, reason_code="payment_bill_missing",
                message="held", actor="sync")
    ledgers = "100.00" if ties else "90.00"
    runs.record(store, runs.RunRecord(utcnow(), utcnow(), "schedule", "cli", result, counts={"created": 4},
                                      tie_out=[{"name": "IOLTA", "bank": "100.00", "liability": "100.00",
                                                "ledgers": ledgers}]))
    store.close()


def test_firms_lists_every_profile_with_its_last_sync_queue_and_tie_out(tmp_path, capsys):
    _firm(tmp_path, "hale", name="Hale & Ortiz LLP", result="ok", ties=True, held=0)
    _firm(tmp_path, "marsh", name="Marsh Legal", result="held", ties=False, held=3)
    firms.add("new-firm", tmp_path)
    assert main(["firms", "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["hale (Hale & Ortiz LLP)", "marsh (Marsh Legal)", "new-firm"]
    assert "(ok); 0 in the exception queue; trust ties" in lines[0]
    assert "(held); 3 in the exception queue; trust does NOT tie" in lines[1]
    assert "never synced; 0 in the exception queue; no tie-out yet" in lines[2]
    [marsh] = [f for f in firms.overview(tmp_path) if f.profile == "marsh"]
    assert marsh.ties is False and marsh.open_exceptions == 3


def test_adding_an_existing_firm_is_refused(tmp_path):
    firms.add("hale", tmp_path)
    try:
        firms.add("hale", tmp_path)
    except Exception as exc:  # noqa: BLE001
        assert "already a firm profile named 'hale'" in str(exc)
    else:
        raise AssertionError("a second firm of the same name was added")


def test_removing_a_firm_deletes_its_tokens_and_moves_its_database_to_the_trash(tmp_path, keychain_profile):
    _firm(tmp_path, keychain_profile, name="Gone LLP", result="ok", ties=True, held=0)
    tokens = TokenStore(keychain_profile)
    tokens.save("clio", TokenSet("access-x", "refresh-x", 4102444800.0))
    tokens.put_secret("smtp-password", "hunter2")
    # (revoking asks Clio and Intuit over the internet, which tests never reach: the tokens are only deleted)
    where, said = firms.remove(keychain_profile, tmp_path, revoke=False)
    assert said == [] and where.parent == tmp_path / "trash"
    assert keychain_profile not in firms.profiles(tmp_path)
    [moved] = list((tmp_path / "trash").iterdir())
    assert (moved / "ledgerbridge.sqlite3").is_file()  # kept, never deleted outright
    assert tokens.load("clio") is None and tokens.get_secret("smtp-password") is None


def test_the_command_line_removes_a_firm_only_when_told_to(tmp_path, keychain_profile, capsys, monkeypatch):
    firms.add(keychain_profile, tmp_path)  # never connected: nothing to revoke, nothing asked of the internet
    monkeypatch.setattr("builtins.input", lambda _prompt: "not-the-name")
    assert main(["firms", "remove", "--name", keychain_profile, "--data-dir", str(tmp_path)]) == 1
    assert keychain_profile in firms.profiles(tmp_path)
    assert main(["firms", "remove", "--name", keychain_profile, "--yes", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Clio was not connected." in out and "removed; its database is in" in out
