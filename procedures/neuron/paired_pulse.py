"""P25: paired-pulse facilitation (or depression). Two identical pulses separated by an
interval swept over decades; the response to each is its peak current through the TIA. The
PPF index at an interval is the trials' mean second response over their mean first
response, fitted against the interval with 1 + C1·exp(−Δt/τ1) (+ C2·exp(−Δt/τ2))
(labmem.analysis_transients.fit_ppf)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.pulse import PulseProcedure
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment


class PairedPulse(PulseProcedure):
    """P25: pulse pairs at log-spaced intervals (each a whole number of pulse widths, from end
    of the first pulse to start of the second), `trials` pairs per interval, each after a
    rest; one row per pair with both responses and their ratio."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Interval (s)", "Trial", "A1 (A)", "A2 (A)",
                                         "PPF index", OVER_RANGE]
    METRICS = metrics.PAIRED_PULSE
    SMU_PATH_REFUSAL = ("intervals shorter than a pulse width and responses inside µs pulses "
                        "are read from one scope record; the SMU times one pulse period")

    amplitude_v = FloatParameter("Pulse amplitude", units="V", minimum=-10.0, maximum=10.0,
                                 default=2.0)
    width_s = FloatParameter("Pulse width", units="s", minimum=1e-7, maximum=0.1,
                             default=50e-6)
    interval_min_s = FloatParameter("Shortest interval", units="s", minimum=1e-7,
                                    maximum=100.0, default=50e-6)
    interval_max_s = FloatParameter("Longest interval", units="s", minimum=1e-7,
                                    maximum=100.0, default=0.1)
    intervals = IntegerParameter("Intervals (log-spaced)", minimum=2, maximum=200, default=10)
    trials = IntegerParameter("Pairs per interval", minimum=1, maximum=10_000, default=5)
    rest_s = FloatParameter("Rest before each pair", units="s", minimum=0.0, maximum=1e5,
                            default=1.0)
    max_points = IntegerParameter("Scope points per pair (at most)", minimum=1000,
                                  maximum=10_000_000, default=50_000)

    def interval_values(self) -> np.ndarray:
        """The intervals in s: log-spaced from the shortest to the longest, each rounded to a
        whole number (≥ 1) of pulse widths (the AWG plays the pair on one time grid), with
        duplicates merged."""
        raw = np.geomspace(self.interval_min_s, self.interval_max_s, self.intervals)
        widths = np.unique(np.maximum(1, np.round(raw / self.width_s)).astype(np.int64))
        return widths * self.width_s

    def pair(self, interval_s: float) -> list[Segment]:
        """0 V for a width, the first pulse, the interval at 0 V, the second pulse, 0 V for a
        width."""
        w, a = self.width_s, self.amplitude_v
        return [(0.0, w), (a, w), (0.0, interval_s), (a, w), (0.0, w)]

    def segments(self) -> list[Segment]:
        """The pair at the longest interval (the longest waveform, for the shared checks)."""
        return self.pair(float(self.interval_values()[-1]))

    def check_plan(self) -> None:
        """The longest interval must follow the shortest; then the shared checks."""
        if not self.interval_max_s > self.interval_min_s:
            raise ValueError(f"Longest interval (interval_max_s) = {self.interval_max_s:g} s "
                             f"is not allowed: allowed above the shortest interval "
                             f"{self.interval_min_s:g} s")
        super().check_plan()

    def record_points(self, duration_s: float) -> int:
        """Samples at the sample interval, at most max_points (long intervals are recorded
        coarser)."""
        return min(super().record_points(duration_s), int(self.max_points))

    def get_estimates(self) -> float:
        """Duration in s: every pair rests and plays."""
        return float(sum(self.trials * (self.rest_s + 3 * self.width_s + dt + self.width_s)
                         for dt in self.interval_values()))

    def execute(self) -> None:
        """Pairs at every interval, shortest first; a row per pair."""
        assert self.station is not None
        intervals = self.interval_values()
        total, done, w = intervals.size * self.trials, 0, self.width_s
        for interval in intervals:
            segments = self.pair(float(interval))
            second = 2 * w + interval
            for trial in range(self.trials):
                self.stop_point()
                self.station.wait(self.rest_s)
                cap = self.capture(segments, f"{interval:g}s_{trial}")
                a1, a2 = cap.peak(w, 2 * w), cap.peak(second, second + w)
                self.emit("results", {
                    "Interval (s)": float(interval), "Trial": trial, "A1 (A)": a1,
                    "A2 (A)": a2, "PPF index": a2 / a1 if a1 > 0 else float("nan"),
                    OVER_RANGE: max(cap.clipped(w, 2 * w), cap.clipped(second, second + w))})
                done += 1
                self.emit("progress", 100.0 * done / total)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """The PPF curve's ends and maximum and its exponential fit."""
        return metrics.paired_pulse(rows)
