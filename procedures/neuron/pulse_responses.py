"""Neuron tests on the pulse set-up: a generic segment-list train, all-or-none (E4),
integrate (E5) and integrate-and-fire (E6)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.pulse import PulseProcedure, segment_windows
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, packages, pulse_train, staircase


class PulseTrain(PulseProcedure):
    """Play any segment list once; one row per pulse (a segment above the base level) with its
    peak and mean current. Segments as "level:duration, level:duration, …" in V and s."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Start (s)", "Level (V)", "Peak current (A)",
                                         "Mean current (A)", OVER_RANGE]
    METRICS = metrics.PULSE_TRAIN

    waveform = Parameter("Segments (V:s, …)", default="0:1e-5, 1:2e-5, 0:1e-5")
    base_v = FloatParameter("Base level", units="V", minimum=-10.0, maximum=10.0, default=0.0)

    def segments(self) -> list[Segment]:
        """Parse the waveform parameter; ValueError naming it on a bad entry."""
        out = []
        for item in str(self.waveform).split(","):
            try:
                level, duration = (float(x) for x in item.split(":"))
            except ValueError:
                raise ValueError(f"Segments (waveform): {item.strip()!r} is not allowed: "
                                 "write level:duration in V and s, e.g. 1.2:5e-6") from None
            if not duration > 0:
                raise ValueError(f"Segments (waveform): duration {duration!r} s is not "
                                 "allowed: allowed > 0 s")
            out.append((level, duration))
        return out

    def execute(self) -> None:
        """One burst; rows per pulse."""
        segments = self.segments()
        cap = self.capture(segments, "train")
        for k, (start, stop) in enumerate(segment_windows(segments, self.base_v)):
            inside = cap.window(start, stop)
            level = float(np.median(cap.v_source[inside]))
            self.emit("results", {"Pulse": k + 1, "Start (s)": start, "Level (V)": level,
                                  "Peak current (A)": cap.peak(start, stop),
                                  "Mean current (A)": float(cap.i[inside].mean()),
                                  OVER_RANGE: cap.clipped(start, stop)})

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Largest peak current."""
        return metrics.pulse_train(rows)



class AllOrNone(PulseProcedure):
    """E4: pulses of rising amplitude through a large series resistor; a pulse responds when
    the device takes less than half the applied voltage (its current exceeds half the
    series-limited value; on the SMU path, half the compliance)."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Amplitude (V)", "Peak current (A)", "Responded",
                                         OVER_RANGE]
    METRICS = metrics.ALL_OR_NONE

    amplitude_start_v = FloatParameter("First amplitude", units="V", minimum=0.0,
                                       maximum=10.0, default=0.2)
    amplitude_step_v = FloatParameter("Amplitude step", units="V", minimum=0.0, maximum=10.0,
                                      default=0.2)
    pulses = IntegerParameter("Pulses", minimum=1, maximum=1000, default=10)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1000.0,
                             default=100e-3)
    duty = FloatParameter("Duty cycle", minimum=0.001, maximum=0.999, default=0.5)

    def amplitudes(self) -> np.ndarray:
        """The pulse amplitudes in V."""
        return np.round(self.amplitude_start_v
                        + self.amplitude_step_v * np.arange(self.pulses), 9)

    def segments(self) -> list[Segment]:
        """Rising amplitudes at the duty cycle."""
        gap = self.width_s * (1 - self.duty) / self.duty
        return staircase(self.amplitudes(), self.width_s, gap)

    def execute(self) -> None:
        """One burst; a row per pulse."""
        segments = self.segments()
        cap = self.capture(segments, "all_or_none")
        for k, (amp, (start, stop)) in enumerate(zip(self.amplitudes(),
                                                     segment_windows(segments, 0.0),
                                                     strict=True)):
            peak = cap.peak(start, stop)
            self.emit("results", {"Pulse": k + 1, "Amplitude (V)": float(amp),
                                  "Peak current (A)": peak,
                                  "Responded": int(peak > 0.5 * self.limited_current_a(amp)),
                                  OVER_RANGE: cap.clipped(start, stop)})

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Amplitude of the first response."""
        return metrics.all_or_none(rows)



class Integrate(PulseProcedure):
    """E5: identical pulses; the peak current per pulse shows the conductance integrating."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Peak current (A)", OVER_RANGE]
    METRICS = metrics.INTEGRATE

    amplitude_v = FloatParameter("Amplitude", units="V", minimum=-10.0, maximum=10.0,
                                 default=3.0)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1000.0,
                             default=5e-3)
    duty = FloatParameter("Duty cycle", minimum=0.001, maximum=0.999, default=0.5)
    pulses = IntegerParameter("Pulses", minimum=1, maximum=10_000, default=9)

    def segments(self) -> list[Segment]:
        """`pulses` pulses at the duty cycle."""
        return pulse_train(self.amplitude_v, 0.0, self.width_s, self.width_s / self.duty,
                           self.pulses)

    def execute(self) -> None:
        """One burst; a row per pulse."""
        segments = self.segments()
        cap = self.capture(segments, "integrate")
        for k, (start, stop) in enumerate(segment_windows(segments, 0.0)):
            self.emit("results", {"Pulse": k + 1, "Peak current (A)": cap.peak(start, stop),
                                  OVER_RANGE: cap.clipped(start, stop)})

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Last over first peak current."""
        return metrics.integrate(rows)



class IntegrateAndFire(PulseProcedure):
    """E6: packages of 1, 2, 3 … pulses from a negative low level; a spike is the current
    crossing half the series-limited value during a pulse. A row per pulse."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Package", "Pulse", "Start (s)", "Peak current (A)",
                                         "Spikes", OVER_RANGE]
    METRICS = metrics.INTEGRATE_AND_FIRE

    high_v = FloatParameter("High level", units="V", minimum=-10.0, maximum=10.0, default=2.0)
    low_v = FloatParameter("Low level", units="V", minimum=-10.0, maximum=10.0, default=-1.0)
    period_s = FloatParameter("Pulse period", units="s", minimum=50e-9, maximum=10.0,
                              default=20e-6)
    duty = FloatParameter("Duty cycle", minimum=0.001, maximum=0.999, default=0.8)
    gap_s = FloatParameter("Gap between packages", units="s", minimum=25e-9, maximum=10.0,
                           default=100e-6)
    packages = IntegerParameter("Packages", minimum=1, maximum=200, default=20)

    def check_plan(self) -> None:
        """High above low, then the shared checks."""
        if not self.high_v > self.low_v:
            raise ValueError(f"High level (high_v) = {self.high_v:g} V is not allowed: "
                             f"allowed above the low level {self.low_v:g} V")
        super().check_plan()

    def spike_threshold_a(self) -> float:
        """Half the series-limited current at the high level (on the SMU path, half the
        compliance): a spike crosses it."""
        return 0.5 * self.limited_current_a(self.high_v)

    def segments(self) -> list[Segment]:
        """Package k holds k pulses."""
        return packages(range(1, self.packages + 1), self.high_v, self.low_v,
                        self.duty * self.period_s, self.period_s, self.gap_s)

    def execute(self) -> None:
        """One burst; spikes found per pulse window."""
        segments = self.segments()
        cap = self.capture(segments, "integrate_and_fire")
        onsets = cap.t[analysis.rising_edges(cap.i, self.spike_threshold_a())]
        labels = [(k, p) for k in range(1, self.packages + 1) for p in range(1, k + 1)]
        windows = segment_windows(segments, 0.5 * (self.high_v + self.low_v))
        for (package, pulse), (start, stop) in zip(labels, windows, strict=True):
            spikes = int(np.count_nonzero((onsets >= start) & (onsets < stop)))
            self.emit("results", {"Package": package, "Pulse": pulse, "Start (s)": start,
                                  "Peak current (A)": cap.peak(start, stop),
                                  "Spikes": spikes, OVER_RANGE: cap.clipped(start, stop)})

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """First spike and spike count."""
        return metrics.integrate_and_fire(rows)
