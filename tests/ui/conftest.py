"""UI fixtures: a real firm database per test and the main window on it (Qt offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.store import Store, open_store
from ui.context import AppContext


@pytest.fixture
def firm_store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "firm" / "ledgerbridge.sqlite3")
    yield s
    s.close()


@pytest.fixture
def ctx(firm_store: Store) -> AppContext:
    return AppContext(firm_store, "test", firm_store.path.parent, actor="user:tester")


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[..., object]]:
    """Build a MainWindow on a context; closed (workers drained) at the end of the test."""
    from ui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make(ctx: AppContext) -> MainWindow:
        w = MainWindow(ctx)
        qtbot.addWidget(w)
        w.show()
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.tasks.cancel_all()
        w.tasks.wait_idle(20000)


@pytest.fixture
def sandbox() -> Iterator[object]:
    """The real emulators with the small demo firm, limits off so a full sync takes a second or two."""
    from app.sandbox.runner import Sandbox

    with Sandbox("small", 7, clio_rate_limit=0, qbo_limits=False) as sb:
        yield sb


@pytest.fixture
def demo_ctx(firm_store: Store, sandbox) -> AppContext:
    """A firm connected to the sandbox and mapped with the demo defaults, as demo mode prepares it."""
    from ui.context import DemoInfo
    from ui.demo import prepare_demo

    c = AppContext(firm_store, "test", firm_store.path.parent, actor="user:tester", demo=DemoInfo(sandbox))
    prepare_demo(c)
    return c
