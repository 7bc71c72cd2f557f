"""Piecewise-linear source waveforms as knots (times from the start, volts; equal consecutive
times make a step): the difference of two, as a load between two generator outputs sees it."""

from __future__ import annotations

import numpy as np


def _limits(t: np.ndarray, v: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left and right limits of the knots (t, v) at times x (held at the end values outside)."""

    def on_piece(hi: np.ndarray) -> np.ndarray:
        """Values on the pieces (hi − 1, hi), which contain x; the end values beyond them."""
        inside = (hi > 0) & (hi < t.size)
        k = np.clip(hi, 1, t.size - 1)
        span = t[k] - t[k - 1]
        frac = np.divide(x - t[k - 1], span, out=np.zeros_like(x), where=span > 0)
        value = v[k - 1] + frac * (v[k] - v[k - 1])
        return np.where(inside, value, np.where(hi == 0, v[0], v[-1]))

    return (on_piece(np.searchsorted(t, x, side="left")),
            on_piece(np.searchsorted(t, x, side="right")))


def difference(t1: np.ndarray, v1: np.ndarray, t2: np.ndarray, v2: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Knots of v1 − v2 on the union of both knot times (each waveform held at its last value
    past its end); a step of either stays a step."""
    t1, v1, t2, v2 = (np.asarray(a, dtype=np.float64) for a in (t1, v1, t2, v2))
    times = np.union1d(t1, t2)
    l1, r1 = _limits(t1, v1, times)
    l2, r2 = _limits(t2, v2, times)
    left, right = l1 - l2, r1 - r2
    step = left != right
    t = np.repeat(times, np.where(step, 2, 1))
    v = np.empty_like(t)
    first = np.cumsum(np.where(step, 2, 1)) - np.where(step, 2, 1)
    v[first] = np.where(step, left, right)
    v[first[step] + 1] = right[step]
    return t, v
