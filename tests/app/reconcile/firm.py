"""A small trust account in Clio's shape, with every reconciling item planted, and its bank statement.

Figures (period 2026-10): bank opening 13,000.00, statement ending 13,785.25; trust journal 13,538.67;
deposits in transit 1,550.00 (one late); outstanding checks 1,061.33 (one stale, from March); bank-only
items 735.25 (fee -25.00, unidentified deposit 758.88, interest 1.37); client ledgers Ada 9,438.67,
Bob 5,250.00, Cy -1,250.00 (negative), and 100.00 naming no client.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from app.money import dumps_json
from app.store import Store

ACCOUNT = "IOLTA Trust"
ACCOUNT_ID = 7001
PERIOD = "2026-10"

CLIENTS = {1001: "Ada Lovelace", 1002: "Bob Marley", 1003: "Cy Twombly"}
MATTERS = {2001: (1001, "0001-Lovelace"), 2002: (1002, "0002-Marley"), 2003: (1003, "0003-Twombly")}

# id, date, amount (signed), matter or None, description, confirmation
ENTRIES = [
    (8001, "2026-03-02", "10000.00", 2001, "Retainer deposit", "DEP-1"),
    (8002, "2026-03-20", "-661.33", 2001, "Disbursement to County Recorder", "5002"),  # stale: never clears
    (8003, "2026-09-15", "3000.00", 2002, "Retainer deposit", "DEP-2"),
    (8004, "2026-09-28", "-500.00", 2002, "Disbursement to Expert", "5003"),  # clears 2026-10-02
    (8005, "2026-10-05", "1200.00", 2003, "Settlement share 1", ""),  # with 8006: one bank deposit
    (8006, "2026-10-05", "800.00", 2003, "Settlement share 2", ""),
    (8007, "2026-10-09", "-1250.00", 2001, "Disbursement to Court", "5004"),
    (8008, "2026-10-14", "2500.00", 2002, "Wire from buyer", "WX7781"),
    (8009, "2026-10-20", "-3250.00", 2003, "Payment to lien holder", ""),  # overdraws Cy
    (8010, "2026-10-27", "-400.00", 2002, "Disbursement to Process server", "5005"),  # outstanding
    (8011, "2026-10-30", "900.00", 2001, "Retainer top-up", ""),  # in transit
    (8012, "2026-10-20", "100.00", None, "Deposit - unknown matter", ""),
    (8013, "2026-10-23", "450.00", 2001, "Retainer top-up", ""),
    (8014, "2026-10-21", "650.00", 2002, "Retainer top-up", ""),  # in transit for 7 business days
]

STATEMENT_LINES = [
    ("20261002", "-500.00", "F01", "CHECK", "", "5003"),
    ("20261006", "2000.00", "F02", "DEPOSIT", "", ""),
    ("20261013", "-1250.00", "F03", "CHECK", "", "5004"),
    ("20261014", "2500.00", "F04", "WIRE IN", "REF WX7781 BUYER", ""),
    ("20261020", "758.88", "F05", "DEPOSIT", "BRANCH 0412", ""),
    ("20261021", "-3250.00", "F06", "WITHDRAWAL", "Lien payoff", ""),
    ("20261022", "100.00", "F07", "DEPOSIT", "", ""),
    ("20261023", "450.00", "F08", "DEPOSIT", "", ""),
    ("20261031", "-25.00", "F09", "SERVICE CHARGE", "", ""),
    ("20261031", "1.37", "F10", "INTEREST PAID", "", ""),
]
ENDING = Decimal("13785.25")


def entry_json(entry_id: int, date: str, amount: str, matter: int | None, description: str, confirmation: str,
               account_id: int = ACCOUNT_ID) -> dict:
    value = Decimal(amount)
    client = MATTERS[matter][0] if matter else None
    return {
        "id": entry_id,
        "etag": f'"{entry_id}-1"',
        "date": date,
        "funds_in": str(value) if value > 0 else "0.00",
        "funds_out": str(-value) if value < 0 else "0.00",
        "amount": str(value),
        "confirmation": confirmation,
        "description": description,
        "transaction_type": "Deposit" if value > 0 else "Disbursement",
        "bank_account": {"id": account_id, "type": "Trust", "name": ACCOUNT},
        "client": {"id": client, "name": CLIENTS[client]} if client else None,
        "matter": {"id": matter, "display_number": MATTERS[matter][1]} if matter else None,
        "bill": None,
        "allocation": None,
        "updated_at": f"{date}T09:00:00Z",
    }


def put(store: Store, kind: str, records: list[dict]) -> None:
    """Write raw records as the sync's pull stores them in clio_records."""
    with store.transaction() as conn:
        for raw in records:
            ref = raw.get("bank_account")
            conn.execute(
                "INSERT OR REPLACE INTO clio_records (kind, clio_id, etag, raw, pulled_at, bank_account_id, date) "
                "VALUES (?,?,?,?,?,?,?)",
                (kind, raw["id"], raw.get("etag", ""), dumps_json(raw), "2026-11-01T00:00:00Z",
                 ref.get("id") if isinstance(ref, dict) else None, raw.get("date")),
            )


def fill(store: Store, entries=ENTRIES) -> None:
    put(store, "bank_accounts", [
        {"id": 7000, "etag": '"a"', "name": "Operating", "type": "Operating", "currency": "USD", "balance": "0"},
        {"id": ACCOUNT_ID, "etag": '"b"', "name": ACCOUNT, "type": "Trust", "currency": "USD", "balance": "0"},
    ])
    put(store, "contacts", [{"id": k, "etag": '"c"', "name": v, "type": "Person"} for k, v in CLIENTS.items()])
    put(store, "matters", [
        {"id": k, "etag": '"m"', "display_number": label, "client": {"id": client, "name": CLIENTS[client]},
         "status": "Open"}
        for k, (client, label) in MATTERS.items()
    ])
    put(store, "bank_transactions", [entry_json(*e) for e in entries])
    # A transaction on the operating account must not reach the trust reconciliation.
    put(store, "bank_transactions", [entry_json(9001, "2026-10-10", "777.00", 2001, "Fees", "", account_id=7000)])


def statement_ofx(lines=STATEMENT_LINES, ending: Decimal = ENDING, start: str = "20261001", end: str = "20261031") -> str:
    body = "".join(
        f"<STMTTRN><TRNTYPE>OTHER<DTPOSTED>{d}<TRNAMT>{a}<FITID>{f}<NAME>{n}"
        + (f"<MEMO>{m}" if m else "") + (f"<CHECKNUM>{c}" if c else "") + "</STMTTRN>\n"
        for d, a, f, n, m, c in lines
    )
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
        "<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>42<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
        f"<BANKTRANLIST><DTSTART>{start}<DTEND>{end}\n" + body + "</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{ending}<DTASOF>{end}</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )


def write_statement(tmp: Path, name: str = "october.ofx", **kwargs) -> Path:
    path = tmp / name
    path.write_text(statement_ofx(**kwargs), encoding="cp1252")
    return path
