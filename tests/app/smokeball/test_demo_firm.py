"""The Smokeball demo firm, read through the client from the emulator: it ties as Smokeball keeps it, and the
payment matcher finds from what is published alone what the generator knows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.auth.sandbox_tokens import SandboxTokens
from app.sandbox.httpserver import ServerThread
from app.sandbox.smokeball.demo_firm import demo_firm
from app.sandbox.smokeball.emulator import DEFAULT_API_KEY, SmokeballState, create_smokeball_app
from app.smokeball.client import SmokeballClient, TokenBucket
from app.smokeball.payments import Invoice, Payment, match_payments


def test_the_demo_firm_ties_and_its_payments_are_found_without_links():
    state = SmokeballState(rate=1000, burst=1000)  # the rate is tested elsewhere; here, the data
    truth = demo_firm(state, matters=30, seed=11)
    with ServerThread(create_smokeball_app(state), name="smokeball") as server:
        c = SmokeballClient(server.url, DEFAULT_API_KEY, SandboxTokens(server.url, "issue_token"),
                            bucket=TokenBucket(1000, 1000))
        matters = list(c.records("/matters"))
        invoices = [i for m in matters for i in c.records(f"/matters/{m['id']}/invoices")]
        accounts = c.get("/bankaccounts")["value"]
        txns = {a["id"]: list(c.records(f"/bankaccounts/{a['id']}/transactions")) for a in accounts}
        c.close()
    assert len(matters) == 30 and invoices
    trust = next(a for a in accounts if a["type"] == "Trust")
    # the trust ledgers: matterBalances are the sums of each matter's transactions, never below zero
    per_matter: dict[str, Decimal] = {}
    for t in txns[trust["id"]]:
        if t["matter"]:
            per_matter[t["matter"]["id"]] = per_matter.get(t["matter"]["id"], Decimal(0)) + t["amount"]
    assert {b["matter"]["id"]: b["balance"] for b in trust["matterBalances"]} == per_matter
    assert min(per_matter.values()) >= 0
    kinds = {t["type"] for rows in txns.values() for t in rows}
    assert kinds >= {"Deposit", "VendorPayment", "InvoicePayment", "InvoicePaymentReversal", "BankFees", "Interest"}
    # what the sync would do: match the payments to invoices from the published data alone
    day = dt.date.fromisoformat
    inv = [Invoice(i["id"], i["matterId"], day(i["issuedDate"]), i["invoiceTotals"]["paid"],
                   day(i["paidDate"]) if i.get("paidDate") else None) for i in invoices]
    pays = [Payment(t["id"], t["matter"]["id"], day(t["effectiveDate"]), abs(t["amount"]),
                    reverses=(t.get("reversedFromTransaction") or {}).get("id"))
            for rows in txns.values() for t in rows if t["type"] in ("InvoicePayment", "InvoicePaymentReversal")]
    out = match_payments(inv, pays)
    assert out.reversed == truth.reversed and not out.unexplained
    assert all(truth.paid_by[p] == i for p, i in out.matched.items())  # never a wrong invoice
    assert set(out.matched) | set(out.ambiguous) == set(truth.paid_by)
    assert len(out.matched) >= 0.8 * len(truth.paid_by)  # most have one answer; the rest go to a person
