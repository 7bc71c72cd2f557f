"""Read noise (P5 in the memristive-device reviews): relative spread σ/μ of repeated reads,
their power spectral density (Welch) with a 1/f^α slope, and random telegraph noise (RTN)
levels, step amplitude and dwell times from a two-level detector. scipy is imported inside
the functions that need it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def relative_spread(x: np.ndarray) -> float:
    """σ/μ of the reads (sample standard deviation over |mean|); NaN for fewer than 2."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2 or x.mean() == 0:
        return float("nan")
    return float(x.std(ddof=1) / abs(x.mean()))


def psd(x: np.ndarray, interval_s: float, segments: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """One-sided power spectral density of the reads (units² / Hz) by Welch's method with
    Hann windows, about `segments` half-overlapping segments; the zero frequency left out."""
    from scipy.signal import welch

    x = np.asarray(x, dtype=float)
    nperseg = max(8, 2 * x.size // (segments + 1))
    f, p = welch(x, fs=1.0 / interval_s, nperseg=min(nperseg, x.size), detrend="constant")
    return f[1:], p[1:]


def spectral_slope(f: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """α and its standard error in S(f) ∝ 1/f^α, a straight-line fit in log-log axes."""
    from scipy.optimize import curve_fit

    ok = (f > 0) & (p > 0)
    if ok.sum() < 3:
        return float("nan"), float("nan")
    lf, lp = np.log10(f[ok]), np.log10(p[ok])
    (slope, _), cov = curve_fit(lambda x, a, b: a * x + b, lf, lp)
    return float(-slope), float(np.sqrt(cov[0, 0]))


@dataclass(frozen=True)
class Telegraph:
    """Two-level fit of a read sequence: the levels, their step, the mean dwell time in each
    (with standard errors, from the completed dwells), and the state of each read."""

    low: float
    high: float
    step: float
    dwell_low_s: float
    dwell_high_s: float
    dwell_low_err_s: float
    dwell_high_err_s: float
    transitions: int
    state: np.ndarray


def _dwells(state: np.ndarray, level: int, interval_s: float) -> np.ndarray:
    """Durations of the completed stays in `level` (the first and last stay are cut)."""
    edges = np.flatnonzero(np.diff(state)) + 1
    bounds = np.concatenate([[0], edges, [state.size]])
    runs = [(bounds[k], bounds[k + 1]) for k in range(len(bounds) - 1)][1:-1]
    return np.array([(b - a) * interval_s for a, b in runs if state[a] == level])


def telegraph(x: np.ndarray, interval_s: float, hysteresis: float = 0.25) -> Telegraph:
    """Two-level detector: the levels are the means of the reads below and above the midpoint
    of the two modes (k-means with two clusters, iterated); a read changes state only when it
    crosses past the midpoint by `hysteresis` of the step (so background noise does not make
    false steps). Dwell times are the means of the completed stays; each has the standard
    error mean/√n of an exponential distribution."""
    x = np.asarray(x, dtype=float)
    if x.size < 4:
        raise ValueError(f"need at least 4 reads for a two-level fit, got {x.size}")
    lo, hi = np.percentile(x, 10), np.percentile(x, 90)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        below, above = x[x < mid], x[x >= mid]
        if below.size == 0 or above.size == 0:
            break
        new_lo, new_hi = below.mean(), above.mean()
        if new_lo == lo and new_hi == hi:
            break
        lo, hi = new_lo, new_hi
    step = hi - lo
    mid = 0.5 * (lo + hi)
    state = np.empty(x.size, dtype=int)
    s = int(x[0] >= mid)
    for k, v in enumerate(x):
        if s == 0 and v > mid + hysteresis * step:
            s = 1
        elif s == 1 and v < mid - hysteresis * step:
            s = 0
        state[k] = s
    low_d, high_d = _dwells(state, 0, interval_s), _dwells(state, 1, interval_s)

    def mean_err(d: np.ndarray) -> tuple[float, float]:
        return (float(d.mean()), float(d.mean() / np.sqrt(d.size))) if d.size else (
            float("nan"), float("nan"))

    (dl, dle), (dh, dhe) = mean_err(low_d), mean_err(high_d)
    return Telegraph(float(lo), float(hi), float(step), dl, dh, dle, dhe,
                     int(np.count_nonzero(np.diff(state))), state)
