"""STDP windows on synthetic ΔG(Δt) with known amplitudes and time constants: each side's fit
recovers them within its standard errors; a side with too few delays is refused."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_stdp

DELAYS = np.array([10, 20, 40, 80, 160, 320]) * 1e-6


def synthetic(seed: int, repeats: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dt = np.tile(np.concatenate([DELAYS, -DELAYS]), repeats)
    dg = np.where(dt > 0, 60e-6 * np.exp(-dt / 50e-6), -30e-6 * np.exp(dt / 120e-6))
    return dt, dg + rng.normal(0, 2e-6, dt.size)


def test_both_windows_are_recovered_within_their_uncertainty():
    misses = 0
    for seed in range(20):
        dt, dg = synthetic(seed)
        for side, amp, tau in ((1, 60e-6, 50e-6), (-1, -30e-6, 120e-6)):
            fit = analysis_stdp.window_fit(dt, dg, side)
            assert fit.offset == 0.0 and fit.terms == 1
            assert np.sign(fit.amplitudes[0]) == np.sign(amp)
            misses += abs(fit.amplitudes[0] - amp) > 2 * fit.amplitude_errors[0]
            misses += abs(fit.taus[0] - tau) > 2 * fit.tau_errors[0]
            assert fit.tau_errors[0] < 0.3 * tau
    # a 2σ interval misses about 5 % (7 % measured over 200 seeds: a nonlinear fit of 18
    # points); standard errors half as large as they should be would miss a third
    assert misses <= 10, f"{misses} of 80 estimates missed their 2σ interval"


def test_a_side_without_two_delays_is_refused():
    dt = np.array([1e-5, 1e-5, -1e-5, -2e-5, -4e-5])
    dg = np.array([1.0, 1.1, -1.0, -0.5, -0.2]) * 1e-5
    with pytest.raises(ValueError, match=r"two distinct delays with Δt of sign \+1"):
        analysis_stdp.window_fit(dt, dg, 1)
    assert analysis_stdp.window_fit(dt, dg, -1).amplitudes[0] < 0


def test_a_window_whose_first_listed_read_is_zero_is_still_found():
    """Repeats come delay by delay, so the first point at the shortest delay may be a read
    that showed no change (one scope code is ≈ 20 µS); the fit starts from the mean there and
    finds the depression, not a vanishing τ (found on the simulated STDP with read noise)."""
    dt = np.tile(-np.array([50, 100, 150, 250, 2000]) * 1e-6, 3)
    dg = np.array([0, -17, -19, -37, 0, -42, -67, -65, 0, -20, -109, -43, -65, -41, -20]) * 1e-6
    fit = analysis_stdp.window_fit(dt, dg, -1)
    assert fit.amplitudes[0] < -2 * fit.amplitude_errors[0] < 0
    assert fit.taus[0] > 50e-6
