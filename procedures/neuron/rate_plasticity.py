"""P22: spike-rate-dependent plasticity. Trains of N identical pulses at log-spaced
frequencies, each between two low-bias reads on the pulse path; ΔG(f), the threshold frequency
and its shift with the initial conductance G0 set by preparation pulses."""

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


class RatePlasticity(PulseProcedure):
    """For each G0 preparation (a burst of preparation pulses, none for the rested state) and
    each frequency: rest, prepare, read G before, play the train, read G after. One row per
    train with ΔG = G after − G before."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Preparation", "Prep pulses", "Frequency (Hz)",
                                         "Repeat", "G before (S)", "G after (S)", "Delta G (S)",
                                         OVER_RANGE]
    METRICS = metrics.RATE_PLASTICITY
    SMU_PATH_REFUSAL = ("its writes and reads differ in width (the SMU pulses with one width) "
                        "and its conductances are corrected for the pulse set-up's series "
                        "resistor")

    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e6)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=1e-6)
    amplitude_v = FloatParameter("Pulse amplitude", units="V", minimum=-10.0, maximum=10.0,
                                 default=2.0)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=10e-6)
    pulses = IntegerParameter("Pulses per train", minimum=1, maximum=1000, default=10)
    freq_min_hz = FloatParameter("Lowest frequency", units="Hz", minimum=1e-3, maximum=1e8,
                                 default=100.0)
    freq_max_hz = FloatParameter("Highest frequency", units="Hz", minimum=1e-3, maximum=1e8,
                                 default=10e3)
    frequencies = IntegerParameter("Frequencies (log-spaced)", minimum=2, maximum=100,
                                   default=5)
    repeats = IntegerParameter("Trains per frequency", minimum=1, maximum=1000, default=1)
    prep_pulses = Parameter("Preparation pulses per G0 (list)", default="0, 8")
    prep_period_s = FloatParameter("Preparation pulse period", units="s", minimum=50e-9,
                                   maximum=1.0, default=100e-6)
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=10.0, default=0.1)
    read_s = FloatParameter("Read width", units="s", minimum=25e-9, maximum=1.0,
                            default=20e-6)
    read_delay_s = FloatParameter("Read delay after a burst", units="s", minimum=25e-9,
                                  maximum=1.0, default=1e-3)
    rest_s = FloatParameter("Rest before each train", units="s", minimum=0.0, maximum=1e5,
                            default=1.0)
    dg_level_s = FloatParameter("ΔG level of the threshold", units="S", minimum=-1.0,
                                maximum=1.0, default=0.0)

    def freqs(self) -> np.ndarray:
        """The train frequencies in Hz, log-spaced, each period rounded to whole pulse widths
        (so the AWG holds the train on the grid of its pulses)."""
        nominal = np.geomspace(self.freq_min_hz, self.freq_max_hz, self.frequencies)
        widths = np.maximum(2, np.round(1.0 / (nominal * self.width_s)))
        return 1.0 / (widths * self.width_s)

    def preparations(self) -> list[int]:
        """Preparation pulse counts, one per G0 condition."""
        counts = number_list(self.prep_pulses, "Preparation pulses per G0 (prep_pulses)",
                             0, 10_000)
        if any(not c.is_integer() for c in counts):
            raise ValueError("Preparation pulses per G0 (prep_pulses): whole numbers of "
                             f"pulses are needed, got {self.prep_pulses!r}")
        return [int(c) for c in counts]

    def trial(self, prep: int, freq_hz: float) -> ReadWaveform:
        """One trial: preparation pulses, read, train at freq_hz, read."""
        w = ReadWaveform(self.read_v, self.read_s)
        if prep:
            w.add(pulse_train(self.amplitude_v, 0.0, self.width_s, self.prep_period_s, prep))
        w.add([(0.0, self.read_delay_s)])
        w.read()
        w.add([(0.0, self.read_s)])
        w.add(pulse_train(self.amplitude_v, 0.0, self.width_s, 1.0 / freq_hz, self.pulses))
        w.add([(0.0, self.read_delay_s)])
        w.read()
        w.add([(0.0, self.read_s)])
        return w

    def segments(self) -> list[Segment]:
        """The longest trial: the lowest frequency after the most preparation pulses."""
        return self.trial(max(self.preparations()), float(self.freqs()[0])).segments

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads (the pulses, which are not measured, may leave it):
        0 to the series-limited read current."""
        return 0.0, self.read_v / (self.series_ohm + 50.0)

    def check_plan(self) -> None:
        """Frequencies rising and below 1/width, preparation pulses shorter than their
        period, then the shared checks on the longest trial."""
        if not self.freq_max_hz > self.freq_min_hz:
            raise ValueError(f"Highest frequency (freq_max_hz) = {self.freq_max_hz:g} Hz is not "
                             f"allowed: allowed above the lowest, {self.freq_min_hz:g} Hz")
        if not 2 * self.width_s <= 1.0 / self.freq_max_hz:
            raise ValueError(f"Highest frequency (freq_max_hz) = {self.freq_max_hz:g} Hz is not "
                             f"allowed with {self.width_s:g} s pulses: allowed up to "
                             f"{0.5 / self.width_s:g} Hz (duty 0.5)")
        if max(self.preparations()) and not self.width_s < self.prep_period_s:
            raise ValueError(f"Preparation pulse period (prep_period_s) = "
                             f"{self.prep_period_s:g} s is not allowed: allowed above the "
                             f"pulse width {self.width_s:g} s")
        super().check_plan()

    def get_estimates(self) -> float:
        """Duration in s: every trial's rest and burst."""
        bursts = sum(self.trial(p, f).duration_s for p in self.preparations()
                     for f in self.freqs())
        return self.repeats * (bursts + self.rest_s * len(self.preparations())
                               * self.frequencies)

    def execute(self) -> None:
        """Every preparation, frequency and repeat; a row per train."""
        assert self.station is not None
        plan = [(n, p, f, r) for n, p in enumerate(self.preparations()) for f in self.freqs()
                for r in range(self.repeats)]
        for done, (n, prep, freq, repeat) in enumerate(plan, start=1):
            self.stop_point()
            self.station.wait(self.rest_s)
            w = self.trial(prep, float(freq))
            cap = self.capture(w.segments, f"prep{prep}_{freq:.4g}Hz_{repeat}")
            (g0, g1), clipped = w.conductances(cap, self.series_ohm + 50.0)
            self.emit("results", {"Preparation": n, "Prep pulses": prep,
                                  "Frequency (Hz)": float(freq), "Repeat": repeat,
                                  "G before (S)": g0, "G after (S)": g1, "Delta G (S)": g1 - g0,
                                  OVER_RANGE: int(clipped.any())})
            self.emit("progress", 100.0 * done / len(plan))

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Threshold frequency per preparation, its shift, ΔG at the ends of the sweep."""
        return metrics.rate_plasticity(rows, self.dg_level_s)
