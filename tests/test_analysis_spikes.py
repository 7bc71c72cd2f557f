"""Spike analysis of a membrane node on synthetic records with known answers: falls of a
sawtooth, first crossings, intervals, the saturating rate fit and the oscillation window."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_spikes


def sawtooth(period_s: float, dt: float, duration_s: float, top_v: float) -> tuple:
    """A relaxation-oscillator node: linear charge to top_v, a fall to 0 within one sample."""
    t = np.arange(0.0, duration_s, dt)
    return t, top_v * (t % period_s) / period_s


def test_node_falls_find_each_discharge_once_and_not_the_charging():
    t, v = sawtooth(10e-3, 1e-5, 0.1, 1.5)
    v = v + np.random.default_rng(0).normal(0.0, 0.01, v.size)
    falls = analysis_spikes.node_falls(v, 0.2, 5)
    assert falls.size == 9  # the first fall comes at 10 ms, the record ends before the tenth
    assert np.allclose(np.diff(t[falls]), 10e-3, atol=6e-5)
    mean, std, freq = analysis_spikes.interval_stats(t[falls])
    assert mean == pytest.approx(10e-3, abs=5e-5) and std < 5e-5
    assert freq == pytest.approx(100.0, rel=0.01)
    assert analysis_spikes.node_falls(v[:400], 0.2, 5).size == 0  # still charging


def test_first_crossing_and_pulse_number():
    t = np.arange(0.0, 1e-4, 1e-7)
    i = np.where(t > 63.05e-6, 4e-5, 1e-12)
    at = analysis_spikes.first_crossing(t, i, 2e-5)
    assert at == pytest.approx(63.1e-6)
    assert analysis_spikes.pulse_number(at, 10e-6, 10e-6) == 6
    assert np.isnan(analysis_spikes.first_crossing(t, i, 1e-3))
    assert np.isnan(analysis_spikes.pulse_number(float("nan"), 0.0, 1.0))


def test_the_rate_fit_recovers_a_saturating_tuning_curve_within_its_errors():
    rng = np.random.default_rng(3)
    a = np.repeat(np.linspace(1.0, 10.0, 10), 3)
    truth = (120.0, 2.5, 2.0)
    r = analysis_spikes.saturating_rate(a, *truth) + rng.normal(0.0, 2.0, a.size)
    r = np.clip(r, 0.0, None)
    fit = analysis_spikes.fit_rate(a, r)
    for value, err, true in ((fit.r_max, fit.r_max_err, truth[0]), (fit.a0, fit.a0_err,
                                                                     truth[1]),
                             (fit.s, fit.s_err, truth[2])):
        assert 0 < err < 0.2 * abs(true)
        assert abs(value - true) < 3 * err
    assert fit(np.array([1.0]))[0] == 0.0
    with pytest.raises(ValueError, match="three amplitudes"):
        analysis_spikes.fit_rate(np.array([1.0, 2.0]), np.array([0.0, 5.0]))


def test_the_oscillation_window_spans_the_biases_with_enough_spikes():
    biases = np.array([0.3, 1.0, 2.0, 4.0, 8.0, 16.0])
    spikes = np.array([0, 2, 25, 60, 150, 1])
    assert analysis_spikes.oscillation_window(biases, spikes, 3) == (2.0, 8.0)
    assert all(np.isnan(analysis_spikes.oscillation_window(biases, spikes * 0, 3)))


def test_the_slope_of_a_noisy_line_is_recovered_within_its_standard_error():
    x = np.linspace(1.0, 8.0, 20)
    true_err = 3.0 / np.sqrt(np.sum((x - x.mean()) ** 2))  # σ of the noise over the x spread
    fits = [analysis_spikes.linear_slope(x, 5.0 + 17.0 * x
                                         + np.random.default_rng(seed).normal(0.0, 3.0, x.size))
            for seed in range(40)]
    slopes, errs = np.array(fits).T
    assert np.mean(errs) == pytest.approx(true_err, rel=0.1)
    assert 20 <= np.count_nonzero(np.abs(slopes - 17.0) < errs) <= 35  # ≈ 68 % within 1 σ
    assert analysis_spikes.linear_slope(np.array([1.0, 2.0]), np.array([3.0, 7.0])) \
        == (4.0, pytest.approx(float("nan"), nan_ok=True))
    assert all(np.isnan(analysis_spikes.linear_slope(np.array([2.0, 2.0]),
                                                     np.array([1.0, 3.0]))))


def test_values_inside_a_window_and_interpolated_between_biases():
    biases = np.array([4.0, 1.0, 2.0, 2.0, 8.0])
    freqs = np.array([60.0, np.nan, 20.0, 30.0, 150.0])
    b, f = analysis_spikes.window_points(biases, freqs, 1.0, 4.0)
    assert b.tolist() == [2.0, 2.0, 4.0] and f.tolist() == [20.0, 30.0, 60.0]
    assert analysis_spikes.value_at(b, f, 3.0) == pytest.approx(42.5)  # (25 + 60) / 2
    assert np.isnan(analysis_spikes.value_at(b, f, 5.0))
