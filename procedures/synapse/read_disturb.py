"""Read disturb on the SMU: a level is programmed (full reset ramp, set ramp at a compliance),
then read many times at a chosen bias and rate. The reads are played as list sweeps: each
read one point at the read bias followed by points at 0 V that fill the period (every point
lasts the read width), as many reads per sweep as the SMU's list holds. G per read against
the read count: its relative change, the count at which it has moved by a set fraction, and
its power-law exponent."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.procedures.sweep import MAX_LIST_POINTS
from labmem.procedures.synapse.levels import full_ramp


class ReadDisturb(StationProcedure):
    """Program a level, then `reads` reads at read_v, one every 1/rate; one row per read."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["Read", "Time (s)", "Voltage (V)", "Current (A)",
                                         "Conductance (S)"]
    METRICS = metrics.READ_DISTURB

    compliance_a = FloatParameter("Set compliance (the level)", units="A", minimum=1e-9,
                                  maximum=1.05, default=100e-6)
    set_v = FloatParameter("Set ramp apex", units="V", minimum=0.01, maximum=20.0, default=1.5)
    reset_v = FloatParameter("Reset ramp apex", units="V", minimum=-20.0, maximum=-0.01,
                             default=-1.5)
    ramp_rate_v_per_s = FloatParameter("Ramp rate", units="V/s", minimum=1e-3, maximum=100.0,
                                       default=1.0)
    read_v = FloatParameter("Read bias", units="V", minimum=-5.0, maximum=5.0, default=0.1)
    read_compliance_a = FloatParameter("Read compliance", units="A", minimum=1e-9,
                                       maximum=1.05, default=10e-3)
    read_s = FloatParameter("Read width", units="s", minimum=1e-4, maximum=10.0, default=1e-3)
    rate_hz = FloatParameter("Read rate", units="Hz", minimum=1e-4, maximum=1e4, default=500.0)
    reads = IntegerParameter("Reads", minimum=2, maximum=10_000_000, default=10_000)
    change = FloatParameter("Disturb level (relative change of G)", minimum=0.001,
                            maximum=10.0, default=0.1)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def points_per_read(self) -> int:
        """List points per read period: the read and the 0 V points after it."""
        return max(1, round(1.0 / (self.rate_hz * self.read_s)))

    def check_plan(self) -> None:
        """A non-zero read bias; a read period of whole read widths that fits the SMU's list;
        compliances and integration time the SMU can set."""
        assert self.station is not None
        if self.read_v == 0:
            raise ValueError("Read bias (read_v) = 0 V reads no conductance: choose a bias, "
                             "e.g. 0.1 V")
        if self.rate_hz * self.read_s > 1.0:
            raise ValueError(f"Read rate (rate_hz) = {self.rate_hz:g} Hz with {self.read_s:g} s "
                             f"reads overlaps them: at most {1 / self.read_s:g} Hz")
        if self.points_per_read() > MAX_LIST_POINTS:
            raise ValueError(f"Read rate (rate_hz) = {self.rate_hz:g} Hz needs "
                             f"{self.points_per_read()} list points per read of {self.read_s:g} "
                             f"s; the SMU list holds {MAX_LIST_POINTS}: at least "
                             f"{1 / (MAX_LIST_POINTS * self.read_s):.3g} Hz, or longer reads")
        for compliance in (self.compliance_a, self.read_compliance_a):
            self.station.smu.check_configuration(compliance, None, self.nplc)

    def get_estimates(self) -> float:
        """Duration in s: both ramps and every read period."""
        ramps = 2 * (self.set_v - self.reset_v) / self.ramp_rate_v_per_s
        return ramps + self.reads * self.points_per_read() * self.read_s

    def execute(self) -> None:
        """Reset, set, then the reads in sweeps of as many periods as the list holds."""
        assert self.station is not None
        station, smu = self.station, self.station.smu
        full_ramp(smu, self.reset_v, self.read_compliance_a, self.ramp_rate_v_per_s, self.nplc)
        full_ramp(smu, self.set_v, self.compliance_a, self.ramp_rate_v_per_s, self.nplc)
        smu.configure(self.read_compliance_a, None, self.nplc)
        n = self.points_per_read()
        per_sweep = MAX_LIST_POINTS // n
        period = np.zeros(n)
        period[0] = self.read_v
        t0 = station.now()
        for first in range(0, self.reads, per_sweep):
            self.stop_point()
            count = min(per_sweep, self.reads - first)
            start = station.now() - t0
            sweep = smu.sweep(np.tile(period, count), dwell_s=self.read_s)
            i = sweep.i[::n]
            self.emit_columns({"Read": first + 1 + np.arange(count), "Time (s)": start
                               + sweep.t[::n], "Voltage (V)": sweep.v[::n], "Current (A)": i,
                               "Conductance (S)": i / self.read_v})
            self.emit("progress", 100.0 * (first + count) / self.reads)
        smu.apply(0.0)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Relative change of G over the reads, reads to the disturb level, drift exponent."""
        return metrics.read_disturb(rows, self.change)
