"""P17: dendritic filtering. Trains of identical pulses at amplitudes below and above the
threshold, with the device first off (rested) and then on (just after a set pulse): below it
the response does not build up over the train (filtered), above it it keeps rising
(integration). Build-up ratio (last/first response) per amplitude and state."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.neuron.trains import number_list
from labmem.procedures.pulse import PulseProcedure, check_width_below_period
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, pulse_train

STATES = ("off", "on")


class DendriticFilter(PulseProcedure):
    """For each state (off: rested; on: a set pulse just before) and amplitude: rest, then a
    train of identical pulses; the response of a pulse is its mean current over its second
    half. One row per pulse."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Train", "State", "Amplitude (V)", "Pulse",
                                         "Response (A)", OVER_RANGE]
    METRICS = metrics.DENDRITIC_FILTER

    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e5)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=0.5e-6)
    amplitudes = Parameter("Amplitudes (list, V)", default="1.0, 1.5, 2.0, 2.5")
    pulses = IntegerParameter("Pulses per train", minimum=2, maximum=1000, default=10)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=10e-6)
    period_s = FloatParameter("Pulse period", units="s", minimum=50e-9, maximum=10.0,
                              default=100e-6)
    set_v = FloatParameter("Set pulse level (on state)", units="V", minimum=0.0,
                           maximum=10.0, default=2.5)
    set_s = FloatParameter("Set pulse width", units="s", minimum=25e-9, maximum=1.0,
                           default=100e-6)
    set_gap_s = FloatParameter("Set pulse to train", units="s", minimum=25e-9, maximum=1.0,
                               default=10e-3)
    rest_s = FloatParameter("Rest before each train", units="s", minimum=0.0, maximum=1e5,
                            default=1.0)
    ratio_level = FloatParameter("Build-up ratio of the threshold", minimum=0.0,
                                 maximum=1e6, default=1.5)

    def levels(self) -> list[float]:
        """The train amplitudes in V."""
        return number_list(self.amplitudes, "Amplitudes (amplitudes)", -10.0, 10.0)

    def train(self, state: int, amplitude_v: float) -> list[Segment]:
        """The waveform of one train: the set pulse and its gap in the on state, then the
        pulses."""
        lead = [(self.set_v, self.set_s), (0.0, self.set_gap_s)] if state else []
        return lead + pulse_train(amplitude_v, 0.0, self.width_s, self.period_s, self.pulses)

    def segments(self) -> list[Segment]:
        """The on-state train at the largest amplitude (the longest, highest waveform)."""
        return self.train(1, max(self.levels()))

    def check_plan(self) -> None:
        """Pulses shorter than their period, then the shared checks."""
        check_width_below_period(self.width_s, self.period_s)
        super().check_plan()

    def get_estimates(self) -> float:
        """Duration in s: every train's rest and burst."""
        return sum(self.rest_s + sum(d for _, d in self.train(s, a))
                   for s in range(len(STATES)) for a in self.levels())

    def execute(self) -> None:
        """Both states, every amplitude; rows per pulse."""
        assert self.station is not None
        plan = [(s, a) for s in range(len(STATES)) for a in self.levels()]
        for done, (state, amp) in enumerate(plan, start=1):
            self.stop_point()
            self.station.wait(self.rest_s)
            segments = self.train(state, amp)
            cap = self.capture(segments, f"{STATES[state]}_{amp:g}V")
            lead = sum(d for _, d in segments[:2]) if state else 0.0
            starts = lead + self.period_s * np.arange(self.pulses)
            windows = [(s + 0.5 * self.width_s, s + self.width_s) for s in starts]
            self.emit_columns({"Train": done, "State": state, "Amplitude (V)": amp,
                               "Pulse": np.arange(1, self.pulses + 1),
                               "Response (A)": analysis.read_means(cap.t, cap.i, windows),
                               OVER_RANGE: np.array([cap.clipped(*w) for w in windows])})
            self.emit("progress", 100.0 * done / len(plan))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Filtering thresholds and largest build-up ratios, off and on."""
        return metrics.dendritic_filter(rows, self.ratio_level)
