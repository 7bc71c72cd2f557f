"""Automatic measurements of an oscilloscope record as the Infiniium programmer's guide defines
them: top and base by histogram mode, 10/50/90 % thresholds with hysteresis, edges found by
threshold crossings interpolated linearly between samples. Every function returns None when
the measurement cannot be made (the instrument then answers 9.99999E+37)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

MODE_FRACTION = 0.05
"""A histogram mode counts as the top (base) when it holds at least this share of the samples
of the upper (lower) half; otherwise the top is the maximum (the base the minimum)."""


@dataclass(frozen=True)
class Edge:
    """One transition through the thresholds: crossing times of the lower, middle and upper
    threshold (s) and its direction (+1 rising, -1 falling)."""

    t_lower: float
    t_middle: float
    t_upper: float
    direction: int


def top_base(v: np.ndarray, lsb: float) -> tuple[float, float]:
    """(top, base): the most frequent level of the upper and lower half of the record (binned
    by ADC step), or the maximum and minimum when a half has no prevalent level."""
    vmax, vmin = float(v.max()), float(v.min())
    half = 0.5 * (vmax + vmin)
    levels = []
    for part, fallback in ((v[v >= half], vmax), (v[v < half], vmin)):
        if part.size == 0:
            levels.append(fallback)
            continue
        bins, counts = np.unique(np.round(part / lsb), return_counts=True)
        k = int(np.argmax(counts))
        levels.append(float(bins[k] * lsb) if counts[k] >= MODE_FRACTION * part.size
                      else fallback)
    return levels[0], levels[1]


def amplitude(v: np.ndarray, lsb: float) -> float:
    """Top minus base."""
    top, base = top_base(v, lsb)
    return top - base


def thresholds(v: np.ndarray, lsb: float) -> tuple[float, float, float] | None:
    """Lower, middle and upper thresholds at 10, 50 and 90 % of base→top (None when flat)."""
    top, base = top_base(v, lsb)
    amplitude = top - base
    if amplitude <= 0.5 * lsb:
        return None
    return base + 0.1 * amplitude, base + 0.5 * amplitude, base + 0.9 * amplitude


def _crossing(t: np.ndarray, v: np.ndarray, i: int, level: float) -> float:
    """Time at which the segment from sample i to i+1 crosses level (linear)."""
    dv = v[i + 1] - v[i]
    frac = 0.0 if dv == 0 else (level - v[i]) / dv
    return float(t[i] + min(max(frac, 0.0), 1.0) * (t[i + 1] - t[i]))


def edges(t: np.ndarray, v: np.ndarray, lsb: float) -> list[Edge]:
    """Every complete transition from below the lower to above the upper threshold (rising) or
    back (falling), in time order; the thresholds are the hysteresis band, so noise inside the
    band makes no edge."""
    levels = thresholds(v, lsb)
    if levels is None:
        return []
    lower, middle, upper = levels
    state = np.where(v >= upper, 1, np.where(v <= lower, -1, 0))
    idx = np.flatnonzero(state)
    if idx.size < 2:
        return []
    s = state[idx]
    changes = np.flatnonzero(s[1:] != s[:-1]) + 1
    found = []
    for k in changes:
        left, right = int(idx[k - 1]), int(idx[k])  # last sample of the old band, first of new
        direction = int(s[k])
        segment = v[left:right + 1] - middle
        mids = np.flatnonzero(np.sign(segment[:-1]) != np.sign(segment[1:]))
        mid = left + int(mids[0]) if mids.size else left
        if direction > 0:
            found.append(Edge(_crossing(t, v, left, lower), _crossing(t, v, mid, middle),
                              _crossing(t, v, right - 1, upper), 1))
        else:
            found.append(Edge(_crossing(t, v, right - 1, lower), _crossing(t, v, mid, middle),
                              _crossing(t, v, left, upper), -1))
    return found


def rise_time(found: list[Edge]) -> float | None:
    """Lower to upper threshold time of the first rising edge."""
    rising = [e for e in found if e.direction > 0]
    return rising[0].t_upper - rising[0].t_lower if rising else None


def fall_time(found: list[Edge]) -> float | None:
    """Upper to lower threshold time of the first falling edge."""
    falling = [e for e in found if e.direction < 0]
    return falling[0].t_lower - falling[0].t_upper if falling else None


def frequency(found: list[Edge]) -> float | None:
    """1 / period of the first complete cycle."""
    p = period(found)
    return None if p is None or p <= 0 else 1.0 / p


def pulse_width(found: list[Edge], direction: int) -> float | None:
    """Middle-threshold width of the first positive (direction +1) or negative (-1) pulse: from
    its first edge to the next edge of the other direction."""
    for a, b in itertools.pairwise(found):
        if a.direction == direction and b.direction == -direction:
            return b.t_middle - a.t_middle
    return None


def period(found: list[Edge]) -> float | None:
    """Time between the middle-threshold crossings of the first two edges of one direction
    (the first complete cycle)."""
    if not found:
        return None
    same = [e for e in found if e.direction == found[0].direction]
    return same[1].t_middle - same[0].t_middle if len(same) >= 2 else None


def cycle_slice(t: np.ndarray, found: list[Edge]) -> slice | None:
    """Samples of the whole cycles in the record (first to last edge of the first edge's
    direction), or None with fewer than one cycle."""
    if not found:
        return None
    same = [e for e in found if e.direction == found[0].direction]
    if len(same) < 2:
        return None
    start, stop = np.searchsorted(t, [same[0].t_middle, same[-1].t_middle])
    return slice(int(start), int(stop))


def cycle_samples(t: np.ndarray, v: np.ndarray, lsb: float, cycles: bool) -> np.ndarray | None:
    """The samples an amplitude statistic uses: the whole cycles (cycles True; None with
    fewer than one) or the whole record (the display)."""
    if not cycles:
        return v
    part = cycle_slice(t, edges(t, v, lsb))
    return None if part is None else v[part]


def average(t: np.ndarray, v: np.ndarray, lsb: float, cycles: bool) -> float | None:
    """Mean of the whole cycles or of the whole record."""
    part = cycle_samples(t, v, lsb, cycles)
    return None if part is None else float(part.mean())


def rms(t: np.ndarray, v: np.ndarray, lsb: float, cycles: bool, ac: bool) -> float | None:
    """RMS of the whole cycles or of the whole record; AC removes the mean first."""
    part = cycle_samples(t, v, lsb, cycles)
    if part is None:
        return None
    return float(part.std() if ac else np.sqrt(np.mean(part ** 2)))
