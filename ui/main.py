"""GUI entry point: ``ledgerbridge-gui``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app import __version__
from app.logs import setup_logging
from ui.main_window import MainWindow


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledgerbridge-gui")
    parser.add_argument("--version", action="version", version=f"ledgerbridge {__version__}")
    parser.add_argument("--self-test", action="store_true", help="start, show the window, and quit")
    args, qt_args = parser.parse_known_args(argv)
    setup_logging()
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Ledgerbridge")
    window = MainWindow()
    window.show()
    if args.self_test:
        QTimer.singleShot(200, app.quit)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
