"""Keysight Infiniium MSO9104A oscilloscope emulator: the analog channels, timebase,
acquisition, edge trigger and waveform transfer of the Infiniium 9000 programmer's guide,
recording what the bench's pulse path does.

Limits (recalled from the Infiniium 9000 series data sheet, not available offline here; the
constants below are the single place to correct them): 1 GHz, 4 analog channels, 10 GSa/s
maximum sample rate (the 20 GSa/s two-channel interleaved mode is not modelled), 10 Mpts
standard memory per channel, 8 vertical divisions of an 8-bit ADC, inputs 1 MΩ (1 mV/div to
5 V/div) or 50 Ω (1 mV/div to 1 V/div), 10 horizontal divisions.

Modelling choices:

- Timebase → record. The record lasts ``points / srate`` and is placed so that the reference
  point (LEFT 10 %, CENTer 50 %, RIGHt 90 % or REFerence:PERCent) sits at the same fraction
  of the record as of the screen; ``:TIMebase:POSition`` is the time from the trigger to that
  point. So the pre-trigger time is ``fraction × record − position``.
- Quantization: the screen (8 div × V/div around the offset) spans the 256 codes of the 8-bit
  ADC, code = round((v − offset) / (scale / 32)) clipped to −128…127. BYTE transfers the
  code, WORD the code × 256 (yincrement scaled to match), ASCii the volts of the code.
- Completion: ``:SINGle``/``:RUN`` arm and return; the acquisition completes when the bench
  produces its trigger. ``:ADER?``/``:PDER?``/``:TER?`` are latched events cleared on read
  (they do not let time pass). ``:DIGitize``, ``*OPC?``, ``*OPC`` and ``*WAI`` let the bench
  idle up to ``ARM_WAIT_S`` of virtual time; if the acquisition still has no trigger,
  ``*OPC?`` gives no answer, so the host's VISA read times out as it would with a real scope
  waiting for a trigger.
- ``:TRIGger:SWEep AUTO`` is accepted and reported but the forced auto-trigger is not
  modelled: every acquisition waits for a real trigger (as in TRIGgered sweep).
- Input stage: ``:ACQuire:BANDwidth`` below MAX (1 GHz) runs a one-pole low-pass of that
  bandwidth over each completed record (10–90 % rise 0.35/BW); the bench's
  ``scope_noise_div_rms`` adds Gaussian noise before it. At MAX and no noise (the defaults)
  records are untouched and cost nothing extra. (The stage and the averaging below are
  scope_screen's, shared by the bench's scopes; the measurements are waveform_measurements'.)
- ``:ACQuire:AVERage ON``: a record is the mean of ``:ACQuire:AVERage:COUNt`` triggered
  records' ADC codes (WORD data carry the fraction of a step); the next record is armed
  when the scope is next asked (a query or a wait), so triggers in between are missed.
  ``:ADER?`` reports completion only once the count is in.
- ``:ACQuire:INTerpolate`` is reported; waveform data are the samples either way, and
  measurements interpolate linearly between samples.
- ``:MEASure:<x>? [<source>]`` measure the last record as digitized (whole record = the
  display): top/base by histogram mode, 10/50/90 % thresholds as hysteresis band, the first
  edge/pulse/cycle; 9.99999E+37 when the measurement cannot be made (no record, no edge).
- ``:WAVeform:STReaming ON`` answers ``#0<data><NL>`` (BYTE/WORD).

Defined by the Infiniium 9000 guide but not emulated (answered with an error, never a value):
-221 for ``:ACQuire:BANDwidth AUTO``, ``:TRIGger:AND:ENABle ON``, acquiring with
``:TIMebase:ROLL:ENABle ON``, ``:WAVeform:DATA? <start>,<size>``, acquisition modes other than
RTIMe and waveform formats BINary/FLOat; -113 (no handler) for the measurement command forms
without ``?`` (installing screen measurements), ``:MEASure:STATistics``, ``:MEASure:RESults?``,
``:MEASure:VOVershoot?``/``OVERshoot``/``PREShoot``, thresholds (``:MEASure:THResholds``),
``:MEASure:DEFine``, ``:AUToscale``, ``:WAVeform:BANDpass?``, ``:TIMebase:VIEW``, trigger modes
other than EDGE, and ``:TESTLIMITS?``-style limit-test queries (as the real one answers).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from labmem.simulated_instruments.bench.acquisition import AUX, AcquisitionSettings
from labmem.simulated_instruments.emulators import waveform_measurements as wm
from labmem.simulated_instruments.emulators.scope_screen import (
    BenchScope,
    KeysightWaveform,
    adc_codes,
    parse_edge_source,
    rate_sequence,
)
from labmem.simulated_instruments.scpi.instrument import scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_block,
    format_number,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
)

log = logging.getLogger(__name__)

N_CHANNELS = 4
MAX_SRATE_SA_S = 10e9
"""Maximum real-time sample rate on all four channels."""
MIN_SRATE_SA_S = 10.0
MEMORY_POINTS = 10_000_000
"""Standard acquisition memory per channel."""
MIN_POINTS = 16
DIVISIONS_V = 8
DIVISIONS_T = 10
ADC_CODES = 256
SCALE_LIMITS_V = {"DC": (1e-3, 5.0), "AC": (1e-3, 5.0), "DC50": (1e-3, 1.0)}
"""V/div range per input setting (1 MΩ DC/AC, 50 Ω DC)."""
OFFSET_LIMIT_V = {"DC": 40.0, "AC": 40.0, "DC50": 12.0}
TIMEBASE_SCALE_LIMITS_S = (5e-12, 20.0)
AUX_LEVEL_LIMIT_V = 5.0
CHANNEL_LEVEL_LIMIT_V = 40.0
REFERENCE_FRACTION = {"LEFT": 0.1, "CENTer": 0.5, "RIGHt": 0.9}

SAMPLE_RATES = rate_sequence(MIN_SRATE_SA_S, MAX_SRATE_SA_S)
"""Selectable sample rates (1-2-2.5-4-5 sequence); other values round up to the next one."""

MAX_BANDWIDTH_HZ = 1e9
"""Analog bandwidth of the MSO9104A: :ACQuire:BANDwidth MAX, the *RST setting."""
MIN_BANDWIDTH_HZ = 1e3
AVERAGE_COUNT_LIMITS = (2, 65534)
INTERPOLATE_CHOICES = ("ON", "OFF", "1", "0", "INT1", "INT2", "INT4", "INT8", "INT16")
NO_RESULT = "9.99999E+37"
"""The Infiniium's answer to a measurement that cannot be made."""
WAVEFORM_TYPE_RAW, WAVEFORM_TYPE_AVERAGE = 1, 2

FORMAT_CODE = {"ASCii": 0, "BYTE": 1, "WORD": 2}
COUPLING_CODE = {"AC": 0, "DC": 1, "DC50": 2}
INPUT_CHOICES = ("DC", "DC50", "DCFifty", "AC")


def next_sample_rate(rate: float) -> float:
    """The selectable sample rate at or above rate (the fastest one if rate exceeds it)."""
    for r in SAMPLE_RATES:
        if r >= rate * (1 - 1e-9):
            return r
    return SAMPLE_RATES[-1]


class _Channel:
    """One analog input's vertical settings."""

    def __init__(self, number: int) -> None:
        self.display = number == 1
        self.scale_v = 0.1
        self.offset_v = 0.0
        self.input = "DC"


class MSO9104AEmulator(KeysightWaveform, BenchScope):
    """Emulated Infiniium MSO9104A on a simulated bench."""

    idn = "KEYSIGHT TECHNOLOGIES,MSO9104A,MY12345678,06.30.00609"

    def __init__(self, bench) -> None:
        super().__init__(bench)
        self.reset()

    # -- state ----------------------------------------

    def reset(self) -> None:
        """*RST values."""
        self.channels = {n: _Channel(n) for n in range(1, N_CHANNELS + 1)}
        self.tb_scale_s = 100e-9
        self.tb_position_s = 0.0
        self.tb_reference = 0.5
        self.points: int | None = None  # None = AUTO
        self.srate: float | None = None  # None = AUTO
        self.acq_mode = "RTIMe"
        self.bandwidth_hz = MAX_BANDWIDTH_HZ
        self.interpolate = "1"
        self.averaging = False
        self.avg_count = 16
        self.roll = False
        self.meas_sources = (1, 1)
        self.trig_mode = "EDGE"
        self.trig_source = 1
        self.trig_slope = 1
        self.trig_levels = {n: 0.0 for n in range(0, N_CHANNELS + 1)}
        self.trig_sweep = "AUTO"
        self.wav_source = 1
        self.wav_format = "ASCii"
        self.wav_big_endian = True
        self.wav_streaming = False
        self.header = False
        self.run_state = "STOP"
        self.last = None
        self._last_vertical = {}
        self.last_codes = None
        self._armed_bandwidth_hz = MAX_BANDWIDTH_HZ
        self._ader = self._pder = self._ter = False
        self.drop_pending()

    def _record_settings(self) -> tuple[float, int]:
        """Effective (sample rate, points) from the timebase and acquisition settings."""
        rng = self.tb_scale_s * DIVISIONS_T
        if self.srate is None and self.points is None:
            rate = SAMPLE_RATES[0]
            for r in SAMPLE_RATES:
                if rng * r <= MEMORY_POINTS:
                    rate = r
            return rate, max(MIN_POINTS, math.ceil(rng * rate - 1e-6))
        if self.srate is None:
            assert self.points is not None
            rate = SAMPLE_RATES[0]
            for r in SAMPLE_RATES:
                if self.points / r >= rng * (1 - 1e-9):
                    rate = r
            return rate, self.points
        if self.points is None:
            pts = max(MIN_POINTS, math.ceil(rng * self.srate - 1e-6))
            if pts > MEMORY_POINTS:
                raise ScpiError(-221, f"{rng:g} s at {self.srate:g} Sa/s needs {pts} points; "
                                      f"memory holds {MEMORY_POINTS}")
            return self.srate, pts
        return self.srate, self.points

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current front-panel settings describe."""
        rate, pts = self._record_settings()
        record_s = pts / rate
        pre = self.tb_reference * record_s - self.tb_position_s
        return AcquisitionSettings(1.0 / rate, pts, pre, self.trig_source,
                                   self.trig_levels[self.trig_source], self.trig_slope)

    def vertical(self) -> dict[int, tuple[float, float, str]]:
        """(V/div, offset, input) of every channel, kept with the record."""
        return {n: (c.scale_v, c.offset_v, c.input) for n, c in self.channels.items()}

    def _arm(self) -> None:
        if self.acq_mode != "RTIMe":
            raise ScpiError(-221, f"acquisition mode {self.acq_mode} is not emulated")
        if self.roll:
            raise ScpiError(-221, "roll mode acquisition is not emulated")
        self._armed_bandwidth_hz = self.bandwidth_hz
        self._ader = self._pder = self._ter = False
        super()._arm()

    def front_end(self) -> dict[int, tuple[float, float | None]]:
        """The input stage: the bench's scope_noise_div_rms on each channel's V/div and the
        :ACQuire:BANDwidth limit below MAX; empty (records untouched) at the defaults."""
        noise_div = self.bench.config.scope_noise_div_rms
        limit = self.bandwidth_hz if self.bandwidth_hz < MAX_BANDWIDTH_HZ else None
        if noise_div <= 0 and limit is None:
            return {}
        return {n: (noise_div * c.scale_v, limit) for n, c in self.channels.items()}

    def average_count(self) -> int:
        return self.avg_count if self.averaging else 1

    def triggered(self) -> None:
        self._ter = True

    def completed(self) -> None:
        self._ader = self._pder = True
        if self.run_state == "SING":
            self.run_state = "STOP"

    def _dispatch(self, header: str, path: str, params: list[str]):
        reply, new_path = super()._dispatch(header, path, params)
        if (self.header and reply is not None and header.endswith("?")
                and not header.startswith("*")):
            prefix = header[:-1].upper()
            prefix = prefix if prefix.startswith(":") else ":" + prefix
            if isinstance(reply, bytes):
                reply = prefix.encode() + b" " + reply
            else:
                reply = f"{prefix} {reply}"
        return reply, new_path

    # -- common commands Infiniium answers its own way ----------------------------------------

    @scpi("*OPC?")
    def opc_query(self) -> str | None:
        return self.opc_reply()

    @scpi(":SYSTem:ERRor[:NEXT]?")
    def system_error(self, kind: str = "NUMBer") -> str:
        code, message = self.next_error()
        if parse_choice(kind, ("NUMBer", "STRing")) == "NUMBer":
            return str(code)
        return f'{code},"{message}"'

    @scpi(":SYSTem:HEADer")
    def system_header(self, on: str) -> None:
        self.header = parse_bool(on)

    @scpi(":SYSTem:HEADer?")
    def system_header_query(self) -> str:
        return "1" if self.header else "0"

    # -- channels ----------------------------------------

    def _channel(self, n: int) -> _Channel:
        if n not in self.channels:
            raise ScpiError(-113, f"no channel {n}")
        return self.channels[n]

    @scpi(":CHANnel<n>:DISPlay")
    def channel_display(self, n: int, on: str) -> None:
        self._channel(n).display = parse_bool(on)

    @scpi(":CHANnel<n>:DISPlay?")
    def channel_display_query(self, n: int) -> str:
        return "1" if self._channel(n).display else "0"

    @scpi(":CHANnel<n>:SCALe")
    def channel_scale(self, n: int, value: str) -> None:
        ch = self._channel(n)
        lo, hi = SCALE_LIMITS_V[ch.input]
        ch.scale_v = parse_number(value, "V", lo, hi)

    @scpi(":CHANnel<n>:SCALe?")
    def channel_scale_query(self, n: int) -> str:
        return format_number(self._channel(n).scale_v)

    @scpi(":CHANnel<n>:RANGe")
    def channel_range(self, n: int, value: str) -> None:
        ch = self._channel(n)
        lo, hi = SCALE_LIMITS_V[ch.input]
        ch.scale_v = parse_number(value, "V", lo * DIVISIONS_V, hi * DIVISIONS_V) / DIVISIONS_V

    @scpi(":CHANnel<n>:RANGe?")
    def channel_range_query(self, n: int) -> str:
        return format_number(self._channel(n).scale_v * DIVISIONS_V)

    @scpi(":CHANnel<n>:OFFSet")
    def channel_offset(self, n: int, value: str) -> None:
        ch = self._channel(n)
        limit = OFFSET_LIMIT_V[ch.input]
        ch.offset_v = parse_number(value, "V", -limit, limit)

    @scpi(":CHANnel<n>:OFFSet?")
    def channel_offset_query(self, n: int) -> str:
        return format_number(self._channel(n).offset_v)

    @scpi(":CHANnel<n>:INPut")
    def channel_input(self, n: int, value: str) -> None:
        ch = self._channel(n)
        choice = parse_choice(value, INPUT_CHOICES)
        ch.input = "DC50" if choice == "DCFifty" else choice
        lo, hi = SCALE_LIMITS_V[ch.input]
        ch.scale_v = min(max(ch.scale_v, lo), hi)  # the front end clamps the V/div
        limit = OFFSET_LIMIT_V[ch.input]
        ch.offset_v = min(max(ch.offset_v, -limit), limit)

    @scpi(":CHANnel<n>:INPut?")
    def channel_input_query(self, n: int) -> str:
        return self._channel(n).input

    # -- timebase ----------------------------------------

    @scpi(":TIMebase:SCALe")
    def timebase_scale(self, value: str) -> None:
        self.tb_scale_s = parse_number(value, "S", *TIMEBASE_SCALE_LIMITS_S)

    @scpi(":TIMebase:SCALe?")
    def timebase_scale_query(self) -> str:
        return format_number(self.tb_scale_s)

    @scpi(":TIMebase:RANGe")
    def timebase_range(self, value: str) -> None:
        lo, hi = TIMEBASE_SCALE_LIMITS_S
        self.tb_scale_s = parse_number(value, "S", lo * DIVISIONS_T, hi * DIVISIONS_T) \
            / DIVISIONS_T

    @scpi(":TIMebase:RANGe?")
    def timebase_range_query(self) -> str:
        return format_number(self.tb_scale_s * DIVISIONS_T)

    @scpi(":TIMebase:POSition")
    def timebase_position(self, value: str) -> None:
        self.tb_position_s = parse_number(value, "S", -200.0, 200.0)

    @scpi(":TIMebase:POSition?")
    def timebase_position_query(self) -> str:
        return format_number(self.tb_position_s)

    @scpi(":TIMebase:REFerence")
    def timebase_reference(self, value: str) -> None:
        self.tb_reference = REFERENCE_FRACTION[parse_choice(value, tuple(REFERENCE_FRACTION))]

    @scpi(":TIMebase:REFerence?")
    def timebase_reference_query(self) -> str:
        for name, fraction in REFERENCE_FRACTION.items():
            if math.isclose(fraction, self.tb_reference):
                return name.upper()[:4] if name != "LEFT" else "LEFT"
        return "CUST"

    @scpi(":TIMebase:REFerence:PERCent")
    def timebase_reference_percent(self, value: str) -> None:
        self.tb_reference = parse_number(value, "", 0.0, 100.0) / 100.0

    @scpi(":TIMebase:REFerence:PERCent?")
    def timebase_reference_percent_query(self) -> str:
        return f"{self.tb_reference * 100:g}"

    @scpi(":TIMebase:ROLL:ENABle")
    def timebase_roll_enable(self, on: str) -> None:
        self.roll = parse_bool(on)

    @scpi(":TIMebase:ROLL:ENABle?")
    def timebase_roll_enable_query(self) -> str:
        return "1" if self.roll else "0"

    # -- acquisition ----------------------------------------

    @scpi(":ACQuire:POINts[:ANALog]")
    def acquire_points(self, value: str) -> None:
        if value.strip().upper() == "AUTO":
            self.points = None
            return
        self.points = parse_int(value, MIN_POINTS, MEMORY_POINTS)

    @scpi(":ACQuire:POINts[:ANALog]?")
    def acquire_points_query(self) -> str:
        return str(self._record_settings()[1])

    @scpi(":ACQuire:POINts[:ANALog]:AUTO?")
    def acquire_points_auto_query(self) -> str:
        return "1" if self.points is None else "0"

    @scpi(":ACQuire:SRATe[:ANALog]")
    def acquire_srate(self, value: str) -> None:
        if value.strip().upper() == "AUTO":
            self.srate = None
            return
        rate = parse_number(value, "", MIN_SRATE_SA_S, MAX_SRATE_SA_S)
        self.srate = next_sample_rate(rate)

    @scpi(":ACQuire:SRATe[:ANALog]?")
    def acquire_srate_query(self) -> str:
        return format_number(self._record_settings()[0])

    @scpi(":ACQuire:SRATe[:ANALog]:AUTO?")
    def acquire_srate_auto_query(self) -> str:
        return "1" if self.srate is None else "0"

    @scpi(":ACQuire:MODE")
    def acquire_mode(self, value: str) -> None:
        self.acq_mode = parse_choice(value, ("RTIMe", "ETIMe", "PDETect", "HRESolution",
                                             "SEGMented", "SEGPdetect", "SEGHres"))

    @scpi(":ACQuire:MODE?")
    def acquire_mode_query(self) -> str:
        return "".join(c for c in self.acq_mode if not c.islower())

    @scpi(":ACQuire:BANDwidth")
    def acquire_bandwidth(self, value: str) -> None:
        key = value.strip().upper()
        if key == "AUTO":
            raise ScpiError(-221, ":ACQuire:BANDwidth AUTO is not emulated")
        self.bandwidth_hz = (MAX_BANDWIDTH_HZ if key in ("MAX", "MAXIMUM") else
                             parse_number(value, "HZ", MIN_BANDWIDTH_HZ, MAX_BANDWIDTH_HZ))

    @scpi(":ACQuire:BANDwidth?")
    def acquire_bandwidth_query(self) -> str:
        return format_number(self.bandwidth_hz)

    @scpi(":ACQuire:INTerpolate")
    def acquire_interpolate(self, value: str) -> None:
        choice = parse_choice(value, INTERPOLATE_CHOICES)
        self.interpolate = {"ON": "1", "OFF": "0"}.get(choice, choice)

    @scpi(":ACQuire:INTerpolate?")
    def acquire_interpolate_query(self) -> str:
        return self.interpolate

    @scpi(":ACQuire:AVERage")
    def acquire_average(self, on: str) -> None:
        self.averaging = parse_bool(on)

    @scpi(":ACQuire:AVERage?")
    def acquire_average_query(self) -> str:
        return "1" if self.averaging else "0"

    @scpi(":ACQuire:AVERage:COUNt")
    def acquire_average_count(self, value: str) -> None:
        self.avg_count = parse_int(value, *AVERAGE_COUNT_LIMITS)

    @scpi(":ACQuire:AVERage:COUNt?")
    def acquire_average_count_query(self) -> str:
        return str(self.avg_count)

    # -- trigger ----------------------------------------

    @staticmethod
    def _source(value: str) -> int:
        return parse_edge_source(value, N_CHANNELS, ("AUXILIARY", "AUX"))

    @staticmethod
    def _source_name(n: int) -> str:
        return "AUX" if n == AUX else f"CHAN{n}"

    @scpi(":TRIGger:MODE")
    def trigger_mode(self, value: str) -> None:
        self.trig_mode = parse_choice(value, ("EDGE",))

    @scpi(":TRIGger:MODE?")
    def trigger_mode_query(self) -> str:
        return self.trig_mode

    @scpi(":TRIGger:EDGE[<n>]:SOURce")
    def trigger_edge_source(self, _n: int, value: str) -> None:
        self.trig_source = self._source(value)

    @scpi(":TRIGger:EDGE[<n>]:SOURce?")
    def trigger_edge_source_query(self, _n: int) -> str:
        return self._source_name(self.trig_source)

    @scpi(":TRIGger:EDGE[<n>]:SLOPe")
    def trigger_edge_slope(self, _n: int, value: str) -> None:
        choice = parse_choice(value, ("POSitive", "NEGative"))
        self.trig_slope = 1 if choice == "POSitive" else -1

    @scpi(":TRIGger:EDGE[<n>]:SLOPe?")
    def trigger_edge_slope_query(self, _n: int) -> str:
        return "POS" if self.trig_slope > 0 else "NEG"

    @scpi(":TRIGger:LEVel")
    def trigger_level(self, source: str, value: str) -> None:
        n = self._source(source)
        limit = AUX_LEVEL_LIMIT_V if n == AUX else CHANNEL_LEVEL_LIMIT_V
        self.trig_levels[n] = parse_number(value, "V", -limit, limit)

    @scpi(":TRIGger:LEVel?")
    def trigger_level_query(self, source: str) -> str:
        return format_number(self.trig_levels[self._source(source)])

    @scpi(":TRIGger:AND:ENABle")
    def trigger_and_enable(self, on: str) -> None:
        if parse_bool(on):
            raise ScpiError(-221, "the AND trigger qualifier is not emulated")

    @scpi(":TRIGger:AND:ENABle?")
    def trigger_and_enable_query(self) -> str:
        return "0"

    @scpi(":TRIGger:SWEep")
    def trigger_sweep(self, value: str) -> None:
        self.trig_sweep = parse_choice(value, ("AUTO", "TRIGgered", "SINGle"))

    @scpi(":TRIGger:SWEep?")
    def trigger_sweep_query(self) -> str:
        return {"AUTO": "AUTO", "TRIGgered": "TRIG", "SINGle": "SING"}[self.trig_sweep]

    # -- run control ----------------------------------------

    @scpi(":SINGle")
    def single(self) -> None:
        self.run_state = "SING"
        self._arm()

    @scpi(":RUN")
    def run(self) -> None:
        self.run_state = "RUN"
        self._arm()

    @scpi(":STOP")
    def stop(self) -> None:
        if self._pending():
            self.acquisition = None
        self.run_state = "STOP"

    @scpi(":DIGitize")
    def digitize(self, *sources: str) -> None:
        for source in sources:
            n = self._source(source)
            if n == AUX:
                raise ScpiError(-224, "AUX cannot be digitized")
            self.channels[n].display = True
        self.run_state = "SING"
        self._arm()
        self.wait_complete()

    @scpi(":ADER?")
    def ader(self) -> str:
        self._poll()
        value, self._ader = self._ader, False
        return "1" if value else "0"

    @scpi(":PDER?")
    def pder(self) -> str:
        self._poll()
        value, self._pder = self._pder, False
        return "1" if value else "0"

    @scpi(":TER?")
    def ter(self) -> str:
        self._poll()
        value, self._ter = self._ter, False
        return "+1" if value else "+0"

    @scpi(":RSTate?")
    def rstate(self) -> str:
        self._poll()
        return self.run_state

    @scpi(":ASTate?")
    def astate(self) -> str:
        self._poll()
        acq = self.acquisition
        if acq is None or acq.complete:
            return "ADONE"
        return "ARM" if acq.trigger_s is None else "TRIG"

    # -- waveform ----------------------------------------

    @scpi(":WAVeform:FORMat")
    def waveform_format(self, value: str) -> None:
        choice = parse_choice(value, ("ASCii", "BYTE", "WORD", "BINary", "FLOat"))
        if choice not in FORMAT_CODE:
            raise ScpiError(-221, f"waveform format {choice} is not emulated")
        self.wav_format = choice

    @scpi(":WAVeform:STReaming")
    def waveform_streaming(self, value: str) -> None:
        self.wav_streaming = parse_bool(value)

    @scpi(":WAVeform:STReaming?")
    def waveform_streaming_query(self) -> str:
        return "1" if self.wav_streaming else "0"

    def _scaling(self, channel: int | None = None) -> tuple[float, float, str]:
        """(V/div, offset, input) of a channel (the waveform source by default) when the record
        was taken."""
        n = self.wav_source if channel is None else channel
        if self.last is not None and n in self._last_vertical:
            return self._last_vertical[n]
        ch = self.channels[n]
        return ch.scale_v, ch.offset_v, ch.input

    def _lsb(self, channel: int | None = None) -> float:
        scale, _, _ = self._scaling(channel)
        return scale * DIVISIONS_V / ADC_CODES

    def to_codes(self, channel: int, v: np.ndarray) -> np.ndarray:
        """8-bit ADC codes (int64) of a channel's volts on the screen the record was taken on."""
        scale, offset, _ = self._last_vertical[channel]
        return adc_codes(v - offset, scale * DIVISIONS_V / ADC_CODES, 0, -ADC_CODES // 2,
                         ADC_CODES // 2 - 1)

    def codes(self, channel: int | None = None) -> np.ndarray:
        """ADC codes of a channel's (the waveform source's) last record: int8, or floats in ADC
        steps when the record is an average."""
        n = self.wav_source if channel is None else channel
        v = self.record_volts(n)
        if self.last_codes is not None and n in self.last_codes:
            return self.last_codes[n]
        return self.to_codes(n, v).astype(np.int8)

    def _yincrement(self) -> float:
        return self._lsb() / (256 if self.wav_format == "WORD" else 1)

    @scpi(":WAVeform:DATA?")
    def waveform_data(self, *args: str) -> bytes | str:
        if args:
            raise ScpiError(-221, ":WAVeform:DATA? <start>,<size> is not emulated")
        codes = self.codes()
        if self.wav_format == "ASCii":
            _, offset, _ = self._scaling()
            volts = codes * self._lsb() + offset
            return ",".join(format_number(v) for v in volts)
        averaged = codes.dtype != np.int8
        if self.wav_format == "BYTE":
            data = (np.round(codes).astype(np.int8) if averaged else codes).tobytes()
        else:  # WORD: an average carries the fraction of an ADC step in the low byte
            words = (np.clip(np.round(codes * 256), -32768, 32767).astype(np.int16)
                     if averaged else codes.astype(np.int16) * 256)
            data = words.astype(">i2" if self.wav_big_endian else "<i2").tobytes()
        return b"#0" + data if self.wav_streaming else format_block(data)

    @scpi(":WAVeform:POINts?")
    def waveform_points(self) -> str:
        return str(self._record().settings.points)

    @scpi(":WAVeform:XINCrement?")
    def waveform_xincrement(self) -> str:
        return format_number(self._record().settings.sample_interval_s)

    @scpi(":WAVeform:XREFerence?")
    def waveform_xreference(self) -> str:
        return "0"

    @scpi(":WAVeform:YREFerence?")
    def waveform_yreference(self) -> str:
        return "0"

    @scpi(":WAVeform:PREamble?")
    def waveform_preamble(self) -> str:
        acq = self._record()
        s = acq.settings
        scale, offset, coupling = self._scaling()
        now = time.gmtime()
        fields = [
            str(FORMAT_CODE[self.wav_format]),
            str(WAVEFORM_TYPE_RAW if self.last_codes is None else WAVEFORM_TYPE_AVERAGE),
            str(s.points),
            str(1 if self.last_codes is None else self.last_count),
            format_number(s.sample_interval_s),
            format_number(-s.pre_trigger_s),
            "0",  # xreference
            format_number(self._yincrement()),
            format_number(offset),
            "0",  # yreference
            str(COUPLING_CODE[coupling]),
            format_number(self.tb_scale_s * DIVISIONS_T),
            format_number(self.tb_position_s - self.tb_reference * self.tb_scale_s
                          * DIVISIONS_T),
            format_number(scale * DIVISIONS_V),
            format_number(offset - scale * DIVISIONS_V / 2),
            time.strftime('"%d %b %Y"', now),
            time.strftime('"%H:%M:%S:00"', now),
            '"MSO9104A:MY12345678"',
            "0",  # acquisition mode RTIMe
            "100",  # completion %
            "2",  # x units: second
            "1",  # y units: volt
            format_number(min(self._armed_bandwidth_hz, MAX_BANDWIDTH_HZ)),
            format_number(0.0),
        ]
        return ",".join(fields)

    # -- measurements ----------------------------------------

    def _measure_channel(self, args: tuple[str, ...], keywords: dict[str, tuple[str, ...]]
                         ) -> tuple[int, dict[str, str]]:
        """Split a measurement's arguments into keyword choices (by position, e.g. CYCLe|DISPlay)
        and an optional trailing <source>, which becomes the measurement source."""
        choices: dict[str, str] = {}
        rest = [a.strip() for a in args]
        for name, options in keywords.items():
            if rest and not rest[0].upper().startswith(("CHAN", "AUX")):
                choices[name] = parse_choice(rest.pop(0), options)
        if len(rest) > 1:
            raise ScpiError(-108, "one source at most")
        if rest:
            n = self._source(rest[0])
            if n == AUX:
                raise ScpiError(-224, "AUX cannot be measured")
            self.meas_sources = (n, self.meas_sources[1])
        return self.meas_sources[0], choices

    def _measured(self, n: int) -> tuple[np.ndarray, np.ndarray, float] | None:
        """(times, volts, volts per ADC step) of a channel's last record as the scope digitized
        it, or None before any acquisition."""
        self._poll()
        if self.last is None:
            return None
        s = self.last.settings
        scale, offset, _ = self._scaling(n)
        lsb = scale * DIVISIONS_V / ADC_CODES
        return s.grid_offsets, self.codes(n) * lsb + offset, lsb

    def _answer(self, args: tuple[str, ...], compute, keywords=None) -> str:
        n, choices = self._measure_channel(args, keywords or {})
        record = self._measured(n)
        value = None if record is None else compute(*record, **choices)
        return NO_RESULT if value is None else format_number(value)

    @scpi(":MEASure:SOURce")
    def measure_source(self, first: str, second: str | None = None) -> None:
        sources = tuple(self._source(x) for x in (first, second or first))
        if AUX in sources:
            raise ScpiError(-224, "AUX cannot be measured")
        self.meas_sources = (sources[0], sources[1])

    @scpi(":MEASure:SOURce?")
    def measure_source_query(self) -> str:
        return ",".join(f"CHAN{n}" for n in self.meas_sources)

    @scpi(":MEASure:CLEar")
    def measure_clear(self) -> None:
        """No measurement is installed on the emulated screen, so there is nothing to clear."""

    @scpi(":MEASure:VPP?")
    def measure_vpp(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: float(v.max() - v.min()))

    @scpi(":MEASure:VMAX?")
    def measure_vmax(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: float(v.max()))

    @scpi(":MEASure:VMIN?")
    def measure_vmin(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: float(v.min()))

    @scpi(":MEASure:VTOP?")
    def measure_vtop(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: wm.top_base(v, lsb)[0])

    @scpi(":MEASure:VBASe?")
    def measure_vbase(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: wm.top_base(v, lsb)[1])

    @scpi(":MEASure:VAMPlitude?")
    def measure_vamplitude(self, *args: str) -> str:
        return self._answer(args, lambda t, v, lsb: wm.amplitude(v, lsb))

    def _threshold(self, args: tuple[str, ...], which: int) -> str:
        def level(t, v, lsb):
            found = wm.thresholds(v, lsb)
            return None if found is None else found[which]
        return self._answer(args, level)

    @scpi(":MEASure:VLOWer?")
    def measure_vlower(self, *args: str) -> str:
        return self._threshold(args, 0)

    @scpi(":MEASure:VMIDdle?")
    def measure_vmiddle(self, *args: str) -> str:
        return self._threshold(args, 1)

    @scpi(":MEASure:VUPPer?")
    def measure_vupper(self, *args: str) -> str:
        return self._threshold(args, 2)

    @scpi(":MEASure:VAVerage?")
    def measure_vaverage(self, *args: str) -> str:
        def average(t, v, lsb, interval="DISPlay"):
            return wm.average(t, v, lsb, cycles=interval == "CYCLe")
        return self._answer(args, average, {"interval": ("CYCLe", "DISPlay")})

    @scpi(":MEASure:VRMS?")
    def measure_vrms(self, *args: str) -> str:
        def rms(t, v, lsb, interval="DISPlay", coupling="DC"):
            return wm.rms(t, v, lsb, cycles=interval == "CYCLe", ac=coupling == "AC")
        return self._answer(args, rms, {"interval": ("CYCLe", "DISPlay"),
                                        "coupling": ("AC", "DC")})

    def _timing(self, args: tuple[str, ...], measure) -> str:
        return self._answer(args, lambda t, v, lsb: measure(wm.edges(t, v, lsb)))

    @scpi(":MEASure:RISetime?")
    def measure_risetime(self, *args: str) -> str:
        return self._timing(args, wm.rise_time)

    @scpi(":MEASure:FALLtime?")
    def measure_falltime(self, *args: str) -> str:
        return self._timing(args, wm.fall_time)

    @scpi(":MEASure:PWIDth?")
    def measure_pwidth(self, *args: str) -> str:
        return self._timing(args, lambda found: wm.pulse_width(found, 1))

    @scpi(":MEASure:NWIDth?")
    def measure_nwidth(self, *args: str) -> str:
        return self._timing(args, lambda found: wm.pulse_width(found, -1))

    @scpi(":MEASure:PERiod?")
    def measure_period(self, *args: str) -> str:
        return self._timing(args, wm.period)

    @scpi(":MEASure:FREQuency?")
    def measure_frequency(self, *args: str) -> str:
        return self._timing(args, wm.frequency)
