"""A tolerant reader of OFX 1.x (SGML), OFX 2.x (XML), QFX and QBO (Web Connect) bank statements.

Why our own reader rather than a library: the files real banks send break the spec in ways the strict
parsers refuse (leaf tags never closed, aggregates left open, comma decimals, odd CHARSET labels, cp1252
bytes in a "UTF-8" file), the maintained choices either validate strictly or raise a spread of exception
types we would have to catch blindly, and a small reader written here is MIT like the app, adds nothing to
the bundle, and raises only :class:`StatementError` with the file and line.

The reader tokenizes tags and text, keeps a stack of open aggregates (closing any that a closing tag or a
repeated sibling implies), and reads each ``STMTTRN`` into a :class:`BankLine`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from app.bank.errors import StatementError, StatementWarning
from app.bank.fingerprint import dedupe_keys
from app.bank.statement import Statement
from app.bank.textio import decode
from app.errors import MoneyError
from app.model import BankLine
from app.money import cents, parse_amount

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)[ \t\r\n]*/?>")
# Constructs that run to a terminator: (opening, closing, what it is). Each terminator is looked for once,
# from where its construct opens, so the reader stays linear however many are left unclosed.
_SPANS = (("<!--", "-->", "comment"), ("<![CDATA[", "]]>", "CDATA section"), ("<?", "?>", "processing instruction"))
MAX_DEPTH = 64  # real statements nest about ten levels
_HEADER_FIELD = re.compile(r"^\s*([A-Z][A-Z0-9]*)\s*:\s*(.*?)\s*$", re.M)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)[\"']", re.I)


@dataclass
class _Node:
    name: str
    line: int
    text: str | None = None
    children: list[_Node] = field(default_factory=list)

    def find(self, name: str) -> _Node | None:
        for child in self.children:
            if child.name == name:
                return child
        return None

    def value(self, name: str) -> tuple[str, int] | None:
        child = self.find(name)
        if child is None or child.text is None:
            return None
        return child.text, child.line

    def walk(self) -> Iterator[_Node]:
        """Every node in document order (iteratively: a hostile file cannot exhaust the call stack)."""
        todo = [self]
        while todo:
            node = todo.pop()
            yield node
            todo.extend(reversed(node.children))


def looks_like_ofx(data: bytes) -> bool:
    head = data[:4096].upper()
    return b"<OFX" in head or b"OFXHEADER" in head or b"<STMTTRN" in data.upper()


def _declared_charset(data: bytes) -> str:
    """The charset an OFX 1.x header (CHARSET, else ENCODING) or an XML declaration names."""
    head = data[:2048]
    m = _XML_ENCODING.search(head)
    if m:
        return m.group(1).decode("ascii", "replace")
    fields = {k: v for k, v in _HEADER_FIELD.findall(head.split(b"<", 1)[0].decode("latin-1"))}
    charset = fields.get("CHARSET", "").strip()
    encoding = fields.get("ENCODING", "").strip()
    if encoding.upper().replace("-", "") in ("UTF8", "UNICODE"):
        return "utf-8"
    if charset and charset.upper() != "NONE":
        return charset
    return encoding


def _tokens(text: str) -> Iterator[tuple[int, int, str, str | None, str | None]]:
    """(start, end, "/" or "", tag name or None, CDATA text or None) of each markup construct, in one pass:
    a "<" that opens nothing known, or a construct never closed, is text (as before: a sloppy file still
    reads). A terminator once found absent after some point is not looked for again after it."""
    absent_from: dict[str, int] = {}
    pos = text.find("<")
    while pos != -1:
        end = pos + 1
        for opening, closing_mark, what in _SPANS:
            if text.startswith(opening, pos):
                stop = -1 if pos >= absent_from.get(closing_mark, len(text) + 1) else \
                    text.find(closing_mark, pos + len(opening))
                if stop == -1:
                    absent_from[closing_mark] = min(pos, absent_from.get(closing_mark, pos))
                    break  # never closed: text
                end = stop + len(closing_mark)
                body = text[pos + len(opening):stop] if what == "CDATA section" else None
                yield pos, end, "", None, body
                break
        else:
            m = _TAG.match(text, pos)
            if m is not None:  # else a lone "<": part of the text around it
                end = m.end()
                yield pos, end, m.group(1), m.group(2), None
        pos = text.find("<", end)


def _parse_tree(text: str, file: str, warnings: list[StatementWarning]) -> _Node:
    root = _Node("#root", 1)
    stack = [root]
    pending: _Node | None = None  # a tag whose content we have not yet seen
    pos = 0
    line = 1

    def advance(to: int) -> None:
        nonlocal pos, line
        line += text.count("\n", pos, to)
        pos = to

    for start, end, closing, name, cdata in _tokens(text):
        gap = text[pos:start]
        gap_line = line
        advance(start)
        if gap.strip() and pending is not None:
            pending.text = html.unescape(gap.strip())
            pending = None
        elif gap.strip() and stack[-1] is not root:
            warnings.append(StatementWarning(file, gap_line, f"ignored stray text {gap.strip()[:30]!r}"))
        if cdata is not None:
            if pending is not None:
                pending.text = cdata.strip()
                pending = None
            advance(end)
            continue
        if name is None:  # processing instruction or comment
            advance(end)
            continue
        name = name.upper()
        tag_line = line
        advance(end)
        if closing:
            if pending is not None and pending.name == name:
                pending.text = pending.text or ""
                pending = None
                continue
            pending = None
            names = [n.name for n in stack]
            if name in names[1:]:
                while stack[-1].name != name:
                    stack.pop()
                stack.pop()
            continue
        if pending is not None:
            # The previous tag had no text before this one: it was an aggregate, so open it.
            stack.append(pending)
            pending = None
        # A tag already open as an ancestor cannot nest inside itself in OFX: its closing tag was left out.
        names = [n.name for n in stack]
        if name in names[1:]:
            while stack[-1].name != name:
                stack.pop()
            stack.pop()
        if len(stack) > MAX_DEPTH:
            raise StatementError(file, tag_line, f"an OFX document nested at most {MAX_DEPTH} levels deep")
        node = _Node(name, tag_line)
        stack[-1].children.append(node)
        pending = node
    tail = text[pos:]
    if tail.strip() and pending is not None:
        pending.text = html.unescape(tail.strip())
    return root


_DATE = re.compile(r"^\s*(\d{4})-?(\d{2})-?(\d{2})")


def parse_ofx_date(value: str, file: str, line: int, what: str) -> dt.date:
    """``20261005``, ``20261005120000``, ``20261005120000.000[-5:EST]``: the calendar date the bank wrote."""
    m = _DATE.match(value)
    if not m:
        raise StatementError(file, line, f"a date like 20261005 in {what}", found=repr(value[:40]))
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise StatementError(file, line, f"a real calendar date in {what}", found=repr(value[:40])) from None


def header_date(value: str, file: str, line: int, tag: str, txn_dates: list[dt.date],
                warnings: list[StatementWarning]) -> dt.date | None:
    """A statement header's date (<DTSTART>, <DTEND>, <DTASOF>). Banks are sloppy here: a zero or unreadable
    one is a warning, not a refused file, when the transactions can be read (their own dates stay strict);
    six digits are read as DDMMYY or YYMMDD when only one reading is a date near the transactions'."""
    try:
        return parse_ofx_date(value, file, line, f"<{tag}>")
    except StatementError:
        if not txn_dates:
            raise
    digits = value.strip()[:6]
    if len(value.strip()) == 6 and digits.isdigit():
        a, b, c = int(digits[:2]), int(digits[2:4]), int(digits[4:])
        readings = set()
        for year, month, day in ((2000 + c, b, a), (2000 + a, b, c)):  # DDMMYY, YYMMDD
            try:
                readings.add(dt.date(year, month, day))
            except ValueError:
                pass
        low, high = min(txn_dates) - dt.timedelta(days=62), max(txn_dates) + dt.timedelta(days=62)
        near = [d for d in readings if low <= d <= high]
        if len(near) == 1:
            warnings.append(StatementWarning(file, line, f"<{tag}> {value.strip()!r} read as {near[0].isoformat()}"))
            return near[0]
    warnings.append(StatementWarning(file, line, f"<{tag}> {value.strip()!r} is not a date; the statement's "
                                                  "dates were taken from its transactions"))
    return None


def parse_ofx_amount(value: str, file: str, line: int, what: str) -> Decimal:
    """OFX allows ``,`` as the decimal mark; with both marks present, the last one is the decimal mark."""
    s = value.strip()
    comma_decimal = "," in s and ("." not in s or s.rfind(",") > s.rfind("."))
    try:
        return cents(parse_amount(s, decimal_comma=comma_decimal))
    except MoneyError:
        raise StatementError(file, line, f"an amount in {what}", found=repr(value[:40])) from None


def _transaction(node: _Node, file: str) -> BankLine:
    posted = node.value("DTPOSTED") or node.value("DTUSER")
    if posted is None:
        raise StatementError(file, node.line, "a <DTPOSTED> date in the transaction")
    raw_amount = node.value("TRNAMT")
    if raw_amount is None:
        raise StatementError(file, node.line, "a <TRNAMT> amount in the transaction")
    payee_node = node.find("PAYEE")
    name = node.value("NAME") or (payee_node.value("NAME") if payee_node else None)
    fitid = node.value("FITID")
    check = node.value("CHECKNUM") or node.value("REFNUM")
    memo = node.value("MEMO")
    return BankLine(
        date=parse_ofx_date(posted[0], file, posted[1], "<DTPOSTED>"),
        amount=parse_ofx_amount(raw_amount[0], file, raw_amount[1], "<TRNAMT>"),
        fitid=(fitid[0].strip() or None) if fitid else None,
        payee=name[0] if name else "",
        memo=memo[0] if memo else "",
        check_number=check[0].strip() if check else "",
    )


def read_ofx(data: bytes, file: str) -> Statement:
    text, warnings = decode(data, _declared_charset(data), file)
    if "<" not in text:
        raise StatementError(file, 1, "an OFX document with an <OFX> element")
    root = _parse_tree(text, file, warnings)
    nodes = list(root.walk())
    if not any(n.name == "OFX" for n in nodes) and not any(n.name == "STMTTRN" for n in nodes):
        raise StatementError(file, 1, "an OFX document with an <OFX> element")
    lines: list[BankLine] = []
    start = end = balance_date = None
    ending = None
    accounts: list[str] = []
    currency = ""
    header_dates: list[tuple[str, tuple[str, int]]] = []  # read once the transactions' dates are known
    for node in nodes:
        if node.name == "STMTTRN":
            lines.append(_transaction(node, file))
        elif node.name == "BANKTRANLIST":
            header_dates += [(tag, v) for tag in ("DTSTART", "DTEND") if (v := node.value(tag)) is not None]
        elif node.name == "LEDGERBAL":
            amt, asof = node.value("BALAMT"), node.value("DTASOF")
            if amt is not None:
                ending = parse_ofx_amount(amt[0], file, amt[1], "<BALAMT>")
            if asof is not None:
                header_dates.append(("DTASOF", asof))
        elif node.name in ("BANKACCTFROM", "CCACCTFROM"):
            if (v := node.value("ACCTID")) is not None and v[0] not in accounts:
                accounts.append(v[0])
        elif node.name in ("STMTRS", "CCSTMTRS") and (v := node.value("CURDEF")) is not None:
            currency = v[0].upper()
    found = {tag: header_date(v[0], file, v[1], tag, [ln.date for ln in lines], warnings) for tag, v in header_dates}
    start, end, balance_date = found.get("DTSTART"), found.get("DTEND"), found.get("DTASOF")
    if len(accounts) > 1:
        warnings.append(
            StatementWarning(file, 1, f"the file holds {len(accounts)} accounts; all their lines were read")
        )
    if not lines:
        warnings.append(StatementWarning(file, 1, "the statement has no transactions"))
    for line in lines:
        if line.fitid is None:
            warnings.append(
                StatementWarning(file, 1, f"a transaction of {line.date} has no FITID; its content identifies it")
            )
            break
    if lines:
        start = start or min(ln.date for ln in lines)
        end = end or max(ln.date for ln in lines)
    fmt = "qfx" if "INTU.BID" in text.upper() else ("ofx2" if text.lstrip().startswith("<?xml") else "ofx1")
    return Statement(
        path=file,
        format=fmt,
        lines=lines,
        dedupe_keys=dedupe_keys(lines),
        start=start,
        end=end,
        ending_balance=ending,
        balance_date=balance_date,
        account_id=accounts[0] if accounts else "",
        currency=currency,
        warnings=warnings,
    )
