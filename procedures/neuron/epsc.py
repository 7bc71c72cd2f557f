"""P24: the excitatory post-synaptic current. One presynaptic pulse, then a low-bias read of
the current transient after it: its peak and its decay time from one- and two-exponential
fits with uncertainties, the two-exponential one chosen only when the corrected Akaike
criterion prefers it (labmem.analysis_transients.choose_fit)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis_transients, metrics
from labmem.metrics import Metrics
from labmem.procedures.neuron.read_transient import PulseThenRead, ReadTransient
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment

NAN = float("nan")


class EPSC(PulseThenRead):
    """P24: `trials` presynaptic pulses, each after a rest and followed by a read; one row per
    trial with the EPSC peak and the decay fits (one and two exponentials, the chosen one's
    time constant as "Decay time (s)")."""

    DATA_COLUMNS: ClassVar[list[str]] = [
        "Trial", "Peak (A)", "Tau single (s)", "Tau single err (s)", "Tau fast (s)",
        "Tau fast err (s)", "Tau slow (s)", "Tau slow err (s)", "Amplitude fast (A)",
        "Amplitude slow (A)", "AICc single", "AICc double", "Terms", "Decay time (s)",
        OVER_RANGE]
    METRICS = metrics.EPSC
    SMU_PATH_REFUSAL = ("the transient is read at µs resolution inside one scope record; an "
                        "SMU reads a pulse once")

    amplitude_v = FloatParameter("Presynaptic pulse amplitude", units="V", minimum=0.0,
                                 maximum=10.0, default=2.0)
    width_s = FloatParameter("Presynaptic pulse width", units="s", minimum=1e-7, maximum=1.0,
                             default=1e-3)
    trials = IntegerParameter("Trials", minimum=1, maximum=10_000, default=5)

    def segments(self) -> list[Segment]:
        """The pulse, then the read."""
        return self.pulse_read(self.amplitude_v, self.width_s)

    def get_estimates(self) -> float:
        """Duration in s: every trial rests, pulses and reads."""
        return self.trials * (self.rest_s + super().get_estimates())

    def execute(self) -> None:
        """One capture per trial; a row per trial."""
        assert self.station is not None
        segments = self.segments()
        for trial in range(self.trials):
            self.stop_point()
            self.station.wait(self.rest_s)
            cap = self.capture(segments, f"epsc_{trial}")
            self.emit("results", {"Trial": trial,
                                  **self.transient_fits(self.read_transient(cap, self.width_s))})
            self.emit("progress", 100.0 * (trial + 1) / self.trials)

    def transient_fits(self, read: ReadTransient) -> dict[str, float]:
        """Peak of the read current, and the fits of its decay from the peak on (NaN when the
        peak stays below the detection level or a fit fails)."""
        peak_at = int(np.argmax(read.i)) if read.i.size else 0
        peak = float(read.i[peak_at]) if read.i.size else NAN
        out = {"Peak (A)": peak, **dict.fromkeys(self.DATA_COLUMNS[2:-1], NAN),
               "Terms": 0, OVER_RANGE: read.clipped}
        if not peak >= self.detect_a():
            return out
        t, i = read.t[peak_at:] - read.t[peak_at], read.i[peak_at:]
        try:
            single, double, chosen = analysis_transients.fit_decay(t, i)
        except ValueError:
            return out
        out.update({"Tau single (s)": single.taus[0], "Tau single err (s)": single.tau_errors[0],
                    "AICc single": single.aicc, "Terms": chosen.terms,
                    "Decay time (s)": chosen.tau_mean})
        if double is not None:
            out.update({"Tau fast (s)": double.taus[0], "Tau fast err (s)": double.tau_errors[0],
                        "Tau slow (s)": double.taus[1], "Tau slow err (s)": double.tau_errors[1],
                        "Amplitude fast (A)": double.amplitudes[0],
                        "Amplitude slow (A)": double.amplitudes[1],
                        "AICc double": double.aicc})
        return out

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Mean peak, median and mean decay time, fraction of two-exponential fits."""
        return metrics.epsc(rows)
