"""Pulse procedures on the pulse set-up (AWG → series R → device → TIA → scope): a generic
segment-list train and the neuron tests all-or-none (E4), integrate (E5) and
integrate-and-fire (E6). The AWG plays the whole waveform as one burst; the scope records the
AWG output (CH1) and the TIA output (CH2), triggered by the AWG sync."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from pymeasure.experiment import FloatParameter, IntegerParameter, Parameter

from labmem import analysis
from labmem.instruments.femto_dhpca100 import CurrentAmplifier
from labmem.procedures.base import StationProcedure
from labmem.waveforms import Segment, packages, pulse_train, staircase

log = logging.getLogger(__name__)

SCREEN_MARGIN = 0.05
"""Fraction of the expected signal span added above and below it on the scope screen."""
RECORD_MARGIN = 1.02
"""Scope record length per burst length: the burst plus its pre-trigger part and the end."""


@dataclass(frozen=True)
class Capture:
    """One recorded burst: time from the AWG sync (s), AWG output (V), device current (A)."""

    t: np.ndarray
    v_source: np.ndarray
    i: np.ndarray

    def window(self, start_s: float, stop_s: float) -> np.ndarray:
        """Boolean mask of the samples in [start_s, stop_s)."""
        return (self.t >= start_s) & (self.t < stop_s)

    def peak(self, start_s: float, stop_s: float) -> float:
        """Largest |current| in [start_s, stop_s) in A."""
        return float(np.abs(self.i[self.window(start_s, stop_s)]).max())


def screen(lo: float, hi: float) -> tuple[float, float]:
    """(V/div, offset V) that put [lo, hi] plus a margin on the 8-division screen."""
    span = max(hi - lo, 1e-3)
    lo, hi = lo - SCREEN_MARGIN * span, hi + SCREEN_MARGIN * span
    return (hi - lo) / 8, (hi + lo) / 2


def segment_windows(segments: Sequence[Segment], above_v: float) -> list[tuple[float, float]]:
    """(start, stop) in s of the segments whose level is above above_v (the pulses)."""
    out, now = [], 0.0
    for level, duration in segments:
        if level > above_v:
            out.append((now, now + duration))
        now += duration
    return out


class PulseProcedure(StationProcedure):
    """Shared by the pulse procedures: the set-up, the plan check and one captured burst."""

    SETUP = "pulse"

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=2e6)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e5)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=1e-6)

    def segments(self) -> list[Segment]:
        """The waveform the AWG plays (override)."""
        raise NotImplementedError

    def use_setup(self) -> None:
        """Pulse set-up with this series resistor and TIA gain."""
        assert self.station is not None
        self.station.use_setup("pulse", series_ohm=self.series_ohm,
                               tia_gain_v_per_a=self.tia_gain)

    def check_plan(self) -> None:
        """The AWG must hold the waveform, the scope the record, the station the fixtures."""
        assert self.station is not None
        try:  # the amplifier's own table of gains for the station's mode
            CurrentAmplifier(self.tia_gain, self.station.tia.mode)
        except ValueError as err:
            raise ValueError(f"TIA gain (tia_gain) = {self.tia_gain:g} V/A is not allowed: "
                             f"{err}") from None
        if not self.station.is_fixture(self.series_ohm):
            raise ValueError(f"Series resistance (series_ohm) = {self.series_ohm:g} Ω is not "
                             f"allowed: the station has {self.station.series_resistors_ohm} Ω")
        segments = self.segments()
        try:
            self.station.awg.compile(segments)
        except ValueError as err:
            raise ValueError(f"the waveform is not allowed on the AWG: {err}") from None
        duration = sum(d for _, d in segments)
        self.station.scope.check_record(duration * RECORD_MARGIN,
                                        self.record_points(duration))

    def record_points(self, duration_s: float) -> int:
        """Samples that cover the burst at the sample interval."""
        return max(1000, int(np.ceil(duration_s * RECORD_MARGIN / self.sample_interval_s)))

    def get_estimates(self) -> float:
        """Duration in s of the burst."""
        return sum(d for _, d in self.segments())

    def capture(self, segments: Sequence[Segment], name: str,
                current_range_a: tuple[float, float] | None = None) -> Capture:
        """Play segments once and record the burst; the TIA screen spans current_range_a
        (default: the series-limited current of the waveform's levels). Stored in HDF5."""
        assert self.station is not None
        self.stop_point()  # an abort asked for before the burst plays nothing more
        awg, scope = self.station.awg, self.station.scope
        levels = [lv for lv, _ in segments]
        lo_v, hi_v = min(min(levels), 0.0), max(max(levels), 0.0)
        if current_range_a is None:
            r = max(self.series_ohm, 1.0)
            current_range_a = (lo_v / r, hi_v / r)
        gain = self.tia_gain
        burst_s = awg.load(list(segments))
        record_s = burst_s * RECORD_MARGIN
        scope.configure({1: screen(lo_v, hi_v),
                         2: screen(current_range_a[0] * gain, current_range_a[1] * gain)},
                        duration_s=record_s, pre_trigger_s=0.01 * burst_s,
                        points=self.record_points(burst_s), trigger_source="AUX")
        awg.enable()
        scope.single()
        awg.trigger()
        scope.wait(timeout_s=max(10.0, 3 * record_s))
        source, tia = scope.fetch(1), scope.fetch(2)
        capture = Capture(source.t, source.v, tia.v / gain)
        self.store_trace(name, capture.t, {"v_source": capture.v_source, "i_device": capture.i,
                                           "v_tia": tia.v},
                         {"v_source": "V", "i_device": "A", "v_tia": "V"},
                         series_ohm=self.series_ohm, tia_gain_v_per_a=gain)
        return capture


class PulseTrain(PulseProcedure):
    """Play any segment list once; one row per pulse (a segment above the base level) with its
    peak and mean current. Segments as "level:duration, level:duration, …" in V and s."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Start (s)", "Level (V)", "Peak current (A)",
                                         "Mean current (A)"]

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
                                  "Mean current (A)": float(cap.i[inside].mean())})


class AllOrNone(PulseProcedure):
    """E4: pulses of rising amplitude through a large series resistor; a pulse responds when
    the device takes less than half the applied voltage (its current exceeds half the
    series-limited value)."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Amplitude (V)", "Peak current (A)", "Responded"]

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
        r_total = self.series_ohm + 50.0
        for k, (amp, (start, stop)) in enumerate(zip(self.amplitudes(),
                                                     segment_windows(segments, 0.0),
                                                     strict=True)):
            peak = cap.peak(start, stop)
            self.emit("results", {"Pulse": k + 1, "Amplitude (V)": float(amp),
                                  "Peak current (A)": peak,
                                  "Responded": int(peak > 0.5 * amp / r_total)})


class Integrate(PulseProcedure):
    """E5: identical pulses; the peak current per pulse shows the conductance integrating."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Peak current (A)"]

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
            self.emit("results", {"Pulse": k + 1, "Peak current (A)": cap.peak(start, stop)})


class IntegrateAndFire(PulseProcedure):
    """E6: packages of 1, 2, 3 … pulses from a negative low level; a spike is the current
    crossing half the series-limited value during a pulse. A row per pulse."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Package", "Pulse", "Start (s)", "Peak current (A)",
                                         "Spikes"]

    high_v = FloatParameter("High level", units="V", minimum=-10.0, maximum=10.0, default=2.0)
    low_v = FloatParameter("Low level", units="V", minimum=-10.0, maximum=10.0, default=-1.0)
    period_s = FloatParameter("Pulse period", units="s", minimum=50e-9, maximum=10.0,
                              default=20e-6)
    duty = FloatParameter("Duty cycle", minimum=0.001, maximum=0.999, default=0.8)
    gap_s = FloatParameter("Gap between packages", units="s", minimum=25e-9, maximum=10.0,
                           default=100e-6)
    packages = IntegerParameter("Packages", minimum=1, maximum=200, default=16)

    def check_plan(self) -> None:
        """High above low, then the shared checks."""
        if not self.high_v > self.low_v:
            raise ValueError(f"High level (high_v) = {self.high_v:g} V is not allowed: "
                             f"allowed above the low level {self.low_v:g} V")
        super().check_plan()

    def spike_threshold_a(self) -> float:
        """Half the series-limited current at the high level: a spike crosses it."""
        return 0.5 * self.high_v / (self.series_ohm + 50.0)

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
                                  "Spikes": spikes})
