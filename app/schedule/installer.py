"""Putting a firm's schedule in place with the operating system's scheduler, reporting on it, taking it away.

The scheduler's own commands (``systemctl --user``, ``launchctl``, ``schtasks``) are run through ``run`` so a
caller can see what would happen (``dry_run``); every failure says what was kept and what to do.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import LedgerbridgeError
from app.schedule.definitions import (
    Schedule,
    agents_dir,
    launchd_plist,
    schtasks_create,
    systemd_units,
    unit_dir,
)

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_command(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return subprocess.CompletedProcess(list(args), 127, "", f"{type(exc).__name__}: {exc}")


@dataclass
class Outcome:
    files: list[Path] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)


class Installer:
    def __init__(self, platform: str = sys.platform, home: Path | None = None, run: Runner = run_command) -> None:
        self.platform = platform
        self.home = home or Path.home()
        self.run = run

    def _do(self, out: Outcome, args: list[str], *, must: bool = True) -> str:
        out.commands.append(args)
        done = self.run(args)
        text = (done.stdout or "").strip() or (done.stderr or "").strip()
        if done.returncode != 0 and must:
            raise LedgerbridgeError(
                f"The system scheduler refused '{' '.join(args[:3])}…' ({text[:200] or f'exit {done.returncode}'})",
                kept="The firm's data is untouched; the schedule may be half in place.",
                next_step="Run 'ledgerbridge schedule remove', then install again; or set the schedule in the "
                          "operating system's own scheduler.")
        return text

    def install(self, s: Schedule) -> Outcome:
        out = Outcome()
        if self.platform.startswith("linux"):
            folder = unit_dir(self.home)
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in systemd_units(s).items():
                (folder / name).write_text(text, encoding="utf-8")
                out.files.append(folder / name)
            self._do(out, ["systemctl", "--user", "daemon-reload"])
            self._do(out, ["systemctl", "--user", "enable", "--now", f"{s.name}.timer"])
        elif self.platform == "darwin":
            name, text = launchd_plist(s)
            path = agents_dir(self.home) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            self._do(out, ["launchctl", "unload", str(path)], must=False)  # an older version of it, if loaded
            path.write_text(text, encoding="utf-8")
            out.files.append(path)
            self._do(out, ["launchctl", "load", "-w", str(path)])
        elif self.platform == "win32":
            self._do(out, schtasks_create(s))
        else:
            raise LedgerbridgeError(f"No system scheduler is known here ({self.platform})", kept="Nothing was set.",
                                    next_step="Start 'ledgerbridge sync' from this system's own scheduler.")
        return out

    def remove(self, s: Schedule) -> Outcome:
        out = Outcome()
        if self.platform.startswith("linux"):
            self._do(out, ["systemctl", "--user", "disable", "--now", f"{s.name}.timer"], must=False)
            for name in systemd_units(s):
                path = unit_dir(self.home) / name
                if path.exists():
                    path.unlink()
                    out.files.append(path)
            self._do(out, ["systemctl", "--user", "daemon-reload"], must=False)
        elif self.platform == "darwin":
            name, _ = launchd_plist(s)
            path = agents_dir(self.home) / name
            self._do(out, ["launchctl", "unload", "-w", str(path)], must=False)
            if path.exists():
                path.unlink()
                out.files.append(path)
        elif self.platform == "win32":
            self._do(out, ["schtasks", "/Delete", "/F", "/TN", f"Ledgerbridge\\{s.name}"], must=False)
        return out

    def status(self, s: Schedule) -> str:
        """What the scheduler says about the firm's schedule, in its own words (or that there is none)."""
        out = Outcome()
        if self.platform.startswith("linux"):
            if not (unit_dir(self.home) / f"{s.name}.timer").exists():
                return "No schedule is installed for this firm."
            return self._do(out, ["systemctl", "--user", "list-timers", f"{s.name}.timer", "--all", "--no-pager"],
                            must=False) or "The timer is installed."
        if self.platform == "darwin":
            name, _ = launchd_plist(s)
            if not (agents_dir(self.home) / name).exists():
                return "No schedule is installed for this firm."
            return self._do(out, ["launchctl", "list", name.removesuffix(".plist")], must=False)
        if self.platform == "win32":
            return self._do(out, ["schtasks", "/Query", "/TN", f"Ledgerbridge\\{s.name}", "/V", "/FO", "LIST"],
                            must=False) or "No schedule is installed for this firm."
        return "No system scheduler is known here."
