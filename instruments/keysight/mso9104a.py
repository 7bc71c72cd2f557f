"""Keysight Infiniium MSO9104A oscilloscope: PyMeasure driver (Infiniium 9000 programmer's
guide command set) and the Oscilloscope role procedures use.

Limits are those of the MSO9104A data sheet as recalled (not available offline here): 4
analog channels, 10 GSa/s, 10 Mpts standard memory per channel, 8 vertical and 10 horizontal
divisions, 1 mV/div to 5 V/div at 1 MΩ (1 V/div at 50 Ω).
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
MAX_SAMPLE_RATE_SA_S = 10e9
MIN_SAMPLE_RATE_SA_S = 10.0
MEMORY_POINTS = 10_000_000
MIN_POINTS = 16
VERTICAL_DIVISIONS = 8
ADC_LEVELS = 256
"""Codes of the 8-bit ADC over the 8 vertical divisions of the screen."""
SCALE_LIMITS_V = {"dc": (1e-3, 5.0), "ac": (1e-3, 5.0), "dc50": (1e-3, 1.0)}
"""V/div range per input (1 MΩ DC, 1 MΩ AC, 50 Ω DC)."""
OFFSET_LIMITS_V = {"dc": 40.0, "ac": 40.0, "dc50": 12.0}
AUX_LEVEL_LIMIT_V = 5.0
CHANNEL_LEVEL_LIMIT_V = 40.0
SAMPLE_RATES_SA_S = tuple(sorted(
    m * 10.0 ** e for e in range(1, 11) for m in (1.0, 2.0, 2.5, 4.0, 5.0)
    if MIN_SAMPLE_RATE_SA_S <= m * 10.0 ** e <= MAX_SAMPLE_RATE_SA_S))
"""Selectable sample rates; the scope rounds other values up to the next one."""
MAX_BANDWIDTH_HZ = 1e9
AVERAGE_COUNT_LIMITS = (2, 65534)
DEFAULT_POINTS = 10_000
"""Record length the role aims at when the caller does not ask for one."""
PREAMBLE_FIELDS = ("format", "type", "points", "count", "x_increment", "x_origin",
                   "x_reference", "y_increment", "y_origin", "y_reference", "coupling",
                   "x_display_range", "x_display_origin", "y_display_range",
                   "y_display_origin", "date", "time", "frame_model", "acquisition_mode",
                   "completion", "x_units", "y_units", "max_bandwidth_hz", "min_bandwidth_hz")
"""Fields of :WAVeform:PREamble? in the order the programmer's guide lists them."""
BOOLS = {True: 1, False: 0}


def _parse_preamble(values: list[Any]) -> dict[str, Any]:
    fields = dict(zip(PREAMBLE_FIELDS, values, strict=False))
    for key in ("format", "type", "points", "count", "coupling"):
        if key in fields:
            fields[key] = int(float(fields[key]))
    for key in ("date", "time", "frame_model"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip('"')
    return fields


def _bandwidth(value: Any, limits: tuple[float, float]) -> Any:
    """'MAX' or a bandwidth in Hz within limits; ValueError otherwise."""
    if value == "MAX":
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"bandwidth must be 'MAX' or a number in Hz, got {value!r}")
    return strict_range(value, limits)


class MSO9104AChannel(Channel):
    """One analog input of the MSO9104A."""

    display = Channel.control(
        ":CHANnel{ch}:DISPlay?", ":CHANnel{ch}:DISPlay %d",
        """Control whether the channel is displayed and acquired (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    scale = Channel.control(
        ":CHANnel{ch}:SCALe?", ":CHANnel{ch}:SCALe %g",
        """Control the vertical scale in V/div (float, 1 mV to 5 V; 1 V at 50 Ω).""",
        validator=strict_range, values=(1e-3, 5.0),
    )
    range = Channel.control(
        ":CHANnel{ch}:RANGe?", ":CHANnel{ch}:RANGe %g",
        """Control the full-scale vertical range in V, 8 divisions (float).""",
        validator=strict_range, values=(8e-3, 40.0),
    )
    offset = Channel.control(
        ":CHANnel{ch}:OFFSet?", ":CHANnel{ch}:OFFSet %g",
        """Control the voltage at the centre of the screen in V (float).""",
        validator=strict_range, values=(-40.0, 40.0),
    )
    input = Channel.control(
        ":CHANnel{ch}:INPut?", ":CHANnel{ch}:INPut %s",
        """Control the input: 'dc' (1 MΩ), 'dc50' (50 Ω) or 'ac' (1 MΩ AC) (str).""",
        validator=strict_discrete_set, values={"dc": "DC", "dc50": "DC50", "ac": "AC"},
        map_values=True,
    )
    trigger_level = Channel.control(
        ":TRIGger:LEVel? CHANnel{ch}", ":TRIGger:LEVel CHANnel{ch},%g",
        """Control the edge trigger level on this channel in V (float).""",
        validator=strict_range, values=(-CHANNEL_LEVEL_LIMIT_V, CHANNEL_LEVEL_LIMIT_V),
    )


class MSO9104A(SCPIMixin, Instrument):
    """Keysight Infiniium MSO9104A: 1 GHz, 4 analog channels, 10 GSa/s."""

    ch_1 = Instrument.ChannelCreator(MSO9104AChannel, 1)
    ch_2 = Instrument.ChannelCreator(MSO9104AChannel, 2)
    ch_3 = Instrument.ChannelCreator(MSO9104AChannel, 3)
    ch_4 = Instrument.ChannelCreator(MSO9104AChannel, 4)

    def __init__(self, adapter, name: str = "Keysight MSO9104A", **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 10_000)
        super().__init__(adapter, name, read_termination="\n", write_termination="\n",
                         **kwargs)

    next_error = Instrument.measurement(
        ":SYSTem:ERRor? STRing",
        """Get the oldest error as [code, message].""",
        get_process_list=lambda v: [int(v[0]), ",".join(str(x) for x in v[1:]).strip('"')],
    )
    header_enabled = Instrument.control(
        ":SYSTem:HEADer?", ":SYSTem:HEADer %d",
        """Control whether query answers carry their command header (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )

    # -- timebase -------------------------------------------------------------------------

    timebase_scale = Instrument.control(
        ":TIMebase:SCALe?", ":TIMebase:SCALe %g",
        """Control the horizontal scale in s/div (float, 5 ps to 20 s).""",
        validator=strict_range, values=(5e-12, 20.0),
    )
    timebase_range = Instrument.control(
        ":TIMebase:RANGe?", ":TIMebase:RANGe %g",
        """Control the full-scale horizontal time in s, 10 divisions (float).""",
        validator=strict_range, values=(5e-11, 200.0),
    )
    timebase_position = Instrument.control(
        ":TIMebase:POSition?", ":TIMebase:POSition %g",
        """Control the time from the trigger to the reference point in s (float).""",
        validator=strict_range, values=(-200.0, 200.0),
    )
    timebase_reference = Instrument.control(
        ":TIMebase:REFerence?", ":TIMebase:REFerence %s",
        """Control the reference point: 'left', 'center' or 'right' (str).""",
        validator=strict_discrete_set,
        values={"left": "LEFT", "center": "CENT", "right": "RIGH"}, map_values=True,
    )

    # -- acquisition ------------------------------------------------------------------------

    acquisition_points = Instrument.control(
        ":ACQuire:POINts:ANALog?", ":ACQuire:POINts:ANALog %d",
        """Control the record length in points (int, 16 to the 10 Mpts memory).""",
        validator=strict_range, values=(MIN_POINTS, MEMORY_POINTS), cast=int,
    )
    acquisition_sample_rate = Instrument.control(
        ":ACQuire:SRATe:ANALog?", ":ACQuire:SRATe:ANALog %g",
        """Control the sample rate in Sa/s (float, up to 10 GSa/s; rounded up by the scope).""",
        validator=strict_range, values=(MIN_SAMPLE_RATE_SA_S, MAX_SAMPLE_RATE_SA_S),
    )
    acquisition_mode = Instrument.control(
        ":ACQuire:MODE?", ":ACQuire:MODE %s",
        """Control the acquisition mode: 'real_time' or 'high_resolution' (str).""",
        validator=strict_discrete_set,
        values={"real_time": "RTIM", "high_resolution": "HRES"}, map_values=True,
    )
    acquisition_bandwidth = Instrument.control(
        ":ACQuire:BANDwidth?", ":ACQuire:BANDwidth %s",
        """Control the acquisition bandwidth limit in Hz (float up to 1 GHz, or 'MAX').""",
        validator=_bandwidth,
        values=(1e3, MAX_BANDWIDTH_HZ),
        set_process=lambda v: v if v == "MAX" else f"{v:g}",
    )
    acquisition_averaging = Instrument.control(
        ":ACQuire:AVERage?", ":ACQuire:AVERage %d",
        """Control whether records are the average of several triggers (bool).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    acquisition_average_count = Instrument.control(
        ":ACQuire:AVERage:COUNt?", ":ACQuire:AVERage:COUNt %d",
        """Control how many triggered records an average takes (int, 2 to 65534).""",
        validator=strict_range, values=AVERAGE_COUNT_LIMITS, cast=int,
    )
    acquisition_interpolation = Instrument.control(
        ":ACQuire:INTerpolate?", ":ACQuire:INTerpolate %s",
        """Control the display and measurement interpolation: 'on', 'off' or 'int1', 'int2',
        'int4', 'int8', 'int16' (str); waveform data are the samples either way.""",
        validator=strict_discrete_set,
        values={"on": "1", "off": "0", "int1": "INT1", "int2": "INT2", "int4": "INT4",
                "int8": "INT8", "int16": "INT16"},
        map_values=True, cast=str,
    )
    acquisition_done = Instrument.measurement(
        ":ADER?",
        """Get whether an acquisition completed since the last read (bool, clears it).""",
        cast=int, get_process=bool,
    )
    processing_done = Instrument.measurement(
        ":PDER?",
        """Get whether processing finished since the last read (bool, clears it).""",
        cast=int, get_process=bool,
    )
    triggered = Instrument.measurement(
        ":TER?",
        """Get whether a trigger occurred since the last read (bool, clears it).""",
        cast=int, get_process=bool,
    )
    run_state = Instrument.measurement(
        ":RSTate?",
        """Get the run state: 'RUN', 'STOP' or 'SING' (str).""",
        cast=str,
    )

    # -- trigger --------------------------------------------------------------------------

    trigger_mode = Instrument.control(
        ":TRIGger:MODE?", ":TRIGger:MODE %s",
        """Control the trigger mode; only 'edge' is supported here (str).""",
        validator=strict_discrete_set, values={"edge": "EDGE"}, map_values=True,
    )
    trigger_source = Instrument.control(
        ":TRIGger:EDGE:SOURce?", ":TRIGger:EDGE:SOURce %s",
        """Control the edge trigger source: 'AUX' or channel number 1-4 (str or int).""",
        validator=strict_discrete_set,
        values={"AUX": "AUX", 1: "CHAN1", 2: "CHAN2", 3: "CHAN3", 4: "CHAN4"},
        map_values=True,
    )
    trigger_slope = Instrument.control(
        ":TRIGger:EDGE:SLOPe?", ":TRIGger:EDGE:SLOPe %s",
        """Control the edge trigger slope: 'positive' or 'negative' (str).""",
        validator=strict_discrete_set, values={"positive": "POS", "negative": "NEG"},
        map_values=True,
    )
    aux_trigger_level = Instrument.control(
        ":TRIGger:LEVel? AUX", ":TRIGger:LEVel AUX,%g",
        """Control the AUX trigger input level in V (float, ±5 V).""",
        validator=strict_range, values=(-AUX_LEVEL_LIMIT_V, AUX_LEVEL_LIMIT_V),
    )
    trigger_sweep = Instrument.control(
        ":TRIGger:SWEep?", ":TRIGger:SWEep %s",
        """Control the sweep: 'auto', 'triggered' or 'single' (str).""",
        validator=strict_discrete_set,
        values={"auto": "AUTO", "triggered": "TRIG", "single": "SING"}, map_values=True,
    )

    # -- waveform transfer -------------------------------------------------------------------

    waveform_source = Instrument.control(
        ":WAVeform:SOURce?", ":WAVeform:SOURce CHANnel%d",
        """Control the channel whose record is transferred (int, 1-4).""",
        validator=strict_discrete_set, values=(1, 2, 3, 4),
        get_process=lambda v: int(str(v).upper().replace("CHANNEL", "").replace("CHAN", "")),
    )
    waveform_format = Instrument.control(
        ":WAVeform:FORMat?", ":WAVeform:FORMat %s",
        """Control the transfer format: 'ascii', 'byte' or 'word' (str).""",
        validator=strict_discrete_set,
        values={"ascii": "ASC", "byte": "BYTE", "word": "WORD"}, map_values=True,
    )
    waveform_byteorder = Instrument.control(
        ":WAVeform:BYTeorder?", ":WAVeform:BYTeorder %s",
        """Control the WORD byte order: 'big' (MSB first) or 'little' (str).""",
        validator=strict_discrete_set, values={"big": "MSBF", "little": "LSBF"},
        map_values=True,
    )
    waveform_streaming = Instrument.control(
        ":WAVeform:STReaming?", ":WAVeform:STReaming %d",
        """Control streaming of large transfers (bool; off gives definite-length blocks).""",
        validator=strict_discrete_set, values=BOOLS, map_values=True,
    )
    waveform_points = Instrument.measurement(
        ":WAVeform:POINts?", """Get the number of points in the record (int).""", cast=int,
    )
    waveform_preamble = Instrument.measurement(
        ":WAVeform:PREamble?",
        """Get the preamble of the waveform source as a dict of named fields.""",
        get_process_list=_parse_preamble,
    )
    x_increment = Instrument.measurement(
        ":WAVeform:XINCrement?", """Get the sample interval in s (float).""",
    )
    x_origin = Instrument.measurement(
        ":WAVeform:XORigin?", """Get the time of the first point from the trigger in s.""",
    )
    y_increment = Instrument.measurement(
        ":WAVeform:YINCrement?", """Get the volts per data code (float).""",
    )
    y_origin = Instrument.measurement(
        ":WAVeform:YORigin?", """Get the volts at data code 0 (float).""",
    )

    # -- run control ---------------------------------------------------------------------------

    def single(self) -> None:
        """Arm one acquisition (returns at once)."""
        self.write(":SINGle")

    def run(self) -> None:
        """Acquire continuously."""
        self.write(":RUN")

    def stop(self) -> None:
        """Stop acquiring."""
        self.write(":STOP")

    def digitize(self, *channels: int) -> None:
        """Acquire one record of the given channels (all displayed ones if none); blocks."""
        for ch in channels:
            strict_range(ch, (1, N_CHANNELS))
        sources = ",".join(f"CHANnel{int(ch)}" for ch in channels)
        self.write(f":DIGitize {sources}" if sources else ":DIGitize")

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

    def read_waveform_codes(self, word: bool = True) -> np.ndarray:
        """Transfer the source's record as signed codes in a binary block (WORD or BYTE). The
        block's bytes include newline codes, so the read runs to the message end (END), not to
        the read termination, which would split it into hundreds of reads."""
        connection = self.adapter.connection
        with connection.read_termination_context(""):
            return connection.query_binary_values(
                ":WAVeform:DATA?", datatype="h" if word else "b", is_big_endian=False,
                container=np.ndarray)

    def read_waveform(self, channel: int, word: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        """Time from the trigger (s), volts and preamble of a channel's record, in binary."""
        self.waveform_source = channel
        self.waveform_format = "word" if word else "byte"
        self.waveform_byteorder = "little"
        self.waveform_streaming = False
        preamble = self.waveform_preamble
        codes = np.asarray(self.read_waveform_codes(word), dtype=float)
        if codes.size != preamble["points"]:
            raise ValueError(f"CH{channel}: preamble says {preamble['points']} points, "
                             f"{codes.size} arrived")
        v = codes * float(preamble["y_increment"]) + float(preamble["y_origin"])
        t = np.arange(codes.size) * float(preamble["x_increment"]) \
            + float(preamble["x_origin"])
        return t, v, preamble


def over_range(v: np.ndarray, preamble: dict[str, Any]) -> np.ndarray:
    """Samples the 8-bit ADC clipped: at the bottom or the top code of the screen (within
    half an ADC step). The Infiniium 9000 guide documents that an input beyond the ADC's
    range comes out as the ADC's extreme code, mapped through the calibration table to a
    16-bit WORD value that varies from one instrument to the next, so a clipped sample is
    recognised by where it sits (the screen's edge, from the preamble), not by a fixed code.
    (31232 in WORD data is a hole of equivalent-time sampling, which this driver never uses.)"""
    bottom = float(preamble["y_display_origin"])
    span = float(preamble["y_display_range"])
    step = span / ADC_LEVELS
    return (v <= bottom + step / 2) | (v >= bottom + span - 1.5 * step)


def _trigger_source(source: str | int) -> str | int:
    if isinstance(source, int) and not isinstance(source, bool):
        n = source
    else:
        key = str(source).strip().upper()
        if key in ("AUX", "EXT", "EXTERNAL"):
            return "AUX"
        digits = key.removeprefix("CHANNEL").removeprefix("CHAN").removeprefix("CH")
        if not digits.isdigit():
            raise ValueError(f"trigger_source must be 'AUX' or a channel 1-{N_CHANNELS} "
                             f"('CH1' or 1), got {source!r}")
        n = int(digits)
    if not 1 <= n <= N_CHANNELS:
        raise ValueError(f"trigger_source channel must be 1-{N_CHANNELS}, got {source!r}")
    return n


def plan_record(duration_s: float, points: int | None) -> tuple[float, int]:
    """The (sample rate, points) that cover duration_s with at least `points` samples (or
    about DEFAULT_POINTS), within the rate list and memory; ValueError naming the limit."""
    if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s)
            and duration_s > 0):
        raise ValueError(f"duration_s must be a positive time in s, got {duration_s!r}")
    if points is None:
        rate = SAMPLE_RATES_SA_S[0]
        for r in SAMPLE_RATES_SA_S:
            if duration_s * r <= DEFAULT_POINTS * (1 + 1e-9):
                rate = r
    else:
        if isinstance(points, bool) or not isinstance(points, (int, np.integer)) \
                or not MIN_POINTS <= points <= MEMORY_POINTS:
            raise ValueError(f"points must be an integer {MIN_POINTS} to {MEMORY_POINTS} "
                             f"(memory depth), got {points!r}")
        wanted = points / duration_s
        if wanted > MAX_SAMPLE_RATE_SA_S * (1 + 1e-9):
            raise ValueError(
                f"points: {points} over {duration_s:g} s needs {wanted:.4g} Sa/s; the maximum "
                f"is {MAX_SAMPLE_RATE_SA_S:.4g} Sa/s, so at most "
                f"{int(duration_s * MAX_SAMPLE_RATE_SA_S)} points")
        rate = next(r for r in SAMPLE_RATES_SA_S if r >= wanted * (1 - 1e-9))
    n = max(MIN_POINTS, math.ceil(duration_s * rate - 1e-6))
    if n > MEMORY_POINTS:
        raise ValueError(f"duration_s: {duration_s:g} s needs {n} points at {rate:.4g} Sa/s; "
                         f"the memory holds {MEMORY_POINTS} points")
    return rate, n


class MSO9104AOscilloscope(Oscilloscope):
    """The Oscilloscope role on an MSO9104A: single-shot records read back as WORD blocks."""

    IDN_PATTERNS = (r"(KEYSIGHT|AGILENT) TECHNOLOGIES,MSO9104A,",)
    """Keysight units, and those sold before the split from Agilent."""
    CHANNELS = N_CHANNELS

    def __init__(self, resource: str, visa_library: str = "", input: str = "dc",
                 **kwargs: Any) -> None:
        if input not in SCALE_LIMITS_V:
            raise ValueError(f"input must be one of {sorted(SCALE_LIMITS_V)}, got {input!r}")
        self.input = input
        self.driver = MSO9104A(resource, visa_library=visa_library, **kwargs)
        self.driver.header_enabled = False
        self._trigger: dict[str, Any] = {}

    @property
    def idn(self) -> str:
        """The instrument's *IDN? answer."""
        return self.driver.id

    def check_record(self, duration_s: float, points: int | None = None) -> None:
        """Refuse (ValueError naming the limit) a record beyond the sample rate or memory."""
        plan_record(duration_s, points)

    def check_channels(self, channels: dict[int, tuple[float, float]]) -> None:
        """Refuse (ValueError naming the channel and the limit) what configure() cannot set."""
        if not channels:
            raise ValueError("channels must name at least one channel 1-4")
        lo, hi = SCALE_LIMITS_V[self.input]
        off = OFFSET_LIMITS_V[self.input]
        for ch, (scale, offset) in channels.items():
            if ch not in range(1, N_CHANNELS + 1):
                raise ValueError(f"channels: channel must be 1-{N_CHANNELS}, got {ch!r}")
            if not lo <= scale <= hi:
                raise ValueError(f"channels[{ch}] scale must be {lo:g} to {hi:g} V/div "
                                 f"(input {self.input}), got {scale!r}")
            if not -off <= offset <= off:
                raise ValueError(f"channels[{ch}] offset must be within ±{off:g} V, "
                                 f"got {offset!r}")

    def configure(self, channels: dict[int, tuple[float, float]], duration_s: float,
                  pre_trigger_s: float = 0.0, points: int | None = None,
                  trigger_source: str = "AUX", trigger_level_v: float = 0.5) -> None:
        """Set channel (V/div, offset V) pairs, the record window and an edge trigger; every
        value is checked against the instrument's limits before anything is sent."""
        self.check_channels(channels)
        rate, n = plan_record(duration_s, points)
        record_s = n / rate
        if not 0 <= pre_trigger_s <= record_s:
            raise ValueError(f"pre_trigger_s must be 0 to {record_s:g} s (the record), "
                             f"got {pre_trigger_s!r}")
        source = _trigger_source(trigger_source)
        limit = AUX_LEVEL_LIMIT_V if source == "AUX" else CHANNEL_LEVEL_LIMIT_V
        if not -limit <= trigger_level_v <= limit:
            raise ValueError(f"trigger_level_v must be within ±{limit:g} V for {source}, "
                             f"got {trigger_level_v!r}")
        d = self.driver
        d.stop()
        for ch in range(1, N_CHANNELS + 1):
            channel = getattr(d, f"ch_{ch}")
            channel.display = ch in channels
            if ch in channels:
                channel.input = self.input
                channel.scale, channel.offset = channels[ch]
        d.acquisition_mode = "real_time"
        d.acquisition_averaging = False
        d.acquisition_bandwidth = "MAX"
        d.acquisition_sample_rate = rate
        d.acquisition_points = n
        d.timebase_range = record_s
        d.timebase_reference = "left"
        d.timebase_position = 0.1 * record_s - pre_trigger_s
        d.trigger_mode = "edge"
        d.trigger_source = source
        d.trigger_slope = "positive"
        if source == "AUX":
            d.aux_trigger_level = trigger_level_v
        else:
            getattr(d, f"ch_{source}").trigger_level = trigger_level_v
        d.trigger_sweep = "triggered"
        errors = d.check_errors()
        if errors:
            raise ValueError(f"the scope refused the configuration: {errors}")
        self._trigger = {"trigger_source": source, "trigger_level_v": trigger_level_v,
                         "pre_trigger_s": pre_trigger_s}
        log.info("scope: %d points at %.4g Sa/s, %g s pre-trigger, trigger %s at %g V",
                 n, rate, pre_trigger_s, source, trigger_level_v)

    def single(self) -> None:
        """Arm one acquisition (returns at once); clears a stale completion event first."""
        _ = self.driver.acquisition_done
        self.driver.single()

    def wait(self, timeout_s: float = 10.0, poll_s: float = 0.05) -> None:
        """Block until the armed acquisition completes: poll :ADER?, waiting on *OPC? in
        between; TimeoutError after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while not self.driver.acquisition_done:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.driver.wait_for_completion(remaining):
                raise TimeoutError(f"the scope did not complete its acquisition within "
                                   f"{timeout_s:g} s (no trigger?)")
            if self.driver.acquisition_done:
                return
            time.sleep(min(poll_s, max(deadline - time.monotonic(), 0)))

    def fetch(self, channel: int) -> ScopeTrace:
        """The last record of a channel, transferred as 16-bit words, with its settings."""
        if channel not in range(1, N_CHANNELS + 1):
            raise ValueError(f"channel must be 1-{N_CHANNELS}, got {channel!r}")
        t, v, pre = self.driver.read_waveform(channel, word=True)
        metadata = {
            "channel": channel,
            "scale_v_per_div": float(pre["y_display_range"]) / VERTICAL_DIVISIONS,
            "offset_v": float(pre["y_origin"]),
            "sample_interval_s": float(pre["x_increment"]),
            "points": int(pre["points"]),
            "x_origin_s": float(pre["x_origin"]),
            "y_increment_v": float(pre["y_increment"]),
            **self._trigger,
        }
        return ScopeTrace(t, v, metadata, over_range(v, pre))

    def safe_off(self) -> None:
        """Stop acquiring. A scope drives nothing into the device, so stopping the
        acquisition is its whole safe state."""
        self.driver.stop()
