"""Reliability: with the sandbox's faults at 10%, a batch of 300 creates yields exactly 300 objects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.qbo.client import BatchOp, QboClient

from .conftest import QboEnv, make_env


@pytest.fixture
def qbo_faulty(keychain_profile: str) -> Iterator[QboEnv]:
    yield from make_env(keychain_profile, window_seconds=6.0)


def _names(client: QboClient, prefix: str) -> list[str]:
    return [r["DisplayName"] for r in client.query_all("Customer") if r["DisplayName"].startswith(prefix)]


def test_300_creates_under_ten_percent_faults_make_exactly_300(qbo_faulty: QboEnv) -> None:
    env = qbo_faulty
    client = env.client(window_seconds=6.0)
    env.faults.all_faults(0.10)  # 5xx, drops before and after commit, 429s
    env.faults.set(seed=17)
    ops = [BatchOp(f"c{i:03d}", "create", "Customer", {"DisplayName": f"Faulty {i:03d}"}) for i in range(300)]
    for n in range(10):
        if n in (3, 7):
            env.state.expire_tokens()  # the token runs out in the middle of the push
        chunk = ops[n * 30:(n + 1) * 30]
        results = client.batch(chunk, request_id=f"t-faulty-batch-{n}")
        assert [r.error for r in results] == [None] * 30
    # Single writes too: a dropped answer after commit is retried with the same requestid.
    for i in range(30):
        client.create("Customer", {"DisplayName": f"Faulty single {i:02d}"}, request_id=f"t-faulty-single-{i}")
    injected = dict(env.faults.injected)
    env.faults.clear()
    names = _names(client, "Faulty ")
    assert sorted(n for n in names if not n.startswith("Faulty single")) == [f"Faulty {i:03d}" for i in range(300)]
    assert sorted(n for n in names if n.startswith("Faulty single")) == [f"Faulty single {i:02d}" for i in range(30)]
    assert injected.get("drop_after", 0) + injected.get("drop", 0) >= 1, injected
    assert injected.get("error", 0) >= 1 and injected.get("throttle", 0) >= 1, injected
    assert env.conn.refreshes == 2
    assert env.state.throttled == {"minute": 0, "second": 0, "batch": 0, "concurrent": 0}
