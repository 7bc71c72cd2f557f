"""Keithley 2450 SourceMeter: PyMeasure driver (2450 reference manual SCPI command set, not the
2400 emulation mode) and the SourceMeter role procedures use.

Limits from the 2450 reference manual: source ±210 V on ranges 20 mV … 200 V, current limit
1 nA … 1.05 A, measure ranges 10 nA … 1 A, NPLC 0.01 … 10, source delay 0 … 10 ks, source lists
of up to 2500 points sent 100 at a time. Binary buffer transfers (:FORMat:DATA REAL, float64, or
SREal, float32) answer as ``#0<values>`` and a newline and carry only READing, RELative and
SOURce; the source status (limit flag, 32) comes as ASCII only. Overflow reads 9.9E37.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.adapters import VISAAdapter
from pymeasure.instruments import Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.keithley.source_list import list_commands
from labmem.instruments.roles import SourceMeter, SourceMeterLimits, SweepResult, sweep_dwell_s

log = logging.getLogger(__name__)

VOLTAGE_LIMIT_V = 210.0
VOLTAGE_RANGES_V = (20e-3, 200e-3, 2.0, 20.0, 200.0)
CURRENT_RANGES_A = (10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0)
COMPLIANCE_LIMITS_A = (1e-9, 1.05)
VOLTAGE_COMPLIANCE_LIMITS_V = (0.02, 210.0)
CURRENT_LIMIT_A = 1.05
MEASURE_COUNT_LIMITS = (1, 300_000)
NPLC_LIMITS = (0.01, 10.0)
DELAY_LIMITS_S = (0.0, 10e3)
BUFFER_LIMITS = (1, 4_000_000)
MIN_SOURCE_DELAY_S = 50e-6
"""Shortest source delay the role programs: the output settles (20 µs loop) before a reading."""
SOURCE_LIMITED = 32
"""Source status bit: the source was limited by the compliance (bufferVar.sourcestatuses)."""
LIMIT_FRACTION = 0.99
"""A sweep reading this close to the current limit counts as in compliance."""
OVERFLOW = 9.9e37
"""The reading of a fixed range the current exceeds (over range, not limited)."""
BOOLS = {True: 1, False: 0}
DEFAULT_BUFFER = "defbuffer1"
LIMITS = SourceMeterLimits("Keithley 2450", "a 2450 range", COMPLIANCE_LIMITS_A, NPLC_LIMITS,
                           CURRENT_RANGES_A)


class Keithley2450(SCPIMixin, Instrument):
    """Keithley 2450 SourceMeter (SCPI command set): ±210 V, 1 A, 10 nA … 1 A ranges."""

    def __init__(self, adapter, name: str = "Keithley 2450 SourceMeter", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 20_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    # -- source ---------------------------------------------------------------------------

    source_function = Instrument.control(
        ":SOUR:FUNC?", ":SOUR:FUNC %s",
        """Control the source function, 'voltage' or 'current' (str).""",
        validator=strict_discrete_set, values={"voltage": "VOLT", "current": "CURR"},
        map_values=True,
    )
    source_voltage = Instrument.control(
        ":SOUR:VOLT?", ":SOUR:VOLT %g",
        """Control the source voltage in V (float, -210 to 210).""",
        validator=strict_range, values=(-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V),
    )
    source_voltage_range = Instrument.control(
        ":SOUR:VOLT:RANG?", ":SOUR:VOLT:RANG %g",
        """Control the fixed source voltage range in V (float, 0.02, 0.2, 2, 20 or 200).""",
        validator=strict_discrete_set, values=VOLTAGE_RANGES_V,
    )
    source_voltage_range_auto = Instrument.control(
        ":SOUR:VOLT:RANG:AUTO?", ":SOUR:VOLT:RANG:AUTO %d",
        """Control whether the source voltage range follows the level (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    compliance_current = Instrument.control(
        ":SOUR:VOLT:ILIM?", ":SOUR:VOLT:ILIM %g",
        """Control the current limit of the voltage source in A (float, 1 nA to 1.05 A).""",
        validator=strict_range, values=COMPLIANCE_LIMITS_A,
    )
    compliance_tripped = Instrument.measurement(
        ":SOUR:VOLT:ILIM:TRIP?",
        """Get whether the voltage source is limited by the current limit (bool).""",
        cast=lambda v: bool(int(float(v))),
    )
    source_delay = Instrument.control(
        ":SOUR:VOLT:DEL?", ":SOUR:VOLT:DEL %g",
        """Control the source delay before each reading in s (float, 0 to 10000).""",
        validator=strict_range, values=DELAY_LIMITS_S,
    )
    source_delay_auto = Instrument.control(
        ":SOUR:VOLT:DEL:AUTO?", ":SOUR:VOLT:DEL:AUTO %d",
        """Control whether the source delay is chosen by the instrument (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    source_readback = Instrument.control(
        ":SOUR:VOLT:READ:BACK?", ":SOUR:VOLT:READ:BACK %d",
        """Control whether readings record the measured rather than programmed source (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    source_current = Instrument.control(
        ":SOUR:CURR?", ":SOUR:CURR %g",
        """Control the source current in A (float, -1.05 to 1.05).""",
        validator=strict_range, values=(-CURRENT_LIMIT_A, CURRENT_LIMIT_A),
    )
    compliance_voltage = Instrument.control(
        ":SOUR:CURR:VLIM?", ":SOUR:CURR:VLIM %g",
        """Control the voltage limit of the current source in V (float, 0.02 to 210).""",
        validator=strict_range, values=VOLTAGE_COMPLIANCE_LIMITS_V,
    )
    compliance_voltage_tripped = Instrument.measurement(
        ":SOUR:CURR:VLIM:TRIP?",
        """Get whether the current source is limited by the voltage limit (bool).""",
        cast=lambda v: bool(int(float(v))),
    )
    output_enabled = Instrument.control(
        ":OUTP?", ":OUTP %d",
        """Control whether the output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )

    # -- measure --------------------------------------------------------------------------

    sense_function = Instrument.control(
        ":SENS:FUNC?", ":SENS:FUNC %s",
        """Control the measure function, 'current', 'voltage' or 'resistance' (str).""",
        validator=strict_discrete_set,
        values={"current": '"CURR:DC"', "voltage": '"VOLT:DC"', "resistance": '"RES"'},
        map_values=True,
    )
    current_range = Instrument.control(
        ":SENS:CURR:RANG?", ":SENS:CURR:RANG %g",
        """Control the fixed current measure range in A (float, 10 nA to 1 A decades).""",
        validator=strict_discrete_set, values=CURRENT_RANGES_A,
    )
    current_range_auto = Instrument.control(
        ":SENS:CURR:RANG:AUTO?", ":SENS:CURR:RANG:AUTO %d",
        """Control whether the current measure range is automatic (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    current_nplc = Instrument.control(
        ":SENS:CURR:NPLC?", ":SENS:CURR:NPLC %g",
        """Control the current aperture in power-line cycles (float, 0.01 to 10).""",
        validator=strict_range, values=NPLC_LIMITS,
    )
    current = Instrument.measurement(
        ":MEAS:CURR?",
        """Get one current reading in A (float); selects the current measure function.""",
    )
    voltage = Instrument.measurement(
        ":MEAS:VOLT?",
        """Get one voltage reading in V (float); selects the voltage measure function.""",
    )
    measure_count = Instrument.control(
        ":COUN?", ":COUN %d",
        """Control the readings each measure request takes into the buffer (int, 1 to
        300000); :READ? answers the last of them.""",
        validator=strict_range, values=MEASURE_COUNT_LIMITS, cast=int,
    )
    current_autozero = Instrument.control(
        ":SENS:CURR:AZER?", ":SENS:CURR:AZER %d",
        """Control whether current readings refresh their reference and zero (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    current_four_wire = Instrument.control(
        ":SENS:CURR:RSEN?", ":SENS:CURR:RSEN %d",
        """Control remote (4-wire) sensing for current measurements (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    line_frequency = Instrument.measurement(
        ":SYST:LFR?",
        """Get the power-line frequency in Hz (int).""",
        cast=int,
    )

    # -- data transfer and buffers ----------------------------------------------------------

    data_format = Instrument.control(
        ":FORM:DATA?", ":FORM:DATA %s",
        """Control the reading format, 'ascii', 'real' (float64) or 'sreal' (float32) (str).""",
        validator=strict_discrete_set, values={"ascii": "ASC", "real": "REAL", "sreal": "SRE"},
        map_values=True,
    )
    byte_order = Instrument.control(
        ":FORM:BORD?", ":FORM:BORD %s",
        """Control the binary byte order, 'normal' (big-endian) or 'swapped' (str).""",
        validator=strict_discrete_set, values={"normal": "NORM", "swapped": "SWAP"},
        map_values=True,
    )
    buffer_points = Instrument.control(
        ":TRAC:POIN?", ":TRAC:POIN %d",
        """Control the capacity of defbuffer1 in readings (int); setting it clears it.""",
        validator=strict_range, values=BUFFER_LIMITS, cast=int,
    )
    buffer_count = Instrument.measurement(
        ':TRAC:ACT? "defbuffer1"',
        """Get the number of readings in defbuffer1 (int).""",
        cast=int,
    )

    # -- methods ----------------------------------------------------------------------------

    def enable_source(self) -> None:
        """Switch the output on."""
        self.output_enabled = True

    def disable_source(self) -> None:
        """Switch the output off."""
        self.output_enabled = False

    def autozero_once(self) -> None:
        """Refresh the reference and zero readings now (with autozero off, before a test)."""
        self.write(":SENS:AZER:ONCE")

    def clear_buffer(self, buffer: str = DEFAULT_BUFFER) -> None:
        """Clear the readings of a buffer."""
        self.write(f':TRAC:CLE "{buffer}"')

    def list_commands(self, voltages: Sequence[float]) -> str:
        """The :SOURce:LIST:VOLTage command, with :APPend per 100 values, for a source list."""
        return list_commands(voltages, VOLTAGE_LIMIT_V)

    def upload_list(self, voltages: Sequence[float]) -> None:
        """Load a voltage source list (in one message, 100 values per command)."""
        self.write(self.list_commands(voltages))

    def sweep_list_command(self, delay_s: float, count: int = 1, fail_abort: bool = False,
                           buffer: str = DEFAULT_BUFFER) -> str:
        """The :SOURce:SWEep:VOLTage:LIST command for the loaded list."""
        strict_range(delay_s, DELAY_LIMITS_S)
        strict_range(count, (1, 268_435_455))
        return (f':SOUR:SWE:VOLT:LIST 1,{delay_s:g},{int(count)},'
                f'{"ON" if fail_abort else "OFF"},"{buffer}"')

    def configure_list_sweep(self, delay_s: float, count: int = 1, fail_abort: bool = False,
                             buffer: str = DEFAULT_BUFFER) -> None:
        """Build the list sweep trigger model: each point is step, delay_s, one reading."""
        self.write(self.sweep_list_command(delay_s, count, fail_abort, buffer))

    def configure_linear_sweep(self, start_v: float, stop_v: float, points: int,
                               delay_s: float, count: int = 1, fail_abort: bool = False,
                               buffer: str = DEFAULT_BUFFER) -> None:
        """Build a linear staircase sweep from start_v to stop_v in points steps."""
        strict_range(start_v, (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V))
        strict_range(stop_v, (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V))
        strict_range(points, (2, 1_000_000))
        strict_range(delay_s, DELAY_LIMITS_S)
        self.write(f':SOUR:SWE:VOLT:LIN {start_v:g},{stop_v:g},{int(points)},{delay_s:g},'
                   f'{int(count)},BEST,{"ON" if fail_abort else "OFF"},OFF,"{buffer}"')

    def start_sweep(self) -> None:
        """Run the configured trigger model (:INITiate)."""
        self.write(":INIT")

    def run_sweep(self, buffer: str = DEFAULT_BUFFER, timeout_s: float | None = None) -> int:
        """Start the configured sweep, wait for it (*WAI) and return the readings stored.

        *WAI holds the reply until the sweep ends, so over VISA the read timeout is raised to
        timeout_s (the sweep's expected duration plus margin) for this one query.
        """
        query = f':INIT;*WAI;:TRAC:ACT? "{buffer}"'
        if timeout_s is None or not isinstance(self.adapter, VISAAdapter):
            return int(self.ask(query))
        connection = self.adapter.connection
        previous = connection.timeout
        connection.timeout = max(previous or 0, timeout_s * 1000)
        try:
            return int(self.ask(query))
        finally:
            connection.timeout = previous

    def abort(self) -> None:
        """Stop the trigger model (:ABORt)."""
        self.write(":ABOR")

    def read_buffer(self, start: int, end: int, elements: Sequence[str] = ("READ",),
                    buffer: str = DEFAULT_BUFFER, single: bool = False) -> np.ndarray:
        """Readings start…end of a buffer in one binary transfer, shape (n, elements): float64
        (:FORMat:DATA REAL), or float32 (SREal) when single, half the bytes.

        Sends the format (little-endian) for this query and ASCII again after it.
        """
        n = end - start + 1
        if n < 1 or start < 1:
            raise ValueError(f"buffer indexes must satisfy 1 <= start <= end, got {start}, {end}")
        cols = len(elements)
        width, kind = (4, "SRE") if single else (8, "REAL")
        size = 2 + width * n * cols + 1
        self.write(f':FORM:DATA {kind};:FORM:BORD SWAP;:TRAC:DATA? {start},{end},"{buffer}",'
                   f'{",".join(elements)};:FORM:DATA ASC')
        connection = self.adapter.connection
        termination = connection.read_termination
        connection.read_termination = None  # a binary block may hold newline bytes
        try:
            raw = self.read_bytes(size, chunk_size=size)
        finally:
            connection.read_termination = termination
        if raw[:2] != b"#0" or raw[-1:] != b"\n":
            raise ValueError(f"malformed binary block from {self.name}: {raw[:16]!r}…")
        return np.frombuffer(raw[2:-1], dtype=f"<f{width}").reshape(n, cols)

    def read_buffer_ascii(self, start: int, end: int, elements: Sequence[str],
                          buffer: str = DEFAULT_BUFFER) -> list[str]:
        """Readings start…end of a buffer as ASCII fields (for STAT, SOURSTAT, UNIT …)."""
        reply = self.ask(f':FORM:DATA ASC;:TRAC:DATA? {start},{end},"{buffer}",'
                         f'{",".join(elements)}')
        return [field.strip() for field in reply.split(",")]

    def read_point(self) -> tuple[float, float, int]:
        """One reading now: (source V, reading, source status)."""
        fields = self.ask(f':FORM:DATA ASC;:READ? "{DEFAULT_BUFFER}",SOUR,READ,SOURSTAT')
        v, reading, status = fields.split(",")
        return float(v), float(reading), int(float(status))


class Keithley2450SourceMeter(SourceMeter):
    """SourceMeter role on a Keithley 2450: voltage source, current measure, list sweeps."""

    IDN_PATTERNS = (r"KEITHLEY INSTRUMENTS,MODEL 2450,",)
    """The answer the 2450 Reference Manual documents for *IDN?."""

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = Keithley2450(resource, visa_library=visa_library, **kwargs)
        self._nplc: float | None = None
        self._line_hz: float | None = None
        self._compliance_a: float | None = None

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    @property
    def output_enabled(self) -> bool:
        """True when the output is on."""
        return bool(self.driver.output_enabled)

    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """Refuse (ValueError naming the setting and its range) what configure() cannot set."""
        LIMITS.check_configuration(compliance_a, current_range_a, nplc)

    def configure(self, compliance_a: float, current_range_a: float | None = None,
                  nplc: float = 1.0) -> None:
        """Voltage source / current measure with this limit; range None = auto."""
        self.check_configuration(compliance_a, current_range_a, nplc)
        compliance_a, nplc = float(compliance_a), float(nplc)
        d = self.driver
        d.source_function = "voltage"
        d.sense_function = "current"
        if current_range_a is None:
            d.current_range_auto = True
        else:
            d.current_range = current_range_a
        d.current_nplc = nplc
        d.compliance_current = compliance_a
        self._raise_errors("configure")
        self._nplc, self._compliance_a = nplc, compliance_a
        if self._line_hz is None:  # asked once, so sweeps need no extra round trip
            self._line_hz = float(d.line_frequency)

    def apply(self, voltage_v: float) -> None:
        """Set the source level and switch the output on."""
        voltage_v = LIMITS.check("voltage_v", voltage_v, (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V), "V")
        self.driver.source_voltage = voltage_v
        self.driver.output_enabled = True

    def measure(self) -> tuple[float, float, bool]:
        """One reading now: (V sourced, I measured, in compliance)."""
        v, i, status = self.driver.read_point()
        return v, i, bool(status & SOURCE_LIMITED)

    def point_time_limits_s(self) -> tuple[float, float]:
        """Shortest and longest time per sweep point the instrument can time, in s."""
        aperture = self._aperture_s()
        return aperture + MIN_SOURCE_DELAY_S, aperture + DELAY_LIMITS_S[1]

    def _aperture_s(self) -> float:
        if self._nplc is None:
            self._nplc = float(self.driver.current_nplc)
        if self._line_hz is None:
            self._line_hz = float(self.driver.line_frequency)
        return self._nplc / self._line_hz

    def sweep(self, voltages: Sequence[float], *, dwell_s: float | None = None,
              rate_v_per_s: float | None = None) -> SweepResult:
        """Source each voltage in turn on the instrument (list sweep) and read the buffer as one
        float32 block of 8 bytes a point: the current and the time from the first reading.

        Not transferred: the source value, since SweepResult.v is the programmed level (with
        readback ON, the 2450's default, the buffer's SOURce is the measured voltage instead),
        and the limit state, which the 2450 gives only as the ASCII SOURSTATus element; a point
        is in compliance when |i| >= 0.99 × the current limit (an overflow reading is not).
        float32 keeps each time to 2^-24 of the sweep's length, i.e. to better than 2e-4 of the
        time per point over the 2500-point list maximum.
        """
        levels = np.asarray(voltages, dtype=float)
        commands = self.driver.list_commands(levels)  # validates count and levels
        dwell_s = sweep_dwell_s(levels, dwell_s, rate_v_per_s, self.point_time_limits_s(),
                                f"the 2450 at NPLC {self._nplc:g}")
        delay_s = dwell_s - self._aperture_s()
        d = self.driver
        d.write(f'{commands};:TRAC:CLE "{DEFAULT_BUFFER}";'
                f'{d.sweep_list_command(delay_s)}')
        self._raise_errors("sweep set-up")  # nothing has been switched on yet
        n = d.run_sweep(timeout_s=1.5 * levels.size * dwell_s + 10)
        if n < 1:
            raise RuntimeError("the sweep stored no readings")
        data = d.read_buffer(1, n, ("READ", "REL"), single=True).astype(float)
        if self._compliance_a is None:
            self._compliance_a = float(d.compliance_current)
        i = data[:, 0]
        limited = ((np.abs(i) >= LIMIT_FRACTION * self._compliance_a)
                   & (np.abs(i) < np.float32(OVERFLOW)))  # 9.9E37 as float32 carries it
        return SweepResult(t=data[:, 1], v=levels[:n].copy(), i=i, in_compliance=limited)

    def _raise_errors(self, what: str) -> None:
        count = int(self.driver.ask(":SYST:ERR:COUN?"))
        if count:
            errors = self.driver.check_errors()
            raise RuntimeError(f"Keithley 2450 refused the {what}: {errors}")

    def safe_off(self) -> None:
        """Output off and source at 0 V; works from any state, including after errors."""
        d = self.driver
        try:
            d.adapter.connection.clear()  # device clear: drop half-read replies
        except Exception:  # best effort; the writes below still go out
            log.warning("device clear failed on %s", d.name, exc_info=True)
        d.write(":ABOR;:OUTP OFF;:SOUR:FUNC VOLT;:SOUR:VOLT 0")
