"""Retention of several programmed levels on the SMU: for each set compliance, a full reset
ramp, a set ramp at that compliance (the compliance sets the level), then reads on a
logarithmic time grid up to 10⁵ s on the station's clock, the output at 0 V between reads
(each read a short list sweep at the read voltage). Per level: the drift exponent ν of
G = G1·t^−ν while the state holds, and the retention time."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, StationProcedure, list_values
from labmem.procedures.synapse.levels import full_ramp, read_current


class LevelRetention(StationProcedure):
    """For each set compliance (one level each): full reset, set, reads at log-spaced times
    after the set. One row per read."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["Level", "Compliance (A)", "Time (s)", "Current (A)",
                                         "Conductance (S)"]
    METRICS = metrics.LEVEL_RETENTION

    compliances_a = FloatListParameter("Set compliances (one level each)", units="A",
                                       minimum=1e-9, maximum=1.05, default="1e-5, 1e-4, 1e-3")
    set_v = FloatParameter("Set ramp apex", units="V", minimum=0.01, maximum=20.0, default=1.5)
    reset_v = FloatParameter("Reset ramp apex", units="V", minimum=-20.0, maximum=-0.01,
                             default=-1.5)
    reset_compliance_a = FloatParameter("Reset and read compliance", units="A", minimum=1e-9,
                                        maximum=1.05, default=10e-3)
    ramp_rate_v_per_s = FloatParameter("Ramp rate", units="V/s", minimum=1e-3, maximum=100.0,
                                       default=1.0)
    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    read_s = FloatParameter("Read point duration", units="s", minimum=1e-4, maximum=10.0,
                            default=5e-3)
    first_read_s = FloatParameter("First read after the set", units="s", minimum=1e-3,
                                  maximum=1e5, default=1.0)
    window_s = FloatParameter("Last read after the set", units="s", minimum=1e-3,
                              maximum=1e7, default=1e5)
    reads = IntegerParameter("Reads per level", minimum=3, maximum=10_000, default=26)
    fraction = FloatParameter("Retention fraction of the first read", minimum=0.01,
                              maximum=0.99, default=0.5)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def compliances(self) -> list[float]:
        """The set compliances in A, one level each."""
        return list_values(self, "compliances_a")

    def read_times(self) -> np.ndarray:
        """Log-spaced read times after the set, in s."""
        return np.geomspace(self.first_read_s, self.window_s, self.reads)

    def check_plan(self) -> None:
        """Compliances and integration time must suit the SMU; the window must follow the
        first read, and reads must not overlap."""
        assert self.station is not None
        if not self.window_s > self.first_read_s:
            raise ValueError(f"Last read after the set (window_s) = {self.window_s:g} s is not "
                             f"allowed: allowed above first_read_s = {self.first_read_s:g} s")
        for compliance in (*self.compliances(), self.reset_compliance_a):
            self.station.smu.check_configuration(compliance, None, self.nplc)

    def get_estimates(self) -> float:
        """Duration in s: per level both ramps and the read window."""
        ramps = 2 * (self.set_v - self.reset_v) / self.ramp_rate_v_per_s
        return len(self.compliances()) * (ramps + self.window_s)

    def execute(self) -> None:
        """Reset, set and read each level in turn."""
        assert self.station is not None
        station, smu = self.station, self.station.smu
        levels = self.compliances()
        for n, compliance in enumerate(levels):
            self.stop_point()
            full_ramp(smu, self.reset_v, self.reset_compliance_a, self.ramp_rate_v_per_s,
                      self.nplc)
            full_ramp(smu, self.set_v, compliance, self.ramp_rate_v_per_s, self.nplc)
            smu.configure(self.reset_compliance_a, None, self.nplc)
            smu.apply(0.0)
            t_set = station.now()
            for t_read in self.read_times():
                station.wait(max(0.0, t_set + t_read - station.now()))
                t = station.now() - t_set
                i = read_current(smu, self.read_v, self.read_s)
                self.emit("results", {"Level": n, "Compliance (A)": compliance, "Time (s)": t,
                                      "Current (A)": i, "Conductance (S)": i / self.read_v})
            self.emit("progress", 100.0 * (n + 1) / len(levels))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Drift exponent and retention time per level, and their extremes."""
        return metrics.level_retention(rows, self.fraction)
