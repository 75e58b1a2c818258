"""Fault switches on the QBO emulator, and requestid de-duplication when an answer is lost."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from app.money import loads_json
from tests.app.sandbox import test_qbo_support as support
from tests.app.sandbox.test_qbo_support import LiveQbo

make_qbo, qbo = support.make_qbo, support.qbo


def count(qbo: LiveQbo, entity: str) -> int:
    return int(qbo.query(f"select count(*) from {entity}")["totalCount"])


def test_error_switch_answers_5xx_with_a_system_fault(qbo: LiveQbo) -> None:
    qbo.switches.set(error_rate=1.0)
    answers = [qbo.post("customer", {"DisplayName": f"E{n}"}) for n in range(2)]
    assert sorted(r.status_code for r in answers) == [500, 503]
    for r in answers:
        assert loads_json(r.text)["Fault"]["Error"][0]["code"] == "10000"
    qbo.switches.clear()
    assert count(qbo, "Customer") == 0  # the handler never ran


def test_drop_switch_cuts_the_connection_before_anything_is_written(qbo: LiveQbo) -> None:
    qbo.switches.set(drop_rate=1.0)
    with pytest.raises(httpx.HTTPError):
        qbo.post("customer", {"DisplayName": "Dropped"})
    qbo.switches.clear()
    assert count(qbo, "Customer") == 0
    assert qbo.switches.injected["drop"] == 1


def test_throttle_burst_then_normal_service(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    qbo.switches.set(throttle_burst=2)
    statuses = [httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(token)) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert "<Error code=\"3001\">" in statuses[0].text


def test_throttle_rate_switch(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    qbo.switches.set(throttle_rate=1.0)
    assert httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(token)).status_code == 429


def test_latency_switch(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    qbo.switches.set(latency=0.3)
    start = time.monotonic()
    assert httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(token)).status_code == 200
    assert time.monotonic() - start >= 0.3


def test_control_endpoint_sets_switches_and_counts_requests(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    for _ in range(3):
        httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(token))
    snap = httpx.post(f"{qbo.url}/_sandbox/faults", json={"throttle_burst": 1}).json()
    assert snap["counts"][f"/v3/company/{qbo.state.realm_id}/preferences"] == 3
    assert snap["throttle_burst"] == 1
    assert httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(token)).status_code == 429
    limits = httpx.post(f"{qbo.url}/_sandbox/limits", json={}).json()
    assert limits["in_flight"] == 0
    tokens = httpx.post(f"{qbo.url}/_sandbox/tokens", json={}).json()
    assert httpx.get(f"{qbo.api}/preferences", headers=qbo.headers(tokens["access_token"])).status_code == 200
    assert httpx.post(f"{qbo.url}/_sandbox/faults", json={"clear": True}).json()["throttle_burst"] == 0


# --- requestid ----------------------------------------------------------------------------------------


def test_requestid_replays_the_first_answer_after_a_dropped_answer(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    body = {"DisplayName": "Exactly Once LLP"}
    qbo.switches.set(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.HTTPError):
        qbo.post("customer", body, token=token, requestid="rid-0001")
    qbo.switches.clear()
    assert count(qbo, "Customer") == 1  # the write happened; only the answer was lost
    again = qbo.post("customer", body, token=token, requestid="rid-0001")
    assert again.status_code == 200
    first_id = loads_json(again.text)["Customer"]["Id"]
    assert count(qbo, "Customer") == 1
    # Without the requestid the same body is a new request, and QuickBooks refuses the duplicate name.
    dup = qbo.post("customer", body, token=token, requestid="rid-0002")
    assert loads_json(dup.text)["Fault"]["Error"][0]["code"] == "6240"
    # The replay is byte for byte the first answer, including a fault.
    assert qbo.post("customer", body, token=token, requestid="rid-0001").text == again.text
    assert qbo.post("customer", {"DisplayName": "Other"}, token=token, requestid="rid-0002").text == dup.text
    assert first_id == "1"


def test_requestid_on_a_batch_replays_the_whole_batch(qbo: LiveQbo) -> None:
    token = qbo.state.issue_tokens()["access_token"]
    items = [{"bId": f"i{n}", "operation": "create", "Vendor": {"DisplayName": f"Batch Vendor {n}"}}
             for n in range(5)]
    qbo.switches.set(drop_after_commit_rate=1.0)
    with pytest.raises(httpx.HTTPError):
        qbo.post("batch", {"BatchItemRequest": items}, token=token, requestid="batch-rid-1")
    qbo.switches.clear()
    r = qbo.post("batch", {"BatchItemRequest": items}, token=token, requestid="batch-rid-1")
    answers = loads_json(r.text)["BatchItemResponse"]
    assert all("Vendor" in a for a in answers)
    assert count(qbo, "Vendor") == 3 + 5


def test_requestid_length_limits(qbo: LiveQbo) -> None:
    long_id = "r" * 51
    r = qbo.post("customer", {"DisplayName": "Long Id"}, requestid=long_id)
    assert loads_json(r.text)["Fault"]["Error"][0]["code"] == "2010"
    r = qbo.post("batch", {"BatchItemRequest": [{"bId": "x", "Query": "select * from Item"}]},
                 requestid="b" * 37)
    assert loads_json(r.text)["Fault"]["Error"][0]["code"] == "2010"


def test_requestid_dedup_under_a_storm_of_faults(make_qbo: Any) -> None:
    """Retrying each write with its own requestid until it answers gives exactly one object per write."""
    live = make_qbo(limits_per_minute=None, batch_per_minute=None, max_concurrent=None, per_second=None)
    token = live.state.issue_tokens()["access_token"]
    live.switches.set(seed=7)
    live.switches.all_faults(0.4)
    with httpx.Client(headers=live.headers(token)) as client:
        for n in range(25):
            for _attempt in range(60):
                try:
                    r = client.post(f"{live.api}/customer", params={"requestid": f"storm-{n}"},
                                    json={"DisplayName": f"Storm Client {n}"})
                except httpx.HTTPError:
                    continue
                if r.status_code == 200:
                    break
            else:
                pytest.fail("a write never got through")
    live.switches.clear()
    assert live.switches.injected["drop_after"] > 0
    assert count(live, "Customer") == 25
