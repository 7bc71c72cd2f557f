"""P19: spike-timing-dependent plasticity by overlapping pre/post spikes. Each spike is a short
pulse followed by a staircase tail of the other polarity, every segment below the device's
switching threshold; only where pre and post overlap does the device (which sees pre − post)
see a voltage that changes it. The device is first set on the SMU to a formed, nonvolatile
state that can move both ways; then PrePostPairing's bursts play the pairs at every Δt."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, IntegerParameter, ListParameter, Parameter

from labmem import metrics
from labmem.metrics import Metrics
from labmem.procedures.synapse.pairing import DRIVES, PrePostPairing
from labmem.procedures.synapse.weight import FORMING_NPLC, FORMING_RATE_V_PER_S, smu_sweeps
from labmem.station import Station
from labmem.waveforms import Segment


class STDP(PrePostPairing):
    """ΔG against Δt = t_post − t_pre for pre/post spikes built from sub-threshold segments (a
    short pulse, then a staircase tail of the other polarity), after an SMU set sweep to a
    formed state; the delay list is played `repeats` times, a read before and after every
    pair. One row per pair; the LTP and LTD windows ΔG = A±·exp(−|Δt|/τ±) are fitted."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Repeat", *PrePostPairing.DATA_COLUMNS]
    METRICS = metrics.STDP
    SMU_PATH_REFUSAL = ("its reads and spike segments differ in width (the SMU pulses with one "
                        "width) and its conductances are corrected for the pulse set-up's "
                        "series resistor")

    drive = ListParameter("Drive (differential = pre on CH1 and post on CH2, pulse = pre − "
                          "post on CH1)", choices=DRIVES, default="pulse")
    spike_v = FloatParameter("Spike pulse level", units="V", minimum=-5.0, maximum=5.0,
                             default=-0.6)
    spike_width_s = FloatParameter("Spike pulse width", units="s", minimum=25e-9, maximum=0.1,
                                   default=50e-6)
    tail_v = FloatParameter("Tail first level", units="V", minimum=-5.0, maximum=5.0,
                            default=0.5)
    tail_steps = IntegerParameter("Tail steps (falling linearly)", minimum=1, maximum=20,
                                  default=5)
    tail_step_s = FloatParameter("Tail step duration", units="s", minimum=25e-9, maximum=0.1,
                                 default=50e-6)
    delays = Parameter("Delays Δt = t_post − t_pre (s, …)",
                       default="50e-6, -50e-6, 100e-6, -100e-6, 150e-6, -150e-6, 250e-6, "
                               "-250e-6, 2e-3, -2e-3")
    repeats = IntegerParameter("Repeats of the delay list", minimum=1, maximum=1000, default=3)
    gap_s = FloatParameter("Gap", units="s", minimum=25e-9, maximum=1.0, default=20e-6)
    forming_cycles = IntegerParameter("Forming cycles (SMU)", minimum=0, maximum=1000,
                                      default=3)
    forming_compliance_a = FloatParameter("Forming compliance", units="A", minimum=1e-9,
                                          maximum=1.05, default=1e-3)
    forming_v = FloatParameter("Forming apex (±)", units="V", minimum=0.01, maximum=20.0,
                               default=2.0)
    set_cycles = IntegerParameter("Set sweeps (SMU)", minimum=0, maximum=100, default=1)
    set_v = FloatParameter("Set sweep apex", units="V", minimum=0.01, maximum=20.0, default=1.5)
    set_compliance_a = FloatParameter("Set compliance", units="A", minimum=1e-9, maximum=1.05,
                                      default=2e-4)

    def spike(self) -> list[Segment]:
        """One spike: the pulse, then tail_steps levels falling linearly from tail_v to
        tail_v/tail_steps."""
        tail = self.tail_v * (1.0 - np.arange(self.tail_steps) / self.tail_steps)
        return [(self.spike_v, self.spike_width_s),
                *((float(level), self.tail_step_s) for level in tail)]

    def pre_spike(self) -> list[Segment]:
        """The pre-synaptic spike (top terminal)."""
        return self.spike()

    def post_spike(self) -> list[Segment]:
        """The post-synaptic spike (bottom terminal): the same shape."""
        return self.spike()

    @property
    def on_smu_first(self) -> bool:
        """True when the device is formed or set on the SMU before the pairs."""
        return bool(self.forming_cycles or self.set_cycles)

    def roles_on(self, station: Station) -> tuple[str, ...]:
        """The pulse path, and the SMU when the device is formed or set first."""
        roles = super().roles_on(station)
        return (*roles, "smu") if self.on_smu_first and "smu" not in roles else roles

    def check_plan(self) -> None:
        """The pairing checks, then the SMU's for the forming and set sweeps."""
        super().check_plan()
        assert self.station is not None
        for cycles, compliance in ((self.forming_cycles, self.forming_compliance_a),
                                   (self.set_cycles, self.set_compliance_a)):
            if cycles:
                self.station.smu.check_configuration(compliance, None, FORMING_NPLC)

    def get_estimates(self) -> float:
        """Duration in s: the SMU sweeps at their rate and every burst."""
        sweeps = (self.forming_cycles * 4 * self.forming_v
                  + self.set_cycles * 2 * self.set_v) / FORMING_RATE_V_PER_S
        return sweeps + self.repeats * super().get_estimates()

    def startup(self) -> None:
        """The forming and set sweeps happen on the SMU set-up (else the pulse set-up)."""
        assert self.station is not None
        if self.on_smu_first:
            self.station.use_setup("smu")
        else:
            self.use_setup()

    def execute(self) -> None:
        """Set the device, then every repeat of the delay list: one burst, a row per pair."""
        assert self.station is not None
        if self.on_smu_first:
            smu_sweeps(self, "forming", self.forming_compliance_a, self.forming_v,
                       -self.forming_v, self.forming_cycles)
            smu_sweeps(self, "set", self.set_compliance_a, self.set_v, 0.0, self.set_cycles)
            self.station.safe_off()
            self.use_setup()
        segments, post = self.segments(), self.post_segments()
        for repeat in range(self.repeats):
            self.stop_point()
            columns = self.pair_columns(self.capture(segments, f"pairs_{repeat}", post))
            self.emit_columns({"Repeat": repeat, **columns})
            self.emit("progress", 100.0 * (repeat + 1) / self.repeats)

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """The fitted LTP and LTD windows and the change at the largest |Δt|."""
        return metrics.stdp(rows)
