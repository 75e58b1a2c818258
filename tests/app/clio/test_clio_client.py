"""ClioClient against the Clio emulator over HTTP, tokens in the real keychain."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from app.clio import fields, normalize
from app.clio.errors import ClioAuthError, ClioBadRequest, ClioNotFound

from .conftest import ClioEnv, make_env, short_sleep

NORMALIZERS = {
    "contacts": normalize.to_client,
    "matters": normalize.to_matter,
    "bills": normalize.to_invoice,
    "line_items": normalize.to_invoice_line,
    "allocations": normalize.to_allocation,
    "bank_accounts": normalize.to_bank_account,
    "bank_transactions": normalize.to_trust_txn,
}


def _expected(env: ClioEnv, kind: str) -> set[int]:
    return set(env.sb.clio.books.records[kind])


def pull_all(env: ClioEnv, client) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    return {kind: list(client.iter_records(kind, fields.fields_for(kind), limit=50))
            for kind in fields.FIELDS}


def test_full_pull_every_record_once_and_normalizes(clio: ClioEnv) -> None:
    with clio.client() as client:
        pulled = pull_all(clio, client)
        for kind, records in pulled.items():
            ids = [r["id"] for r in records]
            assert len(ids) == len(set(ids)), kind
            assert set(ids) == _expected(clio, kind), kind
        assert len(pulled["line_items"]) > 50  # more than one page was followed
        for kind, fn in NORMALIZERS.items():
            for raw in pulled[kind]:
                fn(raw)
        bill = normalize.to_invoice(pulled["bills"][0])
        assert type(bill.total) is Decimal
        source = clio.sb.clio.books.records["bills"][bill.id]
        assert bill.total == source["total"] and bill.number == str(source["number"])
        assert all(type(r["total"]) in (Decimal, int) for r in pulled["bills"])
        trust = client.iter_records("bank_transactions", fields.BANK_TRANSACTIONS, params={"type": "liability"})
        assert all(normalize.is_trust_account(r) for r in trust)


def test_updated_since_and_get(clio: ClioEnv) -> None:
    with clio.client() as client:
        newest = max(r["updated_at"] for r in clio.sb.clio.books.records["bills"].values())
        before = {r["id"] for r in client.iter_records("bills", fields.BILLS, updated_since=newest)}
        assert len(before) < len(clio.sb.clio.books.records["bills"])
        new = clio.sb.clio.new_bill()
        after = {r["id"] for r in client.iter_records("bills", fields.BILLS, updated_since=newest)}
        assert new["id"] in after and new["id"] not in before
        one = next(iter(clio.sb.clio.books.records["matters"]))
        assert client.get(f"matters/{one}.json", {"fields": fields.MATTERS})["data"]["id"] == one
        with pytest.raises(ClioNotFound, match="no such record"):
            client.get("matters/1.json")
        with pytest.raises(ClioBadRequest) as bad:
            list(client.iter_records("bills", "id,no_such_field"))
        assert "no_such_field" in bad.value.server_message


def test_expired_token_is_refreshed_once(clio: ClioEnv) -> None:
    with clio.client() as client:
        first = clio.conn.access_token()
        clio.sb.clio.expire_tokens()
        assert list(client.iter_records("bank_accounts", fields.BANK_ACCOUNTS))
        assert clio.conn.refreshes == 1 and clio.conn.access_token() != first
        saved = clio.store.load("clio")
        assert saved is not None and saved.access_token == clio.conn.access_token()
        assert saved.refresh_token  # Clio does not rotate: the one we had is kept


def test_revoked_connection_is_a_typed_error(clio: ClioEnv) -> None:
    with clio.client() as client:
        assert clio.conn.disconnect() is True
        with pytest.raises(ClioAuthError, match="not connected"):
            list(client.iter_records("contacts", fields.CONTACTS))


@pytest.fixture
def clio_limited(keychain_profile: str) -> Iterator[ClioEnv]:
    yield from make_env(keychain_profile, clio_rate_limit=10, window_seconds=1.0)


def test_pacing_uses_the_allowance_without_tripping_it(clio_limited: ClioEnv) -> None:
    env = clio_limited
    with env.client() as client:
        start = time.monotonic()
        while client.requests_made - client.throttled < 45:
            list(client.iter_records("contacts", fields.CONTACTS, limit=200))
        elapsed = time.monotonic() - start
        # 10 a second: 45 answered requests need 4 window ends, and learning the edge costs a few 429s.
        assert 3.0 <= elapsed < 6.5, elapsed
        assert client.throttled <= 6


def test_faults_at_ten_percent_small_firm_every_record_once(clio: ClioEnv) -> None:
    clio.sb.clio_faults.all_faults(0.10)
    clio.sb.clio_faults.set(seed=3)
    expiries = 0
    with clio.client(sleep=short_sleep) as client:
        pulled: dict[str, list[dict]] = {}
        for kind in fields.FIELDS:
            clio.sb.clio.expire_tokens()  # an expiry in the middle of each list
            expiries += 1
            pulled[kind] = list(client.iter_records(kind, fields.fields_for(kind), limit=50))
        injected = Counter(clio.sb.clio_faults.injected)
    for kind, records in pulled.items():
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) and set(ids) == _expected(clio, kind), kind
    assert sum(injected.values()) >= 5 and client.retries > 0
    assert clio.conn.refreshes == expiries


@pytest.fixture
def clio_medium(keychain_profile: str) -> Iterator[ClioEnv]:
    yield from make_env(keychain_profile, "medium", clio_rate_limit=0)


@pytest.mark.slow
def test_faults_at_ten_percent_medium_firm_every_record_once(clio_medium: ClioEnv) -> None:
    env = clio_medium
    env.sb.clio_faults.all_faults(0.10)
    env.sb.clio_faults.set(seed=29)
    with env.client(sleep=short_sleep) as client:
        pulled: dict[str, list[dict]] = {}
        for kind in fields.FIELDS:
            env.sb.clio.expire_tokens()
            pulled[kind] = list(client.iter_records(kind, fields.fields_for(kind)))
    for kind, records in pulled.items():
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) and set(ids) == _expected(env, kind), kind
    assert sum(len(v) for v in pulled.values()) > 35_000
    assert client.retries > 0 and client.throttled > 0
