"""P26: short- to long-term memory by repetition. k identical stimuli at a given interval, then
reads of the conductance at log-spaced times, for every k and interval of two lists; the
retention time (conductance down to a fraction of its first read) against k and interval."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.neuron.trains import ReadWaveform, number_list
from labmem.procedures.pulse import PulseProcedure
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, pulse_train


class RepetitionRetention(PulseProcedure):
    """For each stimulus count k and interval: rest, k pulses at the interval, then reads at
    log-spaced times after the last pulse, all in one burst. One row per read."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Block", "Stimuli", "Interval (s)", "Time (s)",
                                         "Conductance (S)", OVER_RANGE]
    METRICS = metrics.REPETITION_RETENTION
    SMU_PATH_REFUSAL = ("its stimuli and reads differ in width (the SMU pulses with one "
                        "width) and its conductances are corrected for the pulse set-up's "
                        "series resistor")

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=100e3)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e5)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=2e-6)
    amplitude_v = FloatParameter("Stimulus amplitude", units="V", minimum=-10.0, maximum=10.0,
                                 default=2.0)
    width_s = FloatParameter("Stimulus width", units="s", minimum=25e-9, maximum=1.0,
                             default=20e-6)
    stimuli = Parameter("Stimulus counts k (list)", default="3, 10, 30")
    intervals = Parameter("Stimulus intervals (list, s)", default="1e-4, 1e-3")
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=10.0, default=0.1)
    read_s = FloatParameter("Read width", units="s", minimum=25e-9, maximum=1.0,
                            default=20e-6)
    first_read_s = FloatParameter("First read after the last stimulus", units="s",
                                  minimum=25e-9, maximum=10.0, default=100e-6)
    window_s = FloatParameter("Last read after the last stimulus", units="s", minimum=1e-6,
                              maximum=10.0, default=0.2)
    reads = IntegerParameter("Reads per block", minimum=2, maximum=1000, default=30)
    fraction = FloatParameter("Retention fraction of the first read",
                              minimum=0.01, maximum=0.99, default=0.5)
    rest_s = FloatParameter("Rest before each block", units="s", minimum=0.0, maximum=1e5,
                            default=10.0)

    def counts(self) -> list[int]:
        """The stimulus counts k."""
        ks = number_list(self.stimuli, "Stimulus counts k (stimuli)", 1, 10_000)
        if any(not k.is_integer() for k in ks):
            raise ValueError(f"Stimulus counts k (stimuli): whole numbers are needed, got "
                             f"{self.stimuli!r}")
        return [int(k) for k in ks]

    def periods(self) -> list[float]:
        """The stimulus intervals (start to start) in s, rounded to whole stimulus widths."""
        values = number_list(self.intervals, "Stimulus intervals (intervals)", 0.0, 10.0)
        return [self.width_s * max(2, round(v / self.width_s)) for v in values]

    def read_times(self) -> np.ndarray:
        """Read starts after the last stimulus ends, log-spaced, on the grid of the read width
        and at least a stimulus width apart (so fewer than `reads` when they would crowd)."""
        grid = self.read_s
        times = np.round(np.geomspace(self.first_read_s, self.window_s, int(self.reads))
                         / grid) * grid
        kept = [max(times[0], grid)]
        for t in times[1:]:
            if t >= kept[-1] + self.read_s + self.width_s:
                kept.append(float(t))
        return np.array(kept)

    def block(self, k: int, period_s: float) -> ReadWaveform:
        """k stimuli at period_s, then the reads."""
        w = ReadWaveform(self.read_v, self.read_s)
        w.add(pulse_train(self.amplitude_v, 0.0, self.width_s, period_s, k)[:-1])
        end = w.duration_s
        for t in self.read_times():
            w.add([(0.0, end + t - w.duration_s)])
            w.read()
        w.add([(0.0, self.read_s)])
        return w

    def segments(self) -> list[Segment]:
        """The longest block: the most stimuli at the longest interval."""
        return self.block(max(self.counts()), max(self.periods())).segments

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads (the stimuli, which are not measured, may leave it)."""
        return 0.0, self.read_v / (self.series_ohm + 50.0)

    def check_plan(self) -> None:
        """The window must follow the first read, reads leave gaps, then the shared checks
        on the longest block."""
        if not self.window_s > self.first_read_s:
            raise ValueError(f"Last read after the last stimulus (window_s) = "
                             f"{self.window_s:g} s is not allowed: allowed above "
                             f"first_read_s = {self.first_read_s:g} s")
        self.counts()
        super().check_plan()

    def get_estimates(self) -> float:
        """Duration in s: every block's rest and burst."""
        return sum(self.rest_s + self.block(k, p).duration_s for k in self.counts()
                   for p in self.periods())

    def execute(self) -> None:
        """Every interval and count; a row per read."""
        assert self.station is not None
        plan = [(p, k) for p in self.periods() for k in self.counts()]
        times = self.read_times()
        for done, (period, k) in enumerate(plan, start=1):
            self.stop_point()
            self.station.wait(self.rest_s)
            w = self.block(k, period)
            cap = self.capture(w.segments, f"k{k}_{period:g}s")
            g, clipped = w.conductances(cap, self.series_ohm + 50.0)
            self.emit_columns({"Block": done, "Stimuli": k, "Interval (s)": period,
                               "Time (s)": times, "Conductance (S)": g, OVER_RANGE: clipped})
            self.emit("progress", 100.0 * done / len(plan))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Retention times against k and interval."""
        return metrics.repetition_retention(rows, self.fraction)
