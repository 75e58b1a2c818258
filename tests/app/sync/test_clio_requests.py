"""Every field and query parameter the Clio client sends exists in Clio's description (``app/clio/spec.json``).

Checked twice: statically, from the ``fields=`` strings and the queries the client builds per endpoint; and
on the wire, from every request a real sync (and an incremental one after changes) sends to the emulator,
with Clio's 10,000-record offset ceiling lowered so that bill lines are read in windows and the fallback
paths run too. The checks read the description file directly, not the emulator's verdict.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from app.clio import fields
from app.clio import spec as clio_spec
from app.clio.client import ClioClient
from app.clio.windows import PARENTS
from app.sandbox.runner import Sandbox

from .conftest import make_rig

SINCE = "2026-01-01T00:00:00+00:00"


def problems(url: str) -> list[str]:
    """What a request names that Clio's description does not list: its endpoint, fields or parameters."""
    spec = clio_spec.load()
    parts = urlsplit(url)
    path = parts.path.removeprefix("/api/v4/").removesuffix(".json").split("/")
    if path[0] not in spec.endpoints or len(path) > 2:
        return [f"{parts.path} is not an endpoint Ledgerbridge keeps from the description"]
    endpoint, items = spec.endpoint(path[0]), parse_qsl(parts.query, keep_blank_values=True)
    show = len(path) == 2
    if show and endpoint.show_params is None:
        return [f"Clio documents no single read at {parts.path}"]
    found = endpoint.param_problems(items, show=show)
    for name, value in items:
        if name == "fields":
            found += spec.field_problems(endpoint.name, value)
    return found


def test_every_fields_string_names_only_fields_of_the_record() -> None:
    spec = clio_spec.load()
    for endpoint, text in fields.FIELDS.items():
        assert spec.field_problems(endpoint, text) == [], endpoint
    # The check can fail: the drift this file was made to stop.
    assert spec.field_problems("allocations", "id,status")
    assert spec.field_problems("trust_line_items", "id,description")
    assert spec.field_problems("bills", "id,client{id,no_such_field}")


def test_every_query_the_client_builds_names_only_parameters_of_the_endpoint() -> None:
    client = ClioClient("http://127.0.0.1:9", tokens=None)  # type: ignore[arg-type]  # builds, never sends
    try:
        for endpoint, text in fields.FIELDS.items():
            extra = {"created_since": SINCE, PARENTS[endpoint][1]: 1} if endpoint in PARENTS else {}
            query = client.list_query(endpoint, text, updated_since=SINCE, params=extra)
            url = f"/api/v4/{endpoint}.json?{urlencode(query)}"
            assert problems(url) == [], url
            # A cursor only where the endpoint's order offers id(asc); no order at all on bill lines.
            assert ("order" in query) == clio_spec.load().endpoint(endpoint).cursor
        for parent, _ in PARENTS.values():
            query = client.list_query(parent, "id", updated_since=SINCE)
            assert problems(f"/api/v4/{parent}.json?{urlencode(query)}") == []
    finally:
        client.close()
    assert problems("/api/v4/line_items.json?order=id(asc)")
    assert problems("/api/v4/bills.json?offset=200")
    assert problems("/api/v4/line_items/7.json?fields=id")


def test_a_real_sync_sends_only_what_the_description_lists(tmp_path: Path) -> None:
    with Sandbox("small", clio_rate_limit=0, qbo_limits=False) as sb:
        rig = make_rig(sb, tmp_path / "firm.sqlite3", offset_cap=60)
        sent: list[str] = []
        sb.clio.request_log = sent
        try:
            rig.map_defaults()
            rig.engine.run()
            bill = sb.clio.books.open_bills()[0]
            sb.clio.mutate("edit_bill", {"bill_id": bill, "amount": "150.00"})
            sb.clio.mutate("payment", {"bill_id": bill})
            sb.clio.mutate("new_bill", {})
            rig.engine.run()  # incremental: updated_since on every stream
        finally:
            rig.clio.close()
            rig.qbo.close()
            rig.store.close()
    assert len(sent) > 20
    assert {u: problems(u) for u in sent if problems(u)} == {}
    lines = [u for u in sent if u.startswith("/api/v4/line_items.json")]
    # The lines were read in creation windows, incrementally too, and never with an order.
    assert any("created_since=" in u for u in lines) and any("updated_since=" in u for u in lines)
    assert not [u for u in lines if "order=" in u]
    allocations = [u for u in sent if u.startswith("/api/v4/allocations.json") and "page_token" not in u]
    assert allocations and all("order=id%28asc%29" in u for u in allocations)
