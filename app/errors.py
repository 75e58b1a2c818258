"""The one error root of the app.

An error a person can act on carries three sentences: what happened, what was kept, and what to do
next. Anything that is not a ``LedgerbridgeError`` is a bug and is shown with copyable details.
"""

from __future__ import annotations


class LedgerbridgeError(Exception):
    """An error a bookkeeper can act on."""

    def __init__(self, what: str, *, kept: str = "", next_step: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.kept = kept
        self.next_step = next_step

    def __str__(self) -> str:
        parts = [self.what]
        if self.kept:
            parts.append(self.kept)
        if self.next_step:
            parts.append(self.next_step)
        return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled whole (the sync runs in a child process and its errors come back pickled): rebuilt
        # without calling __init__, whose signature differs between subclasses, and with every attribute
        # (what, kept, next_step, a QuickBooks code, ...) restored as it was.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[LedgerbridgeError], args: tuple[object, ...]) -> LedgerbridgeError:
    return cls.__new__(cls, *args)


class MoneyError(LedgerbridgeError, ValueError):
    """An amount that cannot be read exactly."""


class StoreError(LedgerbridgeError):
    """The local database cannot be opened or written."""


class KeychainError(LedgerbridgeError):
    """No usable operating-system keychain, or it refused us."""
