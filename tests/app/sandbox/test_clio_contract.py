"""Contract: the Clio emulator's records and answers are shaped as Clio's published description says.

The description's facts live in ``app/clio/spec.json`` (written by ``scripts/clio_spec.py`` from the
``clio-cli==1.0.5`` sdist; the tests never download anything). Every field of every record the emulator
serves must be one the description lists, of the type, format and enum it gives (or null: Clio sends null
for an empty attribute); ``id`` and ``etag`` are never null; errors carry the description's error fields.

When the description itself is at hand (``CLIO_SPEC_SOURCE`` names the sdist or the extracted YAML), a last
test checks that the committed file is exactly what the script makes of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.clio import spec as clio_spec
from app.sandbox.demo_firm import generate_firm

from .conftest import ClioServer

ROOT = Path(__file__).resolve().parents[3]
ENDPOINTS = tuple(clio_spec.load().endpoints)
_TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "number": (int, Decimal), "string": (str,),
                                       "boolean": (bool,), "array": (list,)}


def value_problem(where: str, value: Any, field: Mapping[str, Any]) -> str:
    """Why ``value`` does not fit a plain field of the description ("" when it does; null always fits)."""
    if value is None:
        return ""
    kind = field.get("type", "string")
    if not isinstance(value, _TYPES.get(kind, (object,))) or (kind in ("integer", "number")
                                                               and isinstance(value, bool)):
        return f"{where}: {value!r} is not a {kind}"
    if field.get("enum") and value not in field["enum"]:
        return f"{where}: {value!r} is not one of {field['enum']}"
    try:
        if field.get("format") == "date":
            dt.date.fromisoformat(str(value))
        elif field.get("format") == "date-time":
            clio_spec.parse_time(str(value))
    except ValueError:
        return f"{where}: {value!r} is not a {field['format']}"
    return ""


def record_problems(endpoint: str, record: Mapping[str, Any], asked: Mapping[str, list[str] | None]) -> list[str]:
    """What in one served record differs from the description, for a ``fields=`` that asked ``asked``."""
    spec = clio_spec.load()
    found = [f"{endpoint}: fields {sorted(set(record) ^ set(asked))} asked or served, not both"] \
        if set(record) != set(asked) else []
    if record.get("id") is None or record.get("etag") is None:
        found.append(f"{endpoint}: id and etag are never null")
    for name, value in record.items():
        field = spec.field_type(endpoint, name) if name in asked else {}
        if "nested" not in field:
            found.append(value_problem(f"{endpoint}.{name}", value, field))
            continue
        items = value if field.get("many") and isinstance(value, list) else [value]
        for item in items:
            if item is not None and (not isinstance(item, dict) or set(item) != set(asked[name] or ["id"])):
                found.append(f"{endpoint}.{name}: {item!r} is not the nested record asked for")
                continue
            for sub, sub_value in (item or {}).items():
                found.append(value_problem(f"{endpoint}.{name}.{sub}", sub_value, spec.field_type(endpoint, name, sub)))
    return [p for p in found if p]


def every_field(endpoint: str) -> tuple[str, dict[str, list[str] | None]]:
    """A ``fields=`` naming every field of the record, each nested record with every one of its fields."""
    allowed = clio_spec.load().allowed_fields(endpoint)
    asked = {name: sorted(nested) if nested else None for name, nested in sorted(allowed.items())}
    text = ",".join(f"{n}{{{','.join(subs)}}}" if subs else n for n, subs in asked.items())
    return text, asked


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_and_show_answers_fit_clios_description(clio: ClioServer, endpoint: str) -> None:
    text, asked = every_field(endpoint)
    listed = clio.json(f"/api/v4/{endpoint}.json", fields=text, limit=200)
    assert listed["data"] and set(listed["meta"]) == {"paging", "records"}
    assert [p for r in listed["data"] for p in record_problems(endpoint, r, asked)] == []
    first = listed["data"][0]["id"]
    shown = clio.get(f"/api/v4/{endpoint}/{first}.json", fields=text)
    if clio_spec.load().endpoint(endpoint).show_params is None:
        assert shown.status_code == 404  # Clio documents no single read here (bill lines, trust lines)
    else:
        assert record_problems(endpoint, clio.json(f"/api/v4/{endpoint}/{first}.json", fields=text)["data"],
                               asked) == []
    bad = clio.get(f"/api/v4/{endpoint}.json", fields="id,not_a_field")
    assert bad.status_code == 400
    error = bad.json()
    assert set(error) == {"error"} and set(error["error"]) == clio_spec.load().error_fields
    assert all(isinstance(v, str) and v for v in error["error"].values())


def test_the_demo_firms_records_carry_only_the_descriptions_fields() -> None:
    firm = generate_firm("small", 7)
    spec = clio_spec.load()
    for endpoint, records in firm.records.items():
        allowed = spec.allowed_fields(endpoint)
        for record in records:
            assert set(record) <= set(allowed), (endpoint, sorted(set(record) - set(allowed)))
            for name, nested in allowed.items():
                value = record.get(name)
                for item in (value if isinstance(value, list) else [value]) if nested is not None else ():
                    assert not isinstance(item, dict) or set(item) <= (nested or set()), (endpoint, name, item)


def test_the_shape_check_catches_a_wrong_record() -> None:
    """The checks above can fail: a string id, a state outside the enum, a bad date, a field not asked for."""
    asked: dict[str, list[str] | None] = {"id": None, "etag": None, "state": None, "issued_at": None,
                                          "client": ["id", "name"]}
    good = {"id": 7, "etag": '"x"', "state": "paid", "issued_at": "2026-10-01", "client": {"id": 1, "name": "A"}}
    assert record_problems("bills", good, asked) == []
    for wrong in ({"id": "7"}, {"state": "half_paid"}, {"issued_at": "31/10/2026"}, {"etag": None},
                  {"client": {"id": 1}}, {"client": {"id": "1", "name": "A"}}, {"number": "1001"}):
        assert record_problems("bills", {**good, **wrong}, asked), wrong


def test_the_committed_file_is_what_the_script_makes_of_the_description() -> None:
    source = os.environ.get("CLIO_SPEC_SOURCE", "")
    if not source or not Path(source).exists():
        pytest.skip("CLIO_SPEC_SOURCE does not name the clio-cli 1.0.5 sdist or its openapi.yaml here; "
                    "the committed app/clio/spec.json records the SHA-256 of the YAML it came from")
    loader = importlib.util.spec_from_file_location("clio_spec_script", ROOT / "scripts" / "clio_spec.py")
    assert loader is not None and loader.loader is not None
    script = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(script)
    text = script.read_yaml_bytes(Path(source))
    assert hashlib.sha256(text).hexdigest() == clio_spec.load().source["sha256"]
    assert script.render(Path(source)) == (ROOT / "app" / "clio" / "spec.json").read_text(encoding="utf-8")
