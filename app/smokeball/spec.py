"""The facts of Smokeball's OpenAPI file that the client and the emulator are held to (``spec.json``, written
by ``scripts/smokeball_spec.py`` from smokeballdev/api-docs ``reference/swagger.json``)."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from app.errors import LedgerbridgeError


class SpecError(LedgerbridgeError):
    """A request Smokeball's published description does not allow (a bug on our side: it is never sent)."""


@functools.cache
def facts() -> dict[str, Any]:
    return json.loads(resources.files("app.smokeball").joinpath("spec.json").read_text(encoding="utf-8"))


def template_of(path: str) -> str:
    """The spec's path for a concrete one: ``/matters/5c3a…/invoices`` → ``/matters/{matterId}/invoices``."""
    parts = path.rstrip("/").split("/")
    for template in facts()["endpoints"]:
        pattern = template.rstrip("/").split("/")
        if len(pattern) == len(parts) and all(p == q or (p.startswith("{") and q) for p, q in zip(pattern, parts,
                                                                                                  strict=True)):
            return str(template)
    raise SpecError(f"Smokeball publishes no read endpoint {path!r}", kept="Nothing was sent.")


def check_query(path: str, params: dict[str, Any]) -> None:
    """Refuse, before sending, a parameter the endpoint does not take or a value outside its declared range."""
    declared = facts()["endpoints"][template_of(path)]["query"]
    for name, value in params.items():
        if name not in declared:
            raise SpecError(f"Smokeball's {template_of(path)} takes no parameter {name!r} "
                            f"(it takes {', '.join(sorted(declared)) or 'none'})", kept="Nothing was sent.")
        rule = declared[name]
        if rule["type"] == "integer" and isinstance(value, int):
            low, high = rule.get("minimum"), rule.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                raise SpecError(f"{name}={value} is outside {low}–{high} for Smokeball's {template_of(path)}",
                                kept="Nothing was sent.")


GUID = re.compile(r"^[0-9a-fA-F-]{36}$")
