"""What every emulated source-meter shares: range choice, measurement noise and the staircase
a sweep drives through the bench's SMU circuit (used by the Keithley 2450, 2400 and 2600B
emulators), the constant current a current source holds there (2450), and the aperture windows
a reading averages (also used by the B2900 emulator for its pulses).

Modelling choices (the constants below are the single place to correct them):

- A reading is: source step, delay, then the current averaged over the aperture
  (``SAMPLES_PER_APERTURE`` bench samples). N readings are one ``bench.smu_drive`` call: a
  staircase with a point every delay + aperture.
- The source is limited (in compliance) when the device current (a current source: the device
  voltage) reached ``LIMIT_FRACTION`` of the limit during the aperture.
- Noise: Gaussian, ``NOISE_FRACTION`` of the measure range at 1 NPLC, scaling as 1/√NPLC,
  drawn from ``bench.instrument_rng``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.bench.circuit import Trace

OVER_RANGE = 1.05
"""Readings and source levels go to 105 % of the range (a model with another span, such as the
2600B's 101 %, passes its own ``over_range``)."""
SAMPLES_PER_APERTURE = 8
LIMIT_FRACTION = 0.99
NOISE_FRACTION = 1e-5


def range_for(value: float, ranges: tuple[float, ...], over_range: float = OVER_RANGE) -> float:
    """Smallest range whose over-range span (105 % by default) holds |value| (the largest if
    none does)."""
    for r in ranges:
        if abs(value) <= r * over_range * (1 + 1e-9):
            return r
    return ranges[-1]


def ranges_for(values: np.ndarray, ranges: tuple[float, ...],
               over_range: float = OVER_RANGE) -> np.ndarray:
    """range_for() of every value at once (a NaN gets the largest range, as there)."""
    spans = np.array(ranges) * over_range * (1 + 1e-9)
    index = np.searchsorted(spans, np.abs(values), side="left")
    return np.array(ranges)[np.minimum(index, len(ranges) - 1)]


def noise(rng: np.random.Generator, range_a: np.ndarray, nplc: float) -> np.ndarray:
    """Measurement noise of readings on their current ranges at this aperture (nplc: the line
    cycles each reading integrates, an averaging filter's count included)."""
    return rng.normal(0.0, 1.0, range_a.shape) * _sigma(range_a, nplc)


def _sigma(range_a: np.ndarray, nplc: float) -> np.ndarray:
    """Standard deviation of a reading's noise on its range at this aperture."""
    return NOISE_FRACTION * range_a / math.sqrt(nplc)


def current_readings(rng: np.random.Generator, i: np.ndarray, ranges: tuple[float, ...],
                     nplc: float, fixed_range: float | None = None,
                     over_range: float = OVER_RANGE) -> tuple[np.ndarray, np.ndarray]:
    """(readings, their ranges) of device currents i: on fixed_range, or on autorange the range
    the current needs, and the next one up where the reading with its noise would not fit it
    (an autoranging meter ranges up and measures again rather than report an overflow)."""
    if fixed_range is not None:
        i_range = np.full(i.shape, float(fixed_range))
        return i + noise(rng, i_range, nplc), i_range
    z = rng.normal(0.0, 1.0, i.shape)
    i_range = ranges_for(i, ranges, over_range)
    i_meas = i + z * _sigma(i_range, nplc)
    i_range = np.maximum(i_range, ranges_for(i_meas, ranges, over_range))
    return i + z * _sigma(i_range, nplc), i_range


@dataclass
class Staircase:
    """Aperture means of n readings (a staircase of voltage levels, or a constant current):
    device current and voltage, whether the limit was reached, and each reading's start time
    (bench clock, s)."""

    i: np.ndarray
    v: np.ndarray
    limited: np.ndarray
    t_abs: np.ndarray


def _reading_times(n: int, delay_s: float,
                   aperture_s: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Start of each of n readings (s from now), the bench sample times (the aperture's samples
    of every reading, then the end) and the time per reading (delay + aperture)."""
    period = delay_s + aperture_s
    starts = np.arange(n) * period
    return starts, np.append(window_times(starts + delay_s, aperture_s), n * period), period


def drive_staircase(bench, levels: np.ndarray, v_prev: float, delay_s: float,
                    aperture_s: float, limit_a: float, role: str = "smu") -> Staircase:
    """Source each level in turn from v_prev: step, delay, measure over the aperture (as the
    bench's SMU in role: smu, or smu2 on the device's other terminal)."""
    levels = np.asarray(levels, dtype=float)
    n = levels.size
    starts, sample_t, period = _reading_times(n, delay_s, aperture_s)
    knot_t = np.concatenate([np.repeat(starts, 2), [n * period]])
    knot_v = np.concatenate([[v_prev], np.repeat(levels, 2)])
    t0 = bench.now
    trace = bench.smu_drive(knot_t, knot_v, sample_t, limit_a, role)
    i, v, limited = window_means(trace, n, limit_a)
    return Staircase(i, v, limited, t0 + starts + delay_s)


def drive_current(bench, level_a: float, n: int, delay_s: float, aperture_s: float,
                  limit_v: float) -> Staircase:
    """Source a constant current bounded by ±limit_v and take n readings, each after the delay;
    limited where the device voltage reached the voltage limit."""
    starts, sample_t, period = _reading_times(n, delay_s, aperture_s)
    t0 = bench.now
    trace = bench.smu_drive_current(n * period, level_a, limit_v, sample_t)
    i, v, limited = window_means(trace, n, limit_v, watched=trace.v_device)
    return Staircase(i, v, limited, t0 + starts + delay_s)


def window_times(starts: np.ndarray, aperture_s: float) -> np.ndarray:
    """Sample times (flat, in order) spread over each aperture window that opens at starts."""
    frac = (np.arange(SAMPLES_PER_APERTURE) + 0.5) / SAMPLES_PER_APERTURE
    return (np.asarray(starts, dtype=float)[:, None] + frac[None, :] * aperture_s).ravel()


def window_means(trace: Trace, n: int, limit: float, watched: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(current read, device voltage, limited) of n readings whose window_times() samples open
    the trace; limited where |watched| (the limited quantity's samples, by default the device
    current) reached LIMIT_FRACTION of limit."""
    shape = (n, SAMPLES_PER_APERTURE)
    k = n * SAMPLES_PER_APERTURE
    watched = trace.i_device if watched is None else watched
    i = trace.i_readout[:k].reshape(shape).mean(axis=1)
    v = trace.v_device[:k].reshape(shape).mean(axis=1)
    limited = np.abs(watched[:k]).reshape(shape).max(axis=1) >= LIMIT_FRACTION * limit
    return i, v, limited
