"""Read noise (P5 in the memristive-device reviews) on the SMU: set the device to LRS (at the
set compliance) and read N times at a fixed bias, then reset it to HRS and read N times again;
σ/μ, Welch power spectral density and RTN levels and dwell times of each state."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.procedures.synapse.levels import SetResetApexes, apex_ramp

STATES = ("LRS", "HRS")
STEP_V = 0.02
"""Voltage step of the set and reset ramps in V."""


class ReadNoise(SetResetApexes, StationProcedure):
    """Set, N reads at the read bias (the SMU's buffer), reset, N reads; one row per read
    (State 0 LRS, 1 HRS)."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["State", "Time (s)", "Voltage (V)", "Current (A)"]
    METRICS = metrics.READ_NOISE

    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    reads = IntegerParameter("Reads per state", minimum=16, maximum=2500, default=2000)
    interval_s = FloatParameter("Read interval", units="s", minimum=1e-4, maximum=10.0,
                                default=1e-3)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def check_plan(self) -> None:
        """The SMU must take the compliance and fit a reading in the interval."""
        assert self.station is not None
        self.station.smu.check_configuration(self.compliance_a, None, self.nplc)
        if self.nplc / 50.0 > self.interval_s:
            raise ValueError(f"Read interval (interval_s) = {self.interval_s:g} s is shorter "
                             f"than one reading at {self.nplc:g} PLC; allowed from "
                             f"{self.nplc / 50.0:g} s")

    def get_estimates(self) -> float:
        """Duration in s: two ramps at 1 V/s and both read series."""
        return 2 * (self.set_v - self.reset_v) + 2 * self.reads * self.interval_s

    def execute(self) -> None:
        """Set, read; reset, read."""
        assert self.station is not None
        smu = self.station.smu
        smu.configure(self.compliance_a, None, self.nplc)
        for state, apex in enumerate((self.set_v, self.reset_v)):
            self.stop_point()
            smu.sweep(apex_ramp(apex, STEP_V), dwell_s=STEP_V)
            r = smu.sweep(np.full(self.reads, self.read_v), dwell_s=self.interval_s)
            self.emit_columns({"State": state, "Time (s)": r.t - r.t[0], "Voltage (V)": r.v,
                               "Current (A)": r.i})
            self.emit("progress", 50.0 * (state + 1))
        smu.safe_off()

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """σ/μ, 1/f slope and RTN of each state."""
        return metrics.read_noise(rows)
