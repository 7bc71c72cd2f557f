"""Exponential fits of transients with parameter uncertainties: a read current decaying after a
pulse (y = y∞ + Σ Ak·exp(−t/τk)) and a paired-pulse index relaxing to 1 with the interval
(y = 1 + Σ Ck·exp(−Δt/τk)); one or two terms, the better chosen by the corrected Akaike
information criterion (AICc). scipy is imported inside the fitting function only."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

AICC_MARGIN = 2.0
"""The two-term model is chosen only when its AICc is lower than the one-term model's by more
than this (the usual threshold for "substantially better")."""


@dataclass(frozen=True)
class ExpFit:
    """A fit y = offset + Σ amplitudes[k]·exp(−x/taus[k]), the fitted parameters' standard
    errors from the covariance, and the fit's quality. taus ascend (fastest first)."""

    amplitudes: tuple[float, ...]
    taus: tuple[float, ...]
    amplitude_errors: tuple[float, ...]
    tau_errors: tuple[float, ...]
    offset: float
    offset_error: float
    rss: float
    n: int
    n_params: int
    aicc: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "aicc", aicc(self.rss, self.n, self.n_params))

    @property
    def terms(self) -> int:
        """Number of exponential terms."""
        return len(self.taus)

    @property
    def tau_mean(self) -> float:
        """Amplitude-weighted mean time constant Σ|Ak|τk / Σ|Ak| (τ itself for one term)."""
        weights = np.abs(self.amplitudes)
        return float(np.sum(weights * np.array(self.taus)) / weights.sum())

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return self.offset + sum(a * np.exp(-x / tau)
                                 for a, tau in zip(self.amplitudes, self.taus, strict=True))


def aicc(rss: float, n: int, k: int) -> float:
    """Corrected Akaike information criterion of a least-squares fit with k parameters to n
    points: n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1); inf when n ≤ k + 1."""
    if n <= k + 1 or not rss > 0:
        return float("inf") if n <= k + 1 else float("-inf")
    return float(n * np.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1))


def _first_tau(x: np.ndarray, y: np.ndarray, offset: float) -> float:
    """A starting time constant: how long |y − offset| takes to fall below 1/e of its first
    value (a third of the x span when it never does)."""
    excess = np.abs(y - offset)
    below = np.flatnonzero(excess < excess[0] / np.e)
    if below.size and x[below[0]] > x[0]:
        return float(x[below[0]] - x[0])
    return float(x.max() - x.min()) / 3 or 1.0


def _starts(u: np.ndarray, v: np.ndarray, c0: float, terms: int, free_offset: bool
            ) -> list[list[float]]:
    """Starting points (log-τ, amplitudes, offset if free) in the fit's scaled units: for two
    terms, the time constants a decade either side of the one-term guess and amplitudes of
    either sign, so a fast term of the opposite sign (facilitation with depression) is found."""
    tau0 = _first_tau(u, v, c0)
    a0 = float(np.mean(v[u == u[0]]) - c0) or 1e-3  # every point at the first x (repeats)
    tail = [c0] if free_offset else []
    if terms == 1:
        return [[np.log(tau0), a0, *tail]]
    return [[np.log(tau0 * fast), np.log(tau0 * slow), a_fast, a_slow, *tail]
            for fast, slow in ((1 / 3, 3), (1 / 10, 1), (1, 10))
            for a_fast, a_slow in ((a0 / 2, a0 / 2), (-a0 / 2, 1.5 * a0))]


def fit_exponentials(x: np.ndarray, y: np.ndarray, terms: int, offset: float | None = None,
                     sigma: np.ndarray | None = None) -> ExpFit:
    """Least-squares fit of y = offset + Σ Ak·exp(−x/τk) with terms = 1 or 2 (τk > 0); the
    offset is fitted unless given. sigma: standard errors of y (absolute), for a weighted
    fit. ValueError with too few points or when the fit does not converge."""
    from scipy.optimize import OptimizeWarning, curve_fit

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if sigma is not None:
        sigma = np.asarray(sigma, dtype=float)
        keep &= np.isfinite(sigma) & (sigma > 0)
        sigma = sigma[keep]
    order = np.argsort(x[keep], kind="stable")  # the starting guesses read the first x
    x, y = x[keep][order], y[keep][order]
    if sigma is not None:
        sigma = sigma[order]
    if terms not in (1, 2):
        raise ValueError(f"terms must be 1 or 2, got {terms!r}")
    free_offset = offset is None
    n_params = 2 * terms + int(free_offset)
    if x.size <= n_params:
        raise ValueError(f"a {terms}-term exponential fit needs more than {n_params} points, "
                         f"got {x.size}")
    scale_x = float(np.max(np.abs(x))) or 1.0
    scale_y = float(np.max(np.abs(y))) or 1.0
    u, v = x / scale_x, y / scale_y  # fit in units of order 1
    c0 = float(v[-1]) if free_offset else float(offset) / scale_y

    def model(xx: np.ndarray, *p: float) -> np.ndarray:
        """Parameters: log-τ (τ > 0 without bounds), amplitudes, then the offset if free."""
        out = np.full(xx.shape, p[2 * terms] if free_offset else c0)
        for k in range(terms):
            out = out + p[terms + k] * np.exp(-xx / np.exp(np.clip(p[k], -50.0, 50.0)))
        return out

    best = None
    for p0 in _starts(u, v, c0, terms, free_offset):
        try:
            with warnings.catch_warnings():  # a degenerate fit: infinite errors, said below
                warnings.simplefilter("ignore", OptimizeWarning)
                popt, pcov = curve_fit(model, u, v, p0=p0, sigma=None if sigma is None
                                       else sigma / scale_y, absolute_sigma=sigma is not None,
                                       maxfev=20_000)
        except (RuntimeError, ValueError):
            continue
        residuals = model(u, *popt) * scale_y - y
        rss = float(np.sum((residuals if sigma is None else residuals / sigma) ** 2))
        if best is None or rss < best[0]:
            best = (rss, popt, pcov)
    if best is None:
        raise ValueError(f"the {terms}-term exponential fit did not converge")
    rss, popt, pcov = best
    errors = np.sqrt(np.abs(np.diag(pcov))) if np.all(np.isfinite(pcov)) else \
        np.full(len(popt), np.inf)
    taus = np.exp(popt[:terms]) * scale_x
    tau_errors = taus * errors[:terms]  # d τ = τ · d ln τ
    amps = popt[terms:2 * terms] * scale_y
    amp_errors = errors[terms:2 * terms] * scale_y
    order = np.argsort(taus)
    return ExpFit(tuple(float(a) for a in amps[order]), tuple(float(t) for t in taus[order]),
                  tuple(float(e) for e in amp_errors[order]),
                  tuple(float(e) for e in tau_errors[order]),
                  float(popt[-1] * scale_y) if free_offset else float(offset),
                  float(errors[-1] * scale_y) if free_offset else 0.0,
                  rss, int(x.size), n_params)


def choose_fit(single: ExpFit, double: ExpFit | None) -> ExpFit:
    """The two-term fit when its AICc beats the one-term fit's by more than AICC_MARGIN and
    its time constants are resolved (each larger than its standard error); else the one-term."""
    if double is None:
        return single
    resolved = all(np.isfinite(e) and e < t for t, e in zip(double.taus, double.tau_errors,
                                                            strict=True))
    return double if resolved and double.aicc < single.aicc - AICC_MARGIN else single


def fit_decay(t: np.ndarray, i: np.ndarray, offset: float | None = None
              ) -> tuple[ExpFit, ExpFit | None, ExpFit]:
    """(one-term fit, two-term fit or None when it fails, the chosen one) of a decaying
    transient i(t), t from its start (e.g. the read current after a pulse)."""
    single = fit_exponentials(t, i, 1, offset)
    try:
        double = fit_exponentials(t, i, 2, offset)
    except ValueError:
        double = None
    return single, double, choose_fit(single, double)


def ratio_of_means(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """mean(second)/mean(first) over trials and its standard error (first-order propagation of
    the two standard errors of the means, their covariance included); error NaN for one
    trial."""
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if not a.size or a.mean() == 0:
        return float("nan"), float("nan")
    ma, mb = float(a.mean()), float(b.mean())
    ratio = mb / ma
    if a.size < 2:
        return ratio, float("nan")
    n = a.size
    var_a, var_b = a.var(ddof=1) / n, b.var(ddof=1) / n
    cov = float(np.cov(a, b, ddof=1)[0, 1]) / n
    var = ratio ** 2 * (var_a / ma ** 2 + var_b / mb ** 2 - 2 * cov / (ma * mb)) if mb else \
        var_b / ma ** 2
    return ratio, float(np.sqrt(max(var, 0.0)))


def fit_ppf(intervals_s: np.ndarray, index: np.ndarray, sigma: np.ndarray | None = None
            ) -> tuple[ExpFit, ExpFit | None, ExpFit]:
    """(one-term, two-term or None, chosen) fits of the paired-pulse index against the
    interval, PPF(Δt) = 1 + C1·exp(−Δt/τ1) (+ C2·exp(−Δt/τ2)): facilitation for C > 0,
    depression for C < 0; sigma (standard errors of the index) weights the fit."""
    if sigma is not None:
        sigma = np.asarray(sigma, dtype=float)
        usable = np.isfinite(sigma) & (sigma > 0)
        if not usable.all():  # one trial or identical trials: an unweighted fit
            sigma = None
    single = fit_exponentials(intervals_s, index, 1, offset=1.0, sigma=sigma)
    try:
        double = fit_exponentials(intervals_s, index, 2, offset=1.0, sigma=sigma)
    except ValueError:
        double = None
    return single, double, choose_fit(single, double)
