"""What a run tells whoever watches it: its phase and counts, and the push's estimate of the time left."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.sync.slices import SliceSpec


@dataclass(frozen=True, slots=True)
class Progress:
    phase: str  # resume | pull | plan | push | verify | done
    done: int
    total: int
    eta_seconds: float | None = None


class PushProgress:
    """The push's counts, updated by the senders of two slices and their threads at once (under ``lock``),
    and its ETA from the rate so far. The total is known only slice by slice, so it is estimated from the
    writes planned per unit of slice weight so far."""

    def __init__(self, report: Callable[[Progress], None]) -> None:
        self.report = report
        self.lock = threading.Lock()
        self.done = 0
        self.total = 0
        self.started = 0.0
        self.planned = 0
        self.planned_weight = 0

    def start(self) -> None:
        self.started = self.started or time.monotonic()

    def expect(self, count: int) -> None:
        """``count`` more writes are on their way (an early push)."""
        with self.lock:
            self.total += count
            self.start()

    def expect_slice_locked(self, count: int, specs: Sequence[SliceSpec], n: int) -> None:
        """Slice ``n`` of ``specs`` plans ``count`` writes: estimate the slices to come from those planned so
        far. The caller holds ``lock``."""
        self.planned += count
        self.planned_weight += specs[n].weight
        per_weight = self.planned / self.planned_weight if self.planned_weight else 0
        left = sum(spec.weight for spec in specs[n + 1:])
        self.total = self.done + count + int(per_weight * left)

    def pushed(self, count: int) -> None:
        with self.lock:
            self.done += count
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0
        eta = (self.total - self.done) / rate if rate else None
        self.report(Progress("push", self.done, self.total, eta))
