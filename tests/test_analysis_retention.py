"""Retention drift and read disturb (labmem.analysis_retention) on synthetic data with known
answers: power-law drift with seeded noise, a state that is lost, reads that move G."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_retention as ar


def test_drift_exponent_recovered_within_its_uncertainty_over_seeds():
    t = np.geomspace(1.0, 1e5, 26)
    pulls = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        g = 1e-4 * t ** -0.03 * np.exp(0.01 * rng.standard_normal(t.size))
        fit = ar.drift(t, g)
        assert np.isnan(fit["retention_s"]) and fit["held_reads"] == t.size
        pulls.append((fit["nu"] - 0.03) / fit["nu_err"])
        assert fit["g1_s"] == pytest.approx(1e-4, rel=0.05)
    pulls = np.array(pulls)
    assert np.mean(np.abs(pulls) < 2) >= 0.85  # a 2σ interval holds ~95 % of the time
    assert abs(pulls.mean()) < 1.0


def test_drift_fits_only_while_the_state_holds_and_times_its_loss():
    """A level that follows t^-0.05 and collapses to the HRS floor after 1000 s."""
    t = np.geomspace(1.0, 1e5, 26)
    noise = np.exp(1e-3 * np.random.default_rng(1).standard_normal(t.size))
    g = np.where(t < 1000.0, 1e-4 * t ** -0.05, 1e-11) * noise
    fit = ar.drift(t, g, fraction=0.5)
    assert abs(fit["nu"] - 0.05) < 3 * fit["nu_err"]
    assert fit["held_reads"] == np.count_nonzero(t < 1000.0)
    assert 600.0 < fit["retention_s"] < 1600.0
    few = ar.drift(t[:2], g[:2])
    assert np.isnan(few["nu"])


def test_held_is_empty_without_a_positive_first_read():
    assert not ar.held(np.array([-1e-12, 1e-4]), 0.5).any()


def test_disturb_counts_reads_to_a_change_and_fits_the_exponent():
    n = np.arange(1, 10_001)
    noise = np.exp(1e-3 * np.random.default_rng(0).standard_normal(n.size))
    g = 1e-4 * n ** -0.1 * noise  # down 6.7 % at read 2, 10.4 % at read 3
    out = ar.disturb(g, change=0.1)
    assert out["reads_to_change"] == 3.0
    assert out["relative_change"] == pytest.approx(10_000 ** -0.1 - 1, rel=0.01)
    assert abs(out["exponent"] + 0.1) < 3 * out["exponent_err"] < 1e-3
    flat = ar.disturb(1e-4 * noise[:100], change=0.1)
    assert np.isnan(flat["reads_to_change"]) and abs(flat["relative_change"]) < 0.01
