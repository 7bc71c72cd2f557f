"""The simulated bench: one device, one virtual clock and the wiring between the emulated
instruments — SMU-direct (with an optional second SMU, role ``smu2``, biasing the device's
bottom terminal), AWG → series resistor → device → TIA → scope (AWG sync → scope aux
trigger); differential: the AWG's channel 1 on the device's top terminal through the series
resistor and its channel 2 on the bottom terminal; or a source (AWG or SMU) → input resistor →
membrane node (capacitor, optional leak) → device (+ load resistor) → TIA, the node on a scope
probe. Emulators act on the world only through this object."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.simulated_instruments.bench.acquisition import Acquisition
from labmem.simulated_instruments.bench.circuit import (
    AWG_OUTPUT_OHM,
    MembraneCircuit,
    SeriesCircuit,
    SmuCircuit,
    Trace,
    current_source_setpoint,
)
from labmem.simulated_instruments.bench.knots import difference
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.device.params import AgFilamentParams

log = logging.getLogger(__name__)

SETUPS = ("smu", "pulse", "differential", "membrane")
"""smu: SMU ↔ device (↔ smu2 or ground). pulse: AWG → series R → device → TIA → scope.
differential: AWG CH1 → series R → device ← AWG CH2; the series branch's current → scope.
membrane: AWG or SMU → R_in → node (C ∥ R_leak to ground) → R_load → device → TIA → scope."""
AWG_SETUPS = ("pulse", "differential")
"""The set-ups the AWG drives (and the membrane set-up with the AWG as its source)."""
MEMBRANE_SOURCES = ("awg", "smu")
"""What drives the membrane set-up's input resistor: the AWG (pulses) or the SMU (DC)."""
SMU_ROLES = ("smu", "smu2")
"""smu: the SMU on the device's top terminal. smu2 (optional): a second SMU on its bottom
terminal, which is at ground when smu2 is absent or its output is off."""
IDLE_LIMIT_A = 1e-3
"""Current limit of the SMU circuit while no SMU output is on (0 V: never reached)."""

DEFAULT_INSTRUMENTS = {
    "smu": ("keithley2450", "USB0::0x05E6::0x2450::04412345::INSTR"),
    "awg": ("hp33120a", "GPIB0::10::INSTR"),
    "scope": ("mso9104a", "TCPIP0::192.168.0.9::inst0::INSTR"),
}
"""Role → (model, resource string) of the built-in default bench."""


class SmuPort(Protocol):
    """What the bench asks of an SMU emulator (smu or smu2 role): its idle output
    (V, compliance A) or None when the output is off."""

    def idle_output(self) -> tuple[float, float] | None: ...


class AwgPort(Protocol):
    """What the bench asks of the AWG emulator: its output EMF over an idle stretch, as knots
    (times from t_start) and sync edge times (from t_start)."""

    def idle_output(self, t_start_s: float, duration_s: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class BottomAwgPort(AwgPort, Protocol):
    """An AWG with a second channel, which drives the device's bottom terminal in the
    differential set-up: that channel's EMF over an idle stretch as knots (None: the model
    has no second channel). An AWG without this method leaves the terminal at 0 V."""

    def bottom_output(self, t_start_s: float, duration_s: float
                      ) -> tuple[np.ndarray, np.ndarray] | None: ...


class ScopePort(Protocol):
    """What the bench asks of the scope emulator: the acquisition in progress, if any."""

    acquisition: Acquisition | None


@dataclass
class BenchConfig:
    """Description of a bench: device seed and parameter overrides, wiring, instruments."""

    seed: int = 4
    device: dict[str, float] = field(default_factory=dict)
    setup: str = "smu"
    series_ohm: float = 100e3
    tia_gain_v_per_a: float = 1e5
    tia_mode: str = "low_noise"
    scope_awg_channel: int = 1
    scope_tia_channel: int = 2
    scope_membrane_channel: int = 3
    """Scope channel probing the membrane node (high impedance) in the membrane set-up."""
    membrane_f: float = 1e-9
    """Membrane capacitor in F (membrane set-up)."""
    input_ohm: float = 1e6
    """Input resistor from the source to the membrane node in Ω."""
    leak_ohm: float | None = None
    """Leak resistor from the node to ground in Ω (None: none fitted)."""
    load_ohm: float = 0.0
    """Load resistor between the node and the device in Ω."""
    membrane_source: str = "awg"
    """What drives the input resistor: "awg" or "smu" (MEMBRANE_SOURCES)."""
    scope_noise_div_rms: float = 0.0
    """RMS noise of the scope's input stage in divisions of each channel's V/div (0: an ideal
    front end, the default, which leaves records exactly as the pulse path made them). The
    MSO9104A opts in to it (BenchScope.front_end); the InfiniiVision scopes stay ideal."""
    instruments: dict[str, tuple[str, str]] = field(
        default_factory=lambda: dict(DEFAULT_INSTRUMENTS))

    def __post_init__(self) -> None:
        unknown = set(self.device) - set(AgFilamentParams.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown device parameters {sorted(unknown)}: device overrides "
                             "are AgFilamentParams fields (docs/device_model.md)")
        smu2 = self.instruments.get("smu2")
        if smu2 is not None and smu2 != self.instruments.get("smu"):
            raise ValueError("instruments.smu2 is the second channel of the smu's instrument: "
                             "give it the same model and resource as instruments.smu (a "
                             "separate instrument in smu2 is not modelled)")

    @classmethod
    def from_yaml(cls, path: str | Path) -> BenchConfig:
        """Read a bench file (safe YAML); unknown keys are refused with their names, a syntax
        error with its line (ValueError)."""
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except yaml.MarkedYAMLError as err:  # one line, naming where
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise ValueError(f"{path}, line {line}: {err.problem or err}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a bench file is a mapping of settings")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown bench settings {sorted(unknown)}; "
                             f"known: {sorted(known)}")
        if "instruments" in data:
            data["instruments"] = {
                role: (spec["model"], spec["resource"])
                for role, spec in data["instruments"].items()
            }
        return cls(**data)


class Bench:
    """One shared world for every resource opened from one `@labmem` library."""

    def __init__(self, config: BenchConfig | None = None) -> None:
        self.config = config = config or BenchConfig()
        params = replace(AgFilamentParams(), **config.device)
        seeds = np.random.SeedSequence(config.seed).spawn(2)
        self.device = AgFilament(params, np.random.default_rng(seeds[0]))
        self.instrument_rng = np.random.default_rng(seeds[1])
        """Generator for instrument noise, separate so the device sees the same draws."""
        self._smu_circuit = SmuCircuit(self.device, compliance_a=1e-3)
        self._series: SeriesCircuit | None = None
        """The pulse path's circuit (in the membrane set-up, a MembraneCircuit)."""
        self.setup = "smu"
        self.tia = CurrentAmplifier(config.tia_gain_v_per_a, config.tia_mode)
        self.series_ohm = config.series_ohm
        self.membrane = {"membrane_f": config.membrane_f, "input_ohm": config.input_ohm,
                         "leak_ohm": config.leak_ohm, "load_ohm": config.load_ohm,
                         "source": config.membrane_source}
        """The membrane set-up's components and source."""
        self.connect(config.setup)
        self.instruments: dict[str, Any] = {}
        """Role → emulator, as attached by whoever assembles the bench (the VISA library)."""
        self.resources: dict[str, Any] = {}
        """VISA resource name → emulator."""

    def attach(self, role: str, resource: str, emulator: Any, port: Any = None) -> None:
        """Put an emulated instrument on the bench in a role, reachable at a resource name;
        port (e.g. one channel of a two-channel SMU) is what the bench asks in that role
        instead of the instrument itself."""
        self.instruments[role] = emulator if port is None else port
        self.resources[resource] = emulator

    # -- state ---------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The device's physical state and every generator's state, as plain JSON data, so a
        campaign resumed in another process continues the same device."""
        state, device_rng, noise_rng = self.device.snapshot()
        return {"device_state": state.tolist(), "device_rng": device_rng,
                "noise_rng": noise_rng, "instrument_rng": self.instrument_rng.bit_generator.state}

    def restore(self, snap: dict[str, Any]) -> None:
        """Return the device and the generators to a snapshot()."""
        self.device.restore((np.asarray(snap["device_state"], dtype=float), snap["device_rng"],
                             snap["noise_rng"]))
        self.instrument_rng.bit_generator.state = snap["instrument_rng"]

    # -- wiring -------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Virtual time in s."""
        return self.device.time_s

    def connect(self, setup: str, series_ohm: float | None = None,
                tia_gain_v_per_a: float | None = None, tia_mode: str | None = None,
                **membrane: Any) -> None:
        """Recable: choose the set-up, the series resistor and the TIA setting; for the
        membrane set-up, any of membrane_f, input_ohm, leak_ohm (None: no leak), load_ohm and
        source ("awg" or "smu")."""
        if setup not in SETUPS:
            raise ValueError(f"set-up must be one of {SETUPS}, got {setup!r}")
        unknown = set(membrane) - set(self.membrane)
        if unknown:
            raise ValueError(f"unknown membrane settings {sorted(unknown)}; known: "
                             f"{sorted(self.membrane)}")
        if membrane.get("source", self.membrane["source"]) not in MEMBRANE_SOURCES:
            raise ValueError(f"membrane source must be one of {MEMBRANE_SOURCES}, got "
                             f"{membrane['source']!r}")
        if series_ohm is not None:
            if not series_ohm >= 0:
                raise ValueError(f"series resistance must be >= 0 Ω, got {series_ohm!r}")
            self.series_ohm = float(series_ohm)
        if tia_gain_v_per_a is not None or tia_mode is not None:
            self.tia = CurrentAmplifier(tia_gain_v_per_a or self.tia.gain_v_per_a,
                                        tia_mode or self.tia.mode)
        self.setup = setup
        if setup == "membrane":
            self.membrane.update(membrane)
            m = self.membrane
            self._series = MembraneCircuit(
                self.device, m["membrane_f"], m["input_ohm"], m["leak_ohm"], m["load_ohm"],
                self.tia.gain_v_per_a, self.tia.bandwidth_hz,
                source_ohm=AWG_OUTPUT_OHM if m["source"] == "awg" else 0.0)
        else:
            # differential: each generator output's 50 Ω is in the loop
            sources = 2 if setup == "differential" else 1
            self._series = SeriesCircuit(self.device, self.series_ohm, self.tia.gain_v_per_a,
                                         self.tia.bandwidth_hz, sources * AWG_OUTPUT_OHM)
        log.info("bench set-up %s", self.describe())

    def describe(self) -> str:
        """The wiring in words, as an operator would connect it."""
        if self.setup == "smu":
            return "SMU → device (two-terminal, SMU-direct)"
        cfg = self.config
        if self.setup == "differential":
            return (f"AWG CH1 → {self.series_ohm:g} Ω → device top; AWG CH2 → device bottom; "
                    f"series-branch current × {self.tia.gain_v_per_a:.0e} V/A → scope "
                    f"CH{cfg.scope_tia_channel}; AWG CH1 − CH2 → scope "
                    f"CH{cfg.scope_awg_channel}; AWG sync → scope AUX trigger")
        if self.setup == "membrane":
            m = self.membrane
            leak = "no leak" if m["leak_ohm"] is None else f"leak {m['leak_ohm']:g} Ω"
            return (f"{m['source'].upper()} → {m['input_ohm']:g} Ω → node ({m['membrane_f']:g} F"
                    f" to ground, {leak}) → {m['load_ohm']:g} Ω → device → TIA "
                    f"{self.tia.gain_v_per_a:.0e} V/A → scope CH{cfg.scope_tia_channel}; node "
                    f"→ probe → scope CH{cfg.scope_membrane_channel}; source → scope "
                    f"CH{cfg.scope_awg_channel}"
                    + ("; AWG sync → scope AUX trigger" if m["source"] == "awg" else ""))
        return (f"AWG → {self.series_ohm:g} Ω → device → TIA {self.tia.gain_v_per_a:.0e} V/A "
                f"→ scope CH{self.config.scope_tia_channel}; AWG output → scope "
                f"CH{self.config.scope_awg_channel}; AWG sync → scope AUX trigger")

    @property
    def _membrane_source(self) -> str | None:
        """What drives the membrane node's input resistor now ("awg" or "smu"); None in the
        other set-ups."""
        return self.membrane["source"] if self.setup == "membrane" else None

    # -- time ---------------------------------------------------------------------------

    def advance(self, duration_s: float) -> None:
        """Let time pass with every source at its programmed output."""
        if duration_s <= 0:
            return
        if self._membrane_source == "smu":
            out = self._smu().idle_output()
            v = 0.0 if out is None else out[0]
            self._run_pulse_path(np.array([0.0, duration_s]), np.array([v, v]), np.empty(0))
            return
        if self.setup == "smu":
            out = self._smu().idle_output()
            v, compliance = out if out is not None else (0.0, IDLE_LIMIT_A)
            bias = self._bias()
            if bias is not None:  # the device sees V1 − V2; see smu_drive for the limit
                limit = compliance if out is not None else bias[1]
                v, compliance = v - bias[0], min(limit, bias[1])
            self._smu_circuit.compliance_a = compliance
            self._smu_circuit.wait(duration_s, v)
            return
        awg = self.instruments.get("awg")
        if awg is None:
            knot_t, knot_v, sync = np.array([0.0, duration_s]), np.zeros(2), np.empty(0)
        else:
            knot_t, knot_v, sync = awg.idle_output(self.now, duration_s)
        bottom = None
        if self.setup == "differential" and hasattr(awg, "bottom_output"):
            bottom = awg.bottom_output(self.now, duration_s)
        self._run_pulse_path(knot_t, knot_v, sync, bottom)

    # -- SMU path -----------------------------------------------------------------------

    def smu_drive(self, knot_t: np.ndarray, knot_v: np.ndarray, sample_t: np.ndarray,
                  compliance_a: float, role: str = "smu") -> Trace:
        """The SMU in role (smu or smu2) sources knots (times from now) and samples, while the
        other SMU holds its idle output; the trace is in that SMU's frame (see _pair). With
        the SMUs unplugged from the device (pulse set-up) it sees open terminals while the
        pulse path idles."""
        if role not in SMU_ROLES:
            raise ValueError(f"SMU role must be one of {SMU_ROLES}, got {role!r}")
        if self._membrane_source == "smu" and role == "smu":
            return self._membrane_smu(np.asarray(knot_t, float), np.asarray(knot_v, float),
                                      np.asarray(sample_t, float))
        if self.setup != "smu":
            return self._open_terminals(float(knot_t[-1]), np.interp(sample_t, knot_t, knot_v),
                                        sample_t)
        if role == "smu" and self._bias() is None:  # bottom terminal at ground
            self._smu_circuit.compliance_a = compliance_a
            return self._smu_circuit.run(knot_t, knot_v, sample_t)
        return self._pair(np.asarray(knot_t, float), np.asarray(knot_v, float), sample_t,
                          compliance_a, role)

    def _pair(self, knot_t: np.ndarray, knot_v: np.ndarray, sample_t: np.ndarray,
              compliance_a: float, role: str, offset: bool = True) -> Trace:
        """Both SMUs on the device: the device sees V1 − V2, the circuit plays that and each
        SMU reads in its own frame (its programmed level; the current out of its HI, which is
        −I for smu2). Approximation: the pair is one source of V1 − V2 limited by the smaller
        current limit; the SMU with that limit is the one that leaves its level when the pair
        clamps (ties: the SMU driving), the other reads its programmed level. An SMU whose
        output is off holds 0 V and does not limit. The circuit's zero offset is smu's: the top
        terminal sits offset_v above V1, the bottom one at V2 (offset=False: a current source,
        not offset, see SmuCircuit.run_current)."""
        other = self._bias() if role == "smu" else self._smu().idle_output()
        v_other, limit_other = other if other is not None else (0.0, compliance_a)
        sign = 1.0 if role == "smu" else -1.0
        self._smu_circuit.compliance_a = min(compliance_a, limit_other)
        trace = self._smu_circuit.run(knot_t, sign * (knot_v - v_other), sample_t, offset=offset)
        v_level = v_other + sign * trace.v_source
        top_offset = self._smu_circuit.offset_v if offset and role == "smu2" else 0.0
        v_terminal = (v_other + top_offset + sign * trace.v_device if compliance_a <= limit_other
                      else v_level)
        return Trace(trace.t, v_level, v_terminal, sign * trace.i_device,
                     sign * trace.i_readout, trace.triggered)

    def _membrane_smu(self, knot_t: np.ndarray, knot_v: np.ndarray, sample_t: np.ndarray
                      ) -> Trace:
        """The SMU drives the membrane's input resistor (an ideal voltage source: the node's
        currents stay far below any compliance an SMU offers) and reads the current into the
        node; the scope records the path as it would for the AWG."""
        wanted = np.union1d(sample_t, [float(knot_t[-1])])
        trace = self._run_pulse_path(knot_t, knot_v, np.empty(0), wanted)
        keep = np.searchsorted(trace.t, sample_t)
        assert isinstance(self._series, MembraneCircuit)
        i_in = self._series.input_current_a(trace)[keep]
        return Trace(trace.t[keep], trace.v_source[keep], trace.v_source[keep], i_in, i_in)

    def _bias(self) -> tuple[float, float] | None:
        """The second SMU's output on the device's bottom terminal, (V2, its limit A), or None
        (no smu2, or its output off: the terminal is at ground)."""
        smu2 = self.instruments.get("smu2")
        return None if smu2 is None else smu2.idle_output()

    def smu_drive_current(self, duration_s: float, current_a: float, v_limit_v: float,
                          sample_t: np.ndarray) -> Trace:
        """The SMU sources a constant current (bounded by ±v_limit_v) for duration_s, sampled
        at sample_t (from now); on open terminals (pulse set-up) it sits at the voltage limit.
        With a smu2 bias the current source's loop is the voltage source of smu_drive."""
        if self.setup == "smu" and self._bias() is None:
            return self._smu_circuit.run_current(duration_s, current_a, v_limit_v, sample_t)
        v, limit = current_source_setpoint(current_a, v_limit_v)
        if self.setup == "smu":
            return self._pair(np.array([0.0, duration_s]), np.array([v, v]), sample_t, limit,
                              "smu", offset=False)
        return self._open_terminals(duration_s, np.full(np.shape(sample_t), v), sample_t)

    def _open_terminals(self, duration_s: float, v: np.ndarray, sample_t: np.ndarray) -> Trace:
        """What an SMU on open terminals sees while the pulse path idles: its own output
        voltage at the terminals and no current."""
        self.advance(duration_s)
        zero = np.zeros_like(v)
        return Trace(np.asarray(sample_t, dtype=float), v, v.copy(), zero, zero)

    def _smu(self) -> SmuPort:
        smu = self.instruments.get("smu")
        if smu is None:
            raise RuntimeError("this bench has no SMU")
        return smu

    # -- pulse path ---------------------------------------------------------------------

    def awg_drive(self, knot_t: np.ndarray, knot_v: np.ndarray, sync_t: np.ndarray,
                  bottom: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """The AWG plays EMF knots (times from now) with sync edges, and on a second channel
        the bottom knots (None: no second channel, 0 V); the scope records what the pulse path
        does. The bottom knots reach the device in the differential set-up only; where the AWG
        is not connected (SMU set-up, membrane fed by the SMU) time still passes."""
        if self.setup not in AWG_SETUPS and self._membrane_source != "awg":
            self.advance(float(knot_t[-1]))
            return
        self._run_pulse_path(np.asarray(knot_t, float), np.asarray(knot_v, float),
                             np.asarray(sync_t, float), bottom)

    def _run_pulse_path(self, knot_t: np.ndarray, knot_v: np.ndarray, sync_t: np.ndarray,
                        bottom: tuple[np.ndarray, np.ndarray] | None = None,
                        also_t: np.ndarray | None = None) -> Trace:
        """Play the source on the pulse, differential or membrane path, feeding the scope's
        acquisition; the trace holds the samples the scope wanted, those at also_t and the last
        one. In the differential set-up the loop is driven by channel 1 − channel 2 (bottom),
        on the union of both channels' knots, which is also what the scope's AWG channel
        shows."""
        assert self._series is not None
        if self.setup == "differential" and bottom is not None:
            knot_t, knot_v = difference(knot_t, knot_v, *bottom)
        t0 = self.now
        duration = float(knot_t[-1])
        acq = self._acquisition()
        wanted = np.array([duration]) if also_t is None else also_t
        if acq is not None:
            wanted = acq.wanted_times(t0, t0 + duration, sync_t + t0) - t0
            wanted = np.clip(wanted, 0.0, duration)  # ascending: drop the repeats clipping made
            if wanted.size:
                wanted = wanted[np.concatenate(([True], np.diff(wanted) > 0))]
            if also_t is not None:
                wanted = np.union1d(wanted, also_t)
            if wanted.size == 0 or wanted[-1] < duration:
                wanted = np.append(wanted, duration)
        trace = self._series.run(knot_t, knot_v, wanted)
        if acq is None:
            return trace
        cfg = self.config
        signals = {cfg.scope_awg_channel: trace.v_source,
                   cfg.scope_tia_channel: self._series.tia_output_v(trace)}
        if trace.v_node is not None:
            signals[cfg.scope_membrane_channel] = trace.v_node
        acq.feed(trace.t + t0, signals, sync_t + t0)
        return trace

    def _acquisition(self) -> Acquisition | None:
        scope = self.instruments.get("scope")
        return None if scope is None else scope.acquisition

    def settle_acquisition(self, max_wait_s: float) -> bool:
        """Let time pass (idle) until the scope's acquisition completes or max_wait_s elapses;
        True when complete. Used by the scope for :DIGitize and waits for completion."""
        acq = self._acquisition()
        if acq is None:
            return False
        deadline = self.now + max_wait_s
        dt = acq.settings.sample_interval_s
        search = acq.settings.pre_trigger_s + acq.settings.post_trigger_s
        while not acq.complete and self.now < deadline:
            if acq.trigger_s is not None:
                step = acq.times_s[-1] - self.now + dt
            else:  # hunt in growing stretches so an early trigger is not overshot far
                step, search = search, 2 * search
            self.advance(min(max(step, dt), deadline - self.now))
        return acq.complete

