"""Tektronix 5 Series MSO (MSO54, MSO56, MSO58): PyMeasure driver (4/5/6 Series MSO programmer
manual command set) and the Oscilloscope role.

Limits are those of the 5 Series data sheet as recalled (not available offline here): 6.25
GSa/s on every channel, 62.5 Mpts standard record, a 12-bit ADC over 10 vertical divisions,
500 µV/div to 10 V/div at 1 MΩ, offset ±10 V. In HORizontal:MODe MANual the sample rate and the
record length are set and the scale follows. Events (errors) are read with *ESR? and ALLEv?.
"""

from __future__ import annotations

import logging
import math
import re
import time
from typing import Any

import numpy as np
from pymeasure.instruments import Channel, Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range
from pyvisa.errors import VisaIOError

from labmem.instruments.roles import Oscilloscope, ScopeTrace

log = logging.getLogger(__name__)

N_CHANNELS = 4
"""FlexChannels every model has (the MSO56 and MSO58 have 6 and 8)."""
MAX_SAMPLE_RATE_SA_S = 6.25e9
SAMPLE_RATES_SA_S = tuple(sorted(
    m * 10.0 ** e for e in range(0, 10) for m in (1.0, 1.25, 2.0, 2.5, 3.125, 4.0, 5.0, 6.25)
    if m * 10.0 ** e <= MAX_SAMPLE_RATE_SA_S))
"""Rates of the manual horizontal mode (a rate asked for is taken up to the next)."""
MEMORY_POINTS = 62_500_000
MIN_RECORD = 1000
DEFAULT_POINTS = 10_000
VERTICAL_DIVISIONS = 10
CODES_PER_DIV_16 = 6400
"""16-bit codes per division: the 12-bit ADC's 400 codes per division, left-justified."""
CLIP_CODES_16 = (-32768, 32752)
"""The 12-bit ADC's extreme codes in a 16-bit word: a clipped sample reads one of them."""
SCALE_LIMITS_V = (500e-6, 10.0)
OFFSET_LIMIT_V = 10.0
AUX_LEVEL_LIMIT_V = 5.0
RATE_TOLERANCE = 1e-6
"""Relative shortfall of points accepted as rounding (a caller's ceil of duration/interval)."""
PREAMBLE_FIELDS = {"byt_nr": 0, "nr_pt": 6, "xincr": 10, "xzero": 11, "pt_off": 12,
                   "ymult": 14, "yoff": 15, "yzero": 16}
"""Positions in the WFMOutpre? answer (semicolon-separated) of the fields fetch uses."""
BOOLS = {True: 1, False: 0}
TRANSFER_SLACK_BYTES = 1024
"""Room for the preamble and block header in the one read of a fetch."""


class TektronixMSO5Channel(Channel):
    """One analog FlexChannel of a 5 Series MSO."""

    display = Channel.control(
        "DISplay:GLObal:CH{ch}:STATE?", "DISplay:GLObal:CH{ch}:STATE %d",
        """Control whether the channel is on (displayed and acquired) (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    scale = Channel.control(
        "CH{ch}:SCAle?", "CH{ch}:SCAle %g",
        """Control the vertical scale in V/div (float, 500 µV to 10 V at 1 MΩ).""",
        validator=strict_range, values=SCALE_LIMITS_V,
    )
    offset = Channel.control(
        "CH{ch}:OFFSet?", "CH{ch}:OFFSet %g",
        """Control the vertical offset in V (float, ±10 V).""",
        validator=strict_range, values=(-OFFSET_LIMIT_V, OFFSET_LIMIT_V),
    )
    position = Channel.control(
        "CH{ch}:POSition?", "CH{ch}:POSition %g",
        """Control the vertical position in divisions (float, ±5).""",
        validator=strict_range, values=(-5.0, 5.0),
    )
    termination = Channel.control(
        "CH{ch}:TERmination?", "CH{ch}:TERmination %g",
        """Control the input termination in Ω: 50 or 1e6 (float).""",
        validator=strict_discrete_set, values=(50.0, 1e6),
    )
    coupling = Channel.control(
        "CH{ch}:COUPling?", "CH{ch}:COUPling %s",
        """Control the input coupling: 'dc', 'ac' or 'dc_reject' (str).""",
        validator=strict_discrete_set, values={"dc": "DC", "ac": "AC", "dc_reject": "DCR"},
        map_values=True,
    )
    bandwidth = Channel.control(
        "CH{ch}:BANdwidth?", "CH{ch}:BANdwidth %s",
        """Control the bandwidth limit in Hz, or 'FULl' (the query answers the realised
        bandwidth in Hz).""",
        set_process=lambda v: v if isinstance(v, str) else f"{v:g}",
    )


class TektronixMSO5(SCPIMixin, Instrument):
    """Tektronix 5 Series MSO: 4, 6 or 8 FlexChannels, 6.25 GSa/s, 12-bit ADC. Sends HEADer OFF
    on connecting, so that query answers carry no header."""

    ch_1 = Instrument.ChannelCreator(TektronixMSO5Channel, 1)
    ch_2 = Instrument.ChannelCreator(TektronixMSO5Channel, 2)
    ch_3 = Instrument.ChannelCreator(TektronixMSO5Channel, 3)
    ch_4 = Instrument.ChannelCreator(TektronixMSO5Channel, 4)

    def __init__(self, adapter, name: str = "Tektronix 5 Series MSO", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 10_000)
        super().__init__(adapter, name, read_termination="\n",
                         write_termination="\n", **kwargs)
        self.write("HEADer OFF")

    def check_errors(self) -> list[tuple[int, str]]:
        """Read the event queue (*ESR? makes the events readable, ALLEv? returns them) and
        log each; [] when there are none."""
        self.ask("*ESR?")
        text = self.ask("ALLEv?").strip()
        events = [(int(code), message) for code, message
                  in re.findall(r'(-?\d+),"([^"]*)"', text) if int(code) not in (0, 1)]
        for code, message in events:
            log.error("%s: event %d, %s", self.name, code, message)
        return events

    # -- horizontal -----------------------------------------------------------------------

    horizontal_mode = Instrument.control(
        "HORizontal:MODe?", "HORizontal:MODe %s",
        """Control the horizontal mode: 'auto' or 'manual' (rate and record length set).""",
        validator=strict_discrete_set, values={"auto": "AUTO", "manual": "MANUAL"},
        map_values=True, get_process=lambda v: {"MAN": "MANUAL"}.get(v, v),
    )
    horizontal_scale = Instrument.control(
        "HORizontal:SCAle?", "HORizontal:SCAle %g",
        """Control the horizontal scale in s/div (float).""",
        validator=strict_range, values=(200e-12, 1000.0),
    )
    horizontal_position = Instrument.control(
        "HORizontal:POSition?", "HORizontal:POSition %g",
        """Control the trigger's place in the record in % (float, 0 = left edge).""",
        validator=strict_range, values=(0.0, 100.0),
    )
    sample_rate = Instrument.control(
        "HORizontal:MODe:SAMPLERate?", "HORizontal:MODe:SAMPLERate %g",
        """Control the sample rate in Sa/s (float; manual mode).""",
        validator=strict_range, values=(1.0, MAX_SAMPLE_RATE_SA_S),
    )
    record_length = Instrument.control(
        "HORizontal:MODe:RECOrdlength?", "HORizontal:MODe:RECOrdlength %d",
        """Control the record length in points (int; manual mode).""",
        validator=strict_range, values=(MIN_RECORD, MEMORY_POINTS), cast=int,
    )

    # -- trigger --------------------------------------------------------------------------

    trigger_type = Instrument.control(
        "TRIGger:A:TYPe?", "TRIGger:A:TYPe %s",
        """Control the A trigger type; only 'edge' is supported here (str).""",
        validator=strict_discrete_set, values={"edge": "EDGE"}, map_values=True,
    )
    trigger_source = Instrument.control(
        "TRIGger:A:EDGE:SOUrce?", "TRIGger:A:EDGE:SOUrce %s",
        """Control the edge trigger source: 'AUX' or channel number 1-4 (str or int).""",
        validator=strict_discrete_set,
        values={"AUX": "AUXILIARY", 1: "CH1", 2: "CH2", 3: "CH3", 4: "CH4"},
        map_values=True, get_process=lambda v: {"AUX": "AUXILIARY"}.get(v, v),
    )
    trigger_slope = Instrument.control(
        "TRIGger:A:EDGE:SLOpe?", "TRIGger:A:EDGE:SLOpe %s",
        """Control the edge trigger slope: 'rise' or 'fall' (str).""",
        validator=strict_discrete_set, values={"rise": "RISE", "fall": "FALL"},
        map_values=True,
    )
    aux_trigger_level = Instrument.control(
        "TRIGger:AUXLevel?", "TRIGger:AUXLevel %g",
        """Control the AUX input's edge trigger level in V (float).""",
        validator=strict_range, values=(-AUX_LEVEL_LIMIT_V, AUX_LEVEL_LIMIT_V),
    )
    trigger_mode = Instrument.control(
        "TRIGger:A:MODe?", "TRIGger:A:MODe %s",
        """Control the A trigger mode: 'auto' or 'normal' (waits for a trigger) (str).""",
        validator=strict_discrete_set, values={"auto": "AUTO", "normal": "NORMAL"},
        map_values=True, get_process=lambda v: {"NORM": "NORMAL"}.get(v, v),
    )
    trigger_state = Instrument.measurement(
        "TRIGger:STATE?", """Get the trigger system's state: ARMED, AUTO, READY, SAVE or
        TRIGGER (str).""",
    )

    # -- acquisition ----------------------------------------------------------------------

    acquisition_mode = Instrument.control(
        "ACQuire:MODe?", "ACQuire:MODe %s",
        """Control the acquisition mode; only 'sample' is supported here (str).""",
        validator=strict_discrete_set, values={"sample": "SAMPLE"}, map_values=True,
        get_process=lambda v: {"SAM": "SAMPLE"}.get(v, v),
    )
    stop_after = Instrument.control(
        "ACQuire:STOPAfter?", "ACQuire:STOPAfter %s",
        """Control whether acquisition runs on ('run_stop') or stops after one sequence
        ('sequence') (str).""",
        validator=strict_discrete_set, values={"run_stop": "RUNSTOP", "sequence": "SEQUENCE"},
        map_values=True, get_process=lambda v: {"SEQ": "SEQUENCE", "RUNST": "RUNSTOP"}.get(v, v),
    )
    acquiring = Instrument.control(
        "ACQuire:STATE?", "ACQuire:STATE %d",
        """Control whether acquisition runs (bool; False stops it).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    acquisitions = Instrument.measurement(
        "ACQuire:NUMACq?", """Get the acquisitions completed since the last start (int).""",
        cast=int,
    )

    # -- waveform transfer ----------------------------------------------------------------

    data_source = Instrument.control(
        "DATa:SOUrce?", "DATa:SOUrce CH%d",
        """Control the channel CURVe? sends (int, 1-4).""",
        validator=strict_discrete_set, values=(1, 2, 3, 4),
        get_process=lambda v: int(str(v).upper().removeprefix("CH")),
    )
    data_encoding = Instrument.control(
        "DATa:ENCdg?", "DATa:ENCdg %s",
        """Control the CURVe? encoding: 'ascii', 'ribinary', 'rpbinary', 'sribinary' or
        'srpbinary' (S…: least significant byte first) (str).""",
        validator=strict_discrete_set,
        values={"ascii": "ASCII", "ribinary": "RIBINARY", "rpbinary": "RPBINARY",
                "sribinary": "SRIBINARY", "srpbinary": "SRPBINARY"}, map_values=True,
    )
    data_width = Instrument.control(
        "DATa:WIDth?", "DATa:WIDth %d",
        """Control the bytes per point of CURVe? (int, 1 or 2).""",
        validator=strict_discrete_set, values=(1, 2), cast=int,
    )

    def single(self) -> None:
        """Arm one acquisition sequence (returns at once), as the SINGLE button does."""
        self.write("ACQuire:STOPAfter SEQuence;:ACQuire:STATE ON")

    def stop(self) -> None:
        """Stop acquiring."""
        self.write("ACQuire:STATE STOP")

    def channel_trigger_level(self, channel: int, level_v: float) -> None:
        """Set a channel's edge trigger level in V."""
        self.write(f"TRIGger:A:LEVel:CH{int(channel)} {level_v:g}")

    def wait_for_completion(self, timeout_s: float) -> bool:
        """Wait on *OPC? (it answers when a single sequence completes) up to timeout_s;
        False (after a device clear) when it times out."""
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

    def read_record(self, channel: int, points: int) -> tuple[dict[str, Any], np.ndarray]:
        """The preamble and 16-bit codes of a channel's whole record: one message sets the
        source, SRIbinary, width 2 and the span and asks WFMOutpre? and CURVe?; one read takes
        both answers (the block may hold newline bytes, so it is read to the message end)."""
        connection = self.adapter.connection
        self.write(f"DATa:SOUrce CH{int(channel)};:DATa:ENCdg SRIbinary;:DATa:WIDth 2;"
                   f":DATa:STARt 1;:DATa:STOP {int(points)};:WFMOutpre?;:CURVe?")
        previous = connection.chunk_size
        connection.chunk_size = 2 * points + TRANSFER_SLACK_BYTES
        try:
            with connection.read_termination_context(""):
                raw = self.read_bytes(-1, break_on_termchar=True)
        finally:
            connection.chunk_size = previous
        return parse_transfer(raw)


def parse_transfer(raw: bytes) -> tuple[dict[str, Any], np.ndarray]:
    """Split 'WFMOutpre answer;#<block>' into the preamble fields fetch uses and the codes
    (signed 16-bit, least significant byte first)."""
    start = raw.find(b";#")
    if start < 0:
        raise ValueError(f"no binary block in the answer: {raw[:80]!r}")
    fields = raw[:start].decode("latin-1").split(";")
    pre = {key: float(fields[i]) for key, i in PREAMBLE_FIELDS.items()}
    digits = int(raw[start + 2:start + 3])
    length = int(raw[start + 3:start + 3 + digits])
    body = raw[start + 3 + digits:start + 3 + digits + length]
    if len(body) != length:
        raise ValueError(f"block says {length} bytes, {len(body)} arrived")
    return pre, np.frombuffer(body, dtype="<i2").astype(np.int64)


def over_range(codes: np.ndarray) -> np.ndarray:
    """Samples the 12-bit ADC clipped: its extreme codes in the 16-bit word."""
    return (codes <= CLIP_CODES_16[0]) | (codes >= CLIP_CODES_16[1])


def plan_record(duration_s: float, points: int | None) -> tuple[float, int]:
    """(sample rate, record length) of a record spanning duration_s with at least `points`
    samples (about DEFAULT_POINTS if None): the slowest listed rate that gives them.
    ValueError naming the limit and what would fit."""
    if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s)
            and duration_s > 0):
        raise ValueError(f"duration_s must be a positive time in s, got {duration_s!r}")
    if points is None:
        points = DEFAULT_POINTS
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) \
            or points < MIN_RECORD:
        raise ValueError(f"points must be an integer of at least {MIN_RECORD}, got {points!r}")
    needed = points * (1 - RATE_TOLERANCE) / duration_s
    rate = next((r for r in SAMPLE_RATES_SA_S if r >= needed), None)
    if rate is None:
        most = math.floor(duration_s * MAX_SAMPLE_RATE_SA_S + 1e-6)
        raise ValueError(
            f"points: {points} over {duration_s:g} s needs {needed:.4g} Sa/s; the scope samples "
            f"at most {MAX_SAMPLE_RATE_SA_S:.4g} Sa/s, so at most {most} points")
    record = max(MIN_RECORD, math.ceil(duration_s * rate - 1e-6))
    if record > MEMORY_POINTS:
        raise ValueError(
            f"duration_s: {duration_s:g} s at {rate:.4g} Sa/s is {record} points, beyond the "
            f"{MEMORY_POINTS} points of memory; at most {MEMORY_POINTS / rate:.4g} s at that "
            f"rate, or at most {MEMORY_POINTS} points")
    return rate, record


def _trigger_source(source: str | int) -> str | int:
    if isinstance(source, int) and not isinstance(source, bool):
        n = source
    else:
        key = str(source).strip().upper()
        if key in ("AUX", "AUXILIARY"):
            return "AUX"
        digits = key.removeprefix("CHANNEL").removeprefix("CHAN").removeprefix("CH")
        if not digits.isdigit():
            raise ValueError(f"trigger_source must be 'AUX' (AUX input) or a channel "
                             f"1-{N_CHANNELS} ('CH1' or 1), got {source!r}")
        n = int(digits)
    if not 1 <= n <= N_CHANNELS:
        raise ValueError(f"trigger_source channel must be 1-{N_CHANNELS}, got {source!r}")
    return n


class TektronixMSO5Oscilloscope(Oscilloscope):
    """The Oscilloscope role on a 5 Series MSO: single-sequence records in manual horizontal
    mode, read back whole as 16-bit words (the 12-bit ADC's codes) in one transfer."""

    IDN_PATTERNS = (r"TEKTRONIX,MSO5[468]B?,",)
    """MSO54, MSO56, MSO58 and their B versions."""
    CHANNELS = N_CHANNELS

    def __init__(self, resource: str, visa_library: str = "", **kwargs: Any) -> None:
        self.driver = TektronixMSO5(resource, visa_library=visa_library, **kwargs)
        self._trigger: dict[str, Any] = {}
        self._points = 0

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    def check_record(self, duration_s: float, points: int | None = None) -> None:
        """Refuse (ValueError naming the limit) a record beyond 6.25 GSa/s or 62.5 Mpts."""
        plan_record(duration_s, points)

    def check_channels(self, channels: dict[int, tuple[float, float]]) -> None:
        """Refuse (ValueError naming the channel and the limit) what configure() cannot set."""
        if not channels:
            raise ValueError(f"channels must name at least one channel 1-{N_CHANNELS}")
        lo, hi = SCALE_LIMITS_V
        for ch, (scale, offset) in channels.items():
            if ch not in range(1, N_CHANNELS + 1):
                raise ValueError(f"channels: channel must be 1-{N_CHANNELS}, got {ch!r}")
            if not lo <= scale <= hi:
                raise ValueError(f"channels[{ch}] scale must be {lo:g} to {hi:g} V/div, "
                                 f"got {scale!r}")
            if not -OFFSET_LIMIT_V <= offset <= OFFSET_LIMIT_V:
                raise ValueError(f"channels[{ch}] offset must be within ±{OFFSET_LIMIT_V:g} V, "
                                 f"got {offset!r}")

    def configure(self, channels: dict[int, tuple[float, float]], duration_s: float,
                  pre_trigger_s: float = 0.0, points: int | None = None,
                  trigger_source: str = "AUX", trigger_level_v: float = 0.5) -> None:
        """Set channel (V/div, offset V) pairs, the record (rate and length in manual
        horizontal mode) and an edge trigger; every value is checked before anything is
        sent."""
        self.check_channels(channels)
        rate, record = plan_record(duration_s, points)
        record_s = record / rate
        if not 0 <= pre_trigger_s <= record_s:
            raise ValueError(f"pre_trigger_s must be 0 to {record_s:g} s (the record), "
                             f"got {pre_trigger_s!r}")
        source = _trigger_source(trigger_source)
        if source == "AUX":
            lo, hi = -AUX_LEVEL_LIMIT_V, AUX_LEVEL_LIMIT_V
        elif source in channels:
            scale, offset = channels[source]
            lo = offset - VERTICAL_DIVISIONS / 2 * scale
            hi = offset + VERTICAL_DIVISIONS / 2 * scale
        else:
            raise ValueError(f"trigger_source channel {source} is not among the channels "
                             f"configured {sorted(channels)}")
        if not lo <= trigger_level_v <= hi:
            raise ValueError(f"trigger_level_v must be {lo:g} to {hi:g} V for {source}, "
                             f"got {trigger_level_v!r}")
        d = self.driver
        d.stop()
        d.check_errors()  # start from an empty event queue
        for ch in range(1, N_CHANNELS + 1):
            channel = getattr(d, f"ch_{ch}")
            channel.display = ch in channels
            if ch in channels:
                channel.termination = 1e6
                channel.coupling = "dc"
                channel.position = 0.0
                channel.scale, channel.offset = channels[ch]
        d.acquisition_mode = "sample"
        d.horizontal_mode = "manual"
        d.sample_rate = rate
        d.record_length = record
        d.horizontal_position = 100.0 * pre_trigger_s / record_s
        d.trigger_type = "edge"
        d.trigger_source = source
        d.trigger_slope = "rise"
        if source == "AUX":
            d.aux_trigger_level = trigger_level_v
        else:
            d.channel_trigger_level(source, trigger_level_v)
        d.trigger_mode = "normal"
        d.stop_after = "sequence"
        errors = d.check_errors()
        if errors:
            raise ValueError(f"the scope refused the configuration: {errors}")
        self._points = record
        self._trigger = {"trigger_source": source, "trigger_level_v": trigger_level_v,
                         "pre_trigger_s": pre_trigger_s}
        log.info("scope: %d points at %.4g Sa/s, %g s pre-trigger, trigger %s at %g V",
                 record, rate, pre_trigger_s, source, trigger_level_v)

    def single(self) -> None:
        """Arm one acquisition sequence (returns at once)."""
        self.driver.single()

    def wait(self, timeout_s: float = 10.0, poll_s: float = 0.05) -> None:
        """Block until the armed sequence completes: *OPC? waits for it, ACQuire:STATE?
        confirms acquisition stopped. TimeoutError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.driver.wait_for_completion(remaining):
                raise TimeoutError(f"the scope did not complete its acquisition within "
                                   f"{timeout_s:g} s (no trigger?)")
            if not self.driver.acquiring:
                return
            time.sleep(min(poll_s, max(deadline - time.monotonic(), 0)))

    def fetch(self, channel: int) -> ScopeTrace:
        """The last record of a channel, transferred as 16-bit codes, with its settings."""
        if channel not in range(1, N_CHANNELS + 1):
            raise ValueError(f"channel must be 1-{N_CHANNELS}, got {channel!r}")
        pre, codes = self.driver.read_record(channel, self._points or MEMORY_POINTS)
        if codes.size != int(pre["nr_pt"]):
            raise ValueError(f"CH{channel}: preamble says {int(pre['nr_pt'])} points, "
                             f"{codes.size} arrived")
        v = (codes - pre["yoff"]) * pre["ymult"] + pre["yzero"]
        t = (np.arange(codes.size) - pre["pt_off"]) * pre["xincr"] + pre["xzero"]
        metadata = {
            "channel": channel,
            "scale_v_per_div": pre["ymult"] * CODES_PER_DIV_16,
            "offset_v": pre["yzero"],
            "sample_interval_s": pre["xincr"],
            "points": codes.size,
            "x_origin_s": pre["xzero"],
            "y_increment_v": pre["ymult"],
            **self._trigger,
        }
        return ScopeTrace(t, v, metadata, over_range(codes))

    def safe_off(self) -> None:
        """Stop acquiring; a scope drives nothing into the device."""
        self.driver.stop()
