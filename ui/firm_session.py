"""The window of the firm being worked on, and switching firms: the next firm's database is opened on a worker,
its window shown, and the one before closed (its workers drained, then its database closed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

from app.store import Store
from ui.backend import firms as backend
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tasks import Op


class FirmSession(QObject):
    switched = Signal(object)  # the new MainWindow, once the one before it is closed

    def __init__(self, ctx: AppContext, *, make_window: Callable[[AppContext], MainWindow] = MainWindow,
                 owns_store: bool = False) -> None:
        super().__init__()
        self.root: Path | None = ctx.data_dir
        self.make_window = make_window
        self._owned: list[Store] = []  # databases this session opened, closed with their windows
        if owns_store:
            self._owned.append(ctx.store)
        self.window = self._show(ctx)

    def _show(self, ctx: AppContext) -> MainWindow:
        window = self.make_window(ctx)
        window.switch_firm.connect(self.switch)
        window.show()
        return window

    def switch(self, profile: str) -> None:
        old = self.window
        root = self.root

        def opened(store: Store) -> None:
            self._owned.append(store)
            self.window = self._show(AppContext(store, profile, root, actor=old.ctx.actor if old.ctx else "user"))
            QTimer.singleShot(0, lambda: self._retire(old))  # once this callback of its task manager returns

        old.tasks.run(Op(f"Opening firm {profile}", lambda _t: backend.open_firm(profile, root), on_success=opened))

    def _retire(self, old: MainWindow) -> None:
        """Close the window switched from, then say the switch is done (so nothing of it is left pending)."""
        if isValid(old):
            old.close_for_switch()  # drains its workers
        if old.ctx is not None and old.ctx.store in self._owned:
            self._owned.remove(old.ctx.store)
            old.ctx.store.close()
        self.switched.emit(self.window)

    def close(self) -> None:
        for store in self._owned:
            store.close()
        self._owned.clear()
