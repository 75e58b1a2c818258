"""Stable keys for statement lines, so re-importing the same or an overlapping file adds nothing."""

from __future__ import annotations

import hashlib
from collections import Counter

from app.model import BankLine
from app.money import to_json_str


def _content(line: BankLine) -> str:
    balance = "" if line.balance is None else to_json_str(line.balance)
    text = " ".join(f"{line.payee} {line.memo}".split()).lower()
    return "\x1f".join((line.date.isoformat(), to_json_str(line.amount), text, line.check_number.strip(), balance))


def dedupe_keys(lines: list[BankLine]) -> list[str]:
    """``fitid:X`` for lines with a FITID (the first of a repeated FITID only), else ``row:<digest>``.

    Identical rows (two $25.00 fees on the same day) are told apart by their occurrence number among
    identical rows, which is the same in any file that holds both of them.
    """
    keys: list[str] = []
    seen_fitids: set[str] = set()
    occurrences: Counter[str] = Counter()
    for line in lines:
        fitid = (line.fitid or "").strip()
        if fitid and fitid not in seen_fitids:
            seen_fitids.add(fitid)
            keys.append(f"fitid:{fitid}")
            continue
        content = _content(line)
        occurrences[content] += 1
        digest = hashlib.sha256(f"{content}\x1e{occurrences[content]}".encode()).hexdigest()[:32]
        keys.append(f"row:{digest}")
    return keys
