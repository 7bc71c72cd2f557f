"""HP 33120A 15 MHz function / arbitrary waveform generator emulator: the SCPI command set of the
33120A User's Guide (chapter 4), acting on the bench's pulse path as an open-circuit EMF.

Facts from the User's Guide (33120-90006): amplitude 50 mVpp … 10 Vpp into 50 Ω (100 mVpp …
20 Vpp into an open circuit), |offset| + Vpp/2 ≤ 5 V into 50 Ω (10 V open circuit), DC level
±5 V into 50 Ω (±10 V open); changing OUTPut:LOAD rescales the displayed amplitude and offset
with no error (the actual output is unchanged); arbitrary waveforms of 8 … 16,000 points,
12-bit DAC codes ±2047 sent as two bytes per point in an IEEE-488.2 block (FORMat:BORDer
NORMal = MSB first, SWAPped = LSB first), floats ±1 with DATA VOLATILE, four non-volatile
user waveforms beside the built-in SINC, NEG_RAMP, EXP_RISE, EXP_FALL, CARDIAC, 40 MSa/s;
frequency 100 µHz … 15 MHz (sine, square), 100 kHz (triangle, ramp), 5 MHz (arb);
BM:INTernal:RATE 10 mHz … 50 kHz (default 100 Hz), BM:SOURce INT|EXT, the minimum burst count
per carrier frequency (1 up to 1 MHz, … 5 above 4 MHz), TRIGger:SOURce IMM|EXT|BUS, *TRG.
There is no output on/off command on the 33120A: the output is always connected.

Facts quoted from memory of the specification chapter, not found in the stored excerpts (the
constants below are the single place to correct them): the arb repetition-frequency limit by
length (≤ 8,192 points 5 MHz, ≤ 12,287 points 2.5 MHz, ≤ 16,000 points 200 kHz), BM:NCYCles
1 … 50,000 (or INFinity), BM:PHASe −360 … +360°, |offset| ≤ 2 × Vpp, square-wave edges
< 20 ns, arb edges ~40 ns.

Modelling choices:

- The output is an EMF behind the bench's 50 Ω source resistance. Programmed levels assume
  the selected load, so with OUTPut:LOAD 50 the EMF is twice the programmed level, with INF it
  equals it.
- Arb points are played as sample-and-hold steps of 1/(points × frequency) each, with linear
  edges of ``ARB_EDGE_S`` (at most half a point); DDS phase jitter (25 ns) is not modelled.
- The sync output gives one edge at the start of every waveform cycle (continuous mode) or at
  the start of every burst (burst mode); OUTPut:SYNC OFF gives none.
- Between bursts (triggered burst mode) the output sits at the offset level, the waveform's
  DAC-code-0 level. NOISe is accepted but rendered as its offset level.
- Out-of-limit settings are refused: the error goes to the queue (−222 or −221) and the output
  keeps its previous setting (the real instrument clips instead).
- Idle stretches of a periodic output are rendered exactly for at most ``MAX_IDLE_KNOTS``
  knots (awg_output; whole cycles); the rest of a longer stretch is held at the waveform's
  mean level, so hours of a 1 kHz sine cost milliseconds, not gigabytes.
"""

from __future__ import annotations

import logging
import math
import re

import numpy as np

from labmem.simulated_instruments.emulators.awg_output import (
    emf_gain,
    format_load,
    framed,
    hold_knots,
    parse_load,
    periodic_knots,
    vpp_from_unit,
    vpp_to_unit,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_number,
    parse_block,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
)

log = logging.getLogger(__name__)

SHAPES = ("SINusoid", "SQUare", "TRIangle", "RAMP", "NOISe", "DC", "USER")
SHAPE_KEY = {s: s[:4].upper() if s != "SINusoid" else "SIN" for s in SHAPES}
SHAPE_KEY.update({"SQUare": "SQU", "TRIangle": "TRI", "NOISe": "NOIS"})
FREQ_MIN_HZ = 100e-6
FREQ_MAX_HZ = {"SIN": 15e6, "SQU": 15e6, "TRI": 100e3, "RAMP": 100e3, "USER": 5e6,
               "NOIS": 10e6, "DC": 15e6}
ARB_FREQ_LIMITS = ((8192, 5e6), (12287, 2.5e6), (16000, 200e3))
"""(largest point count, highest repetition frequency in Hz) of arbitrary waveforms."""
ARB_MIN_POINTS, ARB_MAX_POINTS = 8, 16000
DAC_MAX = 2047
SAMPLE_RATE = 40e6
VMAX_50_V = 5.0
"""Peak output (|offset| + Vpp/2) when the load is 50 Ω; twice that into an open circuit."""
VPP_MIN_50_V = 50e-3
NCYCLES_MAX = 50000
BURST_RATE_HZ = (10e-3, 50e3)
ARB_EDGE_S = 40e-9
SQUARE_EDGE_S = 20e-9
SINE_KNOTS = 64
BUILTIN_ARBS = ("SINC", "NEG_RAMP", "EXP_RISE", "EXP_FALL", "CARDIAC")
NVOL_SLOTS = 4
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")


def _builtin(name: str) -> np.ndarray:
    """The built-in arbitrary waveforms as normalized ±1 points (shapes approximate)."""
    x = np.linspace(0.0, 1.0, 16000, endpoint=False)
    if name == "SINC":
        y = np.sinc(20 * (x - 0.5))
    elif name == "NEG_RAMP":
        y = 1 - 2 * x
    elif name == "EXP_RISE":
        y = 2 * np.exp(-5 * (1 - x)) - 1
    elif name == "EXP_FALL":
        y = 2 * np.exp(-5 * x) - 1
    else:  # CARDIAC: a spike on a flat base line
        y = -0.2 + 1.2 * np.exp(-(((x - 0.3) / 0.02) ** 2))
    return np.round(np.clip(y, -1, 1) * DAC_MAX) / DAC_MAX


def arb_max_frequency(points: int) -> float:
    """Highest repetition frequency of an arb of this many points."""
    for n, f in ARB_FREQ_LIMITS:
        if points <= n:
            return f
    return ARB_FREQ_LIMITS[-1][1]


def min_burst_count(freq_hz: float) -> int:
    """Smallest burst count the burst modulator can gate at this carrier frequency."""
    return max(1, math.ceil(freq_hz / 1e6 - 1e-12))


class HP33120AEmulator(ScpiInstrument):
    """HP 33120A on the simulated bench (the AWG of the pulse set-up)."""

    idn = "HEWLETT-PACKARD,33120A,0,8.0-5.0-1.0"
    error_queue_size = 20

    def __init__(self, bench) -> None:
        super().__init__()
        self.bench = bench
        self.volatile: np.ndarray | None = None
        self.user_arbs: dict[str, np.ndarray] = {}
        self.reset()

    # -- state --------------------------------------------------------------------------

    def reset(self) -> None:
        """*RST state: 1 kHz sine, 100 mVpp, 0 V offset into 50 Ω, continuous output.

        In a memristor lab this is not a safe state (±100 mV EMF at 1 kHz); the role's
        safe_off() programs DC 0 V instead.
        """
        self.shape = "SIN"
        self.freq_hz = 1e3
        self.vpp = 0.1
        self.offset_v = 0.0
        self.unit = "VPP"
        self.load_ohm = 50.0
        self.sync = True
        self.burst_on = False
        self.ncycles: int | None = 1  # None = infinite
        self.burst_phase_deg = 0.0
        self.burst_rate_hz = 100.0
        self.burst_source = "INT"
        self.trigger_source = "IMM"
        self.user_name = "EXP_RISE"
        self.border = "NORM"
        self._restart()

    def _restart(self) -> None:
        """The periodic output restarts its phase now (after any change of the waveform)."""
        self.t_ref = self.bench.now

    @property
    def _vmax(self) -> float:
        """Largest programmed peak |offset| + Vpp/2: 5 V into 50 Ω, 10 V into high-Z."""
        return VMAX_50_V * 2.0 / self._emf_gain

    @property
    def _emf_gain(self) -> float:
        """Open-circuit EMF per programmed volt for the selected load."""
        return emf_gain(self.load_ohm)

    def _arb(self, name: str | None = None) -> np.ndarray:
        name = name or self.user_name
        if name == "VOLATILE":
            if self.volatile is None:
                raise ScpiError(-221, "no waveform in volatile memory")
            return self.volatile
        if name in BUILTIN_ARBS:
            return _builtin(name)
        if name in self.user_arbs:
            return self.user_arbs[name]
        raise ScpiError(-224, f"arb waveform {name!r} does not exist")

    def _freq_max(self, shape: str | None = None, arb: str | None = None) -> float:
        shape = shape or self.shape
        if shape == "USER":
            return min(FREQ_MAX_HZ["USER"], arb_max_frequency(self._arb(arb).size))
        return FREQ_MAX_HZ[shape]

    def _vpp_limits(self, shape: str) -> tuple[float, float]:
        g = 2.0 / self._emf_gain
        return VPP_MIN_50_V * g, 2 * VMAX_50_V * g

    def _check_output(self, shape: str, vpp: float, offset: float) -> None:
        """Refuse an amplitude/offset pair outside the 33120A's output limits (−222)."""
        vmax = self._vmax
        if shape == "DC":
            if abs(offset) > vmax + 1e-9:
                raise ScpiError(-222, f"DC level {offset:g} V beyond ±{vmax:g} V")
            return
        lo, hi = self._vpp_limits(shape)
        if not lo - 1e-12 <= vpp <= hi + 1e-9:
            raise ScpiError(-222, f"amplitude {vpp:g} Vpp outside {lo:g} to {hi:g} Vpp")
        if abs(offset) + vpp / 2 > vmax + 1e-9:
            raise ScpiError(-222, f"|offset| + Vpp/2 = {abs(offset) + vpp / 2:g} V "
                                  f"exceeds {vmax:g} V")
        if abs(offset) > 2 * vpp + 1e-12:
            raise ScpiError(-222, f"|offset| {abs(offset):g} V exceeds 2 × Vpp")

    def _offset_limit(self) -> float:
        """Largest |offset| for the present function and amplitude."""
        if self.shape == "DC":
            return self._vmax
        return min(self._vmax - self.vpp / 2, 2 * self.vpp)

    def _vpp_to_unit(self, vpp: float) -> float:
        return vpp_to_unit(vpp, self.unit, self.shape, self.load_ohm)

    def _parse_amplitude(self, arg: str, shape: str) -> float:
        lo, hi = self._vpp_limits(shape)
        key = arg.strip().upper()
        if key in ("MIN", "MINIMUM"):
            return lo
        if key in ("MAX", "MAXIMUM"):
            return min(hi, 2 * (self._vmax - abs(self.offset_v)))
        if key in ("DEF", "DEFAULT"):
            return 0.1 / self._emf_gain * 2
        m = re.match(r"^\s*([+-]?[\d.]+(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$", arg)
        if m is None:
            raise ScpiError(-104, f"expected an amplitude, got {arg!r}")
        suffix = m.group(2).upper()
        units = {"": (self.unit, 1.0), "V": ("VPP", 1.0), "VPP": ("VPP", 1.0),
                 "MVPP": ("VPP", 1e-3), "VRMS": ("VRMS", 1.0), "MVRMS": ("VRMS", 1e-3),
                 "DBM": ("DBM", 1.0)}
        if suffix not in units:
            raise ScpiError(-131, f"{suffix!r} is not an amplitude unit")
        unit, scale = units[suffix]
        value = float(m.group(1)) * scale
        return vpp_from_unit(value, unit, shape, self.load_ohm)

    # -- output configuration -------------------------------------------------------------

    def _apply(self, shape: str, freq: str = "DEF", amp: str = "DEF", offset: str = "DEF"
               ) -> None:
        if shape == "USER":
            self._arb()  # -221 when VOLATILE is selected and empty
        new_freq = self.freq_hz
        if shape not in ("DC", "NOIS"):
            new_freq = parse_number(freq, "HZ", FREQ_MIN_HZ, self._freq_max(shape),
                                    default=1e3)
        if shape == "DC":  # APPLy:DC DEF,DEF,<level>: the offset is the level
            vpp = self.vpp
            off = parse_number(offset, "V", -self._vmax, self._vmax, default=0.0)
        else:
            vpp = self._parse_amplitude(amp, shape)
            off = parse_number(offset, "V", -self._vmax, self._vmax, default=0.0)
        self._check_output(shape, vpp, off)
        self.shape, self.freq_hz, self.vpp, self.offset_v = shape, new_freq, vpp, off
        # APPLy leaves modulation and burst off and the trigger source immediate.
        self.burst_on = False
        self.trigger_source = "IMM"
        self._restart()

    @scpi(":[SOURce:]APPLy:SINusoid")
    def apply_sin(self, *args: str) -> None:
        self._apply("SIN", *args[:3])

    @scpi(":[SOURce:]APPLy:SQUare")
    def apply_squ(self, *args: str) -> None:
        self._apply("SQU", *args[:3])

    @scpi(":[SOURce:]APPLy:TRIangle")
    def apply_tri(self, *args: str) -> None:
        self._apply("TRI", *args[:3])

    @scpi(":[SOURce:]APPLy:RAMP")
    def apply_ramp(self, *args: str) -> None:
        self._apply("RAMP", *args[:3])

    @scpi(":[SOURce:]APPLy:NOISe")
    def apply_noise(self, *args: str) -> None:
        self._apply("NOIS", *args[:3])

    @scpi(":[SOURce:]APPLy:DC")
    def apply_dc(self, *args: str) -> None:
        self._apply("DC", *args[:3])

    @scpi(":[SOURce:]APPLy:USER")
    def apply_user(self, *args: str) -> None:
        self._apply("USER", *args[:3])

    @scpi(":[SOURce:]APPLy?")
    def apply_query(self) -> str:
        amp = self._vpp_to_unit(self.vpp)
        return f'"{self.shape} {format_number(self.freq_hz)},{format_number(amp)},' \
               f'{format_number(self.offset_v)}"'

    @scpi(":[SOURce:]FUNCtion[:SHAPe]")
    def function_shape(self, value: str) -> None:
        shape = SHAPE_KEY[parse_choice(value, SHAPES)]
        if shape == "USER":
            self._arb()
        if shape not in ("DC", "NOIS") and self.freq_hz > self._freq_max(shape):
            raise ScpiError(-221, f"frequency {self.freq_hz:g} Hz too high for {shape}")
        if shape != "DC":
            self._check_output(shape, self.vpp, self.offset_v)
        self.shape = shape
        self._restart()

    @scpi(":[SOURce:]FUNCtion[:SHAPe]?")
    def function_shape_query(self) -> str:
        return self.shape

    @scpi(":[SOURce:]FREQuency")
    def frequency(self, value: str) -> None:
        self.freq_hz = parse_number(value, "HZ", FREQ_MIN_HZ, self._freq_max(), default=1e3)
        self._restart()

    @scpi(":[SOURce:]FREQuency?")
    def frequency_query(self, which: str = "") -> str:
        if which:
            return format_number(parse_number(which, "HZ", FREQ_MIN_HZ, self._freq_max()))
        return format_number(self.freq_hz)

    @scpi(":[SOURce:]VOLTage[:AMPLitude]")
    def voltage(self, value: str) -> None:
        vpp = self._parse_amplitude(value, self.shape)
        self._check_output(self.shape if self.shape != "DC" else "SIN", vpp, self.offset_v)
        self.vpp = vpp

    @scpi(":[SOURce:]VOLTage[:AMPLitude]?")
    def voltage_query(self, which: str = "") -> str:
        if which:
            return format_number(self._vpp_to_unit(self._parse_amplitude(which, self.shape)))
        return format_number(self._vpp_to_unit(self.vpp))

    @scpi(":[SOURce:]VOLTage:OFFSet")
    def voltage_offset(self, value: str) -> None:
        limit = self._offset_limit()
        key = value.strip().upper()
        if key in ("MIN", "MINIMUM", "MAX", "MAXIMUM"):
            off = parse_number(value, "V", -limit, limit)
        else:
            off = parse_number(value, "V", default=0.0)
        self._check_output(self.shape, self.vpp, off)
        self.offset_v = off

    @scpi(":[SOURce:]VOLTage:OFFSet?")
    def voltage_offset_query(self, which: str = "") -> str:
        if which:
            limit = self._offset_limit()
            return format_number(parse_number(which, "V", -limit, limit))
        return format_number(self.offset_v)

    @scpi(":[SOURce:]VOLTage:UNIT")
    def voltage_unit(self, value: str) -> None:
        unit = parse_choice(value, ("VPP", "VRMS", "DBM", "DEFault"))
        unit = "VPP" if unit == "DEFault" else unit
        if unit == "DBM" and self.load_ohm != 50.0:
            raise ScpiError(-221, "dBm needs OUTPut:LOAD 50")
        self.unit = unit

    @scpi(":[SOURce:]VOLTage:UNIT?")
    def voltage_unit_query(self) -> str:
        return self.unit

    @scpi(":OUTPut:LOAD")
    def output_load(self, value: str) -> None:
        load = parse_load(value, 50.0, math.inf)
        if load != 50.0 and not math.isinf(load):
            raise ScpiError(-224, "the load is 50 or INFinity")
        if load != self.load_ohm:
            # The displayed levels follow the load; the actual output does not change.
            factor = self._emf_gain / emf_gain(load)
            self.vpp *= factor
            self.offset_v *= factor
            self.load_ohm = load
            if self.unit == "DBM" and load != 50.0:
                self.unit = "VPP"

    @scpi(":OUTPut:LOAD?")
    def output_load_query(self, which: str = "") -> str:
        if which:
            return format_load(50.0 if which.strip().upper().startswith("MIN") else math.inf)
        return format_load(self.load_ohm)

    @scpi(":OUTPut:SYNC")
    def output_sync(self, value: str) -> None:
        self.sync = parse_bool(value)

    @scpi(":OUTPut:SYNC?")
    def output_sync_query(self) -> str:
        return str(int(self.sync))

    # -- arbitrary waveforms --------------------------------------------------------------

    def _store_volatile(self, points: np.ndarray) -> None:
        if points.size > ARB_MAX_POINTS:
            raise ScpiError(-223, f"{points.size} points; at most {ARB_MAX_POINTS}")
        if points.size < ARB_MIN_POINTS:
            raise ScpiError(-222, f"{points.size} points; at least {ARB_MIN_POINTS}")
        self.volatile = points
        if self.shape == "USER" and self.user_name == "VOLATILE":
            self._restart()

    @scpi(":DATA[:DATA]")
    def data_volatile(self, target: str, *values: str) -> None:
        parse_choice(target, ("VOLATILE",))
        if len(values) > ARB_MAX_POINTS:
            raise ScpiError(-223, f"{len(values)} points; at most {ARB_MAX_POINTS}")
        pts = np.array([parse_number(v, minimum=-1.0, maximum=1.0) for v in values])
        self._store_volatile(np.round(pts * DAC_MAX) / DAC_MAX)

    @scpi(":DATA:DAC")
    def data_dac(self, target: str, *values: str) -> None:
        parse_choice(target, ("VOLATILE",))
        if len(values) == 1 and values[0].startswith("#"):
            raw = parse_block(values[0])
            if len(raw) % 2:
                raise ScpiError(-160, "block length must be even")
            if len(raw) // 2 > ARB_MAX_POINTS:
                raise ScpiError(-223, f"{len(raw) // 2} points; at most {ARB_MAX_POINTS}")
            dtype = ">i2" if self.border == "NORM" else "<i2"
            codes = np.frombuffer(raw, dtype=dtype).astype(float)
        else:
            if len(values) > ARB_MAX_POINTS:
                raise ScpiError(-223, f"{len(values)} points; at most {ARB_MAX_POINTS}")
            codes = np.array([parse_int(v, -DAC_MAX, DAC_MAX) for v in values], dtype=float)
        if codes.size and np.abs(codes).max() > DAC_MAX:
            raise ScpiError(-222, f"DAC values are −{DAC_MAX} … +{DAC_MAX}")
        self._store_volatile(codes / DAC_MAX)

    @scpi(":FORMat:BORDer")
    def format_border(self, value: str) -> None:
        self.border = parse_choice(value, ("NORMal", "SWAPped"))[:4].upper()

    @scpi(":FORMat:BORDer?")
    def format_border_query(self) -> str:
        return self.border

    @scpi(":DATA:COPY")
    def data_copy(self, name: str, source: str = "VOLATILE") -> None:
        parse_choice(source, ("VOLATILE",))
        name = name.strip().upper()
        if name == "VOLATILE":
            raise ScpiError(-224, "cannot copy to VOLATILE")
        if name in BUILTIN_ARBS:
            raise ScpiError(-224, f"cannot overwrite the built-in {name}")
        if not _NAME.match(name):
            raise ScpiError(-224, f"bad arb name {name!r}: letter then up to 7 of A-Z 0-9 _")
        if name not in self.user_arbs and len(self.user_arbs) >= NVOL_SLOTS:
            raise ScpiError(-221, "non-volatile memory full; use DATA:DELete")
        self.user_arbs[name] = self._arb("VOLATILE").copy()

    @scpi(":DATA:DELete")
    def data_delete(self, name: str) -> None:
        name = name.strip().upper()
        if name in BUILTIN_ARBS:
            raise ScpiError(-224, f"cannot delete the built-in {name}")
        if self.shape == "USER" and name == self.user_name:
            raise ScpiError(-221, f"{name} is the active waveform")
        if name == "VOLATILE":
            self.volatile = None
        elif self.user_arbs.pop(name, None) is None:
            raise ScpiError(-224, f"arb waveform {name!r} does not exist")

    @scpi(":DATA:DELete:ALL")
    def data_delete_all(self) -> None:
        if self.shape == "USER" and self.user_name not in BUILTIN_ARBS:
            raise ScpiError(-221, "the active waveform would be deleted")
        self.volatile = None
        self.user_arbs.clear()

    @scpi(":DATA:CATalog?")
    def data_catalog(self) -> str:
        names = (["VOLATILE"] if self.volatile is not None else []) + list(BUILTIN_ARBS)
        return ",".join(f'"{n}"' for n in names + list(self.user_arbs))

    @scpi(":DATA:NVOLatile:CATalog?")
    def data_nvol_catalog(self) -> str:
        return ",".join(f'"{n}"' for n in self.user_arbs) or '""'

    @scpi(":DATA:NVOLatile:FREE?")
    def data_nvol_free(self) -> str:
        return str(NVOL_SLOTS - len(self.user_arbs))

    @scpi(":DATA:ATTRibute:POINts?")
    def data_points(self, name: str = "") -> str:
        return str(self._arb(name.strip().upper() or None).size)

    @scpi(":DATA:ATTRibute:AVERage?")
    def data_average(self, name: str = "") -> str:
        return format_number(float(self._arb(name.strip().upper() or None).mean()))

    @scpi(":DATA:ATTRibute:PTPeak?")
    def data_ptpeak(self, name: str = "") -> str:
        a = self._arb(name.strip().upper() or None)
        return format_number(float(a.max() - a.min()))

    @scpi(":[SOURce:]FUNCtion:USER")
    def function_user(self, name: str) -> None:
        name = name.strip().upper()
        arb = self._arb(name)
        if self.shape == "USER" and self.freq_hz > arb_max_frequency(arb.size):
            raise ScpiError(-221, f"frequency {self.freq_hz:g} Hz too high for {arb.size} "
                                  "points")
        self.user_name = name
        self._restart()

    @scpi(":[SOURce:]FUNCtion:USER?")
    def function_user_query(self) -> str:
        return self.user_name

    # -- burst and trigger ----------------------------------------------------------------

    @scpi(":[SOURce:]BM:NCYCles")
    def bm_ncycles(self, value: str) -> None:
        if value.strip().upper() in ("INF", "INFINITY"):
            self.ncycles = None
        else:
            self.ncycles = parse_int(value, 1, NCYCLES_MAX)

    @scpi(":[SOURce:]BM:NCYCles?")
    def bm_ncycles_query(self, which: str = "") -> str:
        if which:
            return format_number(parse_number(which, minimum=1, maximum=NCYCLES_MAX))
        return format_number(9.9e37 if self.ncycles is None else self.ncycles)

    @scpi(":[SOURce:]BM:PHASe")
    def bm_phase(self, value: str) -> None:
        self.burst_phase_deg = parse_number(value, "DEG", -360.0, 360.0, default=0.0)

    @scpi(":[SOURce:]BM:PHASe?")
    def bm_phase_query(self, which: str = "") -> str:
        if which:
            return format_number(parse_number(which, "DEG", -360.0, 360.0))
        return format_number(self.burst_phase_deg)

    @scpi(":[SOURce:]BM:INTernal:RATE")
    def bm_rate(self, value: str) -> None:
        self.burst_rate_hz = parse_number(value, "HZ", *BURST_RATE_HZ, default=100.0)
        self._restart()

    @scpi(":[SOURce:]BM:INTernal:RATE?")
    def bm_rate_query(self, which: str = "") -> str:
        if which:
            return format_number(parse_number(which, "HZ", *BURST_RATE_HZ))
        return format_number(self.burst_rate_hz)

    @scpi(":[SOURce:]BM:SOURce")
    def bm_source(self, value: str) -> None:
        self.burst_source = parse_choice(value, ("INTernal", "EXTernal"))[:3].upper()

    @scpi(":[SOURce:]BM:SOURce?")
    def bm_source_query(self) -> str:
        return self.burst_source

    @scpi(":[SOURce:]BM:STATe")
    def bm_state(self, value: str) -> None:
        on = parse_bool(value)
        if on and self.shape in ("DC", "NOIS"):
            raise ScpiError(-221, f"burst is not available for {self.shape}")
        self.burst_on = on
        self._restart()

    @scpi(":[SOURce:]BM:STATe?")
    def bm_state_query(self) -> str:
        return str(int(self.burst_on))

    @scpi(":TRIGger[:SEQuence]:SOURce")
    def trigger_source_cmd(self, value: str) -> None:
        self.trigger_source = parse_choice(value, ("IMMediate", "EXTernal", "BUS"))[:3].upper()
        self._restart()

    @scpi(":TRIGger[:SEQuence]:SOURce?")
    def trigger_source_query(self) -> str:
        return self.trigger_source

    def common_trg(self) -> None:
        """*TRG / bus trigger: play one burst when bus-triggered burst mode is set."""
        if not (self.burst_on and self.burst_source == "INT" and self.trigger_source == "BUS"):
            raise ScpiError(-211, "not in bus-triggered burst mode")
        knot_t, knot_v, sync_t = self._burst_knots()
        log.debug("33120A burst of %.9g s", knot_t[-1])
        self.bench.awg_drive(knot_t, knot_v, sync_t)

    def trigger(self) -> None:
        """GPIB group execute trigger: as *TRG, errors go to the queue."""
        try:
            self.common_trg()
        except ScpiError as err:
            self.push_error(err.code, err.message)

    @scpi(":SYSTem:VERSion?")
    def system_version(self) -> str:
        return "1993.0"

    @scpi(":SYSTem:BEEPer")
    def system_beep(self) -> None:
        """No sound on a simulated bench."""

    @scpi(":DISPlay")
    def display(self, value: str) -> None:
        parse_bool(value)

    def format_error(self, code: int, message: str) -> str:
        """The 33120A answers the bare SCPI text, e.g. -113,"Undefined header"."""
        return f'{code:+d},"{message.split(";")[0]}"'

    # -- waveform synthesis ---------------------------------------------------------------

    def _cycle(self) -> tuple[np.ndarray, np.ndarray]:
        """One period of the programmed waveform as knots: times 0 … T, EMF in V; the value at
        0 equals the value at T so cycles tile."""
        period = 1.0 / self.freq_hz
        half = self.vpp / 2
        if self.shape == "SIN":
            x = np.linspace(0.0, 1.0, SINE_KNOTS + 1)
            t, a = x * period, np.sin(2 * np.pi * x)
        elif self.shape == "SQU":
            e = min(SQUARE_EDGE_S, period / 10)
            t = np.array([0.0, e / 2, period / 2 - e / 2, period / 2 + e / 2,
                          period - e / 2, period])
            a = np.array([0.0, 1.0, 1.0, -1.0, -1.0, 0.0])
        elif self.shape == "TRI":
            t = np.array([0.0, 0.25, 0.75, 1.0]) * period
            a = np.array([0.0, 1.0, -1.0, 0.0])
        elif self.shape == "RAMP":
            e = min(SQUARE_EDGE_S, period / 10)
            t = np.array([0.0, period / 2 - e / 2, period / 2 + e / 2, period])
            a = np.array([0.0, 1.0, -1.0, 0.0])
        elif self.shape == "USER":
            t, a = self._arb_cycle(period)
        else:  # DC, NOIS (noise is not rendered)
            t, a = np.array([0.0, period]), np.zeros(2)
        if self.shape == "DC":
            return t, np.full_like(t, self.offset_v * self._emf_gain)
        return t, (self.offset_v + half * a) * self._emf_gain

    def _arb_cycle(self, period: float) -> tuple[np.ndarray, np.ndarray]:
        pts = self._arb()
        dt = period / pts.size
        return hold_knots(pts, dt, min(ARB_EDGE_S, dt / 2))

    @property
    def _idle_level(self) -> float:
        """EMF between bursts: the offset level (the waveform's DAC-code-0 level)."""
        return self.offset_v * self._emf_gain

    def _burst_count(self) -> int:
        n = self.ncycles if self.ncycles is not None else 1
        return max(n, min_burst_count(self.freq_hz))

    def _burst_knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One triggered burst from now: knots and the sync edge, ending at the idle level."""
        period = 1.0 / self.freq_hz
        n = self._burst_count()
        start = (self.burst_phase_deg % 360.0) / 360.0 * period
        t, v, _ = periodic_knots(start, n * period, self._cycle(), period, force=True)
        edge = ARB_EDGE_S if self.shape == "USER" else SQUARE_EDGE_S
        t, v = framed(t, v, self._idle_level, edge)
        sync = np.array([0.0]) if self.sync else np.empty(0)
        return t, v, sync

    def idle_output(self, t_start_s: float, duration_s: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The output over an idle stretch (bench time t_start_s on, relative times)."""
        no_sync = np.empty(0)
        flat = (np.array([0.0, duration_s]), np.full(2, self._idle_level), no_sync)
        if self.shape in ("DC", "NOIS"):
            return flat
        period = 1.0 / self.freq_hz
        phase_t = max(0.0, t_start_s - self.t_ref)
        if not self.burst_on:
            t, v, sync = periodic_knots(phase_t, duration_s, self._cycle(), period)
        elif self.burst_source == "INT" and self.trigger_source == "IMM":
            bt, bv, _ = self._burst_knots()
            rate_period = max(1.0 / self.burst_rate_hz, bt[-1])
            ct = np.concatenate([bt, [rate_period]])
            cv = np.concatenate([bv, [self._idle_level]])
            t, v, sync = periodic_knots(phase_t, duration_s, (ct, cv), rate_period)
        else:  # triggered by BUS/EXT (or gated by an unwired gate): the idle level
            return flat
        return t, v, (sync if self.sync else no_sync)
