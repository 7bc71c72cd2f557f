"""Analysis functions on synthetic data with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis
from labmem.waveforms import pulse_train, segments_to_knots, triangle_knots


def test_vset_interpolates_in_log_current():
    v = np.array([0.0, 0.1, 0.2, 0.3, 0.2, 0.0])
    i = np.array([1e-12, 1e-11, 1e-9, 1e-8, 1e-8, 1e-12])
    # 9e-9 lies between 1e-9 (0.2 V) and 1e-8 (0.3 V): log-interpolated
    expected = 0.2 + 0.1 * np.log(9) / np.log(10)
    assert analysis.vset(v, i, 1e-8) == pytest.approx(expected)
    assert np.isnan(analysis.vset(v, i * 1e-3, 1e-8))


def test_vset_ignores_the_falling_branch():
    v = np.array([0.0, 0.5, 1.0, 0.5, 0.0])
    i = np.array([0.0, 1e-12, 1e-12, 1e-8, 0.0])
    assert np.isnan(analysis.vset(v, i, 1e-8))


def test_mean_std_and_linear_fit():
    mean, std = analysis.mean_std(np.array([1.0, 2.0, 3.0, np.nan]))
    assert (mean, std) == (2.0, 1.0)
    x = np.linspace(0, 1, 11)
    slope, intercept, r2 = analysis.linear_fit(x, 3 * x - 2)
    assert (slope, intercept, r2) == pytest.approx((3, -2, 1))


def test_pulse_windows_peaks_and_edges():
    kt, kv = segments_to_knots(pulse_train(1.0, 0.0, 1.0, 2.0, 3))
    v = np.interp(np.arange(0, 6, 0.25), kt, kv)
    windows = analysis.pulse_windows(v, 0.5)
    assert len(windows) == 3
    current = np.where(v > 0.5, np.arange(v.size), 0.0)
    peaks = analysis.peak_per_window(current, windows)
    assert np.all(np.diff(peaks) > 0)
    assert list(analysis.rising_edges(np.array([0, 2, 2, 0, 3, 0]), 1.0)) == [1, 4]


def test_decay_time_of_exponential():
    t = np.linspace(0, 10e-3, 10001)
    assert analysis.decay_time(t, np.exp(-t / 1e-3), np.exp(-1)) == pytest.approx(1e-3, rel=1e-3)


def test_series_correction_recovers_conductance():
    g_true, r = 1e-3, 1e3
    i = 0.1 / (r + 1 / g_true)
    assert analysis.series_corrected_conductance(np.array([i]), 0.1, r)[0] == pytest.approx(g_true)


def test_waveform_validation():
    with pytest.raises(ValueError, match="rate"):
        triangle_knots(1.0, -1.0, 0.0)
    with pytest.raises(ValueError, match="width"):
        pulse_train(1.0, 0.0, 2.0, 1.0, 3)
    with pytest.raises(ValueError, match="duration"):
        segments_to_knots([(1.0, -1.0)])
