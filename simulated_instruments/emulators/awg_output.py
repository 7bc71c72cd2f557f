"""Output pieces every emulated function/arbitrary generator shares: the EMF its programmed
levels stand for, arbitrary points as sample-and-hold knots, periodic output over a window and
a triggered burst framed by the idle level. Knots are (times in s, EMF in V) the bench plays."""

from __future__ import annotations

import math

import numpy as np

Knots = tuple[np.ndarray, np.ndarray]


def emf_per_volt(load_ohm: float, source_ohm: float = 50.0) -> float:
    """Open-circuit EMF per programmed volt: levels are programmed for the expected load, so
    the EMF is level × (load + source) / load (2 for 50 Ω into 50 Ω, 1 for high-Z)."""
    if math.isinf(load_ohm):
        return 1.0
    return (load_ohm + source_ohm) / load_ohm


def step_knots(points: np.ndarray, point_s: float, edge_s: float) -> Knots:
    """One cycle of arbitrary points played as sample-and-hold steps of point_s, each change a
    linear edge of edge_s (at most half a point); the value at 0 equals the value at the end,
    so cycles tile."""
    n = points.size
    edge = min(edge_s, point_s / 2)
    prev = np.roll(points, 1)
    change = np.flatnonzero(points != prev)
    t = np.empty(2 * change.size + 2)
    v = np.empty_like(t)
    t[0], v[0] = 0.0, points[-1]
    t[1:-1:2], t[2:-1:2] = change * point_s, change * point_s + edge
    v[1:-1:2], v[2:-1:2] = prev[change], points[change]
    t[-1], v[-1] = n * point_s, points[-1]
    return t, v


def burst_frame(t: np.ndarray, v: np.ndarray, idle_v: float, edge_s: float) -> Knots:
    """A burst's knots framed by the idle level: from idle at 0 into the burst, back to idle
    one edge after its end."""
    return (np.concatenate([[0.0], t, [t[-1] + edge_s]]),
            np.concatenate([[idle_v], v, [idle_v]]))


def periodic_knots(start: float, duration: float, cycle: Knots, period: float,
                   max_knots: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots of a periodic waveform from phase time `start` (s into the pattern, may be many
    periods) for `duration`, times relative to the window start, and the cycle starts inside
    it (sync edges). Beyond max_knots whole cycles the rest is held at the cycle's mean, so
    hours of a fast waveform cost milliseconds."""
    ct, cv = cycle
    k0 = math.floor(start / period)
    k1 = max(k0 + 1, math.ceil((start + duration) / period - 1e-12))
    n_cycles = k1 - k0
    per = ct.size
    capped_end = start + duration
    if max_knots is not None and n_cycles * per > max_knots:
        n_cycles = max(1, max_knots // per)
        capped_end = (k0 + n_cycles) * period
    ks = np.arange(k0, k0 + n_cycles)
    # Each cycle's end knot is the next one's start: keep it once, at the very end.
    t_all = np.append((ks[:, None] * period + ct[None, :-1]).ravel(),
                      (ks[-1] + 1) * period) - start
    t_all = np.maximum.accumulate(t_all)  # rounding must not make time run backwards
    v_all = np.append(np.tile(cv[:-1], n_cycles), cv[-1])
    end = min(capped_end, start + duration) - start
    inside = (t_all > 0) & (t_all < end)
    v0 = float(np.interp(0.0, t_all, v_all))
    v1 = float(np.interp(end, t_all, v_all))
    t = np.concatenate([[0.0], t_all[inside], [end]])
    v = np.concatenate([[v0], v_all[inside], [v1]])
    sync = ks * period - start
    sync = sync[(sync >= 0) & (sync < end)]
    if end < duration - 1e-15:
        mean = float(np.trapezoid(cv, ct) / period)
        t = np.concatenate([t, [end, duration]])
        v = np.concatenate([v, [mean, mean]])
    return t, v, sync
