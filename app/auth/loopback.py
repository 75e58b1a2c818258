"""A one-shot HTTP listener on 127.0.0.1 that catches the OAuth redirect from the system browser.

The provider sends the browser to ``http://127.0.0.1:PORT/callback?code=…&state=…``; the listener keeps
that query, answers a small "you can close this tab" page, and stops. The port is configurable because
providers register exact redirect URIs (0 picks any free port, for providers that allow it and tests).
Only the redirect itself is answered: another path (a favicon), or the callback path without an OAuth answer
(a port scanner, a stray reload), gets a 404 and the listener waits on for the real one.
"""

from __future__ import annotations

import html
import http.server
import threading
import urllib.parse
from typing import Any

from app.errors import LedgerbridgeError

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Ledgerbridge</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class LoopbackTimeout(LedgerbridgeError):
    """The browser did not come back in time."""


class LoopbackListener:
    """``with LoopbackListener(port) as lb: open(url_with(lb.redirect_uri)); params = lb.wait(300)``."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", path: str = "/callback",
                 redirect_host: str | None = None) -> None:
        self.path = path if path.startswith("/") else "/" + path
        self._result: dict[str, str] | None = None
        self._got = threading.Event()
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                is_answer = "state" in query and ("code" in query or "error" in query)
                if parsed.path != listener.path or not is_answer or listener._got.is_set():
                    self.send_error(404)
                    return
                if "error" in query:
                    title, text = "Connection not made", (
                        f"The provider answered: {html.escape(query.get('error_description') or query['error'])}."
                        " You can close this tab and return to Ledgerbridge.")
                else:
                    title, text = "Ledgerbridge received the answer", (
                        "You can close this tab and return to Ledgerbridge.")
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                listener._result = query
                listener._got.set()

            def log_message(self, format: str, *args: Any) -> None:
                return  # the query carries the authorization code: never log it

        try:
            self._server = http.server.HTTPServer((host, port), Handler)
        except OSError as exc:
            raise LedgerbridgeError(
                f"Ledgerbridge could not listen for the sign-in answer on {host}:{port} ({exc.strerror or exc})",
                kept="Nothing was stored.",
                next_step="Close another Ledgerbridge window that is connecting, or choose another port in "
                          "Settings (and register the new redirect address with the provider).",
            ) from None
        self._server.timeout = 0.2
        self.host = host
        self.redirect_host = redirect_host or host
        self.port = self._server.server_address[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="oauth-loopback", daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.redirect_host}:{self.port}{self.path}"

    def _serve(self) -> None:
        while not self._stop.is_set() and not self._got.is_set():
            self._server.handle_request()

    def start(self) -> LoopbackListener:
        self._thread.start()
        return self

    def wait(self, timeout: float = 300.0) -> dict[str, str]:
        """The redirect's query parameters; LoopbackTimeout if the browser did not come back."""
        if not self._got.wait(timeout):
            raise LoopbackTimeout(
                "The browser did not come back to Ledgerbridge in time",
                kept="Nothing was stored.",
                next_step="Try connecting again, or paste the address the browser was sent to.",
            )
        assert self._result is not None
        return dict(self._result)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        self._server.server_close()

    def __enter__(self) -> LoopbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
