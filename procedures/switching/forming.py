"""P3: forming (first fire) of a fresh device. A current-limited voltage staircase on the SMU,
played as list sweeps of a few points each (chunks), stops after the chunk in which |I| first
reaches a fraction of the compliance: the forming event. Chunks, not the instrument's
abort-on-limit: every SourceMeter role runs a list sweep whole, and the event is a fraction
of the limit; the points after the event in its chunk still run, current-limited, so a chunk
of n points holds the formed device at the compliance for at most n − 1 dwells."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis_programming, metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.procedures.sweep import MAX_LIST_POINTS

READ_POINTS = 5
"""Readings of the formed state at the read voltage (their mean is its conductance)."""


class Forming(StationProcedure):
    """Ramp from the start voltage towards the stop voltage (never past the maximum) at the
    forming compliance until the current reaches the event fraction of it; then a read of the
    formed state. One row per reading (Phase 0 ramp, 1 read); Event marks the forming point."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["Phase", "Time (s)", "Voltage (V)", "Current (A)",
                                         "In compliance", "Event"]
    METRICS = metrics.FORMING

    compliance_a = FloatParameter("Forming compliance", units="A", minimum=1e-9, maximum=1.05,
                                  default=100e-6)
    start_v = FloatParameter("Ramp start", units="V", minimum=0.0, maximum=200.0, default=0.0)
    stop_v = FloatParameter("Ramp stop", units="V", minimum=0.01, maximum=200.0, default=5.0)
    max_v = FloatParameter("Maximum voltage (device limit)", units="V", minimum=0.01,
                           maximum=200.0, default=5.0)
    step_v = FloatParameter("Voltage step", units="V", minimum=1e-4, maximum=0.5, default=0.01)
    rate_v_per_s = FloatParameter("Ramp rate", units="V/s", minimum=1e-3, maximum=100.0,
                                  default=1.0)
    event_fraction = FloatParameter("Event level (fraction of compliance)", minimum=0.01,
                                    maximum=0.99, default=0.5)
    chunk_points = IntegerParameter("Points per sweep (chunk)", minimum=1,
                                    maximum=MAX_LIST_POINTS, default=20)
    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.1)

    def levels(self) -> np.ndarray:
        """The staircase from start to stop in steps of step_v (stop included)."""
        n = int(np.ceil((self.stop_v - self.start_v) / self.step_v - 1e-9))
        levels = self.start_v + self.step_v * np.arange(1, n + 1)
        return np.round(np.minimum(levels, self.stop_v), 9)

    def check_plan(self) -> None:
        """The ramp must stay at or below the maximum voltage and go up; the compliance must
        suit the SMU."""
        assert self.station is not None
        if self.stop_v > self.max_v:
            raise ValueError(f"Ramp stop (stop_v) = {self.stop_v:g} V is past the maximum "
                             f"voltage max_v = {self.max_v:g} V: stop at {self.max_v:g} V or "
                             f"below, or raise max_v if the device allows it")
        if not self.stop_v > self.start_v:
            raise ValueError(f"Ramp stop (stop_v) = {self.stop_v:g} V is not allowed: allowed "
                             f"above start_v = {self.start_v:g} V")
        self.station.smu.check_configuration(self.compliance_a, None, self.nplc)

    def get_estimates(self) -> float:
        """Duration in s: the whole ramp (an upper bound: it stops at the event)."""
        return (self.stop_v - self.start_v) / self.rate_v_per_s

    def execute(self) -> None:
        """Chunks of the ramp until one holds the event or the ramp ends; then the read."""
        assert self.station is not None
        station, smu = self.station, self.station.smu
        smu.configure(self.compliance_a, None, self.nplc)
        levels = self.levels()
        level_a = self.event_fraction * self.compliance_a
        t0 = station.now()
        for first in range(0, levels.size, self.chunk_points):
            self.stop_point()
            chunk = levels[first:first + self.chunk_points]
            start = station.now() - t0
            sweep = smu.sweep(chunk, dwell_s=self.step_v / self.rate_v_per_s)
            event = analysis_programming.first_event(sweep.i, level_a)
            marks = np.zeros(sweep.i.size, dtype=np.int64)
            if event is not None:
                marks[event] = 1
            self.emit_columns({"Phase": 0, "Time (s)": start + sweep.t, "Voltage (V)": sweep.v,
                               "Current (A)": sweep.i,
                               "In compliance": sweep.in_compliance.astype(np.int64),
                               "Event": marks})
            self.emit("progress", 100.0 * (first + chunk.size) / levels.size)
            if event is not None:
                break
        smu.apply(0.0)
        start = station.now() - t0
        read = smu.sweep(np.full(READ_POINTS, self.read_v), dwell_s=self.step_v
                         / self.rate_v_per_s)
        self.emit_columns({"Phase": 1, "Time (s)": start + read.t, "Voltage (V)": read.v,
                           "Current (A)": read.i,
                           "In compliance": read.in_compliance.astype(np.int64), "Event": 0})

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Formed or not, forming voltage and current, conductance of the formed state."""
        return metrics.forming(rows)
