"""Smokeball's regions: where each one signs in (AWS Cognito) and serves its API, production and staging."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import LedgerbridgeError


@dataclass(frozen=True)
class Region:
    name: str
    auth: str
    api: str


_HOSTS = {
    ("us", False): ("auth.smokeball.com", "api.smokeball.com"),
    ("us", True): ("datastaging-auth.smokeball.com", "stagingapi.smokeball.com"),
    ("au", False): ("auth.smokeball.com.au", "api.smokeball.com.au"),
    ("au", True): ("datastaging-auth.smokeball.com.au", "stagingapi.smokeball.com.au"),
    ("uk", False): ("auth.smokeball.co.uk", "api.smokeball.co.uk"),
    ("uk", True): ("datastaging-auth.smokeball.co.uk", "stagingapi.smokeball.co.uk"),
}


def region(name: str, *, staging: bool = False) -> Region:
    hosts = _HOSTS.get((name.lower(), staging))
    if hosts is None:
        raise LedgerbridgeError(f"Smokeball has no region {name!r}", kept="Nothing was changed.",
                                next_step="Choose US, AU or UK.")
    return Region(name.upper(), f"https://{hosts[0]}", f"https://{hosts[1]}")
