"""Each platform's scheduler definition for one firm's syncs, generated from one ``Schedule``.

Every definition runs the same headless command: ``ledgerbridge sync --profile NAME --trigger schedule``,
which waits a while for a sync of the firm that is already running (``--wait``) instead of failing, and records
itself in the firm's sync history like any other run.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

MIN_MINUTES = 5  # QuickBooks' and Clio's quotas, and the firm's own patience, do not need it more often
WAIT_SECONDS = 600


class ScheduleError(ValueError):
    """A schedule that cannot be written as asked."""


def parse_every(text: str) -> int:
    """``15m``, ``1h``, ``90`` (minutes) → minutes, at least ``MIN_MINUTES``."""
    m = re.fullmatch(r"\s*(\d+)\s*([mh]?)\s*", text.lower())
    if not m:
        raise ScheduleError(f"{text!r} is not an interval like 15m or 1h")
    minutes = int(m.group(1)) * (60 if m.group(2) == "h" else 1)
    if minutes < MIN_MINUTES:
        raise ScheduleError(f"every {minutes} minutes is too often: at least every {MIN_MINUTES} minutes")
    return minutes


def headless_program() -> tuple[str, ...]:
    """How to start ledgerbridge's command line: the bundled app's executable with ``cli``, else this Python
    with ``-m app``."""
    if getattr(sys, "frozen", False):
        return (sys.executable, "cli")
    return (sys.executable, "-m", "app")


@dataclass(frozen=True)
class Schedule:
    profile: str
    every_minutes: int
    program: tuple[str, ...] = field(default_factory=headless_program)
    data_dir: str | None = None

    @property
    def name(self) -> str:
        """The scheduler's name for it: one per firm profile."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", self.profile)
        return f"ledgerbridge-sync-{safe}"

    def command(self) -> list[str]:
        args = [*self.program, "sync", "--profile", self.profile, "--quiet", "--trigger", "schedule",
                "--wait", str(WAIT_SECONDS)]
        if self.data_dir:
            args += ["--data-dir", self.data_dir]
        return args


def systemd_units(s: Schedule) -> dict[str, str]:
    """A oneshot service and the timer that starts it, as ``~/.config/systemd/user`` files."""
    service = (f"[Unit]\nDescription=Ledgerbridge sync of firm profile {s.profile}\n\n"
               f"[Service]\nType=oneshot\nExecStart={' '.join(_systemd_quote(a) for a in s.command())}\n")
    timer = (f"[Unit]\nDescription=Ledgerbridge sync of firm profile {s.profile} every {s.every_minutes} minutes\n\n"
             f"[Timer]\nOnBootSec=5min\nOnUnitActiveSec={s.every_minutes}min\nPersistent=true\n"
             f"Unit={s.name}.service\n\n[Install]\nWantedBy=timers.target\n")
    return {f"{s.name}.service": service, f"{s.name}.timer": timer}


def _systemd_quote(arg: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def launchd_plist(s: Schedule) -> tuple[str, str]:
    """A LaunchAgent (``~/Library/LaunchAgents/<label>.plist``) that runs the sync every N minutes."""
    label = f"com.ledgerbridge.{s.name}"
    args = "".join(f"\n        <string>{escape(a)}</string>" for a in s.command())
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
            '<plist version="1.0">\n<dict>\n'
            f"    <key>Label</key>\n    <string>{label}</string>\n"
            f"    <key>ProgramArguments</key>\n    <array>{args}\n    </array>\n"
            f"    <key>StartInterval</key>\n    <integer>{s.every_minutes * 60}</integer>\n"
            "    <key>RunAtLoad</key>\n    <false/>\n"
            "</dict>\n</plist>\n")
    return f"{label}.plist", text


def schtasks_create(s: Schedule) -> list[str]:
    """The ``schtasks /Create`` command for a task that runs the sync every N minutes for the signed-in user."""
    return ["schtasks", "/Create", "/F", "/TN", f"Ledgerbridge\\{s.name}", "/SC", "MINUTE", "/MO",
            str(s.every_minutes), "/TR", _windows_command_line(s.command())]


def _windows_command_line(args: list[str]) -> str:
    import subprocess

    return subprocess.list2cmdline(args)


def definition_text(s: Schedule, platform: str) -> dict[str, str]:
    """What would be written or run for ``platform`` (``linux``, ``darwin``, ``win32``): file name → text, or
    for Windows the command line under the name ``schtasks``. For ``schedule status`` and the tests."""
    if platform.startswith("linux"):
        return systemd_units(s)
    if platform == "darwin":
        name, text = launchd_plist(s)
        return {name: text}
    if platform == "win32":
        return {"schtasks": " ".join(shlex.quote(a) for a in schtasks_create(s))}
    raise ScheduleError(f"no scheduler is known for the platform {platform!r}")


def unit_dir(home: Path) -> Path:
    return home / ".config" / "systemd" / "user"


def agents_dir(home: Path) -> Path:
    return home / "Library" / "LaunchAgents"
