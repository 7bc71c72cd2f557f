"""What the source-meter emulators share: range selection, a list of levels sourced as a
staircase through the bench's SMU circuit (one bench call) with readings averaged over each
aperture, and measurement noise that scales with the range and the aperture."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLES_PER_APERTURE = 8
"""Bench samples averaged into one reading."""
LIMIT_FRACTION = 0.99
"""A reading is limited when the device current reached this fraction of the limit."""


def range_for(value: float, ranges: tuple[float, ...], over_range: float) -> float:
    """Smallest range whose over-range span holds |value| (the largest if none does)."""
    for r in ranges:
        if abs(value) <= r * over_range * (1 + 1e-9):
            return r
    return ranges[-1]


def ranges_for(values: np.ndarray, ranges: tuple[float, ...], over_range: float) -> np.ndarray:
    """range_for() of every value at once (a NaN gets the largest range, as there)."""
    spans = np.array(ranges) * over_range * (1 + 1e-9)
    index = np.searchsorted(spans, np.abs(values), side="left")
    return np.array(ranges)[np.minimum(index, len(ranges) - 1)]


def range_noise(rng: np.random.Generator, ranges: np.ndarray, nplc: float,
                fraction: float) -> np.ndarray:
    """Gaussian noise of `fraction` of each reading's range at 1 NPLC, scaling as 1/√NPLC."""
    return rng.normal(0.0, 1.0, ranges.shape) * (fraction * ranges / math.sqrt(nplc))


@dataclass
class Staircase:
    """Readings of a sourced staircase: per level the aperture means of device current and
    voltage, whether the limit was reached, and when each aperture began (bench time)."""

    i: np.ndarray
    v: np.ndarray
    limited: np.ndarray
    t_abs: np.ndarray


def source_staircase(bench: Any, levels: np.ndarray, v_prev: float, delay_s: float,
                     aperture_s: float, limit_a: float) -> Staircase:
    """Source each level in turn from v_prev: step, delay, measure over the aperture; one
    bench.smu_drive call for the whole list."""
    levels = np.asarray(levels, dtype=float)
    n = levels.size
    period = delay_s + aperture_s
    starts = np.arange(n) * period
    knot_t = np.concatenate([np.repeat(starts, 2), [n * period]])
    knot_v = np.concatenate([[v_prev], np.repeat(levels, 2)])
    frac = (np.arange(SAMPLES_PER_APERTURE) + 0.5) / SAMPLES_PER_APERTURE
    sample_t = (starts[:, None] + delay_s + frac[None, :] * aperture_s).ravel()
    sample_t = np.append(sample_t, n * period)
    t0 = bench.now
    trace = bench.smu_drive(knot_t, knot_v, sample_t, limit_a)
    shape = (n, SAMPLES_PER_APERTURE)
    i = trace.i_readout[:-1].reshape(shape).mean(axis=1)
    v = trace.v_device[:-1].reshape(shape).mean(axis=1)
    limited = np.abs(trace.i_device[:-1]).reshape(shape).max(axis=1) >= LIMIT_FRACTION * limit_a
    return Staircase(i, v, limited, t0 + starts + delay_s)
