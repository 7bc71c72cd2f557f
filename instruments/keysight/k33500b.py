"""Keysight (Agilent) 33500B series waveform generator (33522B two channels, 33521B one):
PyMeasure driver (33500 Series Operating and Service Guide command set) and the
WaveformGenerator role procedures use.

Limits from the guide and data sheet: 1 mVpp … 10 Vpp into 50 Ω, |offset| + Vpp/2 ≤ 5 V into
50 Ω (twice both into an open circuit), OUTPut:LOAD 1 Ω … 10 kΩ or INFinity; arbitrary
waveforms of 8 … 1,048,576 points per channel as 16-bit DAC codes ±32767 (DATA:ARB:DAC, two
bytes per point in a binary block), 1 µSa/s … 250 MSa/s (62.5 MSa/s with the filter off);
burst count 1 … 100,000,000; trigger delay 0 … 1000 s. A bus trigger (*TRG) starts every
channel whose trigger source is BUS; the role's pairs (load_pair) use that to start a
pre-synaptic burst on channel 1 and a post-synaptic one on channel 2 together.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.awg import (
    TIME_RESOLUTION_S,
    BusTriggerMixin,
    read_segments,
    segment_grid,
)
from labmem.instruments.roles import Segment, WaveformGenerator

log = logging.getLogger(__name__)

FREQUENCY_LIMITS_HZ = (1e-6, 30e6)
AMPLITUDE_LIMITS_VPP = (1e-3, 20.0)
"""Widest amplitude range (1 mVpp into 50 Ω … 20 Vpp into an open circuit)."""
OFFSET_LIMITS_V = (-10.0, 10.0)
EMF_LIMIT_V = 10.0
"""Largest |open-circuit EMF|: 5 V programmed into 50 Ω."""
LOAD_LIMITS_OHM = (1.0, 10e3)
ARB_POINTS = (8, 1_048_576)
DAC_MAX = 32767
SAMPLE_RATE_LIMITS = (1e-6, 250e6)
BURST_COUNT_LIMITS = (1, 100_000_000)
PERIOD_LIMITS_S = (1e-6, 8000.0)
"""Segment durations are matched to the point grid to this resolution."""
ARB_NAME = "LABMEM"
CHANNEL_OFF = "OUTP{n} OFF;:SOUR{n}:BURS:STAT OFF;:SOUR{n}:FUNC DC;:SOUR{n}:VOLT:OFFS 0"
"""A channel's safe state: output relay open, source at DC 0 V."""
SHAPES = {"sine": "SIN", "square": "SQU", "triangle": "TRI", "ramp": "RAMP", "pulse": "PULS",
          "prbs": "PRBS", "noise": "NOIS", "arb": "ARB", "dc": "DC"}
BOOLS = {True: 1, False: 0}
PLAY_MODES = ("once", "onceWaitTrig", "repeat", "repeatInf", "repeatTilTrig")
MARKER_MODES = ("maintain", "lowAtStart", "highAtStart", "highAtStartGoLow")


def _load_get(value: float) -> float:
    return math.inf if value > 1e37 else value


def _load_set(value: float) -> str:
    return "INF" if value == math.inf else f"{value:g}"


class K33500BChannel(Channel):
    """One output channel: the SOURce<n>, OUTPut<n> and TRIGger<n> commands."""

    shape = Channel.control(
        "SOUR{ch}:FUNC?", "SOUR{ch}:FUNC %s",
        """Control the function: sine, square, triangle, ramp, pulse, prbs, noise, arb, dc.""",
        validator=strict_discrete_set, values=SHAPES, map_values=True,
    )
    frequency = Channel.control(
        "SOUR{ch}:FREQ?", "SOUR{ch}:FREQ %.12g",
        """Control the frequency in Hz (float, 1 µHz to 30 MHz; less for ramps).""",
        validator=strict_range, values=FREQUENCY_LIMITS_HZ,
    )
    amplitude = Channel.control(
        "SOUR{ch}:VOLT?", "SOUR{ch}:VOLT %.6g",
        """Control the amplitude in the selected unit, Vpp by default (float).""",
        validator=strict_range, values=AMPLITUDE_LIMITS_VPP,
    )
    offset = Channel.control(
        "SOUR{ch}:VOLT:OFFS?", "SOUR{ch}:VOLT:OFFS %.6g",
        """Control the DC offset in V for the selected load (float, -10 to 10).""",
        validator=strict_range, values=OFFSET_LIMITS_V,
    )
    voltage_high = Channel.control(
        "SOUR{ch}:VOLT:HIGH?", "SOUR{ch}:VOLT:HIGH %.6g",
        """Control the high level in V (float).""",
        validator=strict_range, values=OFFSET_LIMITS_V,
    )
    voltage_low = Channel.control(
        "SOUR{ch}:VOLT:LOW?", "SOUR{ch}:VOLT:LOW %.6g",
        """Control the low level in V (float).""",
        validator=strict_range, values=OFFSET_LIMITS_V,
    )
    amplitude_unit = Channel.control(
        "SOUR{ch}:VOLT:UNIT?", "SOUR{ch}:VOLT:UNIT %s",
        """Control the amplitude unit: 'VPP', 'VRMS' or 'DBM' (str).""",
        validator=strict_discrete_set, values=("VPP", "VRMS", "DBM"),
    )
    pulse_width = Channel.control(
        "SOUR{ch}:FUNC:PULS:WIDT?", "SOUR{ch}:FUNC:PULS:WIDT %.6g",
        """Control the pulse width in s (float, 16 ns up).""",
        validator=strict_range, values=(16e-9, 1e6),
    )
    pulse_transition = Channel.control(
        "SOUR{ch}:FUNC:PULS:TRAN?", "SOUR{ch}:FUNC:PULS:TRAN %.6g",
        """Control both pulse edge times in s (float, 8.4 ns to 1 µs).""",
        validator=strict_range, values=(8.4e-9, 1e-6),
    )
    output_enabled = Channel.control(
        "OUTP{ch}?", "OUTP{ch} %d",
        """Control whether the output relay is closed (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    load = Channel.control(
        "OUTP{ch}:LOAD?", "OUTP{ch}:LOAD %s",
        """Control the load in Ω the levels assume: 1 to 10k, or inf (float).""",
        validator=lambda v, _: v if v == math.inf else strict_range(v, LOAD_LIMITS_OHM),
        values=LOAD_LIMITS_OHM, set_process=_load_set, get_process=_load_get,
    )
    arb_name = Channel.control(
        "SOUR{ch}:FUNC:ARB?", "SOUR{ch}:FUNC:ARB %s",
        """Control the arb or sequence the arb function plays (str).""",
        get_process=lambda v: v.strip('"'),
    )
    arb_sample_rate = Channel.control(
        "SOUR{ch}:FUNC:ARB:SRAT?", "SOUR{ch}:FUNC:ARB:SRAT %.12g",
        """Control the arb sample rate in Sa/s (float, 1 µSa/s to 250 MSa/s).""",
        validator=strict_range, values=SAMPLE_RATE_LIMITS,
    )
    arb_filter = Channel.control(
        "SOUR{ch}:FUNC:ARB:FILT?", "SOUR{ch}:FUNC:ARB:FILT %s",
        """Control the arb filter: 'NORM', 'STEP' or 'OFF' (str).""",
        validator=strict_discrete_set, values=("NORM", "STEP", "OFF"),
    )
    arb_points = Channel.measurement(
        "SOUR{ch}:DATA:ATTR:POIN?",
        """Get the number of points of the selected arb (int).""",
        cast=int,
    )
    marker_point = Channel.control(
        "SOUR{ch}:MARK:POIN?", "SOUR{ch}:MARK:POIN %d",
        """Control the arb point at which the sync marker falls (int).""",
        validator=strict_range, values=(4, ARB_POINTS[1]), cast=int,
    )
    burst_enabled = Channel.control(
        "SOUR{ch}:BURS:STAT?", "SOUR{ch}:BURS:STAT %d",
        """Control whether burst mode is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    burst_mode = Channel.control(
        "SOUR{ch}:BURS:MODE?", "SOUR{ch}:BURS:MODE %s",
        """Control the burst mode: 'TRIG' (triggered) or 'GAT' (gated) (str).""",
        validator=strict_discrete_set, values=("TRIG", "GAT"),
    )
    burst_count = Channel.control(
        "SOUR{ch}:BURS:NCYC?", "SOUR{ch}:BURS:NCYC %d",
        """Control the cycles per burst (int, 1 to 100,000,000).""",
        validator=strict_range, values=BURST_COUNT_LIMITS, cast=lambda v: int(float(v)),
    )
    burst_period = Channel.control(
        "SOUR{ch}:BURS:INT:PER?", "SOUR{ch}:BURS:INT:PER %.12g",
        """Control the period of immediately triggered bursts in s (float).""",
        validator=strict_range, values=PERIOD_LIMITS_S,
    )
    trigger_source = Channel.control(
        "TRIG{ch}:SOUR?", "TRIG{ch}:SOUR %s",
        """Control the trigger source: 'IMM', 'EXT', 'TIM' or 'BUS' (str).""",
        validator=strict_discrete_set, values=("IMM", "EXT", "TIM", "BUS"),
    )
    trigger_delay = Channel.control(
        "TRIG{ch}:DEL?", "TRIG{ch}:DEL %.12g",
        """Control the delay from trigger to output in s (float, 0 to 1000).""",
        validator=strict_range, values=(0.0, 1000.0),
    )

    def clear_volatile(self) -> None:
        """Delete the channel's arbs and sequences from volatile memory (DATA:VOL:CLE)."""
        self.write("SOUR{ch}:DATA:VOL:CLE")

    def download_dac(self, name: str, codes: Sequence[int]) -> None:
        """Send DAC codes (±32767, 8 to 1,048,576 points) as one binary block of int16."""
        data = np.asarray(codes)
        if data.ndim != 1 or not ARB_POINTS[0] <= data.size <= ARB_POINTS[1]:
            raise ValueError(f"an arb holds {ARB_POINTS[0]} to {ARB_POINTS[1]} points, "
                             f"got {data.size}")
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            raise ValueError("DAC codes must be integers")
        if np.abs(data).max() > DAC_MAX:
            raise ValueError(f"DAC codes must lie in -{DAC_MAX} to {DAC_MAX}, "
                             f"got {data.min():g} to {data.max():g}")
        _check_name(name)
        self.write_binary_values(f"FORM:BORD SWAP;:SOUR{{ch}}:DATA:ARB:DAC {name},",
                                 data.astype("<i2"), termination="\n", datatype="h",
                                 is_big_endian=False)

    def download_sequence(self, name: str,
                          steps: Sequence[tuple[str, int, str, str, int]]) -> None:
        """Define a sequence of (arb, count, play mode, marker mode, marker point) steps
        (DATA:SEQ with a definite-length block)."""
        _check_name(name)
        if not steps:
            raise ValueError("a sequence needs at least one step")
        fields = [f'"{name}"']
        for arb, count, mode, marker, point in steps:
            strict_discrete_set(mode, PLAY_MODES)
            strict_discrete_set(marker, MARKER_MODES)
            fields.append(f'"{arb}",{int(count)},{mode},{marker},{int(point)}')
        text = ",".join(fields)
        self.write(f"SOUR{{ch}}:DATA:SEQ #{len(str(len(text)))}{len(text)}{text}")


def _check_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,11}", name):
        raise ValueError(f"arb name {name!r}: a letter then up to 11 letters, digits or _")


class K33500B(BusTriggerMixin, SCPIMixin, Instrument):
    """Keysight 33500B series waveform generator (33522B: two channels)."""

    ch_1 = Instrument.ChannelCreator(K33500BChannel, 1)
    ch_2 = Instrument.ChannelCreator(K33500BChannel, 2)

    def __init__(self, adapter, name: str = "Keysight 33500B Waveform Generator",
                 **kwargs: Any) -> None:
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    sync_enabled = Instrument.control(
        "OUTP:SYNC?", "OUTP:SYNC %d",
        """Control whether the sync output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    sync_source = Instrument.control(
        "OUTP:SYNC:SOUR?", "OUTP:SYNC:SOUR CH%d",
        """Control which channel the sync output follows (int, 1 or 2).""",
        validator=strict_discrete_set, values=(1, 2),
        get_process=lambda v: int(v.strip()[-1]),
    )
    byte_order = Instrument.control(
        "FORM:BORD?", "FORM:BORD %s",
        """Control the binary block byte order: 'NORM' (MSB first) or 'SWAP' (str).""",
        validator=strict_discrete_set, values=("NORM", "SWAP"),
    )


class K33500BWaveformGenerator(WaveformGenerator):
    """WaveformGenerator role on channel 1 of a 33500B: segments → one arb at the sample rate
    that puts every boundary on a point, bus-triggered bursts; on a 33522B, load_pair() puts a
    second waveform on channel 2 (the device's bottom terminal in a differential set-up),
    started by the same *TRG.

    Levels are the open-circuit voltage (EMF): the output is told an infinite load (the pulse
    path's series resistor + device ≫ 50 Ω). Offset 0 V, so the idle level between bursts is
    0 V; the amplitude is twice the largest |level|, DAC codes level / largest |level| × 32767.
    """

    IDN_PATTERNS = (r"(AGILENT|KEYSIGHT) TECHNOLOGIES,3352[12]B,",)
    """*IDN? answers of the 33521B and 33522B (Agilent before 2014, Keysight after)."""

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = K33500B(resource, visa_library=visa_library, **kwargs)
        self.plan: dict[str, Any] | None = None
        self._channels: int | None = None
        """Output channels of the model, once its *IDN? has been read."""

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer (which also tells the role its channel count)."""
        answer = self.driver.id
        self._channels = 1 if re.search(r",33521B,", answer, re.IGNORECASE) else 2
        return answer

    @property
    def channels(self) -> int:
        """Output channels: 1 on the 33521B, 2 on the 33522B (asks *IDN? the first time)."""
        if self._channels is None:
            _ = self.idn  # reading it sets the count
        assert self._channels is not None
        return self._channels

    def compile(self, segments: Sequence[Segment]) -> tuple[np.ndarray, float]:
        """(level of every point in V, repetition frequency in Hz) of segments, or ValueError
        saying what would fit: every boundary on a point, 8 … 1,048,576 points, ≤ 250 MSa/s."""
        levels, durations = read_segments(
            segments, EMF_LIMIT_V, f"the 33500B output limit of ±{EMF_LIMIT_V:g} V open-circuit "
                                   "(±5 V into 50 Ω)")
        grid = segment_grid(levels, durations, "33500B", ARB_POINTS, " per channel",
                            "put every duration on a common grid of at least {step:.6g} s, or "
                            "keep the total under {total:.6g} s")
        total = grid.total_s
        rate = grid.points / total
        if rate > SAMPLE_RATE_LIMITS[1] * (1 + 1e-9):
            raise ValueError(
                f"segment grid of {1 / rate:.4g} s per point is faster than 250 MSa/s: put "
                f"every duration on a multiple of 4 ns")
        if rate < SAMPLE_RATE_LIMITS[0]:
            raise ValueError(f"waveform of {total:g} s needs {rate:g} Sa/s, below 1 µSa/s")
        return grid.point_levels(), 1.0 / total

    def check_pair(self, pre: Sequence[Segment], post: Sequence[Segment]) -> None:
        """Refuse (ValueError saying what would fit) a pair channel 1 and channel 2 cannot
        play together: a 33521B (one channel), either waveform beyond its channel (memory,
        sample rate, level), or waveforms of different lengths (one trigger starts both, and
        every burst cycle must keep them aligned). Asks *IDN? once if the model is unknown."""
        if self.channels < 2:
            raise ValueError("the 33521B has one channel: a post-synaptic waveform on the "
                             "device's bottom terminal needs the two-channel 33522B")
        for name, segments in (("pre-synaptic (channel 1)", pre),
                               ("post-synaptic (channel 2)", post)):
            try:
                self.compile(segments)
            except ValueError as err:
                raise ValueError(f"{name} waveform: {err}") from None
        lengths = [sum(float(d) for _, d in segments) for segments in (pre, post)]
        if abs(lengths[0] - lengths[1]) > TIME_RESOLUTION_S:
            raise ValueError(f"the pre-synaptic waveform lasts {lengths[0]:.9g} s and the "
                             f"post-synaptic one {lengths[1]:.9g} s: one trigger starts both "
                             "channels, so give them the same length (pad the shorter at 0 V)")

    def load(self, segments: Sequence[Segment], bursts: int = 1) -> float:
        """Compile segments into channel 1's volatile memory (one binary transfer) for
        bus-triggered bursts of `bursts` cycles, output off, idling at 0 V; returns the burst
        duration in s. On a 33522B channel 2 is switched off at DC 0 V in the same message, so
        no earlier pair plays on."""
        _check_bursts(bursts)
        idle_2 = f"{CHANNEL_OFF.format(n=2)};:" if self._channels == 2 else ""
        duration = self._load_channel(1, segments, bursts, idle_2)
        self._finish_load()
        return duration

    def load_pair(self, pre: Sequence[Segment], post: Sequence[Segment],
                  bursts: int = 1) -> float:
        """As load(), with post on channel 2 (its own arb, sample rate and amplitude; output
        told INF, idle at 0 V); one *TRG starts both bursts. Refused as check_pair() refuses,
        before anything is sent. Returns the duration of one burst in s."""
        _check_bursts(bursts)
        self.check_pair(pre, post)
        duration = self._load_channel(1, pre, bursts)
        self._load_channel(2, post, bursts)
        self._finish_load()
        return duration

    def _load_channel(self, n: int, segments: Sequence[Segment], bursts: int,
                      prefix: str = "") -> float:
        """Download segments to channel n as a bus-triggered burst (output off, 0 V offset)
        and set it up: 3 writes. Returns the burst duration; the plan records the channel."""
        point_levels, freq = self.compile(segments)
        full_scale_v = max(float(np.abs(point_levels).max()), AMPLITUDE_LIMITS_VPP[0])
        codes = np.round(point_levels / full_scale_v * DAC_MAX).astype(int)
        rate = len(codes) * freq
        d = self.driver
        d.write(f"{prefix}OUTP{n} OFF;:OUTP{n}:LOAD INF;:SOUR{n}:FUNC DC;:SOUR{n}:VOLT:OFFS 0;"
                f":SOUR{n}:DATA:VOL:CLE")
        (d.ch_1 if n == 1 else d.ch_2).download_dac(ARB_NAME, codes)
        d.write(f"SOUR{n}:FUNC:ARB {ARB_NAME};:SOUR{n}:FUNC:ARB:FILT STEP;"
                f":SOUR{n}:FUNC:ARB:SRAT {rate:.12g};:SOUR{n}:FUNC ARB;"
                f":SOUR{n}:VOLT {2 * full_scale_v:.6g};:SOUR{n}:BURS:MODE TRIG;"
                f":SOUR{n}:BURS:NCYC {bursts};:SOUR{n}:BURS:STAT ON;:TRIG{n}:SOUR BUS;"
                f":TRIG{n}:DEL 0;:OUTP:SYNC:SOUR CH1;:OUTP:SYNC ON")
        duration = bursts / freq
        channel = {"points": len(codes), "sample_rate": rate,
                   "amplitude_vpp": 2 * full_scale_v, "burst_s": duration}
        self.plan = {**channel, "channels": [1]} if n == 1 else {
            **(self.plan or {}), "channel_2": channel, "channels": [1, 2]}
        log.info("33500B channel %d: %d points at %g Sa/s, %g Vpp, %d cycles per burst", n,
                 len(codes), rate, 2 * full_scale_v, bursts)
        return duration

    def _finish_load(self) -> None:
        """Read the error queue once after a load; on an error, safe state and refuse."""
        errors = self.driver.check_errors()
        if errors:
            self.safe_off()
            raise RuntimeError(f"33500B refused the waveform: {errors}")

    def enable(self) -> None:
        """Close the output relays of the loaded channels; bursts idle at 0 V until
        triggered."""
        if self.plan is None:
            raise RuntimeError("load() a waveform before enable()")
        self.driver.write(";:".join(f"OUTP{n} ON" for n in self.plan["channels"]))

    def trigger(self) -> None:
        """Start one burst now (bus trigger)."""
        self.driver.trigger()

    def safe_off(self) -> None:
        """Channel 1's output relay open and its source at DC 0 V; channel 2's too on a model
        known to have it (its *IDN? read)."""
        d = self.driver
        try:
            d.adapter.connection.clear()
        except Exception:  # a device clear is best effort
            log.debug("device clear failed", exc_info=True)
        d.write(";:".join(CHANNEL_OFF.format(n=n) for n in range(1, (self._channels or 1) + 1)))
        self.plan = None


def _check_bursts(bursts: int) -> None:
    """Refuse a burst count the 33500B cannot play."""
    if not (isinstance(bursts, int) and BURST_COUNT_LIMITS[0] <= bursts
            <= BURST_COUNT_LIMITS[1]):
        raise ValueError(f"bursts is a cycle count of 1 to {BURST_COUNT_LIMITS[1]}, "
                         f"got {bursts!r}")
