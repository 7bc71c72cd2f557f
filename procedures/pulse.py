"""The pulse machinery every pulse procedure shares, on the pulse set-up (AWG → series R →
device → TIA → scope): PulseProcedure plays a segment list as one AWG burst and captures it;
the scope records the AWG output and the TIA output on the channels the station wires them
to (CH1 and CH2 by default), triggered by the AWG sync.

On a station with no AWG and scope but a PulsedSourceMeter as its SMU, the same segment list
plays on the SMU instead (the SMU path, set-up "smu"): a pulsed list with one reading inside
each pulse, the compliance limiting the current where the series resistor does on the pulse
path.

A procedure whose post_segments() gives a second waveform plays it on the AWG's channel 2, on
the device's bottom terminal (set-up "differential", on a station whose wiring says so): the
device loop is driven by segments − post segments, which the scope's AWG channel shows."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import ClassVar, cast

import numpy as np
from pymeasure.experiment import FloatParameter

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.instruments.roles import PulsedSourceMeter
from labmem.procedures.base import StationProcedure
from labmem.station import Station
from labmem.station_file import driver_class
from labmem.waveforms import Segment, segment_difference

log = logging.getLogger(__name__)

SCREEN_MARGIN = 0.05
"""Fraction of the expected signal span added above and below it on the scope screen."""
RECORD_MARGIN = 1.02
"""Scope record length per burst length: the burst plus its pre-trigger part and the end."""
SMU_READ_DELAY = 0.5
"""On the SMU path a reading opens this fraction of the pulse width after the pulse starts."""
SMU_APERTURE = 0.4
"""and lasts at most this fraction of the width at 50 Hz mains (1/3 at 60 Hz; at most 1 PLC),
so it ends inside the pulse."""
SLOWEST_MAINS_HZ = 50.0
"""The mains frequency with the longest power-line cycle, for the NPLC of that aperture."""
TICKS_PER_S = 1e12
"""The SMU path finds the pulse period on segment times rounded to 1 ps."""
AWG_OUTPUT_OHM = 50.0
"""Output resistance of each generator output in the loop (one on the pulse set-up, two on
the differential one)."""


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


def check_width_below_period(width_s: float, period_s: float) -> None:
    """A train's pulses must be shorter than their period (period_s): ValueError otherwise."""
    if not width_s < period_s:
        raise ValueError(f"Pulse period (period_s) = {period_s:g} s is not allowed: "
                         f"allowed above the pulse width {width_s:g} s")


def smu_pulse_path(station: Station) -> bool:
    """True when the station has no AWG and scope but a PulsedSourceMeter as its SMU (read
    from the station file, no I/O): pulse procedures then pulse the SMU."""
    roles = station.config.roles
    if ("awg" in roles and "scope" in roles) or "smu" not in roles:
        return False
    return issubclass(driver_class(roles["smu"]["driver"]), PulsedSourceMeter)


@dataclass(frozen=True)
class SmuPulses:
    """A segment list as the pulsed list an SMU plays: lead_s at base_v, then one slot of
    period_s per level, each a pulse of width_s from base_v to its level (the base itself
    where the waveform has no pulse), then the rest of duration_s at base_v."""

    base_v: float
    width_s: float
    period_s: float
    levels: np.ndarray
    lead_s: float
    duration_s: float

    @property
    def nplc(self) -> float:
        """Integration time that fits the reading inside the pulse (SMU_APERTURE)."""
        return min(1.0, SMU_APERTURE * self.width_s * SLOWEST_MAINS_HZ)


def smu_pulses(segments: Sequence[Segment]) -> SmuPulses:
    """The pulsed list of a waveform: the base is its last level, every stretch at another
    level is a pulse. ValueError when the pulses differ in width or do not start on a common
    period (one reading per pulse width when every stretch lasts whole widths)."""
    merged = [(level, sum(d for _, d in group)) for level, group in
              groupby(segments, key=lambda seg: seg[0])]
    ticks = np.round(np.cumsum([0.0] + [d for _, d in merged]) * TICKS_PER_S).astype(int)
    base = merged[-1][0]
    pulses = [(int(ticks[k]), int(ticks[k + 1] - ticks[k]))
              for k, (level, _) in enumerate(merged) if level != base]
    if not pulses:
        raise ValueError(f"the waveform has no pulse: every segment is at its base level "
                         f"{base:g} V")
    widths = {w for _, w in pulses}
    if len(widths) > 1:
        raise ValueError("the SMU pulses with one width; this waveform's pulses last "
                         + ", ".join(f"{w / TICKS_PER_S:g}" for w in sorted(widths))
                         + " s")
    width, first, last = widths.pop(), pulses[0][0], pulses[-1][0]
    edges = [int(t) - first for t in ticks if first <= t <= last + width]
    period = math.gcd(*edges)  # every stretch in whole widths: a reading per width;
    if period != width:  # else a reading per pulse period (the base where it has no pulse)
        period = math.gcd(*(t - first for t, _ in pulses)) or width
    if period < width:
        raise ValueError(f"the pulses ({width / TICKS_PER_S:g} s wide) do not start on a "
                         f"common period of at least their width; the SMU times them with "
                         "one trigger period")
    slots = first + period * np.arange((last - first) // period + 1)
    levels = np.array([merged[k][0] for k in np.searchsorted(ticks, slots, side="right") - 1])
    return SmuPulses(base, width / TICKS_PER_S, period / TICKS_PER_S, levels,
                     first / TICKS_PER_S, ticks[-1] / TICKS_PER_S)


class PulseProcedure(StationProcedure):
    """Shared by the pulse procedures: the set-up, the plan check and one captured burst."""

    SETUP = "pulse"
    ROLES = ("awg", "scope")
    SMU_PATH_REFUSAL: ClassVar[str] = ""
    """Why the procedure cannot run on the SMU path ("" when it can)."""

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=2e6)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e5)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=1e-6)
    smu_compliance_a = FloatParameter("SMU compliance (no AWG/scope)", units="A",
                                      minimum=1e-12, maximum=3.0, default=1e-6)

    _armed: tuple[tuple, float] | None = None
    """The set-up arm() made last (its key, the burst's duration)."""

    def segments(self) -> list[Segment]:
        """The waveform the AWG plays (override)."""
        raise NotImplementedError

    def post_segments(self) -> list[Segment] | None:
        """The post-synaptic waveform the AWG's channel 2 plays on the device's bottom
        terminal, as long as segments(); None (the default): the bottom terminal stays at the
        TIA's virtual ground (pulse set-up). Override to run on a differential station."""
        return None

    @property
    def differential(self) -> bool:
        """True when the procedure plays a post-synaptic waveform (differential set-up)."""
        return self.post_segments() is not None

    def drive_segments(self) -> list[Segment]:
        """What the device loop is driven with: segments(), minus post_segments() when the
        procedure has them."""
        post = self.post_segments()
        return self.segments() if post is None else segment_difference(self.segments(), post)

    def roles_on(self, station: Station) -> tuple[str, ...]:
        """AWG and scope, or the SMU alone on the SMU path."""
        return ("smu",) if smu_pulse_path(station) else self.ROLES

    @property
    def on_smu(self) -> bool:
        """True when the pulses play on the SMU (smu_pulse_path)."""
        return self.station is not None and smu_pulse_path(self.station)

    def use_setup(self) -> None:
        """Pulse set-up with this series resistor and TIA gain; the SMU set-up on the SMU
        path."""
        assert self.station is not None
        if self.on_smu:
            self.station.use_setup("smu")
            return
        self.station.use_setup("differential" if self.differential else "pulse",
                               series_ohm=self.series_ohm, tia_gain_v_per_a=self.tia_gain)

    def limited_current_a(self, level_v: float) -> float:
        """The current the path lets a shorted device carry at level_v: the level over the
        series resistor and the AWG's 50 Ω (both outputs' on the differential set-up), or the
        compliance on the SMU path."""
        if self.on_smu:
            return math.copysign(self.smu_compliance_a, level_v)
        return level_v / self.loop_ohm

    @property
    def loop_ohm(self) -> float:
        """Series resistor and generator outputs: the loop's resistance besides the device."""
        return self.series_ohm + (2 if self.differential else 1) * AWG_OUTPUT_OHM

    def check_plan(self) -> None:
        """The AWG must hold the waveform (and a post-synaptic one with it, on a differential
        station), the scope the record, the station the fixtures (on the SMU path:
        check_smu_plan)."""
        assert self.station is not None
        post = self.post_segments()
        if post is not None and (self.on_smu or not self.station.differential):
            raise ValueError(
                f"{type(self).__name__} plays a post-synaptic waveform on the device's bottom "
                f"terminal: it needs a differential station, whose AWG has a second channel "
                f"wired to that terminal (wiring: {{differential: true}} in the station file; "
                f"on the simulated bench a two-channel 33522B as the awg). The station "
                f"{self.station.config.source} is single-ended")
        if self.on_smu:
            self.check_smu_plan()
            return
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
            if post is None:
                self.station.awg.compile(segments)
            else:
                self.station.awg.check_pair(segments, post)
        except ValueError as err:
            raise ValueError(f"the waveform is not allowed on the AWG: {err}") from None
        duration = sum(d for _, d in segments)
        self.station.scope.check_record(duration * RECORD_MARGIN,
                                        self.record_points(duration))
        self.check_screens(self.drive_segments())

    def check_smu_plan(self) -> SmuPulses:
        """The SMU path's plan: the procedure must allow it, the SMU must play the waveform
        as a pulsed list at this compliance. Returns the plan."""
        assert self.station is not None
        if self.SMU_PATH_REFUSAL:
            raise ValueError(f"{type(self).__name__} cannot run with pulses on the SMU (the "
                             f"station has no AWG and scope): {self.SMU_PATH_REFUSAL}")
        try:
            plan = smu_pulses(self.segments())
        except ValueError as err:
            raise ValueError(f"the waveform is not allowed on the SMU: {err}") from None
        smu = cast(PulsedSourceMeter, self.station.smu)
        try:
            smu.check_pulse_train(plan.levels, plan.width_s, plan.period_s, plan.base_v,
                                  SMU_READ_DELAY * plan.width_s, plan.nplc)
            smu.check_configuration(self.smu_compliance_a, None, plan.nplc)
        except ValueError as err:
            raise ValueError(f"the pulses are not allowed on the SMU at SMU compliance "
                             f"(smu_compliance_a) {self.smu_compliance_a:g} A: {err}") from None
        return plan

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

    def capture(self, segments: Sequence[Segment], name: str,
                post: Sequence[Segment] | None = None, bursts: int = 1) -> Capture:
        """Play segments `bursts` times in a row on one trigger (with post on the AWG's
        channel 2, the differential set-up) and record the burst, the screens spanning what
        drives the loop, segments − post (on the SMU path: once). Stored in HDF5 (v_source:
        that drive)."""
        assert self.station is not None
        self.stop_point()  # an abort asked for before the burst plays nothing more
        if self.on_smu:
            return self.smu_capture(segments, name)
        awg, scope = self.station.awg, self.station.scope
        drive = list(segments) if post is None else segment_difference(segments, post)
        screens = self.check_screens(drive)
        current_range_a = self.current_range_a(drive)
        gain = self.tia_gain
        burst_s = self.arm(segments, screens, post, bursts)
        awg.enable()
        scope.single()
        awg.trigger()
        scope.wait(timeout_s=max(10.0, 3 * RECORD_MARGIN * burst_s))
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

    def arm(self, segments: Sequence[Segment], screens: dict[int, tuple[float, float]],
            post: Sequence[Segment] | None = None, bursts: int = 1) -> float:
        """Load the AWG (post on its second channel, if given) to play the waveform `bursts`
        times per trigger and set up the scope; returns the burst's duration. A trial that
        repeats the previous one's waveforms, repeats and screens, with the same instruments
        and no safe_off() since, keeps that set-up (as a lab script would: on a real 33120A the
        download alone takes seconds)."""
        assert self.station is not None
        awg, scope = self.station.awg, self.station.scope
        key = (id(awg), id(scope), self.station.safe_offs, tuple(map(tuple, segments)),
               None if post is None else tuple(map(tuple, post)),
               tuple(sorted(screens.items())), bursts)
        if self._armed is not None and self._armed[0] == key:
            return self._armed[1]
        self._armed = None
        burst_s = (awg.load(list(segments), bursts) if post is None else
                   awg.load_pair(list(segments), list(post), bursts))
        record_s = burst_s * RECORD_MARGIN
        scope.configure(screens, duration_s=record_s, pre_trigger_s=0.01 * burst_s,
                        points=self.record_points(burst_s), trigger_source="AUX")
        self._armed = (key, burst_s)
        return burst_s

    def smu_capture(self, segments: Sequence[Segment], name: str) -> Capture:
        """Play segments on the SMU as one pulsed list (smu_pulses), a reading inside each
        pulse, and return the readings as a capture (nothing is clipped: the compliance is
        the path's limit). Stored in HDF5."""
        assert self.station is not None
        plan = smu_pulses(segments)
        smu = cast(PulsedSourceMeter, self.station.smu)
        smu.configure(self.smu_compliance_a, None, plan.nplc)
        if plan.lead_s > 0:
            smu.apply(plan.base_v)
            self.station.wait(plan.lead_s)
        delay = SMU_READ_DELAY * plan.width_s
        r = smu.pulse_train(plan.levels, plan.width_s, plan.period_s, plan.base_v, delay)
        self.station.wait(plan.duration_s - plan.lead_s - plan.levels.size * plan.period_s)
        t = plan.lead_s + delay + r.t
        self.store_trace(name, t, {"v_source": r.v, "i_device": r.i},
                         {"v_source": "V", "i_device": "A"},
                         compliance_a=self.smu_compliance_a, pulse_width_s=plan.width_s,
                         pulse_period_s=plan.period_s,
                         in_compliance=r.in_compliance.astype(np.int8))
        return Capture(t, r.v, r.i, np.zeros(t.size, dtype=bool))
