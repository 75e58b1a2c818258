"""Write ``app/smokeball/spec.json``: the facts Ledgerbridge needs from Smokeball's own OpenAPI file (the read
endpoints it uses, each one's query parameters with their types, the response envelope, and the fields of the
records it reads), so the client and the sandbox's emulator are both held to what Smokeball publishes.

    python scripts/smokeball_spec.py path/to/swagger.json   # smokeballdev/api-docs, reference/swagger.json

The spec file itself (the vendor's) is never committed; only these facts, with the SHA-256 of the file they
came from.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ENDPOINTS = (
    "/contacts", "/contacts/{id}", "/matters", "/matters/{matterId}", "/matters/{matterId}/invoices",
    "/matters/{matterId}/invoices/{invoiceId}", "/matters/{matterId}/fees", "/matters/{matterId}/expenses",
    "/bankaccounts", "/bankaccounts/{id}", "/bankaccounts/{bankAccountId}/transactions",
    "/bankaccounts/{id}/matter-balances",
)
RECORDS = ("Contact", "Matter", "Invoice", "Fee", "Expense", "BankAccount", "Transaction",
           "BankAccountMatterBalance", "InvoiceTotals", "Link")
OUT = Path(__file__).resolve().parents[1] / "app" / "smokeball" / "spec.json"


def _schema_name(ref: dict[str, Any]) -> str:
    return str(ref.get("$ref", "")).rsplit("/", 1)[-1]


def _possible_values(description: str) -> list[str]:
    """The names after "Possible values:" in a field's description ("Draft = 0, Final = 1" gives Draft, Final)."""
    _, found, rest = description.partition("Possible values:")
    if not found:
        return []
    names = []
    for part in rest.replace(" or ", ",").replace("\r", " ").replace("\n", " ").split(","):
        # every capitalised word: the file itself drops a comma ("VendorPaymentReversal Transfer")
        names += [w for w in part.replace(".", " ").split() if w[:1].isalpha() and w[:1].isupper()]
    return names


def extract(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    endpoints = {}
    for path in ENDPOINTS:
        get = doc["paths"][path]["get"]
        query = {}
        for p in get.get("parameters", []):
            if p.get("in") == "query":
                schema = p.get("schema", {})
                kind = schema.get("type", "string")
                if kind == "array":
                    kind = f"array of {schema.get('items', {}).get('type', 'string')}"
                query[p["name"]] = {"type": kind, **({"maximum": schema["maximum"]} if "maximum" in schema else {}),
                                    **({"minimum": schema["minimum"]} if "minimum" in schema else {})}
        ok = get["responses"]["200"]["content"]
        body = next(iter(ok.values()))["schema"]
        endpoints[path] = {"query": query, "response": _schema_name(body)}
    records = {name: sorted(schemas[name].get("properties", {})) for name in RECORDS if name in schemas}
    paged = sorted(schemas["ContactPagedCollection"].get("properties", {}))
    enums = {}
    for name in RECORDS:  # the values a record's field may take, as the file declares them (integers or names)
        for field, prop in schemas.get(name, {}).get("properties", {}).items():
            refs = [prop, *prop.get("allOf", [])]
            target = next((schemas[_schema_name(r)] for r in refs if "$ref" in r), prop)
            described = _possible_values(str(prop.get("description", "")))
            if "enum" in target or described:
                enums[f"{name}.{field}"] = {"wire": target.get("type", "string"), "enum": target.get("enum", []),
                                            "described": described}
    security = sorted(doc["components"].get("securitySchemes", {}).items())
    return {"endpoints": endpoints, "records": records, "paged_envelope": paged, "enums": enums,
            "headers": {name: s.get("name") for name, s in security}}


def main(argv: list[str]) -> int:
    source = Path(argv[1])
    data = source.read_bytes()
    facts = extract(json.loads(data))
    facts["source"] = {"file": "smokeballdev/api-docs reference/swagger.json",
                       "sha256": hashlib.sha256(data).hexdigest()}
    OUT.write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(facts['endpoints'])} endpoints, {len(facts['records'])} records)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
