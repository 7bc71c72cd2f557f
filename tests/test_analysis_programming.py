"""Forming event, program-verify decisions and ramps (labmem.analysis_programming) on
synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_programming as ap


def test_first_event_is_the_first_reading_at_the_level_either_sign():
    i = np.array([1e-9, 2e-9, -6e-5, 1e-4, 1e-4])
    assert ap.first_event(i, 5e-5) == 2
    assert ap.first_event(i[:2], 5e-5) is None


def test_verify_action_and_reachability_by_the_tolerance_band():
    assert ap.verify_action(1.05e-4, 1e-4, 0.1) == ap.DONE
    assert ap.verify_action(0.85e-4, 1e-4, 0.1) == ap.SET
    assert ap.verify_action(1.2e-4, 1e-4, 0.1) == ap.RESET
    assert ap.verify_action(float("nan"), 1e-4, 0.1) == ap.SET
    assert ap.reachable(1e-4, 0.1, 1e-11, 5e-3)
    assert ap.reachable(5.4e-3, 0.1, 1e-11, 5e-3)  # the band (4.86 … 5.94 mS) overlaps
    assert not ap.reachable(6e-3, 0.1, 1e-11, 5e-3)
    assert not ap.reachable(1e-13, 0.1, 1e-11, 5e-3)


def test_ramp_steps_on_and_holds_at_its_limit():
    amplitude = ap.Ramp(-0.1, -0.2, -0.5)
    assert [amplitude.next(k > 0) for k in range(4)] == pytest.approx([-0.1, -0.3, -0.5, -0.5])
    compliance = ap.Ramp(1e-6, 2.0, 5e-6, geometric=True)
    assert [compliance.next(k > 0) for k in range(4)] == pytest.approx([1e-6, 2e-6, 4e-6, 5e-6])


def test_ramp_bisects_the_level_that_reaches_a_threshold():
    """A device that reaches the target exactly when the level is ≥ 0.537 (and overshoots
    above): pulses in a row while short, back (other direction) when over. The levels close
    in on the threshold, the bracket halving every two pulses once it is found."""
    ramp, threshold = ap.Ramp(0.1, 0.2, 2.0), 0.537
    again, levels = False, []
    for _ in range(20):
        level = ramp.next(again)
        levels.append(level)
        again = level < threshold  # short: the next pulse of this ramp follows at once
    assert levels[:4] == pytest.approx([0.1, 0.3, 0.5, 0.7])
    assert abs(levels[-1] - threshold) < 0.2 / 2 ** 9  # one halving per two pulses


def test_ramp_whose_first_level_overshoots_backs_off_by_whole_steps_not_past_zero():
    ramp = ap.Ramp(-0.1, -0.02, -1.5)
    assert ramp.next(False) == pytest.approx(-0.1)
    assert [ramp.next(False) for _ in range(3)] == pytest.approx([-0.08, -0.06, -0.04])
    assert [ramp.next(False) for _ in range(3)] == pytest.approx([-0.02, -0.01, -0.005])
    assert not ramp.bracketed


def test_relative_error():
    assert ap.relative_error(np.array([0.9, 1.2]), 1.0) == pytest.approx([0.1, 0.2])
