"""Keysight B2900-series precision SMU (B2902A, B2912A): PyMeasure driver for the B2900 SCPI
command set and the pulsing SourceMeter role procedures use, on channel 1.

Limits from the B2900 SCPI Command Reference and User's Guide: source ±210 V; compliance 1 nA
(B2912A: 100 pA) to 3.03 A; current measure ranges 100 nA (B2912A: 10 nA) to 3 A; aperture
8 µs … 2 s, i.e. 4E-4 … 100 PLC at 50 Hz and 4.8E-4 … 120 PLC at 60 Hz; pulse width 50 µs …
100 000 s; trigger timer 10 µs … 100 000 s; trigger and acquire delays 0 … 100 000 s; lists of
up to 2500 values; trigger count up to 100 000. Status data: bits 1–2 set (2, 4 or 6) when the
channel was in compliance. REAL,32 data come as a definite-length block, here little-endian
(:FORMat:BORDer SWAPped): the role reads current and status, 8 bytes per point.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.adapters import VISAAdapter
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.roles import (
    PulsedSourceMeter,
    SourceMeterLimits,
    SweepResult,
    source_levels,
    sweep_dwell_s,
)

log = logging.getLogger(__name__)

VOLTAGE_LIMIT_V = 210.0
COMPLIANCE_LIMITS_A = (1e-9, 3.03)
CURRENT_RANGES_A = (100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0, 1.5, 3.0)
APERTURE_LIMITS_S = (8e-6, 2.0)
NPLC_LIMITS = (4.8e-4, 100.0)
"""NPLC the aperture limits allow at both line frequencies (4E-4 … 100 at 50 Hz, 4.8E-4 … 120
at 60 Hz)."""
PULSE_WIDTH_LIMITS_S = (50e-6, 1e5)
TIMER_LIMITS_S = (1e-5, 1e5)
DELAY_LIMITS_S = (0.0, 1e5)
LIST_MAX = 2500
COUNT_MAX = 100_000
MIN_SOURCE_DELAY_S = 50e-6
"""Shortest wait the role leaves between a step and its reading: the output settles."""
IN_COMPLIANCE = 6
"""Status data bits 1 and 2: the channel was in compliance."""
BOOLS = {True: 1, False: 0}
LIMITS = SourceMeterLimits("B2900", "a B2900 range", COMPLIANCE_LIMITS_A, NPLC_LIMITS,
                           CURRENT_RANGES_A)


class B2900Channel(Channel):
    """One SMU channel of the B2900: source, sense, trigger and output settings."""

    source_mode = Channel.control(
        ":SOUR{ch}:FUNC:MODE?", ":SOUR{ch}:FUNC:MODE %s",
        """Control the source function, 'voltage' or 'current' (str).""",
        validator=strict_discrete_set, values={"voltage": "VOLT", "current": "CURR"},
        map_values=True,
    )
    source_shape = Channel.control(
        ":SOUR{ch}:FUNC:SHAP?", ":SOUR{ch}:FUNC:SHAP %s",
        """Control the output shape, 'dc' or 'pulse' (str).""",
        validator=strict_discrete_set, values={"dc": "DC", "pulse": "PULS"}, map_values=True,
    )
    source_voltage = Channel.control(
        ":SOUR{ch}:VOLT?", ":SOUR{ch}:VOLT %g",
        """Control the immediate voltage in V, the pulse base (float, -210 to 210).""",
        validator=strict_range, values=(-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V),
    )
    source_voltage_triggered = Channel.control(
        ":SOUR{ch}:VOLT:TRIG?", ":SOUR{ch}:VOLT:TRIG %g",
        """Control the level a trigger sets in V, the pulse peak in fixed mode (float).""",
        validator=strict_range, values=(-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V),
    )
    voltage_mode = Channel.control(
        ":SOUR{ch}:VOLT:MODE?", ":SOUR{ch}:VOLT:MODE %s",
        """Control the sweep mode, 'fixed', 'list' or 'sweep' (str).""",
        validator=strict_discrete_set, values={"fixed": "FIX", "list": "LIST", "sweep": "SWE"},
        map_values=True,
    )
    list_points = Channel.measurement(
        ":SOUR{ch}:LIST:VOLT:POIN?", """Get the number of values in the voltage list (int).""",
        cast=int,
    )
    pulse_width = Channel.control(
        ":SOUR{ch}:PULS:WIDT?", ":SOUR{ch}:PULS:WIDT %g",
        """Control the pulse width in s (float, 50 µs to 100 000 s).""",
        validator=strict_range, values=PULSE_WIDTH_LIMITS_S,
    )
    pulse_delay = Channel.control(
        ":SOUR{ch}:PULS:DEL?", ":SOUR{ch}:PULS:DEL %g",
        """Control the delay from the trigger to the pulse in s (float, 0 to 99 999.9).""",
        validator=strict_range, values=(0.0, 99_999.9),
    )
    compliance_current = Channel.control(
        ":SENS{ch}:CURR:PROT?", ":SENS{ch}:CURR:PROT %g",
        """Control the current compliance in A (float, 1 nA to 3.03 A).""",
        validator=strict_range, values=COMPLIANCE_LIMITS_A,
    )
    compliance_tripped = Channel.measurement(
        ":SENS{ch}:CURR:PROT:TRIP?", """Get whether the channel is in compliance (bool).""",
        cast=lambda v: bool(int(float(v))),
    )
    current_range = Channel.control(
        ":SENS{ch}:CURR:RANG?", ":SENS{ch}:CURR:RANG %g",
        """Control the fixed current measure range in A (float, 100 nA to 3 A).""",
        validator=strict_discrete_set, values=CURRENT_RANGES_A,
    )
    current_range_auto = Channel.control(
        ":SENS{ch}:CURR:RANG:AUTO?", ":SENS{ch}:CURR:RANG:AUTO %d",
        """Control whether the current measure range is automatic (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    aperture = Channel.control(
        ":SENS{ch}:CURR:APER?", ":SENS{ch}:CURR:APER %g",
        """Control the measurement aperture in s (float, 8 µs to 2 s).""",
        validator=strict_range, values=APERTURE_LIMITS_S,
    )
    nplc = Channel.control(
        ":SENS{ch}:CURR:NPLC?", ":SENS{ch}:CURR:NPLC %g",
        """Control the aperture in power-line cycles (float, 4.8E-4 to 100).""",
        validator=strict_range, values=NPLC_LIMITS,
    )
    trigger_source = Channel.control(
        ":TRIG{ch}:SOUR?", ":TRIG{ch}:SOUR %s",
        """Control the trigger source, 'auto', 'bus' or 'timer' (str).""",
        validator=strict_discrete_set, values={"auto": "AINT", "bus": "BUS", "timer": "TIM"},
        map_values=True,
    )
    trigger_timer = Channel.control(
        ":TRIG{ch}:TIM?", ":TRIG{ch}:TIM %g",
        """Control the trigger period of the timer source in s (float, 10 µs to 100 000 s).""",
        validator=strict_range, values=TIMER_LIMITS_S,
    )
    trigger_count = Channel.control(
        ":TRIG{ch}:COUN?", ":TRIG{ch}:COUN %d",
        """Control the number of triggers per arm (int, 1 to 100 000).""",
        validator=strict_range, values=(1, COUNT_MAX), cast=int,
    )
    arm_count = Channel.control(
        ":ARM{ch}:COUN?", ":ARM{ch}:COUN %d",
        """Control the number of arms per :INITiate (int, 1 to 100 000).""",
        validator=strict_range, values=(1, COUNT_MAX), cast=int,
    )
    acquire_delay = Channel.control(
        ":TRIG{ch}:ACQ:DEL?", ":TRIG{ch}:ACQ:DEL %g",
        """Control the delay from a trigger to the measurement in s (float).""",
        validator=strict_range, values=DELAY_LIMITS_S,
    )
    output_enabled = Channel.control(
        ":OUTP{ch}?", ":OUTP{ch} %d",
        """Control whether the output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    output_low = Channel.control(
        ":OUTP{ch}:LOW?", ":OUTP{ch}:LOW %s",
        """Control the low terminal, 'ground' or 'float' (str); set with the output off.""",
        validator=strict_discrete_set, values={"ground": "GRO", "float": "FLO"},
        map_values=True,
    )
    current = Channel.measurement(
        ":MEAS:CURR? (@{ch})", """Get a spot current reading in A at the immediate level.""",
    )

    def list_command(self, voltages: Sequence[float]) -> str:
        """The :SOURce:LIST:VOLTage command of a voltage list (1 to 2500 values)."""
        levels = source_levels(voltages, LIST_MAX, VOLTAGE_LIMIT_V, "a list", "values")
        return f":SOUR{self.id}:LIST:VOLT " + ",".join(map("{:.6g}".format, levels.tolist()))


class B2900(SCPIMixin, Instrument):
    """Keysight B2902A/B2912A two-channel precision SMU: ±210 V, 3 A, 100 nA … 3 A ranges."""

    ch_1 = Instrument.ChannelCreator(B2900Channel, 1)
    ch_2 = Instrument.ChannelCreator(B2900Channel, 2)

    def __init__(self, adapter, name: str = "Keysight B2900 SMU", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 20_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    data_format = Instrument.control(
        ":FORM?", ":FORM %s",
        """Control the data format, 'ascii', 'real32' or 'real64' (str).""",
        validator=strict_discrete_set,
        values={"ascii": "ASC", "real32": "REAL,32", "real64": "REAL,64"}, map_values=True,
        separator=";",  # the answer "REAL,64" is one value
    )
    byte_order = Instrument.control(
        ":FORM:BORD?", ":FORM:BORD %s",
        """Control the binary byte order, 'normal' (big-endian) or 'swapped' (str).""",
        validator=strict_discrete_set, values={"normal": "NORM", "swapped": "SWAP"},
        map_values=True,
    )
    elements = Instrument.control(
        ":FORM:ELEM:SENS?", ":FORM:ELEM:SENS %s",
        """Control the data elements, a comma-separated subset of VOLT,CURR,RES,TIME,STAT,SOUR
        (str; the instrument returns them in that order).""",
    )
    line_frequency = Instrument.measurement(
        ":SYST:LFR?", """Get the power-line frequency in Hz (int).""", cast=int,
    )

    @staticmethod
    def channel_list(channels: Sequence[int]) -> str:
        """The channel list parameter, e.g. (@1,2)."""
        return "(@" + ",".join(str(int(c)) for c in channels) + ")"

    def initiate(self, channels: Sequence[int] = (1,)) -> None:
        """Start the configured acquisition on the channels (:INITiate)."""
        self.write(f":INIT {self.channel_list(channels)}")

    def abort(self, channels: Sequence[int] = (1, 2)) -> None:
        """Stop the channels' trigger systems (:ABORt)."""
        self.write(f":ABOR {self.channel_list(channels)}")

    def run_and_fetch(self, points: int, values_per_point: int, channels: Sequence[int] = (1,),
                      timeout_s: float | None = None) -> np.ndarray:
        """:INITiate, wait (*WAI) and read every reading of the channels in one REAL,32 block
        (byte order SWAPped), shape (points, values_per_point × channels).

        The block's length is known, so it is read in one go with the read termination off
        (the block holds newline bytes); over VISA the timeout is raised to timeout_s (the
        acquisition's duration plus margin) for this one query.
        """
        chans = self.channel_list(channels)
        nbytes = 4 * points * values_per_point * len(channels)
        header = f"#{len(str(nbytes))}{nbytes}".encode()
        size = len(header) + nbytes + 1
        connection = self.adapter.connection
        timeout, termination = connection.timeout, connection.read_termination
        if timeout_s is not None and isinstance(self.adapter, VISAAdapter):
            connection.timeout = max(timeout or 0, timeout_s * 1000)
        self.write(f":FORM REAL,32;:FORM:BORD SWAP;:INIT {chans};*WAI;:FETC:ARR? {chans}")
        connection.read_termination = None
        try:
            raw = self.read_bytes(size, chunk_size=size)
        finally:
            connection.timeout, connection.read_termination = timeout, termination
        if not raw.startswith(header) or raw[-1:] != b"\n":
            raise ValueError(f"{self.name} sent {raw[:16]!r}…, not the {nbytes}-byte block "
                             f"of {points} points")
        return np.frombuffer(raw[len(header):-1], dtype="<f4").astype(float).reshape(points, -1)

    def read_ascii(self, query: str) -> list[float]:
        """An ASCII data reply as floats (sets :FORMat ASCii for it)."""
        return [float(x) for x in self.ask(f":FORM ASC;{query}").split(",")]


class B2900SourceMeter(PulsedSourceMeter):
    """SourceMeter role on channel 1 of a B2902A/B2912A: voltage source, current measure,
    list sweeps and pulses with compliance, each as one acquisition on the instrument."""

    IDN_PATTERNS = (r"(KEYSIGHT|AGILENT) TECHNOLOGIES,B29[01]2A,",)
    """The *IDN? answers of the B2902A and B2912A (Agilent before 2014, Keysight since)."""

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = B2900(resource, visa_library=visa_library, **kwargs)
        self._aperture_s: float | None = None
        self._line_hz: float | None = None

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    @property
    def output_enabled(self) -> bool:
        """True when channel 1's output is on."""
        return bool(self.driver.ch_1.output_enabled)

    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """Refuse (ValueError naming the setting and its range) what configure() cannot set."""
        LIMITS.check_configuration(compliance_a, current_range_a, nplc)

    def configure(self, compliance_a: float, current_range_a: float | None = None,
                  nplc: float = 1.0) -> None:
        """Voltage source / current measure with this compliance; range None = auto."""
        self.check_configuration(compliance_a, current_range_a, nplc)
        ch = self.driver.ch_1
        ch.source_mode = "voltage"
        ch.write(':SENS{ch}:FUNC "CURR"')
        if current_range_a is None:
            ch.current_range_auto = True
        else:
            ch.current_range = current_range_a
        ch.nplc = float(nplc)
        ch.compliance_current = float(compliance_a)
        self._raise_errors("configure")
        self._aperture_s = float(ch.aperture)

    def apply(self, voltage_v: float) -> None:
        """Set the DC level and switch the output on."""
        voltage_v = LIMITS.check("voltage_v", voltage_v, (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V), "V")
        ch = self.driver.ch_1
        ch.source_voltage = voltage_v
        ch.output_enabled = True

    def measure(self) -> tuple[float, float, bool]:
        """One spot reading at the DC level now: (V, I, in compliance)."""
        v, i, status = self.driver.read_ascii(":FORM:ELEM:SENS VOLT,CURR,STAT;:MEAS? (@1)")
        return v, i, bool(int(status) & IN_COMPLIANCE)

    def aperture_s(self) -> float:
        """Integration time of one reading in s (asked once per configuration)."""
        if self._aperture_s is None:
            self._aperture_s = float(self.driver.ch_1.aperture)
        return self._aperture_s

    def point_time_limits_s(self) -> tuple[float, float]:
        """Shortest and longest time per sweep point the instrument can time, in s."""
        return max(self.aperture_s() + MIN_SOURCE_DELAY_S, TIMER_LIMITS_S[0]), TIMER_LIMITS_S[1]

    def sweep(self, voltages: Sequence[float], *, dwell_s: float | None = None,
              rate_v_per_s: float | None = None) -> SweepResult:
        """Source each voltage in turn (a timer-triggered list sweep, one reading at the end of
        each point) and read the results in one binary transfer."""
        levels = np.asarray(voltages, dtype=float)
        command = self.driver.ch_1.list_command(levels)  # validates count and levels
        dwell_s = sweep_dwell_s(levels, dwell_s, rate_v_per_s, self.point_time_limits_s(),
                                "the B2900 at this aperture")
        self.driver.write(f":SOUR1:FUNC:SHAP DC;:SOUR1:VOLT:MODE LIST;{command};"
                          f"{self._timing(levels.size, dwell_s, dwell_s - self.aperture_s())}")
        return self._acquire(levels, levels.size * dwell_s, "sweep")

    def _timing(self, n: int, period_s: float, acquire_delay_s: float) -> str:
        return (f":TRIG1:SOUR TIM;:TRIG1:TIM {period_s:.9g};:TRIG1:COUN {n};:ARM1:COUN 1;"
                f":TRIG1:TRAN:DEL 0;:TRIG1:ACQ:DEL {acquire_delay_s:.9g};"
                f":FORM:ELEM:SENS CURR,STAT")

    def _acquire(self, levels: np.ndarray, duration_s: float, what: str) -> SweepResult:
        """Check the set-up was accepted, run it and read (I, status) of every point: 8 bytes
        a point. The readings are timer-triggered, so reading k is taken k periods after the
        first (the instrument's TIME element would repeat that grid at 4 more bytes a point)."""
        self._raise_errors(f"{what} set-up")  # nothing has been switched on yet
        data = self.driver.run_and_fetch(levels.size, 2, timeout_s=1.5 * duration_s + 10)
        status = data[:, 1].astype(np.int64)
        period = duration_s / levels.size
        return SweepResult(t=np.arange(levels.size) * period, v=levels.copy(), i=data[:, 0],
                           in_compliance=(status & IN_COMPLIANCE) > 0)

    def check_pulse(self, width_s: float, period_s: float | None = None,
                    measure_delay_s: float | None = None, nplc: float | None = None) -> None:
        """Refuse (ValueError naming the setting and its range) a pulse the B2900 cannot time
        or measure inside at this NPLC (None: the configured aperture)."""
        LIMITS.check("width_s", width_s, PULSE_WIDTH_LIMITS_S, "s")
        if period_s is not None:
            LIMITS.check("period_s", period_s, (max(width_s, TIMER_LIMITS_S[0]), TIMER_LIMITS_S[1]),
                   "s")
        if nplc is None:
            aperture = self.aperture_s()
        else:
            if self._line_hz is None:
                self._line_hz = float(self.driver.line_frequency)
            aperture = LIMITS.check("nplc", nplc, NPLC_LIMITS, "PLC") / self._line_hz
        delay = width_s - aperture if measure_delay_s is None else measure_delay_s
        if not 0 <= delay <= width_s - aperture:
            raise ValueError(f"measure_delay_s={delay:g} s: a reading of {aperture:g} s "
                             f"(the aperture) fits inside a {width_s:g} s pulse only from 0 "
                             f"to {width_s - aperture:g} s after its start; widen the pulse "
                             f"or configure a lower nplc")

    def check_pulse_train(self, amplitudes: Sequence[float], width_s: float, period_s: float,
                          base_v: float = 0.0, measure_delay_s: float | None = None,
                          nplc: float | None = None) -> None:
        """Refuse (ValueError) a pulse train the B2900 cannot run: 1 to 2500 levels within
        ±210 V, and check_pulse()."""
        self.driver.ch_1.list_command(amplitudes)
        LIMITS.check("base_v", base_v, (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V), "V")
        self.check_pulse(width_s, period_s, measure_delay_s, nplc)

    def pulse(self, amplitude_v: float, width_s: float, base_v: float = 0.0,
              measure_delay_s: float | None = None) -> tuple[float, float, bool]:
        """One pulse from base_v to amplitude_v, measured inside it: (V, I, in compliance)."""
        r = self.pulse_train([amplitude_v], width_s, width_s, base_v, measure_delay_s)
        return float(r.v[0]), float(r.i[0]), bool(r.in_compliance[0])

    def pulse_train(self, amplitudes: Sequence[float], width_s: float, period_s: float,
                    base_v: float = 0.0, measure_delay_s: float | None = None) -> SweepResult:
        """One pulse per amplitude every period_s from base_v, as one pulsed list sweep."""
        levels = np.asarray(amplitudes, dtype=float)
        self.check_pulse_train(levels, width_s, period_s, base_v, measure_delay_s)
        command = self.driver.ch_1.list_command(levels)
        delay = width_s - self.aperture_s() if measure_delay_s is None else measure_delay_s
        self.driver.write(f":SOUR1:FUNC:SHAP PULS;:SOUR1:VOLT {base_v:.6g};"
                          f":SOUR1:PULS:DEL 0;:SOUR1:PULS:WIDT {width_s:.9g};"
                          f":SOUR1:VOLT:MODE LIST;{command};"
                          f"{self._timing(levels.size, period_s, delay)}")
        return self._acquire(levels, levels.size * period_s, "pulse train")

    def _raise_errors(self, what: str) -> None:
        errors = self.driver.check_errors()
        if errors:
            raise RuntimeError(f"Keysight B2900 refused the {what}: {errors}")

    def safe_off(self) -> None:
        """Both outputs off, DC shape, sources at 0 V; works from any state."""
        d = self.driver
        try:
            d.adapter.connection.clear()  # device clear: drop half-read replies
        except Exception:  # best effort; the writes below still go out
            log.warning("device clear failed on %s", d.name, exc_info=True)
        d.write(":ABOR (@1,2);:OUTP1 OFF;:OUTP2 OFF;:SOUR1:FUNC:SHAP DC;:SOUR1:VOLT 0;"
                ":SOUR2:FUNC:SHAP DC;:SOUR2:VOLT 0")
