"""What the plasticity procedures share: lists of numbers typed as text, and waveforms built
segment by segment that remember where their read pulses start."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from labmem import analysis
from labmem.procedures.pulse import Capture
from labmem.waveforms import Segment

READ_SETTLE_FRACTION = 0.3
"""Part of each read pulse left out of its mean while the TIA output settles."""


def number_list(text: str, label: str, minimum: float, maximum: float) -> list[float]:
    """The comma-separated numbers of a list parameter ("1e2, 1e3"), each within
    [minimum, maximum]; ValueError naming the parameter (label) and what is allowed."""
    values = []
    for item in str(text).split(","):
        try:
            value = float(item)
        except ValueError:
            raise ValueError(f"{label}: {item.strip()!r} is not allowed: write numbers "
                             "separated by commas, e.g. 1, 10, 100") from None
        if not (np.isfinite(value) and minimum <= value <= maximum):
            raise ValueError(f"{label}: {value:g} is not allowed: allowed {minimum:g} to "
                             f"{maximum:g}")
        values.append(value)
    return values


@dataclass
class ReadWaveform:
    """A segment list under construction that keeps the start of every read pulse."""

    read_v: float
    read_s: float
    segments: list[Segment] = field(default_factory=list)
    read_starts: list[float] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Length so far in s."""
        return sum(d for _, d in self.segments)

    def add(self, segments: list[Segment]) -> None:
        """Append segments (zero-length ones are left out)."""
        self.segments += [(lv, d) for lv, d in segments if d > 0]

    def read(self) -> None:
        """Append a read pulse."""
        self.read_starts.append(self.duration_s)
        self.add([(self.read_v, self.read_s)])

    def conductances(self, cap: Capture, r_total_ohm: float) -> tuple[np.ndarray, np.ndarray]:
        """(conductance in S, over-range flag) of every read in a capture of this waveform,
        corrected for the series resistance r_total_ohm (series resistor and AWG output)."""
        settle = READ_SETTLE_FRACTION * self.read_s
        windows = [(s + settle, s + self.read_s) for s in self.read_starts]
        i_read = analysis.read_means(cap.t, cap.i, windows)
        g = analysis.series_corrected_conductance(i_read, self.read_v, r_total_ohm)
        return np.asarray(g, dtype=float), np.array([cap.clipped(*w) for w in windows])
