"""What the bench's emulated oscilloscopes share: an acquisition armed on the bench (pre-trigger
fill, trigger and completion latched, bounded waits in virtual time), the vertical settings a
record was taken with, the ADC coding of a screen with clipping at the converter's extreme
codes, edge-trigger source names and sample-rate sequences."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

from labmem.simulated_instruments.bench.acquisition import AUX, Acquisition, AcquisitionSettings
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument
from labmem.simulated_instruments.scpi.program_data import ScpiError

log = logging.getLogger(__name__)

ARM_WAIT_S = 1.0
"""Virtual time a scope lets pass waiting for a trigger (:DIGitize, *OPC?, *WAI)."""
SEARCH_SAMPLES = 500_000
"""A channel-edge search samples the signal: it idles at most this many sample intervals
(or ARM_WAIT_S, whichever is shorter), which bounds the simulation work of a lost trigger."""


def rate_sequence(lowest: float, highest: float,
                  mantissas: tuple[float, ...] = (1.0, 2.0, 2.5, 4.0, 5.0)) -> tuple[float, ...]:
    """Sample rates mantissa × 10^e from lowest to highest, in increasing order."""
    return tuple(sorted(m * 10.0 ** e for e in range(-3, 11) for m in mantissas
                        if lowest * (1 - 1e-9) <= m * 10.0 ** e <= highest * (1 + 1e-9)))


def fastest_rate(rates: tuple[float, ...], window_s: float, memory_points: int) -> float:
    """The fastest rate of the list whose samples over window_s fit in memory_points (the
    slowest one when none does)."""
    fitting = [r for r in rates if math.ceil(window_s * r - 1e-6) <= memory_points]
    return fitting[-1] if fitting else rates[0]


def adc_codes(v: np.ndarray, lsb_v: float, zero_code: float, lowest: int, highest: int
              ) -> np.ndarray:
    """ADC codes of volts v: zero_code + v / lsb_v rounded, clipped to [lowest, highest] (an
    input beyond the converter's range comes out as its extreme code)."""
    return np.clip(np.round(v / lsb_v + zero_code), lowest, highest).astype(np.int64)


def parse_edge_source(value: str, channels: int, aux_names: tuple[str, ...]) -> int:
    """A trigger or waveform source: CHANnel<n> (also CHAN<n>) → n, one of aux_names → AUX;
    ScpiError -224 otherwise."""
    key = value.strip().upper()
    if key in aux_names:
        return AUX
    for prefix in ("CHANNEL", "CHAN"):
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            n = int(key[len(prefix):])
            if 1 <= n <= channels:
                return n
    names = f"CHANnel1–{channels}" + (f", {aux_names[-1]}" if aux_names else "")
    raise ScpiError(-224, f"{value!r} is not a source ({names})")


class BenchScope(ScpiInstrument):
    """An oscilloscope on the bench: subclasses say what to record (settings()) and which
    vertical settings a record keeps (vertical()); this arms, latches and waits."""

    def __init__(self, bench: Any) -> None:
        super().__init__()
        self.bench = bench
        self.acquisition: Acquisition | None = None
        self.last: Acquisition | None = None
        self._last_vertical: dict[int, Any] = {}
        self._latched = self._trig_seen = False

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current settings describe (ScpiError when they conflict)."""
        raise NotImplementedError

    def vertical(self) -> dict[int, Any]:
        """Channel number → the vertical settings its record is coded with."""
        raise NotImplementedError

    def triggered(self) -> None:
        """Hook: the armed acquisition has just triggered."""

    def completed(self) -> None:
        """Hook: the armed acquisition has just completed."""

    def drop_pending(self) -> None:
        """Forget an acquisition still in progress (stop or reset)."""
        if self.acquisition is not None and not self.acquisition.complete:
            self.acquisition = None

    def _arm(self) -> None:
        """Start an acquisition: the bench fills the pre-trigger memory first."""
        settings = self.settings()
        self._last_vertical = self.vertical()
        self.acquisition = Acquisition(settings, self.bench.now)
        self._latched = self._trig_seen = False
        log.debug("%s armed: %s", type(self).__name__, settings)
        self.bench.advance(max(settings.pre_trigger_s, 0.0))

    def _poll(self) -> None:
        """Latch trigger and completion of the acquisition in progress."""
        acq = self.acquisition
        if acq is None:
            return
        if acq.trigger_s is not None and not self._trig_seen:
            self._trig_seen = True
            self.triggered()
        if acq.complete and not self._latched:
            self._latched = True
            self.last = acq
            self.completed()

    def _pending(self) -> bool:
        self._poll()
        return self.acquisition is not None and not self.acquisition.complete

    def wait_complete(self) -> None:
        """Let the bench idle until the armed acquisition completes (bounded)."""
        if self._pending():
            assert self.acquisition is not None
            settings = self.acquisition.settings
            wait_s = ARM_WAIT_S
            if settings.source != AUX:
                wait_s = min(wait_s, SEARCH_SAMPLES * settings.sample_interval_s)
            self.bench.settle_acquisition(wait_s)
            self._poll()

    def _record(self) -> Acquisition:
        self._poll()
        if self.last is None:
            raise ScpiError(-230, "no acquisition has completed")
        return self.last

    def record_volts(self, channel: int) -> np.ndarray:
        """Volts of a channel over the last record (0 V where nothing is wired)."""
        acq = self._record()
        v = acq.record.get(channel)
        return np.zeros(acq.settings.points) if v is None else v
