"""E9: retention of the two regimes on the SMU. Set with a ramp at each regime's compliance,
then read at a small voltage on a logarithmic time grid: the volatile state decays, the
nonvolatile one holds."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure

REGIMES = ("volatile", "nonvolatile")


class Retention(StationProcedure):
    """For each regime: ramp to the set voltage at its compliance, switch to the read
    voltage, read on a log time grid. One row per reading (Regime 0 volatile, 1 nonvolatile)."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["Regime", "Time (s)", "Voltage (V)", "Current (A)",
                                         "Resistance (ohm)"]
    METRICS = metrics.RETENTION

    volatile_a = FloatParameter("Volatile compliance", units="A", minimum=1e-9, maximum=1.05,
                                default=10e-9)
    nonvolatile_a = FloatParameter("Nonvolatile compliance", units="A", minimum=1e-9,
                                   maximum=1.05, default=1e-3)
    set_v = FloatParameter("Set voltage", units="V", minimum=0.01, maximum=20.0, default=2.0)
    ramp_rate_v_per_s = FloatParameter("Set ramp rate", units="V/s", minimum=1e-3,
                                       maximum=100.0, default=1.0)
    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    first_read_s = FloatParameter("First read after", units="s", minimum=1e-4, maximum=1e3,
                                  default=2e-4)
    window_s = FloatParameter("Window", units="s", minimum=1e-3, maximum=1e7, default=1e4)
    reads = IntegerParameter("Reads per regime", minimum=2, maximum=100_000, default=60)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def check_plan(self) -> None:
        """Compliances and integration time must suit the SMU; the window must follow the
        first read."""
        assert self.station is not None
        if not self.window_s > self.first_read_s:
            raise ValueError(f"Window (window_s) = {self.window_s:g} s is not allowed: "
                             f"allowed above first_read_s = {self.first_read_s:g} s")
        for compliance in (self.volatile_a, self.nonvolatile_a):
            self.station.smu.check_configuration(compliance, None, self.nplc)

    def get_estimates(self) -> float:
        """Duration in s: both ramps and both windows."""
        return 2 * (self.set_v / self.ramp_rate_v_per_s + self.window_s)

    def read_times(self) -> np.ndarray:
        """Log-spaced read times after the set, in s."""
        return np.geomspace(self.first_read_s, self.window_s, self.reads)

    def execute(self) -> None:
        """Set and read each regime in turn."""
        assert self.station is not None
        station, smu = self.station, self.station.smu
        step = 5e-3
        ramp = np.linspace(0.0, self.set_v, max(2, round(self.set_v / step)) + 1)
        for n, (regime, compliance) in enumerate(zip(REGIMES,
                                                     (self.volatile_a, self.nonvolatile_a),
                                                     strict=True)):
            self.stop_point()
            smu.configure(compliance, None, self.nplc)
            sweep = smu.sweep(ramp, dwell_s=step / self.ramp_rate_v_per_s)
            self.store_trace(f"set_{regime}", sweep.t, {"v": sweep.v, "i": sweep.i},
                             {"v": "V", "i": "A"}, compliance_a=compliance)
            smu.apply(self.read_v)
            t_set = station.now()
            rows = []
            for t_read in self.read_times():
                station.wait(max(0.0, t_set + t_read - station.now()))
                v, i, _ = smu.measure()
                t = station.now() - t_set
                rows.append({"Regime": n, "Time (s)": t, "Voltage (V)": v, "Current (A)": i,
                             "Resistance (ohm)": v / i if i else float("inf")})
                self.emit("results", rows[-1])
            smu.safe_off()
            self.emit("progress", 100.0 * (n + 1) / len(REGIMES))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Volatile decay and nonvolatile hold times."""
        return metrics.retention(rows)
