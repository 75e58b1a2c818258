"""Where a provider sends the browser back after sign-in, and the rules each provider applies to it.

Both providers accept only redirect addresses registered in the developer app, character for character,
so a desktop app must use fixed ones the bookkeeper can register once:

- Clio: a loopback address on a fixed port, ``http://127.0.0.1:47801/callback`` (the port can be changed
  in Settings, and must then be registered again).
- QuickBooks, development keys (sandbox companies): ``http://localhost:47802/callback``; Intuit allows
  ``http://localhost`` for development only.
- QuickBooks, production keys: only https addresses that are not IP addresses (nor localhost). The
  bookkeeper registers a page of their own (any https address works: nothing needs to answer there),
  approves in the browser, and pastes the address the browser landed on back into Ledgerbridge.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from enum import StrEnum

from app.errors import LedgerbridgeError

CLIO_REDIRECT_PORT = 47801
QBO_REDIRECT_PORT = 47802
SMOKEBALL_REDIRECT_PORT = 47803
CALLBACK_PATH = "/callback"
QBO_SCOPE = "com.intuit.quickbooks.accounting"


class QboEnvironment(StrEnum):
    SANDBOX = "sandbox"  # development keys, sandbox companies
    PRODUCTION = "production"  # production keys, the firm's real books


# Intuit's discovery documents (as intuit-oauth's own configuration names them) and API hosts per environment.
QBO_DISCOVERY = {
    QboEnvironment.SANDBOX: "https://developer.intuit.com/.well-known/openid_sandbox_configuration/",
    QboEnvironment.PRODUCTION: "https://developer.intuit.com/.well-known/openid_configuration/",
}
QBO_API = {
    QboEnvironment.SANDBOX: "https://sandbox-quickbooks.api.intuit.com",
    QboEnvironment.PRODUCTION: "https://quickbooks.api.intuit.com",
}


def clio_loopback(port: int = CLIO_REDIRECT_PORT) -> str:
    return f"http://127.0.0.1:{port}{CALLBACK_PATH}"


def qbo_loopback(port: int = QBO_REDIRECT_PORT) -> str:
    return f"http://localhost:{port}{CALLBACK_PATH}"


class RedirectRefused(LedgerbridgeError):
    """A redirect address the provider would refuse."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def qbo_redirect_problem(uri: str, environment: QboEnvironment | str) -> str | None:
    """Why Intuit would refuse ``uri`` as a redirect in ``environment`` (None: acceptable)."""
    parts = urllib.parse.urlsplit(uri.strip())
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("http", "https"):
        return "it is not a web address (it must start with https://)"
    if _is_ip(host):
        return "Intuit refuses IP addresses; use a name"
    if parts.scheme == "http" and not (host == "localhost" and environment == QboEnvironment.SANDBOX):
        return ("Intuit only redirects to https addresses (http://localhost is allowed for development "
                "keys only)")
    if host == "localhost" and environment == QboEnvironment.PRODUCTION:
        return "production keys cannot use localhost; register an https address of your own"
    return None


def check_qbo_redirect(uri: str, environment: QboEnvironment | str) -> str:
    problem = qbo_redirect_problem(uri, environment)
    if problem:
        raise RedirectRefused(
            f"QuickBooks would refuse the redirect address {uri!r}: {problem}",
            kept="Nothing was changed.",
            next_step="Enter the https address you registered under Production → Keys & OAuth → Redirect URIs "
                      "in your Intuit developer app.",
        )
    return uri.strip()
