"""Figures of merit of the plasticity experiments (rate-dependent plasticity, retention after
repeated stimulation, dendritic filtering): pure functions on measured arrays, SI units."""

from __future__ import annotations

import numpy as np


def level_crossing(x: np.ndarray, y: np.ndarray, level: float, log_x: bool = True,
                   last: bool = True) -> float:
    """Where y rises through level along increasing x, for the last time (last) or the first:
    interpolated between an x with y ≤ level and the next one, with y above level (linearly
    on log10 x when log_x). NaN when y never rises above level after being at or below it
    (also when it is above at every x: the crossing lies below the range). Non-finite y counts
    as at or below level."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    above = y > level
    rises = np.flatnonzero(~above[:-1] & above[1:])
    if not rises.size:
        return float("nan")
    j = int(rises[-1] if last else rises[0])
    y0, y1 = (y[j] if np.isfinite(y[j]) else level), y[j + 1]
    u = (level - y0) / (y1 - y0) if y1 != y0 else 0.0
    if log_x:
        a, b = np.log10(x[j]), np.log10(x[j + 1])
        return float(10.0 ** (a + u * (b - a)))
    return float(x[j] + u * (x[j + 1] - x[j]))


def threshold_frequency(freqs_hz: np.ndarray, dg_s: np.ndarray, level_s: float = 0.0) -> float:
    """SRDP threshold: the frequency at which ΔG rises through level_s (0: the sign change
    from depression to potentiation), interpolated on log f; NaN without such a crossing."""
    return level_crossing(freqs_hz, dg_s, level_s, log_x=True, last=True)


def retention_time(t_s: np.ndarray, g_s: np.ndarray, fraction: float) -> float:
    """Time at which the conductance first falls below fraction × its first value,
    interpolated on log t between the bracketing reads; NaN when it stays above (the state
    outlasts the record) or the first value is not positive."""
    t = np.asarray(t_s, dtype=float)
    g = np.asarray(g_s, dtype=float)
    if not (g.size and g[0] > 0):
        return float("nan")
    level = fraction * g[0]
    below = np.flatnonzero(g < level)
    if not below.size:
        return float("nan")
    j = int(below[0])
    if j == 0:
        return float(t[0])
    u = (g[j - 1] - level) / (g[j - 1] - g[j])
    a, b = np.log10(t[j - 1]), np.log10(t[j])
    return float(10.0 ** (a + u * (b - a)))


def power_law_fit(x: np.ndarray, y: np.ndarray) -> dict:
    """Fit y = A·x^p (a line on log-log axes) to the positive finite pairs with scipy's
    curve_fit: {"exponent", "exponent_err", "prefactor", "prefactor_err", "n"}, the errors
    standard deviations from the covariance (two points: the line through them, errors NaN).
    ValueError with fewer than two usable points or a single x."""
    from scipy.optimize import curve_fit  # scipy stays off the CLI's import path

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if np.count_nonzero(ok) < 2 or np.unique(x[ok]).size < 2:
        raise ValueError(f"a power-law fit needs two points at distinct x > 0 with y > 0, got "
                         f"{int(np.count_nonzero(ok))} usable")
    lx, ly = np.log10(x[ok]), np.log10(y[ok])
    p, c = np.polyfit(lx, ly, 1)
    err = np.full(2, np.nan)  # two points: the line through them, no uncertainty
    if lx.size > 2:
        (p, c), cov = curve_fit(lambda u, p, c: p * u + c, lx, ly, p0=(p, c))
        err = np.sqrt(np.diag(cov))
    prefactor = 10.0 ** c
    return {"exponent": float(p), "exponent_err": float(err[0]), "prefactor": float(prefactor),
            "prefactor_err": float(prefactor * np.log(10.0) * err[1]), "n": int(lx.size)}


def buildup_ratio(responses: np.ndarray) -> float:
    """Last response of a train over its first: > 1 when the responses build up (integration),
    ≈ 1 or below when they do not (filtering); NaN when the first is not positive."""
    r = np.asarray(responses, dtype=float)
    if not (r.size and r[0] > 0):
        return float("nan")
    return float(r[-1] / r[0])


def filtering_threshold(amplitudes_v: np.ndarray, ratios: np.ndarray, level: float) -> float:
    """The amplitude above which trains integrate: where the build-up ratio first rises
    through level along the amplitudes, interpolated linearly (higher amplitudes may respond
    fully from the first pulse, a ratio near 1); NaN when no filtered amplitude is followed by
    an integrating one (see level_crossing)."""
    return level_crossing(amplitudes_v, ratios, level, log_x=False, last=False)
