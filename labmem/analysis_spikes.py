"""Spikes of a membrane node (a capacitor that a fired device discharges): the falls of the node
voltage, when the device first fired, firing rates and inter-spike intervals, a saturating fit
of the firing rate against the input amplitude (r = r_max·(1 − exp(−(A − A0)/s)) above A0, with
uncertainties) and the bias window of an oscillator with its frequency and slope inside it.
scipy is imported inside the fit only."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

NAN = float("nan")


def node_falls(v: np.ndarray, fall_v: float, window: int) -> np.ndarray:
    """Indices where the node starts a fall of more than fall_v within `window` samples (a
    spike: C discharging through the fired device), one per fall: a new fall counts only once
    the node has stopped falling that fast."""
    v = np.asarray(v, dtype=float)
    window = max(1, int(window))
    if v.size <= window:
        return np.empty(0, dtype=int)
    falling = (v[:-window] - v[window:]) > fall_v
    return np.flatnonzero(falling & ~np.concatenate(([False], falling[:-1])))


def first_crossing(t: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """Time of the first sample whose |value| reaches threshold (NaN when none does)."""
    above = np.flatnonzero(np.abs(np.asarray(values, dtype=float)) >= threshold)
    return float(np.asarray(t)[above[0]]) if above.size else NAN


def pulse_number(t_s: float, first_start_s: float, period_s: float) -> float:
    """1-based number of the pulse of a train (pulses every period_s from first_start_s) in
    whose period t_s falls; NaN for a NaN time."""
    if not np.isfinite(t_s):
        return NAN
    return float(np.floor((t_s - first_start_s) / period_s) + 1)


def intervals(spike_t: np.ndarray) -> np.ndarray:
    """Inter-spike intervals in s."""
    return np.diff(np.sort(np.asarray(spike_t, dtype=float)))


def interval_stats(spike_t: np.ndarray) -> tuple[float, float, float]:
    """(mean inter-spike interval in s, its standard deviation, the frequency 1/mean in Hz);
    NaN with fewer than two spikes (std NaN with fewer than three)."""
    isi = intervals(spike_t)
    if isi.size == 0:
        return NAN, NAN, NAN
    mean = float(isi.mean())
    return mean, float(isi.std(ddof=1)) if isi.size > 1 else NAN, 1.0 / mean


@dataclass(frozen=True)
class RateFit:
    """r(A) = r_max·(1 − exp(−(A − a0)/s)) for A > a0 (0 below), its parameters' standard
    errors from the covariance, and the points it was fitted to."""

    r_max: float
    a0: float
    s: float
    r_max_err: float
    a0_err: float
    s_err: float
    n: int

    def __call__(self, a: np.ndarray) -> np.ndarray:
        return saturating_rate(np.asarray(a, dtype=float), self.r_max, self.a0, self.s)


def saturating_rate(a: np.ndarray, r_max: float, a0: float, s: float) -> np.ndarray:
    """r_max·(1 − exp(−(a − a0)/s)) above a0, 0 at and below."""
    return r_max * -np.expm1(-np.clip(a - a0, 0.0, None) / s)


def fit_rate(amplitudes: np.ndarray, rates: np.ndarray) -> RateFit:
    """Least-squares fit of the saturating tuning curve to (amplitude, rate) points (several
    per amplitude allowed); ValueError when fewer than two amplitudes fire or it does not
    converge."""
    from scipy.optimize import OptimizeWarning, curve_fit

    a, r = np.asarray(amplitudes, dtype=float), np.asarray(rates, dtype=float)
    keep = np.isfinite(a) & np.isfinite(r)
    a, r = a[keep], r[keep]
    firing = np.unique(a[r > 0])
    if firing.size < 2 or np.unique(a).size < 3:
        raise ValueError("the rate fit needs three amplitudes, two of them firing")
    silent = a[(r <= 0) & (a < firing[0])]
    a0 = 0.5 * (silent.max() + firing[0]) if silent.size else firing[0] - 0.1 * np.ptp(a)
    p0 = (1.2 * r.max(), a0, max(np.ptp(a) / 2, 1e-3))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            popt, pcov = curve_fit(saturating_rate, a, r, p0=p0,
                                   bounds=([0.0, -np.inf, 1e-9], [np.inf, a.max(), np.inf]),
                                   maxfev=20_000)
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"the rate fit did not converge: {err}") from None
    errors = np.sqrt(np.clip(np.diag(pcov), 0.0, None))
    return RateFit(*(float(x) for x in popt), *(float(x) for x in errors), n=int(a.size))


def oscillation_window(biases: np.ndarray, spikes: np.ndarray, min_spikes: int = 3
                       ) -> tuple[float, float]:
    """(lowest, highest) bias at which a record held at least min_spikes spikes (NaN, NaN when
    none did)."""
    b, n = np.asarray(biases, dtype=float), np.asarray(spikes, dtype=float)
    inside = b[n >= min_spikes]
    return (float(inside.min()), float(inside.max())) if inside.size else (NAN, NAN)


def window_points(biases: np.ndarray, values: np.ndarray, low: float, high: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The (bias, value) points with a finite value and low ≤ bias ≤ high, by bias."""
    b, y = np.asarray(biases, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(b) & np.isfinite(y) & (b >= low) & (b <= high)
    order = np.argsort(b[keep], kind="stable")
    return b[keep][order], y[keep][order]


def value_at(biases: np.ndarray, values: np.ndarray, bias: float) -> float:
    """The value at bias, interpolated linearly between the (bias, value) points (the mean of
    repeated biases); NaN without points or outside them."""
    b, y = window_points(biases, values, -np.inf, np.inf)
    if b.size == 0 or not b[0] <= bias <= b[-1]:
        return NAN
    levels = np.unique(b)
    means = np.array([y[b == level].mean() for level in levels])
    return float(np.interp(bias, levels, means))


def linear_slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of y against x and its standard error (NaN, NaN with fewer than two
    distinct x; the error NaN with fewer than three points)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if np.unique(x).size < 2:
        return NAN, NAN
    dx = x - x.mean()
    slope = float(np.dot(dx, y - y.mean()) / np.dot(dx, dx))
    if x.size < 3:
        return slope, NAN
    residual = y - y.mean() - slope * dx
    return slope, float(np.sqrt(np.dot(residual, residual) / (x.size - 2) / np.dot(dx, dx)))
