"""What the arbitrary-waveform-generator drivers and roles share (HP 33120A, Keysight 33500B
and 81160A): reading and checking piecewise-constant segments, the coarsest point grid that
puts every segment boundary on a point, and the bus trigger and error-queue read."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from labmem.instruments.roles import Segment

TIME_RESOLUTION_S = 1e-12
"""Segment durations are matched to the point grid to this resolution."""
FIT_ADVICE = "make every duration a multiple of {step:.4g} s, or keep the total under {total:.4g} s"
"""What segment_grid() advises when the memory is too small (step: the grid the memory
allows over the whole waveform; total: the longest waveform on the present grid)."""


def read_segments(segments: Sequence[Segment], emf_limit_v: float, beyond: str
                  ) -> tuple[np.ndarray, list[float]]:
    """(levels, durations) of segments; ValueError for none, a duration that is not > 0 s,
    or a |level| above emf_limit_v ('level … V is beyond ' + beyond)."""
    if not segments:
        raise ValueError("a waveform needs at least one segment")
    levels = np.array([float(lv) for lv, _ in segments])
    durations = [float(d) for _, d in segments]
    if not all(d > 0 and math.isfinite(d) for d in durations):
        raise ValueError(f"segment durations must be > 0 s, got {durations}")
    if float(np.abs(levels).max()) > emf_limit_v:
        bad = float(levels[np.argmax(np.abs(levels))])
        raise ValueError(f"level {bad:g} V is beyond {beyond}")
    return levels, durations


@dataclass(frozen=True)
class SegmentGrid:
    """Segments on a grid of `quantum` resolution ticks, each grid step played as `repeat`
    points (enough for the memory's minimum)."""

    levels: np.ndarray
    ticks: tuple[int, ...]
    quantum: int
    repeat: int
    total_s: float

    @property
    def points(self) -> int:
        """Points of the waveform."""
        return sum(self.ticks) // self.quantum * self.repeat

    def point_levels(self) -> np.ndarray:
        """The level of every point."""
        return np.repeat(self.levels, [t // self.quantum * self.repeat for t in self.ticks])


def segment_grid(levels: np.ndarray, durations: list[float], model: str,
                 points: tuple[int, int], memory_note: str = "", advice: str = FIT_ADVICE
                 ) -> SegmentGrid:
    """The coarsest grid that puts every boundary on a point, within points (fewest, most);
    ValueError saying what would fit ('the {model} holds {most}{memory_note}: ' + advice)."""
    ticks = [round(d / TIME_RESOLUTION_S) for d in durations]
    if min(ticks) < 1:
        raise ValueError(f"segment of {min(durations):g} s is shorter than "
                         f"{TIME_RESOLUTION_S:g} s")
    quantum = math.gcd(*ticks)
    n_min = sum(ticks) // quantum
    total = sum(durations)
    fewest, most = points
    if n_min > most:
        raise ValueError(
            f"segment boundaries need {n_min} points on a {quantum * TIME_RESOLUTION_S:g} s "
            f"grid; the {model} holds {most}{memory_note}: "
            + advice.format(step=total / most, total=most * quantum * TIME_RESOLUTION_S))
    return SegmentGrid(levels, tuple(ticks), quantum, max(1, math.ceil(fewest / n_min)), total)


class BusTriggerMixin:
    """Driver methods of a SCPI generator played by bus trigger: *TRG, and a bounded read of
    the error queue (ERROR_QUERY at most ERROR_READS times)."""

    ERROR_QUERY: ClassVar[str] = "SYST:ERR?"
    ERROR_READS: ClassVar[int] = 20

    def trigger(self) -> None:
        """Send the bus trigger (*TRG): starts what waits on it (trigger source BUS, or the
        81160A's arm source MAN)."""
        self.write("*TRG")  # type: ignore[attr-defined]

    def check_errors(self) -> list:
        """Read the error queue until empty; return the (code, message) entries."""
        errors = []
        for _ in range(self.ERROR_READS):
            code, _, message = self.ask(self.ERROR_QUERY).partition(",")  # type: ignore[attr-defined]
            if int(code) == 0:
                break
            errors.append((int(code), message.strip('"')))
        return errors
