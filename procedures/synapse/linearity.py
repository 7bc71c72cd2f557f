"""P18: weight-update linearity by pulse scheme. After SynapticWeight's forming, repeated
cycles of a potentiation train then a depression train on the pulse set-up, a read before the
first pulse and after every pulse, with identical pulses or pulses whose amplitude or width
grows from one pulse to the next; the NeuroSim fit of each branch, asymmetry, dynamic range,
distinguishable states and cycle-to-cycle spread."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, ListParameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.synapse.weight import READ_SETTLE_FRACTION, SynapticWeight
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment

SCHEMES = ("identical", "amplitude", "width")
"""Pulse schemes: identical pulses, incremental amplitude, incremental width (the review's
types A, B and C)."""


class UpdateLinearity(SynapticWeight):
    """G against pulse number for a potentiation then a depression train of one pulse scheme
    (identical, incremental amplitude or incremental width), a read before the first pulse and
    after each, repeated for cycle-to-cycle statistics. One row per read."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Run", "Conditioning", "Read", "Potentiation", "Pulse",
                                         "Pulse level (V)", "Pulse width (s)",
                                         "Read current (A)", "Conductance (S)", OVER_RANGE]
    METRICS = metrics.LINEARITY

    potentiation_v = FloatParameter("Potentiation level", units="V", minimum=-10.0,
                                    maximum=10.0, default=0.6)
    depression_v = FloatParameter("Depression level", units="V", minimum=-10.0, maximum=10.0,
                                  default=-1.0)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=50e-6)
    scheme = ListParameter("Pulse scheme", choices=SCHEMES, default="identical")
    potentiation_step_v = FloatParameter("Potentiation amplitude step (amplitude scheme)",
                                         units="V", minimum=0.0, maximum=1.0, default=0.002)
    depression_step_v = FloatParameter("Depression amplitude step (amplitude scheme)",
                                       units="V", minimum=0.0, maximum=1.0, default=0.01)
    potentiation_width_step_s = FloatParameter("Potentiation width step (width scheme)",
                                               units="s", minimum=0.0, maximum=0.1,
                                               default=1e-6)
    depression_width_step_s = FloatParameter("Depression width step (width scheme)",
                                             units="s", minimum=0.0, maximum=0.1, default=1e-6)
    pulses = IntegerParameter("Pulses per train", minimum=3, maximum=500, default=30)
    conditioning_runs = IntegerParameter("Conditioning cycles", minimum=0, maximum=100,
                                         default=5)
    runs = IntegerParameter("Measured cycles", minimum=1, maximum=1000, default=3)
    noise_k = FloatParameter("State separation (× σ)", minimum=0.1, maximum=10.0, default=2.0)

    def pulse_plan(self) -> tuple[np.ndarray, np.ndarray]:
        """(levels V, widths s) of the potentiation pulses then the depression pulses: the
        k-th pulse of a train grows by k steps in |level| (amplitude scheme) or in width
        (width scheme)."""
        k = np.arange(self.pulses, dtype=float)
        up = np.full(self.pulses, self.potentiation_v)
        down = np.full(self.pulses, self.depression_v)
        widths = np.full(2 * self.pulses, self.width_s)
        if self.scheme == "amplitude":
            up = up + np.sign(self.potentiation_v) * self.potentiation_step_v * k
            down = down + np.sign(self.depression_v) * self.depression_step_v * k
        elif self.scheme == "width":
            widths = widths + np.concatenate([self.potentiation_width_step_s * k,
                                              self.depression_width_step_s * k])
        return np.concatenate([up, down]), widths

    def segments(self) -> list[Segment]:
        """A read, then each pulse followed by a gap, a read and a gap."""
        out: list[Segment] = [(self.read_v, self.read_s), (0.0, self.gap_s)]
        for level, width in zip(*self.pulse_plan(), strict=True):
            out += [(float(level), float(width)), (0.0, self.gap_s),
                    (self.read_v, self.read_s), (0.0, self.gap_s)]
        return out

    def read_windows(self) -> list[tuple[float, float]]:
        """(start, stop) in s of the settled part of every read (one more than the pulses)."""
        starts, now = [0.0], self.read_s + self.gap_s
        for width in self.pulse_plan()[1]:
            now += width + self.gap_s
            starts.append(now)
            now += self.read_s + self.gap_s
        settle = READ_SETTLE_FRACTION * self.read_s
        return [(s + settle, s + self.read_s) for s in starts]

    def execute(self) -> None:
        """Form, then every cycle: one burst, a row per read."""
        assert self.station is not None
        self.form()
        segments, windows = self.segments(), self.read_windows()
        levels, widths = self.pulse_plan()
        n = self.pulses
        total = self.conditioning_runs + self.runs
        for run in range(total):
            self.stop_point()
            cap = self.capture(segments, f"cycle_{run}")
            i_read = analysis.read_means(cap.t, cap.i, windows)
            g = analysis.series_corrected_conductance(i_read, self.read_v, self.loop_ohm)
            self.emit_columns({
                "Run": run, "Conditioning": int(run < self.conditioning_runs),
                "Read": np.arange(2 * n + 1),
                "Potentiation": np.r_[np.ones(n + 1, dtype=int), np.zeros(n, dtype=int)],
                "Pulse": np.r_[np.arange(n + 1), np.arange(1, n + 1)],
                "Pulse level (V)": np.r_[0.0, levels], "Pulse width (s)": np.r_[0.0, widths],
                "Read current (A)": np.asarray(i_read, dtype=float),
                "Conductance (S)": np.asarray(g, dtype=float),
                OVER_RANGE: np.array([cap.clipped(*w) for w in windows])})
            self.emit("progress", 100.0 * (run + 1) / total)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Nonlinearity of each branch, asymmetry, dynamic range, states, spread."""
        return metrics.linearity(rows, self.noise_k)
