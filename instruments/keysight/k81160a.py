"""Keysight (Agilent) 81160A pulse function arbitrary noise generator: PyMeasure driver (the
81150A/81160A command set, channel suffixes ``[1|2]``) and the WaveformGenerator role procedures
use.

Limits (81160A data sheet values as PyMeasure's own driver encodes them, and recalled where the
stored manual excerpts are silent): pulse period 3.03 ns … 1e6 s, width ≥ 1.5 ns, transitions
(10–90 %) 1 ns … 1000 s, amplitude 50 mVpp … 5 Vpp into 50 Ω inside ±5 V (twice into high
impedance: ±10 V of open-circuit EMF), 14-bit DAC codes ±8191 sent as two bytes per point
(``:DATA:DAC VOLATILE``), 2.5 GSa/s, 2 … 16,384 arbitrary points, repetition ≥ 1 µHz.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.awg import BusTriggerMixin, read_segments, segment_grid
from labmem.instruments.roles import Segment, WaveformGenerator

log = logging.getLogger(__name__)

FREQUENCY_LIMITS_HZ = (1e-6, 500e6)
PERIOD_LIMITS_S = (3.03e-9, 1e6)
WIDTH_LIMITS_S = (1.5e-9, 1e6)
TRANSITION_LIMITS_S = (1e-9, 1e3)
AMPLITUDE_LIMITS_VPP = (0.05, 10.0)
"""50 mVpp into 50 Ω … 10 Vpp into high impedance."""
LEVEL_LIMITS_V = (-10.0, 10.0)
EMF_VPP_V = (0.1, 10.0)
"""Amplitude limits as open-circuit EMF (50 mVpp … 5 Vpp into 50 Ω)."""
EMF_LIMIT_V = EMF_VPP_V[1] / 2
"""Largest |level| of the role: the offset stays 0 V (the idle level), so ±Vpp/2."""
DAC_MAX = 8191
SAMPLE_RATE = 2.5e9
ARB_POINTS = (2, 16384)
MIN_SEGMENT_S = WIDTH_LIMITS_S[0]
"""A level held shorter than the narrowest pulse never settles through the output's edges."""
TRIGGER_COUNT_LIMITS = (1, 2**31 - 1)
"""Segment durations are matched to the point grid to this resolution."""
SHAPES = {"sine": "SIN", "square": "SQU", "ramp": "RAMP", "pulse": "PULS", "noise": "NOIS",
          "dc": "DC", "user": "USER"}
BOOLS = {True: 1, False: 0}


class K81160AChannel(Channel):
    """One output channel of the 81160A (the suffix of every header)."""

    shape = Channel.control(
        ":FUNC{ch}?", ":FUNC{ch} %s",
        """Control the function: sine, square, ramp, pulse, noise, dc or user (str).""",
        validator=strict_discrete_set, values=SHAPES, map_values=True,
    )
    frequency = Channel.control(
        ":FREQ{ch}?", ":FREQ{ch} %.12g",
        """Control the frequency in Hz (float, 1 µHz to 500 MHz; less for some functions).""",
        validator=strict_range, values=FREQUENCY_LIMITS_HZ,
    )
    amplitude = Channel.control(
        ":VOLT{ch}?", ":VOLT{ch} %.6g",
        """Control the amplitude in Vpp for the expected load (float).""",
        validator=strict_range, values=AMPLITUDE_LIMITS_VPP,
    )
    offset = Channel.control(
        ":VOLT{ch}:OFFS?", ":VOLT{ch}:OFFS %.6g",
        """Control the offset in V for the expected load (float).""",
        validator=strict_range, values=LEVEL_LIMITS_V,
    )
    high_level = Channel.control(
        ":VOLT{ch}:HIGH?", ":VOLT{ch}:HIGH %.6g",
        """Control the high level in V for the expected load (float).""",
        validator=strict_range, values=LEVEL_LIMITS_V,
    )
    low_level = Channel.control(
        ":VOLT{ch}:LOW?", ":VOLT{ch}:LOW %.6g",
        """Control the low level in V for the expected load (float).""",
        validator=strict_range, values=LEVEL_LIMITS_V,
    )
    output_enabled = Channel.control(
        ":OUTP{ch}?", ":OUTP{ch} %d",
        """Control whether the output relay is closed (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    load = Channel.control(
        ":OUTP{ch}:LOAD?", ":OUTP{ch}:LOAD %s",
        """Control the expected load the levels assume in Ω: 0.3 to 1e6, or inf (float).""",
        validator=lambda v, _: v if v == math.inf else strict_range(v, (0.3, 1e6)),
        values=None,
        set_process=lambda v: "INF" if v == math.inf else f"{v:g}",
        get_process=lambda v: math.inf if v > 1e37 else v,
    )
    source_impedance = Channel.control(
        ":OUTP{ch}:IMP?", ":OUTP{ch}:IMP %g",
        """Control the source impedance in Ω: 50 or 5 (float).""",
        validator=strict_discrete_set, values=(50, 5),
    )
    polarity = Channel.control(
        ":OUTP{ch}:POL?", ":OUTP{ch}:POL %s",
        """Control the output polarity: 'NORM' or 'INV' (str).""",
        validator=strict_discrete_set, values=("NORM", "INV"),
    )
    pulse_period = Channel.control(
        ":PULS:PER{ch}?", ":PULS:PER{ch} %.12g",
        """Control the pulse period in s (float, 3.03 ns to 1e6 s).""",
        validator=strict_range, values=PERIOD_LIMITS_S,
    )
    pulse_width = Channel.control(
        ":PULS:WIDT{ch}?", ":PULS:WIDT{ch} %.12g",
        """Control the pulse width in s, leading-edge start to trailing-edge start (float).""",
        validator=strict_range, values=WIDTH_LIMITS_S,
    )
    pulse_delay = Channel.control(
        ":PULS:DEL{ch}?", ":PULS:DEL{ch} %.12g",
        """Control the delay of the leading edge after the trigger output in s (float).""",
        validator=strict_range, values=(0.0, 1e6),
    )
    leading_edge = Channel.control(
        ":PULS:TRAN{ch}?", ":PULS:TRAN{ch} %.6g",
        """Control the leading transition time (10–90 %) in s (float, 1 ns to 1000 s).""",
        validator=strict_range, values=TRANSITION_LIMITS_S,
    )
    trailing_edge = Channel.control(
        ":PULS:TRAN{ch}:TRA?", ":PULS:TRAN{ch}:TRA %.6g",
        """Control the trailing transition time (10–90 %) in s (float); setting it stops the
        trailing edge following the leading one.""",
        validator=strict_range, values=TRANSITION_LIMITS_S,
    )
    double_pulse_enabled = Channel.control(
        ":PULS:DOUB{ch}?", ":PULS:DOUB{ch} %d",
        """Control whether each period holds a second pulse (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    double_pulse_delay = Channel.control(
        ":PULS:DOUB{ch}:DEL?", ":PULS:DOUB{ch}:DEL %.12g",
        """Control the delay between the two pulses' leading edges in s (float).""",
        validator=strict_range, values=(0.0, 1e6),
    )
    arm_source = Channel.control(
        ":ARM:SOUR{ch}?", ":ARM:SOUR{ch} %s",
        """Control what starts the output: 'IMM' (continuous), 'EXT' or 'MAN' (*TRG) (str).""",
        validator=strict_discrete_set, values=("IMM", "EXT", "MAN"),
    )
    burst_count = Channel.control(
        ":TRIG:COUN{ch}?", ":TRIG:COUN{ch} %d",
        """Control the periods played per arming trigger (int, 1 to 2**31 - 1).""",
        validator=strict_range, values=TRIGGER_COUNT_LIMITS, cast=int,
    )
    user_waveform = Channel.control(
        ":FUNC{ch}:USER?", ":FUNC{ch}:USER %s",
        """Control the user waveform the USER function plays, e.g. 'VOLATILE' (str).""",
    )
    arb_catalog = Channel.measurement(
        ":DATA{ch}:NVOL:CAT?",
        """Get the names of the stored user waveforms (list of str).""",
        cast=lambda v: v.strip().strip('"'),
    )

    def download_dac(self, codes: Sequence[int]) -> None:
        """Send DAC codes (±8191, 2 to 16384 points) to volatile memory as one binary block,
        two bytes per point (LSB first)."""
        data = np.asarray(codes)
        if data.ndim != 1 or not ARB_POINTS[0] <= data.size <= ARB_POINTS[1]:
            raise ValueError(f"an arb holds {ARB_POINTS[0]} to {ARB_POINTS[1]} points, "
                             f"got {data.size}")
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            raise ValueError("DAC codes must be integers")
        if np.abs(data).max() > DAC_MAX:
            raise ValueError(f"DAC codes must lie in -{DAC_MAX} to {DAC_MAX}, "
                             f"got {data.min():g} to {data.max():g}")
        self.write_binary_values(":FORM:BORD SWAP;:DATA{ch}:DAC VOLATILE,", data.astype("<i2"),
                                 termination="\n", datatype="h", is_big_endian=False)


class K81160A(BusTriggerMixin, SCPIMixin, Instrument):
    """Keysight 81160A 330 MHz pulse function arbitrary noise generator (1 or 2 channels)."""

    ch_1 = Instrument.ChannelCreator(K81160AChannel, 1)
    ch_2 = Instrument.ChannelCreator(K81160AChannel, 2)

    def __init__(self, adapter, name: str = "Keysight 81160A Pulse Function Generator",
                 **kwargs: Any) -> None:
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    byte_order = Instrument.control(
        ":FORM:BORD?", ":FORM:BORD %s",
        """Control the binary block byte order: 'NORM' (MSB first) or 'SWAP' (str).""",
        validator=strict_discrete_set, values=("NORM", "SWAP"),
    )

    ERROR_QUERY = ":SYST:ERR?"
    ERROR_READS = 30


class K81160AWaveformGenerator(WaveformGenerator):
    """WaveformGenerator role on one 81160A channel: segments → one user arbitrary waveform,
    played as a burst per bus trigger, the output relay closed by enable().

    Levels are the open-circuit EMF (the pulse path's load is ≫ 50 Ω). With ``load_ohm=inf``
    (default) the programmed levels are the EMF; with 50 the instrument is told 50 Ω and
    programmed with half of it. The offset is 0 V, so the idle level between bursts (DAC code
    0) is 0 V; full scale (code 8191) is the largest |level|.
    """

    IDN_PATTERNS = (r"(AGILENT|KEYSIGHT) TECHNOLOGIES,81160A,",)
    """The manufacturer field reads Agilent on older firmware, Keysight on newer."""

    CHANNEL_NAMES = (1, 2)
    """The channels a role can drive (a station file's `channel` key)."""

    def __init__(self, resource: str, visa_library: str = "", load_ohm: float = math.inf,
                 channel: int = 1, **kwargs: Any) -> None:
        if load_ohm not in (50, math.inf):
            raise ValueError(f"load_ohm is 50 or inf, got {load_ohm!r}")
        if channel not in self.CHANNEL_NAMES:
            raise ValueError(f"channel is 1 or 2, got {channel!r}")
        self.driver = K81160A(resource, visa_library=visa_library, **kwargs)
        self.channel: K81160AChannel = getattr(self.driver, f"ch_{channel}")
        self.load_ohm = load_ohm
        self.plan: dict[str, Any] | None = None

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    @property
    def _gain(self) -> float:
        return 2.0 if self.load_ohm == 50 else 1.0

    def compile(self, segments: Sequence[Segment]) -> tuple[np.ndarray, float]:
        """(level of every point in V, repetition frequency in Hz) of segments, or ValueError
        saying what would fit: levels within ±5 V EMF, every segment ≥ 1.5 ns, every boundary
        on a point, 2 … 16384 points, ≤ 2.5 GSa/s, ≥ 1 µHz."""
        levels, durations = read_segments(
            segments, EMF_LIMIT_V, f"±{EMF_LIMIT_V:g} V open-circuit: the 81160A gives at most "
                                   f"{EMF_VPP_V[1]:g} Vpp of EMF (5 Vpp into 50 Ω) around the "
                                   "0 V offset it idles at")
        shortest = min(durations)
        if shortest < MIN_SEGMENT_S * (1 - 1e-9):
            raise ValueError(f"segment of {shortest:g} s is shorter than the 81160A's narrowest "
                             f"pulse ({MIN_SEGMENT_S:g} s, 1 ns edges): make every segment "
                             f"≥ {MIN_SEGMENT_S:g} s")
        grid = segment_grid(levels, durations, "81160A", ARB_POINTS)
        n, total = grid.points, grid.total_s
        if total / n < 1 / SAMPLE_RATE * (1 - 1e-9):
            raise ValueError(f"segment grid of {total / n:.4g} s per point is faster than "
                             "2.5 GSa/s: put the durations on a ≥ 0.4 ns grid")
        freq = 1.0 / total
        if freq < FREQUENCY_LIMITS_HZ[0]:
            raise ValueError(f"waveform of {total:g} s is longer than the 81160A's "
                             f"{1 / FREQUENCY_LIMITS_HZ[0]:g} s period limit")
        return grid.point_levels(), freq

    def load(self, segments: Sequence[Segment], bursts: int = 1) -> float:
        """Compile segments into volatile arb memory for bus-triggered bursts of `bursts`
        repetitions, output off, idling at 0 V; returns the burst duration in s."""
        if not (isinstance(bursts, int)
                and TRIGGER_COUNT_LIMITS[0] <= bursts <= TRIGGER_COUNT_LIMITS[1]):
            raise ValueError(f"bursts is a count of 1 to {TRIGGER_COUNT_LIMITS[1]}, "
                             f"got {bursts!r}")
        point_levels, freq = self.compile(segments)
        full_scale_v = max(float(np.abs(point_levels).max()), EMF_VPP_V[0] / 2)
        vpp = 2 * full_scale_v / self._gain
        codes = np.round(point_levels / full_scale_v * DAC_MAX).astype(int)
        ch = self.channel
        # Relay open first, then the waveform, then the trigger set-up: never a stray output.
        ch.output_enabled = False
        ch.download_dac(codes)
        ch.load = 50 if self.load_ohm == 50 else math.inf
        ch.user_waveform = "VOLATILE"
        ch.shape = "user"
        ch.frequency = freq
        ch.offset = 0.0
        ch.amplitude = vpp
        ch.arm_source = "MAN"
        ch.burst_count = bursts
        errors = self.driver.check_errors()
        if errors:
            self.safe_off()
            raise RuntimeError(f"81160A refused the waveform: {errors}")
        duration = bursts / freq
        self.plan = {"points": len(codes), "frequency_hz": freq, "amplitude_vpp": vpp,
                     "burst_s": duration}
        log.info("81160A: %d points at %g Hz, %g Vpp, %d per burst", len(codes), freq, vpp,
                 bursts)
        return duration

    def enable(self) -> None:
        """Close the output relay; the output idles at 0 V until triggered."""
        if self.plan is None:
            raise RuntimeError("load() a waveform before enable()")
        self.channel.output_enabled = True

    def trigger(self) -> None:
        """Start one burst now (bus trigger)."""
        self.driver.trigger()

    def safe_off(self) -> None:
        """Device clear, then the output relay open."""
        try:
            self.driver.adapter.connection.clear()
        except Exception:  # a device clear is best effort
            log.debug("device clear failed", exc_info=True)
        self.channel.output_enabled = False
        self.plan = None
