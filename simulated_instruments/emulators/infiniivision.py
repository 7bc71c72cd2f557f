"""Keysight InfiniiVision 3000T / 4000X X-Series oscilloscope emulator (DSOX3024T, DSOX4024A):
the analog channels, timebase, edge trigger, acquisition and :WAVeform transfer of the
InfiniiVision programmer's guides, recording what the bench's pulse path does.

Limits (recalled from the 3000T and 4000X data sheets, not available offline here; the model
table is the single place to correct them): 4 analog channels; 5 GSa/s and 4 Mpts
half-channel interleaved (at most one channel on in each pair 1-2 and 3-4), 2.5 GSa/s and
2 Mpts (3000T) or 4 Mpts (4000X) otherwise; 8-bit ADC over the 8 vertical divisions; 1 mV/div
to 5 V/div at 1 MΩ (1 V/div at 50 Ω); offset ±2 V up to 200 mV/div,
±50 V above (±5 V at 50 Ω); 10 horizontal divisions.

Modelling choices:

- The sample rate is not set by the user: the scope takes the fastest rate of the
  1-2-2.5-4-5 sequence whose record over the screen (10 divisions) fits in memory. The raw
  record spans the screen; the reference (LEFT 10 %, CENTer 50 %, RIGHt 90 %) sits
  ``:TIMebase:POSition`` after the trigger.
- Codes: the screen (8 div around the offset) spans the ADC's 256 codes; BYTE sends the code
  (0–255 unsigned, yreference 128), WORD the code in the high byte (lower byte 0, yreference
  32768); :WAVeform:UNSigned OFF sends them signed (yreference 0). A clipped input reads the
  extreme code. ASCii sends volts in a #8 block, as binary data.
- Transfer: NORMal gives the measurement record (at most 62 500 points), RAW the raw record,
  MAXimum the raw record when stopped; :WAVeform:POINts n decimates to every k-th point,
  k = ceil(available / n) (the guide lists 100 … 8000000; any integer in range is taken).
- :SINGle and :RUN arm and return; *OPC?, *WAI and :DIGitize let the bench idle up to
  ARM_WAIT_S of virtual time for the trigger (no answer to *OPC? when none came, so the host
  times out). :OPERegister:CONDition? shows Run (bit 3) while armed and Wait Trig (bit 5)
  before the trigger; :TER? and :AER? are latched events cleared on read.
- Only :ACQuire:TYPE NORMal, :TIMebase:MODE MAIN and the EDGE trigger acquire; the others
  are accepted and reported but arming refuses them (-221). :TRIGger:SWEep AUTO does not
  force a trigger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.bench.acquisition import AUX, AcquisitionSettings
from labmem.simulated_instruments.emulators.scope_screen import (
    BenchScope,
    KeysightWaveform,
    adc_codes,
    fastest_rate,
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

N_CHANNELS = 4
DIVISIONS_V = 8
DIVISIONS_T = 10
ADC_CODES = 256
MEASUREMENT_POINTS = 62_500
"""Largest measurement record (:WAVeform:POINts:MODE NORMal)."""
MAX_TRANSFER_POINTS = 8_000_000
SCALE_LIMITS_V = {"ONEMeg": (1e-3, 5.0), "FIFTy": (1e-3, 1.0)}
"""V/div range per input impedance (at probe attenuation 1)."""
LOW_OFFSET_SCALE_V = 0.2
"""Up to this V/div the offset range is ±2 V; above it ±50 V (1 MΩ) or ±5 V (50 Ω)."""
OFFSET_LIMITS_V = {"ONEMeg": (2.0, 50.0), "FIFTy": (2.0, 5.0)}
TIMEBASE_SCALE_LIMITS_S = (1e-9, 50.0)
EXT_LEVEL_LIMIT_V = 8.0
TRIGGER_SCREEN_DIVISIONS = 6
"""A channel's trigger level may be set up to this many divisions from the screen centre."""
REFERENCE_FRACTION = {"LEFT": 0.1, "CENTer": 0.5, "RIGHt": 0.9}
FORMAT_CODE = {"BYTE": 0, "WORD": 1, "ASCii": 4}
TYPE_CODE = {"NORMal": 0, "PEAK": 1, "AVERage": 2, "HRESolution": 3}
OPER_RUN, OPER_WAIT_TRIG = 8, 32
"""Operation status condition bits: acquiring (Run) and armed, waiting for a trigger."""


@dataclass(frozen=True)
class Model:
    """What distinguishes the models: identity, rates and memory with and without
    interleaving."""

    idn: str
    interleaved_srate: float = 5e9
    srate: float = 2.5e9
    interleaved_memory: int = 4_000_000
    memory: int = 2_000_000


class _Channel:
    """One analog input's vertical settings."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.display = number == 1
        self.scale_v = 1.0
        self.offset_v = 0.0
        self.coupling = "DC"
        self.impedance = "ONEMeg"
        self.probe = 1.0
        self.bwlimit = False
        self.invert = False
        self.label = str(number)

    def scale_limits(self) -> tuple[float, float]:
        lo, hi = SCALE_LIMITS_V[self.impedance]
        return lo * self.probe, hi * self.probe

    def offset_limit(self, scale_v: float | None = None) -> float:
        low, high = OFFSET_LIMITS_V[self.impedance]
        scale = self.scale_v if scale_v is None else scale_v
        return (low if scale <= LOW_OFFSET_SCALE_V * self.probe else high) * self.probe

    def clamp(self) -> None:
        """The front end keeps V/div and offset within the input's ranges."""
        lo, hi = self.scale_limits()
        self.scale_v = min(max(self.scale_v, lo), hi)
        limit = self.offset_limit()
        self.offset_v = min(max(self.offset_v, -limit), limit)


class InfiniiVisionEmulator(KeysightWaveform, BenchScope):
    """Emulated InfiniiVision X-Series oscilloscope on a simulated bench (DSOX3024T)."""

    MODEL = Model("KEYSIGHT TECHNOLOGIES,DSOX3024T,MY12345678,07.50.2021102830")
    idn = MODEL.idn
    AUX_INPUT = "EXTernal"

    def __init__(self, bench) -> None:
        super().__init__(bench)
        self.reset()

    # -- state ----------------------------------------

    def reset(self) -> None:
        """*RST values."""
        self.channels = {n: _Channel(n) for n in range(1, N_CHANNELS + 1)}
        self.tb_scale_s = 100e-6
        self.tb_position_s = 0.0
        self.tb_reference = 0.5
        self.tb_mode = "MAIN"
        self.acq_type = "NORMal"
        self.acq_count = 8
        self.trig_mode = "EDGE"
        self.trig_source = 1
        self.trig_slope = 1
        self.trig_levels = {n: 0.0 for n in range(0, N_CHANNELS + 1)}
        self.trig_sweep = "AUTO"
        self.wav_source = 1
        self.wav_format = "BYTE"
        self.wav_big_endian = True
        self.wav_unsigned = True
        self.wav_points_mode = "NORMal"
        self.wav_points = 1000
        self.last = None
        self._last_vertical = {}
        self._ter = self._aer = False
        self.drop_pending()

    def _interleaved(self) -> bool:
        """At most one channel on in each pair (1-2, 3-4): the pair's ADCs interleave."""
        on = {n for n, c in self.channels.items() if c.display}
        return not ({1, 2} <= on or {3, 4} <= on)

    def record_settings(self) -> tuple[float, int]:
        """(sample rate, points) of the raw record the current settings give."""
        m = self.MODEL
        top, memory = ((m.interleaved_srate, m.interleaved_memory) if self._interleaved()
                       else (m.srate, m.memory))
        window = self.tb_scale_s * DIVISIONS_T
        rate = fastest_rate(rate_sequence(1.0, top), window, memory)
        return rate, min(memory, max(2, math.ceil(window * rate - 1e-6)))

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current settings describe."""
        rate, points = self.record_settings()
        pre = self.tb_reference * points / rate - self.tb_position_s
        return AcquisitionSettings(1.0 / rate, points, pre, self.trig_source,
                                   self.trig_levels[self.trig_source], self.trig_slope)

    def vertical(self) -> dict[int, tuple[float, float]]:
        """(V/div, offset) of every channel, kept with the record."""
        return {n: (c.scale_v, c.offset_v) for n, c in self.channels.items()}

    def _arm(self) -> None:
        for what, value, wanted in (("acquisition type", self.acq_type, "NORMal"),
                                    ("timebase mode", self.tb_mode, "MAIN"),
                                    ("trigger mode", self.trig_mode, "EDGE")):
            if value != wanted:
                raise ScpiError(-221, f"{what} {value} is not emulated")
        self._ter = False
        self._aer = True
        super()._arm()

    def triggered(self) -> None:
        self._ter = True

    # -- common commands ----------------------------------------

    @scpi("*OPC?")
    def opc_query(self) -> str | None:
        return self.opc_reply()

    @scpi(":SYSTem:PRESet")
    def system_preset(self) -> None:
        self.reset()

    # -- channels ----------------------------------------

    def _channel(self, n: int) -> _Channel:
        if n not in self.channels:
            raise ScpiError(-113, f"no channel {n}")
        return self.channels[n]

    @scpi(":CHANnel<n>?")
    def channel_setup_query(self, n: int) -> str:
        c = self._channel(n)
        return (f":CHAN{n}:RANG {c.scale_v * DIVISIONS_V:+.4E};OFFS {c.offset_v:+.5E};"
                f"COUP {c.coupling};IMP {c.impedance.upper()[:4]};DISP {int(c.display)};"
                f"BWL {int(c.bwlimit)};INV {int(c.invert)};LAB \"{c.label}\";UNIT VOLT;"
                f"PROB {c.probe:+.2E};PROB:SKEW +0.00E+00;STYP SING")

    @scpi(":CHANnel<n>:DISPlay")
    def channel_display(self, n: int, on: str) -> None:
        self._channel(n).display = parse_bool(on)

    @scpi(":CHANnel<n>:DISPlay?")
    def channel_display_query(self, n: int) -> str:
        return str(int(self._channel(n).display))

    @scpi(":CHANnel<n>:SCALe")
    def channel_scale(self, n: int, value: str) -> None:
        ch = self._channel(n)
        ch.scale_v = parse_number(value, "V", *ch.scale_limits())
        ch.clamp()

    @scpi(":CHANnel<n>:SCALe?")
    def channel_scale_query(self, n: int) -> str:
        return f"{self._channel(n).scale_v:+.5E}"

    @scpi(":CHANnel<n>:RANGe")
    def channel_range(self, n: int, value: str) -> None:
        ch = self._channel(n)
        lo, hi = ch.scale_limits()
        ch.scale_v = parse_number(value, "V", lo * DIVISIONS_V, hi * DIVISIONS_V) / DIVISIONS_V
        ch.clamp()

    @scpi(":CHANnel<n>:RANGe?")
    def channel_range_query(self, n: int) -> str:
        return f"{self._channel(n).scale_v * DIVISIONS_V:+.5E}"

    @scpi(":CHANnel<n>:OFFSet")
    def channel_offset(self, n: int, value: str) -> None:
        ch = self._channel(n)
        limit = ch.offset_limit()
        ch.offset_v = parse_number(value, "V", -limit, limit)

    @scpi(":CHANnel<n>:OFFSet?")
    def channel_offset_query(self, n: int) -> str:
        return f"{self._channel(n).offset_v:+.5E}"

    @scpi(":CHANnel<n>:COUPling")
    def channel_coupling(self, n: int, value: str) -> None:
        choice = parse_choice(value, ("DC", "AC"))
        if choice == "AC":
            raise ScpiError(-221, "AC coupling is not emulated")
        self._channel(n).coupling = choice

    @scpi(":CHANnel<n>:COUPling?")
    def channel_coupling_query(self, n: int) -> str:
        return self._channel(n).coupling

    @scpi(":CHANnel<n>:IMPedance")
    def channel_impedance(self, n: int, value: str) -> None:
        ch = self._channel(n)
        ch.impedance = parse_choice(value, ("ONEMeg", "FIFTy"))
        ch.clamp()

    @scpi(":CHANnel<n>:IMPedance?")
    def channel_impedance_query(self, n: int) -> str:
        return self._channel(n).impedance.upper()[:4]

    @scpi(":CHANnel<n>:PROBe")
    def channel_probe(self, n: int, value: str) -> None:
        ch = self._channel(n)
        factor = parse_number(value, "", 0.001, 10_000.0) / ch.probe
        ch.probe *= factor  # V/div and offset follow the probe (the screen stays put)
        ch.scale_v *= factor
        ch.offset_v *= factor

    @scpi(":CHANnel<n>:PROBe?")
    def channel_probe_query(self, n: int) -> str:
        return f"{self._channel(n).probe:+.5E}"

    @scpi(":CHANnel<n>:BWLimit")
    def channel_bwlimit(self, n: int, on: str) -> None:
        self._channel(n).bwlimit = parse_bool(on)

    @scpi(":CHANnel<n>:BWLimit?")
    def channel_bwlimit_query(self, n: int) -> str:
        return str(int(self._channel(n).bwlimit))

    @scpi(":CHANnel<n>:INVert")
    def channel_invert(self, n: int, on: str) -> None:
        if parse_bool(on):
            raise ScpiError(-221, "inverted channels are not emulated")
        self._channel(n).invert = False

    @scpi(":CHANnel<n>:INVert?")
    def channel_invert_query(self, n: int) -> str:
        return str(int(self._channel(n).invert))

    @scpi(":CHANnel<n>:LABel")
    def channel_label(self, n: int, value: str) -> None:
        self._channel(n).label = value.strip().strip("\"'")[:10]

    @scpi(":CHANnel<n>:LABel?")
    def channel_label_query(self, n: int) -> str:
        return f'"{self._channel(n).label}"'

    # -- timebase ----------------------------------------

    @scpi(":TIMebase?")
    def timebase_query(self) -> str:
        return (f":TIM:MODE {self.tb_mode};REF {self.timebase_reference_query()};"
                f"MAIN:RANG {self.tb_scale_s * DIVISIONS_T:+.2E};POS {self.tb_position_s:+.1E}")

    @scpi(":TIMebase[:MAIN]:SCALe")
    def timebase_scale(self, value: str) -> None:
        self.tb_scale_s = parse_number(value, "S", *TIMEBASE_SCALE_LIMITS_S)

    @scpi(":TIMebase[:MAIN]:SCALe?")
    def timebase_scale_query(self) -> str:
        return f"{self.tb_scale_s:+.5E}"

    @scpi(":TIMebase[:MAIN]:RANGe")
    def timebase_range(self, value: str) -> None:
        lo, hi = TIMEBASE_SCALE_LIMITS_S
        self.tb_scale_s = parse_number(value, "S", lo * DIVISIONS_T, hi * DIVISIONS_T) \
            / DIVISIONS_T

    @scpi(":TIMebase[:MAIN]:RANGe?")
    def timebase_range_query(self) -> str:
        return f"{self.tb_scale_s * DIVISIONS_T:+.5E}"

    @scpi(":TIMebase[:MAIN]:POSition")
    def timebase_position(self, value: str) -> None:
        self.tb_position_s = parse_number(value, "S", -500.0, 500.0)

    @scpi(":TIMebase[:MAIN]:POSition?")
    def timebase_position_query(self) -> str:
        return f"{self.tb_position_s:+.5E}"

    @scpi(":TIMebase:REFerence")
    def timebase_reference(self, value: str) -> None:
        self.tb_reference = REFERENCE_FRACTION[parse_choice(value, tuple(REFERENCE_FRACTION))]

    @scpi(":TIMebase:REFerence?")
    def timebase_reference_query(self) -> str:
        name = next(k for k, f in REFERENCE_FRACTION.items() if f == self.tb_reference)
        return name.upper()[:4]

    @scpi(":TIMebase:MODE")
    def timebase_mode(self, value: str) -> None:
        self.tb_mode = parse_choice(value, ("MAIN", "WINDow", "XY", "ROLL")).upper()[:4]

    @scpi(":TIMebase:MODE?")
    def timebase_mode_query(self) -> str:
        return self.tb_mode

    # -- acquisition ----------------------------------------

    @scpi(":ACQuire:TYPE")
    def acquire_type(self, value: str) -> None:
        self.acq_type = parse_choice(value, tuple(TYPE_CODE))

    @scpi(":ACQuire:TYPE?")
    def acquire_type_query(self) -> str:
        return self.acq_type.upper()[:4]

    @scpi(":ACQuire:COUNt")
    def acquire_count(self, value: str) -> None:
        self.acq_count = parse_int(value, 2, 65536)

    @scpi(":ACQuire:COUNt?")
    def acquire_count_query(self) -> str:
        return str(self.acq_count)

    @scpi(":ACQuire:POINts?")
    def acquire_points_query(self) -> str:
        return str(self.record_settings()[1])

    @scpi(":ACQuire:SRATe?")
    def acquire_srate_query(self) -> str:
        return f"{self.record_settings()[0]:+.5E}"

    # -- trigger ----------------------------------------

    @staticmethod
    def _source(value: str) -> int:
        return parse_edge_source(value, N_CHANNELS, ("EXT", "EXTERNAL"))

    @staticmethod
    def _source_name(n: int) -> str:
        return "EXT" if n == AUX else f"CHAN{n}"

    @scpi(":TRIGger:MODE")
    def trigger_mode(self, value: str) -> None:
        self.trig_mode = parse_choice(value, ("EDGE", "GLITch", "PATTern", "TV")).upper()[:4]

    @scpi(":TRIGger:MODE?")
    def trigger_mode_query(self) -> str:
        return self.trig_mode

    @scpi(":TRIGger[:EDGE]:SOURce")
    def trigger_edge_source(self, value: str) -> None:
        self.trig_source = self._source(value)

    @scpi(":TRIGger[:EDGE]:SOURce?")
    def trigger_edge_source_query(self) -> str:
        return self._source_name(self.trig_source)

    @scpi(":TRIGger[:EDGE]:SLOPe")
    def trigger_edge_slope(self, value: str) -> None:
        choice = parse_choice(value, ("POSitive", "NEGative", "EITHer", "ALTernate"))
        if choice not in ("POSitive", "NEGative"):
            raise ScpiError(-221, f"slope {choice} is not emulated")
        self.trig_slope = 1 if choice == "POSitive" else -1

    @scpi(":TRIGger[:EDGE]:SLOPe?")
    def trigger_edge_slope_query(self) -> str:
        return "POS" if self.trig_slope > 0 else "NEG"

    @scpi(":TRIGger[:EDGE]:LEVel")
    def trigger_level(self, value: str, source: str | None = None) -> None:
        n = self.trig_source if source is None else self._source(source)
        if n == AUX:
            lo, hi = -EXT_LEVEL_LIMIT_V, EXT_LEVEL_LIMIT_V
        else:
            ch = self.channels[n]
            span = TRIGGER_SCREEN_DIVISIONS * ch.scale_v
            lo, hi = ch.offset_v - span, ch.offset_v + span
        self.trig_levels[n] = parse_number(value, "V", lo, hi)

    @scpi(":TRIGger[:EDGE]:LEVel?")
    def trigger_level_query(self, source: str | None = None) -> str:
        n = self.trig_source if source is None else self._source(source)
        return f"{self.trig_levels[n]:+.5E}"

    @scpi(":TRIGger:SWEep")
    def trigger_sweep(self, value: str) -> None:
        self.trig_sweep = parse_choice(value, ("AUTO", "NORMal")).upper()[:4]

    @scpi(":TRIGger:SWEep?")
    def trigger_sweep_query(self) -> str:
        return self.trig_sweep

    # -- run control ----------------------------------------

    @scpi(":SINGle")
    def single(self) -> None:
        self._arm()

    @scpi(":RUN")
    def run(self) -> None:
        self._arm()

    @scpi(":STOP")
    def stop(self) -> None:
        self.drop_pending()

    @scpi(":DIGitize")
    def digitize(self, *sources: str) -> None:
        for source in sources:
            n = self._source(source)
            if n == AUX:
                raise ScpiError(-224, "EXTernal cannot be digitized")
        if sources:  # only the named channels are acquired
            names = {self._source(s) for s in sources}
            for n, ch in self.channels.items():
                ch.display = n in names
        self._arm()
        self.wait_complete()

    @scpi(":TER?")
    def ter(self) -> str:
        self._poll()
        value, self._ter = self._ter, False
        return "+1" if value else "+0"

    @scpi(":AER?")
    def aer(self) -> str:
        value, self._aer = self._aer, False
        return "+1" if value else "+0"

    @scpi(":OPERegister:CONDition?")
    def operation_condition(self) -> str:
        if not self._pending():
            return "+0"
        return f"+{OPER_RUN if self._trig_seen else OPER_RUN | OPER_WAIT_TRIG}"

    # -- waveform ----------------------------------------

    @scpi(":WAVeform:FORMat")
    def waveform_format(self, value: str) -> None:
        self.wav_format = parse_choice(value, tuple(FORMAT_CODE))

    @scpi(":WAVeform:UNSigned")
    def waveform_unsigned(self, on: str) -> None:
        self.wav_unsigned = parse_bool(on)

    @scpi(":WAVeform:UNSigned?")
    def waveform_unsigned_query(self) -> str:
        return str(int(self.wav_unsigned))

    @scpi(":WAVeform:POINts:MODE")
    def waveform_points_mode(self, value: str) -> None:
        self.wav_points_mode = parse_choice(value, ("NORMal", "MAXimum", "RAW"))

    @scpi(":WAVeform:POINts:MODE?")
    def waveform_points_mode_query(self) -> str:
        return self.wav_points_mode.upper()[:4] if self.wav_points_mode != "RAW" else "RAW"

    @scpi(":WAVeform:POINts")
    def waveform_points_set(self, value: str) -> None:
        if value.strip().upper() in ("MAX", "MAXIMUM"):
            self.wav_points = MAX_TRANSFER_POINTS
            return
        self.wav_points = parse_int(value, 100, MAX_TRANSFER_POINTS)

    def _decimation(self) -> int:
        """Every k-th raw point is sent: the points mode's record cut to :WAVeform:POINts."""
        available = self._record().settings.points
        raw = self.wav_points_mode == "RAW" or (self.wav_points_mode == "MAXimum"
                                                and not self._pending())
        limit = self.wav_points if raw else min(self.wav_points, MEASUREMENT_POINTS)
        return max(1, math.ceil(available / limit))

    @scpi(":WAVeform:POINts?")
    def waveform_points_query(self) -> str:
        k = self._decimation()
        return str(math.ceil(self._record().settings.points / k))

    def _scaling(self) -> tuple[float, float]:
        """(V/div, offset) of the waveform source when the record was taken."""
        return self._last_vertical[self.wav_source]

    def _yreference(self) -> int:
        if not self.wav_unsigned or self.wav_format == "ASCii":
            return 0
        return 32768 if self.wav_format == "WORD" else 128

    def _yincrement(self) -> float:
        lsb = self._scaling()[0] * DIVISIONS_V / ADC_CODES
        return lsb / 256 if self.wav_format == "WORD" else lsb

    def codes(self) -> np.ndarray:
        """Unsigned 8-bit ADC codes (128 at the screen centre) of the transferred points."""
        scale, offset = self._scaling()
        v = self.record_volts(self.wav_source)[::self._decimation()]
        return adc_codes(v - offset, scale * DIVISIONS_V / ADC_CODES, ADC_CODES // 2, 0,
                         ADC_CODES - 1)

    @scpi(":WAVeform:DATA?")
    def waveform_data(self) -> bytes:
        codes = self.codes()
        if self.wav_format == "ASCii":
            scale, offset = self._scaling()
            volts = (codes - ADC_CODES // 2) * (scale * DIVISIONS_V / ADC_CODES) + offset
            return format_block(",".join(f"{v:+.6E}" for v in volts).encode(), 8)
        if self.wav_format == "BYTE":
            data = codes if self.wav_unsigned else codes - 128
            return format_block(data.astype(np.uint8 if self.wav_unsigned else np.int8)
                                .tobytes(), 8)
        words = codes * 256 - (0 if self.wav_unsigned else 32768)
        dtype = ("u2" if self.wav_unsigned else "i2")
        return format_block(words.astype((">" if self.wav_big_endian else "<") + dtype)
                            .tobytes(), 8)

    @scpi(":WAVeform:XINCrement?")
    def waveform_xincrement(self) -> str:
        return f"{self._record().settings.sample_interval_s * self._decimation():+.6E}"

    @scpi(":WAVeform:XREFerence?")
    def waveform_xreference(self) -> str:
        return "+0"

    @scpi(":WAVeform:YREFerence?")
    def waveform_yreference(self) -> str:
        return f"+{self._yreference()}"

    @scpi(":WAVeform:PREamble?")
    def waveform_preamble(self) -> str:
        acq = self._record()
        k = self._decimation()
        return ",".join([
            f"+{FORMAT_CODE[self.wav_format]}", f"+{TYPE_CODE[self.acq_type]}",
            f"+{math.ceil(acq.settings.points / k)}", "+1",
            f"{acq.settings.sample_interval_s * k:+.6E}",
            f"{-acq.settings.pre_trigger_s:+.6E}", "+0",
            f"{self._yincrement():+.6E}", f"{self._scaling()[1]:+.6E}",
            f"+{self._yreference()}"])


class InfiniiVision4000XEmulator(InfiniiVisionEmulator):
    """Emulated InfiniiVision 4000 X-Series oscilloscope (DSOX4024A)."""

    MODEL = Model("KEYSIGHT TECHNOLOGIES,DSO-X 4024A,MY87654321,07.50.2021102830",
                  memory=4_000_000)
    idn = MODEL.idn
