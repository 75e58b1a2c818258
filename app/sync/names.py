"""Names QuickBooks can take: no colon, tab or newline, at most 100 characters, unique across customers,
vendors and employees. Every adaptation is deterministic (the same Clio record always gets the same
name) and comes with a sentence saying what was changed and why, which the sync shows and audits.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

MAX_NAME = 100
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class AdaptedName:
    name: str
    original: str
    reasons: tuple[str, ...] = ()

    @property
    def adapted(self) -> bool:
        return bool(self.reasons)

    def sentence(self) -> str:
        return (f"QuickBooks cannot take the name '{self.original}' ({'; '.join(self.reasons)}), so it was posted "
                f"as '{self.name}'.")


def name_key(name: str) -> str:
    """How QuickBooks compares names for uniqueness: case and surrounding space do not count."""
    return _SPACES.sub(" ", name).strip().casefold()


def clean(name: str) -> tuple[str, list[str]]:
    reasons = []
    text = name
    if ":" in text:
        text = text.replace(":", " -")
        reasons.append("it contains a colon")
    if any(c in text for c in "\t\r\n"):
        reasons.append("it contains a tab or line break")
    text = _SPACES.sub(" ", text).strip()
    if not text:
        text = "Unnamed"
        reasons.append("it is empty")
    if len(text) > MAX_NAME:
        text = text[:MAX_NAME].rstrip()
        reasons.append(f"it is longer than {MAX_NAME} characters")
    return text, reasons


def adapt(name: str, clio_id: int, taken: Collection[str], *, what: str = "Clio") -> AdaptedName:
    """A legal, unused name for the record ``clio_id``. ``taken`` holds name_key()s already used by others."""
    text, reasons = clean(name)
    if name_key(text) in taken:
        suffix = f" ({what} {clio_id})"
        text = text[: MAX_NAME - len(suffix)].rstrip() + suffix
        reasons.append("another customer, vendor or employee already has that name")
    return AdaptedName(text, name, tuple(reasons))
