"""Weight-update linearity on synthetic branches with known answers: the NeuroSim fit
recovers ν = Pmax/A within its stated uncertainty, the asymmetry and state counts of known
curves, and the cycle-to-cycle spread of known scatter."""

from __future__ import annotations

import numpy as np
import pytest

from labmem import analysis_linearity as al

P_MAX = 40


def noisy_branch(nu: float, g_start: float, g_end: float, sigma: float, cycles: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = np.tile(np.arange(P_MAX + 1, dtype=float), cycles)
    return p, al.update_curve(p, g_start, g_end, nu, P_MAX) + rng.normal(0, sigma, p.size)


def test_the_form_is_neurosims_with_a_equal_to_pmax_over_nu():
    a, g_min, g_max = 12.0, 1e-4, 5e-4
    b = (g_max - g_min) / (1 - np.exp(-P_MAX / a))
    p = np.arange(P_MAX + 1)
    neurosim = b * (1 - np.exp(-p / a)) + g_min
    assert al.update_curve(p, g_min, g_max, P_MAX / a, P_MAX) == pytest.approx(neurosim)
    assert al.update_shape(np.array([0.0, 0.3, 1.0]), 1e-9) == pytest.approx([0.0, 0.3, 1.0])


@pytest.mark.parametrize("nu", [3.0, 0.8, -1.5])
def test_the_fit_recovers_nu_within_its_uncertainty(nu):
    misses = 0
    for seed in range(10):
        p, g = noisy_branch(nu, 2e-4, 8e-4, 1.5e-5, cycles=3, seed=seed)
        fit = al.fit_branch(p, g)
        assert fit.p_max == P_MAX
        assert 0 < fit.nu_err < 0.5
        misses += abs(fit.nu - nu) > 2 * fit.nu_err
        assert fit.g_start == pytest.approx(2e-4, abs=3e-5)
        assert fit.g_end == pytest.approx(8e-4, abs=3e-5)
        assert fit.residual_std == pytest.approx(1.5e-5, rel=0.25)
    assert misses <= 2, "about 5 % of the seeds may miss a 2σ interval, not more"


def test_a_depression_branch_and_a_over_pmax():
    p, g = noisy_branch(2.0, 9e-4, 3e-4, 5e-6, cycles=2, seed=3)
    fit = al.fit_branch(p, g)
    assert fit.nu == pytest.approx(2.0, abs=3 * fit.nu_err)
    assert fit.a_over_pmax == pytest.approx(1 / fit.nu)
    assert fit.a_over_pmax_err == pytest.approx(fit.nu_err / fit.nu**2)


def test_a_flat_or_short_branch_is_refused():
    with pytest.raises(ValueError, match="does not change"):
        al.fit_branch(np.arange(10), np.full(10, 1e-4))
    with pytest.raises(ValueError, match="three distinct pulse numbers"):
        al.fit_branch(np.array([0, 0, 1, 1]), np.array([1.0, 1.1, 2.0, 2.1]))


def test_asymmetry_is_zero_when_depression_retraces_potentiation():
    assert al.asymmetry(2.0, -2.0) == pytest.approx(0.0, abs=1e-12)
    assert al.asymmetry(0.0, 0.0) == pytest.approx(0.0, abs=1e-12)
    # both branches saturating: the classic asymmetric pair, worse as ν grows
    assert 0.1 < al.asymmetry(1.0, 1.0) < al.asymmetry(3.0, 3.0) < 1.0


def test_distinguishable_states_of_a_staircase():
    g = np.repeat([1.0, 2.0, 3.0, 3.1, 5.0], 2)  # 3.1 is within 2σ of 3.0
    assert al.distinguishable_states(g, np.full(g.size, 0.1)) == 4
    assert al.distinguishable_states(g, np.full(g.size, 1.0)) == 2  # 2σ·√2 = 2.8 apart
    assert al.distinguishable_states(np.array([np.nan]), np.array([0.1])) == 0


def test_cycle_spread_of_known_scatter():
    rng = np.random.default_rng(0)
    mean = np.linspace(1.0, 2.0, 50)
    g = mean + rng.normal(0, 0.05, (400, 50))
    assert al.cycle_spread(g) == pytest.approx(0.05, rel=0.1)
    assert np.isnan(al.cycle_spread(g[:1]))
