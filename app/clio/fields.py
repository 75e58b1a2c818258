"""The ``fields=`` string Ledgerbridge asks Clio for, per list endpoint.

Clio returns only ``id,etag`` unless told otherwise, and answers 400 to an unknown field, so each string
names exactly what the sync and the reconciliation read (see ``app.clio.normalize``) and nothing more, and
only fields Clio's description lists (``app/clio/spec.json``; a test checks every entry against it).
Nesting is one level deep: ``client{id,name}``. An allocation has no ``status`` (a voided one carries
``voided_at``); a trust line item's text is its ``note``; a trust request bill is told by its ``kind``.
Bill lines carry ``created_at``: without a cursor, they are read in creation windows (``app.clio.windows``).
"""

from __future__ import annotations

CONTACTS = "id,etag,name,first_name,last_name,type,primary_email_address,updated_at"

MATTERS = "id,etag,display_number,description,status,client{id,name},practice_area{id,name},updated_at"

BILLS = (
    "id,etag,number,state,kind,issued_at,due_at,total,paid,balance,"
    "client{id,name},matters{id,display_number},updated_at"
)

LINE_ITEMS = (
    "id,etag,description,kind,quantity,price,total,discount{rate,type},date,bill{id},matter{id},created_at,"
    "updated_at"
)

ALLOCATIONS = (
    "id,etag,amount,date,voided_at,bill{id},parent{id,type},"
    "source_bank_account{id,type},destination_bank_account{id,type},matter{id},contact{id},updated_at"
)

CREDIT_MEMOS = "id,etag,amount,date,description,voided_at,contact{id},updated_at"

BANK_ACCOUNTS = "id,etag,name,type,currency,balance,account_number,default_account,updated_at"

BANK_TRANSACTIONS = (
    "id,etag,date,funds_in,funds_out,current_account_balance,confirmation,description,source,"
    "transaction_type,bank_account{id,type},client{id},matter{id},bill{id},allocation{id},updated_at"
)

TRUST_LINE_ITEMS = "id,etag,date,note,total,bill{id},matter{id},client{id},updated_at"

# Endpoint name (as used for ``clio_records.kind`` and in ``/api/v4/<name>.json``) → fields. Which of them the
# sync reads, and in what order, is ``app.sync.clio_books.STREAMS``.
FIELDS: dict[str, str] = {
    "contacts": CONTACTS,
    "matters": MATTERS,
    "bills": BILLS,
    "line_items": LINE_ITEMS,
    "allocations": ALLOCATIONS,
    "credit_memos": CREDIT_MEMOS,
    "bank_accounts": BANK_ACCOUNTS,
    "bank_transactions": BANK_TRANSACTIONS,
    "trust_line_items": TRUST_LINE_ITEMS,
}

def fields_for(endpoint: str) -> str:
    """The fields string for ``endpoint``; a KeyError names an endpoint the sync never reads."""
    return FIELDS[endpoint]
