"""P13/P16: self-oscillation on the membrane set-up. A DC bias from the SMU through a large
input resistor charges the node's capacitor until the volatile device fires, discharges it and
relaxes off again: a relaxation oscillator. Spikes, frequency and inter-spike statistics
against the bias and the capacitor; the bias window in which it oscillates."""

from __future__ import annotations

import itertools
import logging
import math
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis_spikes, metrics
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, StationProcedure, list_values
from labmem.procedures.neuron.membrane import NodeSpikes
from labmem.procedures.pulse import screen

log = logging.getLogger(__name__)

NAN = float("nan")
NO_TRIGGER = {"Spikes": 0.0, "Frequency (Hz)": NAN, "ISI mean (s)": NAN, "ISI CV": NAN,
              "Node low (V)": NAN, "Node high (V)": NAN}
"""The row of a record whose node never rose through the trigger level: no oscillation (a
device left conducting holds the node down)."""
PRE_TRIGGER_FRACTION = 0.01
"""Part of each record before the trigger (the node at rest before the bias reaches it)."""


class SelfOscillation(NodeSpikes, StationProcedure):
    """P13/P16: for every capacitor and DC bias, the SMU holds the bias on the input resistor
    while the scope records the node for record_s (triggered by the node's first rise through
    trigger_level_v), then 0 V and a rest; one row per (capacitor, bias): spikes (falls of the
    node), frequency, ISI mean and coefficient of variation, and the node's low and high levels."""

    SETUP = "membrane"
    ROLES = ("smu", "scope")
    DATA_COLUMNS: ClassVar[list[str]] = [
        "Capacitance (F)", "Bias (V)", "Spikes", "Frequency (Hz)", "ISI mean (s)", "ISI CV",
        "Node low (V)", "Node high (V)"]
    METRICS = metrics.SELF_OSCILLATION

    series_ohm = FloatParameter("Input resistance (station fixture)", units="ohm", minimum=1.0,
                                maximum=1e12, default=1e10)
    capacitors_f = FloatListParameter("Membrane capacitors (station fixtures)", units="F",
                                      minimum=1e-15, maximum=1e-3, default="1e-11")
    biases_v = FloatListParameter("DC biases", units="V", minimum=0.0, maximum=200.0,
                                  default="0.3, 1, 2, 4, 8, 16")
    compliance_a = FloatParameter("SMU compliance", units="A", minimum=1e-9, maximum=1.0,
                                  default=1e-6)
    record_s = FloatParameter("Record per bias", units="s", minimum=1e-6, maximum=100.0,
                              default=1.0)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=5e-5)
    trigger_level_v = FloatParameter("Trigger on the node rising through", units="V", minimum=1e-3,
                                     maximum=10.0, default=0.1)
    rest_s = FloatParameter("Rest at 0 V before each bias", units="s", minimum=0.0,
                            maximum=1e5, default=1.0)
    fall_v = FloatParameter("Spike = a node fall of at least", units="V", minimum=1e-3,
                            maximum=10.0, default=0.2)
    fall_window_s = FloatParameter("Spike fall within", units="s", minimum=1e-10, maximum=1.0,
                                   default=2e-4)
    min_spikes = IntegerParameter("Oscillating with at least (spikes per record)", minimum=2,
                                  maximum=100_000, default=3)

    membrane_f: float = NAN
    """The capacitor cabled now (set by set_capacitor)."""

    def plan(self) -> list[tuple[float, float]]:
        """(capacitor F, bias V) in the order played, capacitor outermost."""
        return list(itertools.product(list_values(self, "capacitors_f"),
                                      list_values(self, "biases_v")))

    def use_setup(self) -> None:
        """The membrane set-up with the SMU as source and the first capacitor."""
        self.set_capacitor(list_values(self, "capacitors_f")[0])

    def set_capacitor(self, membrane_f: float) -> None:
        """Recable to this capacitor (the node starts discharged)."""
        assert self.station is not None
        self.membrane_f = membrane_f
        self.station.use_setup("membrane", membrane_f=membrane_f, input_ohm=self.series_ohm,
                               source="smu")

    def points(self) -> int:
        """Samples of one record (the record and its pre-trigger part)."""
        return math.ceil(self.record_s * (1 + PRE_TRIGGER_FRACTION) / self.sample_interval_s)

    def discharge_s(self, bias_v: float, membrane_f: float) -> float:
        """The rest after which the node, left at bias_v, has discharged through the input
        resistor alone below the trigger level (a conducting device only speeds it up)."""
        return self.series_ohm * membrane_f * math.log(max(bias_v / self.trigger_level_v, 1.0))

    def check_plan(self) -> None:
        """Fixtures, a trigger level every bias crosses, a rest that brings the node back
        below it, the SMU's compliance, the scope's record and node screen."""
        assert self.station is not None
        biases = list_values(self, "biases_v")
        for c in list_values(self, "capacitors_f"):
            try:
                self.station.check_membrane(c, self.series_ohm, None, 0.0)
            except ValueError as err:
                raise ValueError(f"the membrane components are not allowed: {err}") from None
        if min(biases) <= self.trigger_level_v:
            raise ValueError(f"DC biases (biases_v) = {min(biases):g} V is not allowed: the "
                             f"node charges towards the bias and must rise through the "
                             f"trigger level {self.trigger_level_v:g} V; give biases above it "
                             "or lower trigger_level_v")
        need = max(self.discharge_s(max(biases), c) for c in list_values(self, "capacitors_f"))
        if self.rest_s < need:
            raise ValueError(f"Rest at 0 V before each bias (rest_s) = {self.rest_s:g} s is not "
                             f"allowed: the node needs {need:.3g} s through "
                             f"{self.series_ohm:g} Ω to fall from {max(biases):g} V below the "
                             f"trigger level; allowed from {need:.3g} s")
        try:
            self.station.smu.check_configuration(self.compliance_a)
        except ValueError as err:
            raise ValueError(f"SMU compliance (compliance_a) = {self.compliance_a:g} A is not "
                             f"allowed: {err}") from None
        scope = self.station.scope
        try:
            scope.check_record(self.record_s * (1 + PRE_TRIGGER_FRACTION), self.points())
        except ValueError as err:
            raise ValueError(f"a record of {self.record_s:g} s (record_s) every "
                             f"{self.sample_interval_s:g} s (sample_interval_s) is not allowed "
                             f"on the scope: {err}; shorten the record or lengthen the sample "
                             "interval") from None
        scope.check_channels({self.station.scope_membrane_channel: screen(0.0, max(biases))})

    def get_estimates(self) -> float:
        """Duration in s: every rest and record."""
        return len(self.plan()) * (self.rest_s + self.record_s * (1 + PRE_TRIGGER_FRACTION))

    def execute(self) -> None:
        """Capacitors (a recabling each), biases; a row per record."""
        assert self.station is not None
        smu = self.station.smu
        smu.configure(self.compliance_a)
        plan = self.plan()
        capacitor = plan[0][0]  # startup() cabled it
        for done, (c, bias) in enumerate(plan, start=1):
            if c != capacitor:
                self.set_capacitor(c)
                smu.configure(self.compliance_a)
                capacitor = c
            self.stop_point()
            smu.apply(0.0)
            self.station.wait(self.rest_s)
            try:
                t, node_v = self.record(bias, f"{c:g}F_{bias:g}V")
                figures = self.record_figures(t, node_v)
            except TimeoutError as err:  # the node never rose through the trigger level
                log.info("%g F, %g V: no trigger (%s): no oscillation", c, bias, err)
                figures = NO_TRIGGER
            smu.apply(0.0)
            self.emit("results", {"Capacitance (F)": c, "Bias (V)": bias, **figures})
            self.emit("progress", 100.0 * done / len(plan))

    def record(self, bias_v: float, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Arm the scope on the node's rising edge, apply the bias and record the node for
        record_s; stored in HDF5. Returns (time from the trigger, node voltage)."""
        assert self.station is not None
        scope, channel = self.station.scope, self.station.scope_membrane_channel
        duration = self.record_s * (1 + PRE_TRIGGER_FRACTION)
        scope.configure({channel: screen(0.0, bias_v)}, duration_s=duration,
                        pre_trigger_s=PRE_TRIGGER_FRACTION * self.record_s,
                        points=self.points(), trigger_source=channel,
                        trigger_level_v=self.trigger_level_v)
        scope.single()
        self.station.smu.apply(bias_v)
        scope.wait(timeout_s=max(10.0, 3 * duration))
        node = scope.fetch(channel)
        self.store_trace(name, node.t, {"v_node": node.v}, {"v_node": "V"},
                         bias_v=bias_v, input_ohm=self.series_ohm,
                         membrane_f=self.membrane_f)
        return node.t, node.v

    def record_figures(self, t: np.ndarray, node_v: np.ndarray) -> dict[str, float]:
        """Spikes, frequency (1 / mean ISI), ISI mean and CV (NaN with too few spikes), the
        node's lowest level after the first spike (where the device lets go; NaN without a
        spike) and its highest after the trigger (the firing level, or the settled level)."""
        spikes = self.spike_times(t, node_v)
        mean, std, frequency = analysis_spikes.interval_stats(spikes)
        return {"Spikes": float(spikes.size), "Frequency (Hz)": frequency,
                "ISI mean (s)": mean, "ISI CV": std / mean,
                "Node low (V)": float(node_v[t >= spikes[0]].min()) if spikes.size else NAN,
                "Node high (V)": float(node_v[t >= 0].max())}

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """The oscillating window on the first capacitor, the frequency at its middle and the
        slope of frequency against bias inside it."""
        return metrics.self_oscillation(rows, self.min_spikes)
