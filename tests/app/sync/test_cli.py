"""``ledgerbridge sync`` and ``ledgerbridge health`` headless, against the sandbox."""

from __future__ import annotations

import json

from app.cli import main
from app.store import exceptions as exq

from .conftest import Rig


def _args(rig: Rig, command: str, *extra: str) -> list[str]:
    return [command, "--firm-db", str(rig.store.path), "--sandbox-clio", rig.sb.clio_url, "--sandbox-qbo",
            rig.sb.qbo_url, "--realm", rig.sb.realm_id, *extra]


def test_sync_exits_non_zero_while_anything_is_held_and_zero_once_clear(rig: Rig, capsys) -> None:
    assert main(_args(rig, "sync", "--quiet")) == 1  # not mapped yet: nothing sent
    assert "The accounts are not mapped yet" in capsys.readouterr().out
    rig.map_defaults()
    assert main(_args(rig, "sync", "--dry-run", "--quiet")) == 1
    out = capsys.readouterr().out
    planned = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(p.get("entity") == "Invoice" and p.get("lines") for p in planned)
    assert any(p.get("reason") == "customer_near_match" for p in planned)
    assert main(_args(rig, "sync", "--quiet")) == 1  # the near-duplicate customer is held
    assert "held" in capsys.readouterr().out
    [item] = exq.list_items(rig.store, reason_code="customer_near_match")
    exq.request_retry(rig.store, item.id, actor="user:ann")  # "create a new customer after all"
    [overdraft] = exq.list_items(rig.store, reason_code="trust_overdraft")  # the demo firm's planted one
    exq.post_anyway(rig.store, overdraft.id, reason="it left the bank; replaced from operating", actor="user:ann")
    assert main(_args(rig, "sync", "--quiet")) == 0
    capsys.readouterr()
    assert main(_args(rig, "health", "--sample", "3")) == 0
    out = capsys.readouterr().out
    assert "Exception queue: empty." in out and "3 of 3 match" in out and "ties" in out


def test_runs_lists_every_run_and_one_run_shows_the_audit_entries_it_wrote(rig: Rig, capsys) -> None:
    main(_args(rig, "sync", "--quiet"))  # not mapped yet: reads Clio, sends nothing
    rig.map_defaults()
    main(_args(rig, "sync", "--quiet"))
    main(_args(rig, "sync", "--dry-run", "--quiet"))
    capsys.readouterr()
    assert main(["runs", "--firm-db", str(rig.store.path), "--last", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # newest first: the dry run, the sync that posted, the mapping step's own dry run, the unmapped sync
    assert len(lines) == 4 and "dry run" in lines[0] and "(python, sync, dry run)" in lines[2]
    assert "(command line, cli)" in lines[1] and "created " in lines[1] and "trust: IOLTA" in lines[1]
    assert "not mapped" in lines[3]
    run_id = lines[1].split()[0].lstrip("#")
    assert main(["runs", "--firm-db", str(rig.store.path), "--run", run_id]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == lines[1]
    assert sum(" sync.posted " in ln for ln in shown[1:]) > 10
    assert main(["runs", "--firm-db", str(rig.store.path), "--run", "999"]) == 2
