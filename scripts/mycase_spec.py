"""Write ``app/mycase/spec.json``: the facts Ledgerbridge needs from MyCase's own API reference (its Stoplight
export, one OpenAPI file per resource): the read endpoints it uses, each one's query parameters with their
types, defaults and ranges, the paging headers, and the fields of the records it reads, so the client and the
sandbox's emulator are both held to what MyCase publishes.

    python scripts/mycase_spec.py DIR   # the files of RosenAdvertising/mycase-mcp @ e73849c, vendor/api-specs/

MyCase's files are never committed; only these facts, with the SHA-256 of each file they came from.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

# resource file → the GET paths the sync reads from it
FILES = {
    "Clients.json": ("/v1/clients",),
    "Companies.json": ("/v1/companies",),
    "Cases.json": ("/v1/cases",),
    "Invoices.json": ("/v1/invoices",),
    "InvoicePayments.json": ("/v1/invoice_payments",),
    "TimeEntries.json": ("/v1/time_entries",),
    "Expenses.json": ("/v1/expenses",),
}
OUT = Path(__file__).resolve().parents[1] / "app" / "mycase" / "spec.json"


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = doc
    for part in str(ref).lstrip("#/").split("/"):
        target = target[part]
    return _resolve(doc, target)


def _parameter(doc: dict[str, Any], raw: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    p = _resolve(doc, raw)
    if p.get("in") != "query":
        return None
    schema = p.get("schema", {})
    rule: dict[str, Any] = {"type": schema.get("type", "string")}
    for key in ("minimum", "maximum", "default", "enum"):
        if key in schema:
            rule[key] = schema[key]
    return str(p["name"]), rule


def extract(doc: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    endpoints = {}
    for path in paths:
        get = doc["paths"][path]["get"]
        query = dict(filter(None, (_parameter(doc, p) for p in get.get("parameters", []))))
        ok = get["responses"]["200"]
        body = _resolve(doc, ok["content"]["application/json"]["schema"])
        items = _resolve(doc, body.get("items", body))
        headers = sorted(ok.get("headers", {}))
        endpoints[path.removeprefix("/v1")] = {
            "query": query, "paged": body.get("type") == "array", "headers": headers,
            "fields": sorted(items.get("properties", {})),
        }
    return endpoints


def main(argv: list[str]) -> int:
    folder = Path(argv[1])
    facts: dict[str, Any] = {"endpoints": {}, "source": {"repository": "RosenAdvertising/mycase-mcp",
                                                          "commit": "e73849c", "folder": "vendor/api-specs",
                                                          "files": {}}}
    for name, paths in FILES.items():
        data = (folder / name).read_bytes()
        doc = json.loads(data)
        facts["endpoints"].update(extract(doc, paths))
        facts["source"]["files"][name] = hashlib.sha256(data).hexdigest()
        servers = [s.get("url") for s in doc.get("servers", [])]
        facts.setdefault("servers", sorted(set(servers)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(facts['endpoints'])} endpoints)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
