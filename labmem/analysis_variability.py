"""Cycle-to-cycle and device-to-device variability of resistive switching: Vset, Vreset, R_HRS
and R_LRS per I(V) cycle, and lognormal and Weibull fits of their distributions (maximum
likelihood with scipy.stats, location fixed at 0) with percentile bootstrap confidence
intervals. Pure functions on arrays, SI units; scipy is imported inside the fits only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labmem import analysis

QUANTITIES = ("vset_v", "vreset_v", "r_hrs_ohm", "r_lrs_ohm")
"""The per-cycle figures, in the order tables show them (Vreset as its magnitude)."""
MIN_VALUES = 3
"""Fewest positive values a distribution fit takes."""


def cycle_figures(v: np.ndarray, i: np.ndarray, compliance_a: float,
                  v_read: float) -> dict[str, float]:
    """One triangle cycle's Vset (at 90 % of the compliance), |Vreset|, and R_HRS, R_LRS read at
    v_read on the rising and falling positive branches (labmem.analysis); NaN where the
    cycle does not show it."""
    r_hrs, r_lrs = analysis.state_resistances(v, i, v_read)
    return {"vset_v": analysis.vset(v, i, compliance_a),
            "vreset_v": abs(analysis.vreset(v, i)), "r_hrs_ohm": r_hrs, "r_lrs_ohm": r_lrs}


@dataclass(frozen=True)
class Estimate:
    """A fitted parameter and the bounds of its bootstrap confidence interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class DistributionFits:
    """Lognormal (median e^μ and shape σ of ln x) and Weibull (shape β, scale η: the 63.2 %
    quantile) fits of one quantity's positive values, each with its confidence interval."""

    n: int
    median: Estimate
    sigma: Estimate
    weibull_shape: Estimate
    weibull_scale: Estimate
    confidence: float

    def as_dict(self) -> dict[str, float]:
        """Flat {name: value} with name_low / name_high for the interval bounds."""
        out: dict[str, float] = {"n": float(self.n)}
        for name in ("median", "sigma", "weibull_shape", "weibull_scale"):
            est = getattr(self, name)
            out.update({name: est.value, f"{name}_low": est.low, f"{name}_high": est.high})
        return out


def _fit(x: np.ndarray) -> np.ndarray:
    """[lognormal median, lognormal σ, Weibull β, Weibull η] of positive values x: the maximum
    likelihood estimates scipy.stats' lognorm.fit and weibull_min.fit (floc=0) give, solved
    directly (closed form; Weibull β from its profile likelihood equation by brentq), which
    is what keeps a bootstrap of hundreds of fits fast."""
    from scipy.optimize import brentq

    y = np.log(x)
    mu, sigma = float(y.mean()), float(y.std())
    z = y - y.max()  # x^β scaled by max(x)^β: no overflow at large β

    def profile(beta: float) -> float:
        w = np.exp(beta * z)
        return float(np.sum(w * y) / np.sum(w) - 1.0 / beta - mu)

    lo, hi = 1e-3, 1.0
    while profile(hi) < 0 and hi < 1e6:  # the profile rises with β: bracket its root
        hi *= 10.0
    beta = brentq(profile, lo, hi, xtol=1e-12)
    scale = float(np.exp(y.max()) * np.mean(np.exp(beta * z)) ** (1.0 / beta))
    return np.array([np.exp(mu), sigma, beta, scale])


def fit_distributions(values: np.ndarray, n_boot: int = 200, confidence: float = 0.95,
                      seed: int = 0) -> DistributionFits:
    """Lognormal and Weibull maximum-likelihood fits of the finite positive values, with
    percentile bootstrap intervals at confidence from n_boot resamples (a seeded generator:
    the same values give the same intervals). ValueError with fewer than MIN_VALUES values
    or all values equal (no spread to fit)."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x) & (x > 0)]
    if x.size < MIN_VALUES or np.ptp(x) == 0:
        raise ValueError(f"a distribution fit needs {MIN_VALUES} positive values that are not "
                         f"all equal, got {x.size}")
    best = _fit(x)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        sample = rng.choice(x, x.size)
        if np.ptp(sample) > 0:
            boots.append(_fit(sample))
    tail = 50.0 * (1.0 - confidence)
    low, high = (np.percentile(boots, [tail, 100.0 - tail], axis=0) if boots
                 else np.full((2, 4), np.nan))
    est = [Estimate(float(b), float(lo), float(hi)) for b, lo, hi in zip(best, low, high,
                                                                            strict=True)]
    return DistributionFits(int(x.size), *est, confidence=confidence)
