"""What Clio's published API description says, read from the generated ``app/clio/spec.json``.

The file is written by ``scripts/clio_spec.py`` from the OpenAPI description in the ``clio-cli==1.0.5``
sdist; it is the one source of the fields and query parameters of the endpoints Ledgerbridge reads. The
client's tests check every field and parameter it sends against it, and the Clio emulator refuses anything
it does not list, so neither can drift from Clio toward the other.

Two facts come from Clio's paging documentation (https://docs.developers.clio.com/api-docs/paging), not from
the description: cursor paging needs ``order=id(asc)`` (so only an endpoint whose ``order`` parameter offers
it has a cursor), and offset paging reaches at most 10,000 records; a page past that answers 422
``ArgumentError``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

CURSOR_ORDER = "id(asc)"
OFFSET_CAP = 10_000  # records one offset-paged query can reach (Clio's paging documentation)

FieldSpec = list[tuple[str, list[str] | None]]


class FieldsError(ValueError):
    """A ``fields=`` value that is malformed or names something the record does not have."""


@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter: its type and format, and the enum, default and range the description gives."""

    name: str
    type: str = "string"
    format: str = ""
    enum: tuple[Any, ...] = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None

    def problem(self, value: str) -> str:
        """Why ``value`` is not acceptable for this parameter, or "" when it is."""
        if self.enum and value not in self.enum and not all(v in self.enum for v in value.split(",")):
            return f"{self.name} must be one of {', '.join(map(str, self.enum))}; got {value!r}."
        reader = _READERS.get(self.format) or _READERS.get(self.type)
        try:
            parsed = reader(value) if reader else value
        except ValueError:
            return f"{self.name} must be {_WORDS.get(self.format) or _WORDS[self.type]}; got {value!r}."
        if isinstance(parsed, int) and not isinstance(parsed, bool) and (
                (self.minimum is not None and parsed < self.minimum)
                or (self.maximum is not None and parsed > self.maximum)):
            return f"{self.name} must be between {self.minimum} and {self.maximum}; got {value}."
        return ""


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 timestamp (``Z`` or an offset; none means UTC)."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _boolean(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(text)
    return text == "true"


_READERS: dict[str, Any] = {"integer": int, "int32": int, "int64": int, "boolean": _boolean,
                            "date-time": parse_time, "date": dt.date.fromisoformat}
_WORDS = {"integer": "a whole number", "int32": "a whole number", "int64": "a whole number",
          "boolean": "true or false", "date-time": "an ISO-8601 timestamp", "date": "an ISO-8601 date",
          "string": "text", "number": "a number"}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A list endpoint (``/api/v4/<name>.json``), its record type, and its single read if Clio has one."""

    name: str
    record: str
    params: Mapping[str, Param]
    show_params: Mapping[str, Param] | None

    @property
    def orders(self) -> tuple[str, ...]:
        """The ``order`` values accepted: the enum, or only the stated default when there is no enum."""
        order = self.params.get("order")
        if order is None:
            return ()
        return tuple(order.enum) or ((order.default,) if order.default else ())

    @property
    def default_order(self) -> str | None:
        order = self.params.get("order")
        return str(order.default) if order is not None and order.default else None

    @property
    def cursor(self) -> bool:
        """Whether the endpoint offers cursor paging (its ``order`` accepts ``id(asc)``)."""
        return CURSOR_ORDER in self.orders

    @property
    def max_limit(self) -> int:
        limit = self.params.get("limit")
        return limit.maximum if limit is not None and limit.maximum else 200

    def param_problems(self, items: Iterable[tuple[str, str]], *, show: bool = False) -> list[str]:
        """Each parameter of a request (name, value pairs) that the description does not allow, as a sentence."""
        allowed = (self.show_params or {}) if show else self.params
        where = f"/{self.name}/{{id}}.json" if show else f"/{self.name}.json"
        problems = []
        for name, value in items:
            param = allowed.get(name)
            if param is None:
                problems.append(f"{name} is not a parameter of {where}.")
            elif name != "fields" and (problem := param.problem(value)):
                problems.append(problem)
        return problems


class ClioSpec:
    """The facts of ``spec.json``: endpoints, record types and their nested record types."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.source: Mapping[str, Any] = data["source"]
        self.records: Mapping[str, Mapping[str, Any]] = data["records"]
        self.nested: Mapping[str, Mapping[str, Any]] = data["nested"]
        self.error_fields = frozenset(self.nested[data["error"]])
        self.endpoints = {name: Endpoint(name, e["record"], _params(e["list"]),
                                         None if e["show"] is None else _params(e["show"]))
                          for name, e in data["endpoints"].items()}
        self._allowed = {name: {f: frozenset(self.nested[spec["nested"]]) if "nested" in spec else None
                                for f, spec in self.records[e.record].items()}
                         for name, e in self.endpoints.items()}

    def endpoint(self, name: str) -> Endpoint:
        try:
            return self.endpoints[name.removesuffix(".json").strip("/")]
        except KeyError:
            raise KeyError(f"{name!r} is not an endpoint in Clio's description as Ledgerbridge keeps it") from None

    def allowed_fields(self, endpoint: str) -> dict[str, frozenset[str] | None]:
        """Each field of the endpoint's record: None for a plain value, else the nested record's fields."""
        return self._allowed[self.endpoint(endpoint).name]

    def field_type(self, endpoint: str, name: str, sub: str | None = None) -> Mapping[str, Any]:
        """The description of one field (or nested field): ``type``, ``format``, ``enum``, ``nested``, ``many``."""
        field: Mapping[str, Any] = self.records[self.endpoint(endpoint).record][name]
        return field if sub is None else self.nested[field["nested"]][sub]

    def field_problems(self, endpoint: str, fields: str) -> list[str]:
        """Each entry of a ``fields=`` value the record does not have (or a sentence on why it cannot be read)."""
        try:
            check_fields(parse_fields(fields), self.allowed_fields(endpoint), endpoint)
        except FieldsError as exc:
            return [str(exc)]
        return []


def _params(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, Param]:
    return {name: Param(name, p.get("type", "string"), p.get("format", ""), tuple(p.get("enum", ())),
                        p.get("default"), p.get("minimum"), p.get("maximum")) for name, p in raw.items()}


@functools.cache
def load() -> ClioSpec:
    """The committed description facts (read once)."""
    text = resources.files("app.clio").joinpath("spec.json").read_text(encoding="utf-8")
    return ClioSpec(json.loads(text))


def parse_fields(text: str | None) -> FieldSpec:
    """``id,number,matter{id,display_number}`` → [("id", None), ("number", None), ("matter", ["id", …])].

    One level of nesting, as Clio allows; anything deeper or unbalanced is an error. No value means Clio's
    default, ``id,etag``.
    """
    if not text:
        return [("id", None), ("etag", None)]
    spec: FieldSpec = []
    i, n = 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in ",{}":
            j += 1
        name = text[i:j].strip()
        if not name:
            raise FieldsError(f"The fields parameter {text!r} has an empty field name.")
        if j < n and text[j] == "{":
            close = text.find("}", j)
            inner = text[j + 1 : close] if close != -1 else ""
            if close == -1 or "{" in inner:
                raise FieldsError(f"The fields parameter {text!r} nests deeper than one level or is unbalanced.")
            subs = [s.strip() for s in inner.split(",")]
            if not all(subs):
                raise FieldsError(f"The fields parameter {text!r} has an empty nested field name.")
            spec.append((name, subs))
            j = close + 1
        elif j < n and text[j] == "}":
            raise FieldsError(f"The fields parameter {text!r} is unbalanced.")
        else:
            spec.append((name, None))
        if j < n and text[j] != ",":
            raise FieldsError(f"The fields parameter {text!r} is not a comma-separated list.")
        i = j + 1
    return spec


def check_fields(spec: FieldSpec, allowed: Mapping[str, frozenset[str] | None], endpoint: str) -> None:
    """Raise FieldsError for a field (or nested field) that ``endpoint``'s record does not have."""
    for name, subs in spec:
        if name not in allowed:
            raise FieldsError(f"Invalid field: {name!r} is not a field of {endpoint}.")
        nested = allowed[name]
        if subs is not None:
            if nested is None:
                raise FieldsError(f"Invalid field: {name!r} of {endpoint} has no nested fields.")
            for sub in subs:
                if sub not in nested:
                    raise FieldsError(f"Invalid field: {name}{{{sub}}} is not a field of {endpoint}.")
