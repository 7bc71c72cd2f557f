"""Source waveforms as knots (piecewise-linear time/voltage pairs) built from simple shapes.

A step is two knots at the same time. Pulse trains are lists of (level V, duration s) segments.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Segment = tuple[float, float]
"""(level in V, duration in s) of a constant-level stretch of a waveform."""


def segments_to_knots(segments: Sequence[Segment]) -> tuple[np.ndarray, np.ndarray]:
    """Knots (t, v) of a piecewise-constant waveform with ideal edges, starting at t = 0."""
    if not segments:
        raise ValueError("a waveform needs at least one segment")
    t, v, now = [], [], 0.0
    for level, duration in segments:
        if not duration > 0:
            raise ValueError(f"segment duration must be > 0 s, got {duration!r}")
        t += [now, now + duration]
        v += [level, level]
        now += duration
    return np.array(t), np.array(v, dtype=float)


def triangle_knots(
    v_pos: float, v_neg: float, rate_v_per_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Knots of one triangle sweep 0 → v_pos → v_neg → 0 at a constant ramp rate."""
    if not rate_v_per_s > 0:
        raise ValueError(f"sweep rate must be > 0 V/s, got {rate_v_per_s!r}")
    if v_pos <= 0 or v_neg > 0:
        raise ValueError(f"need v_pos > 0 >= v_neg, got {v_pos!r}, {v_neg!r}")
    v = np.array([0.0, v_pos, v_neg, 0.0])
    t = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(v)) / rate_v_per_s)])
    return t, v


def sample_times(duration_s: float, interval_s: float) -> np.ndarray:
    """Evenly spaced sample times from 0 to duration_s inclusive (nearest whole count)."""
    n = max(1, round(duration_s / interval_s))
    return np.linspace(0.0, duration_s, n + 1)


def pulse_train(
    high_v: float, low_v: float, width_s: float, period_s: float, count: int
) -> list[Segment]:
    """count pulses at high_v of width_s, each followed by low_v until the period ends."""
    if not 0 < width_s < period_s:
        raise ValueError(f"need 0 < width < period, got width={width_s!r}, period={period_s!r}")
    return [(high_v, width_s), (low_v, period_s - width_s)] * count
