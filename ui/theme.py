"""Light and dark palettes, the style sheet and the icons (all under ``resources/``)."""

from __future__ import annotations

import functools
import importlib.resources
import sys
from pathlib import Path

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

#: a file every copy of the folder has, to tell ours from an unrelated top-level ``resources`` package.
_MARKER = "style.qss"


def resources_dir() -> Path:
    """The icons and style sheet: inside a PyInstaller bundle, as the installed ``resources`` package
    (a wheel), or beside the source tree (a checkout or an editable install made before the folder
    became a package, where ``import resources`` only works from the checkout's root)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    installed = _installed_resources()
    if installed is not None:
        return installed
    return Path(__file__).resolve().parent.parent / "resources"


@functools.cache  # looked up once: every icon asks, and the answer cannot change while the app runs
def _installed_resources() -> Path | None:
    try:
        folder = importlib.resources.files("resources")
    except ModuleNotFoundError:
        return None
    # Qt needs real file paths; a wheel installs to disk, so anything else (a zip import) is not ours.
    if isinstance(folder, Path) and (folder / _MARKER).is_file():
        return folder
    return None


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


_LIGHT = {
    QPalette.ColorRole.Window: "#f4f6f8",
    QPalette.ColorRole.WindowText: "#1b2430",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f3f7",
    QPalette.ColorRole.Text: "#1b2430",
    QPalette.ColorRole.Button: "#e8ecf1",
    QPalette.ColorRole.ButtonText: "#1b2430",
    QPalette.ColorRole.Highlight: "#1f6fb2",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#fffbe6",
    QPalette.ColorRole.ToolTipText: "#1b2430",
    QPalette.ColorRole.PlaceholderText: "#7a8594",
    QPalette.ColorRole.Link: "#1f6fb2",
    QPalette.ColorRole.Mid: "#b7c0cc",
    QPalette.ColorRole.Midlight: "#d9dee5",
}

_DARK = {
    QPalette.ColorRole.Window: "#1e2228",
    QPalette.ColorRole.WindowText: "#e6e9ee",
    QPalette.ColorRole.Base: "#15181d",
    QPalette.ColorRole.AlternateBase: "#1b1f25",
    QPalette.ColorRole.Text: "#e6e9ee",
    QPalette.ColorRole.Button: "#2a3038",
    QPalette.ColorRole.ButtonText: "#e6e9ee",
    QPalette.ColorRole.Highlight: "#3d8fd6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2a3038",
    QPalette.ColorRole.ToolTipText: "#e6e9ee",
    QPalette.ColorRole.PlaceholderText: "#8a94a3",
    QPalette.ColorRole.Link: "#6cb4ff",
    QPalette.ColorRole.Mid: "#4a525e",
    QPalette.ColorRole.Midlight: "#343b45",
}


def palette(name: str) -> QPalette:
    pal = QPalette()
    for role, color in (_DARK if name == "dark" else _LIGHT).items():
        pal.setColor(role, QColor(color))
    disabled = QColor("#6b7480" if name == "dark" else "#9aa3ae")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return pal


def apply_theme(app: QApplication, name: str = "light") -> None:
    """Fusion style (the same on every platform and at any DPI), a palette, and the style sheet."""
    app.setStyle("Fusion")
    app.setPalette(palette(name))
    qss = resources_dir() / "style.qss"
    app.setStyleSheet(qss.read_text(encoding="utf-8") if qss.exists() else "")
