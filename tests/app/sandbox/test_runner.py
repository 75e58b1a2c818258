"""The runner starts both emulators with one demo firm, and `ledgerbridge sandbox` serves them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.money import loads_json
from app.sandbox.demo_firm import generate_firm
from app.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[3]


def test_sandbox_serves_clio_and_quickbooks_with_the_same_firm() -> None:
    firm = generate_firm("small", 7)
    with Sandbox(firm, clio_rate_limit=0, qbo_limits=False, window_seconds=5) as sb:
        assert sb.firm is firm and sb.clio.firm is firm
        assert sb.clio_url.startswith("http://127.0.0.1:") and sb.qbo_url.startswith("http://127.0.0.1:")
        clio_token = sb.clio.issue_token()["access_token"]
        contacts = httpx.get(f"{sb.clio_url}/api/v4/contacts.json", params={"fields": "id,name"},
                             headers={"Authorization": f"Bearer {clio_token}"})
        assert contacts.status_code == 200
        assert {c["id"] for c in loads_json(contacts.text)["data"]} == set(firm.books.records["contacts"])

        assert httpx.get(sb.qbo_discovery_url).status_code == 200
        qbo_token = sb.qbo.issue_tokens()["access_token"]
        answer = httpx.get(
            f"{sb.qbo_url}/v3/company/{sb.realm_id}/query",
            params={"query": "select * from Customer", "minorversion": "75"},
            headers={"Authorization": f"Bearer {qbo_token}", "Accept": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        names = {c["DisplayName"] for c in loads_json(answer.text)["QueryResponse"].get("Customer", [])}
        assert {c["DisplayName"] for c in firm.qbo_customers} <= names
        assert sb.clio_client_id and sb.clio_client_secret and sb.qbo_client_id and sb.qbo_client_secret
        clio_url, qbo_url = sb.clio_url, sb.qbo_url
    for url in (clio_url, qbo_url):
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)


def test_sandbox_keeps_clios_rate_limit_by_default() -> None:
    with Sandbox("small", window_seconds=30) as sb:
        token = sb.clio.issue_token()["access_token"]
        answer = httpx.get(f"{sb.clio_url}/api/v4/matters.json", headers={"Authorization": f"Bearer {token}"})
        assert answer.headers["x-ratelimit-limit"] == "50"


def test_cli_prints_both_addresses_and_stops_on_interrupt() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "sandbox", "--firm", "medium", "--seed", "7"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first, second = proc.stdout.readline(), proc.stdout.readline()  # type: ignore[union-attr]
        assert re.fullmatch(r"Clio sandbox: http://127\.0\.0\.1:\d+\n", first), first
        assert re.fullmatch(r"QuickBooks sandbox: http://127\.0\.0\.1:\d+\n", second), second
        qbo_url = second.split(": ", 1)[1].strip()
        assert httpx.get(f"{qbo_url}/.well-known/openid_configuration").status_code == 200
        proc.send_signal(signal.SIGINT)
        # it stops in about a second; the margin is for a machine busy with other work (seen: over 20 s
        # while two benchmarks ran beside the suite on 2 cores)
        stdout, _ = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert stdout == ""  # exactly the two lines, nothing more
