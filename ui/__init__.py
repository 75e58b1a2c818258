"""The PySide6 desktop app. It calls ``app``; ``app`` never imports it."""
