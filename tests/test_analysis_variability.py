"""Variability fits on synthetic samples with known distributions: the lognormal and Weibull
estimates are scipy.stats' maximum-likelihood fits, their bootstrap intervals cover the true
parameters about as often as stated, and a cycle's figures come from labmem.analysis."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from labmem import analysis
from labmem import analysis_variability as av


def test_estimates_are_scipys_maximum_likelihood_fits():
    x = stats.weibull_min.rvs(2.5, scale=0.8, size=60, random_state=1)
    fits = av.fit_distributions(x, n_boot=20)
    sigma, _, median = stats.lognorm.fit(x, floc=0)
    shape, _, scale = stats.weibull_min.fit(x, floc=0)
    assert fits.median.value == pytest.approx(median, rel=1e-6)
    assert fits.sigma.value == pytest.approx(sigma, rel=1e-6)
    assert fits.weibull_shape.value == pytest.approx(shape, rel=1e-4)
    assert fits.weibull_scale.value == pytest.approx(scale, rel=1e-5)
    assert fits.n == 60


def test_bootstrap_intervals_cover_the_true_parameters():
    covered = {"weibull_shape": 0, "weibull_scale": 0, "median": 0, "sigma": 0}
    trials = 20
    for seed in range(trials):
        rng = np.random.default_rng(seed)
        w = av.fit_distributions(3.0 * rng.weibull(4.0, 80), n_boot=100, seed=seed)
        ln = av.fit_distributions(rng.lognormal(np.log(2e5), 0.4, 80), n_boot=100, seed=seed)
        for name, est, true in (("weibull_shape", w.weibull_shape, 4.0),
                                ("weibull_scale", w.weibull_scale, 3.0),
                                ("median", ln.median, 2e5), ("sigma", ln.sigma, 0.4)):
            assert est.low <= est.value <= est.high
            covered[name] += est.low <= true <= est.high
    for name, count in covered.items():
        assert count >= 0.8 * trials, f"{name}: a 95 % interval covered {count}/{trials}"


def test_the_same_values_give_the_same_intervals_and_bad_samples_are_refused():
    x = np.array([0.5, 0.7, 0.8, 0.9, 1.2, -1.0, np.nan])
    assert av.fit_distributions(x, seed=3) == av.fit_distributions(x, seed=3)
    assert av.fit_distributions(x).n == 5  # non-positive and NaN values left out
    with pytest.raises(ValueError, match="3 positive values"):
        av.fit_distributions(np.array([1.0, 2.0, -3.0]))
    with pytest.raises(ValueError, match="not all equal"):
        av.fit_distributions(np.ones(5))


def test_cycle_figures_come_from_the_iv_analysis():
    v = np.concatenate([np.linspace(0, 1, 101), np.linspace(1, -1, 201)[1:],
                        np.linspace(-1, 0, 101)[1:]])
    g = np.where((np.arange(v.size) > 60) & (np.arange(v.size) < 260), 1e-3, 1e-6)
    i = np.minimum(g * v, 1e-4)
    figures = av.cycle_figures(v, i, 1e-4, 0.1)
    assert figures["vset_v"] == pytest.approx(analysis.vset(v, i, 1e-4))
    assert figures["vreset_v"] == pytest.approx(abs(analysis.vreset(v, i)))
    assert (figures["r_hrs_ohm"], figures["r_lrs_ohm"]) == pytest.approx(
        analysis.state_resistances(v, i, 0.1))
    assert figures["r_hrs_ohm"] == pytest.approx(1e6) and figures["r_lrs_ohm"] == pytest.approx(1e3)
