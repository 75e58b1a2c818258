"""The SIGKILL and fault runs on a firm that keeps MyCase (its trust ledger imported): killed at ten points and
run again, or run through 10% faults on both services, it reaches the end state of one uninterrupted sync."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_kill import faulted_then_finished, killed_then_finished, reference_state
from .test_kill_smokeball import TEN


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return reference_state(tmp_path_factory.mktemp("ref"), source="mycase")


def test_mycase_firm_killed_at_ten_points_then_rerun(tmp_path: Path, reference: dict) -> None:
    killed_then_finished(tmp_path, TEN, reference, source="mycase")


def test_mycase_firm_through_ten_percent_faults_reaches_the_same_end_state(tmp_path: Path, reference: dict) -> None:
    faulted_then_finished(tmp_path, reference, source="mycase")
