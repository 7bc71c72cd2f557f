"""The actions of the GUI's manual Read/Pulse panel (as in ArC ONE/TWO's memristor software),
each a small catalogued run: ManualRead reads the device on the SMU at a bias and compliance;
ManualPulse plays one pulse or a short train on the station's pulse path (AWG → series
resistor → device → TIA → scope, or a pulsing SMU at a compliance) and then reads the device
as ManualRead does."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem.procedures.base import StationProcedure
from labmem.procedures.pulse import PulseProcedure
from labmem.station import Station
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment

READ_COLUMNS = ["Read bias (V)", "Read current (A)", "Resistance (ohm)", "Conductance (S)",
                "In compliance"]
"""The columns of a read: the bias sourced, the current, V/I and I/V, and 1 when the current
reached the compliance (the resistance is then an upper bound)."""
MIN_READ_V = 1e-3
"""Smallest |read bias| in V: a read at 0 V has no resistance."""


class DeviceRead:
    """The read of a manual action: the SMU at a bias with a compliance, one reading; the
    runner's shutdown then switches the output off, as after every run."""

    read_v = FloatParameter("Read bias", units="V", minimum=-5.0, maximum=5.0, default=0.1)
    compliance_a = FloatParameter("Read compliance", units="A", minimum=1e-12, maximum=3.0,
                                  default=1e-4)
    read_nplc = FloatParameter("Read integration time", units="PLC", minimum=0.01,
                               maximum=10.0, default=1.0)

    station: Station | None

    def check_read(self) -> None:
        """Refuse a read at 0 V, and a compliance or integration time the SMU cannot set."""
        assert self.station is not None
        if abs(self.read_v) < MIN_READ_V:
            raise ValueError(f"Read bias (read_v) = {self.read_v:g} V is not allowed: a read "
                             f"needs |bias| ≥ {MIN_READ_V:g} V")
        try:
            self.station.smu.check_configuration(self.compliance_a, None, self.read_nplc)
        except ValueError as err:
            raise ValueError(f"Read compliance (compliance_a) = {self.compliance_a:g} A is not "
                             f"allowed on the SMU: {err}") from None

    def read_seconds(self) -> float:
        """Duration in s of the read (its aperture at 50 Hz mains)."""
        return self.read_nplc / 50.0

    def read(self) -> dict[str, float]:
        """Read the device on the SMU set-up: the row values of READ_COLUMNS."""
        assert self.station is not None
        self.station.use_setup("smu")
        smu = self.station.smu
        smu.configure(self.compliance_a, None, self.read_nplc)
        smu.apply(self.read_v)
        v, i, limited = smu.measure()
        return {"Read bias (V)": v, "Read current (A)": i,
                "Resistance (ohm)": v / i if i else math.inf,
                "Conductance (S)": i / v, "In compliance": int(limited)}


class ManualRead(DeviceRead, StationProcedure):
    """One read of the device on the SMU at a bias and compliance (the manual panel's Read);
    one row: bias, current, resistance, conductance, whether the compliance was reached."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = READ_COLUMNS

    def check_plan(self) -> None:
        """The SMU must take the compliance and the integration time."""
        self.check_read()

    def get_estimates(self) -> float:
        """Duration in s: the reading."""
        return self.read_seconds()

    def execute(self) -> None:
        """One read."""
        self.emit("results", self.read())


class ManualPulse(DeviceRead, PulseProcedure):
    """One pulse or a short train (amplitude, width, count, interval) on the pulse path or a
    pulsing SMU, then a read on the SMU (the manual panel's Pulse); one row per pulse with its
    peak and mean current, each with the read after the train."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pulse", "Start (s)", "Level (V)", "Peak current (A)",
                                         "Mean current (A)", OVER_RANGE, *READ_COLUMNS]
    ROLES = ("smu", "awg", "scope")
    """The pulse path, then the SMU for the read."""

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=1e4)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e4)
    smu_compliance_a = FloatParameter("Pulse compliance (pulsing SMU)", units="A",
                                      minimum=1e-12, maximum=3.0, default=1e-4)
    amplitude_v = FloatParameter("Pulse amplitude", units="V", minimum=-20.0, maximum=20.0,
                                 default=1.0)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=1e-4)
    pulses = IntegerParameter("Pulses", minimum=1, maximum=100, default=1)
    interval_s = FloatParameter("Pulse interval", units="s", minimum=25e-9, maximum=1.0,
                                default=1e-4)
    """At 0 V between the pulses, and before and after them."""

    def segments(self) -> list[Segment]:
        """0 V for an interval, then each pulse followed by an interval at 0 V."""
        return [(0.0, self.interval_s)] + [(self.amplitude_v, self.width_s),
                                           (0.0, self.interval_s)] * self.pulses

    def pulse_windows(self) -> list[tuple[float, float]]:
        """(start, stop) in s of every pulse in the burst."""
        period = self.width_s + self.interval_s
        return [(self.interval_s + k * period, self.interval_s + k * period + self.width_s)
                for k in range(self.pulses)]

    def check_plan(self) -> None:
        """A pulse at a level other than 0 V, the path's checks (AWG, scope and fixtures, or
        the pulsing SMU) and the read's."""
        if self.amplitude_v == 0:
            raise ValueError("Pulse amplitude (amplitude_v) = 0 V is not allowed: a pulse "
                             "needs a level other than 0 V")
        super().check_plan()
        self.check_read()

    def get_estimates(self) -> float:
        """Duration in s: the burst and the read."""
        return super().get_estimates() + self.read_seconds()

    def execute(self) -> None:
        """The burst, then the read; rows per pulse."""
        cap = self.capture(self.segments(), "pulses")
        self.stop_point()
        after = self.read()
        rows: dict[str, Any] = {name: [] for name in self.DATA_COLUMNS[:6]}
        for k, (start, stop) in enumerate(self.pulse_windows()):
            inside = cap.window(start, stop)
            values = (k + 1, start, float(np.median(cap.v_source[inside])),
                      cap.peak(start, stop), float(cap.i[inside].mean()),
                      cap.clipped(start, stop))
            for name, value in zip(rows, values, strict=True):
                rows[name].append(value)
        self.emit_columns({**{name: np.array(v) for name, v in rows.items()}, **after})
