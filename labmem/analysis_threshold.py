"""Threshold-switching figures of one I(V) cycle, per polarity: Vth (HRS → LRS on the
up-sweep), Vhold (the lowest voltage that still keeps the LRS on the down-sweep), the window
Vth − Vhold and Ion/Ioff at a read voltage. Pure numpy on the SMU's readings."""

from __future__ import annotations

import numpy as np

from labmem import analysis

MIN_DROP_DECADES = 1.0
"""The LRS is lost on the down-sweep at the largest fall of log10|I| between two successive
readings, if it falls by at least this many decades (a volatile device's relaxation to HRS)"""
LRS_FRACTION = 0.01
"""and starts from a reading of at least this fraction of the compliance (a fall within the
noise near 0 V is no loss of the LRS)."""
CURRENT_FLOOR_A = 1e-15
"""|I| below this counts as this in log10|I| (a reading of exactly 0 has no logarithm)."""


def polarity_halves(v: np.ndarray, i: np.ndarray
                    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A triangle cycle 0 → +apex → −apex → 0 split into its positive half (0 → +apex → 0) and
    its negative half (0 → −apex → 0) mirrored to positive voltages and currents, so one
    analysis serves both polarities. A half that is absent is returned empty."""
    v = np.asarray(v, dtype=float)
    i = np.asarray(i, dtype=float)
    if not v.size:
        empty = (np.empty(0), np.empty(0))
        return empty, empty
    apex = int(np.argmax(v))
    crossing = np.flatnonzero(v[apex:] <= 0)
    split = apex + int(crossing[0]) + 1 if crossing.size else v.size
    positive = v[:split] >= 0
    negative = v[split - 1:] <= 0
    return ((v[:split][positive], i[:split][positive]),
            (-v[split - 1:][negative], -i[split - 1:][negative]))


def vhold(v: np.ndarray, i: np.ndarray, compliance_a: float,
          min_drop_decades: float = MIN_DROP_DECADES) -> float:
    """Lowest voltage that keeps the LRS on the down-sweep (apex → 0) of a positive half: the
    reading just before the largest fall of log10|I| between successive readings that starts
    from at least LRS_FRACTION × compliance, if it is at least min_drop_decades; NaN when the
    down-sweep has no such fall (the LRS held down to 0 V, or there was no LRS)."""
    v = np.asarray(v, dtype=float)
    i = np.asarray(i, dtype=float)
    if v.size < 2:
        return float("nan")
    apex = int(np.argmax(v))
    down = np.log10(np.maximum(np.abs(i[apex:]), CURRENT_FLOOR_A))
    if down.size < 2:
        return float("nan")
    falls = np.where(np.abs(i[apex:-1]) >= LRS_FRACTION * compliance_a,
                     down[:-1] - down[1:], -np.inf)
    j = int(np.argmax(falls))
    return float(v[apex + j]) if falls[j] >= min_drop_decades else float("nan")


def threshold_cycle(v: np.ndarray, i: np.ndarray, compliance_a: float, v_read: float,
                    fraction: float = 0.9) -> dict[str, float]:
    """Figures of one positive half 0 → apex → 0 at this compliance: vth_v (|I| reaches
    fraction × compliance on the up-sweep, analysis.vset), vhold_v, window_v = vth − vhold,
    i_on_a and i_off_a (|I| at v_read on the down- and up-sweep, analysis.state_resistances)
    and on_off = i_on/i_off. NaN where a figure does not exist."""
    vth = analysis.vset(v, i, compliance_a, fraction) if len(v) else float("nan")
    hold = vhold(v, i, compliance_a)
    nan = float("nan")
    r_off, r_on = analysis.state_resistances(v, i, v_read) if len(v) else (nan, nan)
    i_off, i_on = v_read / r_off, v_read / r_on
    return {"vth_v": vth, "vhold_v": hold, "window_v": vth - hold,
            "i_on_a": i_on, "i_off_a": i_off,
            "on_off": i_on / i_off if i_off > 0 else nan}
