"""A digitizer's acquisition on the virtual clock: pre-trigger ring, trigger search (external
sync edge or a channel edge) and the record filled as the bench produces signal."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

AUX = 0
"""Trigger source number for the auxiliary (external) input, wired to the AWG sync output."""

MAX_SEARCH_SAMPLES = 2_000_000
"""Longest stretch sampled in one go while hunting for a channel edge (bounds memory)."""


@dataclass(frozen=True)
class AcquisitionSettings:
    """What the digitizer records: sample interval, record length, trigger placement and
    condition (source AUX or a channel number, level in V, slope +1 rising / −1 falling)."""

    sample_interval_s: float
    points: int
    pre_trigger_s: float
    source: int = AUX
    level_v: float = 0.0
    slope: int = 1

    @property
    def grid_offsets(self) -> np.ndarray:
        """Sample times relative to the trigger instant."""
        return np.arange(self.points) * self.sample_interval_s - self.pre_trigger_s

    @property
    def post_trigger_s(self) -> float:
        """Time recorded after the trigger."""
        return self.points * self.sample_interval_s - self.pre_trigger_s


class Acquisition:
    """One single-shot acquisition: armed → triggered → complete."""

    def __init__(self, settings: AcquisitionSettings, armed_at_s: float) -> None:
        self.settings = settings
        self.armed_at_s = armed_at_s
        self.trigger_s: float | None = None
        self.record: dict[int, np.ndarray] = {}
        self._filled = np.zeros(settings.points, dtype=bool)
        self._ring_t = np.empty(0)
        self._ring: dict[int, np.ndarray] = {}

    @property
    def complete(self) -> bool:
        """True once every point of the record holds signal."""
        return self.trigger_s is not None and bool(self._filled.all())

    @property
    def ready_s(self) -> float:
        """Earliest trigger time: once the pre-trigger memory is full (to half a sample, so
        float rounding of the arming time cannot miss a trigger at that very instant)."""
        s = self.settings
        return self.armed_at_s + s.pre_trigger_s - 0.5 * s.sample_interval_s

    @property
    def times_s(self) -> np.ndarray:
        """Absolute bench times of the record (after the trigger)."""
        if self.trigger_s is None:
            raise RuntimeError("acquisition has not triggered")
        return self.trigger_s + self.settings.grid_offsets

    def wanted_times(self, t0: float, t1: float, sync_s: np.ndarray) -> np.ndarray:
        """Bench times in [t0, t1] at which this acquisition needs the signals."""
        s = self.settings
        dt = s.sample_interval_s
        if self.trigger_s is None and s.source == AUX:
            ready = sync_s[sync_s >= self.ready_s]
            inside = ready[(ready >= t0) & (ready <= t1)]
            if inside.size:
                grid = inside[0] + s.grid_offsets
                return grid[(grid >= t0) & (grid <= t1)]
            start = max(t0, t1 - s.pre_trigger_s)
        elif self.trigger_s is None:
            start = max(t0, t1 - (MAX_SEARCH_SAMPLES - 1) * dt)
        else:
            grid = self.times_s[~self._filled]
            return grid[(grid >= t0) & (grid <= t1)]
        n = int((t1 - start) / dt) + 1
        return np.clip(start + np.arange(n) * dt, t0, t1)

    def feed(self, t: np.ndarray, signals: dict[int, np.ndarray], sync_s: np.ndarray) -> None:
        """Take samples the bench produced (absolute times, one array per channel)."""
        if t.size == 0 or self.complete:
            return
        if self.trigger_s is None:
            self._ring_t = np.concatenate([self._ring_t, t])
            for ch, v in signals.items():
                self._ring[ch] = np.concatenate([self._ring.get(ch, np.empty(0)), v])
            self._find_trigger(sync_s)
            if self.trigger_s is None:
                keep = self._ring_t >= self._ring_t[-1] - self.settings.pre_trigger_s
                self._ring_t = self._ring_t[keep]
                self._ring = {ch: v[keep] for ch, v in self._ring.items()}
                return
            t, signals = self._ring_t, self._ring
            self._ring_t, self._ring = np.empty(0), {}
        grid = self.times_s
        tol = 0.5 * self.settings.sample_interval_s
        inside = (grid >= t[0] - tol) & (grid <= t[-1] + tol) & ~self._filled
        for ch, v in signals.items():
            rec = self.record.setdefault(ch, np.zeros(self.settings.points))
            rec[inside] = np.interp(grid[inside], t, v)
        self._filled |= inside

    def _find_trigger(self, sync_s: np.ndarray) -> None:
        s = self.settings
        earliest = self.ready_s
        if s.source == AUX:
            ready = sync_s[(sync_s >= earliest) & (sync_s <= self._ring_t[-1])]
            if ready.size:
                self.trigger_s = float(ready[0])
            return
        v = self._ring.get(s.source)
        if v is None or v.size < 2:
            return
        above = (v - s.level_v) * s.slope > 0
        edges = np.flatnonzero(~above[:-1] & above[1:]) + 1
        t = self._ring_t
        for i in edges:
            t_cross = float(np.interp(s.level_v * s.slope, [v[i - 1] * s.slope, v[i] * s.slope],
                                      [t[i - 1], t[i]]))
            if t_cross >= earliest:
                self.trigger_s = t_cross
                log.debug("channel %d triggered at %.9g s", s.source, t_cross)
                return
