"""Keithley 2400-series SourceMeter emulator (models 2400, 2401 and 2410): the SCPI command set
of the 2400 Series SourceMeter User's Manual (2400S-900-01) for voltage sourcing with current
measurement — fixed, list and staircase sweeps through the arm/trigger model, :READ?/:FETCh?
with the data elements and the status word, binary transfers, the 2500-reading buffer and its
statistics — acting on the bench's SMU circuit.

Facts taken from the manual: V-source ±210 V on ranges 200 mV … 200 V (2400), ±21 V on
200 mV … 20 V (2401), ±1100 V on 200 mV … 1 kV (2410); current ranges 1 µA … 1 A (the 2410
has 20 mA in place of 10 mA); compliance ±1.05 A, default 105 µA, never below 0.1 % of the
present measure range (error +822); above 21 V the current is limited to 105 mA (2400) or
21 mA (2410). :SOURce:LIST:VOLTage takes up to 100 values per command, :APPend builds lists
of up to 2500; the product of arm and trigger counts cannot exceed 2500 (the reading buffer).
:FORMat:ELEMents are sent in the fixed order VOLT, CURR, RES, TIME, STAT whatever order they
are named in; an element not measured reads 9.91E37 (NAN); binary formats (REAL,32 = SREal,
REAL,64 = DREal) send a ``#0`` header, the values in :FORMat:BORDer order and one terminator
per reply. Status word bits: 0 overflow, 2 front terminals, 3 compliance, 11/12/13 V/I/Ω
measured, 14 V-source, 16 range compliance, 22 remote sense. Measurements are not permitted
with the output off (+803) unless auto output-off (:SOURce:CLEar:AUTO) is on.

Modelling choices (readings, limit detection and noise are those of ``smu_readings``):

- Every :INITiate/:READ? runs arm count × trigger count source-delay-measure cycles as one
  staircase; each cycle is trigger delay + source delay, then the aperture. LIST and SWEep
  modes step through their levels in turn, starting again at the first when the count is
  longer; FIXed sources the level. Afterwards the output returns to the level (the bias),
  or off with auto output-off.
- With a fixed current range below the compliance, the range (105 %) limits the source:
  range compliance (bit 16) instead of compliance (bit 3).
- :MEASure? turns the output on (as :CONFigure does) and reads the one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from labmem.simulated_instruments.emulators.byte_order import ByteOrder
from labmem.simulated_instruments.emulators.smu_readings import (
    OVER_RANGE,
    current_readings,
    drive_staircase,
    range_for,
)
from labmem.simulated_instruments.scpi.instrument import STB_MSS, ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_number,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
    parse_numbers,
)


@dataclass(frozen=True)
class ModelLimits:
    """Source and measure limits of one model of the series."""

    voltage_ranges_v: tuple[float, ...]
    voltage_max_v: float
    current_ranges_a: tuple[float, ...]
    high_voltage_current_a: float
    """Current limit on the ranges above 21 V (unused when the top range is 20 V)."""
    current_max_a: float = 1.05


MODEL_2400 = ModelLimits((0.2, 2.0, 20.0, 200.0), 210.0,
                         (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0), 0.105)
MODEL_2401 = ModelLimits((0.2, 2.0, 20.0), 21.0,
                         (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0), 1.05)
MODEL_2410 = ModelLimits((0.2, 2.0, 20.0, 1000.0), 1100.0,
                         (1e-6, 1e-5, 1e-4, 1e-3, 20e-3, 0.1, 1.0), 0.021)
LOW_VOLTAGE_RANGE_MAX_V = 21.0
NAN = 9.91e37
"""What an element that is not measured reads."""
OVERFLOW = 9.9e37
COMPLIANCE_DEFAULT_A = 1.05e-4
COMPLIANCE_MIN_FRACTION = 1e-3
"""Compliance may not be below 0.1 % of the present measure range."""
NPLC_LIMITS = (0.01, 10.0)
DELAY_MAX_S = 999.9999
AUTO_DELAY_S = 1e-3
LIST_CHUNK = 100
BUFFER_MAX = 2500
LINE_FREQUENCY_HZ = 50.0

ELEMENTS = ("VOLTage", "CURRent", "RESistance", "TIME", "STATus")
"""Data elements in the order the instrument sends them."""
FUNCTIONS = ("VOLTage[:DC]", "CURRent[:DC]", "RESistance")
FUNCTION_KEY = {"VOLTage[:DC]": "VOLT", "CURRent[:DC]": "CURR", "RESistance": "RES"}
FUNCTION_REPLY = {"VOLT": '"VOLT:DC"', "CURR": '"CURR:DC"', "RES": '"RES"'}
SOURCE_MODES = {"FIXed": "FIX", "LIST": "LIST", "SWEep": "SWE"}
OUTPUT_OFF_STATES = {"HIMPedance": "HIMP", "NORMal": "NORM", "ZERO": "ZERO", "GUARd": "GUAR"}
STATISTICS = ("MEAN", "SDEViation", "MAXimum", "MINimum", "PKPK")

ST_OFLO, ST_FRONT, ST_COMPLIANCE = 1, 4, 8
ST_V_MEAS, ST_I_MEAS, ST_R_MEAS, ST_V_SOUR = 1 << 11, 1 << 12, 1 << 13, 1 << 14
ST_RANGE_COMPLIANCE, ST_REMOTE_SENSE = 1 << 16, 1 << 22
MEAS_BUFFER_FULL = 1 << 9
"""Measurement event register: buffer full (BFL)."""
STB_MSB = 0x01
"""Status byte: measurement summary bit."""
DEVICE_ERRORS = {803: "Not permitted with OUTPUT off", 822: "Too small for sense range"}
"""Texts of the instrument's own error numbers (manual, table B-1)."""


class Keithley2400Emulator(ByteOrder, ScpiInstrument):
    """Emulated Keithley 2400 SourceMeter on a simulated bench."""

    idn = "KEITHLEY INSTRUMENTS INC.,MODEL 2400,4112233,C32   Oct  4 2010 14:20:11/A02  /S/K"
    limits: ClassVar[ModelLimits] = MODEL_2400

    def __init__(self, bench) -> None:
        super().__init__()
        self.bench = bench
        self.time_zero = bench.now
        self.meas_enable = 0
        self.meas_event = 0
        self.reset()

    # -- state ----------------------------------------------------------------------------

    def reset(self) -> None:
        """*RST values of the manual."""
        self.output_on = False
        self.auto_clear = False
        self.source_function = "VOLT"
        self.level_v = 0.0
        self.level_a = 0.0
        self.v_mode = "FIX"
        self.v_range, self.v_range_auto = 20.0, True
        self.start_v = self.stop_v = 0.0
        self.points = BUFFER_MAX
        self.log_spacing = False
        self.list_v = [0.0]
        self.delay_s, self.delay_auto = 0.0, True
        self.sensed = {"CURR"}
        self.concurrent = True
        self.compliance_a = COMPLIANCE_DEFAULT_A
        self.compliance_v = 21.0
        self.i_range, self.i_range_auto = 1e-4, True
        self.nplc = 1.0
        self.trigger_count = self.arm_count = 1
        self.trigger_delay_s = 0.0
        self.elements = set(ELEMENTS)
        self.data_format = "ASC"
        self.swapped = False
        self.front = True
        self.remote_sense = False
        self.beeper = True
        self.auto_zero = "1"
        self.smode = "NORM"
        self.tripped = False
        self.readings = np.empty((0, len(ELEMENTS)))
        self.buffer = np.empty((0, len(ELEMENTS)))
        self.buffer_points = 100
        self.feed_next = False
        self.statistic = "MEAN"

    def idle_output(self) -> tuple[float, float] | None:
        """What the output holds while nothing is measured: (V, limit A), or None when off."""
        if not self.output_on or self.source_function != "VOLT":
            return None
        return self.level_v, self._limit_a()

    def _limit_a(self) -> float:
        """The current the source is held to: compliance, fixed range, high-voltage limit."""
        limit = self.compliance_a
        if not self.i_range_auto:
            limit = min(limit, self.i_range * OVER_RANGE)
        if self.v_range > LOW_VOLTAGE_RANGE_MAX_V:
            limit = min(limit, self.limits.high_voltage_current_a)
        return limit

    def _top_v(self) -> float:
        """Largest level the present source range takes."""
        if self.v_range_auto or self.v_range == self.limits.voltage_ranges_v[-1]:
            return self.limits.voltage_max_v
        return self.v_range * OVER_RANGE

    def _volts(self, value: str) -> float:
        vmax = self.limits.voltage_max_v
        return parse_number(value, "V", -vmax, vmax, default=0.0)

    # -- trigger model --------------------------------------------------------------------

    def _sweep_levels(self) -> np.ndarray:
        if not self.log_spacing:
            return np.linspace(self.start_v, self.stop_v, self.points)
        if self.start_v * self.stop_v <= 0:
            raise ScpiError(-221, "a log sweep needs start and stop of one sign, not 0")
        sign = np.sign(self.start_v)
        return sign * np.geomspace(abs(self.start_v), abs(self.stop_v), self.points)

    def _levels(self) -> np.ndarray:
        """Source level of each of the arm × trigger cycles."""
        n = self.arm_count * self.trigger_count
        if self.v_mode == "FIX":
            return np.full(n, self.level_v)
        seq = np.array(self.list_v) if self.v_mode == "LIST" else self._sweep_levels()
        return seq[np.arange(n) % seq.size]

    def _run(self) -> None:
        """Run the trigger model now on the virtual clock; readings go to the sample buffer."""
        if self.source_function != "VOLT":
            raise ScpiError(-221, "only voltage sourcing is emulated")
        if not self.output_on and not self.auto_clear:
            raise ScpiError(803)
        levels = self._levels()
        if np.any(np.abs(levels) > self._top_v()):
            raise ScpiError(-221, "a level exceeds the source range")
        delay = self.trigger_delay_s + (AUTO_DELAY_S if self.delay_auto else self.delay_s)
        v_prev = self.level_v if self.output_on else 0.0
        limit = self._limit_a()
        self.output_on = True
        st = drive_staircase(self.bench, levels, v_prev, delay, self.nplc / LINE_FREQUENCY_HZ,
                             limit)
        if self.auto_clear:
            self.output_on = False
        self.readings = self._convert(st.i, st.v, levels, st.t_abs, st.limited,
                                      limit < self.compliance_a)
        self._feed(self.readings)

    def _convert(self, i: np.ndarray, v: np.ndarray, programmed: np.ndarray,
                 t_abs: np.ndarray, limited: np.ndarray, range_limited: bool) -> np.ndarray:
        """Rows of all five elements for device current and voltage."""
        ranges = self.limits.current_ranges_a
        i_meas, i_range = current_readings(self.bench.instrument_rng, i, ranges, self.nplc,
                                           None if self.i_range_auto else self.i_range)
        over = np.abs(i_meas) > i_range * OVER_RANGE
        if self.i_range_auto and i_range.size:
            self.i_range = float(i_range[-1])
        self.tripped = bool(limited[-1]) if limited.size else False
        status = (ST_V_SOUR | (ST_FRONT if self.front else 0)
                  | (ST_REMOTE_SENSE if self.remote_sense else 0)
                  | sum(bit for key, bit in (("VOLT", ST_V_MEAS), ("CURR", ST_I_MEAS),
                                             ("RES", ST_R_MEAS)) if key in self.sensed))
        flags = np.where(limited, ST_RANGE_COMPLIANCE if range_limited else ST_COMPLIANCE, 0)
        status = status | flags | np.where(over, ST_OFLO, 0)
        volt = v if "VOLT" in self.sensed else programmed
        curr = np.where(over, OVERFLOW, i_meas) if "CURR" in self.sensed else np.full(i.size, NAN)
        if "RES" in self.sensed:
            with np.errstate(divide="ignore", invalid="ignore"):
                res = np.where(np.abs(i_meas) > 0, v / i_meas, OVERFLOW)
        else:
            res = np.full(i.size, NAN)
        return np.column_stack([volt, curr, res, t_abs - self.time_zero,
                                status.astype(float)])

    def _feed(self, rows: np.ndarray) -> None:
        """Store readings in the buffer while its feed control is NEXT, until it is full."""
        if not self.feed_next:
            return
        room = self.buffer_points - len(self.buffer)
        self.buffer = np.concatenate([self.buffer, rows[:room]])
        if len(self.buffer) >= self.buffer_points:
            self.feed_next = False
            self.meas_event |= MEAS_BUFFER_FULL

    def _reply(self, rows: np.ndarray) -> str | bytes:
        """Rows with the :FORMat:ELEMents in the data format."""
        cols = [k for k, name in enumerate(ELEMENTS) if name in self.elements]
        data = rows[:, cols]
        if self.data_format == "ASC":
            return ",".join(map(format_number, data.ravel()))
        dtype = self.binary_dtype("f4" if self.data_format == "REAL,32" else "f8")
        return b"#0" + data.astype(dtype).tobytes()

    @scpi(":INITiate[:IMMediate]")
    def initiate(self) -> None:
        self._run()

    @scpi(":ABORt")
    def abort(self) -> None:
        """Runs complete at :INITiate on the virtual clock: nothing is left to stop."""

    @scpi(":READ?")
    def read_query(self) -> str | bytes:
        self._run()
        return self._reply(self.readings)

    @scpi(":FETCh?")
    def fetch(self) -> str | bytes:
        if not len(self.readings):
            raise ScpiError(-230, "no readings to fetch")
        return self._reply(self.readings)

    def _measure(self, function: str) -> str | bytes:
        """:MEASure: configure one function, output on, read."""
        self.sensed = {function}
        self.output_on = True
        return self.read_query()

    @scpi(":MEASure:CURRent[:DC]?")
    def measure_current(self) -> str | bytes:
        return self._measure("CURR")

    @scpi(":MEASure:VOLTage[:DC]?")
    def measure_voltage(self) -> str | bytes:
        return self._measure("VOLT")

    @scpi(":MEASure:RESistance?")
    def measure_resistance(self) -> str | bytes:
        return self._measure("RES")

    @scpi(":TRIGger:COUNt")
    def trigger_count_set(self, value: str) -> None:
        count = parse_int(value, 1, BUFFER_MAX)
        if count * self.arm_count > BUFFER_MAX:
            raise ScpiError(-221, f"arm count x trigger count may not exceed {BUFFER_MAX}")
        self.trigger_count = count

    @scpi(":TRIGger:COUNt?")
    def trigger_count_query(self) -> str:
        return str(self.trigger_count)

    @scpi(":ARM[:SEQuence[1]][:LAYer[1]]:COUNt")
    def arm_count_set(self, value: str) -> None:
        count = parse_int(value, 1, BUFFER_MAX)
        if count * self.trigger_count > BUFFER_MAX:
            raise ScpiError(-221, f"arm count x trigger count may not exceed {BUFFER_MAX}")
        self.arm_count = count

    @scpi(":ARM[:SEQuence[1]][:LAYer[1]]:COUNt?")
    def arm_count_query(self) -> str:
        return str(self.arm_count)

    @scpi(":TRIGger[:SEQuence[1]]:DELay")
    def trigger_delay(self, value: str) -> None:
        self.trigger_delay_s = parse_number(value, "S", 0.0, DELAY_MAX_S, default=0.0)

    @scpi(":TRIGger[:SEQuence[1]]:DELay?")
    def trigger_delay_query(self) -> str:
        return format_number(self.trigger_delay_s)

    # -- output ---------------------------------------------------------------------------

    @scpi(":OUTPut[1][:STATe]")
    def output_state(self, on: str) -> None:
        self.output_on = parse_bool(on)

    @scpi(":OUTPut[1][:STATe]?")
    def output_state_query(self) -> str:
        return "1" if self.output_on else "0"

    @scpi(":OUTPut[1]:SMODe")
    def output_smode(self, mode: str) -> None:
        choice = parse_choice(mode, tuple(OUTPUT_OFF_STATES))
        self.smode = OUTPUT_OFF_STATES[choice]

    @scpi(":OUTPut[1]:SMODe?")
    def output_smode_query(self) -> str:
        return self.smode

    @scpi(":SOURce[1]:CLEar:AUTO")
    def source_clear_auto(self, on: str) -> None:
        self.auto_clear = parse_bool(on)

    @scpi(":SOURce[1]:CLEar:AUTO?")
    def source_clear_auto_query(self) -> str:
        return "1" if self.auto_clear else "0"

    @scpi(":SOURce[1]:CLEar[:IMMediate]")
    def source_clear(self) -> None:
        self.output_on = False

    # -- source ---------------------------------------------------------------------------

    @scpi(":SOURce[1]:FUNCtion[:MODE]")
    def source_function_set(self, name: str) -> None:
        self.source_function = parse_choice(name, ("VOLTage", "CURRent"))[:4].upper()

    @scpi(":SOURce[1]:FUNCtion[:MODE]?")
    def source_function_query(self) -> str:
        return self.source_function

    @scpi(":SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def source_voltage(self, value: str) -> None:
        top = self._top_v()
        level = parse_number(value, "V", -top, top, default=0.0)
        if self.v_range_auto:
            self.v_range = range_for(level, self.limits.voltage_ranges_v)
        self.level_v = level

    @scpi(":SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def source_voltage_query(self) -> str:
        return format_number(self.level_v)

    @scpi(":SOURce[1]:VOLTage:RANGe")
    def source_voltage_range(self, value: str) -> None:
        rng = range_for(self._volts(value), self.limits.voltage_ranges_v)
        self.v_range, self.v_range_auto = rng, False
        if abs(self.level_v) > self._top_v():
            self.level_v = 0.0

    @scpi(":SOURce[1]:VOLTage:RANGe?")
    def source_voltage_range_query(self) -> str:
        return format_number(self.v_range)

    @scpi(":SOURce[1]:VOLTage:RANGe:AUTO")
    def source_voltage_range_auto(self, on: str) -> None:
        self.v_range_auto = parse_bool(on)

    @scpi(":SOURce[1]:VOLTage:RANGe:AUTO?")
    def source_voltage_range_auto_query(self) -> str:
        return "1" if self.v_range_auto else "0"

    @scpi(":SOURce[1]:VOLTage:MODE")
    def source_voltage_mode(self, mode: str) -> None:
        self.v_mode = SOURCE_MODES[parse_choice(mode, tuple(SOURCE_MODES))]

    @scpi(":SOURce[1]:VOLTage:MODE?")
    def source_voltage_mode_query(self) -> str:
        return self.v_mode

    @scpi(":SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]")
    def source_current(self, value: str) -> None:
        imax = self.limits.current_max_a
        self.level_a = parse_number(value, "A", -imax, imax, default=0.0)

    @scpi(":SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]?")
    def source_current_query(self) -> str:
        return format_number(self.level_a)

    @scpi(":SOURce[1]:VOLTage:STARt")
    def source_start(self, value: str) -> None:
        self.start_v = self._volts(value)

    @scpi(":SOURce[1]:VOLTage:STARt?")
    def source_start_query(self) -> str:
        return format_number(self.start_v)

    @scpi(":SOURce[1]:VOLTage:STOP")
    def source_stop(self, value: str) -> None:
        self.stop_v = self._volts(value)

    @scpi(":SOURce[1]:VOLTage:STOP?")
    def source_stop_query(self) -> str:
        return format_number(self.stop_v)

    @scpi(":SOURce[1]:VOLTage:STEP")
    def source_step(self, value: str) -> None:
        step = parse_number(value, "V", -2 * self.limits.voltage_max_v,
                            2 * self.limits.voltage_max_v)
        span = self.stop_v - self.start_v
        if step == 0 or span == 0 or np.sign(step) != np.sign(span):
            raise ScpiError(-221, "the step must have the sign of stop - start")
        points = round(span / step) + 1
        if points > BUFFER_MAX:
            raise ScpiError(-222, f"the step gives {points} points; at most {BUFFER_MAX}")
        self.points = points

    @scpi(":SOURce[1]:VOLTage:STEP?")
    def source_step_query(self) -> str:
        step = (self.stop_v - self.start_v) / (self.points - 1) if self.points > 1 else 0.0
        return format_number(step)

    @scpi(":SOURce[1]:SWEep:POINts")
    def sweep_points(self, value: str) -> None:
        self.points = parse_int(value, 1, BUFFER_MAX)

    @scpi(":SOURce[1]:SWEep:POINts?")
    def sweep_points_query(self) -> str:
        return str(self.points)

    @scpi(":SOURce[1]:SWEep:SPACing")
    def sweep_spacing(self, kind: str) -> None:
        self.log_spacing = parse_choice(kind, ("LINear", "LOGarithmic")) == "LOGarithmic"

    @scpi(":SOURce[1]:SWEep:SPACing?")
    def sweep_spacing_query(self) -> str:
        return "LOG" if self.log_spacing else "LIN"

    @scpi(":SOURce[1]:SWEep:RANGing")
    def sweep_ranging(self, kind: str) -> None:
        """Range choice during a sweep; the emulated source is exact on every range."""
        parse_choice(kind, ("BEST", "AUTO", "FIXed"))

    def _list_values(self, values: tuple[str, ...]) -> list[float]:
        if not values:
            raise ScpiError(-109, "a list needs at least one value")
        if len(values) > LIST_CHUNK:
            raise ScpiError(-223, f"at most {LIST_CHUNK} values per command")
        vmax = self.limits.voltage_max_v
        return parse_numbers(values, "V", -vmax, vmax, default=0.0)

    @scpi(":SOURce[1]:LIST:VOLTage")
    def source_list(self, *values: str) -> None:
        self.list_v = self._list_values(values)

    @scpi(":SOURce[1]:LIST:VOLTage:APPend")
    def source_list_append(self, *values: str) -> None:
        new = self._list_values(values)
        if len(self.list_v) + len(new) > BUFFER_MAX:
            raise ScpiError(-223, f"a source list holds at most {BUFFER_MAX} values")
        self.list_v += new

    @scpi(":SOURce[1]:LIST:VOLTage?")
    def source_list_query(self) -> str:
        return ",".join(map(format_number, self.list_v))

    @scpi(":SOURce[1]:LIST:VOLTage:POINts?")
    def source_list_points(self) -> str:
        return str(len(self.list_v))

    @scpi(":SOURce[1]:DELay")
    def source_delay(self, value: str) -> None:
        self.delay_s = parse_number(value, "S", 0.0, DELAY_MAX_S, default=0.0)
        self.delay_auto = False

    @scpi(":SOURce[1]:DELay?")
    def source_delay_query(self) -> str:
        return format_number(AUTO_DELAY_S if self.delay_auto else self.delay_s)

    @scpi(":SOURce[1]:DELay:AUTO")
    def source_delay_auto(self, on: str) -> None:
        self.delay_auto = parse_bool(on)

    @scpi(":SOURce[1]:DELay:AUTO?")
    def source_delay_auto_query(self) -> str:
        return "1" if self.delay_auto else "0"

    # -- sense ----------------------------------------------------------------------------

    def _functions(self, names: tuple[str, ...]) -> set[str]:
        if not names:
            raise ScpiError(-109, "name at least one function")
        return {FUNCTION_KEY[parse_choice(n, FUNCTIONS)] for n in names}

    @scpi(":SENSe[1]:FUNCtion[:ON]")
    def sense_function_on(self, *names: str) -> None:
        functions = self._functions(names)
        if not self.concurrent and len(functions) > 1:
            raise ScpiError(-221, "one function at a time with concurrent measurement off")
        self.sensed = (self.sensed | functions) if self.concurrent else functions

    @scpi(":SENSe[1]:FUNCtion:CONCurrent")
    def sense_function_concurrent(self, on: str) -> None:
        """Concurrent measurement off leaves one function measured (current if several)."""
        self.concurrent = parse_bool(on)
        if not self.concurrent and len(self.sensed) > 1:
            self.sensed = {"CURR"}

    @scpi(":SENSe[1]:FUNCtion:CONCurrent?")
    def sense_function_concurrent_query(self) -> str:
        return "1" if self.concurrent else "0"

    @scpi(":SENSe[1]:FUNCtion:OFF")
    def sense_function_off(self, *names: str) -> None:
        self.sensed -= self._functions(names)

    @scpi(":SENSe[1]:FUNCtion[:ON]:ALL")
    def sense_function_all(self) -> None:
        self.sensed = set(FUNCTION_REPLY)

    @scpi(":SENSe[1]:FUNCtion:OFF:ALL")
    def sense_function_off_all(self) -> None:
        self.sensed = set()

    @scpi(":SENSe[1]:FUNCtion[:ON]?")
    def sense_function_query(self) -> str:
        return ",".join(FUNCTION_REPLY[k] for k in ("VOLT", "CURR", "RES") if k in self.sensed)

    @scpi(":SENSe[1]:CURRent[:DC]:PROTection[:LEVel]")
    def compliance_set(self, value: str) -> None:
        imax = self.limits.current_max_a
        level = abs(parse_number(value, "A", -imax, imax, default=COMPLIANCE_DEFAULT_A))
        if not self.i_range_auto and level < COMPLIANCE_MIN_FRACTION * self.i_range:
            raise ScpiError(822)
        self.compliance_a = level

    @scpi(":SENSe[1]:CURRent[:DC]:PROTection[:LEVel]?")
    def compliance_query(self) -> str:
        return format_number(self.compliance_a)

    @scpi(":SENSe[1]:CURRent[:DC]:PROTection:TRIPped?")
    def compliance_tripped(self) -> str:
        return "1" if (self.tripped and self.output_on) else "0"

    @scpi(":SENSe[1]:VOLTage[:DC]:PROTection[:LEVel]")
    def voltage_compliance_set(self, value: str) -> None:
        self.compliance_v = abs(self._volts(value))

    @scpi(":SENSe[1]:VOLTage[:DC]:PROTection[:LEVel]?")
    def voltage_compliance_query(self) -> str:
        return format_number(self.compliance_v)

    @scpi(":SENSe[1]:CURRent[:DC]:RANGe[:UPPer]")
    def current_range(self, value: str) -> None:
        imax = self.limits.current_max_a
        rng = abs(parse_number(value, "A", -imax, imax, default=1e-4))
        self.i_range = range_for(rng, self.limits.current_ranges_a)
        self.i_range_auto = False

    @scpi(":SENSe[1]:CURRent[:DC]:RANGe[:UPPer]?")
    def current_range_query(self) -> str:
        return format_number(self.i_range)

    @scpi(":SENSe[1]:CURRent[:DC]:RANGe:AUTO")
    def current_range_auto(self, on: str) -> None:
        self.i_range_auto = parse_bool(on)

    @scpi(":SENSe[1]:CURRent[:DC]:RANGe:AUTO?")
    def current_range_auto_query(self) -> str:
        return "1" if self.i_range_auto else "0"

    @scpi(":SENSe[1]:CURRent[:DC]:NPLCycles")
    @scpi(":SENSe[1]:VOLTage[:DC]:NPLCycles")
    @scpi(":SENSe[1]:RESistance:NPLCycles")
    def nplc_set(self, value: str) -> None:
        """One integration time for every function (the manual: a global setting)."""
        self.nplc = parse_number(value, "", *NPLC_LIMITS, default=1.0)

    @scpi(":SENSe[1]:CURRent[:DC]:NPLCycles?")
    @scpi(":SENSe[1]:VOLTage[:DC]:NPLCycles?")
    @scpi(":SENSe[1]:RESistance:NPLCycles?")
    def nplc_query(self) -> str:
        return format_number(self.nplc)

    # -- format ---------------------------------------------------------------------------

    @scpi(":FORMat:ELEMents[:SENSe[1]]")
    def format_elements(self, *names: str) -> None:
        if not names:
            raise ScpiError(-109, "name at least one element")
        self.elements = {parse_choice(n, ELEMENTS) for n in names}

    @scpi(":FORMat:ELEMents[:SENSe[1]]?")
    def format_elements_query(self) -> str:
        return ",".join(n[:4].upper() for n in ELEMENTS if n in self.elements)

    @scpi(":FORMat[:DATA]")
    def format_data(self, kind: str, length: str | None = None) -> None:
        choice = parse_choice(kind, ("ASCii", "REAL", "SREal", "DREal"))
        if choice == "REAL":
            bits = 32 if length is None else parse_int(length, 32, 64)
            if bits not in (32, 64):
                raise ScpiError(-224, "REAL takes a length of 32 or 64")
            self.data_format = f"REAL,{bits}"
        elif length is not None:
            raise ScpiError(-108, "only REAL takes a length")
        else:
            self.data_format = {"ASCii": "ASC", "SREal": "REAL,32", "DREal": "REAL,64"}[choice]

    @scpi(":FORMat[:DATA]?")
    def format_data_query(self) -> str:
        return self.data_format

    # -- buffer and statistics ------------------------------------------------------------

    @scpi(":TRACe:POINts")
    @scpi(":DATA:POINts")
    def trace_points(self, value: str) -> None:
        self.buffer_points = parse_int(value, 1, BUFFER_MAX)

    @scpi(":TRACe:POINts?")
    @scpi(":DATA:POINts?")
    def trace_points_query(self) -> str:
        return str(self.buffer_points)

    @scpi(":TRACe:POINts:ACTual?")
    @scpi(":DATA:POINts:ACTual?")
    def trace_actual(self) -> str:
        return str(len(self.buffer))

    @scpi(":TRACe:CLEar")
    @scpi(":DATA:CLEar")
    def trace_clear(self) -> None:
        self.buffer = np.empty((0, len(ELEMENTS)))
        self.meas_event &= ~MEAS_BUFFER_FULL

    @scpi(":TRACe:FEED")
    @scpi(":DATA:FEED")
    def trace_feed(self, source: str) -> None:
        parse_choice(source, ("SENSe[1]", "CALCulate[1]", "CALCulate2"))

    @scpi(":TRACe:FEED:CONTrol")
    @scpi(":DATA:FEED:CONTrol")
    def trace_feed_control(self, mode: str) -> None:
        self.feed_next = parse_choice(mode, ("NEXT", "NEVer")) == "NEXT"

    @scpi(":TRACe:FEED:CONTrol?")
    @scpi(":DATA:FEED:CONTrol?")
    def trace_feed_control_query(self) -> str:
        return "NEXT" if self.feed_next else "NEV"

    @scpi(":TRACe:DATA?")
    @scpi(":DATA:DATA?")
    def trace_data(self) -> str | bytes:
        if not len(self.buffer):
            raise ScpiError(-230, "the buffer holds no readings")
        return self._reply(self.buffer)

    @scpi(":CALCulate3:FORMat")
    def calc3_format(self, name: str) -> None:
        self.statistic = parse_choice(name, STATISTICS)

    @scpi(":CALCulate3:FORMat?")
    def calc3_format_query(self) -> str:
        return self.statistic[:4].upper()

    @scpi(":CALCulate3:DATA?")
    def calc3_data(self) -> str:
        """The statistic of the buffer for each of voltage, current and resistance."""
        if not len(self.buffer):
            raise ScpiError(-230, "the buffer holds no readings")
        func = {"MEAN": np.mean, "SDEViation": np.std, "MAXimum": np.max,
                "MINimum": np.min, "PKPK": np.ptp}[self.statistic]
        cols = [k for k, name in enumerate(ELEMENTS[:3]) if name in self.elements]
        return ",".join(format_number(float(func(self.buffer[:, k]))) for k in cols)

    # -- status ---------------------------------------------------------------------------

    @scpi(":STATus:MEASurement:ENABle")
    def status_meas_enable(self, value: str) -> None:
        self.meas_enable = parse_int(value, 0, 65535)

    @scpi(":STATus:MEASurement:ENABle?")
    def status_meas_enable_query(self) -> str:
        return str(self.meas_enable)

    @scpi(":STATus:MEASurement[:EVENt]?")
    def status_meas_event(self) -> str:
        value, self.meas_event = self.meas_event, 0
        return str(value)

    @scpi(":STATus:PRESet")
    def status_preset(self) -> None:
        self.meas_enable = 0

    def push_error(self, code: int, message: str | None = None) -> None:
        """Queue an error, with the manual's text for the instrument's own numbers."""
        super().push_error(code, DEVICE_ERRORS.get(code, message))

    def common_cls(self) -> None:
        """*CLS also clears the measurement event register."""
        super().common_cls()
        self.meas_event = 0

    def status_byte(self) -> int:
        """IEEE-488.2 status byte with the measurement summary bit (MSB)."""
        stb = super().status_byte() & ~STB_MSS
        if self.meas_event & self.meas_enable:
            stb |= STB_MSB
        if stb & self.sre:
            stb |= STB_MSS
        return stb

    # -- system ---------------------------------------------------------------------------

    @scpi(":SYSTem:ERRor:COUNt?")
    def system_error_count(self) -> str:
        return str(len(self.errors))

    @scpi(":SYSTem:ERRor:CLEar")
    def system_error_clear(self) -> None:
        self.errors.clear()

    @scpi(":SYSTem:LFRequency?")
    def system_lfrequency(self) -> str:
        return str(int(LINE_FREQUENCY_HZ))

    @scpi(":SYSTem:TIME:RESet")
    def system_time_reset(self) -> None:
        self.time_zero = self.bench.now

    @scpi(":SYSTem:BEEPer:STATe")
    def system_beeper_state(self, on: str) -> None:
        self.beeper = parse_bool(on)

    @scpi(":SYSTem:BEEPer:STATe?")
    def system_beeper_state_query(self) -> str:
        return "1" if self.beeper else "0"

    @scpi(":SYSTem:BEEPer[:IMMediate]")
    def system_beep(self, frequency: str, duration: str) -> None:
        parse_number(frequency, "HZ", 65.0, 2e6)
        parse_number(duration, "S", 0.0, 7.9)

    @scpi(":SYSTem:AZERo[:STATe]")
    def system_azero(self, state: str) -> None:
        self.auto_zero = "ONCE" if state.strip().upper() == "ONCE" else str(int(parse_bool(state)))

    @scpi(":SYSTem:AZERo[:STATe]?")
    def system_azero_query(self) -> str:
        return self.auto_zero

    @scpi(":SYSTem:RSENse")
    def system_rsense(self, on: str) -> None:
        self.remote_sense = parse_bool(on)

    @scpi(":SYSTem:RSENse?")
    def system_rsense_query(self) -> str:
        return "1" if self.remote_sense else "0"

    @scpi(":ROUTe:TERMinals")
    def route_terminals(self, which: str) -> None:
        self.front = parse_choice(which, ("FRONt", "REAR")) == "FRONt"

    @scpi(":ROUTe:TERMinals?")
    def route_terminals_query(self) -> str:
        return "FRON" if self.front else "REAR"


class Keithley2401Emulator(Keithley2400Emulator):
    """Emulated Keithley 2401 (the 2400 limited to ±21 V)."""

    idn = "KEITHLEY INSTRUMENTS INC.,MODEL 2401,4112234,C32   Oct  4 2010 14:20:11/A02  /S/K"
    limits = MODEL_2401


class Keithley2410Emulator(Keithley2400Emulator):
    """Emulated Keithley 2410 (±1100 V, 21 mA above 21 V, a 20 mA range)."""

    idn = "KEITHLEY INSTRUMENTS INC.,MODEL 2410,4112235,C32   Oct  4 2010 14:20:11/A02  /S/K"
    limits = MODEL_2410
