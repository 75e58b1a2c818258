"""Faults in shapes QuickBooks (or a proxy in front of it) sends now and then: no code, no Message, a string,
a list of nothing. Each is a typed QboError with a sentence, never a TypeError or KeyError from inside
python-quickbooks."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from app.qbo.client import QboClient
from app.qbo.errors import QboError, QboValidation

SHAPES = {
    "no code": (400, {"Fault": {"Error": [{"Message": "Something is wrong", "Detail": "with the request"}],
                                "type": "ValidationFault"}}),
    "no message": (400, {"Fault": {"Error": [{"code": "6000"}], "type": "ValidationFault"}}),
    "error as text": (400, {"Fault": {"Error": "Business validation error", "type": "ValidationFault"}}),
    "empty error list": (400, {"Fault": {"Error": [], "type": "ValidationFault"}}),
    "null error": (400, {"Fault": {"Error": [None]}}),
}


class _Static:
    def access_token(self) -> str:
        return "static-access"

    def refresh(self, stale: str | None = None) -> str:
        return "static-access"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            status, body = SHAPES[self.headers["X-Shape"]]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_fault_of_any_shape_is_a_typed_error(server: str, shape: str) -> None:
    client = QboClient(server, "9130", _Static(), sleep=lambda _s: None)
    client._qb.session.headers["X-Shape"] = shape
    try:
        with pytest.raises(QboError) as refused:
            client.read("Customer", "1")
    finally:
        client.close()
    assert str(refused.value).startswith("QuickBooks refused the request")
    assert refused.value.status == 400
    if shape == "no message":
        assert isinstance(refused.value, QboValidation) and refused.value.code == "6000"
    else:
        assert refused.value.code == ""
