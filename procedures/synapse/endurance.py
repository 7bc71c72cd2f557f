"""Endurance (P30 in the memristive-device reviews) on the SMU: DC set/reset cycles (triangle
sweeps at a set compliance), a read of LRS after the set and of HRS after the reset every k
cycles; window and failure cycle by a stated criterion. EnduranceReads is what it shares with
the pulsed version (procedures/synapse/pulsed_endurance.py): rows, failure criterion, metrics."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.procedures.synapse.levels import SetResetApexes, apex_ramp

SWEEP_STEP_V = 0.02
"""Voltage step of the set and reset ramps in V."""


class EnduranceReads:
    """What DC and pulsed endurance share: one row per read cycle (cycle, R_LRS, R_HRS, window
    R_HRS/R_LRS), the failure criterion (window below min_window) and its metrics."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Cycle", "R LRS (ohm)", "R HRS (ohm)", "Window"]
    METRICS = metrics.ENDURANCE

    min_window = FloatParameter("Failure below window", minimum=1.0, maximum=1e12,
                                default=10.0)

    @staticmethod
    def read_columns(cycle: np.ndarray, r_lrs: np.ndarray, r_hrs: np.ndarray
                     ) -> dict[str, np.ndarray]:
        """The rows of read cycles, a column at a time."""
        r_lrs, r_hrs = np.asarray(r_lrs, dtype=float), np.asarray(r_hrs, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            window = r_hrs / r_lrs
        return {"Cycle": np.asarray(cycle), "R LRS (ohm)": r_lrs, "R HRS (ohm)": r_hrs,
                "Window": window}

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Window at the first and last read, failure cycle."""
        return metrics.endurance(rows, self.min_window)


class Endurance(SetResetApexes, EnduranceReads, StationProcedure):
    """DC set/reset cycles on the SMU with an LRS and an HRS read every k cycles; one row per
    read cycle."""

    SETUP = "smu"
    ROLES = ("smu",)

    rate_v_per_s = FloatParameter("Ramp rate", units="V/s", minimum=0.01, maximum=80.0,
                                  default=50.0)
    cycles = IntegerParameter("Cycles", minimum=1, maximum=10_000_000, default=1000)
    read_every = IntegerParameter("Read every", units="cycles", minimum=1, maximum=1_000_000,
                                  default=10)
    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def check_plan(self) -> None:
        """The SMU must take the compliance; a ramp must fit its 2500-point list."""
        assert self.station is not None
        self.station.smu.check_configuration(self.compliance_a, None, self.nplc)
        if len(self.ramp(self.set_v)) + len(self.ramp(self.reset_v)) > 2500:
            raise ValueError(f"one cycle of ±{max(self.set_v, -self.reset_v):g} V in "
                             f"{SWEEP_STEP_V:g} V steps exceeds the SMU's 2500-point list: "
                             "lower the apexes")

    def ramp(self, apex: float) -> np.ndarray:
        """0 → apex → 0 in SWEEP_STEP_V steps."""
        return apex_ramp(apex, SWEEP_STEP_V)

    def get_estimates(self) -> float:
        """Duration in s: every ramp at the rate."""
        return self.cycles * 2 * (self.set_v - self.reset_v) / self.rate_v_per_s

    def execute(self) -> None:
        """Cycle; on every read cycle read after the set and after the reset."""
        assert self.station is not None
        smu = self.station.smu
        smu.configure(self.compliance_a, None, self.nplc)
        dwell = SWEEP_STEP_V / self.rate_v_per_s
        set_ramp, reset_ramp = self.ramp(self.set_v), self.ramp(self.reset_v)
        cycle_ramp = np.concatenate([set_ramp, reset_ramp[1:]])
        for cycle in range(1, self.cycles + 1):
            self.stop_point()
            if cycle % self.read_every and cycle != 1:
                smu.sweep(cycle_ramp, dwell_s=dwell)
                continue
            r_lrs = self.read_after(set_ramp, dwell)
            r_hrs = self.read_after(reset_ramp, dwell)
            self.emit_columns(self.read_columns(np.array([cycle]), np.array([r_lrs]),
                                                np.array([r_hrs])))
            self.emit("progress", 100.0 * cycle / self.cycles)
        smu.safe_off()

    def read_after(self, ramp: np.ndarray, dwell: float) -> float:
        """Play the ramp, then one read at read_v: the resistance in Ω."""
        assert self.station is not None
        smu = self.station.smu
        smu.sweep(ramp, dwell_s=dwell)
        smu.apply(self.read_v)
        v, i, _ = smu.measure()
        smu.apply(0.0)
        return v / i if i else float("inf")
