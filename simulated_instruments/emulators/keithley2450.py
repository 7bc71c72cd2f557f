"""Keithley 2450 SourceMeter emulator: the SCPI command set of the 2450 reference manual
(2450-901-01) for voltage and current sourcing with current, voltage or resistance readings,
the instrument's own linear and list voltage sweeps, reading buffers and binary transfer,
acting on the bench's SMU circuit.

Facts taken from the reference manual (and the manuals of its 2460/2461/2470 siblings, which
share the command set): current measure ranges 10 nA … 1 A, source ranges 20 mV … 200 V with
readings up to 105 % of range, current limit 1 nA … 1.05 A (default 105 µA), voltage limit
20 mV … 210 V (default 21 V), NPLC 0.01 … 10, source delay 0 … 10 ks, the overflow reading
9.9E37; :SOURce:LIST takes up to 100 values per command and 2500 in all; :FORMat[:DATA] REAL/
SREal answer as an indefinite-length block ``#0<data>`` ended by a newline, byte order after
:FORMat:BORDer (SWAPped = little-endian by default), and only READing, RELative and SOURce are
available as binary buffer elements (other elements give error 1133). Buffer status bits
(bufferVar.statuses / sourcestatuses): measure QUESTIONABLE 1, TERMINAL (front) 8; source
READBACK 8, OVER_TEMP 16, LIMIT 32, SENSE 64, OUTPUT 128.

Modelling choices (the constants below are the single place to correct them; the reading
model, limit detection and noise are those of ``smu_readings``, shared with the 2400):

- A sweep of N points is one ``bench.smu_drive`` call: a staircase with a point every
  delay + aperture (NPLC / line frequency).
- A fixed range that the current exceeds by more than 5 % reads 9.9E37 (QUESTIONABLE set).
  Auto range picks the smallest range holding the reading.
- :INITiate runs the configured sweep at once on the virtual clock (so *WAI/*OPC? return at
  once). The sweep switches the output on and, when done, leaves it on at the source level
  (the bias level). With failAbort ON the sweep stops after the first limited reading.
- Spot readings (:READ?, :MEASure?, :TRACe:TRIGger) take :COUNt readings (each after the
  source delay) into the buffer and answer the last; with the output off they read the open
  output at 0 V (the output-off state).
- Current sourcing goes through the circuit: the SMU loop regulates towards ±VLIM with |I| as
  its limit (``bench.circuit.current_source_setpoint``), so the device carries I, or sits at
  VLIM when it cannot take I (limited: VLIMit:TRIPped?, SOURSTATus LIMIT). A voltage reading
  is the device voltage. On open terminals (pulse set-up) the output reads its own level: the
  programmed voltage, or VLIM for a current source.
- Source readback OFF records the programmed level as the reading's source value, ON the
  measured one (device voltage, or measured current). RSENse ON sets the SENSE source status
  bit; the two-terminal bench has no lead resistance for it to remove. AZERo is kept per
  function and changes nothing (the emulated readings do not drift); :AZERo:ONCE takes one
  aperture. A REPeat averaging filter makes a reading last count apertures; both filter types
  lower the noise by √count (a MOVing stack is taken as full). DELay:USER<n> values are kept
  for trigger-model dynamic delays, which are not emulated. *LANG TSP|SCPI2400 is stored for
  the next power cycle; this emulator always speaks SCPI (*LANG? answers SCPI).

Not emulated, answered as an instrument without the feature (the command is refused and an
error queued; nothing is stored or answered): digital I/O (:DIGital), TSP-Link (:TSPLink),
scripts and TSP, configuration lists (:SOURce/:SENSe:CONFiguration:LIST), trigger-model blocks
and timers (:TRIGger:BLOCk, :TRIGger:TIMer), math, limits and relative offset (:CALCulate,
:SENSe:<function>:REL), the display (:DISPlay), files (:MMEMory, :TRACe:SAVE), communication
settings (:SYSTem:COMMunication) and current sweeps (:SOURce:SWEep:CURRent): -113 Undefined
header; trigger-model templates other than "Empty" (:TRIGger:LOAD): -221 Settings conflict;
sweeps and lists with the current source selected: -221. The 2400 commands PyMeasure's
buffer helpers send (:TRACe:FEED, :STATus:MEASurement, a :TRACe:DATA? without indexes) exist
only under *LANG SCPI2400 and answer -113 / -109 here, as on the 2450 in SCPI mode.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from labmem.simulated_instruments.bench.circuit import current_source_setpoint
from labmem.simulated_instruments.emulators.byte_order import ByteOrder
from labmem.simulated_instruments.emulators.smu_readings import (
    OVER_RANGE,
    current_readings,
    drive_current,
    drive_staircase,
    range_for,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_number,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
    parse_numbers,
    parse_string,
)

log = logging.getLogger(__name__)

CURRENT_RANGES_A = (10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0)
VOLTAGE_RANGES_V = (20e-3, 200e-3, 2.0, 20.0, 200.0)
OVERFLOW = 9.9e37
ILIMIT_A = (1e-9, 1.05)
VLIMIT_V = (20e-3, 210.0)
VOLTAGE_MAX_V = 210.0
CURRENT_MAX_A = 1.05
NPLC_LIMITS = (0.01, 10.0)
DELAY_MAX_S = 10e3
AUTO_DELAY_S = 1e-3
"""Source delay when :SOURce:VOLTage:DELay:AUTO is ON (spot readings and AUTO sweeps)."""
LIST_CHUNK = 100
LIST_MAX = 2500
BUFFER_DEFAULT_POINTS = 100_000
BUFFER_MAX_POINTS = 4_000_000
EPOCH_S = 1_700_000_000.0
"""UTC seconds of virtual time zero (for SEConds/TSTamp)."""

STAT_QUESTIONABLE, STAT_TERMINAL = 1, 8
SRC_READBACK, SRC_LIMIT, SRC_SENSE, SRC_OUTPUT = 8, 32, 64, 128
COUNT_MAX = 300_000
"""[:SENSe[1]]:COUNt: readings per measure request, 1 to 300 000."""
FILTER_COUNT = (1, 100)
USER_DELAYS = 5
"""User delays per function (DELay:USER1 … USER5), recalled by dynamic delay blocks."""
LANGUAGES = ("SCPI", "SCPI2400", "TSP")

ELEMENTS = ("DATE", "FORMatted", "FRACtional", "READing", "RELative", "SEConds", "SOURce",
            "SOURFORMatted", "SOURSTATus", "SOURUNIT", "STATus", "TIME", "TSTamp", "UNIT")
BINARY_ELEMENTS = ("READing", "RELative", "SOURce")
SENSE_FUNCTIONS = ("CURRent[:DC]", "VOLTage[:DC]", "RESistance")
SENSE_KEY = {"CURRent[:DC]": "CURR", "VOLTage[:DC]": "VOLT", "RESistance": "RES"}
SENSE_REPLY = {"CURR": '"CURR:DC"', "VOLT": '"VOLT:DC"', "RES": '"RES"'}
UNIT = {"CURR": "Amp DC", "VOLT": "Volt DC", "RES": "Ohm"}
SOURCE_UNIT = {"VOLT": ("Volt DC", "V"), "CURR": ("Amp DC", "A")}
RESISTANCE_RANGES_OHM = (20.0, 200.0, 2e3, 20e3, 200e3, 2e6, 20e6, 200e6)


def _show_bool(on: bool) -> str:
    return "1" if on else "0"


def _whole(value: str, minimum: int, maximum: int, default: int) -> int:
    """A count with MIN/MAX/DEF: a whole number within range."""
    number = parse_number(value, "", minimum, maximum, default=default)
    if number != int(number):
        raise ScpiError(-224, f"{value!r} is not a whole number")
    return int(number)


def _filter_count(value: str) -> int:
    return _whole(value, *FILTER_COUNT, default=10)


def _filter_repeat(value: str) -> bool:
    return parse_choice(value, ("REPeat", "MOVing")) == "REPeat"


def _show_filter(repeat: bool) -> str:
    return "REP" if repeat else "MOV"


def _per_function(pattern: str, table: str, key: str, parse: Callable[[str], Any],
                  show: Callable[[Any], str]) -> tuple[Callable, Callable]:
    """Set and query handlers for a setting the instrument keeps per function, held in the
    emulator's dict attribute `table` under `key` (e.g. autozero of the current function)."""

    @scpi(pattern)
    def setter(self: Keithley2450Emulator, value: str) -> None:
        getattr(self, table)[key] = parse(value)

    @scpi(pattern + "?")
    def getter(self: Keithley2450Emulator) -> str:
        return show(getattr(self, table)[key])

    return setter, getter


def _user_delay(pattern: str, table: str, key: str) -> tuple[Callable, Callable]:
    """Set and query handlers of DELay:USER<n> (n = 1 … 5) for one function."""

    def index(n: int) -> int:
        if not 1 <= n <= USER_DELAYS:
            raise ScpiError(-114, f"user delay {n} (1 to {USER_DELAYS})")
        return n - 1

    @scpi(pattern)
    def setter(self: Keithley2450Emulator, n: int, value: str) -> None:
        getattr(self, table)[key][index(n)] = parse_number(value, "S", 0.0, DELAY_MAX_S,
                                                            default=0.0)

    @scpi(pattern + "?")
    def getter(self: Keithley2450Emulator, n: int) -> str:
        return format_number(getattr(self, table)[key][index(n)])

    return setter, getter


@dataclass
class _Buffer:
    """One reading buffer: parallel columns of the readings it holds."""

    capacity: int = BUFFER_DEFAULT_POINTS
    reading: list[float] = field(default_factory=list)
    source: list[float] = field(default_factory=list)
    t_abs: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    source_status: list[int] = field(default_factory=list)
    unit: str = UNIT["CURR"]
    source_unit: str = "VOLT"

    def clear(self) -> None:
        for col in (self.reading, self.source, self.t_abs, self.status, self.source_status):
            col.clear()

    def __len__(self) -> int:
        return len(self.reading)

    def add(self, reading: np.ndarray, source: np.ndarray, t_abs: np.ndarray,
            status: np.ndarray, source_status: np.ndarray, unit: str,
            source_unit: str = "VOLT") -> None:
        self.reading += np.asarray(reading, dtype=float).tolist()
        self.source += np.asarray(source, dtype=float).tolist()
        self.t_abs += np.asarray(t_abs, dtype=float).tolist()
        self.status += np.asarray(status).astype(np.int64).tolist()
        self.source_status += np.asarray(source_status).astype(np.int64).tolist()
        self.unit = unit
        self.source_unit = source_unit
        extra = len(self.reading) - self.capacity
        if extra > 0:  # continuous fill: the oldest readings make room
            for col in (self.reading, self.source, self.t_abs, self.status,
                        self.source_status):
                del col[:extra]


@dataclass
class _Sweep:
    """The sweep the trigger model will run on :INITiate."""

    levels: np.ndarray
    delay_s: float | None  # None = auto delay
    count: int
    fail_abort: bool
    buffer: str


@dataclass
class _Readings:
    """Readings of one acquisition (arrays of equal length)."""

    reading: np.ndarray
    source: np.ndarray
    t_abs: np.ndarray
    status: np.ndarray
    source_status: np.ndarray
    limited: np.ndarray


class Keithley2450Emulator(ByteOrder, ScpiInstrument):
    """Emulated Keithley 2450 SourceMeter on a simulated bench."""

    idn = "KEITHLEY INSTRUMENTS,MODEL 2450,04412345,1.7.12b"

    def __init__(self, bench, line_frequency_hz: float = 50.0) -> None:
        super().__init__()
        self.bench = bench
        self.line_frequency_hz = line_frequency_hz
        self.buffers: dict[str, _Buffer] = {}
        self.output_on = False
        self.language_next = "SCPI"
        """Command set after the next power cycle (*LANG); this emulator speaks SCPI."""
        self.reset()

    # -- state ----------------------------------------------------------------------------

    def reset(self) -> None:
        """*RST values of the reference manual."""
        self.output_on = False
        self.source_function = "VOLT"
        self.level_v = 0.0
        self.level_a = 0.0
        self.v_range = 2.0
        self.v_range_auto = True
        self.i_source_range = 1e-4
        self.i_source_range_auto = True
        self.ilimit_a = 1.05e-4
        self.vlimit_v = 21.0
        self.delay_v_s = 0.0
        self.delay_v_auto = True
        self.delay_i_s = 0.0
        self.delay_i_auto = True
        self.readback = {"VOLT": True, "CURR": True}
        self.source_user_delay = {f: [0.0] * USER_DELAYS for f in ("VOLT", "CURR")}
        self.sense_user_delay = {f: [0.0] * USER_DELAYS for f in ("CURR", "VOLT", "RES")}
        self.count = 1
        self.azero = {"CURR": True, "VOLT": True, "RES": True}
        self.filter_on = {"CURR": False, "VOLT": False, "RES": False}
        self.filter_count = {"CURR": 10, "VOLT": 10, "RES": 10}
        self.filter_repeat = {"CURR": True, "VOLT": True, "RES": True}
        """Averaging filter type: REPeat (each reading averages count new conversions) or
        MOVing (False: the mean of the last count conversions, the stack taken as full)."""
        self.sense_function = "CURR"
        self.i_range = 1e-4
        self.i_range_auto = True
        self.v_meas_range = 0.02
        self.v_meas_range_auto = True
        self.r_range = 2e5
        self.r_range_auto = True
        self.nplc = {"CURR": 1.0, "VOLT": 1.0, "RES": 1.0}
        self.four_wire = {"CURR": False, "VOLT": False, "RES": False}
        self.terminals = "FRON"
        self.data_format = "ASC"
        self.swapped = True
        self.ascii_precision = 0  # 0 = AUTO
        self.list_v: list[float] = []
        self.sweep: _Sweep | None = None
        self.tripped = False
        self.smode = {"VOLT": "NORM", "CURR": "NORM"}
        self.buffers = {"DEFBUFFER1": _Buffer(), "DEFBUFFER2": _Buffer()}
        self._last_reading: _Readings | None = None

    def idle_output(self) -> tuple[float, float] | None:
        """What the output holds while nothing is measured: (V, limit A) of the SMU loop (a
        current source as its voltage-loop equivalent), or None when off."""
        if not self.output_on:
            return None
        if self.source_function == "CURR":
            return current_source_setpoint(self.level_a, self.vlimit_v)
        return self.level_v, self.ilimit_a

    @property
    def aperture_s(self) -> float:
        """Time of one reading in s: the aperture, times the filter count for a repeating
        average (each reading then averages that many new conversions)."""
        func = self.sense_function
        repeat = self.filter_on[func] and self.filter_repeat[func]
        repeats = self.filter_count[func] if repeat else 1
        return repeats * self.nplc[func] / self.line_frequency_hz

    def _source_delay_s(self) -> float:
        if self.source_function == "CURR":
            return AUTO_DELAY_S if self.delay_i_auto else self.delay_i_s
        return AUTO_DELAY_S if self.delay_v_auto else self.delay_v_s

    def _buffer(self, name: str | None) -> tuple[str, _Buffer]:
        key = "DEFBUFFER1" if name is None else parse_string(name).upper()
        if key not in self.buffers:
            raise ScpiError(-224, f"no reading buffer named {name}")
        return key, self.buffers[key]

    # -- acquisition ----------------------------------------------------------------------

    def _acquire(self, levels: np.ndarray, delay_s: float) -> _Readings:
        """Source each voltage in turn: step, delay, measure over the aperture. One bench call."""
        if self.source_function != "VOLT":
            raise ScpiError(-221, "sweeps source voltage: set :SOURce:FUNCtion VOLTage")
        levels = np.asarray(levels, dtype=float)
        v_prev = self.level_v if self.output_on else 0.0
        self.output_on = True
        st = drive_staircase(self.bench, levels, v_prev, delay_s, self.aperture_s,
                             self.ilimit_a)
        return self._readings(st.i, st.v, levels, st.t_abs, st.limited)

    def _acquire_current(self, level_a: float, n: int, delay_s: float) -> _Readings:
        """Source a current (bounded by the voltage limit) through the circuit and take n
        readings, each after the source delay. One bench call."""
        self.output_on = True
        st = drive_current(self.bench, level_a, n, delay_s, self.aperture_s, self.vlimit_v)
        return self._readings(st.i, st.v, np.full(n, level_a), st.t_abs, st.limited)

    def _open_output_reading(self, n: int) -> _Readings:
        """n spot readings with the output off: 0 V on open terminals."""
        t0 = self.bench.now
        self.bench.advance(n * self.aperture_s)
        zero = np.zeros(n)
        return self._readings(zero, zero, zero, t0 + np.arange(n) * self.aperture_s,
                              np.zeros(n, dtype=bool), output=False)

    def _readings(self, i: np.ndarray, v: np.ndarray, programmed: np.ndarray,
                  t_abs: np.ndarray, limited: np.ndarray, output: bool = True) -> _Readings:
        """Turn device current and voltage into readings of the sense function."""
        func = self.sense_function
        filtered = self.filter_count[func] if self.filter_on[func] else 1
        i_meas, i_range = current_readings(self.bench.instrument_rng, i, CURRENT_RANGES_A,
                                           self.nplc[func] * filtered,
                                           None if self.i_range_auto else float(self.i_range))
        status = np.full(i.size, STAT_TERMINAL if self.terminals == "FRON" else 0)
        over = np.abs(i_meas) > i_range * OVER_RANGE
        if self.sense_function == "CURR":
            reading = np.where(over, OVERFLOW, i_meas)
        elif self.sense_function == "VOLT":
            reading = v.copy()
            over = np.zeros(i.size, dtype=bool)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                reading = np.where(np.abs(i_meas) > 0, v / i_meas, OVERFLOW)
            over = np.abs(reading) >= OVERFLOW
        status = status | np.where(over, STAT_QUESTIONABLE, 0)
        readback = self.readback[self.source_function]
        measured_source = v if self.source_function == "VOLT" else i_meas
        source = measured_source if readback else programmed
        flags = ((SRC_OUTPUT if output else 0) | (SRC_READBACK if readback else 0)
                 | (SRC_SENSE if self.four_wire[self.sense_function] else 0))
        src_status = np.where(limited, flags | SRC_LIMIT, flags).astype(int)
        if self.i_range_auto and i_range.size:
            self.i_range = float(i_range[-1])
        self.tripped = bool(limited[-1]) if limited.size else False
        return _Readings(reading, source, t_abs, status, src_status, limited)

    def _spot(self, buffer_name: str | None) -> _Readings:
        """:COUNt readings now, stored in a buffer (READ?, MEASure?, TRACe:TRIGger)."""
        _key, buf = self._buffer(buffer_name)
        if not self.output_on:
            r = self._open_output_reading(self.count)
        elif self.source_function == "CURR":
            r = self._acquire_current(self.level_a, self.count, self._source_delay_s())
        else:
            r = self._acquire(np.full(self.count, self.level_v), self._source_delay_s())
        self._store(buf, r)
        return r

    def _store(self, buf: _Buffer, r: _Readings) -> None:
        buf.add(r.reading, r.source, r.t_abs, r.status, r.source_status,
                UNIT[self.sense_function], self.source_function)
        self._last_reading = r

    def _run_sweep(self) -> None:
        sweep = self.sweep
        assert sweep is not None
        _key, buf = self._buffer(f'"{sweep.buffer}"')
        delay = AUTO_DELAY_S if sweep.delay_s is None else sweep.delay_s
        for _ in range(sweep.count):
            if sweep.fail_abort:
                for level in sweep.levels:
                    r = self._acquire(np.array([level]), delay)
                    self._store(buf, r)
                    if r.limited[0]:
                        log.info("sweep aborted: source limit reached at %g V", level)
                        return
            else:
                self._store(buf, self._acquire(sweep.levels, delay))

    # -- output -------------------------------------------------------------------------

    @scpi(":OUTPut[1][:STATe]")
    def output_state(self, on: str) -> None:
        self.output_on = parse_bool(on)

    @scpi(":OUTPut[1][:STATe]?")
    def output_state_query(self) -> str:
        return "1" if self.output_on else "0"

    @scpi(":OUTPut[1]:VOLTage:SMODe")
    def output_vsmode(self, mode: str) -> None:
        self.smode["VOLT"] = _short(parse_choice(mode, ("HIMPedance", "NORMal", "ZERO",
                                                        "GUARd")))

    @scpi(":OUTPut[1]:VOLTage:SMODe?")
    def output_vsmode_query(self) -> str:
        return self.smode["VOLT"]

    @scpi(":OUTPut[1]:CURRent:SMODe")
    def output_ismode(self, mode: str) -> None:
        self.smode["CURR"] = _short(parse_choice(mode, ("HIMPedance", "NORMal", "ZERO",
                                                        "GUARd")))

    @scpi(":OUTPut[1]:CURRent:SMODe?")
    def output_ismode_query(self) -> str:
        return self.smode["CURR"]

    # -- source ---------------------------------------------------------------------------

    @scpi(":SOURce[1]:FUNCtion[:MODE]")
    def source_function_set(self, name: str) -> None:
        choice = _short(parse_choice(name, ("VOLTage", "CURRent")))
        if choice != self.source_function:
            self.output_on = False  # changing the source function switches the output off
        self.source_function = choice

    @scpi(":SOURce[1]:FUNCtion[:MODE]?")
    def source_function_query(self) -> str:
        return self.source_function

    @scpi(":SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def source_voltage(self, value: str) -> None:
        top = VOLTAGE_MAX_V if self.v_range_auto else self.v_range * OVER_RANGE
        level = parse_number(value, "V", -top, top, default=0.0)
        if self.v_range_auto:
            self.v_range = range_for(level, VOLTAGE_RANGES_V)
        self.level_v = level

    @scpi(":SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def source_voltage_query(self) -> str:
        return format_number(self.level_v)

    @scpi(":SOURce[1]:VOLTage:RANGe")
    def source_voltage_range(self, value: str) -> None:
        rng = range_for(parse_number(value, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V, 200.0),
                         VOLTAGE_RANGES_V)
        if abs(self.level_v) > rng * OVER_RANGE:
            raise ScpiError(-221, f"source level {self.level_v:g} V exceeds the {rng:g} V range")
        self.v_range, self.v_range_auto = rng, False

    @scpi(":SOURce[1]:VOLTage:RANGe?")
    def source_voltage_range_query(self) -> str:
        return format_number(self.v_range)

    @scpi(":SOURce[1]:VOLTage:RANGe:AUTO")
    def source_voltage_range_auto(self, on: str) -> None:
        self.v_range_auto = parse_bool(on)
        if self.v_range_auto:
            self.v_range = range_for(self.level_v, VOLTAGE_RANGES_V)

    @scpi(":SOURce[1]:VOLTage:RANGe:AUTO?")
    def source_voltage_range_auto_query(self) -> str:
        return "1" if self.v_range_auto else "0"

    @scpi(":SOURce[1]:VOLTage:ILIMit[:LEVel]")
    def source_ilimit(self, value: str) -> None:
        self.ilimit_a = parse_number(value, "A", *ILIMIT_A, default=1.05e-4)

    @scpi(":SOURce[1]:VOLTage:ILIMit[:LEVel]?")
    def source_ilimit_query(self) -> str:
        return format_number(self.ilimit_a)

    @scpi(":SOURce[1]:VOLTage:ILIMit[:LEVel]:TRIPped?")
    def source_ilimit_tripped(self) -> str:
        return self._tripped("VOLT")

    def _tripped(self, function: str) -> str:
        """Whether the last reading found the source of this function at its limit."""
        return _show_bool(self.tripped and self.output_on and self.source_function == function)

    @scpi(":SOURce[1]:VOLTage:DELay")
    def source_voltage_delay(self, value: str) -> None:
        self.delay_v_s = parse_number(value, "S", 0.0, DELAY_MAX_S, default=0.0)
        self.delay_v_auto = False

    @scpi(":SOURce[1]:VOLTage:DELay?")
    def source_voltage_delay_query(self) -> str:
        return format_number(self._source_delay_s())

    @scpi(":SOURce[1]:VOLTage:DELay:AUTO")
    def source_voltage_delay_auto(self, on: str) -> None:
        self.delay_v_auto = parse_bool(on)

    @scpi(":SOURce[1]:VOLTage:DELay:AUTO?")
    def source_voltage_delay_auto_query(self) -> str:
        return "1" if self.delay_v_auto else "0"

    source_voltage_readback, source_voltage_readback_query = _per_function(
        ":SOURce[1]:VOLTage:READ:BACK", "readback", "VOLT", parse_bool, _show_bool)
    source_voltage_user_delay, source_voltage_user_delay_query = _user_delay(
        ":SOURce[1]:VOLTage:DELay:USER<n>", "source_user_delay", "VOLT")

    # current source: sourced through the circuit, bounded by the voltage limit

    @scpi(":SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]")
    def source_current(self, value: str) -> None:
        top = CURRENT_MAX_A if self.i_source_range_auto else self.i_source_range * OVER_RANGE
        level = parse_number(value, "A", -top, top, default=0.0)
        if self.i_source_range_auto:
            self.i_source_range = range_for(level, CURRENT_RANGES_A)
        self.level_a = level

    @scpi(":SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]?")
    def source_current_query(self) -> str:
        return format_number(self.level_a)

    @scpi(":SOURce[1]:CURRent:RANGe")
    def source_current_range(self, value: str) -> None:
        rng = range_for(parse_number(value, "A", -CURRENT_MAX_A, CURRENT_MAX_A, 1.0),
                        CURRENT_RANGES_A)
        if abs(self.level_a) > rng * OVER_RANGE:
            raise ScpiError(-221, f"source level {self.level_a:g} A exceeds the {rng:g} A range")
        self.i_source_range, self.i_source_range_auto = rng, False

    @scpi(":SOURce[1]:CURRent:RANGe?")
    def source_current_range_query(self) -> str:
        return format_number(self.i_source_range)

    @scpi(":SOURce[1]:CURRent:RANGe:AUTO")
    def source_current_range_auto(self, on: str) -> None:
        self.i_source_range_auto = parse_bool(on)
        if self.i_source_range_auto:
            self.i_source_range = range_for(self.level_a, CURRENT_RANGES_A)

    @scpi(":SOURce[1]:CURRent:RANGe:AUTO?")
    def source_current_range_auto_query(self) -> str:
        return "1" if self.i_source_range_auto else "0"

    @scpi(":SOURce[1]:CURRent:VLIMit[:LEVel]")
    def source_vlimit(self, value: str) -> None:
        self.vlimit_v = parse_number(value, "V", *VLIMIT_V, default=21.0)

    @scpi(":SOURce[1]:CURRent:VLIMit[:LEVel]?")
    def source_vlimit_query(self) -> str:
        return format_number(self.vlimit_v)

    @scpi(":SOURce[1]:CURRent:VLIMit[:LEVel]:TRIPped?")
    def source_vlimit_tripped(self) -> str:
        return self._tripped("CURR")

    source_current_readback, source_current_readback_query = _per_function(
        ":SOURce[1]:CURRent:READ:BACK", "readback", "CURR", parse_bool, _show_bool)
    source_current_user_delay, source_current_user_delay_query = _user_delay(
        ":SOURce[1]:CURRent:DELay:USER<n>", "source_user_delay", "CURR")

    @scpi(":SOURce[1]:CURRent:DELay")
    def source_current_delay(self, value: str) -> None:
        self.delay_i_s = parse_number(value, "S", 0.0, DELAY_MAX_S, default=0.0)
        self.delay_i_auto = False

    @scpi(":SOURce[1]:CURRent:DELay?")
    def source_current_delay_query(self) -> str:
        return format_number(AUTO_DELAY_S if self.delay_i_auto else self.delay_i_s)

    @scpi(":SOURce[1]:CURRent:DELay:AUTO")
    def source_current_delay_auto(self, on: str) -> None:
        self.delay_i_auto = parse_bool(on)

    @scpi(":SOURce[1]:CURRent:DELay:AUTO?")
    def source_current_delay_auto_query(self) -> str:
        return "1" if self.delay_i_auto else "0"

    # -- source lists and sweeps -----------------------------------------------------------

    def _list_values(self, values: tuple[str, ...]) -> list[float]:
        if not values:
            raise ScpiError(-109, "a list needs at least one value")
        if len(values) > LIST_CHUNK:
            raise ScpiError(-223, f"at most {LIST_CHUNK} values per command")
        return parse_numbers(values, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V)

    @scpi(":SOURce[1]:LIST:VOLTage")
    def source_list(self, *values: str) -> None:
        self.list_v = self._list_values(values)

    @scpi(":SOURce[1]:LIST:VOLTage:APPend")
    def source_list_append(self, *values: str) -> None:
        new = self._list_values(values)
        if len(self.list_v) + len(new) > LIST_MAX:
            raise ScpiError(-223, f"a source list holds at most {LIST_MAX} values")
        self.list_v += new

    @scpi(":SOURce[1]:LIST:VOLTage?")
    def source_list_query(self) -> str:
        return ",".join(format_number(v) for v in self.list_v)

    @scpi(":SOURce[1]:LIST:VOLTage:POINts?")
    def source_list_points(self) -> str:
        return str(len(self.list_v))

    def _sweep_delay(self, value: str) -> float | None:
        if value.strip() == "-1":
            return None
        return parse_number(value, "S", 0.0, DELAY_MAX_S)

    def _sweep_buffer(self, name: str) -> str:
        key, _buf = self._buffer(name)
        return key

    @scpi(":SOURce[1]:SWEep:VOLTage:LINear")
    def sweep_linear(self, start: str, stop: str, points: str, delay: str = "-1",
                     count: str = "1", range_type: str = "BEST", fail_abort: str = "ON",
                     dual: str = "OFF", buffer: str = '"defbuffer1"') -> None:
        v0 = parse_number(start, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V)
        v1 = parse_number(stop, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V)
        n = parse_int(points, 2, 1_000_000)
        levels = np.linspace(v0, v1, n)
        if parse_bool(dual):
            levels = np.concatenate([levels, levels[::-1]])
        parse_choice(range_type, ("AUTO", "BEST", "FIXed"))
        self.sweep = _Sweep(levels, self._sweep_delay(delay), parse_int(count, 1, 268_435_455),
                            parse_bool(fail_abort), self._sweep_buffer(buffer))

    @scpi(":SOURce[1]:SWEep:VOLTage:LIST")
    def sweep_list(self, start_index: str, delay: str = "-1", count: str = "1",
                   fail_abort: str = "ON", buffer: str = '"defbuffer1"') -> None:
        if not self.list_v:
            raise ScpiError(-221, "the source list is empty")
        first = parse_int(start_index, 1, len(self.list_v))
        self.sweep = _Sweep(np.array(self.list_v[first - 1:]), self._sweep_delay(delay),
                            parse_int(count, 1, 268_435_455), parse_bool(fail_abort),
                            self._sweep_buffer(buffer))

    @scpi(":INITiate[:IMMediate]")
    def initiate(self) -> None:
        if self.sweep is None:
            raise ScpiError(-221, "no trigger model is configured")
        self._run_sweep()

    @scpi(":ABORt")
    def abort(self) -> None:
        """Sweeps complete at :INITiate on the virtual clock: nothing is left to stop."""

    @scpi(":TRIGger:STATe?")
    def trigger_state(self) -> str:
        return "IDLE;IDLE;0"

    @scpi(":TRIGger:LOAD")
    def trigger_load(self, name: str, *params: str) -> None:
        if parse_string(name).lower() == "empty":
            self.sweep = None
            return
        raise ScpiError(-221, f"trigger model template {name} is not emulated")

    # -- sense ----------------------------------------------------------------------------

    @scpi("[:SENSe[1]]:FUNCtion[:ON]")
    def sense_function_set(self, name: str) -> None:
        self.sense_function = SENSE_KEY[parse_choice(name, SENSE_FUNCTIONS)]

    @scpi("[:SENSe[1]]:FUNCtion[:ON]?")
    def sense_function_query(self) -> str:
        return SENSE_REPLY[self.sense_function]

    @scpi("[:SENSe[1]]:CURRent[:DC]:RANGe[:UPPer]")
    def sense_current_range(self, value: str) -> None:
        rng = parse_number(value, "A", -CURRENT_MAX_A, CURRENT_MAX_A, default=1e-4)
        self.i_range, self.i_range_auto = range_for(rng, CURRENT_RANGES_A), False

    @scpi("[:SENSe[1]]:CURRent[:DC]:RANGe[:UPPer]?")
    def sense_current_range_query(self) -> str:
        return format_number(self.i_range)

    @scpi("[:SENSe[1]]:CURRent[:DC]:RANGe:AUTO")
    def sense_current_range_auto(self, on: str) -> None:
        self.i_range_auto = parse_bool(on)

    @scpi("[:SENSe[1]]:CURRent[:DC]:RANGe:AUTO?")
    def sense_current_range_auto_query(self) -> str:
        return "1" if self.i_range_auto else "0"

    @scpi("[:SENSe[1]]:VOLTage[:DC]:RANGe[:UPPer]")
    def sense_voltage_range(self, value: str) -> None:
        rng = parse_number(value, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V, default=0.02)
        self.v_meas_range, self.v_meas_range_auto = range_for(rng, VOLTAGE_RANGES_V), False

    @scpi("[:SENSe[1]]:VOLTage[:DC]:RANGe[:UPPer]?")
    def sense_voltage_range_query(self) -> str:
        return format_number(self.v_meas_range)

    @scpi("[:SENSe[1]]:VOLTage[:DC]:RANGe:AUTO")
    def sense_voltage_range_auto(self, on: str) -> None:
        self.v_meas_range_auto = parse_bool(on)

    @scpi("[:SENSe[1]]:RESistance:RANGe[:UPPer]")
    def sense_resistance_range(self, value: str) -> None:
        rng = parse_number(value, "OHM", 0.0, 210e6, default=2e5)
        self.r_range, self.r_range_auto = range_for(rng, RESISTANCE_RANGES_OHM), False

    @scpi("[:SENSe[1]]:RESistance:RANGe[:UPPer]?")
    def sense_resistance_range_query(self) -> str:
        return format_number(self.r_range)

    @scpi("[:SENSe[1]]:RESistance:RANGe:AUTO")
    def sense_resistance_range_auto(self, on: str) -> None:
        self.r_range_auto = parse_bool(on)

    def _set_nplc(self, func: str, value: str) -> None:
        self.nplc[func] = parse_number(value, "", *NPLC_LIMITS, default=1.0)

    @scpi("[:SENSe[1]]:CURRent[:DC]:NPLCycles")
    def sense_current_nplc(self, value: str) -> None:
        self._set_nplc("CURR", value)

    @scpi("[:SENSe[1]]:CURRent[:DC]:NPLCycles?")
    def sense_current_nplc_query(self) -> str:
        return format_number(self.nplc["CURR"])

    @scpi("[:SENSe[1]]:VOLTage[:DC]:NPLCycles")
    def sense_voltage_nplc(self, value: str) -> None:
        self._set_nplc("VOLT", value)

    @scpi("[:SENSe[1]]:VOLTage[:DC]:NPLCycles?")
    def sense_voltage_nplc_query(self) -> str:
        return format_number(self.nplc["VOLT"])

    @scpi("[:SENSe[1]]:RESistance:NPLCycles")
    def sense_resistance_nplc(self, value: str) -> None:
        self._set_nplc("RES", value)

    @scpi("[:SENSe[1]]:RESistance:NPLCycles?")
    def sense_resistance_nplc_query(self) -> str:
        return format_number(self.nplc["RES"])

    @scpi("[:SENSe[1]]:VOLTage[:DC]:RANGe:AUTO?")
    def sense_voltage_range_auto_query(self) -> str:
        return _show_bool(self.v_meas_range_auto)

    @scpi("[:SENSe[1]]:RESistance:RANGe:AUTO?")
    def sense_resistance_range_auto_query(self) -> str:
        return _show_bool(self.r_range_auto)

    @scpi("[:SENSe[1]]:COUNt")
    def sense_count(self, value: str) -> None:
        self.count = _whole(value, 1, COUNT_MAX, default=1)

    @scpi("[:SENSe[1]]:COUNt?")
    def sense_count_query(self) -> str:
        return str(self.count)

    @scpi("[:SENSe[1]]:AZERo:ONCE")
    def sense_azero_once(self) -> None:
        """Refresh the reference and zero readings now: one aperture of the present function."""
        self.bench.advance(self.nplc[self.sense_function] / self.line_frequency_hz)

    sense_current_rsense, sense_current_rsense_query = _per_function(
        "[:SENSe[1]]:CURRent[:DC]:RSENse", "four_wire", "CURR", parse_bool, _show_bool)
    sense_voltage_rsense, sense_voltage_rsense_query = _per_function(
        "[:SENSe[1]]:VOLTage[:DC]:RSENse", "four_wire", "VOLT", parse_bool, _show_bool)
    sense_resistance_rsense, sense_resistance_rsense_query = _per_function(
        "[:SENSe[1]]:RESistance:RSENse", "four_wire", "RES", parse_bool, _show_bool)
    sense_current_azero, sense_current_azero_query = _per_function(
        "[:SENSe[1]]:CURRent[:DC]:AZERo[:STATe]", "azero", "CURR", parse_bool, _show_bool)
    sense_voltage_azero, sense_voltage_azero_query = _per_function(
        "[:SENSe[1]]:VOLTage[:DC]:AZERo[:STATe]", "azero", "VOLT", parse_bool, _show_bool)
    sense_resistance_azero, sense_resistance_azero_query = _per_function(
        "[:SENSe[1]]:RESistance:AZERo[:STATe]", "azero", "RES", parse_bool, _show_bool)
    sense_current_user_delay, sense_current_user_delay_query = _user_delay(
        "[:SENSe[1]]:CURRent[:DC]:DELay:USER<n>", "sense_user_delay", "CURR")
    sense_voltage_user_delay, sense_voltage_user_delay_query = _user_delay(
        "[:SENSe[1]]:VOLTage[:DC]:DELay:USER<n>", "sense_user_delay", "VOLT")
    sense_resistance_user_delay, sense_resistance_user_delay_query = _user_delay(
        "[:SENSe[1]]:RESistance:DELay:USER<n>", "sense_user_delay", "RES")
    sense_current_filter, sense_current_filter_query = _per_function(
        "[:SENSe[1]]:CURRent[:DC]:AVERage[:STATe]", "filter_on", "CURR", parse_bool, _show_bool)
    sense_voltage_filter, sense_voltage_filter_query = _per_function(
        "[:SENSe[1]]:VOLTage[:DC]:AVERage[:STATe]", "filter_on", "VOLT", parse_bool, _show_bool)
    sense_resistance_filter, sense_resistance_filter_query = _per_function(
        "[:SENSe[1]]:RESistance:AVERage[:STATe]", "filter_on", "RES", parse_bool, _show_bool)
    sense_current_filter_count, sense_current_filter_count_query = _per_function(
        "[:SENSe[1]]:CURRent[:DC]:AVERage:COUNt", "filter_count", "CURR", _filter_count, str)
    sense_voltage_filter_count, sense_voltage_filter_count_query = _per_function(
        "[:SENSe[1]]:VOLTage[:DC]:AVERage:COUNt", "filter_count", "VOLT", _filter_count, str)
    sense_resistance_filter_count, sense_resistance_filter_count_query = _per_function(
        "[:SENSe[1]]:RESistance:AVERage:COUNt", "filter_count", "RES", _filter_count, str)
    sense_current_filter_type, sense_current_filter_type_query = _per_function(
        "[:SENSe[1]]:CURRent[:DC]:AVERage:TCONtrol", "filter_repeat", "CURR", _filter_repeat,
        _show_filter)
    sense_voltage_filter_type, sense_voltage_filter_type_query = _per_function(
        "[:SENSe[1]]:VOLTage[:DC]:AVERage:TCONtrol", "filter_repeat", "VOLT", _filter_repeat,
        _show_filter)
    sense_resistance_filter_type, sense_resistance_filter_type_query = _per_function(
        "[:SENSe[1]]:RESistance:AVERage:TCONtrol", "filter_repeat", "RES", _filter_repeat,
        _show_filter)

    # -- readings -------------------------------------------------------------------------

    def _reply(self, buf: _Buffer, start: int, end: int, elements: tuple[str, ...]) -> str | bytes:
        """Buffer readings start…end (1-based) with elements, in the data format."""
        names = [parse_choice(e, ELEMENTS) for e in elements] or ["READing"]
        if len(names) > 14:
            raise ScpiError(-108, "at most 14 buffer elements")
        sl = slice(start - 1, end)
        t_first = buf.t_abs[0] if buf.t_abs else 0.0
        if self.data_format != "ASC":
            bad = [n for n in names if n not in BINARY_ELEMENTS]
            if bad:
                raise ScpiError(1133, "Parameter 4, Syntax error, expected valid name "
                                      f"parameters ({bad[0]} is not a binary element)")
            cols = {"READing": buf.reading[sl], "RELative": np.array(buf.t_abs[sl]) - t_first,
                    "SOURce": buf.source[sl]}
            data = np.column_stack([np.asarray(cols[n], dtype=float) for n in names])
            dtype = self.binary_dtype("f8" if self.data_format == "REAL" else "f4")
            return b"#0" + data.astype(dtype).tobytes()
        rows = slice(sl.start, min(end, len(buf)))
        columns = [self._column(name, buf, rows, t_first) for name in names]
        return ",".join([cell for row in zip(*columns, strict=True) for cell in row])

    def _column(self, name: str, buf: _Buffer, rows: slice, t_first: float) -> list[str]:
        """One element of the buffer readings in rows as ASCII fields, a column at a time;
        the clock is turned into seconds and dates only for the elements that show it."""
        fmt = f"{{:+.{self.ascii_precision - 1}E}}" if self.ascii_precision else "{:+.6E}"
        n = rows.stop - rows.start
        if name == "READing":
            return list(map(fmt.format, buf.reading[rows]))
        if name == "SOURce":
            return list(map(fmt.format, buf.source[rows]))
        if name == "RELative":
            return [fmt.format(t - t_first) for t in buf.t_abs[rows]]
        if name in ("STATus", "SOURSTATus"):
            return list(map(str, (buf.status if name == "STATus" else buf.source_status)[rows]))
        if name == "UNIT":
            return [buf.unit] * n
        if name == "SOURUNIT":
            return [SOURCE_UNIT[buf.source_unit][0]] * n
        if name == "FORMatted":
            unit = buf.unit.split()[0]
            return [f"{x:.6g} {unit}" for x in buf.reading[rows]]
        if name == "SOURFORMatted":
            unit = SOURCE_UNIT[buf.source_unit][1]
            return [f"{x:.6g} {unit}" for x in buf.source[rows]]
        secs = [EPOCH_S + t for t in buf.t_abs[rows]]
        if name == "SEConds":
            return [str(int(x)) for x in secs]
        if name == "FRACtional":
            return [f"{x - int(x):.9f}" for x in secs]
        utc = [dt.datetime.fromtimestamp(x, dt.UTC) for x in secs]
        clock = [u.strftime("%H:%M:%S.") + f"{u.microsecond:06d}000" for u in utc]
        if name == "TIME":
            return clock
        dates = [u.strftime("%m/%d/%Y") for u in utc]
        if name == "DATE":
            return dates
        return [f"{d} {c}" for d, c in zip(dates, clock, strict=True)]  # TSTamp

    @scpi(":READ?")
    def read_query(self, buffer: str | None = None, *elements: str) -> str | bytes:
        """Takes :COUNt readings into the buffer and answers the last (as the manual says)."""
        _key, buf = self._buffer(buffer)
        self._reply_check(elements)
        self._spot(buffer)
        return self._reply(buf, len(buf), len(buf), elements)

    def _reply_check(self, elements: tuple[str, ...]) -> None:
        for e in elements:  # refuse bad elements before any reading is taken
            parse_choice(e, ELEMENTS)

    @scpi(":MEASure?")
    def measure(self, buffer: str | None = None, *elements: str) -> str | bytes:
        return self.read_query(buffer, *elements)

    @scpi(":MEASure:CURRent[:DC]?")
    def measure_current(self, buffer: str | None = None, *elements: str) -> str | bytes:
        self.sense_function = "CURR"
        return self.read_query(buffer, *elements)

    @scpi(":MEASure:VOLTage[:DC]?")
    def measure_voltage(self, buffer: str | None = None, *elements: str) -> str | bytes:
        self.sense_function = "VOLT"
        return self.read_query(buffer, *elements)

    @scpi(":MEASure:RESistance?")
    def measure_resistance(self, buffer: str | None = None, *elements: str) -> str | bytes:
        self.sense_function = "RES"
        return self.read_query(buffer, *elements)

    @scpi(":FETCh?")
    def fetch(self, buffer: str | None = None, *elements: str) -> str | bytes:
        _key, buf = self._buffer(buffer)
        if not len(buf):
            raise ScpiError(-230, "the buffer holds no readings")
        return self._reply(buf, len(buf), len(buf), elements)

    # -- format ---------------------------------------------------------------------------

    @scpi(":FORMat[:DATA]")
    def format_data(self, kind: str, _length: str | None = None) -> None:
        self.data_format = _short(parse_choice(kind, ("ASCii", "REAL", "SREal")))

    @scpi(":FORMat[:DATA]?")
    def format_data_query(self) -> str:
        return self.data_format

    @scpi(":FORMat:ASCii:PRECision")
    def format_precision(self, value: str) -> None:
        if value.strip().upper() in ("DEF", "DEFAULT", "AUTO"):
            self.ascii_precision = 0
            return
        self.ascii_precision = parse_int(value, 1, 16)

    @scpi(":FORMat:ASCii:PRECision?")
    def format_precision_query(self) -> str:
        return str(self.ascii_precision)

    # -- reading buffers ------------------------------------------------------------------

    @scpi(":TRACe:MAKE")
    def trace_make(self, name: str, size: str, style: str = "STANdard") -> None:
        key = parse_string(name).upper()
        if key in self.buffers:
            raise ScpiError(-221, f"a buffer named {name} exists")
        capacity = parse_int(size, 1, BUFFER_MAX_POINTS)
        parse_choice(style, ("STANdard", "COMPact", "FULL", "WRITable", "FULLWRITable"))
        self.buffers[key] = _Buffer(capacity)

    @scpi(":TRACe:DELete")
    def trace_delete(self, name: str) -> None:
        key, _buf = self._buffer(name)
        if key.startswith("DEFBUFFER"):
            raise ScpiError(-221, "default buffers cannot be deleted")
        del self.buffers[key]

    @scpi(":TRACe:CLEar")
    def trace_clear(self, name: str | None = None) -> None:
        self._buffer(name)[1].clear()

    @scpi(":TRACe:ACTual?")
    def trace_actual(self, name: str | None = None) -> str:
        return str(len(self._buffer(name)[1]))

    @scpi(":TRACe:ACTual:STARt?")
    def trace_actual_start(self, name: str | None = None) -> str:
        return "1" if len(self._buffer(name)[1]) else "0"

    @scpi(":TRACe:ACTual:END?")
    def trace_actual_end(self, name: str | None = None) -> str:
        return str(len(self._buffer(name)[1]))

    @scpi(":TRACe:POINts")
    def trace_points(self, size: str, name: str | None = None) -> None:
        buf = self._buffer(name)[1]
        buf.capacity = parse_int(size, 1, BUFFER_MAX_POINTS)
        buf.clear()

    @scpi(":TRACe:POINts?")
    def trace_points_query(self, name: str | None = None) -> str:
        return str(self._buffer(name)[1].capacity)

    @scpi(":TRACe:TRIGger")
    def trace_trigger(self, name: str | None = None) -> None:
        self._spot(name)

    @scpi(":TRACe:DATA?")
    def trace_data(self, start: str, end: str, name: str | None = None,
                   *elements: str) -> str | bytes:
        buf = self._buffer(name)[1]
        if not len(buf):
            raise ScpiError(-230, "the buffer holds no readings")
        first = parse_int(start, 1, len(buf))
        last = parse_int(end, first, len(buf))
        return self._reply(buf, first, last, elements)

    def _stat(self, name: str | None, func) -> str:
        buf = self._buffer(name)[1]
        values = np.array(buf.reading)
        return format_number(float(func(values))) if values.size else format_number(0.0)

    @scpi(":TRACe:STATistics:AVERage?")
    def trace_average(self, name: str | None = None) -> str:
        return self._stat(name, np.mean)

    @scpi(":TRACe:STATistics:MAXimum?")
    def trace_maximum(self, name: str | None = None) -> str:
        return self._stat(name, np.max)

    @scpi(":TRACe:STATistics:MINimum?")
    def trace_minimum(self, name: str | None = None) -> str:
        return self._stat(name, np.min)

    @scpi(":TRACe:STATistics:STDDev?")
    def trace_stddev(self, name: str | None = None) -> str:
        return self._stat(name, np.std)

    @scpi(":TRACe:STATistics:PK2Pk?")
    def trace_pk2pk(self, name: str | None = None) -> str:
        return self._stat(name, np.ptp)

    # -- system ---------------------------------------------------------------------------

    @scpi(":*CLS")
    def common_cls_colon(self) -> None:
        """PyMeasure's reset() sends ':*CLS'; the 2450 accepts the stray root colon."""
        self.common_cls()

    @scpi(":STATus:PRESet")
    def status_preset(self) -> None:
        self.ese = 0

    @scpi(":STATus:CLEar")
    def status_clear(self) -> None:
        self.errors.clear()

    @scpi(":SYSTem:ERRor:COUNt?")
    def system_error_count(self) -> str:
        return str(len(self.errors))

    @scpi(":SYSTem:ERRor:CLEar")
    def system_error_clear(self) -> None:
        self.errors.clear()

    @scpi(":SYSTem:CLEar")
    def system_clear(self) -> None:
        """Clears the event log, which holds the error queue."""
        self.errors.clear()

    @scpi("*LANG")
    def common_lang(self, name: str) -> None:
        """The command set after the next power cycle (the 2450 asks for a reboot)."""
        self.language_next = parse_choice(name, LANGUAGES)

    @scpi("*LANG?")
    def common_lang_query(self) -> str:
        return "SCPI"

    @scpi("*TRG")
    def common_trg(self) -> None:
        """A bus trigger event: :INITiate runs the trigger model at once on the virtual clock,
        so no wait block is ever pending to take it."""

    @scpi(":SYSTem:LFRequency?")
    def system_lfrequency(self) -> str:
        return str(int(self.line_frequency_hz))

    @scpi(":SYSTem:BEEPer[:IMMediate]")
    def system_beep(self, frequency: str, duration: str) -> None:
        parse_number(frequency, "HZ", 20.0, 8000.0)
        parse_number(duration, "S", 0.001, 100.0)

    @scpi(":ROUTe:TERMinals")
    def route_terminals(self, which: str) -> None:
        self.terminals = _short(parse_choice(which, ("FRONt", "REAR")))

    @scpi(":ROUTe:TERMinals?")
    def route_terminals_query(self) -> str:
        return self.terminals


def _short(choice: str) -> str:
    """Short form of a manual-notation choice ('VOLTage' → 'VOLT')."""
    return "".join(ch for ch in choice if not ch.islower())
