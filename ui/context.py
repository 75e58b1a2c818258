"""What the window needs to work on one firm, passed in (no global registry or settings singleton).

``AppContext`` holds the open store, the profile, and the factories that build the connections and the
sync engine. The default factories compose the real ``app`` modules (see ``ui.backend``); tests and the
benchmark pass their own where a core part is replaced at a seam.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.store import Store


class SyncRunner(Protocol):
    """What the dashboard needs from ``app.sync.engine.SyncEngine`` (see docs/CONTRACTS.md)."""

    def run(self, *, dry_run: bool = False, progress: Any = None, cancel: Any = None) -> Any: ...


@dataclass
class DemoInfo:
    """The in-process sandbox of demo mode (``app.sandbox.runner.Sandbox``) and what it serves."""

    sandbox: Any
    firm_size: str = "small"
    seed: int = 7


@dataclass
class AppContext:
    store: Store
    profile: str = "default"
    data_dir: Path | None = None
    actor: str = field(default_factory=lambda: _user())
    demo: DemoInfo | None = None
    #: builds the sync engine for a run (on a worker thread); None means the default from ui.backend.
    sync_factory: Callable[[AppContext], SyncRunner] | None = None
    #: builds (clio_client, qbo_client) for the wizard and reconciliation (on a worker thread).
    clients_factory: Callable[[AppContext], tuple[Any, Any]] | None = None

    @property
    def is_demo(self) -> bool:
        return self.demo is not None


def _user() -> str:
    try:
        return f"user:{getpass.getuser()}"
    except Exception:  # no login name in some containers; the audit still needs an actor
        return "user"
