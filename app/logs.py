"""Logging with secrets masked.

Every handler installed by :func:`setup_logging` carries :class:`RedactingFilter`, which masks bearer
tokens, refresh tokens, authorization codes, client secrets and Basic credentials by pattern, and any
exact secret registered with :func:`register_secret` (the keychain registers every token it stores or
loads, so even a bare token passed to a log call comes out masked).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

from app.paths import owner_only_file

MASK = "***"

_PATTERNS = [
    # Authorization: Bearer abc / Basic abc
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    # key=value, "key": "value", key: value, for the secret-bearing keys
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|code_verifier|code|"
        r"authorization|password|secret|token)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]{8,})"
    ),
]


class _SecretRegistry:
    """Exact secret values seen by this process. Held only in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value and len(value) >= 6:
            with self._lock:
                self._values.add(value)

    def snapshot(self) -> list[str]:
        with self._lock:
            return sorted(self._values, key=len, reverse=True)


_secrets = _SecretRegistry()


def register_secret(value: str | None) -> None:
    _secrets.add(value)


def redact(text: str) -> str:
    """Mask every secret in ``text``."""
    if not text:
        return text
    for value in _secrets.snapshot():
        if value in text:
            text = text.replace(value, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup_logging(level: int = logging.INFO, log_file: Path | None = None) -> logging.Logger:
    """Configure the ``ledgerbridge`` logger tree once; every handler masks secrets."""
    root = logging.getLogger("ledgerbridge")
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        owner_only_file(log_file)  # created 0600 before the handler opens it for appending
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.propagate = False
    return root


def mask_account(number: str) -> str:
    """A bank account number as every output shows it: only its last four characters."""
    digits = "".join(ch for ch in number if ch.isalnum())
    return f"••••{digits[-4:]}" if digits else "not given"
