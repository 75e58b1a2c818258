"""Both emulators at once, seeded with one demo firm: for tests, demo mode and `ledgerbridge sandbox`.

    with Sandbox("small", seed=7, clio_rate_limit=0) as sb:
        ClioClient(sb.clio_url, ...); QboClient(sb.qbo_url, sb.realm_id, ...)

Each emulator is a real HTTP server on 127.0.0.1 in a background thread; leaving the block stops both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Any

from app.sandbox.clio.emulator import DEFAULT_CLIENT_ID as CLIO_CLIENT_ID
from app.sandbox.clio.emulator import DEFAULT_CLIENT_SECRET as CLIO_CLIENT_SECRET
from app.sandbox.clio.emulator import ClioState, create_clio_app
from app.sandbox.demo_firm import DemoFirm, generate_firm
from app.sandbox.faults import FaultSwitches
from app.sandbox.httpserver import ServerThread
from app.sandbox.mycase.demo_firm import MyCaseFirm
from app.sandbox.mycase.demo_firm import demo_firm as mycase_demo
from app.sandbox.mycase.emulator import MyCaseState, create_mycase_app
from app.sandbox.qbo.emulator import DEFAULT_CLIENT_ID as QBO_CLIENT_ID
from app.sandbox.qbo.emulator import DEFAULT_CLIENT_SECRET as QBO_CLIENT_SECRET
from app.sandbox.qbo.emulator import QboState, create_qbo_app
from app.sandbox.qbo.history import History, seed_history
from app.sandbox.smokeball.demo_firm import Truth
from app.sandbox.smokeball.demo_firm import demo_firm as smokeball_demo
from app.sandbox.smokeball.emulator import DEFAULT_CLIENT_ID as SMOKEBALL_CLIENT_ID
from app.sandbox.smokeball.emulator import DEFAULT_CLIENT_SECRET as SMOKEBALL_CLIENT_SECRET
from app.sandbox.smokeball.emulator import SmokeballState, create_smokeball_app

CLIO_DEFAULT_RATE_LIMIT = 50
SMOKEBALL_MATTERS = {"small": 20, "medium": 500, "large": 5000}
MYCASE_CASES = {"small": 12, "medium": 500, "large": 5000}


def _rate(limit: int | None) -> Callable[[float, int], dict[str, Any]]:
    """An emulator's rate and burst: its service's own (``limit`` None), or none to speak of (0: the tests)."""
    def rate(own: float, burst: int) -> dict[str, Any]:
        return {"rate": own, "burst": burst} if limit is None else {"rate": float(limit or 1e9), "burst": 10_000}
    return rate


class Sandbox:
    """The Clio and QuickBooks emulators, started together.

    `firm` is a size ("small", "medium", "large") or an already generated DemoFirm.
    `clio_rate_limit`: None keeps Clio's own 50 requests per window per token, 0 turns limiting off.
    `qbo_limits`: False turns QuickBooks' per-minute, per-second, batch and concurrency limits off.
    `window_seconds` is the length of every rate-limit window (60 as in production; shorter in tests).
    `existing_books`: a cutover date; QuickBooks then already holds the firm's books before it, written as
    Clio's own connector and a person would have (``app.sandbox.qbo.history``), with its books closed.
    """

    def __init__(
        self,
        firm: str | DemoFirm = "small",
        seed: int = 7,
        *,
        clio_rate_limit: int | None = None,
        qbo_limits: bool = True,
        window_seconds: float = 60.0,
        clio_port: int = 0,
        qbo_port: int = 0,
        existing_books: dt.date | None = None,
        source: str = "clio",
        smokeball_port: int = 0,
    ) -> None:
        self.firm: DemoFirm = generate_firm(firm, seed) if isinstance(firm, str) else firm
        self.clio_client_id = CLIO_CLIENT_ID
        self.clio_client_secret = CLIO_CLIENT_SECRET
        self.qbo_client_id = QBO_CLIENT_ID
        self.qbo_client_secret = QBO_CLIENT_SECRET
        self.clio = ClioState(
            self.firm,
            rate_limit=CLIO_DEFAULT_RATE_LIMIT if clio_rate_limit is None else clio_rate_limit,
            window_seconds=window_seconds,
            client_id=self.clio_client_id,
            client_secret=self.clio_client_secret,
        )
        if qbo_limits:
            self.qbo = QboState(window_seconds=window_seconds, client_id=self.qbo_client_id,
                                client_secret=self.qbo_client_secret)
        else:
            self.qbo = QboState(limits_per_minute=None, batch_per_minute=None, max_concurrent=None, per_second=None,
                                window_seconds=window_seconds, client_id=self.qbo_client_id,
                                client_secret=self.qbo_client_secret)
        if source == "clio":
            self.qbo.seed_customers(self.firm.qbo_customers)
        self.history: History | None = None
        if existing_books is not None:
            self.history = seed_history(self.qbo.books, self.firm, existing_books)
        self.realm_id = self.qbo.realm_id
        self.clio_faults = FaultSwitches()
        self.qbo_faults = FaultSwitches()
        self._clio_server = ServerThread(create_clio_app(self.clio, self.clio_faults), port=clio_port,
                                         name="clio-sandbox")
        self._qbo_server = ServerThread(create_qbo_app(self.qbo, self.qbo_faults), port=qbo_port,
                                        name="qbo-sandbox")
        # A firm kept in Smokeball or MyCase, served beside the others when the demo or a test runs one; QuickBooks
        # then starts empty of the Clio firm's customers. ``clio_rate_limit`` None keeps the service's own rate.
        self.source = source
        size = firm if isinstance(firm, str) else "small"
        rate = _rate(clio_rate_limit)
        self.smokeball_client_id, self.smokeball_client_secret = SMOKEBALL_CLIENT_ID, SMOKEBALL_CLIENT_SECRET
        self.smokeball_faults = FaultSwitches()
        self.smokeball: SmokeballState | None = None
        self.smokeball_truth: Truth | None = None
        self._smokeball_server: ServerThread | None = None
        if source == "smokeball":
            self.smokeball = SmokeballState(**rate(5.0, 5))
            self.smokeball_truth = smokeball_demo(self.smokeball, matters=SMOKEBALL_MATTERS.get(size, 20), seed=seed)
            self._smokeball_server = ServerThread(create_smokeball_app(self.smokeball, self.smokeball_faults),
                                                  port=smokeball_port, name="smokeball-sandbox")
        # MyCase: its API's emulator, and the trust ledger export the firm would download (its API has no trust)
        self.mycase: MyCaseState | None = None
        self.mycase_firm: MyCaseFirm | None = None
        self.mycase_faults = FaultSwitches()
        self.mycase_client_id, self.mycase_client_secret = "sandbox-mycase-client", "sandbox-mycase-secret"
        self._mycase_server: ServerThread | None = None
        if source == "mycase":
            self.mycase = MyCaseState(**rate(25.0, 25))
            self.mycase_firm = mycase_demo(self.mycase, cases=MYCASE_CASES.get(size, 12), seed=seed)
            self._mycase_server = ServerThread(create_mycase_app(self.mycase, self.mycase_faults),
                                               name="mycase-sandbox")
        self._running = False

    @property
    def mycase_url(self) -> str:
        return self._mycase_server.url if self._mycase_server else ""

    @property
    def smokeball_url(self) -> str:
        return self._smokeball_server.url if self._smokeball_server else ""

    @property
    def smokeball_api_key(self) -> str:
        """The emulator's made-up key (a real firm's is Smokeball's, issued to the app)."""
        return self.smokeball.api_key if self.smokeball else ""

    @property
    def clio_url(self) -> str:
        return self._clio_server.url

    @property
    def qbo_url(self) -> str:
        return self._qbo_server.url

    @property
    def qbo_discovery_url(self) -> str:
        return f"{self.qbo_url}/.well-known/openid_configuration"

    def start(self) -> Sandbox:
        self._clio_server.start()
        try:
            self._qbo_server.start()
        except BaseException:
            self._clio_server.stop()
            raise
        for extra in (self._smokeball_server, self._mycase_server):
            if extra is None:
                continue
            try:
                extra.start()
            except BaseException:
                self._qbo_server.stop()
                self._clio_server.stop()
                raise
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._running = False
            for extra in (self._smokeball_server, self._mycase_server):
                if extra is not None:
                    extra.stop()
            self._qbo_server.stop()
            self._clio_server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
