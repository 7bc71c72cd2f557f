"""Fault injection: whatever an instrument does wrong mid-run (a read times out, it stops
answering, the session drops, a garbage reply, an SCPI error), the run ends failed or aborted
in bounded time, keeps every row it measured, and leaves every instrument safe."""

from __future__ import annotations

import pytest
from scenarios import FAMILIES, KINDS, run_faulted, transactions

WALL_LIMIT_S = 30.0
"""A guard, far above what a faulted run takes: a hang fails the test instead of CI."""


@pytest.fixture(scope="module")
def midpoints(tmp_path_factory):
    """Transaction at which to fault each family: half way through its role's traffic."""
    return {family: max(1, transactions(family, tmp_path_factory.mktemp(family)) // 2)
            for family in FAMILIES}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", FAMILIES)
def test_a_fault_mid_run_ends_it_safely_with_every_row_kept(tmp_path, midpoints, family, kind,
                                                            assert_safe):
    ending, station = run_faulted(family, kind, midpoints[family], tmp_path)
    assert ending.fired
    assert ending.status in ("failed", "aborted")
    assert ending.rows_lost == 0
    assert ending.wall_s < WALL_LIMIT_S
    assert station.safe_off() == []
    assert_safe(station)


def test_an_unknown_fault_is_refused(tmp_path):
    from scenarios import station_on

    station = station_on(tmp_path)
    with pytest.raises(ValueError, match="unknown fault kind 'melt'"):
        station.visalib.faults.inject("smu", "melt")
    with pytest.raises(ValueError, match="no role 'dmm'"):
        station.visalib.faults.inject("dmm", "timeout")
