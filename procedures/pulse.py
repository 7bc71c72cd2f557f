"""The pulse machinery every pulse procedure shares, on the pulse set-up (AWG → series R →
device → TIA → scope): PulseProcedure plays a segment list as one AWG burst and captures it;
the scope records the AWG output and the TIA output on the channels the station wires them
to (CH1 and CH2 by default), triggered by the AWG sync."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pymeasure.experiment import FloatParameter

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.procedures.base import StationProcedure
from labmem.waveforms import Segment

log = logging.getLogger(__name__)

SCREEN_MARGIN = 0.05
"""Fraction of the expected signal span added above and below it on the scope screen."""
RECORD_MARGIN = 1.02
"""Scope record length per burst length: the burst plus its pre-trigger part and the end."""


@dataclass(frozen=True)
class Capture:
    """One recorded burst: time from the AWG sync (s), AWG output (V), device current (A),
    and which current samples were over range (clipped by the scope)."""

    t: np.ndarray
    v_source: np.ndarray
    i: np.ndarray
    over_range: np.ndarray

    def window(self, start_s: float, stop_s: float) -> np.ndarray:
        """Boolean mask of the samples in [start_s, stop_s)."""
        return (self.t >= start_s) & (self.t < stop_s)

    def peak(self, start_s: float, stop_s: float) -> float:
        """Largest |current| in [start_s, stop_s) in A."""
        return float(np.abs(self.i[self.window(start_s, stop_s)]).max())

    def clipped(self, start_s: float = -np.inf, stop_s: float = np.inf) -> int:
        """1 when a current sample in [start_s, stop_s) was over range, else 0: the value of
        the results' "Over range" column for a reading from that window."""
        return int(self.over_range[self.window(start_s, stop_s)].any())


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
    ROLES = ("awg", "scope")

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
        self.check_screens(segments)

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The device current the TIA screen spans: the series-limited current of the
        waveform's levels (a shorted device), so no reading can leave the screen."""
        levels = [lv for lv, _ in segments]
        r = max(self.series_ohm, 1.0)
        return min(min(levels), 0.0) / r, max(max(levels), 0.0) / r

    def screens(self, segments: Sequence[Segment]) -> dict[int, tuple[float, float]]:
        """Scope (V/div, offset V) of the channels the station wires to the AWG output and to
        the TIA output."""
        assert self.station is not None
        awg, tia = self.station.scope_channels
        levels = [lv for lv, _ in segments]
        lo_a, hi_a = self.current_range_a(segments)
        return {awg: screen(min(min(levels), 0.0), max(max(levels), 0.0)),
                tia: screen(lo_a * self.tia_gain, hi_a * self.tia_gain)}

    def check_screens(self, segments: Sequence[Segment]) -> dict[int, tuple[float, float]]:
        """The screens(segments), refused before any output when the scope cannot show the
        expected current at this TIA gain."""
        assert self.station is not None
        screens = self.screens(segments)
        try:
            self.station.scope.check_channels(screens)
        except ValueError as err:
            lo_a, hi_a = self.current_range_a(segments)
            raise ValueError(f"the scope cannot show the expected current {lo_a:g} to "
                             f"{hi_a:g} A at TIA gain (tia_gain) {self.tia_gain:g} V/A: {err}; "
                             "choose another TIA gain") from None
        return screens

    def record_points(self, duration_s: float) -> int:
        """Samples that cover the burst at the sample interval."""
        return max(1000, int(np.ceil(duration_s * RECORD_MARGIN / self.sample_interval_s)))

    def get_estimates(self) -> float:
        """Duration in s of the burst."""
        return sum(d for _, d in self.segments())

    def capture(self, segments: Sequence[Segment], name: str) -> Capture:
        """Play segments once and record the burst, the TIA screen spanning
        current_range_a(segments). Stored in HDF5."""
        assert self.station is not None
        self.stop_point()  # an abort asked for before the burst plays nothing more
        awg, scope = self.station.awg, self.station.scope
        screens = self.check_screens(segments)
        current_range_a = self.current_range_a(segments)
        gain = self.tia_gain
        burst_s = awg.load(list(segments))
        record_s = burst_s * RECORD_MARGIN
        scope.configure(screens, duration_s=record_s, pre_trigger_s=0.01 * burst_s,
                        points=self.record_points(burst_s), trigger_source="AUX")
        awg.enable()
        scope.single()
        awg.trigger()
        scope.wait(timeout_s=max(10.0, 3 * record_s))
        awg_channel, tia_channel = self.station.scope_channels
        source, tia = scope.fetch(awg_channel), scope.fetch(tia_channel)
        clipped = (tia.over_range if tia.over_range is not None
                   else np.zeros(tia.v.size, dtype=bool))
        capture = Capture(source.t, source.v, tia.v / gain, clipped)
        if clipped.any():  # expected outside the readings (e.g. pulses beyond a read screen)
            log.info("%s: %d of %d current samples over range (outside %g to %g A on the "
                     "scope); readings from them are flagged", name, int(clipped.sum()),
                     clipped.size, *current_range_a)
        scale, offset = screens[tia_channel]
        self.store_trace(name, capture.t, {"v_source": capture.v_source, "i_device": capture.i,
                                           "v_tia": tia.v},
                         {"v_source": "V", "i_device": "A", "v_tia": "V"},
                         series_ohm=self.series_ohm, tia_gain_v_per_a=gain,
                         over_range_samples=int(clipped.sum()),
                         i_screen_a=np.array([offset - 4 * scale, offset + 4 * scale]) / gain)
        return capture
