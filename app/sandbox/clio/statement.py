"""The trust bank's monthly statement, written as OFX 1.x (SGML) and as a bank's CSV export.

Both are produced from the same list of statement lines, so the two files always agree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from app.money import to_json_str


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: dt.date
    amount: Decimal  # signed: deposits positive
    fitid: str
    name: str
    memo: str
    check_number: str = ""
    reference: str = ""

    @property
    def trntype(self) -> str:
        if self.check_number:
            return "CHECK"
        if self.memo.upper().startswith("INTEREST"):
            return "INT"
        if self.memo.upper().startswith("MONTHLY SERVICE FEE"):
            return "FEE"
        return "CREDIT" if self.amount > 0 else "DEBIT"


@dataclass(frozen=True, slots=True)
class BankStatement:
    bank_id: str
    account_id: str
    start: dt.date
    end: dt.date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]

    @property
    def ending_balance(self) -> Decimal:
        return self.opening_balance + sum((ln.amount for ln in self.lines), Decimal("0"))


def _sgml_text(value: str) -> str:
    # OFX 1.x is SGML: escape the three characters that would open markup, and keep one line per tag.
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(text.split())


def _ofx_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d") + "120000"


def to_ofx(statement: BankStatement) -> str:
    """OFX 1.0.2 SGML, as US banks still export for QuickBooks ("Web Connect")."""
    end = _ofx_date(statement.end)
    out = [
        "OFXHEADER:100",
        "DATA:OFXSGML",
        "VERSION:102",
        "SECURITY:NONE",
        "ENCODING:USASCII",
        "CHARSET:1252",
        "COMPRESSION:NONE",
        "OLDFILEUID:NONE",
        "NEWFILEUID:NONE",
        "",
        "<OFX>",
        "<SIGNONMSGSRSV1>",
        "<SONRS>",
        "<STATUS>",
        "<CODE>0",
        "<SEVERITY>INFO",
        "</STATUS>",
        f"<DTSERVER>{end}",
        "<LANGUAGE>ENG",
        "</SONRS>",
        "</SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1>",
        "<STMTTRNRS>",
        "<TRNUID>1",
        "<STATUS>",
        "<CODE>0",
        "<SEVERITY>INFO",
        "</STATUS>",
        "<STMTRS>",
        "<CURDEF>USD",
        "<BANKACCTFROM>",
        f"<BANKID>{statement.bank_id}",
        f"<ACCTID>{statement.account_id}",
        "<ACCTTYPE>CHECKING",
        "</BANKACCTFROM>",
        "<BANKTRANLIST>",
        f"<DTSTART>{_ofx_date(statement.start)}",
        f"<DTEND>{end}",
    ]
    for line in statement.lines:
        out += [
            "<STMTTRN>",
            f"<TRNTYPE>{line.trntype}",
            f"<DTPOSTED>{_ofx_date(line.date)}",
            f"<TRNAMT>{to_json_str(line.amount)}",
            f"<FITID>{line.fitid}",
        ]
        if line.check_number:
            out.append(f"<CHECKNUM>{line.check_number}")
        if line.reference:
            out.append(f"<REFNUM>{_sgml_text(line.reference)}")
        out.append(f"<NAME>{_sgml_text(line.name)[:32]}")
        out.append(f"<MEMO>{_sgml_text(line.memo)[:255]}")
        out.append("</STMTTRN>")
    out += [
        "</BANKTRANLIST>",
        "<LEDGERBAL>",
        f"<BALAMT>{to_json_str(statement.ending_balance)}",
        f"<DTASOF>{end}",
        "</LEDGERBAL>",
        "<AVAILBAL>",
        f"<BALAMT>{to_json_str(statement.ending_balance)}",
        f"<DTASOF>{end}",
        "</AVAILBAL>",
        "</STMTRS>",
        "</STMTTRNRS>",
        "</BANKMSGSRSV1>",
        "</OFX>",
        "",
    ]
    return "\r\n".join(out)


CSV_DATE_FORMAT = "%m/%d/%Y"
CSV_HEADER = ("Date", "Description", "Check or Reference", "Amount", "Balance")


def to_csv(statement: BankStatement) -> str:
    """The bank's CSV download: one signed amount column, US dates, a running balance."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    balance = statement.opening_balance
    for line in statement.lines:
        balance += line.amount
        writer.writerow(
            (
                line.date.strftime(CSV_DATE_FORMAT),
                line.memo,
                line.check_number or line.reference,
                to_json_str(line.amount),
                to_json_str(balance),
            )
        )
    return buf.getvalue()


def csv_mapping() -> dict[str, object]:
    """How to read `to_csv`'s output: the fields of `app.bank.CsvMapping`."""
    return {
        "delimiter": ",",
        "encoding": "utf-8",
        "skip_rows": 0,
        "has_header": True,
        "date_column": "Date",
        "date_format": CSV_DATE_FORMAT,
        "amount_column": "Amount",
        "debit_column": None,
        "credit_column": None,
        "type_column": None,
        "decimal_comma": False,
        "description_column": "Description",
        "reference_column": "Check or Reference",
        "balance_column": "Balance",
    }
