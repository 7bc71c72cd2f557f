"""Tektronix 5 Series MSO emulator (MSO54, MSO56): the analog channels, horizontal system, A
edge trigger, acquisition and DATa/WFMOutpre/CURVe? transfer of the 4/5/6 Series MSO
programmer manual, recording what the bench's pulse path does.

Limits (from the 5 Series data sheet as recalled, not available offline here; the constants
below are the single place to correct them): 4 or 6 FlexChannels, 6.25 GSa/s on every
channel, 62.5 Mpts standard record per channel, a 12-bit ADC, 10 vertical divisions; 500 µV/div
to 10 V/div at 1 MΩ (1 V/div at 50 Ω), position ±5 div, offset ±10 V.

Modelling choices:

- HORizontal:MODe MANual: the sample rate (snapped up to the 1-1.25-2-2.5-3.125-4-5-6.25
  sequence) and the record length (1000 … 62.5 M) are set; the scale follows (record over 10
  divisions). HORizontal:SCAle keeps the rate and changes the record length. AUTO: the record
  length is read only and the scope takes the fastest rate whose 10 divisions fit in it.
  HORizontal:POSition (0–100 %) places the trigger in the record.
- Codes: a sample's screen position in divisions, ((v − offset) / scale + position), times 400
  is its 12-bit code (−2048 … 2047, a clipped input reads an extreme code). DATa:WIDth 2 sends it
  left-justified in 16 bits (low 4 bits zero, YMUlt = scale / 6400), DATa:WIDth 1 its top 8
  bits (YMUlt = scale / 25). YZEro = offset − position × scale, YOFf 0 (RPBinary/SRPbinary:
  codes shifted by 2^(8·width−1), YOFf says so); ASCii sends the codes as <NR1>.
- ACQuire:STATE ON arms; with STOPAfter SEQuence it stops after one record, with RUNSTop it
  re-arms after each (records replace each other, CURVe? sends the last). *OPC? lets the bench
  idle up to ARM_WAIT_S of virtual time for a single sequence (no answer when no trigger came,
  so the host times out). *RST leaves acquisition stopped (the bench only samples while armed).
- Only ACQuire:MODe SAMple and the EDGE trigger (RISe/FALL) acquire; the others are accepted
  and reported but arming refuses them (-221). TRIGger:A:MODe AUTO does not force a trigger.
  CH<x>:BANdwidth is kept and reported, not applied to the signal; AC coupling is refused.
- Errors go to the event queue read by EVMsg? / ALLEv? (code without sign, message with its
  detail), as the manual has it; the framework's SYSTem:ERRor? reads the same queue.
- HEADer ON (the default) prefixes query answers with the header; VERBose sets long or short
  keywords in headers and answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.bench.acquisition import AUX, AcquisitionSettings
from labmem.simulated_instruments.emulators.scope_screen import (
    BenchScope,
    adc_codes,
    fastest_rate,
    justify_codes,
    parse_edge_source,
    rate_sequence,
)
from labmem.simulated_instruments.scpi.instrument import scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_block,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
)

DIVISIONS_V = 10
DIVISIONS_T = 10
ADC_BITS = 12
CODES_PER_DIV = 400
"""12-bit codes per vertical division: the 10-division screen spans ±2000 of ±2048."""
MAX_SRATE = 6.25e9
RATES = rate_sequence(1.0, MAX_SRATE, (1.0, 1.25, 2.0, 2.5, 3.125, 4.0, 5.0, 6.25))
MEMORY_POINTS = 62_500_000
MIN_RECORD = 1000
RST_RECORD = 10_000
SCALE_LIMITS_V = {50.0: (1e-3, 1.0), 1e6: (500e-6, 10.0)}
"""V/div range per termination (Ω)."""
OFFSET_LIMIT_V = 10.0
POSITION_LIMIT_DIV = 5.0
HORIZONTAL_SCALE_LIMITS_S = (200e-12, 1000.0)
BANDWIDTHS_HZ = (20e6, 250e6, 1e9)
"""Bandwidth limits the channels round to (the last is the full bandwidth of the model)."""
AUX_LEVEL_LIMIT_V = 5.0
ENCODINGS = ("ASCIi", "RIBinary", "RPBinary", "SRIbinary", "SRPbinary")
EVENT_NAMES = {-100: "Command error", -108: "Parameter not allowed",
               -109: "Missing parameter", -113: "Undefined header",
               -200: "Execution error", -221: "Settings conflict",
               -222: "Data out of range", -224: "Illegal parameter value"}


@dataclass(frozen=True)
class Model:
    """What distinguishes the models: identity and analog channels."""

    idn: str
    channels: int


def _short(keyword: str) -> str:
    """The short form of a manual-notation keyword (its upper-case letters and digits)."""
    return "".join(c for c in keyword if not c.islower())


def _nr3(value: float) -> str:
    """A number as the instrument writes <NR3>: engineering notation, four decimals."""
    if value == 0:
        return "0.0E+0"
    exp = int(math.floor(math.log10(abs(value)) / 3) * 3)
    mantissa = value / 10.0 ** exp
    if abs(round(mantissa, 4)) >= 1000:
        exp += 3
        mantissa /= 1000
    return f"{mantissa:.4f}E{exp:+d}"


class _Channel:
    """One analog input's vertical settings."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.on = number == 1
        self.scale_v = 0.1
        self.offset_v = 0.0
        self.position_div = 0.0
        self.termination = 1e6
        self.coupling = "DC"
        self.bandwidth = BANDWIDTHS_HZ[-1]


class TektronixMSO5Emulator(BenchScope):
    """Emulated Tektronix 5 Series MSO on a simulated bench (MSO54, four channels)."""

    MODEL = Model("TEKTRONIX,MSO54,C012345,CF:91.1CT FV:1.44.3.433", 4)
    idn = MODEL.idn

    def __init__(self, bench) -> None:
        super().__init__(bench)
        self.header = True
        self.verbose = True
        self.reset()

    # -- state ----------------------------------------

    def reset(self) -> None:
        """*RST values (HEADer and VERBose are interface settings, kept)."""
        self.channels = {n: _Channel(n) for n in range(1, self.MODEL.channels + 1)}
        self.h_mode = "AUTO"
        self.h_scale_s = 1e-6
        self.h_rate = 1e9
        self.h_record = RST_RECORD
        self.h_position = 50.0
        self.trig_type = "EDGE"
        self.trig_source = 1
        self.trig_slope = "RISe"
        self.trig_levels = {n: 0.0 for n in range(0, self.MODEL.channels + 1)}
        self.trig_mode = "AUTO"
        self.acq_mode = "SAMple"
        self.stop_after = "RUNSTop"
        self.running = False
        self.numacq = 0
        self.data_source = 1
        self.encoding = "RIBinary"
        self.width = 1
        self.data_start = 1
        self.data_stop = RST_RECORD
        self.last = None
        self._last_vertical = {}
        self.drop_pending()

    def record_settings(self) -> tuple[float, int]:
        """(sample rate, points) of the record the horizontal settings give."""
        if self.h_mode == "MANual":
            return self.h_rate, self.h_record
        window = self.h_scale_s * DIVISIONS_T
        rate = fastest_rate(RATES, window, self.h_record)
        return rate, min(self.h_record, max(MIN_RECORD, math.ceil(window * rate - 1e-6)))

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current settings describe."""
        rate, points = self.record_settings()
        pre = self.h_position / 100.0 * points / rate
        slope = 1 if self.trig_slope == "RISe" else -1
        return AcquisitionSettings(1.0 / rate, points, pre, self.trig_source,
                                   self.trig_levels[self.trig_source], slope)

    def vertical(self) -> dict[int, tuple[float, float, float, bool]]:
        """(V/div, offset, position, on) of every channel, kept with the record."""
        return {n: (c.scale_v, c.offset_v, c.position_div, c.on)
                for n, c in self.channels.items()}

    def _arm(self) -> None:
        for what, value, wanted in (("acquisition mode", self.acq_mode, "SAMple"),
                                    ("trigger type", self.trig_type, "EDGE")):
            if value != wanted:
                raise ScpiError(-221, f"{what} {value} is not emulated")
        if self.trig_slope == "EITher":
            raise ScpiError(-221, "trigger slope EITher is not emulated")
        if self.trig_source != AUX and not self.channels[self.trig_source].on:
            raise ScpiError(-221, f"trigger source CH{self.trig_source} is off")
        super()._arm()

    def completed(self) -> None:
        self.numacq += 1
        if self.stop_after == "SEQuence":
            self.running = False

    def _poll(self) -> None:
        super()._poll()
        acq = self.acquisition
        if self.running and self.stop_after == "RUNSTop" and acq is not None \
                and acq.complete:
            self._arm()  # continuous acquisition: the next record

    def _start(self) -> None:
        self.numacq = 0
        self.running = True
        self._arm()

    def _stop(self) -> None:
        self.running = False
        self.drop_pending()

    # -- headers, verbosity, events ----------------------------------------

    def _dispatch(self, header: str, path: str, params: list[str]) -> tuple[object, str]:
        reply, new_path = super()._dispatch(header, path, params)
        if self.header and isinstance(reply, str) and not header.startswith("*"):
            upper = header.upper()
            full = upper if upper.startswith(":") else f"{new_path}:{upper.rsplit(':', 1)[-1]}"
            found = self._handler(full)
            if found is not None:
                reply = f"{self._header_text(found[0].pattern, found[1])} {reply}"
        return reply, new_path

    def _header_text(self, pattern: str, suffixes: tuple[int, ...]) -> str:
        """The header of a query answer: long or short keywords (VERBose), suffixes filled."""
        parts = iter(suffixes)
        words = []
        for keyword in re.sub(r"\[[^\]]*\]", "", pattern).strip(":?").split(":"):
            word = re.sub(r"<n>", lambda _: str(next(parts)), keyword)
            words.append((word if self.verbose else _short(word)).upper())
        return ":" + ":".join(words)

    def _kw(self, keyword: str) -> str:
        """An enumerated answer in the VERBose length."""
        return keyword.upper() if self.verbose else _short(keyword)

    @scpi(":HEADer")
    def header_set(self, value: str) -> None:
        self.header = parse_bool(value) if value.strip().upper() in ("ON", "OFF") \
            else parse_number(value) != 0

    @scpi(":HEADer?")
    def header_query(self) -> str:
        return str(int(self.header))

    @scpi(":VERBose")
    def verbose_set(self, value: str) -> None:
        self.verbose = parse_bool(value) if value.strip().upper() in ("ON", "OFF") \
            else parse_number(value) != 0

    @scpi(":VERBose?")
    def verbose_query(self) -> str:
        return str(int(self.verbose))

    def _event(self, code: int, message: str) -> str:
        if code == 0:
            return '0,"No events to report - queue empty"'
        name = EVENT_NAMES.get(code, "Error")
        detail = message if message.startswith(name) else f"{name}; {message}"
        text = detail.replace("–", "-").encode("latin-1", "replace").decode("latin-1")
        return f'{abs(code)},"{text}"'

    @scpi(":EVMsg?")
    def evmsg(self) -> str:
        return self._event(*self.next_error())

    @scpi(":ALLEv?")
    def allev(self) -> str:
        events = []
        while self.errors:
            events.append(self._event(*self.next_error()))
        return ",".join(events) or self._event(0, "")

    @scpi("*OPC?")
    def opc_query(self) -> str | None:
        if self.stop_after != "SEQuence":
            return "1"
        return self.opc_reply()

    @scpi(":BUSY?")
    def busy(self) -> str:
        return str(int(self._pending()))

    # -- channels ----------------------------------------

    def _channel(self, n: int) -> _Channel:
        if n not in self.channels:
            raise ScpiError(-113, f"no channel {n} on an {self.MODEL.idn.split(',')[1]}")
        return self.channels[n]

    @scpi(":DISplay:GLObal:CH<n>:STATE")
    def display_state(self, n: int, value: str) -> None:
        self._channel(n).on = parse_bool(value) if value.strip().upper() in ("ON", "OFF") \
            else parse_number(value) != 0

    @scpi(":DISplay:GLObal:CH<n>:STATE?")
    def display_state_query(self, n: int) -> str:
        return str(int(self._channel(n).on))

    @scpi(":CH<n>:SCAle")
    def channel_scale(self, n: int, value: str) -> None:
        ch = self._channel(n)
        ch.scale_v = parse_number(value, "V", *SCALE_LIMITS_V[ch.termination])

    @scpi(":CH<n>:SCAle?")
    def channel_scale_query(self, n: int) -> str:
        return _nr3(self._channel(n).scale_v)

    @scpi(":CH<n>:OFFSet")
    def channel_offset(self, n: int, value: str) -> None:
        self._channel(n).offset_v = parse_number(value, "V", -OFFSET_LIMIT_V, OFFSET_LIMIT_V)

    @scpi(":CH<n>:OFFSet?")
    def channel_offset_query(self, n: int) -> str:
        return _nr3(self._channel(n).offset_v)

    @scpi(":CH<n>:POSition")
    def channel_position(self, n: int, value: str) -> None:
        self._channel(n).position_div = parse_number(value, "", -POSITION_LIMIT_DIV,
                                                     POSITION_LIMIT_DIV)

    @scpi(":CH<n>:POSition?")
    def channel_position_query(self, n: int) -> str:
        return _nr3(self._channel(n).position_div)

    @scpi(":CH<n>:TERmination")
    def channel_termination(self, n: int, value: str) -> None:
        ch = self._channel(n)
        ohms = parse_number(value, "OHM", 1.0, 1e7)
        ch.termination = min(SCALE_LIMITS_V, key=lambda r: abs(math.log(r / ohms)))
        lo, hi = SCALE_LIMITS_V[ch.termination]
        ch.scale_v = min(max(ch.scale_v, lo), hi)

    @scpi(":CH<n>:TERmination?")
    def channel_termination_query(self, n: int) -> str:
        return _nr3(self._channel(n).termination)

    @scpi(":CH<n>:COUPling")
    def channel_coupling(self, n: int, value: str) -> None:
        choice = parse_choice(value, ("AC", "DC", "DCR"))
        if choice != "DC":
            raise ScpiError(-221, f"{choice} coupling is not emulated")
        self._channel(n).coupling = choice

    @scpi(":CH<n>:COUPling?")
    def channel_coupling_query(self, n: int) -> str:
        return self._channel(n).coupling

    @scpi(":CH<n>:BANdwidth")
    def channel_bandwidth(self, n: int, value: str) -> None:
        if value.strip().upper() in ("FUL", "FULL"):
            hz = BANDWIDTHS_HZ[-1]
        else:  # geometric rounding to an available limit
            wanted = parse_number(value, "HZ", 1.0, 1e11)
            hz = min(BANDWIDTHS_HZ, key=lambda b: abs(math.log(b / wanted)))
        self._channel(n).bandwidth = hz

    @scpi(":CH<n>:BANdwidth?")
    def channel_bandwidth_query(self, n: int) -> str:
        return _nr3(self._channel(n).bandwidth)

    # -- horizontal ----------------------------------------

    @scpi(":HORizontal:MODe")
    def horizontal_mode(self, value: str) -> None:
        mode = parse_choice(value, ("AUTO", "MANual"))
        if mode == "MANual" and self.h_mode == "AUTO":
            self.h_rate, self.h_record = self.record_settings()
        self.h_mode = mode

    @scpi(":HORizontal:MODe?")
    def horizontal_mode_query(self) -> str:
        return self._kw(self.h_mode)

    @scpi(":HORizontal[:MODe]:SCAle")
    def horizontal_scale(self, value: str) -> None:
        scale = parse_number(value, "S", *HORIZONTAL_SCALE_LIMITS_S)
        if self.h_mode == "AUTO":
            self.h_scale_s = scale
            return
        window = scale * DIVISIONS_T
        rate = self.h_rate
        if window * rate > MEMORY_POINTS:
            rate = fastest_rate(RATES, window, MEMORY_POINTS)
        self.h_rate = rate
        self.h_record = min(MEMORY_POINTS, max(MIN_RECORD, round(window * rate)))

    @scpi(":HORizontal[:MODe]:SCAle?")
    def horizontal_scale_query(self) -> str:
        rate, points = self.record_settings()
        scale = points / rate / DIVISIONS_T if self.h_mode == "MANual" else self.h_scale_s
        return _nr3(scale)

    @scpi(":HORizontal[:MODe]:SAMPLERate")
    def horizontal_samplerate(self, value: str) -> None:
        wanted = parse_number(value, "", RATES[0], MAX_SRATE)
        if self.h_mode != "MANual":
            raise ScpiError(-221, "the sample rate is set in HORizontal:MODe MANual")
        self.h_rate = next(r for r in RATES if r >= wanted * (1 - 1e-9))

    @scpi(":HORizontal[:MODe]:SAMPLERate?")
    def horizontal_samplerate_query(self) -> str:
        return _nr3(self.record_settings()[0])

    @scpi(":HORizontal[:MODe]:RECOrdlength")
    def horizontal_recordlength(self, value: str) -> None:
        points = parse_int(value, MIN_RECORD, MEMORY_POINTS)
        if self.h_mode != "MANual":
            raise ScpiError(-221, "the record length is set in HORizontal:MODe MANual")
        self.h_record = points

    @scpi(":HORizontal[:MODe]:RECOrdlength?")
    def horizontal_recordlength_query(self) -> str:
        return str(self.record_settings()[1])

    @scpi(":HORizontal:POSition")
    def horizontal_position(self, value: str) -> None:
        self.h_position = parse_number(value, "", 0.0, 100.0)

    @scpi(":HORizontal:POSition?")
    def horizontal_position_query(self) -> str:
        return _nr3(self.h_position)

    # -- trigger ----------------------------------------

    def _source(self, value: str) -> int:
        return parse_edge_source(value, self.MODEL.channels, ("AUX", "AUXILIARY"), ("CH",))

    def _source_name(self, n: int) -> str:
        return self._kw("AUXiliary") if n == AUX else f"CH{n}"

    @scpi(":TRIGger:A:TYPe")
    def trigger_type(self, value: str) -> None:
        self.trig_type = parse_choice(value, ("EDGE", "WIDth", "TIMEOut", "RUNt", "WINdow",
                                              "LOGIc", "SETHold", "TRANsition", "BUS"))

    @scpi(":TRIGger:A:TYPe?")
    def trigger_type_query(self) -> str:
        return self._kw(self.trig_type)

    @scpi(":TRIGger:A:EDGE:SOUrce")
    def trigger_source(self, value: str) -> None:
        self.trig_source = self._source(value)

    @scpi(":TRIGger:A:EDGE:SOUrce?")
    def trigger_source_query(self) -> str:
        return self._source_name(self.trig_source)

    @scpi(":TRIGger:A:EDGE:SLOpe")
    def trigger_slope(self, value: str) -> None:
        self.trig_slope = parse_choice(value, ("RISe", "FALL", "EITher"))

    @scpi(":TRIGger:A:EDGE:SLOpe?")
    def trigger_slope_query(self) -> str:
        return self._kw(self.trig_slope)

    @scpi(":TRIGger:A:LEVel:CH<n>")
    def trigger_level(self, n: int, value: str) -> None:
        ch = self._channel(n)
        span = DIVISIONS_V / 2 * ch.scale_v
        centre = ch.offset_v - ch.position_div * ch.scale_v
        self.trig_levels[n] = parse_number(value, "V", centre - span, centre + span)

    @scpi(":TRIGger:A:LEVel:CH<n>?")
    def trigger_level_query(self, n: int) -> str:
        self._channel(n)
        return _nr3(self.trig_levels[n])

    @scpi(":TRIGger:AUXLevel")
    def trigger_aux_level(self, value: str) -> None:
        named = {"ECL": -1.3, "TTL": 1.4}.get(value.strip().upper())
        self.trig_levels[AUX] = named if named is not None else parse_number(
            value, "V", -AUX_LEVEL_LIMIT_V, AUX_LEVEL_LIMIT_V)

    @scpi(":TRIGger:AUXLevel?")
    def trigger_aux_level_query(self) -> str:
        return _nr3(self.trig_levels[AUX])

    @scpi(":TRIGger:A:MODe")
    def trigger_mode(self, value: str) -> None:
        self.trig_mode = parse_choice(value, ("AUTO", "NORMal"))

    @scpi(":TRIGger:A:MODe?")
    def trigger_mode_query(self) -> str:
        return self._kw(self.trig_mode)

    @scpi(":TRIGger:STATE?")
    def trigger_state(self) -> str:
        if self._pending():
            return "TRIGGER" if self._trig_seen else "READY"
        return "SAVE"

    # -- acquisition ----------------------------------------

    @scpi(":ACQuire:MODe")
    def acquire_mode(self, value: str) -> None:
        self.acq_mode = parse_choice(value, ("SAMple", "PEAKdetect", "HIRes", "AVErage",
                                             "ENVelope"))

    @scpi(":ACQuire:MODe?")
    def acquire_mode_query(self) -> str:
        return self._kw(self.acq_mode)

    @scpi(":ACQuire:STOPAfter")
    def acquire_stopafter(self, value: str) -> None:
        self.stop_after = parse_choice(value, ("RUNSTop", "SEQuence"))

    @scpi(":ACQuire:STOPAfter?")
    def acquire_stopafter_query(self) -> str:
        return self._kw(self.stop_after)

    @scpi(":ACQuire:STATE")
    def acquire_state(self, value: str) -> None:
        key = value.strip().upper()
        if key in ("RUN", "ON") or (key not in ("STOP", "OFF") and parse_number(value) != 0):
            self._start()
        else:
            self._stop()

    @scpi(":ACQuire:STATE?")
    def acquire_state_query(self) -> str:
        self._poll()
        return str(int(self.running))

    @scpi(":ACQuire:NUMACq?")
    def acquire_numacq(self) -> str:
        self._poll()
        return str(self.numacq)

    # -- waveform transfer ----------------------------------------

    @scpi(":DATa:SOUrce")
    def data_source_set(self, value: str) -> None:
        n = self._source(value)
        if n == AUX:
            raise ScpiError(-224, "AUXiliary is not a waveform source")
        self.data_source = n

    @scpi(":DATa:SOUrce?")
    def data_source_query(self) -> str:
        return f"CH{self.data_source}"

    @scpi(":DATa:ENCdg")
    def data_encoding(self, value: str) -> None:
        self.encoding = parse_choice(value, ENCODINGS)

    @scpi(":DATa:ENCdg?")
    def data_encoding_query(self) -> str:
        return self._kw(self.encoding)

    @scpi(":DATa:WIDth")
    @scpi(":WFMOutpre:BYT_Nr")
    def data_width(self, value: str) -> None:
        self.width = parse_int(value, 1, 2)

    @scpi(":DATa:WIDth?")
    @scpi(":WFMOutpre:BYT_Nr?")
    def data_width_query(self) -> str:
        return str(self.width)

    @scpi(":DATa:STARt")
    def data_start_set(self, value: str) -> None:
        self.data_start = parse_int(value, 1, 2**31 - 1)

    @scpi(":DATa:STARt?")
    def data_start_query(self) -> str:
        return str(self.data_start)

    @scpi(":DATa:STOP")
    def data_stop_set(self, value: str) -> None:
        self.data_stop = parse_int(value, 1, 2**31 - 1)

    @scpi(":DATa:STOP?")
    def data_stop_query(self) -> str:
        return str(self.data_stop)

    def _span(self) -> tuple[int, int]:
        """0-based first and last+1 record points DATa:STARt/STOP select (order free, cut to
        the record)."""
        points = self._record().settings.points
        lo, hi = sorted((self.data_start, self.data_stop))
        lo, hi = min(lo, points), min(hi, points)
        return lo - 1, hi

    def _vertical(self) -> tuple[float, float, float]:
        scale, offset, position, on = self._last_vertical[self.data_source]
        if not on:
            raise ScpiError(-200, f"source waveform CH{self.data_source} is not active")
        return scale, offset, position

    def _signed(self) -> bool:
        return self.encoding in ("ASCIi", "RIBinary", "SRIbinary")

    def _ymult(self) -> float:
        return self._vertical()[0] / (CODES_PER_DIV * 2.0 ** (8 * self.width - ADC_BITS))

    def _yoff(self) -> int:
        return 0 if self._signed() else 1 << (8 * self.width - 1)

    def codes(self) -> np.ndarray:
        """The transferred points' codes (12-bit ADC codes in the DATa:WIDth word)."""
        scale, offset, position = self._vertical()
        lo, hi = self._span()
        v = self.record_volts(self.data_source)[lo:hi]
        adc = adc_codes(v - offset, scale / CODES_PER_DIV, position * CODES_PER_DIV,
                        -(1 << (ADC_BITS - 1)), (1 << (ADC_BITS - 1)) - 1)
        return justify_codes(adc, ADC_BITS, 8 * self.width) + self._yoff()

    @scpi(":CURVe?")
    def curve(self) -> bytes:
        codes = self.codes()
        if self.encoding == "ASCIi":
            return ",".join(map(str, codes.tolist())).encode()
        swapped = self.encoding.startswith("S")
        kind = ("i" if self._signed() else "u") + str(self.width)
        return format_block(codes.astype(("<" if swapped else ">") + kind).tobytes())

    @scpi(":WFMOutpre:NR_Pt?")
    def wfm_nr_pt(self) -> str:
        lo, hi = self._span()
        return str(hi - lo)

    @scpi(":WFMOutpre:XINcr?")
    def wfm_xincr(self) -> str:
        return _nr3(self._record().settings.sample_interval_s)

    @scpi(":WFMOutpre:XZEro?")
    def wfm_xzero(self) -> str:
        s = self._record().settings
        return _nr3(self._span()[0] * s.sample_interval_s - s.pre_trigger_s)

    @scpi(":WFMOutpre:PT_Off?")
    def wfm_pt_off(self) -> str:
        return "0"

    @scpi(":WFMOutpre:YMUlt?")
    def wfm_ymult(self) -> str:
        self._record()
        return _nr3(self._ymult())

    @scpi(":WFMOutpre:YOFf?")
    def wfm_yoff(self) -> str:
        self._record()
        return _nr3(self._yoff())

    @scpi(":WFMOutpre:YZEro?")
    def wfm_yzero(self) -> str:
        self._record()
        scale, offset, position = self._vertical()
        return _nr3(offset - position * scale)

    @scpi(":WFMOutpre:BIT_Nr?")
    def wfm_bit_nr(self) -> str:
        return str(8 * self.width)

    @scpi(":WFMOutpre:ENCdg?")
    def wfm_encdg(self) -> str:
        return self._kw("ASCii" if self.encoding == "ASCIi" else "BINary")

    @scpi(":WFMOutpre:BN_Fmt?")
    def wfm_bn_fmt(self) -> str:
        return "RI" if self._signed() else "RP"

    @scpi(":WFMOutpre:BYT_Or?")
    def wfm_byt_or(self) -> str:
        return "LSB" if self.encoding.startswith("S") else "MSB"

    @scpi(":WFMOutpre:WFId?")
    def wfm_wfid(self) -> str:
        acq = self._record()
        scale = self._vertical()[0]
        rate = 1.0 / acq.settings.sample_interval_s
        return (f'"Ch{self.data_source}, DC coupling, {_nr3(scale)}V/div, '
                f'{_nr3(acq.settings.points / rate / DIVISIONS_T)}s/div, '
                f'{acq.settings.points} points, Sample mode"')

    @scpi(":WFMOutpre?")
    def wfm_preamble(self) -> str:
        return ";".join([
            self.data_width_query(), self.wfm_bit_nr(), self.wfm_encdg(), self.wfm_bn_fmt(),
            self.wfm_byt_or(), self.wfm_wfid(), self.wfm_nr_pt(), "Y", self._kw("LINEAR"),
            '"s"', self.wfm_xincr(), self.wfm_xzero(), self.wfm_pt_off(), '"V"',
            self.wfm_ymult(), self.wfm_yoff(), self.wfm_yzero(), self._kw("TIMe"),
            self._kw("ANALOG"), "0.0E+0", "0.0E+0"])


class TektronixMSO56Emulator(TektronixMSO5Emulator):
    """Emulated Tektronix 5 Series MSO with six channels (MSO56)."""

    MODEL = Model("TEKTRONIX,MSO56,C054321,CF:91.1CT FV:1.44.3.433", 6)
    idn = MODEL.idn
