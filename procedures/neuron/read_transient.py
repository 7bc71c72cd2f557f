"""A pulse followed by a long low-bias read in one scope capture, shared by TurnOnRelaxation
(P2, P4) and EPSC (P24): the waveform, a TIA screen that resolves the read current (the
pulse's own current may leave it: no reading is taken from it but the turn-on crossing) and
the read transient cut out of the record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pymeasure.experiment import FloatParameter

from labmem.procedures.pulse import Capture, PulseProcedure
from labmem.waveforms import Segment

DETECT_FRACTION = 0.1
"""The device counts as on when its current reaches this fraction of the series-limited read
current read_v / (R + 50 Ω) (the top of the TIA screen)."""


@dataclass(frozen=True)
class ReadTransient:
    """The read current after the pulse: time from the read's start (after the TIA settled),
    current, and whether the scope clipped a sample of it (1) or not (0)."""

    t: np.ndarray
    i: np.ndarray
    clipped: int


class PulseThenRead(PulseProcedure):
    """Shared by the pulse-then-read procedures: 0 V for one pulse width, the pulse, then the
    read level for read_s, captured in one burst."""

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=2e6)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e6)
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=2.0, default=0.1)
    read_s = FloatParameter("Read length", units="s", minimum=1e-6, maximum=10.0,
                            default=20e-3)
    settle_s = FloatParameter("TIA settling left out of the read", units="s", minimum=0.0,
                              maximum=1e-2, default=5e-6)
    rest_s = FloatParameter("Rest before each trial", units="s", minimum=0.0, maximum=1e5,
                            default=1.0)

    def pulse_read(self, amplitude_v: float, width_s: float) -> list[Segment]:
        """0 V for width_s (the pre-trigger baseline), the pulse, the read."""
        return [(0.0, width_s), (amplitude_v, width_s), (self.read_v, self.read_s)]

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads: 0 to the series-limited read current."""
        return 0.0, self.read_limit_a()

    def read_limit_a(self) -> float:
        """The read current of a shorted device: read_v over the series R and the AWG's 50 Ω."""
        return self.read_v / (self.series_ohm + 50.0)

    def detect_a(self) -> float:
        """The current at which the device counts as on (DETECT_FRACTION of read_limit_a)."""
        return DETECT_FRACTION * self.read_limit_a()

    def read_transient(self, cap: Capture, width_s: float) -> ReadTransient:
        """The read after a pulse of width_s (pulse_read), from settle_s into the read."""
        start = 2 * width_s + self.settle_s
        inside = cap.window(start, 2 * width_s + self.read_s)
        return ReadTransient(cap.t[inside] - start, cap.i[inside],
                             int(cap.over_range[inside].any()))
