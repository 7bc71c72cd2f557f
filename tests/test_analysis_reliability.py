"""Endurance and read-noise analysis on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_endurance, analysis_noise


def test_failure_cycle_is_the_first_of_two_reads_below_the_window() -> None:
    cycles = np.array([1, 10, 100, 1000, 2000, 3000, 4000])
    lrs = np.full(7, 1e3)
    hrs = np.array([1e8, 1e8, 5e3, 1e8, 8e3, 1.5e3, 1.2e3])  # one noisy read at 100
    res = analysis_endurance.endurance(cycles, hrs, lrs, min_window=10.0)
    assert res.failure_cycle == 2000 and res.failure_mode == "window"
    assert res.first_window == 1e5 and res.last_window == pytest.approx(1.2)
    stuck = analysis_endurance.endurance(cycles, np.full(7, 1.1e3), lrs)
    assert stuck.failure_cycle == 1 and stuck.failure_mode == "stuck"
    held = analysis_endurance.endurance(cycles, np.full(7, 1e8), lrs)
    assert np.isnan(held.failure_cycle) and held.failure_mode == ""


def synthetic_rtn(n: int, dt: float, tau_low: float, tau_high: float, low: float,
                  high: float, sigma: float, seed: int) -> np.ndarray:
    """A two-level signal with exponential dwells plus white noise, sampled every dt."""
    rng = np.random.default_rng(seed)
    x, s, t_next, t = np.empty(n), 0, rng.exponential(tau_low), 0.0
    for k in range(n):
        t = k * dt
        while t >= t_next:
            s ^= 1
            t_next += rng.exponential(tau_high if s else tau_low)
        x[k] = high if s else low
    return x + sigma * rng.standard_normal(n)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_telegraph_detector_recovers_levels_and_dwell_times(seed: int) -> None:
    x = synthetic_rtn(40_000, 1e-4, 20e-3, 8e-3, 1.0, 1.1, 0.01, seed)
    rtn = analysis_noise.telegraph(x, 1e-4)
    assert rtn.low == pytest.approx(1.0, abs=3e-3) and rtn.high == pytest.approx(1.1, abs=3e-3)
    assert abs(rtn.dwell_low_s - 20e-3) < 3 * rtn.dwell_low_err_s
    assert abs(rtn.dwell_high_s - 8e-3) < 3 * rtn.dwell_high_err_s


def test_relative_spread_and_the_slope_of_white_and_brown_noise() -> None:
    rng = np.random.default_rng(4)
    white = 1.0 + 0.05 * rng.standard_normal(4096)
    assert analysis_noise.relative_spread(white) == pytest.approx(0.05, rel=0.05)
    alpha, err = analysis_noise.spectral_slope(*analysis_noise.psd(white, 1e-3))
    assert abs(alpha) < 0.3 and err > 0
    brown = np.cumsum(rng.standard_normal(4096))  # 1/f² spectrum
    alpha, _ = analysis_noise.spectral_slope(*analysis_noise.psd(brown, 1e-3))
    assert alpha == pytest.approx(2.0, abs=0.3)
