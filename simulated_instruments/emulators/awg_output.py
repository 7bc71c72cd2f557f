"""Output pieces shared by the AWG emulators: the EMF a 50 Ω output gives for the load it is
told, amplitude units, knots of sample-and-hold and interpolated point lists, a periodic
waveform over a window (capped for long idle stretches) and a burst framed by the idle level."""

from __future__ import annotations

import math

import numpy as np

from labmem.simulated_instruments.scpi.program_data import ScpiError, format_number, parse_number

SOURCE_OHM = 50.0
"""Output resistance of the generators: levels are programmed for the load they are told."""
INF_LOAD = 9.9e37
"""What a load query answers for INFinity."""
MAX_IDLE_KNOTS = 200_000
"""Most knots an idle stretch renders exactly; the rest is held at the waveform's mean."""
CREST = {"SQU": 1.0, "TRI": math.sqrt(3), "RAMP": math.sqrt(3)}
"""Vpeak / Vrms of the shapes whose crest factor is not √2's."""


def emf_gain(load_ohm: float) -> float:
    """Open-circuit EMF per programmed volt: a level meant for a load R sits behind 50 Ω, so
    the EMF is level × (R + 50) / R (2 for 50 Ω, 1 for an open circuit)."""
    return 1.0 if math.isinf(load_ohm) else (load_ohm + SOURCE_OHM) / load_ohm


def parse_load(value: str, minimum: float, maximum: float) -> float:
    """OUTPut:LOAD's parameter in Ω: INFinity, DEFault (50 Ω), MIN/MAX or a number in range."""
    key = value.strip().upper()
    if key in ("INF", "INFINITY"):
        return math.inf
    return parse_number(value, "OHM", minimum, maximum, default=SOURCE_OHM)


def format_load(load_ohm: float) -> str:
    """A load query's answer (9.9E+37 for INFinity)."""
    return format_number(INF_LOAD if math.isinf(load_ohm) else load_ohm)


def vpp_from_unit(value: float, unit: str, shape: str, load_ohm: float) -> float:
    """An amplitude in VPP, VRMS or DBM (power into the load) as Vpp; dBm needs a finite load."""
    if unit == "VPP":
        return value
    if unit == "DBM":
        if math.isinf(load_ohm):
            raise ScpiError(-221, "dBm needs a finite OUTPut:LOAD")
        value = math.sqrt(load_ohm * 1e-3 * 10 ** (value / 10))
    return 2 * CREST.get(shape, math.sqrt(2)) * value


def vpp_to_unit(vpp: float, unit: str, shape: str, load_ohm: float) -> float:
    """Vpp expressed in VPP, VRMS or DBM (the inverse of vpp_from_unit)."""
    if unit == "VPP":
        return vpp
    vrms = vpp / (2 * CREST.get(shape, math.sqrt(2)))
    if unit == "VRMS":
        return vrms
    return 10 * math.log10(vrms ** 2 / load_ohm / 1e-3)


def hold_knots(points: np.ndarray, dt: float, edge: float) -> tuple[np.ndarray, np.ndarray]:
    """One cycle of points held dt each, with a linear edge of `edge` s at every change (the
    first point's change from the last, so cycles tile): knot times 0 … n·dt and values."""
    prev = np.roll(points, 1)
    change = np.flatnonzero(points != prev)
    t = np.empty(2 * change.size + 2)
    v = np.empty_like(t)
    t[0], v[0] = 0.0, points[-1]
    t[1:-1:2], v[1:-1:2] = change * dt, prev[change]
    t[2:-1:2], v[2:-1:2] = change * dt + edge, points[change]
    t[-1], v[-1] = points.size * dt, points[-1]
    return t, v


def linear_knots(points: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """One cycle of points joined by straight lines one dt long (the last back to the first),
    keeping only the knots where the slope changes: times 0 … n·dt and values."""
    v = np.append(points, points[0])
    t = np.arange(v.size) * dt
    bend = np.ones(v.size, dtype=bool)
    bend[1:-1] = np.diff(v, 2) != 0
    return t[bend], v[bend]


def periodic_knots(start: float, duration: float, cycle: tuple[np.ndarray, np.ndarray],
                   period: float, force: bool = False
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots of a periodic waveform from phase time `start` (s into the pattern, may be many
    periods) for `duration`, times from the window start, and the cycle starts inside it.
    Beyond MAX_IDLE_KNOTS knots (unless force) the rest is held at the cycle's mean."""
    ct, cv = cycle
    k0 = math.floor(start / period)
    k1 = max(k0 + 1, math.ceil((start + duration) / period - 1e-12))
    n_cycles = k1 - k0
    per = ct.size
    capped_end = start + duration
    if not force and n_cycles * per > MAX_IDLE_KNOTS:
        n_cycles = max(1, MAX_IDLE_KNOTS // per)
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


def framed(t: np.ndarray, v: np.ndarray, idle_v: float, edge_s: float, delay_s: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Knots that sit at the idle level for delay_s, play (t, v) and return to the idle level
    over edge_s: a triggered burst as the output gives it."""
    head_t, head_v = ([0.0, delay_s], [idle_v, idle_v]) if delay_s > 0 else ([0.0], [idle_v])
    return (np.concatenate([head_t, t + delay_s, [t[-1] + delay_s + edge_s]]),
            np.concatenate([head_v, v, [idle_v]]))
