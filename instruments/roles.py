"""Role interfaces procedures use: what a source-meter (and a pulsing one), a waveform
generator and an oscilloscope must do, whichever instrument fills the role, real or simulated."""

from __future__ import annotations

import abc
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

Segment = tuple[float, float]
"""(level in V, duration in s) of a constant-level stretch of a waveform."""


@dataclass(frozen=True)
class SweepResult:
    """Readings of an instrument-side sweep: time from the first reading (s), sourced and
    measured values, and whether each reading hit the compliance limit."""

    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    in_compliance: np.ndarray


@dataclass(frozen=True)
class ScopeTrace:
    """One channel's record: time from the trigger (s), voltage (V), its settings, and which
    samples were over range (clipped by the ADC at the top or bottom of the screen)."""

    t: np.ndarray
    v: np.ndarray
    metadata: dict = field(default_factory=dict)
    over_range: np.ndarray | None = None
    """Boolean per sample; None when the scope cannot tell (then treat none as clipped)."""


class Role(abc.ABC):
    """Common to every role: the driver it wraps, its identity and its safe state."""

    IDN_PATTERNS: ClassVar[tuple[str, ...]] = ()
    """Regular expressions (matched at the start, any case) of the *IDN? answers of the models
    this driver speaks to; the station refuses another model in the role."""

    @property
    @abc.abstractmethod
    def idn(self) -> str:
        """The instrument's *IDN? answer."""

    @abc.abstractmethod
    def safe_off(self) -> None:
        """Outputs off, sources at 0 V; must work from any state, including after errors."""

    def close(self) -> None:
        """Close the VISA session, e.g. one a dead connection left a call stuck on."""
        self.driver.adapter.close()  # type: ignore[attr-defined]


class SourceMeter(Role):
    """Source voltage, measure current with a compliance limit; sweeps run on the instrument."""

    @abc.abstractmethod
    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """Refuse (ValueError naming the setting and its range) what configure() cannot set,
        without talking to the instrument."""

    @abc.abstractmethod
    def configure(self, compliance_a: float, current_range_a: float | None = None,
                  nplc: float = 1.0) -> None:
        """Voltage source / current measure with this limit; range None = auto."""

    @abc.abstractmethod
    def apply(self, voltage_v: float) -> None:
        """Set the source level and switch the output on."""

    @abc.abstractmethod
    def measure(self) -> tuple[float, float, bool]:
        """One reading now: (V sourced, I measured, in compliance)."""

    @abc.abstractmethod
    def sweep(self, voltages: Sequence[float], *, dwell_s: float | None = None,
              rate_v_per_s: float | None = None) -> SweepResult:
        """Source each voltage in turn on the instrument (list sweep) and return the buffer.

        Give the time per point as dwell_s, or a ramp rate from which it follows as the
        largest step over the rate; refuse (ValueError) what the instrument cannot time.
        """

    @property
    @abc.abstractmethod
    def output_enabled(self) -> bool:
        """True when the output is on."""


@dataclass(frozen=True)
class SourceMeterLimits:
    """What a SourceMeter role refuses before talking to its instrument (compliance, NPLC,
    current ranges) and how its ValueErrors name the model ('outside the {model} range',
    'is not {a_range}')."""

    model: str
    a_range: str
    compliance_a: tuple[float, float]
    nplc: tuple[float, float]
    current_ranges_a: tuple[float, ...]

    def check(self, name: str, value: float, limits: tuple[float, float], unit: str) -> float:
        """value as a float; ValueError naming the setting and the model's range outside it."""
        value = float(value)
        if not limits[0] <= value <= limits[1]:
            raise ValueError(f"{name}={value:g} {unit} is outside the {self.model} range "
                             f"{limits[0]:g} to {limits[1]:g} {unit}")
        return value

    def check_configuration(self, compliance_a: float, current_range_a: float | None = None,
                            nplc: float = 1.0) -> None:
        """SourceMeter.check_configuration() against these limits."""
        self.check("compliance_a", compliance_a, self.compliance_a, "A")
        self.check("nplc", nplc, self.nplc, "PLC")
        if current_range_a is not None and not any(
                math.isclose(current_range_a, r, rel_tol=1e-9) for r in self.current_ranges_a):
            raise ValueError(f"current_range_a={current_range_a!r} is not {self.a_range}; "
                             f"choose one of {self.current_ranges_a} A or None for auto")


def source_levels(voltages: Sequence[float], max_points: int, limit_v: float,
                  holder: str = "a sweep", unit: str = "points") -> np.ndarray:
    """voltages as a float array for a sweep or source list; ValueError naming voltages for
    an empty or too long one ("{holder} holds 1 to max_points {unit}") or a level beyond
    ±limit_v (NaN too)."""
    levels = np.asarray(voltages, dtype=float).ravel()
    if not 1 <= levels.size <= max_points:
        raise ValueError(f"voltages: {holder} holds 1 to {max_points} {unit}, got {levels.size}")
    if not np.all(np.abs(levels) <= limit_v):
        raise ValueError(f"voltages: every level must be within ±{limit_v:g} V")
    return levels


def sweep_dwell_s(levels: np.ndarray, dwell_s: float | None, rate_v_per_s: float | None,
                  limits_s: tuple[float, float], timer: str) -> float:
    """Time per point of a SourceMeter.sweep() from dwell_s or the ramp rate (largest step over
    the rate) within limits_s; ValueError naming the argument, timer saying who times it."""
    if (dwell_s is None) == (rate_v_per_s is None):
        raise ValueError("give exactly one of dwell_s or rate_v_per_s")
    lo, hi = limits_s
    if rate_v_per_s is not None:
        step = float(np.max(np.abs(np.diff(levels)))) if levels.size > 1 else 0.0
        if not rate_v_per_s > 0 or step == 0:
            raise ValueError("rate_v_per_s needs a positive rate and a list with steps; "
                             "give dwell_s instead")
        dwell_s = step / rate_v_per_s
        if not lo <= dwell_s <= hi:
            raise ValueError(
                f"rate_v_per_s={rate_v_per_s:g} V/s with {step:g} V steps needs "
                f"{dwell_s:g} s per point; {timer} can time {lo:g} s to {hi:g} s, i.e. "
                f"rate_v_per_s from {step / hi:g} to {step / lo:g} V/s")
    assert dwell_s is not None
    if not lo <= dwell_s <= hi:
        raise ValueError(f"dwell_s={dwell_s:g} s is outside what {timer} can time: "
                         f"{lo:g} s to {hi:g} s per point")
    return dwell_s


class PulsedSourceMeter(SourceMeter):
    """A source-meter that also pulses its voltage with the compliance on and measures the
    current inside each pulse (the SMU path, without AWG and scope)."""

    @abc.abstractmethod
    def check_pulse(self, width_s: float, period_s: float | None = None,
                    measure_delay_s: float | None = None, nplc: float | None = None) -> None:
        """Refuse (ValueError naming the setting and its range) a pulse the instrument cannot
        time or measure inside at this NPLC (None: the configured one), changing nothing."""

    @abc.abstractmethod
    def check_pulse_train(self, amplitudes: Sequence[float], width_s: float, period_s: float,
                          base_v: float = 0.0, measure_delay_s: float | None = None,
                          nplc: float | None = None) -> None:
        """Refuse (ValueError) what pulse_train() cannot run at this NPLC (None: the
        configured one): check_pulse() and the levels and their count, changing nothing."""

    @abc.abstractmethod
    def pulse(self, amplitude_v: float, width_s: float, base_v: float = 0.0,
              measure_delay_s: float | None = None) -> tuple[float, float, bool]:
        """One pulse from base_v to amplitude_v for width_s, measured measure_delay_s after
        its start (None: as late as the aperture allows): (V, I, in compliance)."""

    @abc.abstractmethod
    def pulse_train(self, amplitudes: Sequence[float], width_s: float, period_s: float,
                    base_v: float = 0.0, measure_delay_s: float | None = None) -> SweepResult:
        """One pulse per amplitude every period_s, run as one pulsed list sweep on the
        instrument; each reading is taken inside its pulse."""


class WaveformGenerator(Role):
    """Plays piecewise-constant waveforms as an arbitrary waveform, one burst per trigger."""

    @abc.abstractmethod
    def compile(self, segments: Sequence[Segment]) -> tuple[np.ndarray, float]:
        """(level of every point in V, repetition frequency in Hz) the instrument would play,
        without talking to it; ValueError naming what would fit when it cannot hold them."""

    @abc.abstractmethod
    def load(self, segments: Sequence[Segment], bursts: int = 1) -> float:
        """Compile segments into the instrument's arbitrary-waveform memory for bus-triggered
        bursts (output left off, idle at 0 V). Returns the duration of one burst in s.
        Refuses (ValueError, naming what would fit) what the memory, DAC or output cannot hold."""

    @abc.abstractmethod
    def enable(self) -> None:
        """Switch the output on (after load)."""

    @abc.abstractmethod
    def trigger(self) -> None:
        """Start one burst now."""

    def check_pair(self, pre: Sequence[Segment], post: Sequence[Segment]) -> None:
        """Refuse (ValueError saying what would fit) a pre-synaptic waveform on the output
        that drives the device's top terminal with a post-synaptic one on a second output (the
        device's bottom terminal) that the instrument cannot play together. This default is
        a generator with one output, which refuses every pair."""
        raise ValueError(f"{type(self).__name__} drives one output: a post-synaptic waveform "
                         "on the device's bottom terminal needs a generator with a second "
                         "channel wired to it (e.g. a Keysight 33522B, driver k33500b)")

    def load_pair(self, pre: Sequence[Segment], post: Sequence[Segment],
                  bursts: int = 1) -> float:
        """As load(), with post on the second output, both bursts started by one trigger;
        refused as check_pair() refuses. Returns the duration of one burst in s."""
        self.check_pair(pre, post)
        raise NotImplementedError(f"{type(self).__name__} accepts pairs but cannot load them")


class Oscilloscope(Role):
    """Single-shot acquisition triggered by the AWG sync (aux) or a channel edge."""

    CHANNELS: ClassVar[int] = 0
    """Analog input channels, numbered from 1 (what a station's wiring may name)."""

    @abc.abstractmethod
    def check_record(self, duration_s: float, points: int | None = None) -> None:
        """Refuse (ValueError naming the limit) a record the scope cannot take, without
        talking to it."""

    @abc.abstractmethod
    def check_channels(self, channels: dict[int, tuple[float, float]]) -> None:
        """Refuse (ValueError naming the channel and the limit) channel (V/div scale, offset V)
        pairs the scope cannot set, without talking to it."""

    @abc.abstractmethod
    def configure(self, channels: dict[int, tuple[float, float]], duration_s: float,
                  pre_trigger_s: float = 0.0, points: int | None = None,
                  trigger_source: str = "AUX", trigger_level_v: float = 0.5) -> None:
        """Set channel (V/div scale, offset V) pairs, the record window and the trigger."""

    @abc.abstractmethod
    def single(self) -> None:
        """Arm one acquisition (returns at once)."""

    @abc.abstractmethod
    def wait(self, timeout_s: float = 10.0) -> None:
        """Block until the armed acquisition completes; TimeoutError otherwise."""

    @abc.abstractmethod
    def fetch(self, channel: int) -> ScopeTrace:
        """The last record of a channel, transferred in binary."""
