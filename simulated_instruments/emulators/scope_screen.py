"""What the bench's emulated oscilloscopes share: an acquisition armed on the bench (pre-trigger
fill, trigger and completion latched, bounded waits in virtual time), the vertical settings a
record was taken with, the ADC coding of a screen with clipping at the converter's extreme
codes (and its placement in a transfer word), edge-trigger source names and sample-rate
sequences; and what a scope model may opt in to: an input stage (noise, bandwidth limit),
averaging of triggered records, and the :WAVeform handlers models answer alike (source; the
Keysight format, byte order and preamble axes)."""

from __future__ import annotations

import logging
import math
from typing import Any, ClassVar

import numba
import numpy as np

from labmem.simulated_instruments.bench.acquisition import AUX, Acquisition, AcquisitionSettings
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import ScpiError, format_number, parse_choice

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


@numba.njit(cache=True)
def one_pole_lowpass(v: np.ndarray, alpha: float) -> np.ndarray:
    """First-order low-pass over a record (y += alpha (x − y)), starting settled on v[0]."""
    out = np.empty_like(v)
    y = v[0]
    for i in range(v.size):
        y += alpha * (v[i] - y)
        out[i] = y
    return out


def input_stage(v: np.ndarray, dt_s: float, noise_v_rms: float, bandwidth_hz: float | None,
                rng: np.random.Generator) -> np.ndarray:
    """Volts v (sampled every dt_s) as an input stage passes them: Gaussian noise of
    noise_v_rms added, then a one-pole low-pass of bandwidth_hz (10–90 % rise 0.35/BW; None:
    no limit)."""
    if noise_v_rms > 0:
        v = v + rng.normal(0.0, noise_v_rms, v.size)
    if bandwidth_hz is None:
        return v
    return one_pole_lowpass(v, -math.expm1(-2 * math.pi * bandwidth_hz * dt_s))


def parse_edge_source(value: str, channels: int, aux_names: tuple[str, ...],
                      prefixes: tuple[str, ...] = ("CHANNEL", "CHAN")) -> int:
    """A trigger or waveform source: CHANnel<n> (also CHAN<n>, or the given prefixes, e.g.
    Tektronix's CH<n>) → n, one of aux_names → AUX; ScpiError -224 otherwise."""
    key = value.strip().upper()
    if key in aux_names:
        return AUX
    for prefix in prefixes:
        if key.startswith(prefix) and key[len(prefix):].isdigit():
            n = int(key[len(prefix):])
            if 1 <= n <= channels:
                return n
    first = "CHANnel" if prefixes[0] == "CHANNEL" else prefixes[0]
    names = f"{first}1-{channels}" + (f", {aux_names[-1]}" if aux_names else "")
    raise ScpiError(-224, f"{value!r} is not a source ({names})")


class BenchScope(ScpiInstrument):
    """An oscilloscope on the bench: subclasses say what to record (settings()) and which
    vertical settings a record keeps (vertical()); this arms, latches and waits. A model with
    an input stage overrides front_end(); one that averages, average_count() and to_codes()."""

    def __init__(self, bench: Any) -> None:
        super().__init__()
        self.bench = bench
        self.acquisition: Acquisition | None = None
        self.last: Acquisition | None = None
        self._last_vertical: dict[int, Any] = {}
        self.last_codes: dict[int, np.ndarray] | None = None
        """ADC codes (float, in ADC steps) of the last record when it is an average, else None."""
        self.last_count = 1
        """Triggered records the last record is made of."""
        self._latched = self._trig_seen = False
        self._armed_front_end: dict[int, tuple[float, float | None]] = {}
        self._armed_average = 1
        self._average_sum: dict[int, np.ndarray] = {}
        self._averages = 0

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current settings describe (ScpiError when they conflict)."""
        raise NotImplementedError

    def vertical(self) -> dict[int, Any]:
        """Channel number → the vertical settings its record is coded with."""
        raise NotImplementedError

    def front_end(self) -> dict[int, tuple[float, float | None]]:
        """Channel → (input noise V rms, bandwidth limit Hz or None) applied to its records;
        channels absent (by default all) are recorded as the bench delivers them."""
        return {}

    def average_count(self) -> int:
        """Triggered records an acquisition averages (1, the default: none)."""
        return 1

    def to_codes(self, channel: int, v: np.ndarray) -> np.ndarray:
        """ADC codes of a channel's volts under the vertical settings of the record (needed
        only by a model that averages)."""
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
        self._armed_front_end = self.front_end()
        self._armed_average = self.average_count()
        self._average_sum, self._averages = {}, 0
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
            self._pass_front_end(acq)
            averaged = None
            if self._armed_average > 1:
                averaged = self._accumulate(acq)
                if averaged is None:  # more triggers to average: re-armed
                    return
            self._latched = True
            self.last, self.last_codes = acq, averaged
            self.last_count = self._averages if averaged is not None else 1
            self.completed()

    def _pass_front_end(self, acq: Acquisition) -> None:
        """Run a completed record through the input stage armed with it (nothing to do, at no
        cost, for an ideal one)."""
        for ch, (noise_v, bandwidth_hz) in self._armed_front_end.items():
            if ch in acq.record:
                acq.record[ch] = input_stage(acq.record[ch], acq.settings.sample_interval_s,
                                             noise_v, bandwidth_hz, self.bench.instrument_rng)

    def _accumulate(self, acq: Acquisition) -> dict[int, np.ndarray] | None:
        """Add a completed record's ADC codes to the average; the averaged codes once the
        armed count is in, else None after re-arming for the next trigger (the pre-trigger
        memory refills from the next samples, so triggers until the next poll are missed)."""
        for ch, v in acq.record.items():
            self._average_sum[ch] = self._average_sum.get(ch, 0.0) + self.to_codes(ch, v)
        self._averages += 1
        if self._averages < self._armed_average:
            self.acquisition = Acquisition(acq.settings, self.bench.now)
            return None
        return {ch: total / self._averages for ch, total in self._average_sum.items()}

    def _pending(self) -> bool:
        self._poll()
        return self.acquisition is not None and not self.acquisition.complete

    def opc_reply(self) -> str | None:
        """*OPC?: "1" once the armed acquisition completes (the bench idles for it); while it
        waits for a trigger the query is held, so the host's read times out without -420."""
        self.wait_complete()
        self.query_held = self._pending()
        return None if self.query_held else "1"

    def wait_complete(self) -> None:
        """Let the bench idle until the armed acquisition completes (the hunt for a trigger is
        bounded; a triggered record always completes, however long; an average waits for
        each of its records in turn)."""
        while self._pending():
            acq = self.acquisition
            assert acq is not None
            wait_s = ARM_WAIT_S
            if acq.trigger_s is not None:  # the rest of the record
                wait_s = acq.times_s[-1] - self.bench.now + acq.settings.sample_interval_s
            elif acq.settings.source != AUX:
                wait_s = min(wait_s, SEARCH_SAMPLES * acq.settings.sample_interval_s)
            self.bench.settle_acquisition(wait_s)
            self._poll()
            if self.acquisition is acq and acq.trigger_s is None:  # no trigger within the wait
                return

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


class WaveformSource:
    """:WAVeform:SOURce CHANnel<n> of a BenchScope (InfiniiVision, Infiniium, Rigol): the
    emulator's _source() reads the name; the aux input (named AUX_INPUT in the refusal) is a
    trigger source only."""

    AUX_INPUT: ClassVar[str] = "AUX"
    wav_source: int

    @scpi(":WAVeform:SOURce")
    def waveform_source(self, value: str) -> None:
        n = self._source(value)  # type: ignore[attr-defined]
        if n == AUX:
            raise ScpiError(-224, f"{self.AUX_INPUT} is not a waveform source")
        self.wav_source = n

    @scpi(":WAVeform:SOURce?")
    def waveform_source_query(self) -> str:
        return f"CHAN{self.wav_source}"


class KeysightWaveform(WaveformSource):
    """The :WAVeform queries the Keysight scopes (InfiniiVision, Infiniium) answer alike: the
    format, the byte order of WORD data and the preamble's x origin and y axis, from the
    emulator's _record(), _yincrement() and _scaling() (V/div, offset, …) of the source."""

    wav_format: str
    wav_big_endian: bool

    @scpi(":WAVeform:FORMat?")
    def waveform_format_query(self) -> str:
        return {"ASCii": "ASC", "BYTE": "BYTE", "WORD": "WORD"}[self.wav_format]

    @scpi(":WAVeform:BYTeorder")
    def waveform_byteorder(self, value: str) -> None:
        self.wav_big_endian = parse_choice(value, ("MSBFirst", "LSBFirst")) == "MSBFirst"

    @scpi(":WAVeform:BYTeorder?")
    def waveform_byteorder_query(self) -> str:
        return "MSBF" if self.wav_big_endian else "LSBF"

    @scpi(":WAVeform:XORigin?")
    def waveform_xorigin(self) -> str:
        return format_number(-self._record().settings.pre_trigger_s)  # type: ignore[attr-defined]

    @scpi(":WAVeform:YINCrement?")
    def waveform_yincrement(self) -> str:
        self._record()  # type: ignore[attr-defined]
        return format_number(self._yincrement())  # type: ignore[attr-defined]

    @scpi(":WAVeform:YORigin?")
    def waveform_yorigin(self) -> str:
        self._record()  # type: ignore[attr-defined]
        return format_number(self._scaling()[1])  # type: ignore[attr-defined]


def justify_codes(codes: np.ndarray, adc_bits: int, word_bits: int) -> np.ndarray:
    """Signed ADC codes in a word_bits transfer word: left-justified (low bits zero) in a wider
    word, their top bits (floor) in a narrower one, as scopes send a 12-bit ADC's samples in
    16-bit or 8-bit words."""
    shift = word_bits - adc_bits
    return codes << shift if shift >= 0 else codes >> -shift
