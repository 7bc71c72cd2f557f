"""Weight-update linearity of a synapse (P18): the NeuroSim exponential form fitted to the
conductance against pulse number of a potentiation or depression branch, the asymmetry of the
two branches, the number of distinguishable states and the cycle-to-cycle spread. Pure
functions on arrays, SI units; scipy is imported inside the fit only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NU_BOUND = 50.0
"""Largest |ν| = Pmax/A the fit allows: beyond it the branch is a step, not a curve."""
SMALL_NU = 1e-4
"""|ν| below which the form is evaluated by its expansion to first order in ν (no 0/0)."""


def update_shape(u: np.ndarray, nu: float) -> np.ndarray:
    """The normalised NeuroSim curve f(u) = (1 − exp(−ν·u)) / (1 − exp(−ν)) on u = P/Pmax in
    [0, 1]: 0 at u = 0, 1 at u = 1; ν > 0 saturating (the change is fastest at the first
    pulses), ν < 0 accelerating, ν → 0 the straight line u."""
    u = np.asarray(u, dtype=float)
    if abs(nu) < SMALL_NU:
        return u + 0.5 * nu * u * (1.0 - u)
    return np.expm1(-nu * u) / np.expm1(-nu)


def update_curve(p: np.ndarray, g_start: float, g_end: float, nu: float,
                 p_max: float) -> np.ndarray:
    """G(P) = G_start + (G_end − G_start)·f(P/Pmax; ν). For potentiation with G_start = Gmin,
    G_end = Gmax and A = Pmax/ν this is NeuroSim's G(P) = B(1 − exp(−P/A)) + Gmin with
    B = (Gmax − Gmin)/(1 − exp(−Pmax/A)); a depression branch uses the same form from its
    first conductance to its last."""
    return g_start + (g_end - g_start) * update_shape(np.asarray(p, dtype=float) / p_max, nu)


@dataclass(frozen=True)
class BranchFit:
    """A branch's fitted curve: the end conductances, ν = Pmax/A with its standard error, and
    the residual standard deviation (read noise plus cycle-to-cycle scatter)."""

    g_start: float
    g_end: float
    nu: float
    nu_err: float
    p_max: float
    residual_std: float
    n: int

    @property
    def a_over_pmax(self) -> float:
        """NeuroSim's A normalised to Pmax, 1/ν (inf for a straight line)."""
        return 1.0 / self.nu if self.nu != 0 else float("inf")

    @property
    def a_over_pmax_err(self) -> float:
        """Standard error of A/Pmax propagated from that of ν, σν/ν²."""
        return self.nu_err / self.nu**2 if self.nu != 0 else float("inf")

    def __call__(self, p: np.ndarray) -> np.ndarray:
        return update_curve(p, self.g_start, self.g_end, self.nu, self.p_max)


def _ends_for(u: np.ndarray, g: np.ndarray, nu: float) -> tuple[np.ndarray, float]:
    """The least-squares (G_start, G_end) for a given ν (the form is linear in them) and the
    residual sum of squares."""
    f = update_shape(u, nu)
    design = np.column_stack([1.0 - f, f])
    ends, *_ = np.linalg.lstsq(design, g, rcond=None)
    return ends, float(np.sum((design @ ends - g) ** 2))


def fit_branch(pulses: np.ndarray, g: np.ndarray, p_max: float | None = None) -> BranchFit:
    """Fit G(P) = G_start + (G_end − G_start)·f(P/Pmax; ν) to the (pulse number, conductance)
    pairs of one branch (several cycles may share pulse numbers) with scipy's curve_fit; ν's
    standard error from the covariance scaled by the residuals. Pmax defaults to the largest
    pulse number. ValueError with fewer than four usable points or three distinct pulses."""
    from scipy.optimize import curve_fit

    p = np.asarray(pulses, dtype=float)
    g = np.asarray(g, dtype=float)
    ok = np.isfinite(p) & np.isfinite(g)
    p, g = p[ok], g[ok]
    if p.size < 4 or np.unique(p).size < 3:
        raise ValueError(f"a branch fit needs four points at three distinct pulse numbers, "
                         f"got {p.size} at {np.unique(p).size}")
    if np.ptp(g) == 0:
        raise ValueError("the conductance does not change along the branch: nothing to fit")
    p_max = float(p.max()) if p_max is None else float(p_max)
    scale = float(np.max(np.abs(g))) or 1.0
    u, y = p / p_max, g / scale
    grid = np.linspace(-NU_BOUND / 5, NU_BOUND / 5, 81)  # a start near the best ν
    nu0 = min(grid, key=lambda nu: _ends_for(u, y, nu)[1])
    (s0, e0), _ = _ends_for(u, y, nu0)

    def model(uu: np.ndarray, start: float, end: float, nu: float) -> np.ndarray:
        return start + (end - start) * update_shape(uu, nu)

    params, cov = curve_fit(model, u, y, p0=(s0, e0, nu0),
                            bounds=([-np.inf, -np.inf, -NU_BOUND], [np.inf, np.inf, NU_BOUND]))
    resid = y - model(u, *params)
    dof = max(p.size - 3, 1)
    return BranchFit(g_start=float(params[0] * scale), g_end=float(params[1] * scale),
                     nu=float(params[2]), nu_err=float(np.sqrt(cov[2, 2])), p_max=p_max,
                     residual_std=float(scale * np.sqrt(np.sum(resid**2) / dof)),
                     n=int(p.size))


def asymmetry(nu_potentiation: float, nu_depression: float, points: int = 201) -> float:
    """How far depression is from retracing potentiation, 0 to 1: the largest difference, on
    the normalised conductance (0 at Gmin, 1 at Gmax), between the potentiation curve after a
    fraction u of its pulses and the depression curve after the fraction 1 − u of its own.
    A depression that retraces potentiation (ν_D = −ν_P) gives 0; two equally saturating
    branches (ν_D = ν_P = ν) give the most for that ν."""
    u = np.linspace(0.0, 1.0, points)
    potentiation = update_shape(u, nu_potentiation)
    depression = 1.0 - update_shape(1.0 - u, nu_depression)
    return float(np.max(np.abs(potentiation - depression)))


def distinguishable_states(g_mean: np.ndarray, g_sigma: np.ndarray, k: float = 2.0) -> int:
    """Conductance levels of a branch separated by more than k·σ: walking along the mean
    conductance per pulse, a pulse opens a new level when its mean differs from the last
    level's by more than k times the two spreads added in quadrature. Non-finite pulses are
    skipped; 0 when there is none."""
    g = np.asarray(g_mean, dtype=float)
    s = np.asarray(g_sigma, dtype=float)
    ok = np.isfinite(g) & np.isfinite(s)
    g, s = g[ok], s[ok]
    if not g.size:
        return 0
    states, level, spread = 1, g[0], s[0]
    for value, sigma in zip(g[1:], s[1:], strict=True):
        if abs(value - level) > k * np.hypot(spread, sigma):
            states, level, spread = states + 1, value, sigma
    return states


def cycle_spread(g_cycles: np.ndarray) -> float:
    """Cycle-to-cycle spread of a branch from its conductances (cycles × pulses): the median
    over pulses of the standard deviation across cycles, over the range of the mean curve
    (max − min). NaN with fewer than two cycles or a flat mean."""
    g = np.asarray(g_cycles, dtype=float)
    if g.ndim != 2 or g.shape[0] < 2:
        return float("nan")
    with np.errstate(all="ignore"):
        mean = np.nanmean(g, axis=0)
        std = np.nanstd(g, axis=0, ddof=1)
    span = float(np.nanmax(mean) - np.nanmin(mean)) if np.isfinite(mean).any() else 0.0
    if not span > 0 or not np.isfinite(std).any():
        return float("nan")
    return float(np.nanmedian(std) / span)
