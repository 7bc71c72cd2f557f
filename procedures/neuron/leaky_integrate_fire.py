"""P10/P11: leaky integrate-and-fire on the membrane set-up. Trains of identical pulses charge
the node's capacitor through the input resistor (leaking through the leak resistor) until the
device fires: pulses-to-fire and time-to-fire against amplitude, capacitor and leak, and the
firing rate against amplitude (the tuning curve) where the device resets between spikes."""

from __future__ import annotations

import itertools
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis_spikes, metrics
from labmem.metrics import Metrics
from labmem.procedures.base import FloatListParameter, list_values
from labmem.procedures.neuron.membrane import MembranePulseProcedure
from labmem.procedures.pulse import check_width_below_period
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, pulse_train

NAN = float("nan")


class LeakyIntegrateFire(MembranePulseProcedure):
    """P10/P11: for every capacitor, leak and amplitude, `repeats` trains (each after a rest);
    one row per train: pulses-to-fire and time-to-fire (the device current first crossing
    spike_fraction of the input-limited current), spikes (falls of the node) and firing rate."""

    DATA_COLUMNS: ClassVar[list[str]] = [
        "Capacitance (F)", "Leak (ohm)", "Amplitude (V)", "Repeat", "Fired", "Pulses to fire",
        "Time to fire (s)", "Spikes", "Firing rate (Hz)", "Peak current (A)", OVER_RANGE]
    METRICS = metrics.LEAKY_INTEGRATE_FIRE

    amplitudes_v = FloatListParameter("Pulse amplitudes", units="V", minimum=0.0, maximum=10.0,
                                      default="3, 4, 6")
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=5e-6)
    period_s = FloatParameter("Pulse period", units="s", minimum=50e-9, maximum=10.0,
                              default=10e-6)
    pulses = IntegerParameter("Pulses per train", minimum=1, maximum=100_000, default=100)
    repeats = IntegerParameter("Trains per condition", minimum=1, maximum=1000, default=1)
    rest_s = FloatParameter("Rest before each train", units="s", minimum=0.0, maximum=1e5,
                            default=0.1)
    spike_fraction = FloatParameter("Fired at a current of (fraction of A / R_in)",
                                    minimum=0.01, maximum=1.0, default=0.5)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=1e-7)

    def train(self, amplitude_v: float) -> list[Segment]:
        """One period at 0 V (the baseline before the trigger's pre-trigger part), the train."""
        return [(0.0, self.period_s), *pulse_train(amplitude_v, 0.0, self.width_s,
                                                   self.period_s, self.pulses)]

    def segments(self) -> list[Segment]:
        """The train at the highest amplitude (for the shared checks)."""
        return self.train(max(list_values(self, "amplitudes_v")))

    def spike_threshold_a(self) -> float:
        """The current at which the device counts as fired at the highest amplitude (the live
        view's markers)."""
        return self.spike_fraction * self.limited_current_a(max(list_values(self,
                                                                            "amplitudes_v")))

    def check_plan(self) -> None:
        """Pulses shorter than their period, then the membrane checks."""
        check_width_below_period(self.width_s, self.period_s)
        super().check_plan()

    def get_estimates(self) -> float:
        """Duration in s: every train and its rest."""
        per_train = self.rest_s + (self.pulses + 1) * self.period_s
        return (len(self.conditions()) * len(list_values(self, "amplitudes_v")) * self.repeats
                * per_train)

    def execute(self) -> None:
        """Conditions (a recabling each), amplitudes, repeats; a row per train."""
        assert self.station is not None
        amplitudes = list_values(self, "amplitudes_v")
        plan = list(itertools.product(self.conditions(), amplitudes, range(self.repeats)))
        condition = plan[0][0]  # startup() cabled it
        for done, ((c, leak), amp, repeat) in enumerate(plan, start=1):
            if (c, leak) != condition:
                self.set_condition(c, leak)
                condition = (c, leak)
            self.stop_point()
            self.station.wait(self.rest_s)
            cap = self.capture(self.train(amp), f"{c:g}F_{leak:g}ohm_{amp:g}V_{repeat}")
            assert self.node_v is not None
            self.emit("results", {"Capacitance (F)": c, "Leak (ohm)": leak, "Amplitude (V)": amp,
                                  "Repeat": repeat,
                                  **self.train_figures(cap.t, cap.i, self.node_v, amp),
                                  "Peak current (A)": cap.peak(self.period_s, np.inf),
                                  OVER_RANGE: cap.clipped()})
            self.emit("progress", 100.0 * done / len(plan))

    def train_figures(self, t: np.ndarray, i: np.ndarray, node_v: np.ndarray, amp: float
                      ) -> dict[str, float]:
        """Fired, pulses-to-fire, time-to-fire (from the first pulse), spikes and firing rate
        over the train (NaN where the node's falls are not resolved: falls_resolved)."""
        train = (t >= self.period_s) & (t < (self.pulses + 1) * self.period_s)
        fire_t = analysis_spikes.first_crossing(t[train], i[train],
                                                self.spike_fraction * self.limited_current_a(amp))
        fired = bool(np.isfinite(fire_t))
        out = {"Fired": int(fired),
               "Pulses to fire": analysis_spikes.pulse_number(fire_t, self.period_s,
                                                              self.period_s),
               "Time to fire (s)": fire_t - self.period_s, "Spikes": NAN,
               "Firing rate (Hz)": NAN}
        if self.falls_resolved(amp):
            spikes = self.spike_times(t[train], node_v[train]).size
            out.update({"Spikes": float(spikes),
                        "Firing rate (Hz)": spikes / (self.pulses * self.period_s)})
        return out

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Pulses-to-fire and time-to-fire medians, the fraction of trains that fired, the
        highest firing rate and the saturating fit of the rate against the amplitude."""
        return metrics.leaky_integrate_fire(rows)
