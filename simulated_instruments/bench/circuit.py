"""Circuits around the device on its virtual clock: an SMU with compliance, a pulse source
driving the device through a series resistor into a current read-out (TIA), or a source
charging a membrane capacitor through an input resistor, the device discharging it into the
TIA."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from labmem.simulated_instruments.device import kernel
from labmem.simulated_instruments.device.model import AgFilament

AWG_OUTPUT_OHM = 50.0
"""Output impedance of a function/arbitrary waveform generator in Ω."""
SMU_ZERO_OFFSET_V = 5e-6
"""Zero offset of an SMU's voltage source in V: its output sits this far from the programmed
level (a few µV, as the reference paper saw at "0 V"; the Keithley 2450's accuracy bound on
its 2 V range is 0.02 % + 300 µV)."""
ZERO_CURRENT_LIMIT_A = 1.0
"""Current limit of the loop holding 0 V for a 0 A current source (any value: at 0 V the device
carries no current, so the limit is never reached)."""


def current_source_setpoint(current_a: float, v_limit_v: float) -> tuple[float, float]:
    """A current source bounded by ±v_limit_v as the SMU loop's voltage set-point and current
    limit: regulating towards ±v_limit_v with |current_a| as its limit, the loop holds the
    terminals where the device carries current_a (solved from the device's own I(V) at every
    step, as a voltage source's clamp is), or at the voltage limit when the device cannot take
    the current. This is how a source-measure unit's two loops share one output stage."""
    if current_a == 0.0:
        return 0.0, ZERO_CURRENT_LIMIT_A
    return math.copysign(v_limit_v, current_a), abs(current_a)


@dataclass(frozen=True)
class Trace:
    """Sampled record of one source waveform: times in s from its start, voltages, currents."""

    t: np.ndarray
    v_source: np.ndarray
    v_device: np.ndarray
    i_device: np.ndarray
    i_readout: np.ndarray
    triggered: bool = False
    """True when a stop_current trigger ended the record (its last sample is the trigger)."""
    v_node: np.ndarray | None = None
    """Membrane-node voltage (membrane circuit only)."""


_NO_NODE = np.zeros(3)


class Circuit:
    """Common part: runs piecewise-linear source knots through the compiled kernel."""

    mode: int = kernel.MODE_SMU
    dense: bool = False
    """True: the device takes its own steps and samples are read off them (kernel.simulate);
    False: a step ends at every sample."""

    def __init__(self, device: AgFilament) -> None:
        self.device = device

    @property
    def now(self) -> float:
        """Virtual time of the bench in s."""
        return self.device.time_s

    def _kernel_args(self) -> tuple[float, float, float, float]:
        raise NotImplementedError

    def _node(self) -> np.ndarray:
        """The kernel's membrane-node parameters (unused outside the membrane circuit)."""
        return _NO_NODE

    def run(
        self,
        knot_t: np.ndarray,
        knot_v: np.ndarray,
        sample_t: np.ndarray,
        stop_current: float = 0.0,
    ) -> Trace:
        """Play a source waveform given as knots (times from now, s; volts), sampled at sample_t.

        Equal consecutive knot times make a step. The bench clock ends at the last sample, or
        at the trigger instant when stop_current > 0 and |read-out| reaches it.
        """
        knot_t = np.asarray(knot_t, dtype=np.float64)
        knot_v = np.asarray(knot_v, dtype=np.float64)
        sample_t = np.asarray(sample_t, dtype=np.float64)
        if knot_t.ndim != 1 or knot_t.shape != knot_v.shape or knot_t.size < 2:
            raise ValueError("knots need matching 1-D time and voltage arrays of length >= 2")
        if np.any(np.diff(knot_t) < 0) or np.any(np.diff(sample_t) < 0):
            raise ValueError("knot and sample times must not decrease")
        if sample_t.size and (sample_t[0] < 0 or sample_t[-1] > knot_t[-1]):
            raise ValueError("samples must lie within the waveform")
        t0 = self.now
        if self.device.circuit is not self:
            # Recabled: this circuit's read-out starts from zero, not from another's state.
            # A newly wired membrane capacitor starts discharged.
            self.device.reset_readout()
            self.device._s[kernel.ST_VM] = 0.0
            self.device.circuit = self
        out = np.empty((5, sample_t.size))
        r_series, i_cc, tau_cc, tau_ro = self._kernel_args()
        n = kernel.simulate(
            self.device._s, self.device._p, self.device.rng, self.device.noise_rng,
            knot_t + t0, knot_v, sample_t + t0,
            self.mode, r_series, self._node(), i_cc, tau_cc, tau_ro, float(stop_current),
            self.dense, out, self.device._steps,
        )
        triggered = n < 0
        n = abs(n)
        t = sample_t[:n].copy()
        if triggered:
            t[-1] = self.now - t0
        node = out[4, :n] if self.mode == kernel.MODE_MEMBRANE else None
        return Trace(t, out[0, :n], out[1, :n], out[2, :n], out[3, :n], triggered, node)

    def wait(self, duration_s: float, v: float = 0.0) -> None:
        """Hold the source at v for duration_s (the device evolves; nothing is recorded)."""
        if duration_s > 0:
            self.run(np.array([0.0, duration_s]), np.array([v, v]), np.array([duration_s]))


class SmuCircuit(Circuit):
    """Source-measure unit connected directly to the device.

    The SMU regulates its terminal voltage towards the programmed value, or towards the
    voltage at which the device carries the compliance current; its loop answers with time
    constant ``response_s``, so a device that switches faster than that overshoots briefly.
    An emulated SMU samples each reading's aperture several times; those samples are read off
    the device's own steps (dense), which a switching event still cuts at the next sample.
    Its voltage source sits ``offset_v`` above the programmed level (its zero offset), so a
    low-resistance device carries offset_v·G at a programmed 0 V.
    """

    mode = kernel.MODE_SMU
    dense = True

    def __init__(
        self, device: AgFilament, compliance_a: float, response_s: float = 20e-6,
        offset_v: float = SMU_ZERO_OFFSET_V,
    ) -> None:
        super().__init__(device)
        self.compliance_a = compliance_a
        self.response_s = response_s
        self.offset_v = float(offset_v)

    @property
    def compliance_a(self) -> float:
        """Current compliance (limit) in A."""
        return self._compliance_a

    @compliance_a.setter
    def compliance_a(self, value: float) -> None:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"compliance must be a positive current in A, got {value!r}")
        self._compliance_a = float(value)

    def _kernel_args(self) -> tuple[float, float, float, float]:
        return 0.0, self._compliance_a, self.response_s, 0.0

    def run(
        self,
        knot_t: np.ndarray,
        knot_v: np.ndarray,
        sample_t: np.ndarray,
        stop_current: float = 0.0,
        offset: bool = True,
    ) -> Trace:
        """Source the programmed knots as Circuit.run() does, the output offset_v above them
        (offset=False: exactly at them, as the current loop of a current source holds it); the
        trace's v_source is the programmed level."""
        shift = self.offset_v if offset else 0.0
        trace = super().run(knot_t, np.asarray(knot_v, dtype=np.float64) + shift, sample_t,
                            stop_current)
        return replace(trace, v_source=trace.v_source - shift) if shift else trace

    def run_current(self, duration_s: float, current_a: float, v_limit_v: float,
                    sample_t: np.ndarray) -> Trace:
        """Source a constant current for duration_s, bounded by ±v_limit_v (see
        current_source_setpoint); sampled at sample_t like run(). Its v_source is the set-point.
        The voltage source's zero offset does not apply: the current loop sets the output."""
        v, self.compliance_a = current_source_setpoint(current_a, v_limit_v)
        return self.run(np.array([0.0, duration_s]), np.array([v, v]), sample_t, offset=False)


class SeriesCircuit(Circuit):
    """Pulse source (50 Ω output) → series resistor → device → transimpedance amplifier.

    The TIA holds the device's far end at virtual ground; its output is gain × current seen
    through a first-order bandwidth ``bandwidth_hz``. A scope records it densely (thousands of
    samples per pulse), so samples are read off the device's own steps instead of ending them.
    """

    mode = kernel.MODE_SERIES
    dense = True

    def __init__(
        self,
        device: AgFilament,
        r_series_ohm: float,
        tia_gain_v_per_a: float = 1e5,
        bandwidth_hz: float = 1.8e6,
        source_ohm: float = AWG_OUTPUT_OHM,
    ) -> None:
        super().__init__(device)
        if r_series_ohm < 0:
            raise ValueError(f"series resistance must be >= 0 Ω, got {r_series_ohm!r}")
        if bandwidth_hz <= 0:
            raise ValueError(f"TIA bandwidth must be > 0 Hz, got {bandwidth_hz!r}")
        self.r_series_ohm = float(r_series_ohm)
        self.tia_gain_v_per_a = float(tia_gain_v_per_a)
        self.bandwidth_hz = float(bandwidth_hz)
        self.source_ohm = float(source_ohm)

    @property
    def r_total_ohm(self) -> float:
        """Source output impedance plus the series resistor in Ω."""
        return self.r_series_ohm + self.source_ohm

    def _kernel_args(self) -> tuple[float, float, float, float]:
        tau = 1.0 / (2.0 * math.pi * self.bandwidth_hz)
        return self.r_total_ohm, 0.0, 0.0, tau

    def tia_output_v(self, trace: Trace) -> np.ndarray:
        """TIA output voltage in V for a trace (gain × band-limited current)."""
        return self.tia_gain_v_per_a * trace.i_readout


class MembraneCircuit(SeriesCircuit):
    """Source (AWG, or an SMU as a DC source) → input resistor → membrane node, with a capacitor
    and an optional leak resistor to ground; device (+ load resistor) from the node into the
    TIA's virtual ground:  C·dV_m/dt = (V_src − V_m)/R_in − V_m/R_leak − I_dev.

    The source's own output impedance adds to R_in. The node voltage is recorded (a
    high-impedance probe) in Trace.v_node; input_current_a gives what the source delivers.
    """

    mode = kernel.MODE_MEMBRANE

    def __init__(
        self,
        device: AgFilament,
        capacitance_f: float,
        r_in_ohm: float,
        r_leak_ohm: float | None = None,
        r_load_ohm: float = 0.0,
        tia_gain_v_per_a: float = 1e5,
        bandwidth_hz: float = 1.8e6,
        source_ohm: float = AWG_OUTPUT_OHM,
    ) -> None:
        super().__init__(device, r_load_ohm, tia_gain_v_per_a, bandwidth_hz, source_ohm)
        if not capacitance_f > 0:
            raise ValueError(f"membrane capacitance must be > 0 F, got {capacitance_f!r}")
        if not r_in_ohm + source_ohm > 0:
            raise ValueError(f"input resistance must be > 0 Ω, got {r_in_ohm!r}")
        if r_leak_ohm is not None and not r_leak_ohm > 0:
            raise ValueError(f"leak resistance must be > 0 Ω (None: no leak), got "
                             f"{r_leak_ohm!r}")
        self.capacitance_f = float(capacitance_f)
        self.r_in_ohm = float(r_in_ohm)
        self.r_leak_ohm = r_leak_ohm

    @property
    def r_load_ohm(self) -> float:
        """Load resistor between the node and the device in Ω."""
        return self.r_series_ohm

    @property
    def r_total_ohm(self) -> float:
        """Resistance in series with the device from the node: the load resistor (the
        source's output impedance is in the input path)."""
        return self.r_series_ohm

    def _node(self) -> np.ndarray:
        node = np.zeros(3)
        node[kernel.NODE_C] = self.capacitance_f
        node[kernel.NODE_RIN] = self.r_in_ohm + self.source_ohm
        node[kernel.NODE_GLEAK] = 0.0 if self.r_leak_ohm is None else 1.0 / self.r_leak_ohm
        return node

    def input_current_a(self, trace: Trace) -> np.ndarray:
        """Current the source delivers into the node in A: (V_src − V_m)/(R_in + R_source)."""
        assert trace.v_node is not None
        return (trace.v_source - trace.v_node) / (self.r_in_ohm + self.source_ohm)
