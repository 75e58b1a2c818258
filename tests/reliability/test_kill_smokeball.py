"""The same SIGKILL and fault runs on a firm that keeps Smokeball: killed at ten points and run again, or run
through 10% faults on both services, it reaches the end state of one uninterrupted sync: no duplicate, nothing
missing, trust tied to the cent, the audit chain intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_kill import QUICK, faulted_then_finished, killed_then_finished, reference_state

# Ten points, each counting from the start of its run (QuickBooks requests seen, seconds after).
TEN = QUICK + [(1, 0.01), (2, 0.0), (2, 0.04), (4, 0.02), (5, 0.0)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return reference_state(tmp_path_factory.mktemp("ref"), source="smokeball")


def test_smokeball_firm_killed_at_ten_points_then_rerun(tmp_path: Path, reference: dict) -> None:
    assert len(TEN) >= 10
    killed_then_finished(tmp_path, TEN, reference, source="smokeball")


def test_smokeball_firm_through_ten_percent_faults_reaches_the_same_end_state(tmp_path: Path,
                                                                             reference: dict) -> None:
    faulted_then_finished(tmp_path, reference, source="smokeball")
