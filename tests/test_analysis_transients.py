"""Exponential transient fits and threshold-switching figures on synthetic data with known
answers (labmem.analysis_transients, labmem.analysis_threshold)."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_threshold, analysis_transients


def test_double_exponential_decay_is_recovered_within_its_uncertainty():
    rng = np.random.default_rng(3)
    t = np.linspace(0, 20e-3, 4000)
    i = 1e-9 + 8e-9 * np.exp(-t / 0.4e-3) + 4e-9 * np.exp(-t / 4e-3)
    single, double, chosen = analysis_transients.fit_decay(t, i + rng.normal(0, 1e-10, t.size))
    assert chosen is double and double.terms == 2
    for got, err, true in zip(double.taus + double.amplitudes,
                              double.tau_errors + double.amplitude_errors,
                              (0.4e-3, 4e-3, 8e-9, 4e-9), strict=True):
        assert abs(got - true) < 4 * err, (got, err, true)
    assert double.aicc < single.aicc - analysis_transients.AICC_MARGIN
    assert double.offset == pytest.approx(1e-9, abs=4 * double.offset_error)


def test_a_single_exponential_is_not_overfitted():
    rng = np.random.default_rng(4)
    t = np.linspace(0, 10e-3, 2000)
    i = 2e-9 + 8e-9 * np.exp(-t / 1e-3) + rng.normal(0, 1e-10, t.size)
    single, _, chosen = analysis_transients.fit_decay(t, i)
    assert chosen is single
    assert abs(single.taus[0] - 1e-3) < 4 * single.tau_errors[0]
    assert single.tau_mean == single.taus[0]


def test_ppf_fit_recovers_amplitude_and_time_constant_with_weights():
    rng = np.random.default_rng(5)
    dt = np.geomspace(1e-5, 1e-1, 14)
    sigma = np.full(dt.size, 0.05)
    index = 1 + 1.5 * np.exp(-dt / 3e-3) + rng.normal(0, 0.05, dt.size)
    single, _, chosen = analysis_transients.fit_ppf(dt, index, sigma)
    assert chosen is single and single.offset == 1.0
    assert abs(single.taus[0] - 3e-3) < 4 * single.tau_errors[0]
    assert abs(single.amplitudes[0] - 1.5) < 4 * single.amplitude_errors[0]


def test_ppf_fit_finds_two_time_constants_and_depression():
    dt = np.geomspace(1e-5, 1.0, 30)
    rng = np.random.default_rng(6)
    index = 1 - 0.3 * np.exp(-dt / 1e-4) + 0.6 * np.exp(-dt / 3e-2) + rng.normal(0, 0.01,
                                                                                 dt.size)
    _, double, chosen = analysis_transients.fit_ppf(dt, index, np.full(dt.size, 0.01))
    assert chosen is double
    assert double.amplitudes[0] < 0 < double.amplitudes[1]
    assert abs(double.taus[1] - 3e-2) < 4 * double.tau_errors[1]


def test_fits_refuse_too_few_points():
    with pytest.raises(ValueError, match="needs more than 3 points"):
        analysis_transients.fit_exponentials([0, 1, 2], [3, 2, 1], 1)


def test_ratio_of_means_and_its_error():
    a1, a2 = np.array([1.0, 1.2, 0.8]), np.array([2.0, 2.4, 1.6])
    ratio, err = analysis_transients.ratio_of_means(a1, a2)
    assert ratio == pytest.approx(2.0) and err == pytest.approx(0.0, abs=1e-12)  # proportional
    ratio, err = analysis_transients.ratio_of_means(np.ones(4), np.array([1.0, 2.0, 3.0, 2.0]))
    assert ratio == pytest.approx(2.0) and err == pytest.approx(np.std([1, 2, 3, 2], ddof=1) / 2)
    assert np.isnan(analysis_transients.ratio_of_means([1.0], [2.0])[1])


def synthetic_cycle(vth: float, vhold: float, compliance: float, step: float = 0.01):
    """A threshold switch's triangle 0 → 1.5 → −1.5 → 0: 1 GΩ HRS, compliance from vth on
    the way up to vhold on the way down (positive polarity only)."""
    up = np.arange(0, 1.5 + step / 2, step)
    v = np.concatenate([up, up[::-1][1:], -up[1:], -up[::-1][1:]])
    i = v / 1e9
    apex = up.size - 1
    on = np.zeros(v.size, bool)
    on[np.flatnonzero(v[: apex + 1] >= vth)[0]: apex + 1] = True
    down = apex + np.flatnonzero(v[apex:] < max(vhold, 0.0) - step / 2)[0]
    on[apex:down] = True
    i[on] = compliance
    return v, i


def test_threshold_cycle_finds_vth_vhold_window_and_on_off():
    v, i = synthetic_cycle(0.8, 0.2, 1e-8)
    (vp, ip), (vn, i_neg) = analysis_threshold.polarity_halves(v, i)
    assert vp.max() == pytest.approx(1.5) and vn.max() == pytest.approx(1.5)
    assert np.all(vp >= 0) and np.all(vn >= 0)
    fig = analysis_threshold.threshold_cycle(vp, ip, 1e-8, 0.3)
    assert fig["vth_v"] == pytest.approx(0.8, abs=0.01)
    assert fig["vhold_v"] == pytest.approx(0.2, abs=1e-9)
    assert fig["window_v"] == pytest.approx(0.6, abs=0.01)
    assert fig["i_on_a"] == pytest.approx(1e-8) and fig["i_off_a"] == pytest.approx(0.3e-9)
    assert fig["on_off"] == pytest.approx(1e-8 / 0.3e-9)
    negative = analysis_threshold.threshold_cycle(vn, i_neg, 1e-8, 0.3)
    assert np.isnan(negative["vth_v"]) and np.isnan(negative["vhold_v"])


def test_a_nonvolatile_cycle_has_no_vhold():
    v, i = synthetic_cycle(0.8, 0.0, 1e-8)  # stays on down to 0 V: no relaxation
    (vp, ip), _ = analysis_threshold.polarity_halves(v, i)
    assert np.isnan(analysis_threshold.vhold(vp, ip, 1e-8))
