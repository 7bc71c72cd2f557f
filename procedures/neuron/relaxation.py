"""P2/P4: turn-on and relaxation of a volatile device. A set pulse, then a µs-resolved
low-bias read through the TIA in the same capture: the delay to turn-on (analysis
.switching_delay) and the read current's relaxation to HRS (an exponential fit, and
analysis.decay_time to a fraction of the first read), against pulse amplitude, width and the
series resistance that limits the current (the pulse path's compliance)."""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis, analysis_transients, metrics
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, list_values
from labmem.procedures.neuron.read_transient import PulseThenRead, ReadTransient
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment


class TurnOnRelaxation(PulseThenRead):
    """P2/P4: for every series resistance, amplitude and width, `trials` set pulses each
    followed by a read; one row per trial with the turn-on delay, the first read current,
    the fitted relaxation time (± its standard error) and the time to HRS."""

    DATA_COLUMNS: ClassVar[list[str]] = [
        "Series resistance (ohm)", "Amplitude (V)", "Width (s)", "Trial", "Turned on",
        "Delay (s)", "First read (A)", "Relaxation tau (s)", "Relaxation tau err (s)",
        "Time to HRS (s)", OVER_RANGE]
    METRICS = metrics.TURN_ON_RELAXATION
    SMU_PATH_REFUSAL = ("the delay and the relaxation are read at µs resolution inside one "
                        "scope record; an SMU reads a pulse once")

    series_ohms = FloatListParameter("Series resistances (station fixtures)", units="ohm",
                                     minimum=0.0, maximum=1e9, default="2e6")
    amplitudes_v = FloatListParameter("Set amplitudes", units="V", minimum=0.0, maximum=10.0,
                                      default="2")
    widths_s = FloatListParameter("Set pulse widths", units="s", minimum=1e-7, maximum=1.0,
                                  default="1e-3")
    trials = IntegerParameter("Trials per condition", minimum=1, maximum=10_000, default=3)
    hrs_fraction = FloatParameter("Back in HRS below (fraction of the first read)",
                                  minimum=1e-4, maximum=0.9, default=0.05)

    def conditions(self) -> list[tuple[float, float, float]]:
        """(series Ω, amplitude V, width s) in the order played: series resistance outermost
        (a change of fixture is a recabling), then amplitude, then width."""
        return list(itertools.product(list_values(self, "series_ohms"),
                                      list_values(self, "amplitudes_v"),
                                      list_values(self, "widths_s")))

    def segments(self) -> list[Segment]:
        """The longest pulse at the highest amplitude, then the read (for the shared checks)."""
        return self.pulse_read(max(list_values(self, "amplitudes_v")),
                               max(list_values(self, "widths_s")))

    def check_plan(self) -> None:
        """Every series resistance must be a station fixture, and every waveform must fit the
        AWG and the scope behind it (the shared checks, one resistance at a time)."""
        ohms = list_values(self, "series_ohms")
        chosen = self.series_ohm
        try:
            for ohm in ohms:
                self.series_ohm = ohm
                try:
                    super().check_plan()
                except ValueError as err:
                    raise ValueError(f"Series resistances (series_ohms): {ohm:g} Ω: {err}"
                                     ) from None
                assert self.station is not None
                for width in list_values(self, "widths_s"):
                    self.station.awg.compile(self.pulse_read(max(list_values(
                        self, "amplitudes_v")), width))
        finally:
            self.series_ohm = chosen

    def startup(self) -> None:
        """The pulse set-up with the first listed series resistance."""
        self.series_ohm = list_values(self, "series_ohms")[0]
        super().startup()

    def get_estimates(self) -> float:
        """Duration in s: every trial rests, pulses and reads."""
        return sum(self.trials * (self.rest_s + 2 * width + self.read_s)
                   for _, _, width in self.conditions())

    def execute(self) -> None:
        """Trials per condition; a row per trial. The series resistor is changed through the
        station's set-up (a recabling at a real station)."""
        assert self.station is not None
        conditions = self.conditions()
        total, done = len(conditions) * self.trials, 0
        for ohm, amp, width in conditions:
            if ohm != self.series_ohm:
                self.series_ohm = ohm
                self.use_setup()
            segments = self.pulse_read(amp, width)
            for trial in range(self.trials):
                self.stop_point()
                self.station.wait(self.rest_s)
                cap = self.capture(segments, f"{ohm:g}ohm_{amp:g}V_{width:g}s_{trial}")
                delay = analysis.switching_delay(cap.t, cap.i, self.detect_a(), width)
                turned_on = bool(np.isfinite(delay) and delay <= width)
                self.emit("results", {
                    "Series resistance (ohm)": ohm, "Amplitude (V)": amp, "Width (s)": width,
                    "Trial": trial, "Turned on": int(turned_on),
                    "Delay (s)": delay if turned_on else float("nan"),
                    **self.relaxation(self.read_transient(cap, width))})
                done += 1
                self.emit("progress", 100.0 * done / total)

    def relaxation(self, read: ReadTransient) -> dict[str, float]:
        """The read's figures: its first current, the one-exponential fit's τ ± error and the
        time its |I| takes to fall below hrs_fraction of the first (NaN when the device was
        not on at the read's start, or the fit failed)."""
        first = float(read.i[0]) if read.i.size else float("nan")
        nan = float("nan")
        out = {"First read (A)": first, "Relaxation tau (s)": nan,
               "Relaxation tau err (s)": nan, "Time to HRS (s)": nan, OVER_RANGE: read.clipped}
        if not first >= self.detect_a():
            return out
        out["Time to HRS (s)"] = analysis.decay_time(read.t, read.i, self.hrs_fraction)
        try:
            fit = analysis_transients.fit_exponentials(read.t, read.i, 1)
        except ValueError:
            return out
        out["Relaxation tau (s)"], out["Relaxation tau err (s)"] = fit.taus[0], \
            fit.tau_errors[0]
        return out

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Median delay, relaxation time and time to HRS; fraction turned on."""
        return metrics.turn_on_relaxation(rows)
