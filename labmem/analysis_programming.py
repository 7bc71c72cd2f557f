"""Figures of merit of forming and program-verify (issue 18, protocols P3 and P29 of the
memristive-device reviews): the first switching event of a current-limited ramp, the device's
conductance window, the next step of an incremental program-verify loop and the ramps it
steps along. Pure functions on measured arrays, SI units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SET, RESET, DONE = 1, -1, 0
"""Program-verify actions: a set pulse, a reset pulse, nothing (within tolerance)."""


def first_event(i_a: np.ndarray, level_a: float) -> int | None:
    """Index of the first reading with |I| ≥ level_a (the switching event of a forming ramp:
    the current jumps to a fraction of the compliance); None when no reading reaches it."""
    hits = np.flatnonzero(np.abs(np.asarray(i_a, dtype=float)) >= level_a)
    return int(hits[0]) if hits.size else None


def within(g_s: float, target_s: float, tolerance: float) -> bool:
    """Whether a conductance is within ±tolerance (relative) of the target."""
    return abs(g_s - target_s) <= tolerance * target_s


def verify_action(g_s: float, target_s: float, tolerance: float) -> int:
    """The next program-verify step for a read conductance: DONE within tolerance, SET below
    the band, RESET above it (a non-finite read counts as below: set)."""
    if np.isfinite(g_s) and within(g_s, target_s, tolerance):
        return DONE
    return RESET if g_s > target_s else SET


def reachable(target_s: float, tolerance: float, g_min_s: float, g_max_s: float) -> bool:
    """Whether a target's tolerance band overlaps the device's window [g_min_s, g_max_s]
    (the conductances after a full reset and a full set)."""
    lo, hi = target_s * (1.0 - tolerance), target_s * (1.0 + tolerance)
    return hi >= g_min_s and lo <= g_max_s


@dataclass
class Ramp:
    """Levels of incremental pulses in one direction (amplitudes in V, step added; or
    compliances in A, step a factor when geometric), from start towards limit and held there.
    Each pulse in a row goes one step further. Coming back after the other direction (the
    last level overshot the target), the ramp resumes short of its last level: by half its
    step (the square root of the factor) once a level one step below is known to fall short
    (a bisection), by a whole step while none is (its first level already overshot), below
    start if need be but never past zero."""

    start: float
    step: float
    limit: float
    geometric: bool = False
    level: float | None = None
    """The last level played (None before the first pulse)."""
    bracketed: bool = False
    """Whether a level one step below the last one fell short of the target."""

    def next(self, again: bool) -> float:
        """The next level: one step on when again (the previous pulse was this ramp's and
        fell short), else the first level or, back after the other direction, a level short
        of the last one."""
        if self.level is None:
            level = self.start
        elif again:
            self.bracketed = True
            level = self.level * self.step if self.geometric else self.level + self.step
        else:
            if self.bracketed:
                self.step = float(np.sqrt(self.step)) if self.geometric else self.step / 2.0
            level = self.level / self.step if self.geometric else self.level - self.step
            if level * self.start <= 0:  # a whole step back would cross zero
                level = self.level / 2.0
        self.level = float(min(level, self.limit) if self.limit >= self.start
                           else max(level, self.limit))
        return self.level


def relative_error(g_s: np.ndarray, target_s: np.ndarray) -> np.ndarray:
    """|G − target| / target, element-wise."""
    g = np.asarray(g_s, dtype=float)
    target = np.asarray(target_s, dtype=float)
    return np.abs(g - target) / target
