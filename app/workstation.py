"""What belongs to this workstation rather than to one firm: the redirect addresses registered in the
developer apps (non-secret; the apps' client ids and secrets are in the keychain, ``app.auth.tokens``).

Kept as JSON beside the profiles (``data_root()/workstation.json``), written atomically and owner-only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from app.auth.redirects import (
    CLIO_REDIRECT_PORT,
    QBO_REDIRECT_PORT,
    QboEnvironment,
    check_qbo_redirect,
    clio_loopback,
    qbo_loopback,
)
from app.errors import LedgerbridgeError
from app.paths import atomic_write_bytes, data_root


@dataclass(frozen=True)
class Workstation:
    clio_redirect_port: int = CLIO_REDIRECT_PORT
    qbo_redirect_port: int = QBO_REDIRECT_PORT
    # The https address registered for QuickBooks production keys (the paste-back flow lands there).
    qbo_production_redirect: str = ""

    @property
    def clio_redirect(self) -> str:
        return clio_loopback(self.clio_redirect_port)

    @property
    def qbo_sandbox_redirect(self) -> str:
        return qbo_loopback(self.qbo_redirect_port)

    def qbo_redirect(self, environment: QboEnvironment | str) -> str:
        return self.qbo_sandbox_redirect if environment == QboEnvironment.SANDBOX else self.qbo_production_redirect


def _path(root: str | os.PathLike[str] | None = None) -> Path:
    return data_root(root) / "workstation.json"


def load(root: str | os.PathLike[str] | None = None) -> Workstation:
    path = _path(root)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Workstation()
    except (OSError, ValueError) as exc:
        raise LedgerbridgeError(
            f"The workstation settings in {path} cannot be read ({type(exc).__name__})",
            kept="Nothing was changed; the file was left as it is.",
            next_step="Fix or delete the file (the defaults are used without it), then try again.",
        ) from None
    known = {f.name for f in fields(Workstation)}
    return Workstation(**{k: v for k, v in raw.items() if k in known}) if isinstance(raw, dict) else Workstation()


def save(ws: Workstation, root: str | os.PathLike[str] | None = None) -> Workstation:
    for port in (ws.clio_redirect_port, ws.qbo_redirect_port):
        if not 1024 <= int(port) <= 65535:
            raise LedgerbridgeError(f"{port} is not a usable port for the sign-in answer",
                                    kept="The previous settings are kept.",
                                    next_step="Choose a port between 1024 and 65535.")
    if ws.qbo_production_redirect:
        ws = replace(ws, qbo_production_redirect=check_qbo_redirect(ws.qbo_production_redirect,
                                                                    QboEnvironment.PRODUCTION))
    path = _path(root)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_bytes(path, json.dumps(asdict(ws), indent=2, sort_keys=True).encode())
    os.chmod(path, 0o600)
    return ws
