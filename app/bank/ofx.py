"""A tolerant reader of OFX 1.x (SGML), OFX 2.x (XML), QFX and QBO (Web Connect) bank statements.

Why our own reader rather than a library: the files real banks send break the spec in ways the strict
parsers refuse (leaf tags never closed, aggregates left open, comma decimals, odd CHARSET labels, cp1252
bytes in a "UTF-8" file), the maintained choices either validate strictly or raise a spread of exception
types we would have to catch blindly, and a small reader written here is MIT like the app, adds nothing to
the bundle, and raises only :class:`StatementError` with the file and line.

The reader tokenizes tags and text, keeps a stack of open aggregates (closing any that a closing tag or a
repeated sibling implies), and reads each ``STMTTRN`` into a :class:`BankLine`. A transaction written the
regular way (leaf fields only, as nearly every bank writes all of them) skips the tree: it is read in one
match of a pattern learned from the file's first such transaction, which is what makes a 50 MB statement
read in a few seconds (``bench/ofx_parse.py``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator, Mapping
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


@dataclass(slots=True)
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


# A transaction written the regular way (every field a leaf with text, optionally closed by its own name)
# is read in one C-level match instead of tag by tag, which is what lets a 50 MB statement read at tens of
# MB/s. The pattern cannot backtrack far: every repetition starts at a "<" and the field grammar has one way
# to match, so a block that is not regular fails in time linear in its length and is then read tag by tag.
_BLOCK = re.compile(
    r"\s*<STMTTRN>\s*((?:<(?!STMTTRN>)([A-Z][A-Z0-9._]*)>\s*[^<\s][^<]*(?:</\2>\s*)?)*)</STMTTRN>"
)
_FIELD = re.compile(r"<([A-Z][A-Z0-9._]*)>\s*([^<]*[^<\s])")  # the value stripped (backtracks over spaces only)

# (start, end, "/" or "", tag name or None, CDATA text or None); the name "#regular" marks where a regular
# transaction starts.
_Token = tuple[int, int, str, "str | None", "str | None"]
_REGULAR = "#regular"


class _Tokenizer:
    """Markup constructs in one pass: a "<" that opens nothing known, or a construct never closed, is text
    (a sloppy file still reads). A terminator once found absent after some point is not looked for again
    after it, so unclosed comments cannot make the scan quadratic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.absent_from: dict[str, int] = {}

    def next(self, pos: int, fast: bool) -> _Token | None:
        text = self.text
        pos = text.find("<", pos)
        while pos != -1:
            if fast and text.startswith("<STMTTRN>", pos) and _BLOCK.match(text, pos) is not None:
                return pos, pos, "", _REGULAR, None
            span = next((sp for sp in _SPANS if text.startswith(sp[0], pos)), None)
            if span is not None:
                token = self._span(pos, *span)
                if token is not None:
                    return token
            else:
                m = _TAG.match(text, pos)
                if m is not None:  # else a lone "<": part of the text around it
                    return pos, m.end(), m.group(1), m.group(2), None
            pos = text.find("<", pos + 1)
        return None

    def _span(self, pos: int, opening: str, closing_mark: str, what: str) -> _Token | None:
        text = self.text
        stop = -1 if pos >= self.absent_from.get(closing_mark, len(text) + 1) else \
            text.find(closing_mark, pos + len(opening))
        if stop == -1:  # never closed: text
            self.absent_from[closing_mark] = min(pos, self.absent_from.get(closing_mark, pos))
            return None
        body = text[pos + len(opening):stop] if what == "CDATA section" else None
        return pos, stop + len(closing_mark), "", None, body


class _Reading:
    """What one pass over the text finds: the tree of everything but regular transactions, and every
    transaction in file order (a regular one already read, any other as its node, read once the tree is
    whole)."""

    def __init__(self, text: str, file: str, warnings: list[StatementWarning]) -> None:
        self.text, self.file, self.warnings = text, file, warnings
        self.root = _Node("#root", 1)
        self.transactions: list[BankLine | _Node] = []
        self.cache = _ValueCache()
        self.shapes: list[_Shape] = []

    def regular_run(self, pos: int, open_names: set[str]) -> tuple[int, bool]:
        """Read the regular transactions that follow one another from ``pos``. Returns where the last one
        read ends, and whether the run stopped at one that must be read tag by tag (a value that is wrong,
        so that its error names its own line, or a field named like an open aggregate, which closes it)."""
        text, file, cache, append = self.text, self.file, self.cache, self.transactions.append
        shapes = [shape for shape in self.shapes if open_names.isdisjoint(shape.names)]
        while True:
            for shape in shapes:
                if (m := shape.pattern.match(text, pos)) is not None:
                    try:
                        append(shape.bank_line(m.groups(), file, cache))
                    except StatementError:
                        return pos, True
                    pos = m.end()
                    break
            else:
                block = _BLOCK.match(text, pos)
                if block is None:
                    return pos, False
                body = block.group(1)
                found = _FIELD.findall(body)
                fields: dict[str, str | None] = dict(reversed(found))  # the first of a repeated tag
                if not open_names.isdisjoint(fields):
                    return pos, True
                if "&" in body:
                    fields = {k: html.unescape(v) if v else v for k, v in fields.items()}
                try:
                    append(_bank_line(fields, {}, 0, file, cache))
                except StatementError:
                    return pos, True
                pos = block.end()
                if len(self.shapes) < _Shape.MAX_PER_FILE and "&" not in body:
                    self.shapes.append(_Shape([name for name, _ in found]))
                    shapes.append(self.shapes[-1])


class _Shape:
    """The field order of a regular transaction, as one pattern that reads every value of the next
    transaction written in that order in a single match. Banks write every transaction of a file alike, so
    a file has a few shapes at most; the first transactions in a new order teach it one."""

    MAX_PER_FILE = 8

    def __init__(self, names: list[str]) -> None:
        self.names = frozenset(names)
        value = r"\s*+([^<&]*[^<&\s])\s*+"  # "&" needs unescaping: such a transaction is read the general way
        self.pattern = re.compile(r"\s*+<STMTTRN>\s*+"
                                  + "".join(rf"<{re.escape(n)}>{value}(?:</{re.escape(n)}>\s*+)?+" for n in names)
                                  + "</STMTTRN>")

        def at(*tags: str) -> int | None:
            return next((names.index(t) for t in tags if t in names), None)

        self.date, self.amount = at("DTPOSTED", "DTUSER"), at("TRNAMT")
        self.fitid, self.name, self.memo, self.check = at("FITID"), at("NAME"), at("MEMO"), at("CHECKNUM", "REFNUM")

    def bank_line(self, values: tuple[str, ...], file: str, cache: _ValueCache) -> BankLine:
        if self.date is None or self.amount is None:
            raise StatementError(file, 0, "a date and an amount")  # read again tag by tag for the exact error
        date = cache.dates.get(values[self.date]) or cache.date(values[self.date], file, 0, "<DTPOSTED>")
        amount = cache.amounts.get(values[self.amount]) or cache.amount(values[self.amount], file, 0, "<TRNAMT>")
        text = cache.texts.setdefault
        return BankLine(
            date, amount,
            None if self.fitid is None else values[self.fitid],
            "" if self.name is None else text(values[self.name], values[self.name]),
            "" if self.memo is None else text(values[self.memo], values[self.memo]),
            "" if self.check is None else text(values[self.check], values[self.check]),
        )


def _parse_tree(reading: _Reading) -> None:
    text, file, warnings = reading.text, reading.file, reading.warnings
    root = reading.root
    stack = [root]
    pending: _Node | None = None  # a tag whose content we have not yet seen
    pos = 0
    line = 1
    tokens = _Tokenizer(text)
    slow_until = -1  # where tag-by-tag reading of a regular-looking transaction that was not regular ends

    def advance(to: int) -> None:
        nonlocal pos, line
        line += text.count("\n", pos, to)
        pos = to

    def close_open(name: str) -> None:
        # A tag already open as an ancestor cannot nest inside itself in OFX: its closing tag was left out.
        if any(n.name == name for n in stack[1:]):
            while stack[-1].name != name:
                stack.pop()
            stack.pop()

    while (token := tokens.next(pos, pos >= slow_until)) is not None:
        start, end, closing, name, cdata = token
        gap = text[pos:start]
        gap_line = line
        advance(start)
        if gap.strip() and pending is not None:
            pending.text = html.unescape(gap.strip())
            pending = None
        elif gap.strip() and stack[-1] is not root:
            warnings.append(StatementWarning(file, gap_line, f"ignored stray text {gap.strip()[:30]!r}"))
        if name == _REGULAR:
            if pending is not None:  # as for any opening tag: the tag before it was an aggregate
                stack.append(pending)
                pending = None
            close_open("STMTTRN")
            run_end, stopped = reading.regular_run(start, {n.name for n in stack})
            if stopped:
                slow_until = _BLOCK.match(text, run_end).end()  # type: ignore[union-attr]
            advance(run_end)
            continue
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
            close_open(name)
            continue
        if pending is not None:
            # The previous tag had no text before this one: it was an aggregate, so open it.
            stack.append(pending)
            pending = None
        close_open(name)
        if len(stack) > MAX_DEPTH:
            raise StatementError(file, tag_line, f"an OFX document nested at most {MAX_DEPTH} levels deep")
        node = _Node(name, tag_line)
        stack[-1].children.append(node)
        if name == "STMTTRN":
            reading.transactions.append(node)
        pending = node
    tail = text[pos:]
    if tail.strip() and pending is not None:
        pending.text = html.unescape(tail.strip())


_XML_START = re.compile(r"\s*<\?xml")
_QFX_MARK = re.compile(r"INTU\.BID", re.I)  # in the sign-on block at the top of the file
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
    except (MoneyError, ArithmeticError):  # ArithmeticError: beyond what a Decimal context holds (1e37)
        raise StatementError(file, line, f"an amount in {what}", found=repr(value[:40])) from None


_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,15}\.[0-9]{2}")


class _ValueCache:
    """One statement's repeated values read once and shared: dates, amounts, payees and check numbers
    repeat across thousands of lines, and each distinct one need be parsed and held only once."""

    def __init__(self) -> None:
        self.dates: dict[str, dt.date] = {}
        self.amounts: dict[str, Decimal] = {}
        self.texts: dict[str, str] = {}

    def date(self, value: str, file: str, line: int, what: str) -> dt.date:
        found = self.dates.get(value)
        if found is None:
            found = self.dates[value] = parse_ofx_date(value, file, line, what)
        return found

    def amount(self, value: str, file: str, line: int, what: str) -> Decimal:
        found = self.amounts.get(value)
        if found is None:
            # Most banks write plain cents (-1234.50): that is already the exact amount at cents.
            plain = _PLAIN_AMOUNT.fullmatch(value) and Decimal(value)
            found = self.amounts[value] = plain or parse_ofx_amount(value, file, line, what)
        return found

    def text(self, value: str) -> str:
        return self.texts.setdefault(value, value)


def _bank_line(fields: Mapping[str, str | None], lines: Mapping[str, int], line: int, file: str,
               cache: _ValueCache) -> BankLine:
    """A transaction from its fields' texts (stripped) and, when known, each field's line."""
    posted_tag = "DTPOSTED" if fields.get("DTPOSTED") is not None else "DTUSER"
    posted = fields.get(posted_tag)
    if posted is None:
        raise StatementError(file, line, "a <DTPOSTED> date in the transaction")
    amount = fields.get("TRNAMT")
    if amount is None:
        raise StatementError(file, line, "a <TRNAMT> amount in the transaction")
    name, fitid, memo = fields.get("NAME"), fields.get("FITID"), fields.get("MEMO")
    check = fields.get("CHECKNUM")
    check = fields.get("REFNUM") if check is None else check
    return BankLine(
        date=cache.date(posted, file, lines.get(posted_tag, line), "<DTPOSTED>"),
        amount=cache.amount(amount, file, lines.get("TRNAMT", line), "<TRNAMT>"),
        fitid=(fitid.strip() or None) if fitid is not None else None,
        payee=cache.text(name) if name else "",
        memo=cache.text(memo) if memo else "",
        check_number=cache.text(check.strip()) if check else "",
    )


def _transaction(node: _Node, file: str, cache: _ValueCache) -> BankLine:
    """A transaction read tag by tag (irregular: a <PAYEE> aggregate, CDATA, an empty field, lower case)."""
    children = list(reversed(node.children))  # the first of a repeated tag wins, as for a regular one
    fields = {c.name: c.text for c in children}
    if fields.get("NAME") is None and (payee := node.find("PAYEE")) is not None:
        fields["NAME"] = (payee.value("NAME") or (None, 0))[0]
    return _bank_line(fields, {c.name: c.line for c in children}, node.line, file, cache)


def read_ofx(data: bytes, file: str) -> Statement:
    text, warnings = decode(data, _declared_charset(data), file)
    if "<" not in text:
        raise StatementError(file, 1, "an OFX document with an <OFX> element")
    reading = _Reading(text, file, warnings)
    _parse_tree(reading)
    nodes = list(reading.root.walk())
    if not reading.transactions and not any(n.name == "OFX" for n in nodes):
        raise StatementError(file, 1, "an OFX document with an <OFX> element")
    lines: list[BankLine] = reading.transactions  # type: ignore[assignment]  # made so just below
    for i, t in enumerate(lines):
        if not isinstance(t, BankLine):
            lines[i] = _transaction(t, file, reading.cache)
    fmt = "qfx" if _QFX_MARK.search(text, 0, 65536) else ("ofx2" if _XML_START.match(text) else "ofx1")
    del reading, text  # a large statement's text is as big as its file: not held while its keys are made
    start = end = balance_date = None
    ending = None
    accounts: list[str] = []
    currency = ""
    header_dates: list[tuple[str, tuple[str, int]]] = []  # read once the transactions' dates are known
    for node in nodes:
        if node.name == "BANKTRANLIST":
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
    dates = sorted({ln.date for ln in lines})
    found = {tag: header_date(v[0], file, v[1], tag, dates, warnings) for tag, v in header_dates}
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
