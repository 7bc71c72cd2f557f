"""The plasticity analyses on synthetic data with known answers: threshold frequency, retention
time, power-law fit with uncertainties, build-up ratio and filtering threshold."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_plasticity as ap


def test_threshold_frequency_is_the_sign_change_interpolated_on_log_f():
    f = np.geomspace(10, 1e5, 9)
    dg = np.log10(f) - 2.7  # crosses zero at 10**2.7 Hz, linear in log f
    assert ap.threshold_frequency(f, dg) == pytest.approx(10**2.7, rel=1e-9)
    assert ap.threshold_frequency(f, dg, level_s=1.0) == pytest.approx(10**3.7, rel=1e-9)


def test_threshold_frequency_takes_the_last_rise_past_noise_at_low_frequency():
    f = np.geomspace(1, 1e4, 9)
    dg = np.array([1e-10, -1e-10, 1e-10, -1e-10, 0.0, 0.0, 4e-9, 2e-8, 3e-8])
    assert ap.threshold_frequency(f, dg) == pytest.approx(f[5])
    assert np.isnan(ap.threshold_frequency(f, -np.ones(9)))  # never potentiates
    assert np.isnan(ap.threshold_frequency(f, np.ones(9)))  # below the range


def test_retention_time_of_an_exponential_decay():
    tau = 3e-3
    t = np.geomspace(1e-5, 1.0, 400)
    g = 2e-7 * np.exp(-t / tau)
    assert ap.retention_time(t, g, 0.5) == pytest.approx(tau * np.log(2), rel=0.01)
    assert np.isnan(ap.retention_time(t, np.full(t.size, 1e-7), 0.5))  # outlasts the record
    assert np.isnan(ap.retention_time(t, np.zeros(t.size), 0.5))


def test_power_law_fit_recovers_exponent_within_its_uncertainty():
    rng = np.random.default_rng(11)
    k = np.array([2, 3, 5, 10, 20, 30, 50, 100], dtype=float)
    y = 1e-4 * k**1.8 * np.exp(rng.normal(0, 0.1, k.size))
    fit = ap.power_law_fit(k, y)
    assert fit["n"] == k.size and 0 < fit["exponent_err"] < 0.2
    assert abs(fit["exponent"] - 1.8) < 3 * fit["exponent_err"]
    assert abs(fit["prefactor"] - 1e-4) < 3 * fit["prefactor_err"]
    two = ap.power_law_fit([10, 100], [1.0, 100.0])
    assert two["exponent"] == pytest.approx(2.0) and np.isnan(two["exponent_err"])
    with pytest.raises(ValueError):
        ap.power_law_fit([10, 10, 20], [1.0, 2.0, np.nan])


def test_buildup_ratio_and_filtering_threshold():
    assert ap.buildup_ratio([2e-9, 2e-9, 2e-9]) == pytest.approx(1.0)
    assert ap.buildup_ratio([1e-9, 5e-9, 1e-7]) == pytest.approx(100.0)
    assert np.isnan(ap.buildup_ratio([0.0, 1e-9]))
    amps = np.array([1.0, 1.5, 2.0, 2.5])
    # 2.5 V responds fully from the first pulse (ratio 1): the first rise still counts.
    assert ap.filtering_threshold(amps, np.array([1.0, 1.0, 5.0, 1.0]), 3.0) == \
        pytest.approx(1.75)
    assert np.isnan(ap.filtering_threshold(amps, np.ones(4), 1.5))
