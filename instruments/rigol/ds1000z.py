"""Rigol DS1000Z oscilloscopes (DS1054Z, DS1074Z, DS1104Z and the MSO1000Z's analog channels):
PyMeasure driver (DS1000Z programming guide command set) and the Oscilloscope role.

Limits (user's and programming guides, as far as found): 4 analog channels and no external
trigger input; one ADC of 1 GSa/s shared between the channels on (500 MSa/s with two,
250 MSa/s with three or four); memory depths 12k-24M points with one channel, 6k-12M with two,
3k-6M with three or four (the 24 Mpts option installed; 12/6/3 M without it); 12 horizontal
divisions; 8-bit codes, 25 per vertical division, 127 at the screen centre; 1 mV/div to
10 V/div; offset ±2 V below 500 mV/div, ±100 V from it. One :WAVeform:DATA? sends at most
250 000 points in BYTE, so deep records are read in pages (:WAVeform:STARt/STOP).

The "AUX" trigger of the pulse procedures (the AWG sync, which other scopes take on an
external input) becomes a rising-edge trigger on the channel carrying the AWG output:
``sync_channel`` (default 1, the station's default wiring) at ``sync_level_v``, by default half
a division of that channel's screen above 0 V. The record's time zero is then the first
rising crossing of that level by the AWG output, not the sync edge: for a burst that starts
with its first pulse (all of labmem's pulse procedures) they differ by the fraction of the
AWG's edge time below the level (tens of ns at most); a burst that starts at or below the
level is shifted by its leading stretch, and a first pulse below the level misaligns the
record onto a later pulse. The pre-trigger part shows the AWG idling at 0 V, and noise on
the sync channel above the level would trigger early.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from labmem.instruments.roles import Oscilloscope, ScopeTrace

log = logging.getLogger(__name__)

N_CHANNELS = 4
HORIZONTAL_DIVISIONS = 12
CODES_PER_DIV = 25
ADC_LEVELS = 256
MAX_RATE_SA_S = {1: 1e9, 2: 5e8, 3: 2.5e8, 4: 2.5e8}
"""Sample rate by the number of channels on."""
MEMORY_DEPTHS = {1: (12_000, 120_000, 1_200_000, 12_000_000, 24_000_000),
                 2: (6_000, 60_000, 600_000, 6_000_000, 12_000_000),
                 3: (3_000, 30_000, 300_000, 3_000_000, 6_000_000),
                 4: (3_000, 30_000, 300_000, 3_000_000, 6_000_000)}
""":ACQuire:MDEPth values by the number of channels on."""
PAGE_POINTS = 250_000
"""Most points one :WAVeform:DATA? sends in BYTE format."""
TIMEBASE_SCALES_S = tuple(m * 10.0 ** e for e in range(-9, 2) for m in (1.0, 2.0, 5.0)
                          if 5e-9 * (1 - 1e-9) <= m * 10.0 ** e <= 50.0 * (1 + 1e-9))
"""Coarse timebase scales (s/div) the scope snaps to."""
SCALE_LIMITS_V = (1e-3, 10.0)
LARGE_OFFSET_SCALE_V = 0.5
OFFSET_LIMITS_V = (2.0, 100.0)
"""Screen-centre range below LARGE_OFFSET_SCALE_V per division, and from it (probe 1×)."""
TIMEBASE_OFFSET_MAX_S = 1.0
"""Largest delay of the screen centre after the trigger."""
TRIGGER_LEVEL_DIVISIONS = 5
SYNC_LEVEL_DIVISIONS = 0.5
"""Default "AUX" trigger level: this many divisions of the sync channel above 0 V."""
MIN_POINTS = 100
DEFAULT_POINTS = 10_000
RATE_TOLERANCE = 1e-6
"""Relative shortfall accepted as float rounding."""
PREAMBLE_FIELDS = ("format", "type", "points", "count", "x_increment", "x_origin",
                   "x_reference", "y_increment", "y_origin", "y_reference")
BLOCK_OVERHEAD_BYTES = 12
"""#9, nine length digits and the message terminator."""


def _parse_preamble(values: list[Any]) -> dict[str, Any]:
    fields = dict(zip(PREAMBLE_FIELDS, values, strict=False))
    for key in ("format", "type", "points", "count", "x_reference", "y_origin",
                "y_reference"):
        fields[key] = int(float(fields[key]))
    for key in ("x_increment", "x_origin", "y_increment"):
        fields[key] = float(fields[key])
    return fields


class DS1000ZChannel(Channel):
    """One analog input of a DS1000Z."""

    display = Channel.control(
        ":CHANnel{ch}:DISPlay?", ":CHANnel{ch}:DISPlay %d",
        """Control whether the channel is on (displayed and acquired) (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
    )
    vernier = Channel.control(
        ":CHANnel{ch}:VERNier?", ":CHANnel{ch}:VERNier %d",
        """Control fine adjustment of the vertical scale; off snaps to 1-2-5 steps (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
    )
    scale = Channel.control(
        ":CHANnel{ch}:SCALe?", ":CHANnel{ch}:SCALe %g",
        """Control the vertical scale in V/div (float, 1 mV to 10 V at probe 1×).""",
        validator=strict_range, values=SCALE_LIMITS_V,
    )
    offset = Channel.control(
        ":CHANnel{ch}:OFFSet?", ":CHANnel{ch}:OFFSet %g",
        """Control the vertical offset in V, added to the signal: the screen centre shows
        −offset (float).""",
        validator=strict_range, values=(-OFFSET_LIMITS_V[1], OFFSET_LIMITS_V[1]),
    )
    coupling = Channel.control(
        ":CHANnel{ch}:COUPling?", ":CHANnel{ch}:COUPling %s",
        """Control the input coupling: 'dc', 'ac' or 'gnd' (str).""",
        validator=strict_discrete_set, values={"dc": "DC", "ac": "AC", "gnd": "GND"},
        map_values=True,
    )
    probe = Channel.control(
        ":CHANnel{ch}:PROBe?", ":CHANnel{ch}:PROBe %g",
        """Control the probe ratio (float, 0.01 to 1000 in 1-2-5 steps).""",
        validator=strict_discrete_set,
        values=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
    )
    bandwidth_limit = Channel.control(
        ":CHANnel{ch}:BWLimit?", ":CHANnel{ch}:BWLimit %s",
        """Control the 20 MHz bandwidth limit (bool).""",
        validator=strict_discrete_set, values={True: "20M", False: "OFF"}, map_values=True,
    )


class DS1000Z(SCPIMixin, Instrument):
    """Rigol DS1000Z: 4 analog channels sharing 1 GSa/s, up to 24 Mpts."""

    ch_1 = Instrument.ChannelCreator(DS1000ZChannel, 1)
    ch_2 = Instrument.ChannelCreator(DS1000ZChannel, 2)
    ch_3 = Instrument.ChannelCreator(DS1000ZChannel, 3)
    ch_4 = Instrument.ChannelCreator(DS1000ZChannel, 4)

    def __init__(self, adapter, name: str = "Rigol DS1000Z", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 10_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    timebase_scale = Instrument.control(
        ":TIMebase:MAIN:SCALe?", ":TIMebase:MAIN:SCALe %g",
        """Control the timebase in s/div (float, 5 ns to 50 s, snapped up to 1-2-5).""",
        validator=strict_range, values=(5e-9, 50.0),
    )
    timebase_offset = Instrument.control(
        ":TIMebase:MAIN:OFFSet?", ":TIMebase:MAIN:OFFSet %g",
        """Control the time from the trigger to the screen centre in s (float).""",
        validator=strict_range, values=(-300.0, TIMEBASE_OFFSET_MAX_S),
    )
    acquisition_type = Instrument.control(
        ":ACQuire:TYPE?", ":ACQuire:TYPE %s",
        """Control the acquisition type: 'normal', 'averages', 'peak' or 'hresolution'.""",
        validator=strict_discrete_set,
        values={"normal": "NORM", "averages": "AVER", "peak": "PEAK", "hresolution": "HRES"},
        map_values=True,
    )
    memory_depth = Instrument.control(
        ":ACQuire:MDEPth?", ":ACQuire:MDEPth %s",
        """Control the memory depth in points, or 'AUTO' (int or str).""",
        validator=strict_discrete_set,
        values=("AUTO", *sorted({d for ds in MEMORY_DEPTHS.values() for d in ds})),
        get_process=lambda v: v if v == "AUTO" else int(v),
    )
    sample_rate = Instrument.measurement(
        ":ACQuire:SRATe?", """Get the sample rate in Sa/s (float).""",
    )
    trigger_mode = Instrument.control(
        ":TRIGger:MODE?", ":TRIGger:MODE %s",
        """Control the trigger type; only 'edge' is supported here (str).""",
        validator=strict_discrete_set, values={"edge": "EDGE"}, map_values=True,
    )
    trigger_source = Instrument.control(
        ":TRIGger:EDGe:SOURce?", ":TRIGger:EDGe:SOURce CHANnel%d",
        """Control the edge trigger source channel (int, 1-4; there is no external input).""",
        validator=strict_discrete_set, values=(1, 2, 3, 4),
        get_process=lambda v: int(str(v).upper().replace("CHANNEL", "").replace("CHAN", "")),
    )
    trigger_slope = Instrument.control(
        ":TRIGger:EDGe:SLOPe?", ":TRIGger:EDGe:SLOPe %s",
        """Control the edge slope: 'positive', 'negative' or 'either' (str).""",
        validator=strict_discrete_set,
        values={"positive": "POS", "negative": "NEG", "either": "RFAL"}, map_values=True,
    )
    trigger_level = Instrument.control(
        ":TRIGger:EDGe:LEVel?", ":TRIGger:EDGe:LEVel %g",
        """Control the edge trigger level in V (float; ±5 div around the screen centre).""",
        validator=strict_range, values=(-600.0, 600.0),
    )
    trigger_sweep = Instrument.control(
        ":TRIGger:SWEep?", ":TRIGger:SWEep %s",
        """Control the sweep: 'auto', 'normal' or 'single' (str).""",
        validator=strict_discrete_set,
        values={"auto": "AUTO", "normal": "NORM", "single": "SING"}, map_values=True,
    )
    trigger_status = Instrument.measurement(
        ":TRIGger:STATus?",
        """Get the acquisition state: 'TD', 'WAIT', 'RUN', 'AUTO' or 'STOP' (str).""",
        cast=str,
    )
    waveform_source = Instrument.control(
        ":WAVeform:SOURce?", ":WAVeform:SOURce CHANnel%d",
        """Control the channel whose data :WAVeform:DATA? sends (int, 1-4).""",
        validator=strict_discrete_set, values=(1, 2, 3, 4),
        get_process=lambda v: int(str(v).upper().replace("CHANNEL", "").replace("CHAN", "")),
    )
    waveform_mode = Instrument.control(
        ":WAVeform:MODE?", ":WAVeform:MODE %s",
        """Control what is read: 'normal' (screen), 'maximum' or 'raw' (memory) (str).""",
        validator=strict_discrete_set,
        values={"normal": "NORM", "maximum": "MAX", "raw": "RAW"}, map_values=True,
    )
    waveform_format = Instrument.control(
        ":WAVeform:FORMat?", ":WAVeform:FORMat %s",
        """Control the data format: 'byte', 'word' or 'ascii' (str).""",
        validator=strict_discrete_set,
        values={"byte": "BYTE", "word": "WORD", "ascii": "ASC"}, map_values=True,
    )
    waveform_start = Instrument.control(
        ":WAVeform:STARt?", ":WAVeform:STARt %d",
        """Control the first point read (int, from 1).""",
        validator=strict_range, values=(1, 24_000_000), cast=int,
    )
    waveform_stop = Instrument.control(
        ":WAVeform:STOP?", ":WAVeform:STOP %d",
        """Control the last point read (int, inclusive).""",
        validator=strict_range, values=(1, 24_000_000), cast=int,
    )
    waveform_preamble = Instrument.measurement(
        ":WAVeform:PREamble?",
        """Get the 10-field preamble of the waveform source as a dict.""",
        get_process_list=_parse_preamble,
    )

    def single(self) -> None:
        """Arm one acquisition (returns at once)."""
        self.write(":SINGle")

    def run(self) -> None:
        """Acquire continuously."""
        self.write(":RUN")

    def stop(self) -> None:
        """Stop acquiring."""
        self.write(":STOP")

    def read_codes(self, first: int, last: int) -> np.ndarray:
        """Points first..last (1-based, inclusive) of the source as unsigned 8-bit codes: one
        #9 block read to the message end (it may hold newline bytes)."""
        self.waveform_start = first
        self.waveform_stop = last
        connection = self.adapter.connection
        with connection.read_termination_context(""):
            return connection.query_binary_values(
                ":WAVeform:DATA?", datatype="B", container=np.ndarray,
                chunk_size=last - first + 1 + BLOCK_OVERHEAD_BYTES)


def over_range(codes: np.ndarray) -> np.ndarray:
    """Samples the 8-bit ADC clipped: its extreme codes 0 and 255 (1.12 divisions beyond the
    screen edges, which are codes 27 and 227 around the centre 127)."""
    return (codes <= 0) | (codes >= ADC_LEVELS - 1)


def plan_record(duration_s: float, points: int | None, channels_on: int
                ) -> tuple[float, int, float]:
    """(timebase s/div, memory depth, sample rate) of a record that spans duration_s with at
    least `points` samples (about DEFAULT_POINTS if None) with channels_on channels on, i.e.
    a sample interval of at most duration_s / (points − 1) (so a caller's ceil of
    duration / interval is met); ValueError naming the limit and what would fit."""
    if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s)
            and duration_s > 0):
        raise ValueError(f"duration_s must be a positive time in s, got {duration_s!r}")
    scale = next((s for s in TIMEBASE_SCALES_S
                  if HORIZONTAL_DIVISIONS * s >= duration_s * (1 - 1e-9)), None)
    if scale is None:
        raise ValueError(f"duration_s: {duration_s:g} s is longer than the screen at "
                         f"{TIMEBASE_SCALES_S[-1]:g} s/div")
    top, depths = MAX_RATE_SA_S[channels_on], MEMORY_DEPTHS[channels_on]
    screen_s = HORIZONTAL_DIVISIONS * scale
    options = [(d, min(top, d / screen_s)) for d in depths]
    if points is None:
        points = min(DEFAULT_POINTS, math.floor(options[-1][1] * duration_s))
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) \
            or points < MIN_POINTS:
        raise ValueError(f"points must be an integer of at least {MIN_POINTS}, got {points!r}")
    for depth, rate in options:
        if rate * duration_s >= (points - 1) * (1 - RATE_TOLERANCE):
            return scale, depth, rate
    most = math.floor(options[-1][1] * duration_s * (1 + RATE_TOLERANCE)) + 1
    raise ValueError(
        f"points: {points} over {duration_s:g} s needs {points / duration_s:.4g} Sa/s; with "
        f"{channels_on} channel(s) on the scope samples at most {top:.4g} Sa/s into "
        f"{depths[-1]} points ({scale:g} s/div, a {screen_s:g} s screen), so at most {most} "
        f"points")


class RigolDS1000ZOscilloscope(Oscilloscope):
    """The Oscilloscope role on a DS1000Z: single-shot records read from memory as BYTE
    pages (one byte per 8-bit sample, 250 000 points a page); "AUX" triggers on the AWG
    output channel (see the module docstring)."""

    IDN_PATTERNS = (r"RIGOL TECHNOLOGIES,(DS|MSO)1[01][057]4Z",)
    """The 4-channel DS1000Z and MSO1000Z models (DS1054Z, DS1074Z, DS1104Z, …)."""
    CHANNELS = N_CHANNELS

    def __init__(self, resource: str, visa_library: str = "", sync_channel: int = 1,
                 sync_level_v: float | None = None, **kwargs: Any) -> None:
        if sync_channel not in range(1, N_CHANNELS + 1):
            raise ValueError(f"sync_channel must be 1-{N_CHANNELS}, got {sync_channel!r}")
        self.driver = DS1000Z(resource, visa_library=visa_library, **kwargs)
        self.sync_channel = sync_channel
        self.sync_level_v = sync_level_v
        self._trigger: dict[str, Any] = {}
        self._window: tuple[int, int] | None = None
        """Points (1-based, inclusive) of the record that cover the configured window."""

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    def check_record(self, duration_s: float, points: int | None = None) -> None:
        """Refuse (ValueError naming the limit) a record beyond what the scope takes with
        every channel on (250 MSa/s, 6 Mpts)."""
        plan_record(duration_s, points, N_CHANNELS)

    def check_channels(self, channels: dict[int, tuple[float, float]]) -> None:
        """Refuse (ValueError naming the channel and the limit) (V/div, screen-centre V)
        pairs configure() cannot set."""
        if not channels:
            raise ValueError(f"channels must name at least one channel 1-{N_CHANNELS}")
        lo, hi = SCALE_LIMITS_V
        for ch, (scale, centre) in channels.items():
            if ch not in range(1, N_CHANNELS + 1):
                raise ValueError(f"channels: channel must be 1-{N_CHANNELS}, got {ch!r}")
            if not lo <= scale <= hi:
                raise ValueError(f"channels[{ch}] scale must be {lo:g} to {hi:g} V/div, "
                                 f"got {scale!r}")
            limit = OFFSET_LIMITS_V[scale >= LARGE_OFFSET_SCALE_V]
            if not -limit <= centre <= limit:
                raise ValueError(f"channels[{ch}] offset must be within ±{limit:g} V at "
                                 f"{scale:g} V/div, got {centre!r}")

    def _trigger_plan(self, channels: dict[int, tuple[float, float]], source: str | int,
                      level_v: float) -> tuple[int, float]:
        """(channel, level V) of the edge trigger; "AUX" is the sync channel."""
        if str(source).strip().upper() in ("AUX", "EXT", "EXTERNAL"):
            n = self.sync_channel
            if n not in channels:
                raise ValueError(f"trigger_source AUX triggers on the AWG output at "
                                 f"sync_channel {n}, which is not among the channels "
                                 f"configured {sorted(channels)}")
            level_v = (SYNC_LEVEL_DIVISIONS * channels[n][0] if self.sync_level_v is None
                       else self.sync_level_v)
        else:
            key = str(source).strip().upper()
            digits = key.removeprefix("CHANNEL").removeprefix("CHAN").removeprefix("CH")
            if not digits.isdigit() or int(digits) not in channels:
                raise ValueError(f"trigger_source must be 'AUX' or one of the channels "
                                 f"configured {sorted(channels)}, got {source!r}")
            n = int(digits)
        scale, centre = channels[n]
        lo = centre - TRIGGER_LEVEL_DIVISIONS * scale
        hi = centre + TRIGGER_LEVEL_DIVISIONS * scale
        if not lo <= level_v <= hi:
            raise ValueError(f"trigger level must be {lo:g} to {hi:g} V on CH{n}, "
                             f"got {level_v!r}")
        return n, level_v

    def configure(self, channels: dict[int, tuple[float, float]], duration_s: float,
                  pre_trigger_s: float = 0.0, points: int | None = None,
                  trigger_source: str = "AUX", trigger_level_v: float = 0.5) -> None:
        """Set channel (V/div, screen-centre V) pairs, a record of duration_s starting
        pre_trigger_s before a rising-edge trigger; everything is checked before anything is
        sent. trigger_level_v is ignored for "AUX" (the sync level applies)."""
        self.check_channels(channels)
        scale, depth, rate = plan_record(duration_s, points, len(channels))
        record_s = depth / rate
        if not 0 <= pre_trigger_s <= duration_s:
            raise ValueError(f"pre_trigger_s must be 0 to {duration_s:g} s (the record), "
                             f"got {pre_trigger_s!r}")
        source, level = self._trigger_plan(channels, trigger_source, trigger_level_v)
        # The record is centred on the screen centre, the offset after the trigger; at most
        # 1 s of delay, so a long record may start earlier than asked: fetch skips the excess.
        offset_s = min(record_s / 2 - pre_trigger_s, TIMEBASE_OFFSET_MAX_S)
        skip = round((record_s / 2 - offset_s - pre_trigger_s) * rate)
        window = math.ceil(duration_s * rate - 1e-6)
        if skip + window > depth:
            raise ValueError(f"pre_trigger_s: {pre_trigger_s:g} s leaves {duration_s:g} s "
                             f"past the {record_s:g} s record ({TIMEBASE_OFFSET_MAX_S:g} s "
                             f"delay at most); allow more pre-trigger time")
        d = self.driver
        d.stop()
        for ch in range(1, N_CHANNELS + 1):
            channel = getattr(d, f"ch_{ch}")
            channel.display = ch in channels
            if ch in channels:
                channel.probe = 1
                channel.coupling = "dc"
                channel.vernier = True
                channel.scale = channels[ch][0]
                channel.offset = -channels[ch][1]  # Rigol adds the offset to the signal
        d.acquisition_type = "normal"
        d.memory_depth = depth
        d.timebase_scale = scale
        d.timebase_offset = offset_s
        d.trigger_mode = "edge"
        d.trigger_source = source
        d.trigger_slope = "positive"
        d.trigger_level = level
        d.waveform_mode = "raw"
        d.waveform_format = "byte"
        errors = d.check_errors()
        if errors:
            raise ValueError(f"the scope refused the configuration: {errors}")
        self._window = (skip + 1, skip + window)
        self._trigger = {"trigger_source": "AUX" if str(trigger_source).upper() == "AUX"
                         else source, "trigger_channel": source, "trigger_level_v": level,
                         "pre_trigger_s": pre_trigger_s}
        log.info("scope: points %d-%d of %d at %.4g Sa/s, %g s pre-trigger, CH%d rising "
                 "through %g V", skip + 1, skip + window, depth, rate, pre_trigger_s, source,
                 level)

    def single(self) -> None:
        """Arm one acquisition (returns at once)."""
        self.driver.single()

    def wait(self, timeout_s: float = 10.0, poll_s: float = 0.05) -> None:
        """Block until :TRIGger:STATus? reads STOP (the single acquisition is complete);
        TimeoutError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while (status := self.driver.trigger_status.strip().upper()) != "STOP":
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the scope did not complete its acquisition within "
                                   f"{timeout_s:g} s (status {status}; no trigger?)")
            time.sleep(min(poll_s, remaining))

    def fetch(self, channel: int) -> ScopeTrace:
        """The configured window of a channel's last record, read from memory in BYTE pages,
        with its settings."""
        if channel not in range(1, N_CHANNELS + 1):
            raise ValueError(f"channel must be 1-{N_CHANNELS}, got {channel!r}")
        d = self.driver
        d.waveform_source = channel
        pre = d.waveform_preamble
        start, stop = self._window or (1, pre["points"])
        stop = min(stop, pre["points"])
        codes = np.concatenate([
            np.asarray(d.read_codes(first, min(first + PAGE_POINTS - 1, stop)), dtype=np.int64)
            for first in range(start, stop + 1, PAGE_POINTS)])
        n = stop - start + 1
        if codes.size != n:
            raise ValueError(f"CH{channel}: asked for {n} points, {codes.size} arrived")
        v = (codes - pre["y_origin"] - pre["y_reference"]) * pre["y_increment"]
        t = ((np.arange(start - 1, stop) - pre["x_reference"]) * pre["x_increment"]
             + pre["x_origin"])
        metadata = {
            "channel": channel,
            "scale_v_per_div": pre["y_increment"] * CODES_PER_DIV,
            "offset_v": -pre["y_origin"] * pre["y_increment"],
            "sample_interval_s": pre["x_increment"],
            "points": n,
            "x_origin_s": pre["x_origin"],
            "y_increment_v": pre["y_increment"],
            **self._trigger,
        }
        return ScopeTrace(t, v, metadata, over_range(codes))

    def safe_off(self) -> None:
        """Stop acquiring; a scope drives nothing into the device."""
        self.driver.stop()
