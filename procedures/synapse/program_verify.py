"""P29: program-verify to multi-level states on the SMU. The device's window is measured first
(a full set ramp at the largest set compliance, then a full reset ramp: the conductances read
after each); targets whose tolerance band misses the window are not attempted. Each reachable
target starts from a full reset; then a read decides the next pulse: a set pulse below the
band, a reset pulse above it, each a step further along its ramp (set: the compliance × a
factor, or the amplitude + a step; reset: the amplitude + a step), a ramp starting again when
the direction changes; until a read is within tolerance or after max_iterations pulses. Reads
at log-spaced times after convergence follow the state's drift."""

from __future__ import annotations

import logging
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, ListParameter

from labmem import metrics
from labmem.analysis_programming import (
    DONE,
    RESET,
    SET,
    Ramp,
    reachable,
    verify_action,
)
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, StationProcedure, list_values
from labmem.procedures.synapse.levels import READ_POINTS, full_ramp, read_current

log = logging.getLogger(__name__)

PHASE_WINDOW, PHASE_PROGRAM, PHASE_DRIFT = 0, 1, 2
IN_PROGRESS, CONVERGED, UNREACHABLE, NOT_CONVERGED = 0, 1, -1, -2
"""Status of a programming row: still going, the read that converged, a target outside the
window (not attempted), the last read of a target that did not converge."""
class ProgramVerify(StationProcedure):
    """Window (full set, full reset), then for each target conductance: full reset, verify
    reads and incremental set/reset pulses until within tolerance, then drift reads. One row
    per read (Phase 0 window, 1 programming, 2 drift)."""

    SETUP = "smu"
    ROLES = ("smu",)
    DATA_COLUMNS: ClassVar[list[str]] = ["Phase", "Target (S)", "Iteration", "Action",
                                         "Pulse (V)", "Compliance (A)", "Time (s)",
                                         "Conductance (S)", "Status"]
    METRICS = metrics.PROGRAM_VERIFY

    targets_s = FloatListParameter("Target conductances", units="S", minimum=1e-15,
                                   maximum=10.0, default="2e-5, 5e-5, 1e-4, 2e-4, 5e-4")
    tolerance = FloatParameter("Tolerance (relative)", minimum=0.005, maximum=0.5,
                               default=0.1)
    max_iterations = IntegerParameter("Most pulses per target", minimum=1, maximum=10_000,
                                      default=60)
    set_ramp = ListParameter("Set ramp", choices=["compliance", "voltage"],
                             default="compliance")
    set_v = FloatParameter("Set pulse (largest for the voltage ramp)", units="V",
                           minimum=0.01, maximum=20.0, default=1.2)
    set_start_v = FloatParameter("Voltage ramp, first set pulse", units="V", minimum=0.01,
                                 maximum=20.0, default=0.5)
    set_step_v = FloatParameter("Voltage ramp, set step", units="V", minimum=1e-3,
                                maximum=5.0, default=0.02)
    set_compliance_a = FloatParameter("Set compliance (largest for the compliance ramp)",
                                      units="A", minimum=1e-9, maximum=1.05, default=1e-3)
    set_start_a = FloatParameter("Compliance ramp, first compliance", units="A",
                                 minimum=1e-9, maximum=1.05, default=1e-6)
    set_step_factor = FloatParameter("Compliance ramp, factor per step", minimum=1.01,
                                     maximum=10.0, default=1.2)
    reset_start_v = FloatParameter("First reset pulse", units="V", minimum=-20.0,
                                   maximum=-0.001, default=-0.1)
    reset_step_v = FloatParameter("Reset step (more negative)", units="V", minimum=1e-3,
                                  maximum=5.0, default=0.03)
    reset_v = FloatParameter("Full reset (and last reset pulse)", units="V", minimum=-20.0,
                             maximum=-0.01, default=-1.5)
    reset_compliance_a = FloatParameter("Reset compliance", units="A", minimum=1e-9,
                                        maximum=1.05, default=10e-3)
    pulse_s = FloatParameter("Pulse width (one list point)", units="s", minimum=1e-4,
                             maximum=10.0, default=5e-3)
    ramp_rate_v_per_s = FloatParameter("Full set/reset ramp rate", units="V/s", minimum=1e-3,
                                       maximum=100.0, default=1.0)
    read_v = FloatParameter("Read voltage", units="V", minimum=0.001, maximum=5.0, default=0.1)
    drift_reads = IntegerParameter("Drift reads per target", minimum=0, maximum=1000,
                                   default=4)
    drift_first_s = FloatParameter("First drift read after convergence", units="s",
                                   minimum=1e-3, maximum=1e5, default=1.0)
    drift_window_s = FloatParameter("Last drift read after convergence", units="s",
                                    minimum=1e-3, maximum=1e7, default=100.0)
    nplc = FloatParameter("Integration time", units="PLC", minimum=0.01, maximum=10.0,
                          default=0.01)

    def targets(self) -> list[float]:
        """The target conductances in S, in the order given."""
        return list_values(self, "targets_s")

    def check_plan(self) -> None:
        """Every compliance must suit the SMU; a target's read current must stay below the
        reset (read) compliance, or the read could not verify it; the ramps must go the way
        they step."""
        assert self.station is not None
        smu = self.station.smu
        for compliance in (self.set_compliance_a, self.set_start_a, self.reset_compliance_a):
            smu.check_configuration(compliance, None, self.nplc)
        highest = max(self.targets())
        if highest * self.read_v * (1 + self.tolerance) >= self.reset_compliance_a:
            raise ValueError(
                f"Target conductances (targets_s): {highest:g} S reads "
                f"{highest * self.read_v:g} A at {self.read_v:g} V, at or above the read "
                f"compliance reset_compliance_a = {self.reset_compliance_a:g} A; targets up to "
                f"{self.reset_compliance_a / (self.read_v * (1 + self.tolerance)):.3g} S can be "
                f"verified")
        if self.set_ramp == "compliance" and self.set_start_a > self.set_compliance_a:
            raise ValueError(f"Compliance ramp: first compliance (set_start_a) = "
                             f"{self.set_start_a:g} A is above the largest set compliance "
                             f"set_compliance_a = {self.set_compliance_a:g} A")
        if self.set_ramp == "voltage" and self.set_start_v > self.set_v:
            raise ValueError(f"Voltage ramp: first set pulse (set_start_v) = "
                             f"{self.set_start_v:g} V is above the largest set_v = "
                             f"{self.set_v:g} V")
        if self.reset_start_v < self.reset_v:
            raise ValueError(f"First reset pulse (reset_start_v) = {self.reset_start_v:g} V is "
                             f"beyond the full reset reset_v = {self.reset_v:g} V")
        if self.drift_reads and not self.drift_window_s > self.drift_first_s:
            raise ValueError(f"Last drift read (drift_window_s) = {self.drift_window_s:g} s is "
                             f"not allowed: allowed above drift_first_s = "
                             f"{self.drift_first_s:g} s")

    def ramp_s(self, v: float) -> float:
        """Duration of a full ramp 0 → v → 0 in s."""
        return 2 * abs(v) / self.ramp_rate_v_per_s

    def get_estimates(self) -> float:
        """Duration in s, an upper bound: the window, and per target a full reset, every
        pulse and read, and the drift reads."""
        per_target = (self.ramp_s(self.reset_v)
                      + self.max_iterations * (2 + READ_POINTS) * self.pulse_s
                      + (self.drift_window_s if self.drift_reads else 0.0))
        return self.ramp_s(self.set_v) + self.ramp_s(self.reset_v) + len(self.targets()) \
            * per_target

    # -- steps on the SMU ---------------------------------------------------------------

    def read(self) -> float:
        """Conductance at the read voltage, at the reset (read) compliance."""
        assert self.station is not None
        self.station.smu.configure(self.reset_compliance_a, None, self.nplc)
        return read_current(self.station.smu, self.read_v, self.pulse_s) / self.read_v

    def full_ramp(self, v: float, compliance_a: float) -> None:
        """A full set (v > 0) or reset (v < 0) ramp at the ramp rate."""
        assert self.station is not None
        full_ramp(self.station.smu, v, compliance_a, self.ramp_rate_v_per_s, self.nplc)

    def ramps(self) -> dict[int, Ramp]:
        """Fresh set and reset ramps (for one target): the set ramp steps the compliance (at
        set_v) or the amplitude (at set_compliance_a), the reset ramp the amplitude."""
        if self.set_ramp == "compliance":
            set_ramp = Ramp(self.set_start_a, self.set_step_factor, self.set_compliance_a, True)
        else:
            set_ramp = Ramp(self.set_start_v, self.set_step_v, self.set_v)
        return {SET: set_ramp, RESET: Ramp(self.reset_start_v, -self.reset_step_v, self.reset_v)}

    def pulse(self, action: int, level: float) -> tuple[float, float]:
        """Play one pulse of a ramp's level (one list point, then 0 V): (amplitude V,
        compliance A)."""
        assert self.station is not None
        if action == SET and self.set_ramp == "compliance":
            amplitude, compliance = self.set_v, level
        elif action == SET:
            amplitude, compliance = level, self.set_compliance_a
        else:
            amplitude, compliance = level, self.reset_compliance_a
        smu = self.station.smu
        smu.configure(compliance, None, self.nplc)
        smu.sweep([amplitude, 0.0], dwell_s=self.pulse_s)
        return amplitude, compliance

    # -- the run --------------------------------------------------------------------------

    def row(self, phase: int, target: float, iteration: int, action: int, level: float,
            compliance: float, t: float, g: float, status: int = IN_PROGRESS) -> None:
        """Emit one row."""
        self.emit("results", {"Phase": phase, "Target (S)": target, "Iteration": iteration,
                              "Action": action, "Pulse (V)": level, "Compliance (A)": compliance,
                              "Time (s)": t, "Conductance (S)": g, "Status": status})

    def execute(self) -> None:
        """Window, then every target."""
        assert self.station is not None
        station = self.station
        t0 = station.now()
        self.full_ramp(self.set_v, self.set_compliance_a)
        g_max = self.read()
        self.row(PHASE_WINDOW, np.nan, 0, SET, self.set_v, self.set_compliance_a,
                 station.now() - t0, g_max)
        self.full_ramp(self.reset_v, self.reset_compliance_a)
        g_min = self.read()
        self.row(PHASE_WINDOW, np.nan, 0, RESET, self.reset_v, self.reset_compliance_a,
                 station.now() - t0, g_min)
        targets = self.targets()
        for n, target in enumerate(targets):
            self.stop_point()
            if not reachable(target, self.tolerance, g_min, g_max):
                self.log_unreachable(target, g_min, g_max)
                self.row(PHASE_PROGRAM, target, 0, DONE, np.nan, np.nan, station.now() - t0,
                         np.nan, UNREACHABLE)
            elif self.program(target, t0):
                self.follow_drift(target, t0)
            self.emit("progress", 100.0 * (n + 1) / len(targets))

    def log_unreachable(self, target: float, g_min: float, g_max: float) -> None:
        """Say why a target is not attempted."""
        log.warning("target %g S (±%g %%) is outside the device's window %g … %g S (a full "
                    "reset to %g V and a full set at %g A): not attempted", target,
                    100 * self.tolerance, g_min, g_max, self.reset_v, self.set_compliance_a)

    def program(self, target: float, t0: float) -> bool:
        """Full reset, then verify and pulse until within tolerance (True) or max_iterations
        pulses (False)."""
        assert self.station is not None
        station = self.station
        self.full_ramp(self.reset_v, self.reset_compliance_a)
        g = self.read()
        previous, ramps = DONE, self.ramps()
        level = compliance = np.nan
        for iteration in range(self.max_iterations + 1):
            action = verify_action(g, target, self.tolerance)
            if action == DONE or iteration == self.max_iterations:
                status = CONVERGED if action == DONE else NOT_CONVERGED
                self.row(PHASE_PROGRAM, target, iteration, previous, level, compliance,
                         station.now() - t0, g, status)
                return action == DONE
            self.row(PHASE_PROGRAM, target, iteration, previous, level, compliance,
                     station.now() - t0, g)
            self.stop_point()
            level, compliance = self.pulse(action, ramps[action].next(action == previous))
            previous = action
            g = self.read()
        return False

    def follow_drift(self, target: float, t0: float) -> None:
        """Reads at log-spaced times after convergence (output at 0 V in between)."""
        assert self.station is not None
        station = self.station
        if not self.drift_reads:
            return
        start = station.now()
        for t in np.geomspace(self.drift_first_s, self.drift_window_s, self.drift_reads):
            station.wait(max(0.0, start + t - station.now()))
            g = self.read()
            self.row(PHASE_DRIFT, target, 0, DONE, self.read_v, self.reset_compliance_a,
                     station.now() - t0, g)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Iterations and final-G errors over the targets, the window, the drift."""
        return metrics.program_verify(rows)
