"""E7: the device as a synapse. A few nonvolatile SMU cycles form the filament, then on the
pulse set-up (low series resistance) trains of potentiation and depression pulses, each
followed by a small read pulse, step the conductance up and down; repeated for several runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.base import StationProcedure
from labmem.procedures.pulse import PulseProcedure
from labmem.procedures.sweep import Block, sweep_triangle
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, pulses_with_reads

READ_SETTLE_FRACTION = 0.3
"""Part of each read pulse left out of its mean while the TIA output settles."""


FORMING_STEP_V = 5e-3
FORMING_RATE_V_PER_S = 1.0
FORMING_NPLC = 0.1
"""Staircase step, sweep rate and integration time of the forming sweeps on the SMU."""


def smu_sweeps(procedure: StationProcedure, name: str, compliance_a: float, v_pos: float,
               v_neg: float, cycles: int) -> None:
    """Triangles 0 → v_pos → v_neg → 0 on the station's SMU at a compliance (v_neg = 0: a set
    sweep), each stored as the trace name_<cycle>: how a synapse procedure forms the filament
    or sets the device before its pulses."""
    assert procedure.station is not None
    block = Block(name, compliance_a, v_pos, v_neg, 1)
    for cycle in range(cycles):
        procedure.stop_point()
        sweep = sweep_triangle(procedure.station.smu, block, FORMING_STEP_V,
                               FORMING_RATE_V_PER_S, FORMING_NPLC)
        procedure.store_trace(f"{name}_{cycle}", sweep.t, {"v": sweep.v, "i": sweep.i},
                              {"v": "V", "i": "A"}, compliance_a=compliance_a)


class SynapticWeight(PulseProcedure):
    """Potentiation then depression trains with a read after every pulse; conductance per
    read, for conditioning runs then measured runs. One row per read."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Run", "Conditioning", "Pulse", "Pulse level (V)",
                                         "Read current (A)", "Conductance (S)", OVER_RANGE]
    METRICS = metrics.SYNAPSE
    ROLES = ("smu", "awg", "scope")
    """Forming sweeps on the SMU, then the pulse path."""
    SMU_PATH_REFUSAL = ("its writes and reads differ in width (the SMU pulses with one width) "
                        "and its conductances are corrected for the pulse set-up's series "
                        "resistor")

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=1e3)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e4)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=0.1e-6)
    forming_cycles = IntegerParameter("Forming cycles (SMU)", minimum=0, maximum=1000,
                                      default=3)
    forming_compliance_a = FloatParameter("Forming compliance", units="A", minimum=1e-9,
                                          maximum=1.05, default=1e-3)
    forming_v = FloatParameter("Forming apex (±)", units="V", minimum=0.01, maximum=20.0,
                               default=2.0)
    potentiation_v = FloatParameter("Potentiation level", units="V", minimum=-10.0,
                                    maximum=10.0, default=1.0)
    depression_v = FloatParameter("Depression level", units="V", minimum=-10.0, maximum=10.0,
                                  default=-0.8)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=10e-6)
    gap_s = FloatParameter("Gap", units="s", minimum=25e-9, maximum=1.0, default=10e-6)
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=10.0, default=0.1)
    read_s = FloatParameter("Read width", units="s", minimum=25e-9, maximum=1.0,
                            default=10e-6)
    pulses = IntegerParameter("Pulses per train", minimum=1, maximum=1000, default=100)
    conditioning_runs = IntegerParameter("Conditioning runs", minimum=0, maximum=100,
                                         default=2)
    runs = IntegerParameter("Runs", minimum=1, maximum=1000, default=5)

    def segments(self) -> list[Segment]:
        """Potentiation pulses then depression pulses, each with its read."""
        levels = [self.potentiation_v] * self.pulses + [self.depression_v] * self.pulses
        return pulses_with_reads(levels, self.width_s, self.gap_s, self.read_v, self.read_s)

    def check_plan(self) -> None:
        """The shared checks, then the SMU's for forming."""
        super().check_plan()
        assert self.station is not None
        self.station.smu.check_configuration(self.forming_compliance_a, None, FORMING_NPLC)

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads (the pulses, which are not measured, may leave it)."""
        return 0.0, self.read_current_max_a()

    def read_current_max_a(self) -> float:
        """The series-limited read current (a shorted device): the top of the TIA screen, so
        no read can leave it; the pulses, which are not measured, may."""
        return self.read_v / (self.series_ohm + 50.0)

    def get_estimates(self) -> float:
        """Duration in s: forming sweeps at 1 V/s and every train."""
        forming = self.forming_cycles * 4 * self.forming_v / FORMING_RATE_V_PER_S
        return forming + (self.conditioning_runs + self.runs) * super().get_estimates()

    def startup(self) -> None:
        """Forming happens on the SMU set-up."""
        assert self.station is not None
        self.station.use_setup("smu")

    def form(self) -> None:
        """The forming cycles on the SMU (triangles ±forming_v at the forming compliance),
        then the pulse set-up."""
        assert self.station is not None
        smu_sweeps(self, "forming", self.forming_compliance_a, self.forming_v,
                   -self.forming_v, self.forming_cycles)
        self.station.safe_off()
        self.use_setup()

    def execute(self) -> None:
        """Form, then every run: one burst, conductance per read."""
        assert self.station is not None
        self.form()
        segments = self.segments()
        period = self.width_s + 2 * self.gap_s + self.read_s
        starts = self.width_s + self.gap_s + period * np.arange(2 * self.pulses)
        levels = [lv for lv, _ in segments[::4]]
        total = self.conditioning_runs + self.runs
        for run in range(total):
            self.stop_point()
            cap = self.capture(segments, f"run_{run}")
            settle = READ_SETTLE_FRACTION * self.read_s
            windows = [(s + settle, s + self.read_s) for s in starts]
            i_read = analysis.read_means(cap.t, cap.i, windows)
            g = analysis.series_corrected_conductance(i_read, self.read_v,
                                                      self.series_ohm + 50.0)
            conditioning = run < self.conditioning_runs
            self.emit_columns({
                "Run": run, "Conditioning": int(conditioning),
                "Pulse": np.arange(1, len(windows) + 1), "Pulse level (V)": np.array(levels),
                "Read current (A)": np.asarray(i_read, dtype=float),
                "Conductance (S)": np.asarray(g, dtype=float),
                OVER_RANGE: np.array([cap.clipped(*window) for window in windows])})
            self.emit("progress", 100.0 * (run + 1) / total)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Range of the mean conductance."""
        return metrics.synapse(rows)
