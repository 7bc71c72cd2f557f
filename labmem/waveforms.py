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


def staircase(amplitudes_v: Sequence[float], width_s: float, gap_s: float,
              low_v: float = 0.0) -> list[Segment]:
    """One pulse per amplitude, each followed by a gap at low_v (E4's rising amplitudes)."""
    if not (width_s > 0 and gap_s > 0):
        raise ValueError(f"width and gap must be > 0 s, got {width_s!r}, {gap_s!r}")
    segments: list[Segment] = []
    for amplitude in amplitudes_v:
        segments += [(float(amplitude), width_s), (low_v, gap_s)]
    return segments


def packages(counts: Sequence[int], high_v: float, low_v: float, width_s: float,
             period_s: float, gap_s: float) -> list[Segment]:
    """Packages of counts[k] pulses (high_v for width_s, low_v for the rest of the period),
    each package followed by gap_s at low_v (E6's 1, 2, 3 … pulse packages)."""
    if not gap_s > 0:
        raise ValueError(f"package gap must be > 0 s, got {gap_s!r}")
    segments: list[Segment] = []
    for count in counts:
        segments += pulse_train(high_v, low_v, width_s, period_s, int(count))
        segments.append((low_v, gap_s))
    return segments


def pulses_with_reads(levels_v: Sequence[float], width_s: float, gap_s: float,
                      read_v: float, read_s: float) -> list[Segment]:
    """Each write pulse followed by a gap, a read pulse and a gap (E7's potentiation and
    depression trains); the k-th read starts at k·period + width + gap."""
    if not (width_s > 0 and gap_s > 0 and read_s > 0):
        raise ValueError("width, gap and read durations must be > 0 s, got "
                         f"{width_s!r}, {gap_s!r}, {read_s!r}")
    segments: list[Segment] = []
    for level in levels_v:
        segments += [(float(level), width_s), (0.0, gap_s), (read_v, read_s), (0.0, gap_s)]
    return segments


def triangle_levels(v_pos: float, v_neg: float, step_v: float) -> np.ndarray:
    """Source levels of one staircase triangle 0 → v_pos → v_neg → 0 in steps of step_v
    (each leg ends exactly on its apex), for an SMU list sweep."""
    if not step_v > 0:
        raise ValueError(f"voltage step must be > 0 V, got {step_v!r}")
    if v_pos <= 0 or v_neg > 0:
        raise ValueError(f"need v_pos > 0 >= v_neg, got {v_pos!r}, {v_neg!r}")
    legs = [(0.0, v_pos), (v_pos, v_neg), (v_neg, 0.0)]
    parts = [np.linspace(a, b, max(1, round(abs(b - a) / step_v)) + 1)[1:] for a, b in legs
             if b != a]
    return np.concatenate([[0.0], *parts])


def segment_difference(a: Sequence[Segment], b: Sequence[Segment],
                       resolution_s: float = 1e-12) -> list[Segment]:
    """The waveform a − b of two segment lists of the same length (what a load between two
    outputs sees), on the union of their boundaries (rounded to resolution_s); adjacent
    stretches at one level merged. ValueError when the lengths differ."""
    ticks = []
    for segments in (a, b):
        ends = np.round(np.cumsum([d for _, d in segments]) / resolution_s).astype(np.int64)
        ticks.append((ends, np.array([lv for lv, _ in segments], dtype=float)))
    if ticks[0][0][-1] != ticks[1][0][-1]:
        raise ValueError(f"the waveforms last {ticks[0][0][-1] * resolution_s:g} s and "
                         f"{ticks[1][0][-1] * resolution_s:g} s; a difference needs one length")
    bounds = np.union1d(ticks[0][0], ticks[1][0])
    starts = np.concatenate([[0], bounds[:-1]])
    levels = [lv[np.searchsorted(ends, starts, side="right")] for ends, lv in ticks]
    out: list[Segment] = []
    for level, start, stop in zip(levels[0] - levels[1], starts, bounds, strict=True):
        duration = float(stop - start) * resolution_s
        if out and out[-1][0] == level:
            out[-1] = (float(level), out[-1][1] + duration)
        else:
            out.append((float(level), duration))
    return out
