"""Figure-of-merit extraction: pure functions on measured arrays (Vset, statistics, spikes,
decay times, fits). Units are SI throughout."""

from __future__ import annotations

import numpy as np


def vset(v: np.ndarray, i: np.ndarray, compliance_a: float, fraction: float = 0.9) -> float:
    """Voltage where |I| first reaches fraction × compliance on the rising positive branch.

    Interpolates log|I| between the two samples that bracket the crossing; NaN if never.
    """
    v = np.asarray(v, dtype=float)
    i = np.abs(np.asarray(i, dtype=float))
    apex = int(np.argmax(v))
    level = fraction * compliance_a
    hits = np.flatnonzero((i[: apex + 1] >= level) & (v[: apex + 1] > 0))
    if not hits.size:
        return float("nan")
    j = int(hits[0])
    if j == 0:
        return float(v[0])
    a, b = np.log(max(i[j - 1], 1e-300)), np.log(i[j])
    x = (np.log(level) - a) / (b - a) if b > a else 1.0
    return float(v[j - 1] + x * (v[j] - v[j - 1]))


def mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and sample standard deviation of the finite values (NaN if fewer than two)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    return float(x.mean()), float(x.std(ddof=1))


def median_abs_cycle(currents: np.ndarray) -> np.ndarray:
    """Median |I| across cycles (rows) at each point of a common voltage grid (columns)."""
    return np.median(np.abs(np.asarray(currents, dtype=float)), axis=0)


def linear_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line y = slope·x + intercept; returns (slope, intercept, R²)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else float("nan")
    return float(slope), float(intercept), r2


def pulse_windows(v_source: np.ndarray, threshold_v: float) -> list[tuple[int, int]]:
    """Index ranges [start, stop) where the source is above threshold_v (one per pulse)."""
    on = np.asarray(v_source) > threshold_v
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts = list(edges[~on[edges]] + 1)
    stops = list(edges[on[edges]] + 1)
    if on[0]:
        starts.insert(0, 0)
    if on[-1]:
        stops.append(on.size)
    return list(zip(starts, stops, strict=True))


def peak_per_window(values: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    """Largest |value| inside each index window."""
    values = np.abs(np.asarray(values, dtype=float))
    return np.array([values[a:b].max() if b > a else np.nan for a, b in windows])


def rising_edges(values: np.ndarray, threshold: float) -> np.ndarray:
    """Indices where |value| crosses threshold upwards (spike onsets)."""
    above = np.abs(np.asarray(values, dtype=float)) >= threshold
    return np.flatnonzero(above[1:] & ~above[:-1]) + 1


def decay_time(t: np.ndarray, i: np.ndarray, fraction: float) -> float:
    """Time (from t[0]) at which |I| first falls below fraction × |I[0]|; NaN if it never does."""
    i = np.abs(np.asarray(i, dtype=float))
    below = np.flatnonzero(i < fraction * i[0])
    if not below.size:
        return float("nan")
    return float(t[below[0]] - t[0])


def series_corrected_conductance(
    i_read: np.ndarray, v_read: float, r_series_ohm: float
) -> np.ndarray:
    """Device conductance from a read current through a known series resistance, in S."""
    i_read = np.asarray(i_read, dtype=float)
    return i_read / (v_read - i_read * r_series_ohm)
