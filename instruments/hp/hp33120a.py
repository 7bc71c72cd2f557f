"""HP 33120A function / arbitrary waveform generator: PyMeasure driver (User's Guide chapter 4
command set) and the WaveformGenerator role procedures use.

Limits from the User's Guide: 50 mVpp … 10 Vpp into 50 Ω (twice that into an open circuit),
|offset| + Vpp/2 ≤ 5 V into 50 Ω (10 V open circuit), 8 … 16,000 arb points as 12-bit DAC codes
±2047 (DATA:DAC VOLATILE, two bytes per point), 40 MSa/s, arb repetition frequency up to 5 MHz
(2.5 MHz above 8,192 points, 200 kHz above 12,287 points), burst count 1 … 50,000, at most 1
cycle per burst per MHz of carrier. The 33120A has no output on/off command: "off" is DC 0 V.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.instruments import Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.awg import BusTriggerMixin, read_segments, segment_grid
from labmem.instruments.roles import Segment, WaveformGenerator

log = logging.getLogger(__name__)

FREQUENCY_LIMITS_HZ = (100e-6, 15e6)
AMPLITUDE_LIMITS_VPP = (50e-3, 20.0)
"""Widest amplitude range (50 mVpp into 50 Ω … 20 Vpp into an open circuit)."""
OFFSET_LIMITS_V = (-10.0, 10.0)
VMAX_50_V = 5.0
VPP_MIN_50_V = 50e-3
ARB_POINTS = (8, 16000)
ARB_FREQ_LIMITS = ((8192, 5e6), (12287, 2.5e6), (16000, 200e3))
SAMPLE_RATE = 40e6
DAC_MAX = 2047
BURST_COUNT_LIMITS = (1, 50000)
BURST_RATE_LIMITS_HZ = (10e-3, 50e3)
SHAPES = {"sine": "SIN", "square": "SQU", "triangle": "TRI", "ramp": "RAMP", "noise": "NOIS",
          "dc": "DC", "user": "USER"}
BOOLS = {True: 1, False: 0}


def arb_max_frequency(points: int) -> float:
    """Highest repetition frequency in Hz of an arb of this many points."""
    for n, f in ARB_FREQ_LIMITS:
        if points <= n:
            return f
    return ARB_FREQ_LIMITS[-1][1]


class HP33120A(BusTriggerMixin, SCPIMixin, Instrument):
    """HP 33120A 15 MHz function / arbitrary waveform generator (GPIB)."""

    def __init__(self, adapter, name: str = "HP 33120A Function Generator", **kwargs: Any
                 ) -> None:
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    shape = Instrument.control(
        "FUNC:SHAP?", "FUNC:SHAP %s",
        """Control the function: sine, square, triangle, ramp, noise, dc or user (str).""",
        validator=strict_discrete_set, values=SHAPES, map_values=True,
    )
    frequency = Instrument.control(
        "FREQ?", "FREQ %.10g",
        """Control the frequency in Hz (float, 100 µHz to 15 MHz; less for some shapes).""",
        validator=strict_range, values=FREQUENCY_LIMITS_HZ,
    )
    amplitude = Instrument.control(
        "VOLT?", "VOLT %.6g",
        """Control the amplitude in the selected unit, Vpp by default (float).""",
        validator=strict_range, values=AMPLITUDE_LIMITS_VPP,
    )
    offset = Instrument.control(
        "VOLT:OFFS?", "VOLT:OFFS %.6g",
        """Control the DC offset in V for the selected load (float, -10 to 10).""",
        validator=strict_range, values=OFFSET_LIMITS_V,
    )
    amplitude_unit = Instrument.control(
        "VOLT:UNIT?", "VOLT:UNIT %s",
        """Control the amplitude unit: 'VPP', 'VRMS' or 'DBM' (str).""",
        validator=strict_discrete_set, values=("VPP", "VRMS", "DBM"),
    )
    load = Instrument.control(
        "OUTP:LOAD?", "OUTP:LOAD %s",
        """Control the load the levels assume: 50 (Ω) or inf (high impedance) (float).""",
        validator=strict_discrete_set, values=(50, math.inf),
        set_process=lambda v: "INF" if v == math.inf else "50",
        get_process=lambda v: math.inf if v > 1e37 else v,
    )
    sync_enabled = Instrument.control(
        "OUTP:SYNC?", "OUTP:SYNC %d",
        """Control whether the sync output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    byte_order = Instrument.control(
        "FORM:BORD?", "FORM:BORD %s",
        """Control the binary block byte order: 'NORM' (MSB first) or 'SWAP' (str).""",
        validator=strict_discrete_set, values=("NORM", "SWAP"),
    )
    user_waveform = Instrument.control(
        "FUNC:USER?", "FUNC:USER %s",
        """Control the arbitrary waveform played by the user function, e.g. 'VOLATILE' (str).""",
        validator=strict_discrete_set,
        values=("VOLATILE", "SINC", "NEG_RAMP", "EXP_RISE", "EXP_FALL", "CARDIAC"),
    )
    burst_enabled = Instrument.control(
        "BM:STAT?", "BM:STAT %d",
        """Control whether burst modulation is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    burst_count = Instrument.control(
        "BM:NCYC?", "BM:NCYC %d",
        """Control the number of cycles per burst (int, 1 to 50000).""",
        validator=strict_range, values=BURST_COUNT_LIMITS, cast=lambda v: int(float(v)),
    )
    burst_phase = Instrument.control(
        "BM:PHAS?", "BM:PHAS %g",
        """Control the starting phase of a burst in degrees (float, -360 to 360).""",
        validator=strict_range, values=(-360.0, 360.0),
    )
    burst_rate = Instrument.control(
        "BM:INT:RATE?", "BM:INT:RATE %g",
        """Control the internal burst rate in Hz (float, 10 mHz to 50 kHz).""",
        validator=strict_range, values=BURST_RATE_LIMITS_HZ,
    )
    burst_source = Instrument.control(
        "BM:SOUR?", "BM:SOUR %s",
        """Control the burst source: 'INT' (triggered) or 'EXT' (gated) (str).""",
        validator=strict_discrete_set, values=("INT", "EXT"),
    )
    trigger_source = Instrument.control(
        "TRIG:SOUR?", "TRIG:SOUR %s",
        """Control the trigger source: 'IMM', 'EXT' or 'BUS' (str).""",
        validator=strict_discrete_set, values=("IMM", "EXT", "BUS"),
    )
    arb_catalog = Instrument.measurement(
        "DATA:CAT?",
        """Get the names of the arbitrary waveforms in memory (list of str).""",
        cast=lambda v: v.strip().strip('"'),
    )
    arb_free_slots = Instrument.measurement(
        "DATA:NVOL:FREE?",
        """Get how many non-volatile arb slots are free (int, 0 to 4).""",
        cast=int,
    )
    arb_points = Instrument.measurement(
        "DATA:ATTR:POIN?",
        """Get the number of points of the selected arbitrary waveform (int).""",
        cast=int,
    )

    def apply_dc(self, level_v: float) -> None:
        """Output a DC level in V for the selected load (APPLy:DC), modulation off."""
        strict_range(level_v, OFFSET_LIMITS_V)
        self.write(f"APPL:DC DEF,DEF,{level_v:.6g}")

    def apply_user(self, frequency_hz: float, amplitude_vpp: float, offset_v: float) -> None:
        """Play the selected arbitrary waveform continuously (APPLy:USER)."""
        strict_range(frequency_hz, FREQUENCY_LIMITS_HZ)
        strict_range(amplitude_vpp, AMPLITUDE_LIMITS_VPP)
        strict_range(offset_v, OFFSET_LIMITS_V)
        self.write(f"APPL:USER {frequency_hz:.10g},{amplitude_vpp:.6g},{offset_v:.6g}")

    def download_dac(self, codes: Sequence[int]) -> None:
        """Send DAC codes (±2047, 8 to 16000 points) to volatile memory as a binary block."""
        data = np.asarray(codes)
        if data.ndim != 1 or not ARB_POINTS[0] <= data.size <= ARB_POINTS[1]:
            raise ValueError(f"an arb holds {ARB_POINTS[0]} to {ARB_POINTS[1]} points, "
                             f"got {data.size}")
        if not np.all(np.isfinite(data)) or np.any(data != np.round(data)):
            raise ValueError("DAC codes must be integers")
        if np.abs(data).max() > DAC_MAX:
            raise ValueError(f"DAC codes must lie in -{DAC_MAX} to {DAC_MAX}, "
                             f"got {data.min():g} to {data.max():g}")
        self.write_binary_values("FORM:BORD SWAP;:DATA:DAC VOLATILE,", data.astype("<i2"),
                                 termination="\n", datatype="h", is_big_endian=False)

    def copy_volatile(self, name: str) -> None:
        """Store the volatile arb in non-volatile memory under a name (DATA:COPY)."""
        self.write(f"DATA:COPY {name},VOLATILE")

    def delete_arb(self, name: str) -> None:
        """Delete a user arb from memory (DATA:DELete)."""
        self.write(f"DATA:DEL {name}")


class HP33120AWaveformGenerator(WaveformGenerator):
    """WaveformGenerator role on an HP 33120A: segments → DAC points, bus-triggered bursts.

    Levels are the open-circuit voltage (EMF) the generator applies: the pulse path's load
    (series resistor + device) is ≫ 50 Ω. With ``load_ohm=inf`` (default) the programmed
    levels are the EMF, with 50 the instrument is told 50 Ω and programmed with half of it.
    The offset is 0 V so the idle level between bursts (the offset level) is 0 V; the
    amplitude is twice the largest |level|, DAC codes are level / largest |level| × 2047.
    """

    IDN_PATTERNS = (r"HEWLETT-PACKARD,33120A,",)
    """The answer the User's Guide documents for *IDN?."""

    def __init__(self, resource: str, visa_library: str = "", load_ohm: float = math.inf,
                 **kwargs: Any) -> None:
        if load_ohm not in (50, math.inf):
            raise ValueError(f"load_ohm is 50 or inf, got {load_ohm!r}")
        self.driver = HP33120A(resource, visa_library=visa_library, **kwargs)
        self.load_ohm = load_ohm
        self.plan: dict[str, Any] | None = None

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    @property
    def emf_limit_v(self) -> float:
        """Largest |level| (open-circuit EMF) the output reaches in V."""
        return 2 * VMAX_50_V

    def compile(self, segments: Sequence[Segment]) -> tuple[np.ndarray, float]:
        """(level of every point in V, repetition frequency in Hz) of segments, or ValueError
        saying what would fit: every boundary on a point, 8 … 16000 points, ≤ 40 MSa/s."""
        load = "50 Ω" if self.load_ohm == 50 else "an open circuit"
        levels, durations = read_segments(
            segments, self.emf_limit_v,
            f"the 33120A output limit of ±{self.emf_limit_v:g} V open-circuit (|offset| + "
            f"Vpp/2 ≤ {VMAX_50_V * self._gain:g} V programmed for {load})")
        grid = segment_grid(levels, durations, "33120A", ARB_POINTS)
        n, total, shortest = grid.points, grid.total_s, min(durations)
        point_s = total / n
        if point_s < 1 / SAMPLE_RATE * (1 - 1e-9):
            raise ValueError(
                f"segment grid of {point_s:.4g} s per point is faster than 40 MSa/s; the "
                f"shortest segment {shortest:g} s needs its durations on a ≥ 25 ns grid")
        freq = 1.0 / total
        if freq > arb_max_frequency(n):
            raise ValueError(f"waveform of {total:g} s repeats at {freq:g} Hz, above "
                             f"{arb_max_frequency(n):g} Hz for {n} points: make it longer")
        if freq < FREQUENCY_LIMITS_HZ[0]:
            raise ValueError(f"waveform of {total:g} s is longer than the 33120A's "
                             f"{1 / FREQUENCY_LIMITS_HZ[0]:g} s period limit")
        return grid.point_levels(), freq

    @property
    def _gain(self) -> float:
        return 2.0 if self.load_ohm == 50 else 1.0

    def load(self, segments: Sequence[Segment], bursts: int = 1) -> float:
        """Compile segments into volatile arb memory for bus-triggered bursts of `bursts`
        cycles, idling at 0 V; returns the burst duration in s."""
        if not (isinstance(bursts, int) and BURST_COUNT_LIMITS[0] <= bursts
                <= BURST_COUNT_LIMITS[1]):
            raise ValueError(f"bursts is a cycle count of 1 to 50000, got {bursts!r}")
        point_levels, freq = self.compile(segments)
        if bursts < math.ceil(freq / 1e6 - 1e-12):
            raise ValueError(f"at {freq:g} Hz the 33120A bursts at least "
                             f"{math.ceil(freq / 1e6)} cycles")
        # Full scale (DAC ±2047) is the largest |level|, or the smallest amplitude allowed.
        full_scale_v = max(float(np.abs(point_levels).max()), VPP_MIN_50_V)
        vpp = 2 * full_scale_v / self._gain
        codes = np.round(point_levels / full_scale_v * DAC_MAX).astype(int)
        d = self.driver
        # Idle first (DC 0 V), then the arb, then burst mode: never a stray waveform.
        d.load = 50 if self.load_ohm == 50 else math.inf
        d.apply_dc(0.0)
        d.download_dac(codes)
        d.user_waveform = "VOLATILE"
        d.trigger_source = "BUS"
        d.burst_source = "INT"
        d.burst_count = bursts
        d.burst_phase = 0.0
        d.write(f"APPL:USER {freq:.12g},{vpp:.6g},0")
        # APPLy turned burst off and set the trigger immediate: set them again after it.
        d.trigger_source = "BUS"
        d.burst_enabled = True
        errors = d.check_errors()
        if errors:
            self.safe_off()
            raise RuntimeError(f"33120A refused the waveform: {errors}")
        duration = bursts / freq
        self.plan = {"points": len(codes), "frequency_hz": freq, "amplitude_vpp": vpp,
                     "burst_s": duration}
        log.info("33120A: %d points at %g Hz, %g Vpp, %d cycles per burst", len(codes), freq,
                 vpp, bursts)
        return duration

    def enable(self) -> None:
        """The 33120A output is always connected; bursts idle at 0 V until triggered."""
        if self.plan is None:
            raise RuntimeError("load() a waveform before enable()")

    def trigger(self) -> None:
        """Start one burst now (bus trigger)."""
        self.driver.trigger()

    def safe_off(self) -> None:
        """DC 0 V: the 33120A has no output relay, so the safe state is a 0 V DC level."""
        d = self.driver
        try:
            d.adapter.connection.clear()
        except Exception:  # a device clear is best effort
            log.debug("device clear failed", exc_info=True)
        d.write("APPL:DC DEF,DEF,0")
        self.plan = None
