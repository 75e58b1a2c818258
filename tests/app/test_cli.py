import subprocess
import sys

from app import __version__
from app.cli import main
from app.paths import database_path
from app.store import audit, open_store


def test_version():
    out = subprocess.run([sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ledgerbridge {__version__}"


def test_audit_verify_and_db_info(data_dir, capsys):
    store = open_store(database_path("firm-a"))
    audit.append(store, actor="cli", action="test")
    store.close()
    assert main(["audit", "verify", "--profile", "firm-a"]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert main(["db", "info", "--profile", "firm-a"]) == 0
    assert "Schema version" in capsys.readouterr().out


def test_audit_verify_fails_on_tampering(data_dir, capsys):
    store = open_store(database_path("firm-b"))
    audit.append(store, actor="cli", action="one")
    audit.append(store, actor="cli", action="two")
    store.conn.execute("DROP TRIGGER audit_log_no_update")
    store.conn.execute("UPDATE audit_log SET action = 'edited' WHERE seq = 1")
    store.close()
    assert main(["audit", "verify", "--profile", "firm-b"]) == 1
    assert "BROKEN at entry 1" in capsys.readouterr().out


def test_bad_profile_name_is_a_clear_error(data_dir, capsys):
    assert main(["db", "info", "--profile", "../etc"]) == 2
    assert "not a usable profile name" in capsys.readouterr().err
