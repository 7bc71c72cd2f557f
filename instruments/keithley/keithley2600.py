"""Keithley 2600B System SourceMeter (2636B; 2602B, 2612B …): PyMeasure driver speaking TSP (the
instrument's Lua command language) and the SourceMeter role procedures use.

Facts from the Series 2600B reference manual: two channels ``smua``/``smub``; attributes are
set by assignment (``smua.source.levelv = 0.5``) and read with ``print(...)``, numbers as
``%e``; ``errorqueue.next()`` gives code, message, severity, node; ``loadscript name`` …
``endscript`` stores a script that ``name()`` runs; the trigger model sweeps a source list
(``smuX.trigger.source.listv``) into a reading buffer; ``printbuffer`` with
``format.data = format.REAL32`` answers ``#0`` and 4-byte IEEE floats in the
``format.byteorder``. Limits of the 2636B: ±200 V, current limit 10 pA … 1.5 A, current
ranges 100 pA … 1.5 A, NPLC 0.001 … 25.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.adapters import VISAAdapter
from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.roles import (
    SourceMeter,
    SourceMeterLimits,
    SweepResult,
    source_levels,
    sweep_dwell_s,
)

log = logging.getLogger(__name__)

VOLTAGE_LIMIT_V = 200.0
CURRENT_RANGES_A = (100e-12, 1e-9, 10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3,
                    1.0, 1.5)
COMPLIANCE_LIMITS_A = (10e-12, 1.5)
NPLC_LIMITS = (0.001, 25.0)
DELAY_LIMITS_S = (0.0, 1e3)
SWEEP_MAX_POINTS = 60_000
"""Readings a dedicated reading buffer holds."""
MIN_MEASURE_DELAY_S = 50e-6
"""Shortest delay the role programs before a reading: the output settles first."""
LIMIT_FRACTION = 0.99
"""A sweep reading this close to the current limit counts as in compliance."""
LIST_LINE = 100
"""Source-list values per line of an uploaded script."""
SCRIPT = "labmem_sweep"
BOOLS = {True: 1, False: 0}
LIMITS = SourceMeterLimits("Keithley 2600B", "a 2600B range", COMPLIANCE_LIMITS_A, NPLC_LIMITS,
                           CURRENT_RANGES_A)


class Keithley2600Channel(Channel):
    """One SMU channel (``smua`` or ``smub``) in TSP."""

    source_function = Channel.control(
        "print(smu{ch}.source.func)", "smu{ch}.source.func = %d",
        """Control the source function, 'voltage' or 'current' (str).""",
        validator=strict_discrete_set, values={"voltage": 1, "current": 0}, map_values=True,
    )
    source_voltage = Channel.control(
        "print(smu{ch}.source.levelv)", "smu{ch}.source.levelv = %g",
        """Control the source voltage in V (float, -200 to 200).""",
        validator=strict_range, values=(-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V),
    )
    source_voltage_range_auto = Channel.control(
        "print(smu{ch}.source.autorangev)", "smu{ch}.source.autorangev = %d",
        """Control whether the source voltage range follows the level (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    compliance_current = Channel.control(
        "print(smu{ch}.source.limiti)", "smu{ch}.source.limiti = %g",
        """Control the current limit of the voltage source in A (float, 10 pA to 1.5 A).""",
        validator=strict_range, values=COMPLIANCE_LIMITS_A,
    )
    compliance_tripped = Channel.measurement(
        "print(smu{ch}.source.compliance)",
        """Get whether the source is limited by the current limit (bool).""",
        cast=lambda v: v.strip() == "true",
    )
    output_enabled = Channel.control(
        "print(smu{ch}.source.output)", "smu{ch}.source.output = %d",
        """Control whether the output is on (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    current_range = Channel.control(
        "print(smu{ch}.measure.rangei)", "smu{ch}.measure.rangei = %g",
        """Control the fixed current measure range in A (float, 100 pA to 1.5 A).""",
        validator=strict_discrete_set, values=CURRENT_RANGES_A,
    )
    current_range_auto = Channel.control(
        "print(smu{ch}.measure.autorangei)", "smu{ch}.measure.autorangei = %d",
        """Control whether the current measure range is automatic (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    nplc = Channel.control(
        "print(smu{ch}.measure.nplc)", "smu{ch}.measure.nplc = %g",
        """Control the aperture in power-line cycles (float, 0.001 to 25).""",
        validator=strict_range, values=NPLC_LIMITS,
    )
    measure_delay = Channel.control(
        "print(smu{ch}.measure.delay)", "smu{ch}.measure.delay = %g",
        """Control the delay before each reading in s (float, 0 to 1000).""",
        validator=strict_range, values=DELAY_LIMITS_S,
    )
    current = Channel.measurement(
        "print(smu{ch}.measure.i())",
        """Get one current reading in A (float).""",
    )

    def read_point(self) -> tuple[float, float, bool]:
        """One reading now: (voltage readback, current, in compliance)."""
        reply = self.ask(f"local i, v = smu{self.id}.measure.iv() "
                         f"print(v, i, smu{self.id}.source.compliance)")
        v, i, limited = reply.split("\t")
        return float(v), float(i), limited.strip() == "true"

    def abort(self) -> None:
        """Stop the trigger model."""
        self.write("smu{ch}.abort()")


class Keithley2600(Instrument):
    """Keithley 2600B System SourceMeter in TSP: channels ``smua`` and ``smub``."""

    smua = Instrument.ChannelCreator(Keithley2600Channel, "a")
    smub = Instrument.ChannelCreator(Keithley2600Channel, "b")

    def __init__(self, adapter, name: str = "Keithley 2600B SourceMeter", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 20_000)
        super().__init__(adapter, name, includeSCPI=False, read_termination="\n",
                         write_termination="\n", **kwargs)

    id = Instrument.measurement(
        "*IDN?", """Get the identification (str; the 2600B answers *IDN? as a special case).""",
        cast=str, maxsplit=0,
    )
    line_frequency = Instrument.measurement(
        "print(localnode.linefreq)", """Get the power-line frequency in Hz (float).""",
    )
    error_count = Instrument.measurement(
        "print(errorqueue.count)", """Get the number of entries in the error queue (int).""",
        cast=lambda v: int(float(v)),
    )

    @property
    def next_error(self) -> tuple[int, str]:
        """The oldest error (code, message); (0, 'Queue Is Empty') when there is none."""
        code, message, *_rest = self.ask("print(errorqueue.next())").split("\t")
        return int(float(code)), message

    def check_errors(self) -> list[tuple[int, str]]:
        """Read every error in the queue."""
        errors = []
        for _ in range(int(self.error_count)):
            errors.append(self.next_error)
        return errors

    def clear(self) -> None:
        """Clear the error queue and status (*CLS)."""
        self.write("*CLS")

    def reset(self) -> None:
        """Both channels and the data format to their defaults."""
        self.write("reset()")

    def sweep_script(self, channel: str, voltages: Sequence[float], delay_s: float) -> str:
        """The script that sweeps the list once on the trigger model into nvbuffer1."""
        smu = f"smu{channel}"
        values = [float(v) for v in voltages]
        rows = [", ".join(f"{v:.6g}" for v in values[k:k + LIST_LINE])
                for k in range(0, len(values), LIST_LINE)]
        return "\n".join([
            f"loadscript {SCRIPT}",
            f"{smu}.source.func = {smu}.OUTPUT_DCVOLTS",
            f"{smu}.source.delay = 0",
            f"{smu}.measure.delay = {delay_s:.9g}",
            f"{smu}.measure.count = 1",
            f"{smu}.nvbuffer1.clear()",
            f"{smu}.nvbuffer1.appendmode = 0",
            f"{smu}.nvbuffer1.collecttimestamps = 1",
            f"{smu}.trigger.source.listv({{",
            *[row + "," for row in rows],
            "})",
            f"{smu}.trigger.source.action = {smu}.ENABLE",
            f"{smu}.trigger.measure.action = {smu}.ENABLE",
            f"{smu}.trigger.measure.i({smu}.nvbuffer1)",
            f"{smu}.trigger.count = {len(values)}",
            f"{smu}.trigger.endpulse.action = {smu}.SOURCE_HOLD",
            f"{smu}.trigger.endsweep.action = {smu}.SOURCE_IDLE",
            f"{smu}.source.output = {smu}.OUTPUT_ON",
            f"{smu}.trigger.initiate()",
            "waitcomplete()",
            "endscript",
        ])

    def run_sweep(self, channel: str, voltages: Sequence[float], delay_s: float,
                  timeout_s: float) -> np.ndarray:
        """Upload and run the sweep script once, then read readings and timestamps of
        nvbuffer1 in one REAL32 transfer: shape (n, 2). RuntimeError with the instrument's
        errors when it reports any (the pending output is dropped)."""
        n = len(voltages)
        buf = f"smu{channel}.nvbuffer1"
        self.write(f"{self.sweep_script(channel, voltages, delay_s)}\n{SCRIPT}()\n"
                   "print(errorqueue.count)\n"
                   "format.data = format.REAL32 format.byteorder = format.LITTLEENDIAN "
                   f"printbuffer(1, {n}, {buf}.readings, {buf}.timestamps) "
                   "format.data = format.ASCII")
        connection = self.adapter.connection if isinstance(self.adapter, VISAAdapter) else None
        previous = connection.timeout if connection is not None else None
        if connection is not None:
            connection.timeout = max(previous or 0, timeout_s * 1000)
        try:
            count = int(float(self.read()))
        finally:
            if connection is not None:
                connection.timeout = previous
        if count:
            if connection is not None:
                connection.clear()  # drop whatever the failed sweep left to read
            raise RuntimeError(f"{self.name} refused the sweep: {self.check_errors()}")
        size = 2 + 8 * n + 1
        termination = connection.read_termination if connection is not None else None
        if connection is not None:
            connection.read_termination = None  # a binary block may hold newline bytes
        try:
            raw = self.read_bytes(size, chunk_size=size)
        finally:
            if connection is not None:
                connection.read_termination = termination
        if raw[:2] != b"#0" or raw[-1:] != b"\n":
            raise ValueError(f"malformed binary block from {self.name}: {raw[:16]!r}…")
        return np.frombuffer(raw[2:-1], dtype="<f4").reshape(n, 2).astype(float)


class Keithley2600SourceMeter(SourceMeter):
    """SourceMeter role on one channel of a Keithley 2600B: voltage source, current measure,
    sweeps as one uploaded TSP script on the trigger model."""

    IDN_PATTERNS = (r"Keithley Instruments Inc\., Model 26\d\dB,",)
    """The *IDN? answer of the 2600B series (e.g. 'Keithley Instruments Inc., Model 2636B,
    4308079, 3.2.2')."""

    CHANNEL_NAMES = ("a", "b")
    """The channels a role can drive: smua and smub."""

    def __init__(self, resource: str, visa_library: str = "", channel: str = "a",
                 **kwargs: Any) -> None:
        if channel not in self.CHANNEL_NAMES:
            raise ValueError(f"channel must be 'a' or 'b', got {channel!r}")
        self.driver = Keithley2600(resource, visa_library=visa_library, **kwargs)
        self.channel = channel
        self.smu: Keithley2600Channel = getattr(self.driver, f"smu{channel}")
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
        return bool(self.smu.output_enabled)

    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """Refuse (ValueError naming the setting and its range) what configure() cannot set."""
        LIMITS.check_configuration(compliance_a, current_range_a, nplc)

    def configure(self, compliance_a: float, current_range_a: float | None = None,
                  nplc: float = 1.0) -> None:
        """Voltage source / current measure with this limit; range None = auto."""
        self.check_configuration(compliance_a, current_range_a, nplc)
        smu = self.smu
        smu.source_function = "voltage"
        if current_range_a is None:
            smu.current_range_auto = True
        else:
            smu.current_range = current_range_a
        smu.nplc = float(nplc)
        smu.compliance_current = float(compliance_a)
        self._raise_errors("configure")
        self._nplc, self._compliance_a = float(nplc), float(compliance_a)
        if self._line_hz is None:  # asked once, so sweeps need no extra round trip
            self._line_hz = float(self.driver.line_frequency)

    def apply(self, voltage_v: float) -> None:
        """Set the source level and switch the output on."""
        self.smu.source_voltage = LIMITS.check("voltage_v", voltage_v,
                                               (-VOLTAGE_LIMIT_V, VOLTAGE_LIMIT_V), "V")
        self.smu.output_enabled = True

    def measure(self) -> tuple[float, float, bool]:
        """One reading now: (V sourced, I measured, in compliance)."""
        return self.smu.read_point()

    def point_time_limits_s(self) -> tuple[float, float]:
        """Shortest and longest time per sweep point the instrument can time, in s."""
        aperture = self._aperture_s()
        return aperture + MIN_MEASURE_DELAY_S, aperture + DELAY_LIMITS_S[1]

    def _aperture_s(self) -> float:
        if self._nplc is None:
            self._nplc = float(self.smu.nplc)
        if self._line_hz is None:
            self._line_hz = float(self.driver.line_frequency)
        return self._nplc / self._line_hz

    def sweep(self, voltages: Sequence[float], *, dwell_s: float | None = None,
              rate_v_per_s: float | None = None) -> SweepResult:
        """Source each voltage in turn on the trigger model (one uploaded script, run once)
        and read the buffer in one binary transfer."""
        levels = source_levels(voltages, SWEEP_MAX_POINTS, VOLTAGE_LIMIT_V)
        dwell_s = sweep_dwell_s(levels, dwell_s, rate_v_per_s, self.point_time_limits_s(),
                                f"the 2600B at NPLC {self._nplc:g}")
        data = self.driver.run_sweep(self.channel, levels, dwell_s - self._aperture_s(),
                                     timeout_s=1.5 * levels.size * dwell_s + 10)
        if self._compliance_a is None:
            self._compliance_a = float(self.smu.compliance_current)
        i = data[:, 0]
        return SweepResult(t=data[:, 1], v=levels.copy(), i=i,
                           in_compliance=np.abs(i) >= LIMIT_FRACTION * self._compliance_a)

    def _raise_errors(self, what: str) -> None:
        errors = self.driver.check_errors()
        if errors:
            raise RuntimeError(f"Keithley 2600B refused the {what}: {errors}")

    def safe_off(self) -> None:
        """Output off and source at 0 V; works from any state, including after errors."""
        d = self.driver
        try:
            d.adapter.connection.clear()  # device clear: drop half-read replies and scripts
        except Exception:  # best effort; the write below still goes out
            log.warning("device clear failed on %s", d.name, exc_info=True)
        smu = f"smu{self.channel}"
        d.write(f"{smu}.abort() {smu}.source.output = {smu}.OUTPUT_OFF "
                f"{smu}.source.func = {smu}.OUTPUT_DCVOLTS {smu}.source.levelv = 0")
