"""Switchable faults shared by both emulators, as ASGI middleware.

Switches (set from tests directly, or over HTTP at ``POST /_sandbox/faults``):

- ``error_rate``: share of requests answered with a 5xx before they reach the handler;
- ``drop_rate``: share of requests whose connection is dropped before the handler runs;
- ``drop_after_commit_rate``: share of requests that the handler runs (the write is committed) but whose
  answer is lost: the connection is cut after the headers;
- ``throttle_burst``: the next N requests get a 429 (and ``throttle_rate`` a share of all requests);
- ``latency``: seconds added to every request.

Token expiry is the emulators' own switch (``expire_tokens``), since only they know their tokens.
Requests are counted per path (``counts``) for tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send  # the emulators are Starlette apps

CONTROL_PREFIX = "/_sandbox/"


class DroppedConnection(Exception):
    """Raised inside the server to make uvicorn cut the connection mid-answer."""


@dataclass
class FaultSwitches:
    error_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    throttle_rate: float = 0.0
    throttle_burst: int = 0
    latency: float = 0.0
    seed: int | None = None
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    injected: collections.Counter[str] = field(default_factory=collections.Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    _SETTABLE = ("error_rate", "drop_rate", "drop_after_commit_rate", "throttle_rate", "throttle_burst",
                 "latency")

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng.seed(self.seed)

    def set(self, **values: Any) -> None:
        with self._lock:
            for key, value in values.items():
                if key == "seed":
                    self._rng.seed(value)
                    continue
                if key not in self._SETTABLE:
                    raise ValueError(f"unknown fault switch {key!r}")
                setattr(self, key, type(getattr(self, key))(value))

    def all_faults(self, rate: float) -> None:
        """Every fault at the same share (the reliability tests' '10% faults')."""
        self.set(error_rate=rate, drop_rate=rate / 2, drop_after_commit_rate=rate / 2, throttle_rate=rate)

    def clear(self) -> None:
        self.set(error_rate=0, drop_rate=0, drop_after_commit_rate=0, throttle_rate=0, throttle_burst=0,
                 latency=0)

    def total_requests(self) -> int:
        with self._lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            state = {k: getattr(self, k) for k in self._SETTABLE}
            state["counts"] = dict(self.counts)
            state["injected"] = dict(self.injected)
            return state

    def _decide(self, path: str, is_write: bool) -> str | None:
        with self._lock:
            self.counts[path] += 1
            if self.throttle_burst > 0:
                self.throttle_burst -= 1
                choice = "throttle"
            elif self._rng.random() < self.throttle_rate:
                choice = "throttle"
            elif self._rng.random() < self.error_rate:
                choice = "error"
            elif self._rng.random() < self.drop_rate:
                choice = "drop"
            elif self._rng.random() < self.drop_after_commit_rate:
                choice = "drop_after"
            else:
                choice = None
            if choice:
                self.injected[choice] += 1
            return choice


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": data})


async def _drop(send: Send) -> None:
    # Promise a body, then cut the connection: the client sees the answer lost mid-way.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise DroppedConnection("planned dropped connection")


ThrottleResponder = Callable[[Send], Awaitable[None]]
ErrorResponder = Callable[[Send], Awaitable[None]]


class FaultMiddleware:
    """Wraps an emulator's ASGI app; also serves the control endpoint under ``/_sandbox/``."""

    def __init__(
        self,
        app: ASGIApp,
        switches: FaultSwitches,
        *,
        throttle: ThrottleResponder,
        error: ErrorResponder,
        control: Callable[[str, dict[str, Any]], dict[str, Any] | None] | None = None,
    ) -> None:
        self.app = app
        self.switches = switches
        self.throttle = throttle
        self.error = error
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            await self._control(scope, receive, send)
            return
        is_write = scope["method"] not in ("GET", "HEAD")
        choice = self.switches._decide(path, is_write)
        if self.switches.latency:
            await asyncio.sleep(self.switches.latency)
        if choice == "throttle":
            await self.throttle(send)
        elif choice == "error":
            await self.error(send)
        elif choice == "drop":
            await _drop(send)
        elif choice == "drop_after":
            await self.app(scope, receive, _discard)
            await _drop(send)
        else:
            await self.app(scope, receive, send)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        args = json.loads(body or b"{}")
        name = scope["path"][len(CONTROL_PREFIX):]
        try:
            if name == "faults":
                if scope["method"] == "POST":
                    if args.pop("clear", False):
                        self.switches.clear()
                    self.switches.set(**args)
                await send_json(send, 200, self.switches.snapshot())
                return
            result = self.control(name, args) if self.control else None
        except (ValueError, KeyError, TypeError) as exc:
            await send_json(send, 400, {"error": str(exc)})
            return
        if result is None:
            await send_json(send, 404, {"error": f"no control {name!r}"})
        else:
            await send_json(send, 200, result)


async def _discard(message: Message) -> None:
    return None
