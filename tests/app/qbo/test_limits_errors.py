"""The QuickBooks pacing limiter and the Fault → typed error mapping."""

from __future__ import annotations

import threading
import time

import pytest

from app.errors import LedgerbridgeError
from app.qbo import errors
from app.qbo.limits import QboLimiter


def _fault(code: str, type_: str = "ValidationFault") -> dict:
    return {"Error": [{"Message": "m", "Detail": "d", "code": code}], "type": type_}


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("6240", errors.QboDuplicateName),
        ("5010", errors.QboStaleObject),
        ("6000", errors.QboValidation),
        ("2020", errors.QboValidation),
        ("610", errors.QboNotFound),
        ("3200", errors.QboAuthError),
        ("3100", errors.QboAuthError),
        ("10000", errors.QboServerError),
    ],
)
def test_fault_codes_become_typed_errors(code: str, cls: type) -> None:
    err = errors.from_fault(_fault(code))
    assert type(err) is cls and isinstance(err, LedgerbridgeError) and err.code == code


def test_auth_envelope_is_lower_case_and_says_reconnect() -> None:
    err = errors.from_fault({"error": [{"message": "AuthenticationFailed", "code": "3200"}],
                             "type": "AUTHENTICATION"}, status=401)
    assert isinstance(err, errors.QboAuthError)
    assert "QuickBooks connection expired — reconnect in Settings" in str(err)


def test_limiter_caps_concurrency() -> None:
    lim = QboLimiter(per_minute=0, batch_per_minute=0, max_concurrent=4, window_seconds=1.0)
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lim.slot():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.02)
            with lock:
                running -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3


def test_limiter_window_counts_from_the_answer() -> None:
    now = [100.0]
    lim = QboLimiter(per_minute=3, batch_per_minute=1, max_concurrent=10, window_seconds=10.0,
                     clock=lambda: now[0])
    for _ in range(3):
        with lim.slot():
            pass
    # The fourth must wait until 10 s after the first answer; the batch quota is separate and smaller.
    assert lim._wait_for(batch=False) == pytest.approx(10.0)
    now[0] = 110.0
    assert lim._wait_for(batch=False) == 0
    with lim.slot(batch=True):
        pass
    assert lim._wait_for(batch=True) == pytest.approx(10.0)
    assert lim._wait_for(batch=False) == 0


def test_limiter_penalty_holds_everyone() -> None:
    now = [0.0]
    lim = QboLimiter(per_minute=100, clock=lambda: now[0])
    lim.penalise(2.5)
    assert lim._wait_for(batch=False) == pytest.approx(2.5)
