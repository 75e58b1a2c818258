"""What MyCase publishes about its read API (``spec.json``, written by ``scripts/mycase_spec.py`` from MyCase's own
reference), and the check that holds the client and the emulator to it."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from app.errors import LedgerbridgeError

# The cursor of the next page: not a declared parameter, it comes inside the Link header's address
# (MyCase's "Cursor-based Pagination" page), so it is taken wherever a list is.
PAGE_TOKEN = "page_token"


class SpecError(LedgerbridgeError):
    """A request MyCase's reference does not describe."""


@functools.cache
def facts() -> dict[str, Any]:
    return dict(json.loads(resources.files("app.mycase").joinpath("spec.json").read_text(encoding="utf-8")))


def check_query(path: str, params: dict[str, Any]) -> None:
    """Refuse, before sending, a path MyCase does not publish, a parameter the endpoint does not take, or a
    ``page_size`` outside 1–1000."""
    endpoint = facts()["endpoints"].get(path)
    if endpoint is None:
        raise SpecError(f"MyCase publishes no read endpoint {path!r}", kept="Nothing was sent.")
    declared = endpoint["query"]
    for name, value in params.items():
        if name == PAGE_TOKEN:
            continue
        rule = declared.get(name)
        if rule is None:
            raise SpecError(f"MyCase's {path} takes no parameter {name!r} (it takes {', '.join(sorted(declared))})",
                            kept="Nothing was sent.")
        low, high = rule.get("minimum"), rule.get("maximum")
        if low is not None and high is not None:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise SpecError(f"{name}={value!r} is not a number for MyCase's {path}", kept="Nothing was sent.") \
                    from None
            if not low <= number <= high:
                raise SpecError(f"{name}={value} is outside {low}–{high} for MyCase's {path}",
                                kept="Nothing was sent.")
