"""Pulsed endurance (P30 in the memristive-device reviews) on the pulse set-up: set/reset pulse
pairs from the AWG through the series resistor, a read of the LRS after the set and of the HRS
after the reset every k cycles, captured by the scope through the TIA. One read block (a read
cycle, then k − 1 cycles without reads) is one arbitrary waveform that the AWG repeats as many
times per trigger as the scope's record allows, so 10⁶ cycles take a few hundred triggers, not
10⁶ round trips. Rows, failure criterion and metrics are Endurance's (EnduranceReads)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pymeasure.experiment import FloatParameter, IntegerParameter

from labmem import analysis
from labmem.procedures.pulse import RECORD_MARGIN, Capture, PulseProcedure
from labmem.procedures.synapse.endurance import EnduranceReads
from labmem.waveforms import Segment

READ_SETTLE_FRACTION = 0.3
"""Part of each read pulse left out of its mean while the TIA output settles."""
MAX_RECORD_POINTS = 1_000_000
"""Most scope samples per trigger: bounds the transfer and the memory of one capture (the
AWG repeats the read block as often as fits)."""


class PulsedEndurance(EnduranceReads, PulseProcedure):
    """Set/reset pulse pairs from the AWG with an LRS and an HRS read every k cycles, played as
    bursts of read blocks (one waveform: a read cycle, then k − 1 cycles); one row per read
    cycle (cycles 1, k + 1, 2k + 1, …)."""

    SMU_PATH_REFUSAL = ("its set and reset pulses and its reads differ in width (the SMU pulses "
                        "with one width) and its resistances are corrected for the pulse "
                        "set-up's series resistor")

    series_ohm = FloatParameter("Series resistance", units="ohm", minimum=0.0, maximum=1e9,
                                default=1e3)
    tia_gain = FloatParameter("TIA gain", units="V/A", minimum=1e2, maximum=1e8, default=1e4)
    sample_interval_s = FloatParameter("Scope sample interval", units="s", minimum=25e-12,
                                       maximum=1.0, default=20e-6)
    set_v = FloatParameter("Set pulse level", units="V", minimum=0.01, maximum=10.0,
                           default=2.0)
    set_width_s = FloatParameter("Set pulse width", units="s", minimum=25e-9, maximum=1.0,
                                 default=1e-3)
    reset_v = FloatParameter("Reset pulse level", units="V", minimum=-10.0, maximum=-0.01,
                             default=-3.0)
    reset_width_s = FloatParameter("Reset pulse width", units="s", minimum=25e-9, maximum=1.0,
                                   default=1e-3)
    gap_s = FloatParameter("Gap", units="s", minimum=25e-9, maximum=1.0, default=100e-6)
    read_v = FloatParameter("Read level", units="V", minimum=0.001, maximum=10.0, default=0.1)
    read_s = FloatParameter("Read width", units="s", minimum=25e-9, maximum=1.0,
                            default=100e-6)
    cycles = IntegerParameter("Cycles", minimum=1, maximum=1_000_000, default=10_000)
    read_every = IntegerParameter("Read every", units="cycles", minimum=1, maximum=1_000_000,
                                  default=100)

    def cycle(self) -> list[Segment]:
        """One set/reset cycle without reads: set pulse, gap, reset pulse, gap."""
        return [(self.set_v, self.set_width_s), (0.0, self.gap_s),
                (self.reset_v, self.reset_width_s), (0.0, self.gap_s)]

    def read_cycle(self) -> list[Segment]:
        """A cycle with its reads: set, gap, read (LRS), gap, reset, gap, read (HRS), gap."""
        read = [(0.0, self.gap_s), (self.read_v, self.read_s)]
        return [(self.set_v, self.set_width_s), *read, (0.0, self.gap_s),
                (self.reset_v, self.reset_width_s), *read, (0.0, self.gap_s)]

    def block(self, read_every: int | None = None) -> list[Segment]:
        """The read block the AWG repeats: a read cycle, then read_every − 1 cycles."""
        k = self.read_every if read_every is None else read_every
        return self.read_cycle() + self.cycle() * (k - 1)

    def segments(self) -> list[Segment]:
        """The AWG's waveform: one read block."""
        return self.block()

    def block_s(self) -> float:
        """Duration of one read block in s."""
        return sum(d for _, d in self.segments())

    def read_windows(self) -> list[tuple[float, float]]:
        """(start, stop) in s from the block's start of the settled part of its two reads,
        LRS then HRS."""
        settle = READ_SETTLE_FRACTION * self.read_s
        lrs = self.set_width_s + self.gap_s
        hrs = lrs + self.read_s + self.gap_s + self.reset_width_s + self.gap_s
        return [(lrs + settle, lrs + self.read_s), (hrs + settle, hrs + self.read_s)]

    @property
    def blocks(self) -> int:
        """Read blocks in the run."""
        return self.cycles // self.read_every

    def blocks_per_trigger(self) -> int:
        """Read blocks the AWG plays per trigger: as many as MAX_RECORD_POINTS samples hold
        (at least one, at most the run's)."""
        fit = int(MAX_RECORD_POINTS / (self.block_s() * RECORD_MARGIN / self.sample_interval_s))
        return max(1, min(self.blocks, fit))

    def check_plan(self) -> None:
        """Cycles in whole read blocks; the AWG must hold one block (else: the read_every that
        fits), the scope one trigger's record of them; then the shared checks."""
        assert self.station is not None
        if self.cycles % self.read_every:
            lower = max(self.read_every, self.cycles - self.cycles % self.read_every)
            raise ValueError(f"Cycles (cycles) = {self.cycles} is not allowed: the run plays "
                             f"whole read blocks of {self.read_every} cycles (read_every); "
                             f"e.g. {lower} or {lower + self.read_every}")
        if not self.on_smu:  # (super() refuses the SMU path)
            try:
                self.station.awg.compile(self.segments())
            except ValueError as err:
                raise ValueError(f"one read block of {self.read_every} cycles is not allowed "
                                 f"on the AWG: {err}; {self.fitting_read_every()}") from None
        super().check_plan()
        burst_s = self.blocks_per_trigger() * self.block_s()
        self.station.scope.check_record(burst_s * RECORD_MARGIN, self.record_points(burst_s))

    def fitting_read_every(self) -> str:
        """Advice on the largest read_every whose block the AWG holds."""
        assert self.station is not None
        awg, lo, hi = self.station.awg, 0, self.read_every - 1
        while lo < hi:  # bisect: a longer block never fits where a shorter one does not
            mid = (lo + hi + 1) // 2
            try:
                awg.compile(self.block(mid))
                lo = mid
            except ValueError:
                hi = mid - 1
        return (f"Read every (read_every) = {lo} fits" if lo else
                "not even one cycle with its reads fits: make the durations multiples of a "
                "common step")

    def get_estimates(self) -> float:
        """Duration in s: every read block."""
        return self.blocks * self.block_s()

    def current_range_a(self, segments: Sequence[Segment]) -> tuple[float, float]:
        """The TIA screen spans the reads (the pulses, which are not measured, leave it)."""
        return 0.0, self.read_v / self.loop_ohm

    def execute(self) -> None:
        """Trigger after trigger, each a burst of read blocks; rows per trigger."""
        per_trigger, done = self.blocks_per_trigger(), 0
        while done < self.blocks:
            n = min(per_trigger, self.blocks - done)
            cap = self.capture(self.segments(), f"blocks_{done}", bursts=n)
            self.emit_columns(self.block_columns(cap, done, n))
            done += n
            self.emit("progress", 100.0 * done / self.blocks)

    def block_columns(self, cap: Capture, first: int, n: int) -> dict[str, np.ndarray]:
        """The rows of n captured read blocks, the first of them the run's block `first`."""
        starts = self.block_s() * np.arange(n)
        windows = [(s + a, s + b) for s in starts for a, b in self.read_windows()]
        i_read = analysis.read_means(cap.t, cap.i, windows).reshape(n, 2)
        with np.errstate(divide="ignore"):
            r = 1.0 / analysis.series_corrected_conductance(i_read, self.read_v, self.loop_ohm)
        cycle = 1 + self.read_every * (first + np.arange(n))
        return self.read_columns(cycle, r[:, 0], r[:, 1])

    def store_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray],
                    units: dict[str, str], **attrs: object) -> None:
        """Keep the reads' samples only: the pulses between them, which are not measured,
        would be thousands of times as many (10⁶ cycles of them)."""
        phase = np.mod(t, self.block_s())
        keep = np.zeros(t.size, dtype=bool)
        for start, stop in self.read_windows():
            keep |= (phase >= start - READ_SETTLE_FRACTION * self.read_s) & (phase < stop)
        super().store_trace(name, t[keep], {k: v[keep] for k, v in channels.items()}, units,
                            **attrs, kept="read windows only")
