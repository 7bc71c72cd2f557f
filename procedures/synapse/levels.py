"""Programming a conductance level on the SMU by full ramps: a reset ramp to a negative apex
(back to the high-resistance state), a set ramp whose compliance sets the level (the
filament grows until the current reaches it), and short reads at a small voltage."""

from __future__ import annotations

import numpy as np
from pymeasure.experiment import FloatParameter

from labmem.instruments.roles import SourceMeter

RAMP_STEP_V = 0.01
"""Step of the set and reset ramps in V."""
READ_POINTS = 3
"""Readings per read at the read voltage (their mean is the read current)."""


def ramp(v: float) -> np.ndarray:
    """Staircase 0 → v → 0 in RAMP_STEP_V steps."""
    up = np.linspace(0.0, v, max(1, round(abs(v) / RAMP_STEP_V)) + 1)[1:]
    return np.concatenate([up, up[-2::-1], [0.0]])


def apex_ramp(apex: float, step_v: float) -> np.ndarray:
    """Staircase 0 → apex → 0 in step_v steps, both ends at 0 (at least two steps each way):
    one set (apex > 0) or reset (apex < 0) of a DC cycle."""
    up = np.linspace(0.0, apex, max(2, round(abs(apex) / step_v)) + 1)
    return np.concatenate([up, up[-2::-1]])


def full_ramp(smu: SourceMeter, v: float, compliance_a: float, rate_v_per_s: float,
              nplc: float) -> None:
    """A full set (v > 0) or reset (v < 0) ramp at this compliance and ramp rate."""
    smu.configure(compliance_a, None, nplc)
    smu.sweep(ramp(v), dwell_s=RAMP_STEP_V / rate_v_per_s)


def read_current(smu: SourceMeter, read_v: float, dwell_s: float) -> float:
    """Mean current of READ_POINTS readings at read_v (at the configured compliance), the
    output back at 0 V after them."""
    sweep = smu.sweep(np.full(READ_POINTS, read_v), dwell_s=dwell_s)
    smu.apply(0.0)
    return float(np.mean(sweep.i))


class SetResetApexes:
    """The parameters of a full DC set/reset cycle on the SMU (apex_ramp): the set
    compliance and the set and reset apexes (for Endurance and ReadNoise)."""

    compliance_a = FloatParameter("Set compliance", units="A", minimum=1e-9, maximum=1.05,
                                  default=1e-3)
    set_v = FloatParameter("Set apex", units="V", minimum=0.01, maximum=20.0, default=2.0)
    reset_v = FloatParameter("Reset apex", units="V", minimum=-20.0, maximum=-0.01,
                             default=-2.0)
