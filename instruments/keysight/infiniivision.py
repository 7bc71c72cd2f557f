"""Keysight InfiniiVision 3000T / 4000X X-Series oscilloscopes (DSOX3024T, DSOX4024A, …):
PyMeasure driver (InfiniiVision programmer's guide command set) and the Oscilloscope role.

Limits are those of the data sheets as recalled (not available offline here): 4 analog
channels; 5 GSa/s and 4 Mpts with at most one channel on in each pair (1-2, 3-4), 2.5 GSa/s
and 2 Mpts (3000T) otherwise; an 8-bit ADC over 8 vertical divisions; 1 mV/div to 5 V/div at
1 MΩ; offset ±2 V up to 200 mV/div, ±50 V above. The sample rate follows the timebase (the
fastest that fills the memory over the screen's 10 divisions); it cannot be set.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import numpy as np
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range
from pyvisa.errors import VisaIOError

from labmem.instruments.roles import Oscilloscope, ScopeTrace

log = logging.getLogger(__name__)

N_CHANNELS = 4
MAX_SAMPLE_RATE_SA_S = 5e9
"""With at most one channel on in each pair (half-channel interleaved)."""
ALL_CHANNEL_SAMPLE_RATE_SA_S = 2.5e9
MEMORY_POINTS = 4_000_000
"""Half-channel interleaved."""
ALL_CHANNEL_MEMORY_POINTS = 2_000_000
"""With both channels of a pair on (3000T; the 4000X keeps 4 Mpts)."""
SAMPLE_RATES_SA_S = tuple(sorted(
    m * 10.0 ** e for e in range(0, 10) for m in (1.0, 2.0, 2.5, 4.0, 5.0)
    if m * 10.0 ** e <= MAX_SAMPLE_RATE_SA_S))
"""Rates the scope picks from: the fastest whose record over the screen fits in memory."""
TRANSFER_POINTS = (100, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000,
                   200_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000)
"""Values of :WAVeform:POINts in RAW points mode, as the guide lists them."""
MIN_POINTS = 100
VERTICAL_DIVISIONS = 8
HORIZONTAL_DIVISIONS = 10
ADC_LEVELS = 256
SCALE_LIMITS_V = (1e-3, 5.0)
LOW_OFFSET_SCALE_V = 0.2
OFFSET_LIMITS_V = (2.0, 50.0)
"""Offset range up to LOW_OFFSET_SCALE_V per division, and above it (1 MΩ input)."""
EXT_LEVEL_LIMIT_V = 8.0
TRIGGER_SCREEN_DIVISIONS = 6
DEFAULT_POINTS = 10_000
RATE_TOLERANCE = 1e-6
"""Relative shortfall of points accepted as rounding (a caller's ceil of duration/interval)."""
OPER_RUN = 8
"""Run bit of :OPERegister:CONDition?: set while an acquisition is in progress."""
PREAMBLE_FIELDS = ("format", "type", "points", "count", "x_increment", "x_origin",
                   "x_reference", "y_increment", "y_origin", "y_reference")
BOOLS = {True: 1, False: 0}
BLOCK_HEADER_BYTES = 11
"""#8 and eight length digits, and the message terminator."""


def _parse_preamble(values: list[Any]) -> dict[str, Any]:
    fields = dict(zip(PREAMBLE_FIELDS, values, strict=False))
    for key in ("format", "type", "points", "count", "x_reference", "y_reference"):
        fields[key] = int(float(fields[key]))
    for key in ("x_increment", "x_origin", "y_increment", "y_origin"):
        fields[key] = float(fields[key])
    return fields


class InfiniiVisionChannel(Channel):
    """One analog input of an InfiniiVision X-Series scope."""

    display = Channel.control(
        ":CHANnel{ch}:DISPlay?", ":CHANnel{ch}:DISPlay %d",
        """Control whether the channel is displayed and acquired (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    scale = Channel.control(
        ":CHANnel{ch}:SCALe?", ":CHANnel{ch}:SCALe %g",
        """Control the vertical scale in V/div (float, 1 mV to 5 V at probe 1:1).""",
        validator=strict_range, values=SCALE_LIMITS_V,
    )
    range = Channel.control(
        ":CHANnel{ch}:RANGe?", ":CHANnel{ch}:RANGe %g",
        """Control the full-scale vertical range in V, 8 divisions (float).""",
        validator=strict_range, values=(8e-3, 40.0),
    )
    offset = Channel.control(
        ":CHANnel{ch}:OFFSet?", ":CHANnel{ch}:OFFSet %g",
        """Control the voltage at the centre of the screen in V (float).""",
        validator=strict_range, values=(-OFFSET_LIMITS_V[1], OFFSET_LIMITS_V[1]),
    )
    coupling = Channel.control(
        ":CHANnel{ch}:COUPling?", ":CHANnel{ch}:COUPling %s",
        """Control the input coupling: 'dc' or 'ac' (str).""",
        validator=strict_discrete_set, values={"dc": "DC", "ac": "AC"}, map_values=True,
    )
    impedance = Channel.control(
        ":CHANnel{ch}:IMPedance?", ":CHANnel{ch}:IMPedance %s",
        """Control the input impedance: 'one_meg' (1 MΩ) or 'fifty' (50 Ω) (str).""",
        validator=strict_discrete_set, values={"one_meg": "ONEM", "fifty": "FIFT"},
        map_values=True,
    )
    probe = Channel.control(
        ":CHANnel{ch}:PROBe?", ":CHANnel{ch}:PROBe %g",
        """Control the probe attenuation (float, 0.001 to 10000).""",
        validator=strict_range, values=(0.001, 10_000.0),
    )


class InfiniiVision(SCPIMixin, Instrument):
    """Keysight InfiniiVision 3000T / 4000X X-Series: 4 analog channels, up to 5 GSa/s."""

    ch_1 = Instrument.ChannelCreator(InfiniiVisionChannel, 1)
    ch_2 = Instrument.ChannelCreator(InfiniiVisionChannel, 2)
    ch_3 = Instrument.ChannelCreator(InfiniiVisionChannel, 3)
    ch_4 = Instrument.ChannelCreator(InfiniiVisionChannel, 4)

    def __init__(self, adapter, name: str = "Keysight InfiniiVision", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 10_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    # -- timebase -------------------------------------------------------------------------

    timebase_mode = Instrument.control(
        ":TIMebase:MODE?", ":TIMebase:MODE %s",
        """Control the timebase mode; 'main' is the normal time axis (str).""",
        validator=strict_discrete_set, values={"main": "MAIN", "window": "WIND", "roll": "ROLL"},
        map_values=True,
    )
    timebase_range = Instrument.control(
        ":TIMebase:RANGe?", ":TIMebase:RANGe %g",
        """Control the full-scale horizontal time in s, 10 divisions (float).""",
        validator=strict_range, values=(1e-8, 500.0),
    )
    timebase_position = Instrument.control(
        ":TIMebase:POSition?", ":TIMebase:POSition %g",
        """Control the time from the trigger to the reference point in s (float).""",
        validator=strict_range, values=(-500.0, 500.0),
    )
    timebase_reference = Instrument.control(
        ":TIMebase:REFerence?", ":TIMebase:REFerence %s",
        """Control the reference point: 'left', 'center' or 'right' (str).""",
        validator=strict_discrete_set,
        values={"left": "LEFT", "center": "CENT", "right": "RIGH"}, map_values=True,
    )

    # -- acquisition ----------------------------------------------------------------------

    acquisition_type = Instrument.control(
        ":ACQuire:TYPE?", ":ACQuire:TYPE %s",
        """Control the acquisition type: 'normal', 'average', 'hresolution' or 'peak'.""",
        validator=strict_discrete_set,
        values={"normal": "NORM", "average": "AVER", "hresolution": "HRES", "peak": "PEAK"},
        map_values=True,
    )
    acquisition_points = Instrument.measurement(
        ":ACQuire:POINts?", """Get the points of the raw record the settings give (int).""",
        cast=int,
    )
    acquisition_sample_rate = Instrument.measurement(
        ":ACQuire:SRATe?", """Get the sample rate the settings give in Sa/s (float).""",
    )
    triggered = Instrument.measurement(
        ":TER?", """Get whether a trigger occurred since the last read (bool, clears it).""",
        cast=int, get_process=bool,
    )
    operation_condition = Instrument.measurement(
        ":OPERegister:CONDition?",
        """Get the operation status condition register (int; bit 3 Run).""", cast=int,
    )

    # -- trigger --------------------------------------------------------------------------

    trigger_mode = Instrument.control(
        ":TRIGger:MODE?", ":TRIGger:MODE %s",
        """Control the trigger mode; only 'edge' is supported here (str).""",
        validator=strict_discrete_set, values={"edge": "EDGE"}, map_values=True,
    )
    trigger_source = Instrument.control(
        ":TRIGger:EDGE:SOURce?", ":TRIGger:EDGE:SOURce %s",
        """Control the edge trigger source: 'EXT' or channel number 1-4 (str or int).""",
        validator=strict_discrete_set,
        values={"EXT": "EXT", 1: "CHAN1", 2: "CHAN2", 3: "CHAN3", 4: "CHAN4"},
        map_values=True,
    )
    trigger_slope = Instrument.control(
        ":TRIGger:EDGE:SLOPe?", ":TRIGger:EDGE:SLOPe %s",
        """Control the edge trigger slope: 'positive' or 'negative' (str).""",
        validator=strict_discrete_set, values={"positive": "POS", "negative": "NEG"},
        map_values=True,
    )
    trigger_level = Instrument.control(
        ":TRIGger:EDGE:LEVel?", ":TRIGger:EDGE:LEVel %g",
        """Control the edge trigger level of the current source in V (float).""",
        validator=strict_range, values=(-50.0, 50.0),
    )
    trigger_sweep = Instrument.control(
        ":TRIGger:SWEep?", ":TRIGger:SWEep %s",
        """Control the sweep: 'auto' or 'normal' (waits for a trigger) (str).""",
        validator=strict_discrete_set, values={"auto": "AUTO", "normal": "NORM"},
        map_values=True,
    )

    # -- waveform transfer ----------------------------------------------------------------

    waveform_source = Instrument.control(
        ":WAVeform:SOURce?", ":WAVeform:SOURce CHANnel%d",
        """Control the channel whose record is transferred (int, 1-4).""",
        validator=strict_discrete_set, values=(1, 2, 3, 4),
        get_process=lambda v: int(str(v).upper().replace("CHANNEL", "").replace("CHAN", "")),
    )
    waveform_format = Instrument.control(
        ":WAVeform:FORMat?", ":WAVeform:FORMat %s",
        """Control the transfer format: 'byte', 'word' or 'ascii' (str).""",
        validator=strict_discrete_set,
        values={"byte": "BYTE", "word": "WORD", "ascii": "ASC"}, map_values=True,
    )
    waveform_unsigned = Instrument.control(
        ":WAVeform:UNSigned?", ":WAVeform:UNSigned %d",
        """Control whether BYTE/WORD data are unsigned (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    waveform_points_mode = Instrument.control(
        ":WAVeform:POINts:MODE?", ":WAVeform:POINts:MODE %s",
        """Control which record is sent: 'normal' (measurement record), 'maximum' or 'raw'.""",
        validator=strict_discrete_set,
        values={"normal": "NORM", "maximum": "MAX", "raw": "RAW"}, map_values=True,
    )
    waveform_points = Instrument.control(
        ":WAVeform:POINts?", ":WAVeform:POINts %d",
        """Control the points to transfer (int; the record is decimated to at most this).""",
        validator=strict_discrete_set, values=TRANSFER_POINTS, cast=int,
    )
    waveform_preamble = Instrument.measurement(
        ":WAVeform:PREamble?",
        """Get the 10-field preamble of the waveform source as a dict.""",
        get_process_list=_parse_preamble,
    )

    # -- run control ----------------------------------------------------------------------

    def single(self) -> None:
        """Arm one acquisition (returns at once)."""
        self.write(":SINGle")

    def run(self) -> None:
        """Acquire continuously."""
        self.write(":RUN")

    def stop(self) -> None:
        """Stop acquiring."""
        self.write(":STOP")

    def channel_trigger_level(self, channel: int | str, level_v: float) -> None:
        """Set the edge trigger level of a source (channel number or 'EXT') in V."""
        source = "EXTernal" if channel == "EXT" else f"CHANnel{int(channel)}"
        self.write(f":TRIGger:EDGE:LEVel {level_v:g},{source}")

    def wait_for_completion(self, timeout_s: float) -> bool:
        """Wait on *OPC? up to timeout_s; False (after a device clear) when it times out."""
        connection = self.adapter.connection
        previous = connection.timeout
        connection.timeout = max(1, int(timeout_s * 1000))
        try:
            return self.ask("*OPC?").strip().endswith("1")
        except VisaIOError:
            connection.clear()
            return False
        finally:
            connection.timeout = previous

    def read_waveform_codes(self, points: int) -> np.ndarray:
        """Transfer the source's record (`points` long, from the preamble) as unsigned 8-bit
        codes in one #8 block, read to the message end (the block may hold newline bytes) in
        one read."""
        connection = self.adapter.connection
        with connection.read_termination_context(""):
            return connection.query_binary_values(":WAVeform:DATA?", datatype="B",
                                                  container=np.ndarray,
                                                  chunk_size=points + BLOCK_HEADER_BYTES)


def over_range(codes: np.ndarray) -> np.ndarray:
    """Samples the 8-bit ADC clipped: its extreme codes (0 and 255 unsigned), which the
    screen's bottom and top edges map to."""
    return (codes <= 0) | (codes >= ADC_LEVELS - 1)


def plan_record(duration_s: float, points: int | None, interleaved: bool = False
                ) -> tuple[float, int, int]:
    """(sample rate, raw record points, :WAVeform:POINts to ask for) of a screen that spans
    duration_s with at least `points` samples (about DEFAULT_POINTS if None); the all-channel
    rate and memory unless interleaved. ValueError naming the limit and what would fit."""
    if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s)
            and duration_s > 0):
        raise ValueError(f"duration_s must be a positive time in s, got {duration_s!r}")
    top, memory = ((MAX_SAMPLE_RATE_SA_S, MEMORY_POINTS) if interleaved
                   else (ALL_CHANNEL_SAMPLE_RATE_SA_S, ALL_CHANNEL_MEMORY_POINTS))
    fitting = [r for r in SAMPLE_RATES_SA_S
               if r <= top and math.ceil(duration_s * r - 1e-6) <= memory]
    if not fitting:
        raise ValueError(f"duration_s: {duration_s:g} s is too long for the memory")
    rate = fitting[-1]
    raw = max(2, math.ceil(duration_s * rate - 1e-6))
    if points is None:
        points = min(DEFAULT_POINTS, raw)
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) \
            or points < MIN_POINTS:
        raise ValueError(f"points must be an integer of at least {MIN_POINTS}, got {points!r}")
    if points > raw * (1 + RATE_TOLERANCE):
        raise ValueError(
            f"points: {points} over {duration_s:g} s needs {points / duration_s:.4g} Sa/s; the "
            f"scope samples at {rate:.4g} Sa/s there ({top:.4g} Sa/s, {memory} points of "
            f"memory), so at most {raw} points")
    transfer = next((p for p in TRANSFER_POINTS if p >= points), TRANSFER_POINTS[-1])
    return rate, raw, transfer


def _trigger_source(source: str | int) -> str | int:
    if isinstance(source, int) and not isinstance(source, bool):
        n = source
    else:
        key = str(source).strip().upper()
        if key in ("AUX", "EXT", "EXTERNAL"):
            return "EXT"
        digits = key.removeprefix("CHANNEL").removeprefix("CHAN").removeprefix("CH")
        if not digits.isdigit():
            raise ValueError(f"trigger_source must be 'AUX' (EXT input) or a channel "
                             f"1-{N_CHANNELS} ('CH1' or 1), got {source!r}")
        n = int(digits)
    if not 1 <= n <= N_CHANNELS:
        raise ValueError(f"trigger_source channel must be 1-{N_CHANNELS}, got {source!r}")
    return n


class InfiniiVisionOscilloscope(Oscilloscope):
    """The Oscilloscope role on an InfiniiVision 3000T / 4000X: single-shot records of the raw
    acquisition, read back as BYTE blocks (one byte per 8-bit sample)."""

    IDN_PATTERNS = (r"(KEYSIGHT|AGILENT) TECHNOLOGIES,DSO-?X ?[34]\d{3}[AT],",
                    r"(KEYSIGHT|AGILENT) TECHNOLOGIES,MSO-?X ?[34]\d{3}[AT],")
    """3000A/T and 4000A X-Series DSO and MSO models, Keysight or (before the split)
    Agilent."""
    CHANNELS = N_CHANNELS

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = InfiniiVision(resource, visa_library=visa_library, **kwargs)
        self._trigger: dict[str, Any] = {}

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    def check_record(self, duration_s: float, points: int | None = None) -> None:
        """Refuse (ValueError naming the limit) a record beyond what the scope samples with
        every channel on (2.5 GSa/s, 2 Mpts)."""
        plan_record(duration_s, points)

    def check_channels(self, channels: dict[int, tuple[float, float]]) -> None:
        """Refuse (ValueError naming the channel and the limit) what configure() cannot set."""
        if not channels:
            raise ValueError("channels must name at least one channel 1-4")
        lo, hi = SCALE_LIMITS_V
        for ch, (scale, offset) in channels.items():
            if ch not in range(1, N_CHANNELS + 1):
                raise ValueError(f"channels: channel must be 1-{N_CHANNELS}, got {ch!r}")
            if not lo <= scale <= hi:
                raise ValueError(f"channels[{ch}] scale must be {lo:g} to {hi:g} V/div, "
                                 f"got {scale!r}")
            limit = OFFSET_LIMITS_V[scale > LOW_OFFSET_SCALE_V]
            if not -limit <= offset <= limit:
                raise ValueError(f"channels[{ch}] offset must be within ±{limit:g} V at "
                                 f"{scale:g} V/div, got {offset!r}")

    def configure(self, channels: dict[int, tuple[float, float]], duration_s: float,
                  pre_trigger_s: float = 0.0, points: int | None = None,
                  trigger_source: str = "AUX", trigger_level_v: float = 0.5) -> None:
        """Set channel (V/div, offset V) pairs, the screen's time span and an edge trigger;
        every value is checked against the instrument's limits before anything is sent."""
        self.check_channels(channels)
        interleaved = not ({1, 2} <= set(channels) or {3, 4} <= set(channels))
        rate, raw, transfer = plan_record(duration_s, points, interleaved)
        record_s = raw / rate
        if not 0 <= pre_trigger_s <= record_s:
            raise ValueError(f"pre_trigger_s must be 0 to {record_s:g} s (the record), "
                             f"got {pre_trigger_s!r}")
        source = _trigger_source(trigger_source)
        if source == "EXT":
            lo, hi = -EXT_LEVEL_LIMIT_V, EXT_LEVEL_LIMIT_V
        elif source in channels:
            scale, offset = channels[source]
            lo = offset - TRIGGER_SCREEN_DIVISIONS * scale
            hi = offset + TRIGGER_SCREEN_DIVISIONS * scale
        else:
            raise ValueError(f"trigger_source channel {source} is not among the channels "
                             f"configured {sorted(channels)}")
        if not lo <= trigger_level_v <= hi:
            raise ValueError(f"trigger_level_v must be {lo:g} to {hi:g} V for {source}, "
                             f"got {trigger_level_v!r}")
        d = self.driver
        d.stop()
        for ch in range(1, N_CHANNELS + 1):
            channel = getattr(d, f"ch_{ch}")
            channel.display = ch in channels
            if ch in channels:
                channel.impedance = "one_meg"
                channel.probe = 1.0
                channel.scale, channel.offset = channels[ch]
        d.acquisition_type = "normal"
        d.timebase_mode = "main"
        d.timebase_range = duration_s
        d.timebase_reference = "left"
        d.timebase_position = 0.1 * record_s - pre_trigger_s
        d.trigger_mode = "edge"
        d.trigger_source = source
        d.trigger_slope = "positive"
        d.channel_trigger_level(source, trigger_level_v)
        d.trigger_sweep = "normal"
        d.waveform_format = "byte"
        d.waveform_unsigned = True
        d.waveform_points_mode = "raw"
        d.waveform_points = transfer
        errors = d.check_errors()
        if errors:
            raise ValueError(f"the scope refused the configuration: {errors}")
        self._trigger = {"trigger_source": "AUX" if source == "EXT" else source,
                         "trigger_level_v": trigger_level_v, "pre_trigger_s": pre_trigger_s}
        log.info("scope: %d points at %.4g Sa/s (%d sent), %g s pre-trigger, trigger %s at "
                 "%g V", raw, rate, transfer, pre_trigger_s, source, trigger_level_v)

    def single(self) -> None:
        """Arm one acquisition (returns at once); clears a stale trigger event first."""
        _ = self.driver.triggered
        self.driver.single()

    def wait(self, timeout_s: float = 10.0, poll_s: float = 0.05) -> None:
        """Block until the armed acquisition completes: the Run bit of
        :OPERegister:CONDition? clears; *OPC? waits in between. TimeoutError after
        timeout_s."""
        deadline = time.monotonic() + timeout_s
        while self.driver.operation_condition & OPER_RUN:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.driver.wait_for_completion(remaining):
                raise TimeoutError(f"the scope did not complete its acquisition within "
                                   f"{timeout_s:g} s (no trigger?)")
            if not self.driver.operation_condition & OPER_RUN:
                return
            time.sleep(min(poll_s, max(deadline - time.monotonic(), 0)))

    def fetch(self, channel: int) -> ScopeTrace:
        """The last record of a channel, transferred as 8-bit codes, with its settings."""
        if channel not in range(1, N_CHANNELS + 1):
            raise ValueError(f"channel must be 1-{N_CHANNELS}, got {channel!r}")
        d = self.driver
        d.waveform_source = channel
        pre = d.waveform_preamble
        codes = np.asarray(d.read_waveform_codes(pre["points"]), dtype=np.int64)
        if codes.size != pre["points"]:
            raise ValueError(f"CH{channel}: preamble says {pre['points']} points, "
                             f"{codes.size} arrived")
        v = (codes - pre["y_reference"]) * pre["y_increment"] + pre["y_origin"]
        t = (np.arange(codes.size) - pre["x_reference"]) * pre["x_increment"] + pre["x_origin"]
        metadata = {
            "channel": channel,
            "scale_v_per_div": pre["y_increment"] * ADC_LEVELS / VERTICAL_DIVISIONS,
            "offset_v": pre["y_origin"],
            "sample_interval_s": pre["x_increment"],
            "points": pre["points"],
            "x_origin_s": pre["x_origin"],
            "y_increment_v": pre["y_increment"],
            **self._trigger,
        }
        return ScopeTrace(t, v, metadata, over_range(codes))

    def safe_off(self) -> None:
        """Stop acquiring; a scope drives nothing into the device."""
        self.driver.stop()
