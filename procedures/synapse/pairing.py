"""Pre/post pairing, the building block of spike-timing-dependent plasticity: on a
differential station the AWG's channel 1 plays a pre-synaptic pulse on the device's top
terminal and its channel 2 a post-synaptic pulse on the bottom terminal, Δt later (or
earlier); or, on the pulse set-up, channel 1 alone plays their difference, which is what the
device sees either way. A read before and after each pair gives the conductance change it
caused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import FloatParameter, ListParameter, Parameter

from labmem import analysis, metrics
from labmem.metrics import Metrics
from labmem.procedures.pulse import Capture, PulseProcedure
from labmem.summaries import OVER_RANGE
from labmem.waveforms import Segment, segment_difference

READ_SETTLE_FRACTION = 0.3
"""Part of each read pulse left out of its mean while the TIA output settles."""
MAX_PAIRS = 100
"""Most delays one run pairs (one burst holds every pair)."""
DRIVES = ("differential", "pulse")
"""How the pairs are played: pre on the top terminal and post on the bottom one (the
differential set-up), or pre − post on the AWG's channel 1 (the pulse set-up, any AWG)."""


def _duration(segments: list[Segment]) -> float:
    """Length of a segment list in s."""
    return sum(d for _, d in segments)


def _merged(segments: list[Segment]) -> list[Segment]:
    """Adjacent stretches at one level joined, zero-length ones dropped."""
    out: list[Segment] = []
    for level, duration in segments:
        if duration <= 0:
            continue
        if out and out[-1][0] == level:
            out[-1] = (level, out[-1][1] + duration)
        else:
            out.append((level, duration))
    return out


class PrePostPairing(PulseProcedure):
    """Pre/post pulse pairs (the building block of STDP): for each delay Δt a read, a
    pre-synaptic pulse on the top terminal (AWG CH1) and a post-synaptic pulse on the bottom
    terminal (AWG CH2) starting Δt later (negative: earlier), on a differential station; or
    their difference on CH1 (drive "pulse"). The device sees pre − post. One row per pair:
    read currents before and after, conductance change."""

    DATA_COLUMNS: ClassVar[list[str]] = ["Pair", "Delay (s)", "Read before (A)",
                                         "Read after (A)", "Conductance before (S)",
                                         "Conductance after (S)", "Conductance change (S)",
                                         OVER_RANGE]
    METRICS = metrics.PAIRING

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=1e3)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e4)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=0.1e-6)
    pre_v = FloatParameter("Pre-synaptic level (CH1)", units="V", minimum=-10.0,
                           maximum=10.0, default=0.8)
    post_v = FloatParameter("Post-synaptic level (CH2)", units="V", minimum=-10.0,
                            maximum=10.0, default=-0.8)
    width_s = FloatParameter("Pulse width", units="s", minimum=25e-9, maximum=1.0,
                             default=10e-6)
    delays = Parameter("Delays Δt = t_post − t_pre (s, …)", default="-5e-6, 5e-6")
    gap_s = FloatParameter("Gap", units="s", minimum=25e-9, maximum=1.0, default=10e-6)
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=10.0, default=0.1)
    read_s = FloatParameter("Read width", units="s", minimum=25e-9, maximum=1.0,
                            default=10e-6)
    drive = ListParameter("Drive (differential = pre on CH1 and post on CH2, pulse = pre − "
                          "post on CH1)", choices=DRIVES, default="differential")

    def delays_s(self) -> list[float]:
        """The delays in s; ValueError naming the parameter on a bad entry."""
        try:
            out = [float(x) for x in str(self.delays).split(",") if x.strip()]
        except ValueError:
            raise ValueError(f"Delays (delays) = {self.delays!r} is not allowed: write the "
                             "delays in s separated by commas, e.g. -5e-6, 5e-6") from None
        if not 1 <= len(out) <= MAX_PAIRS or not all(np.isfinite(out)):
            raise ValueError(f"Delays (delays) = {self.delays!r} is not allowed: allowed 1 to "
                             f"{MAX_PAIRS} finite delays")
        return out

    def pre_spike(self) -> list[Segment]:
        """The pre-synaptic spike as segments from its start: one pulse at pre_v (override
        for a shaped spike)."""
        return [(self.pre_v, self.width_s)]

    def post_spike(self) -> list[Segment]:
        """The post-synaptic spike as segments from its start: one pulse at post_v."""
        return [(self.post_v, self.width_s)]

    def pair_window_s(self, dt: float) -> float:
        """Length of the stretch that holds a pair at delay dt: |Δt| + the longer spike."""
        return abs(dt) + max(_duration(self.pre_spike()), _duration(self.post_spike()))

    def _channels(self) -> tuple[list[Segment], list[Segment]]:
        """(pre, post) segment lists of equal length: read, gap, then per delay a pairing
        window holding both spikes, a gap, a read and a gap."""
        pre: list[Segment] = [(self.read_v, self.read_s), (0.0, self.gap_s)]
        post: list[Segment] = [(0.0, self.read_s + self.gap_s)]
        for dt in self.delays_s():
            window = self.pair_window_s(dt)
            for spike, start, out in ((self.pre_spike(), max(0.0, -dt), pre),
                                      (self.post_spike(), max(0.0, dt), post)):
                out += [(0.0, start), *spike, (0.0, window - start - _duration(spike))]
            pre += [(0.0, self.gap_s), (self.read_v, self.read_s), (0.0, self.gap_s)]
            post += [(0.0, 2 * self.gap_s + self.read_s)]
        return _merged(pre), _merged(post)

    def segments(self) -> list[Segment]:
        """Channel 1: the reads and the pre-synaptic spikes; on the pulse drive, the reads
        and pre − post."""
        pre, post = self._channels()
        return pre if self.drive == "differential" else segment_difference(pre, post)

    def post_segments(self) -> list[Segment] | None:
        """Channel 2: the post-synaptic spikes, 0 V elsewhere (None on the pulse drive)."""
        return self._channels()[1] if self.drive == "differential" else None

    def read_windows(self) -> list[tuple[float, float]]:
        """(start, stop) in s of the settled part of each read (one more than the pairs)."""
        starts, now = [0.0], self.read_s + self.gap_s
        for dt in self.delays_s():
            now += self.pair_window_s(dt) + self.gap_s
            starts.append(now)
            now += self.read_s + self.gap_s
        settle = READ_SETTLE_FRACTION * self.read_s
        return [(s + settle, s + self.read_s) for s in starts]

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads (the pairs, which are not measured, may leave it)."""
        return 0.0, self.read_v / self.loop_ohm

    def execute(self) -> None:
        """One burst of every pair; a row per pair."""
        self.emit_columns(self.pair_columns(self.capture(self.segments(), "pairs",
                                                          self.post_segments())))

    def pair_columns(self, cap: Capture) -> dict[str, np.ndarray]:
        """The rows of a captured burst of every pair, a column at a time."""
        windows = self.read_windows()
        i_read = analysis.read_means(cap.t, cap.i, windows)
        g = analysis.series_corrected_conductance(i_read, self.read_v, self.loop_ohm)
        clipped = [max(cap.clipped(*windows[k]), cap.clipped(*windows[k + 1]))
                   for k in range(len(windows) - 1)]
        return {
            "Pair": np.arange(1, len(windows)), "Delay (s)": np.array(self.delays_s()),
            "Read before (A)": i_read[:-1], "Read after (A)": i_read[1:],
            "Conductance before (S)": g[:-1], "Conductance after (S)": g[1:],
            "Conductance change (S)": np.diff(g), OVER_RANGE: np.array(clipped)}

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """Largest conductance change, and its delay."""
        return metrics.pairing(rows)
