"""What an emulated SMU's reading is made of, shared by the 2450 and B2900 emulators: measure
ranges read to 105 %, Gaussian noise that scales with the aperture, and a reading as the mean
of bench samples spread over its aperture window.

Modelling choices (the constants are the single place to correct them): noise is
``NOISE_FRACTION`` of the measure range at 1 NPLC, scaling as 1/√NPLC; a reading averages
``SAMPLES_PER_APERTURE`` samples; the source counts as limited when the device current reached
``LIMIT_FRACTION`` of the compliance during the aperture.
"""

from __future__ import annotations

import math

import numpy as np

from labmem.simulated_instruments.bench.circuit import Trace

OVER_RANGE = 1.05
"""Readings and source levels go to 105 % of the range."""
NOISE_FRACTION = 1e-5
SAMPLES_PER_APERTURE = 8
LIMIT_FRACTION = 0.99


def range_for(value: float, ranges: tuple[float, ...]) -> float:
    """Smallest range whose 105 % span holds |value| (the largest if none does)."""
    for r in ranges:
        if abs(value) <= r * OVER_RANGE * (1 + 1e-9):
            return r
    return ranges[-1]


def ranges_for(values: np.ndarray, ranges: tuple[float, ...]) -> np.ndarray:
    """range_for() of every value at once (a NaN gets the largest range, as there)."""
    spans = np.array(ranges) * OVER_RANGE * (1 + 1e-9)
    index = np.searchsorted(spans, np.abs(values), side="left")
    return np.array(ranges)[np.minimum(index, len(ranges) - 1)]


def noise(rng: np.random.Generator, ranges: np.ndarray, nplc: float) -> np.ndarray:
    """Measurement noise in A of readings taken on these ranges at this NPLC."""
    sigma = NOISE_FRACTION * ranges / math.sqrt(nplc)
    return rng.normal(0.0, 1.0, ranges.shape) * sigma


def window_times(starts: np.ndarray, aperture_s: float) -> np.ndarray:
    """Sample times (flat, in order) spread over each aperture window that opens at starts."""
    frac = (np.arange(SAMPLES_PER_APERTURE) + 0.5) / SAMPLES_PER_APERTURE
    return (np.asarray(starts, dtype=float)[:, None] + frac[None, :] * aperture_s).ravel()


def window_means(trace: Trace, n: int, compliance_a: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(current read, device voltage, limited) of n readings whose window_times() samples
    open the trace."""
    shape = (n, SAMPLES_PER_APERTURE)
    k = n * SAMPLES_PER_APERTURE
    i = trace.i_readout[:k].reshape(shape).mean(axis=1)
    v = trace.v_device[:k].reshape(shape).mean(axis=1)
    limited = np.abs(trace.i_device[:k]).reshape(shape).max(axis=1) >= LIMIT_FRACTION * compliance_a
    return i, v, limited
