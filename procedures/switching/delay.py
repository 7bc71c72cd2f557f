"""E8: switching delay against set-pulse amplitude on a rested device. Each trial rests the
device, plays one pulse and finds in the scope record when the current first reaches the
detection level. The pulse length and record window follow the delays seen at the previous
amplitude, as an operator changes the timebase: long enough to catch most slow switches, short
enough to resolve fast ones. A trial that does not switch within its pulse is censored (NaN)
and left out of the per-amplitude log-mean delay. So is a trial whose device conducts from the
first sample on ("On at start"): a long pulse can grow the bridge until it outlasts the rest,
and then the pulse finds no HRS to switch from."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.pulse import PulseProcedure
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment

MIN_WINDOW_S = 10e-6
"""Shortest record window the adaptation goes down to."""


class SwitchingDelay(PulseProcedure):
    """Single set pulses of rising amplitude, `trials` per amplitude, each after a rest; one
    row per trial with its delay (NaN when the pulse ended first: a censored trial)."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Amplitude (V)", "Trial", "Delay (s)", "Window (s)",
                                         "On at start", OVER_RANGE]
    METRICS = metrics.DELAY
    SMU_PATH_REFUSAL = ("each delay (µs to s) is found inside one pulse's scope record; an SMU "
                        "reads a pulse once")

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=2e6)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e6)
    amplitude_start_v = FloatParameter("First amplitude", units="V", minimum=0.0,
                                       maximum=10.0, default=0.9)
    amplitude_step_v = FloatParameter("Amplitude step", units="V", minimum=0.0, maximum=10.0,
                                      default=0.1)
    amplitudes = IntegerParameter("Amplitudes", minimum=1, maximum=100, default=7)
    trials = IntegerParameter("Trials per amplitude", minimum=1, maximum=10_000, default=30)
    rest_s = FloatParameter("Rest before each pulse", units="s", minimum=0.0, maximum=1e5,
                            default=300.0)
    first_window_s = FloatParameter("Pulse length at the first amplitude", units="s",
                                    minimum=MIN_WINDOW_S, maximum=1e4, default=30.0)
    max_window_s = FloatParameter("Longest pulse", units="s", minimum=MIN_WINDOW_S,
                                  maximum=1e4, default=100.0)
    window_factor = FloatParameter("Pulse length / previous log-mean delay", minimum=1.5,
                                   maximum=1e4, default=10.0)
    detect_a = FloatParameter("Detection current", units="A", minimum=1e-12, maximum=1.0,
                              default=50e-9)
    points = IntegerParameter("Scope points per trial", minimum=1000, maximum=10_000_000,
                              default=20_000)

    def levels(self) -> np.ndarray:
        """The pulse amplitudes in V."""
        return np.round(self.amplitude_start_v
                        + self.amplitude_step_v * np.arange(self.amplitudes), 9)

    def segments(self, amplitude_v: float | None = None,
                 window_s: float | None = None) -> list[Segment]:
        """One pulse (the highest amplitude and longest window unless given)."""
        amp = float(self.levels().max()) if amplitude_v is None else amplitude_v
        return [(amp, self.max_window_s if window_s is None else window_s)]

    def record_points(self, duration_s: float) -> int:
        """Fixed sample count per trial: the resolution scales with the window."""
        return int(self.points)

    def check_plan(self) -> None:
        """The shortest and longest pulses must fit the AWG and the scope."""
        super().check_plan()
        assert self.station is not None
        lowest = self.segments(float(self.levels().min()), MIN_WINDOW_S)
        self.station.awg.compile(lowest)
        self.check_screens(lowest)

    def get_estimates(self) -> float:
        """Upper bound in s: every trial rests and runs its longest pulse."""
        return self.amplitudes * self.trials * (self.rest_s + self.max_window_s)

    def execute(self) -> None:
        """Trials per amplitude; a row per trial. The pulse length at an amplitude is
        window_factor × the log-mean delay at the previous amplitude (delays fall with
        amplitude, so this is generous), first_window_s at the first amplitude."""
        assert self.station is not None
        window = self.first_window_s
        total, done = self.amplitudes * self.trials, 0
        for amp in self.levels():
            delays = []
            for trial in range(self.trials):
                self.stop_point()
                self.station.wait(self.rest_s)
                cap = self.capture(self.segments(float(amp), window), f"{amp:g}V_{trial}")
                delay = analysis.switching_delay(cap.t, cap.i, self.detect_a)
                first_sample = float(cap.t[cap.t >= 0][0])
                on_at_start = delay <= first_sample  # not back in HRS: no delay to measure
                if delay > window or on_at_start:  # after the pulse, or before it mattered
                    delay = float("nan")
                delays.append(delay)
                self.emit("results", {"Amplitude (V)": float(amp), "Trial": trial,
                                      "Delay (s)": delay, "Window (s)": window,
                                      "On at start": int(on_at_start),
                                      OVER_RANGE: cap.clipped()})
                done += 1
                self.emit("progress", 100.0 * done / total)
            switched = np.array(delays)
            switched = switched[np.isfinite(switched) & (switched > 0)]
            if switched.size:  # next pulse length from this amplitude's log-mean delay
                typical = float(np.exp(np.log(switched).mean()))
                window = float(np.clip(self.window_factor * typical, MIN_WINDOW_S,
                                       self.max_window_s))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Fit of the delay against amplitude."""
        return metrics.delay(rows)
