"""Bill lines past the offset ceiling: creation windows through the real client against the strict emulator.

The ceiling is lowered on both sides (the emulator answers 422 past it, as Clio does past 10,000), so the
small firm's few hundred lines need many windows. Every test reads the whole list and checks that each
line came exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.auth.sandbox_tokens import clio_tokens
from app.clio import fields
from app.clio.client import ClioClient
from app.sandbox.clio.emulator import ClioState, create_clio_app
from app.sandbox.demo_firm import generate_firm
from app.sandbox.httpserver import ServerThread

CAP = 50


@dataclass
class Served:
    state: ClioState
    client: ClioClient

    def lines(self) -> dict[int, dict[str, Any]]:
        return self.state.books.records["line_items"]

    def read(self, **kwargs: Any) -> list[int]:
        return [r["id"] for r in self.client.iter_records("line_items", fields.LINE_ITEMS, limit=20, **kwargs)]

    def line_requests(self) -> list[str]:
        return [u for u in self.state.request_log or [] if u.startswith("/api/v4/line_items.json")]


@pytest.fixture
def served() -> Iterator[Served]:
    state = ClioState(generate_firm("small", 7), rate_limit=0)
    state.offset_cap = CAP
    state.request_log = []
    with ServerThread(create_clio_app(state)) as server:
        client = ClioClient(server.url, clio_tokens(server.url), offset_cap=CAP)
        yield Served(state, client)
        client.close()


def _restamp(served: Served, ids: list[int], stamp: str) -> None:
    for rid in ids:
        served.lines()[rid]["created_at"] = stamp
    served.state.books.generation += 1


def test_windows_read_every_line_once_without_meeting_the_ceiling(served: Served) -> None:
    expected = sorted(served.lines())
    assert len(expected) > 5 * CAP
    assert served.read() == expected  # in id order, each once; a 422 would have raised
    requests = served.line_requests()
    windows = [u for u in requests if "page_token" not in u]
    assert len(windows) >= len(expected) // CAP and all("order=" not in u for u in requests)
    # Each window reads its 50 records in pages of 20, 20, 10 and stops: no request beyond the ceiling.
    assert len(requests) <= len(windows) * 3


def test_an_incremental_read_keeps_updated_since_across_windows(served: Served) -> None:
    lines = served.lines()
    ids = sorted(lines)
    later = "2027-01-01T00:00:00+00:00"
    changed = ids[::3]
    for rid in changed:
        lines[rid]["updated_at"] = later
    served.state.books.generation += 1
    assert served.read(updated_since=later) == changed
    assert all("updated_since=" in u for u in served.line_requests())


def test_lines_sharing_a_timestamp_at_a_window_edge_are_all_read(served: Served) -> None:
    ids = sorted(served.lines())
    edge = served.lines()[ids[CAP - 10]]["created_at"]
    _restamp(served, ids[CAP - 10 : CAP + 25], edge)  # 35 lines, one second, across the first edge
    assert served.read() == ids


def test_more_lines_in_one_second_than_the_ceiling_are_read_bill_by_bill(served: Served) -> None:
    ids = sorted(served.lines())
    burst = ids[2 * CAP : 4 * CAP + 30]  # 130 lines created "at once" (a bulk import), over twice the cap
    _restamp(served, burst, served.lines()[burst[0]]["created_at"])
    assert sorted(served.read()) == ids
    assert any("bill_id=" in u for u in served.line_requests())


def test_lines_out_of_creation_order_fall_back_to_reading_bill_by_bill(served: Served) -> None:
    ids = sorted(served.lines())
    served.lines()[ids[CAP // 2]]["created_at"] = "2001-01-01T00:00:00+00:00"  # older than every other
    served.state.books.generation += 1
    assert sorted(served.read()) == ids
    assert any("bill_id=" in u for u in served.line_requests())


def test_a_window_that_shrinks_while_read_is_read_again(served: Served) -> None:
    """A line deleted mid-window moves the later ones up a place: without a re-read the 21st would be skipped.

    (The deleted line itself was read on the first page, before it went.)"""
    ids = sorted(served.lines())
    gone = ids[5]
    state = served.state

    def delete_after_first_page(request: httpx.Request) -> None:
        if "line_items" in request.url.path and "page_token" in str(request.url) and gone in state.books.records[
                "line_items"]:
            with state.lock:
                del state.books.records["line_items"][gone]
                state.books.generation += 1

    served.client._http.event_hooks["request"].append(delete_after_first_page)
    assert served.read() == ids


def test_a_caller_created_since_is_the_first_windows_lower_bound(served: Served) -> None:
    ids = sorted(served.lines())
    start = served.lines()[ids[len(ids) // 2]]["created_at"]
    got = served.read(params={"created_since": start})
    assert got == [i for i in ids if served.lines()[i]["created_at"] >= start] and got
