"""The subset of the QuickBooks query language the app and python-quickbooks use.

``SELECT * | COUNT(*) FROM Entity [WHERE field op value [AND ...]] [ORDERBY field [ASC|DESC], ...]
[STARTPOSITION n] [MAXRESULTS n]`` with ``= < > <= >= IN LIKE``. There is no OR, no join, no projection
(``SELECT *, Sku`` as python-quickbooks writes for items is read as ``*``). Field names are matched
without regard to case; nested fields are written with dots (``MetaData.LastUpdatedTime``); a reference
field (``CustomerRef``, ``ParentRef``) compares its ``value``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from app.sandbox.qbo.wire import parse_time, query_error

MAX_RESULTS_CAP = 1000
DEFAULT_MAX_RESULTS = 100

# Fields QuickBooks refuses to filter or sort on (the app must not rely on them).
NOT_QUERYABLE = {"privatenote", "customermemo", "line"}
# Per entity, fields Intuit's reference does not mark filterable although other entities' same-named
# fields are: a Payment is found by Id, CustomerRef, TxnDate or MetaData times, not its reference number.
NOT_QUERYABLE_IN = {"Payment": {"paymentrefnum"}}

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


@dataclass(frozen=True)
class Condition:
    path: str
    op: str
    values: tuple[Any, ...]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise query_error(f"Encountered an unexpected character near {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _literal(kind: str, text: str) -> Any:
    if kind == "str":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "num":
        return Decimal(text)
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    raise query_error(f"Expected a value but found {text!r}")


def parse(text: str, entities: dict[str, str]) -> Query:
    """Parse ``text``; ``entities`` maps lower-case entity names to their proper spelling."""
    toks = _tokens(text)
    i = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        return toks[i + offset] if i + offset < len(toks) else ("", "")

    def word(expected: str) -> None:
        nonlocal i
        kind, val = peek()
        if kind != "word" or val.lower() != expected:
            raise query_error(f"Expected {expected.upper()} but found {val or 'the end'!r}")
        i += 1

    word("select")
    count = False
    if peek()[1] == "*":
        i += 1
    elif peek()[1].lower() == "count" and peek(1)[1] == "(":
        if peek(2)[1] != "*" or peek(3)[1] != ")":
            raise query_error("Only COUNT(*) is supported")
        count = True
        i += 4
    else:
        raise query_error("Only SELECT * and SELECT COUNT(*) are supported")
    while peek()[1] == ",":  # "SELECT *, Sku" (python-quickbooks for items): the extra fields come anyway
        i += 2
    word("from")
    kind, name = peek()
    if kind != "word" or name.lower() not in entities:
        raise query_error(f"Unknown entity {name!r} in FROM")
    i += 1
    query = Query(entities[name.lower()], count=count)
    if peek()[1].lower() == "where":
        i += 1
        while True:
            i = _condition(toks, i, query)
            if peek()[1].lower() == "and":
                i += 1
                continue
            if peek()[1].lower() == "or":
                raise query_error("OR is not supported")
            break
    if peek()[1].lower() in ("orderby", "order"):
        if peek()[1].lower() == "order":
            i += 1
            word("by")
        else:
            i += 1
        while True:
            kind, path = peek()
            if kind != "word":
                raise query_error("Expected a field after ORDERBY")
            _check_field(path, query.entity)
            i += 1
            desc = False
            if peek()[1].lower() in ("asc", "desc"):
                desc = peek()[1].lower() == "desc"
                i += 1
            query.order.append((path, desc))
            if peek()[1] != ",":
                break
            i += 1
    while peek()[0] == "word" and peek()[1].lower() in ("startposition", "maxresults"):
        key = peek()[1].lower()
        kind, val = peek(1)
        if kind != "num" or "." in val or int(val) < 1:
            raise query_error(f"{key.upper()} needs a positive whole number")
        if key == "startposition":
            query.start = int(val)
        else:
            query.max_results = min(int(val), MAX_RESULTS_CAP)
        i += 2
    if i != len(toks):
        raise query_error(f"Unexpected {peek()[1]!r} at the end of the query")
    return query


def _check_field(path: str, entity: str = "") -> None:
    head = path.split(".")[0].lower()
    if head in NOT_QUERYABLE or head in NOT_QUERYABLE_IN.get(entity, ()):
        raise query_error(f"property '{path}' is not queryable")


def _condition(toks: list[tuple[str, str]], i: int, query: Query) -> int:
    if i >= len(toks) or toks[i][0] != "word":
        raise query_error("Expected a field name in WHERE")
    path = toks[i][1]
    _check_field(path, query.entity)
    i += 1
    if i >= len(toks):
        raise query_error("Expected an operator")
    kind, op = toks[i]
    op = op.upper()
    if kind == "op" and op in ("=", "<", ">", "<=", ">="):
        i += 1
        if i >= len(toks) or toks[i][0] not in ("str", "num", "word"):
            raise query_error("Expected a value")
        query.where.append(Condition(path, op, (_literal(*toks[i]),)))
        return i + 1
    if kind == "word" and op == "LIKE":
        i += 1
        if i >= len(toks) or toks[i][0] != "str":
            raise query_error("LIKE needs a quoted pattern")
        query.where.append(Condition(path, "LIKE", (_literal(*toks[i]),)))
        return i + 1
    if kind == "word" and op == "IN":
        i += 1
        if i >= len(toks) or toks[i][1] != "(":
            raise query_error("IN needs a list in parentheses")
        i += 1
        values: list[Any] = []
        while True:
            if i >= len(toks):
                raise query_error("Unclosed IN list")
            values.append(_literal(*toks[i]))
            i += 1
            if i < len(toks) and toks[i][1] == ",":
                i += 1
                continue
            if i < len(toks) and toks[i][1] == ")":
                i += 1
                break
            raise query_error("Expected , or ) in the IN list")
        query.where.append(Condition(path, "IN", tuple(values)))
        return i
    raise query_error(f"Unsupported operator {toks[i][1]!r}")


# --- evaluation ----------------------------------------------------------------------------------------


def lookup(obj: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (case-insensitive keys); a reference yields its ``value``."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        if part in cur:
            cur = cur[part]
        else:
            low = part.lower()
            cur = next((v for k, v in cur.items() if k.lower() == low), None)
    if isinstance(cur, dict) and "value" in cur:
        cur = cur["value"]
    return cur


def _field_kind(path: str, value: Any) -> str:
    last = path.split(".")[-1].lower()
    if isinstance(value, bool):
        return "bool"
    if last == "id" or last.endswith("ref") or isinstance(value, Decimal | int):
        return "number"
    if last.endswith("time") and isinstance(value, str):
        return "time"
    return "text"


def _convert(kind: str, raw: Any, path: str) -> Any:
    """A stored value or a query literal in the form that compares as QuickBooks compares."""
    if kind == "bool":
        return raw if isinstance(raw, bool) else str(raw).lower() == "true"
    if kind == "number":
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return str(raw).lower()
    if kind == "time":
        try:
            return parse_time(str(raw))
        except ValueError as exc:
            raise query_error(f"{raw!r} is not a date-time for {path}") from exc
    return str(raw).lower()


def _like(value: Any, regex: re.Pattern[str]) -> bool:
    return value is not None and regex.match(str(value).lower()) is not None


_OPS = {
    "=": lambda a, b: a == b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


def compile_condition(cond: Condition) -> Callable[[dict[str, Any]], bool]:
    """A predicate for one condition; literals are converted once per kind of stored value, not per row."""
    if cond.op == "LIKE":
        pattern = str(cond.values[0]).lower()
        regex = re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.DOTALL)
        return lambda obj: _like(lookup(obj, cond.path), regex)
    literals: dict[str, list[Any]] = {}

    def converted(kind: str) -> list[Any]:
        if kind not in literals:
            literals[kind] = [_convert(kind, v, cond.path) for v in cond.values]
        return literals[kind]

    if cond.op == "IN":
        def member(obj: dict[str, Any]) -> bool:
            value = lookup(obj, cond.path)
            if value is None:
                return False
            kind = _field_kind(cond.path, value)
            return _convert(kind, value, cond.path) in converted(kind)
        return member

    compare = _OPS[cond.op]

    def test(obj: dict[str, Any]) -> bool:
        value = lookup(obj, cond.path)
        if value is None:
            return False
        kind = _field_kind(cond.path, value)
        mine = value if kind == "number" and isinstance(value, Decimal) else _convert(kind, value, cond.path)
        try:
            return bool(compare(mine, converted(kind)[0]))
        except TypeError as exc:
            raise query_error(f"cannot compare {cond.path} with {cond.values[0]!r}") from exc
    return test


def matches(obj: dict[str, Any], cond: Condition) -> bool:
    return compile_condition(cond)(obj)


def sort_key(path: str) -> Any:
    def key(obj: dict[str, Any]) -> tuple[int, Any]:
        value = lookup(obj, path)
        if value is None:
            return (0, "")
        last = path.split(".")[-1].lower()
        if last == "id" or last.endswith("ref"):
            try:
                return (1, Decimal(str(value)))
            except InvalidOperation:
                return (2, str(value).lower())
        if isinstance(value, bool):
            return (1, int(value))
        if isinstance(value, Decimal | int):
            return (1, Decimal(value))
        if last.endswith("time"):
            return (1, parse_time(str(value)))
        return (2, str(value).lower())

    return key


def moment_of(obj: dict[str, Any]) -> datetime:
    return parse_time(obj["MetaData"]["LastUpdatedTime"])
