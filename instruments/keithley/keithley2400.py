"""Keithley 2400-series SourceMeter (2400, 2401, 2410): PyMeasure driver (2400 Series User's
Manual SCPI command set) and the SourceMeter role procedures use.

Limits from the manual: V-source ±210 V on 200 mV … 200 V (2400), ±21 V on 200 mV … 20 V
(2401), ±1100 V on 200 mV … 1 kV (2410); current ranges 1 µA … 1 A (the 2410 has 20 mA in
place of 10 mA); compliance up to 1.05 A and not below 0.1 % of the measure range; NPLC
0.01 … 10; source and trigger delays 0 … 999.9999 s; arm × trigger count ≤ 2500 (the
buffer); source lists of up to 2500 points sent 100 at a time. :READ? answers with the
:FORMat:ELEMents in the order VOLT, CURR, RES, TIME, STAT; bit 3 of the status word is
compliance, bit 16 range compliance (a fixed measure range below the compliance holds the
source at 105 % of that range). Binary replies (REAL,32) are ``#0<floats>`` and a newline.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pymeasure.adapters import VISAAdapter
from pymeasure.instruments import Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.keithley.source_list import list_commands
from labmem.instruments.roles import SourceMeter, SourceMeterLimits, SweepResult, sweep_dwell_s

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelLimits:
    """What one model of the series can source and measure."""

    voltage_max_v: float
    voltage_ranges_v: tuple[float, ...]
    current_ranges_a: tuple[float, ...]


MODELS = {
    "2400": ModelLimits(210.0, (0.2, 2.0, 20.0, 200.0),
                        (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0)),
    "2401": ModelLimits(21.0, (0.2, 2.0, 20.0), (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0)),
    "2410": ModelLimits(1100.0, (0.2, 2.0, 20.0, 1000.0),
                        (1e-6, 1e-5, 1e-4, 1e-3, 20e-3, 0.1, 1.0)),
}
"""Limits of each model, by the model number of its *IDN? answer."""
COMPLIANCE_LIMITS_A = (1e-9, 1.05)
"""1.05 A, and 0.1 % of the lowest (1 µA) range at the bottom."""
COMPLIANCE_MIN_FRACTION = 1e-3
NPLC_LIMITS = (0.01, 10.0)
DELAY_LIMITS_S = (0.0, 999.9999)
COUNT_MAX = 2500
MIN_SOURCE_DELAY_S = 50e-6
"""Shortest source delay the role programs: the output settles (20 µs loop) before a reading."""
COMPLIANCE_BIT = 8
"""Status word bit 3: the reading was taken in compliance."""
LIMIT_FRACTION = 0.99
"""A sweep reading this close to the current limit counts as in compliance."""
RANGE_LIMIT = 1.05
"""A fixed measure range below the compliance limits the source at 105 % of the range."""
SWEEP_ELEMENTS = ("CURR", "TIME")
BOOLS = {True: 1, False: 0}
LIMITS = SourceMeterLimits("Keithley 2400", "a range of this Keithley 24xx", COMPLIANCE_LIMITS_A,
                           NPLC_LIMITS, MODELS["2400"].current_ranges_a)
"""The role's checks; a role takes the current ranges of the model its *IDN? answer names."""


class Keithley2400(SCPIMixin, Instrument):
    """Keithley 2400-series SourceMeter (SCPI); model sets the source and range validators."""

    def __init__(self, adapter, name: str = "Keithley 2400 SourceMeter", model: str = "2400",
                 **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 20_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)
        self.use_model(model)

    def use_model(self, model: str) -> None:
        """Validate against the limits of model ('2400', '2401' or '2410')."""
        self.limits = MODELS[model]
        vmax = self.limits.voltage_max_v
        self.source_voltage_values = (-vmax, vmax)
        self.source_voltage_range_values = self.limits.voltage_ranges_v
        self.current_range_values = self.limits.current_ranges_a

    # -- source ---------------------------------------------------------------------------

    source_function = Instrument.control(
        ":SOUR:FUNC?", ":SOUR:FUNC %s",
        """Control the source function, 'voltage' or 'current' (str).""",
        validator=strict_discrete_set, values={"voltage": "VOLT", "current": "CURR"},
        map_values=True,
    )
    source_voltage = Instrument.control(
        ":SOUR:VOLT?", ":SOUR:VOLT %g",
        """Control the fixed source voltage in V (float, ±210 V; ±21 V 2401; ±1100 V 2410).""",
        validator=strict_range, values=(-210.0, 210.0), dynamic=True,
    )
    source_voltage_range = Instrument.control(
        ":SOUR:VOLT:RANG?", ":SOUR:VOLT:RANG %g",
        """Control the fixed source voltage range in V (float, one of the model's ranges).""",
        validator=strict_discrete_set, values=MODELS["2400"].voltage_ranges_v, dynamic=True,
    )
    source_voltage_range_auto = Instrument.control(
        ":SOUR:VOLT:RANG:AUTO?", ":SOUR:VOLT:RANG:AUTO %d",
        """Control whether the source voltage range follows the level (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    source_voltage_mode = Instrument.control(
        ":SOUR:VOLT:MODE?", ":SOUR:VOLT:MODE %s",
        """Control the voltage sourcing mode, 'fixed', 'list' or 'sweep' (str).""",
        validator=strict_discrete_set, values={"fixed": "FIX", "list": "LIST", "sweep": "SWE"},
        map_values=True,
    )
    source_delay = Instrument.control(
        ":SOUR:DEL?", ":SOUR:DEL %g",
        """Control the source delay before each reading in s (float, 0 to 999.9999).""",
        validator=strict_range, values=DELAY_LIMITS_S,
    )
    source_delay_auto = Instrument.control(
        ":SOUR:DEL:AUTO?", ":SOUR:DEL:AUTO %d",
        """Control whether the source delay is chosen by the instrument (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    auto_output_off = Instrument.control(
        ":SOUR:CLE:AUTO?", ":SOUR:CLE:AUTO %d",
        """Control whether the output turns off after each measurement (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    output_enabled = Instrument.control(
        ":OUTP?", ":OUTP %d",
        """Control whether the output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )

    # -- measure --------------------------------------------------------------------------

    sense_function = Instrument.control(
        ":SENS:FUNC?", ":SENS:FUNC %s",
        """Control the function measured, 'current', 'voltage' or 'resistance' (str); the
        2400 measures the functions switched on concurrently, this adds one.""",
        validator=strict_discrete_set,
        values={"current": '"CURR:DC"', "voltage": '"VOLT:DC"', "resistance": '"RES"'},
        map_values=True,
    )
    compliance_current = Instrument.control(
        ":SENS:CURR:PROT?", ":SENS:CURR:PROT %g",
        """Control the current compliance of the voltage source in A (float, 1 nA to 1.05 A,
        at least 0.1 % of the measure range).""",
        validator=strict_range, values=COMPLIANCE_LIMITS_A,
    )
    compliance_tripped = Instrument.measurement(
        ":SENS:CURR:PROT:TRIP?",
        """Get whether the voltage source is in current compliance (bool).""",
        cast=lambda v: bool(int(float(v))),
    )
    current_range = Instrument.control(
        ":SENS:CURR:RANG?", ":SENS:CURR:RANG %g",
        """Control the fixed current measure range in A (float, one of the model's ranges).""",
        validator=strict_discrete_set, values=MODELS["2400"].current_ranges_a, dynamic=True,
    )
    current_range_auto = Instrument.control(
        ":SENS:CURR:RANG:AUTO?", ":SENS:CURR:RANG:AUTO %d",
        """Control whether the current measure range is automatic (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    current_nplc = Instrument.control(
        ":SENS:CURR:NPLC?", ":SENS:CURR:NPLC %g",
        """Control the aperture in power-line cycles (float, 0.01 to 10; global on the 2400).""",
        validator=strict_range, values=NPLC_LIMITS,
    )
    line_frequency = Instrument.measurement(
        ":SYST:LFR?",
        """Get the power-line frequency in Hz (int).""",
        cast=int,
    )

    # -- trigger model and data format ------------------------------------------------------

    trigger_count = Instrument.control(
        ":TRIG:COUN?", ":TRIG:COUN %d",
        """Control the trigger count (int, 1 to 2500; arm × trigger count ≤ 2500).""",
        validator=strict_range, values=(1, COUNT_MAX), cast=int,
    )
    arm_count = Instrument.control(
        ":ARM:COUN?", ":ARM:COUN %d",
        """Control the arm count (int, 1 to 2500; arm × trigger count ≤ 2500).""",
        validator=strict_range, values=(1, COUNT_MAX), cast=int,
    )
    trigger_delay = Instrument.control(
        ":TRIG:DEL?", ":TRIG:DEL %g",
        """Control the trigger delay in s (float, 0 to 999.9999).""",
        validator=strict_range, values=DELAY_LIMITS_S,
    )
    data_format = Instrument.control(
        ":FORM:DATA?", ":FORM:DATA %s",
        """Control the reading format, 'ascii', 'sreal' (float32) or 'dreal' (float64) (str).""",
        validator=strict_discrete_set,
        values={"ascii": "ASC", "sreal": "REAL,32", "dreal": "REAL,64"}, map_values=True,
        separator=";",  # the answer 'REAL,32' is one value
    )
    byte_order = Instrument.control(
        ":FORM:BORD?", ":FORM:BORD %s",
        """Control the binary byte order, 'normal' (big-endian) or 'swapped' (str).""",
        validator=strict_discrete_set, values={"normal": "NORM", "swapped": "SWAP"},
        map_values=True,
    )
    buffer_points = Instrument.control(
        ":TRAC:POIN?", ":TRAC:POIN %d",
        """Control the capacity of the reading buffer (int, 1 to 2500).""",
        validator=strict_range, values=(1, COUNT_MAX), cast=int,
    )

    # -- methods ----------------------------------------------------------------------------

    def list_commands(self, voltages: Sequence[float]) -> str:
        """The :SOURce:LIST:VOLTage command, with :APPend per 100 values, for a source list."""
        return list_commands(voltages, self.limits.voltage_max_v)

    def read_point(self) -> tuple[float, float, int]:
        """One reading now (output on): (source V, current A, status word)."""
        fields = self.ask(":FORM:DATA ASC;:FORM:ELEM VOLT,CURR,STAT;:READ?").split(",")
        v, i, status = (float(x) for x in fields)
        return v, i, int(status)

    def read_binary(self, message: str, rows: int, columns: int,
                    timeout_s: float | None = None) -> np.ndarray:
        """Send message, whose reply is one float32 block (:FORM:DATA REAL,32 and
        :FORM:BORD SWAP in force), and return it as (rows, columns).

        The read timeout is raised to timeout_s for this reply: :READ? answers when the
        sweep is done."""
        size = 2 + 4 * rows * columns + 1
        connection = self.adapter.connection
        termination, timeout = connection.read_termination, connection.timeout
        self.write(message)
        connection.read_termination = None  # a binary block may hold newline bytes
        if timeout_s is not None and isinstance(self.adapter, VISAAdapter):
            connection.timeout = max(timeout or 0, timeout_s * 1000)
        try:
            raw = self.read_bytes(size, chunk_size=size)
        finally:
            connection.read_termination, connection.timeout = termination, timeout
        if raw[:2] != b"#0" or raw[-1:] != b"\n":
            raise ValueError(f"malformed binary block from {self.name}: {raw[:16]!r}…")
        return np.frombuffer(raw[2:-1], dtype="<f4").reshape(rows, columns)


class Keithley2400SourceMeter(SourceMeter):
    """SourceMeter role on a Keithley 2400, 2401 or 2410: voltage source, current measure,
    list sweeps; the model's limits are taken from its *IDN? answer (2400 until asked)."""

    IDN_PATTERNS = (r"KEITHLEY INSTRUMENTS INC\.,MODEL 24(00|01|10),",)
    """The answers the 2400 Series manual documents for *IDN? of the models emulated."""

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = Keithley2400(resource, visa_library=visa_library, **kwargs)
        self._nplc: float | None = None
        self._line_hz: float | None = None
        self._limit_a: float | None = None

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer; the role takes on that model's limits."""
        answer = self.driver.id
        model = re.match(r"KEITHLEY INSTRUMENTS INC\.,MODEL (\d+)", answer, re.IGNORECASE)
        if model and model.group(1) in MODELS:
            self.driver.use_model(model.group(1))
        return answer

    @property
    def output_enabled(self) -> bool:
        """True when the output is on."""
        return bool(self.driver.output_enabled)

    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """Refuse (ValueError naming the setting and its range) what configure() cannot set."""
        limits = replace(LIMITS, current_ranges_a=self.driver.limits.current_ranges_a)
        limits.check_configuration(compliance_a, current_range_a, nplc)
        if current_range_a is not None and compliance_a < COMPLIANCE_MIN_FRACTION * current_range_a:
            raise ValueError(f"compliance_a={compliance_a:g} A is below 0.1 % of the "
                             f"{current_range_a:g} A range; choose a lower range or auto")

    def configure(self, compliance_a: float, current_range_a: float | None = None,
                  nplc: float = 1.0) -> None:
        """Voltage source / current measure with this compliance; range None = auto."""
        self.check_configuration(compliance_a, current_range_a, nplc)
        d = self.driver
        d.source_function = "voltage"
        d.sense_function = "current"
        if current_range_a is None:
            d.current_range_auto = True
        else:
            d.current_range = current_range_a
        d.current_nplc = float(nplc)
        d.compliance_current = float(compliance_a)
        self._raise_errors("configure")
        self._nplc = float(nplc)
        self._limit_a = float(compliance_a) if current_range_a is None else min(
            float(compliance_a), RANGE_LIMIT * current_range_a)
        if self._line_hz is None:  # asked once, so sweeps need no extra round trip
            self._line_hz = float(d.line_frequency)

    def apply(self, voltage_v: float) -> None:
        """Set the source level and switch the output on."""
        vmax = self.driver.limits.voltage_max_v
        self.driver.source_voltage = LIMITS.check("voltage_v", voltage_v, (-vmax, vmax), "V")
        self.driver.output_enabled = True

    def measure(self) -> tuple[float, float, bool]:
        """One reading now: (V sourced, I measured, in compliance)."""
        v, i, status = self.driver.read_point()
        return v, i, bool(status & COMPLIANCE_BIT)

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
        """Source each voltage in turn as one list sweep (trigger count = points) and read the
        readings with one binary :READ? of 8 bytes a point: current and time as float32 (so the
        clock is reset first; times are kept to 2^-24 of the sweep's length, better than 2e-4
        of the time per point over the 2500-point maximum).

        Not transferred: VOLT, since SweepResult.v is the programmed level, and STAT, which
        would take another float32; a point is in compliance when |i| >= 0.99 × the limit the
        source is held to (the compliance, or 105 % of a lower fixed range). A limit far down
        the lowest (1 µA) range is read with noise near 1 % of it, so some limited readings
        fall below 0.99 × limit and go unflagged (at 10 nA and NPLC 0.01, about 1 in 10).
        """
        levels = np.asarray(voltages, dtype=float)
        commands = self.driver.list_commands(levels)  # validates count and levels
        dwell_s = sweep_dwell_s(levels, dwell_s, rate_v_per_s, self.point_time_limits_s(),
                                f"the 2400 at NPLC {self._nplc:g}")
        n = levels.size
        d = self.driver
        d.write(f"{commands};:SOUR:VOLT:MODE LIST;:SYST:TIME:RES;"
                f":SOUR:DEL {dwell_s - self._aperture_s():g};:TRIG:DEL 0;:ARM:COUN 1;"
                f":TRIG:COUN {n};"
                f":FORM:ELEM {','.join(SWEEP_ELEMENTS)};:FORM:DATA REAL,32;:FORM:BORD SWAP")
        self._raise_errors("sweep set-up")  # nothing has been switched on yet
        data = d.read_binary(":OUTP ON;:READ?;:SOUR:VOLT:MODE FIX;:TRIG:COUN 1;:FORM:DATA ASC",
                             n, len(SWEEP_ELEMENTS), timeout_s=1.5 * n * dwell_s + 10)
        if self._limit_a is None:
            self._limit_a = float(d.compliance_current)
        i, t = data[:, 0].astype(float), data[:, 1].astype(float)
        return SweepResult(t=t - t[0], v=levels.copy(), i=i,
                           in_compliance=np.abs(i) >= LIMIT_FRACTION * self._limit_a)

    def _raise_errors(self, what: str) -> None:
        if int(self.driver.ask(":SYST:ERR:COUN?")):
            errors = self.driver.check_errors()
            raise RuntimeError(f"Keithley 2400 refused the {what}: {errors}")

    def safe_off(self) -> None:
        """Output off and source at 0 V; works from any state, including after errors."""
        d = self.driver
        try:
            d.adapter.connection.clear()  # device clear: drop half-read replies
        except Exception:  # best effort; the writes below still go out
            log.warning("device clear failed on %s", d.name, exc_info=True)
        d.write(":ABOR;:OUTP OFF;:SOUR:VOLT:MODE FIX;:SOUR:FUNC VOLT;:SOUR:VOLT 0;"
                ":TRIG:COUN 1;:FORM:DATA ASC")
