"""The three platforms' scheduler definitions, as text; installing on Linux for real where a systemd user
instance runs (skipped with the reason otherwise); the other two platforms' commands through the runner seam
(launchctl and schtasks exist only there)."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from app.errors import LedgerbridgeError
from app.schedule.definitions import Schedule, ScheduleError, definition_text, launchd_plist, parse_every
from app.schedule.installer import Installer

S = Schedule("Hale & Ortiz", 15, program=("/opt/ledgerbridge/bin/python", "-m", "app"), data_dir="/data/lb dir")


def test_intervals():
    assert parse_every("15m") == 15 and parse_every("1h") == 60 and parse_every("90") == 90
    for bad in ("2m", "soon", "-5m", "1d"):
        with pytest.raises(ScheduleError):
            parse_every(bad)


def test_the_systemd_timer_runs_the_headless_sync_of_the_profile():
    units = definition_text(S, "linux")
    assert sorted(units) == ["ledgerbridge-sync-Hale___Ortiz.service", "ledgerbridge-sync-Hale___Ortiz.timer"]
    service = units["ledgerbridge-sync-Hale___Ortiz.service"]
    assert ('ExecStart=/opt/ledgerbridge/bin/python -m app sync --profile "Hale & Ortiz" --quiet --trigger schedule '
            '--wait 600 --data-dir "/data/lb dir"') in service
    assert "Type=oneshot" in service
    timer = units["ledgerbridge-sync-Hale___Ortiz.timer"]
    assert "OnUnitActiveSec=15min" in timer and "Persistent=true" in timer and "WantedBy=timers.target" in timer


def test_the_launchd_agent_is_a_valid_plist_with_the_same_command():
    name, text = launchd_plist(S)
    assert name == "com.ledgerbridge.ledgerbridge-sync-Hale___Ortiz.plist"
    data = plistlib.loads(text.encode())
    assert data["ProgramArguments"] == S.command() and data["StartInterval"] == 900
    assert data["Label"] == name.removesuffix(".plist")


def test_the_windows_task_runs_every_n_minutes_with_the_command_quoted():
    [line] = definition_text(S, "win32").values()
    assert "/SC MINUTE /MO 15" in line and "'Ledgerbridge\\ledgerbridge-sync-Hale___Ortiz'" in line
    assert '--profile "Hale & Ortiz"' in line and '--data-dir "/data/lb dir"' in line


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, args):  # noqa: ANN001
        self.calls.append(list(args))
        return subprocess.CompletedProcess(list(args), 0, "", "")


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_install_and_remove_on_the_other_platforms_run_their_schedulers_commands(tmp_path, platform):
    rec = Recorder()
    installer = Installer(platform, home=tmp_path, run=rec)
    done = installer.install(S)
    if platform == "darwin":
        plist = tmp_path / "Library" / "LaunchAgents" / launchd_plist(S)[0]
        assert done.files == [plist] and plistlib.loads(plist.read_bytes())["StartInterval"] == 900
        assert rec.calls[-1] == ["launchctl", "load", "-w", str(plist)]
    else:
        assert rec.calls[0][:3] == ["schtasks", "/Create", "/F"]
    installer.remove(S)
    assert rec.calls[-1][0] in ("launchctl", "schtasks")
    assert not list(tmp_path.rglob("*.plist"))


def test_a_refusing_scheduler_is_a_clear_error(tmp_path):
    def refuse(args):  # noqa: ANN001
        return subprocess.CompletedProcess(list(args), 1, "", "Failed to connect to bus: No medium found")

    with pytest.raises(LedgerbridgeError) as refused:
        Installer("linux", home=tmp_path, run=refuse).install(S)
    text = str(refused.value)
    assert "No medium found" in text and "ledgerbridge schedule remove" in text


def _systemd_user() -> str | None:
    if not shutil.which("systemctl"):
        return "systemctl is not installed here"
    done = subprocess.run(["systemctl", "--user", "is-system-running"], capture_output=True, text=True, check=False)
    state = (done.stdout or done.stderr).strip()
    if state not in ("running", "degraded"):
        return f"no systemd user instance runs here ({state or done.returncode})"
    return None


@pytest.mark.skipif(_systemd_user() is not None, reason=str(_systemd_user()))
def test_install_status_remove_with_the_real_systemd_user_instance(tmp_path):
    s = Schedule("lb-test-schedule", 60, program=("/bin/true",))
    installer = Installer("linux", home=Path.home())
    try:
        installer.install(s)
        assert "ledgerbridge-sync-lb-test-schedule.timer" in installer.status(s)
    finally:
        installer.remove(s)
    assert installer.status(s) == "No schedule is installed for this firm."


def test_the_command_line_prints_what_it_would_install_and_says_when_nothing_is(keychain_profile, tmp_path, capsys):
    from app.cli import main

    common = ["--profile", keychain_profile, "--data-dir", str(tmp_path)]
    assert main(["schedule", "install", "--every", "30m", "--print", *common]) == 0
    out = capsys.readouterr().out
    assert "OnUnitActiveSec=30min" in out and f"--profile {keychain_profile}" in out and "--trigger schedule" in out
    assert main(["schedule", "install", "--every", "1m", *common]) == 2
    assert "too often" in capsys.readouterr().err
    assert main(["schedule", "status", *common]) == 0
    assert "No schedule is installed" in capsys.readouterr().out or _systemd_user() is None


def test_the_bundled_app_runs_the_command_line_for_the_scheduler(tmp_path, monkeypatch, capsys):
    import sys

    from app.schedule.definitions import headless_program
    from ui.main import main as gui_main

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert headless_program() == (sys.executable, "cli")
    assert gui_main(["cli", "firms", "--data-dir", str(tmp_path)]) == 0  # no window: the command line ran
    assert "No firm profile on this workstation yet." in capsys.readouterr().out
