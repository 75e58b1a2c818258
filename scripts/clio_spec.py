"""Regenerate ``app/clio/spec.json`` from Clio's published OpenAPI description.

    python3 scripts/clio_spec.py SOURCE [--out app/clio/spec.json] [--check]

SOURCE is the ``clio-cli==1.0.5`` sdist (``pip download --no-deps --no-binary :all: clio-cli==1.0.5``) or
the ``openapi_server/openapi/openapi.yaml`` extracted from it. The description itself is never committed:
only the facts Ledgerbridge and its Clio emulator need are written, for the list endpoints the sync reads
(and the emulator serves):

- per endpoint, its query parameters (type, format, enum, and the default and range its description
  states), for the list (``/bills.json``) and, when Clio documents one, the single read (``/bills/{id}.json``);
- per record type, its fields, which of them are nested records, and the fields of each nested record type
  (one level, as ``fields=`` allows: ``matter{id,display_number}``);
- the shape of Clio's error answer, and the SHA-256 of the YAML read, so a test can tell a stale file.

``--check`` writes nothing and exits 1 when the committed file differs from what SOURCE gives. This script
is the only thing that reads the sdist; the tests read the committed file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "clio" / "spec.json"
PACKAGE = "clio-cli==1.0.5"
MEMBER = "openapi_server/openapi/openapi.yaml"

# The list endpoints the sync reads and the emulator serves (``/api/v4/<name>.json``).
ENDPOINTS = ("contacts", "matters", "bills", "line_items", "allocations", "credit_memos", "bank_accounts",
             "bank_transactions", "trust_line_items")
_DEFAULT = re.compile(r"Default: `([^`]+)`")
_RANGE = re.compile(r"range between (\d+) and (\d+)")
_KEPT = ("type", "format", "enum")

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_Base):  # type: ignore[misc, valid-type]
    """A SafeLoader that reads `=` (YAML's ``!!value`` tag) and bare timestamps as plain strings."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))
_SpecLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def read_yaml_bytes(source: Path) -> bytes:
    """The description's bytes, from the sdist tarball or from the extracted YAML file."""
    if source.name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(source) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith(MEMBER)), None)
            if member is None:
                raise SystemExit(f"{source} has no {MEMBER}")
            extracted = tar.extractfile(member)
            assert extracted is not None
            return extracted.read()
    return source.read_bytes()


def _scalar_spec(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: schema[k] for k in _KEPT if k in schema}


class _Schemas:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.all: dict[str, Any] = spec["components"]["schemas"]
        self.nested: dict[str, dict[str, Any]] = {}

    def properties(self, name: str) -> dict[str, Any]:
        """Every property of a schema, through ``allOf`` and ``$ref``."""
        node = self.all[name]
        out: dict[str, Any] = {}
        for part in node.get("allOf", [node]):
            if "$ref" in part:
                out.update(self.properties(part["$ref"].rsplit("/", 1)[-1]))
            else:
                out.update(part.get("properties", {}))
        return out

    def field(self, schema: dict[str, Any]) -> dict[str, Any]:
        """One record field: a plain value's type, or the nested record type it holds (``many`` for arrays)."""
        many = schema.get("type") == "array"
        target = schema["items"] if many else schema
        if "$ref" not in target:
            return _scalar_spec(schema) if not many else {"type": "array", "items": _scalar_spec(target)}
        name = target["$ref"].rsplit("/", 1)[-1]
        nested = name.removesuffix("_base")
        if nested not in self.nested:
            self.nested[nested] = {}  # placed first, so a type that names itself does not recurse
            # One level of nesting: a nested record's own nested records cannot be asked for.
            self.nested[nested] = {k: _scalar_spec(v) for k, v in sorted(self.properties(name).items())
                                   if "$ref" not in v and "$ref" not in v.get("items", {})}
        return {"nested": nested, "many": True} if many else {"nested": nested}

    def record(self, name: str) -> dict[str, Any]:
        return {k: self.field(v) for k, v in sorted(self.properties(name).items())}


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    schema = param.get("schema", {})
    out = _scalar_spec(schema)
    description = param.get("description") or ""
    default = _DEFAULT.search(description)
    if default:
        out["default"] = int(default.group(1)) if schema.get("type") == "integer" else default.group(1)
    bounds = _RANGE.search(description)
    if bounds and schema.get("type") == "integer":
        out["minimum"], out["maximum"] = int(bounds.group(1)), int(bounds.group(2))
    return out


def _query(operation: dict[str, Any]) -> dict[str, Any]:
    return {p["name"]: _parameter(p) for p in sorted(operation.get("parameters", []), key=lambda p: p["name"])
            if p.get("in") == "query"}


def _record_of(operation: dict[str, Any]) -> str:
    content = operation["responses"]["200"]["content"]
    ref = next(iter(content.values()))["schema"]["$ref"].rsplit("/", 1)[-1]
    return ref.removesuffix("_List").removesuffix("_Show")


def extract(text: bytes) -> dict[str, Any]:
    """The compact facts of the description (see the module docstring)."""
    spec = yaml.load(text, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader subclass
    schemas = _Schemas(spec)
    endpoints: dict[str, Any] = {}
    records: dict[str, Any] = {}
    for name in ENDPOINTS:
        listing = spec["paths"][f"/{name}.json"]["get"]
        show = spec["paths"].get(f"/{name}/{{id}}.json", {}).get("get")
        record = _record_of(listing)
        endpoints[name] = {"record": record, "list": _query(listing), "show": _query(show) if show else None}
        records.setdefault(record, schemas.record(record))
    error = schemas.field(schemas.properties("Error")["error"])
    return {
        "source": {"package": PACKAGE, "file": MEMBER, "sha256": hashlib.sha256(text).hexdigest(),
                   "title": spec["info"]["title"], "version": spec["info"]["version"]},
        "endpoints": endpoints,
        "records": records,
        "nested": dict(sorted(schemas.nested.items())),
        "error": error["nested"],
    }


def dumps(value: Any, indent: int = 0) -> str:
    """JSON with one line per field or parameter: compact, and a change shows as a one-line diff."""
    flat = not isinstance(value, dict) or all(not isinstance(v, dict) for v in value.values())
    if flat or not value:
        return json.dumps(value, ensure_ascii=False)
    pad = "  " * (indent + 1)
    items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"


def render(source: Path) -> str:
    return dumps(extract(read_yaml_bytes(source))) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help=f"the {PACKAGE} sdist, or {MEMBER} extracted from it")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from what SOURCE gives")
    args = parser.parse_args(argv)
    text = render(args.source)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from ' + str(args.source)}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} characters) from {args.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
