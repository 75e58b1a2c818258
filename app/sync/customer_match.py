"""Matching Clio clients to customers that already exist in QuickBooks, without ever making a duplicate.

Order: a stored link wins; then one unlinked QuickBooks customer with the same normalized name AND the
same email is linked. Several such candidates, or a near match (same name but another email, same email
but another name, the name's words reordered, or a very close spelling) become an exception for a person
to decide: link it, or ask for a new customer. A record with no candidate at all gets a new customer.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.model import Client
from app.sync import names

_PUNCT = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")
NEAR_CUTOFF = 0.92


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _PUNCT.sub(" ", text.casefold())
    return _SPACES.sub(" ", text).strip()


def _token_key(name: str) -> str:
    return " ".join(sorted(normalize_name(name).split()))


def _email(row: dict[str, Any]) -> str:
    addr = (row.get("PrimaryEmailAddr") or {}).get("Address") or ""
    return str(addr).strip().casefold()


@dataclass(frozen=True, slots=True)
class Match:
    outcome: str  # "link" | "new" | "ambiguous" | "near"
    qbo_id: str = ""
    candidates: tuple[dict[str, Any], ...] = ()

    def sentence(self, client: Client) -> str:
        names = ", ".join(f"'{c.get('DisplayName')}' ({_email(c) or 'no email'})" for c in self.candidates)
        if self.outcome == "ambiguous":
            return (f"Clio client '{client.name}' matches more than one QuickBooks customer ({names}); it was not "
                    "posted, so that no duplicate is made. Link it to the right customer, or dismiss.")
        if self.outcome == "near":
            return (f"Clio client '{client.name}' ({client.email or 'no email'}) looks like the existing QuickBooks "
                    f"customer {names} but does not match exactly. Link it to that customer, or retry to create a "
                    "new customer.")
        return ""


class CustomerDirectory:
    """The top-level QuickBooks customers not yet linked to a Clio client, indexed for matching."""

    def __init__(self, customers: Iterable[dict[str, Any]], linked_ids: Iterable[str] = ()) -> None:
        linked = {str(i) for i in linked_ids}
        self.rows = [c for c in customers if str(c["Id"]) not in linked and not c.get("Job")
                     and c.get("Active", True) not in (False, "false")]
        self.by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_tokens: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.by_email: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in self.rows:
            name = str(c.get("DisplayName", ""))
            self.by_name[normalize_name(name)].append(c)
            self.by_tokens[_token_key(name)].append(c)
            if _email(c):
                self.by_email[_email(c)].append(c)
        self._names = list(self.by_name)

    def match(self, client: Client) -> Match:
        norm = normalize_name(client.name)
        email = client.email.strip().casefold()
        # also as QuickBooks must have it (no colon, at most 100 characters), as anyone who typed it there did
        legal = normalize_name(names.clean(client.name)[0])
        same_name = self.by_name.get(norm, []) + (self.by_name.get(legal, []) if legal != norm else [])
        exact = [c for c in same_name if email and _email(c) == email]
        if len(exact) == 1:
            return Match("link", str(exact[0]["Id"]), tuple(exact))
        if len(exact) > 1:
            return Match("ambiguous", candidates=tuple(exact))
        near: dict[str, dict[str, Any]] = {}
        for c in same_name + self.by_tokens.get(_token_key(client.name), []):
            near[str(c["Id"])] = c
        if email:
            for c in self.by_email.get(email, []):
                near[str(c["Id"])] = c
        if not near and norm:
            for close in difflib.get_close_matches(norm, self._names, n=3, cutoff=NEAR_CUTOFF):
                for c in self.by_name[close]:
                    near[str(c["Id"])] = c
        if near:
            return Match("near", candidates=tuple(near[k] for k in sorted(near, key=int)))
        return Match("new")

    def claim(self, qbo_id: str) -> None:
        """A customer just linked is not a candidate for another client."""
        for index in (self.by_name, self.by_tokens, self.by_email):
            for key, rows in list(index.items()):
                index[key] = [r for r in rows if str(r["Id"]) != str(qbo_id)]
