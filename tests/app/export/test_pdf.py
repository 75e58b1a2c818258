"""The PDF report a bar auditor files: what it carries, owner-only, and byte for byte once signed."""

from __future__ import annotations

import base64
import datetime as dt
import re
import stat
import zlib
from pathlib import Path

import pytest

from app.bank import import_statement
from app.export import ExportError, write_pdf
from app.export.pdf_report import write_pdf_for
from app.reconcile import reconcile, sign_off
from app.store import audit
from tests.app.reconcile.firm import ACCOUNT, PERIOD, fill, write_statement


def pdf_text(path: Path) -> str:
    """The text drawn on the pages (reportlab writes its streams ASCII85 + Flate encoded)."""
    data = path.read_bytes()
    out = []
    for head, body in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.strip(), adobe=True)
        if b"FlateDecode" in head:
            body = zlib.decompress(body)
        out.append(body.decode("latin-1"))
    return " ".join(re.findall(r"\((.*?)\) Tj", " ".join(out)))


@pytest.fixture
def firm(store, tmp_path):
    fill(store)
    import_statement(store, write_statement(tmp_path), ACCOUNT)
    return store


def test_the_report_carries_what_an_auditor_reads(firm, tmp_path):
    rec = reconcile(firm, ACCOUNT, PERIOD)
    path = write_pdf(rec, tmp_path / "october.pdf", account_number="4417-307-305", audit_head="ab" * 32)
    assert path.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it names clients and their trust balances
    text = pdf_text(path)
    assert "4417-307-305" not in text and "4417307305" not in text and "7305 Period" in text  # masked
    for expected in ("Bank statement roll-forward", "Opening balance \\(statement\\)", "$13,000.00", "$13,785.25",
                     "Ties once", "Cy Twombly", "Closing balance", "outstanding check", "225 days",
                     "Findings and their resolutions", "Audit chain head", "ab" * 32):
        assert expected in text, expected
    # the same reconciliation gives the same bytes
    again = write_pdf(rec, tmp_path / "again.pdf", account_number="4417-307-305", audit_head="ab" * 32)
    assert again.read_bytes() == path.read_bytes()


def test_a_signed_report_reexports_byte_for_byte_with_its_resolutions(firm, tmp_path):
    open_items = reconcile(firm, ACCOUNT, PERIOD).open_items
    signed = sign_off(firm, ACCOUNT, PERIOD, prepared_by="Pat", reviewed_by="Riley", signed_on=dt.date(2026, 11, 5),
                      note="followed up", resolutions={k: f"resolved {f.code}" for k, f in open_items})
    first = write_pdf_for(firm, signed, tmp_path / "s1.pdf")
    audit.append(firm, actor="pat", action="note", detail="later activity moves the chain's head")
    second = write_pdf_for(firm, reconcile(firm, ACCOUNT, PERIOD), tmp_path / "s2.pdf")
    assert first.read_bytes() == second.read_bytes()
    text = pdf_text(first)
    assert "resolved bank_charge" in text and "Riley" in text and signed.signoff.report_digest in text
    assert signed.audit_head and signed.audit_head in text  # the head recorded at sign-off, not today's


def test_an_unwritable_target_is_a_clear_error(firm, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="No PDF was written"):
        write_pdf(reconcile(firm, ACCOUNT, PERIOD), blocker / "sub" / "r.pdf")
