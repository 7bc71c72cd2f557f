"""Pulse procedures on the membrane set-up (AWG → input R → node with C and an optional leak R
to ground → device → TIA → scope): the set-up per capacitor and leak, a screen and a stored
record for the node's probe channel, and the spikes counted as falls of the node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pymeasure.experiment import FloatParameter

from labmem import analysis_spikes
from labmem.procedures.base import FloatListParameter, list_values
from labmem.procedures.pulse import PulseProcedure, screen
from labmem.waveforms import Segment

FALL_PASSIVE_FRACTION = 0.5
"""Node falls count as spikes only where the passive discharge through R_in and the leak over
the fall window stays below this fraction of the fall level (else the source's own swing would
count)."""


def leak_or_none(leak_ohm: float) -> float | None:
    """A leak list entry as the set-up takes it: 0 means no leak resistor (None)."""
    return leak_ohm if leak_ohm > 0 else None


class NodeSpikes:
    """Spikes as falls of the membrane node by more than fall_v within fall_window_s, in a
    record sampled every sample_interval_s (shared by the procedures that record the node)."""

    fall_v: float
    fall_window_s: float
    sample_interval_s: float

    def fall_samples(self, t: np.ndarray) -> int:
        """The fall window in samples of a record with times t (at least one)."""
        dt = float(np.median(np.diff(t))) if t.size > 1 else self.sample_interval_s
        return max(1, round(self.fall_window_s / dt))

    def spike_times(self, t: np.ndarray, node_v: np.ndarray) -> np.ndarray:
        """Times in s at which the node starts a fall of fall_v within fall_window_s."""
        return t[analysis_spikes.node_falls(node_v, self.fall_v, self.fall_samples(t))]


class MembranePulseProcedure(NodeSpikes, PulseProcedure):
    """Shared by the AWG-driven membrane procedures: conditions (capacitor, leak) each a
    recabling of the membrane set-up, the node recorded with every burst (`node_v`), spikes as
    falls of the node by more than fall_v within fall_window_s."""

    SMU_PATH_REFUSAL = "the membrane node is recorded on a scope channel beside the AWG pulses"

    series_ohm = FloatParameter("Input resistance (station fixture)", units="ohm", minimum=1.0,
                                maximum=1e12, default=1e5)
    capacitors_f = FloatListParameter("Membrane capacitors (station fixtures)", units="F",
                                      minimum=1e-15, maximum=1e-3, default="1e-10, 1e-9")
    leaks_ohm = FloatListParameter("Leak resistors (0 for none)", units="ohm", minimum=0.0,
                                   maximum=1e15, default="0")
    fall_v = FloatParameter("Spike = a node fall of at least", units="V", minimum=1e-3,
                            maximum=10.0, default=0.2)
    fall_window_s = FloatParameter("Spike fall within", units="s", minimum=1e-10, maximum=1.0,
                                   default=100e-6)

    membrane_f: float = 1e-10
    leak_ohm: float | None = None
    """The condition being played (set per condition before use_setup)."""
    node_v: np.ndarray | None = None
    """The node's record of the last burst (scope channel scope_membrane_channel), V."""

    def conditions(self) -> list[tuple[float, float]]:
        """(capacitor F, leak Ω or 0) in the order played, capacitor outermost."""
        return [(c, leak) for c in list_values(self, "capacitors_f")
                for leak in list_values(self, "leaks_ohm")]

    def set_condition(self, membrane_f: float, leak_ohm: float) -> None:
        """Recable to this capacitor and leak (the node starts discharged)."""
        self.membrane_f, self.leak_ohm = membrane_f, leak_or_none(leak_ohm)
        self.use_setup()

    def use_setup(self) -> None:
        """The membrane set-up with the AWG as source and the current condition."""
        assert self.station is not None
        self.station.use_setup("membrane", tia_gain_v_per_a=self.tia_gain,
                               membrane_f=self.membrane_f, input_ohm=self.series_ohm,
                               leak_ohm=self.leak_ohm, source="awg")

    def startup(self) -> None:
        """The first condition's set-up."""
        self.set_condition(*self.conditions()[0])

    def check_plan(self) -> None:
        """Every capacitor, leak and the input resistor must be station fixtures, then the
        shared checks (AWG, scope record and screens) on the longest waveform."""
        assert self.station is not None
        for c, leak in self.conditions():
            try:
                self.station.check_membrane(c, self.series_ohm, leak_or_none(leak), 0.0)
            except ValueError as err:
                raise ValueError(f"the membrane components are not allowed: {err}") from None
        super().check_plan()

    def screens(self, segments: Sequence[Segment]) -> dict[int, tuple[float, float]]:
        """The AWG and TIA screens, and the node's: 0 to the highest level (the node never
        charges above the source)."""
        assert self.station is not None
        top = max(max(lv for lv, _ in segments), 0.0)
        return {**super().screens(segments),
                self.station.scope_membrane_channel: screen(0.0, top)}

    def store_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray],
                    units: dict[str, str], **attrs: Any) -> None:
        """A scope burst's record (it has the TIA output) gains the node's channel, fetched
        from the same acquisition and kept in node_v."""
        assert self.station is not None
        if "v_tia" in channels:
            self.node_v = self.station.scope.fetch(self.station.scope_membrane_channel).v
            channels, units = {**channels, "v_node": self.node_v}, {**units, "v_node": "V"}
            attrs = {**attrs, "membrane_f": self.membrane_f,
                     "leak_ohm": self.leak_ohm or 0.0}
        super().store_trace(name, t, channels, units, **attrs)

    def falls_resolved(self, level_v: float) -> bool:
        """True when the node's passive discharge (through R_in and the leak, from at most
        level_v) over the fall window stays below FALL_PASSIVE_FRACTION of fall_v, so a fall
        of fall_v can only be the device firing."""
        r = self.series_ohm + 50.0
        if self.leak_ohm is not None:
            r = r * self.leak_ohm / (r + self.leak_ohm)
        passive = abs(level_v) * -np.expm1(-self.fall_window_s / (r * self.membrane_f))
        return bool(passive < FALL_PASSIVE_FRACTION * self.fall_v)
