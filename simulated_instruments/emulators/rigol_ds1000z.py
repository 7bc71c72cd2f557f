"""Rigol DS1000Z oscilloscope emulator (DS1054Z, DS1104Z): the analog channels, timebase, edge
trigger, acquisition and :WAVeform transfer of the DS1000Z programming guide, recording what
the bench's pulse path does.

Limits (from the DS1000Z user's and programming guides as far as found, otherwise recalled;
the constants below are the single place to correct them): 4 analog channels and no external
trigger input; 1 GSa/s with one channel on, 500 MSa/s with two, 250 MSa/s with three or four;
memory depths (the 24 Mpts option installed) 12k-24M points with one channel, 6k-12M with two,
3k-6M with three or four; 12 horizontal divisions; 8-bit ADC, 25 codes per vertical division
(8 divisions on screen, 10.24 in the codes 0-255); 1 mV/div to 10 V/div; offset ±2 V below
500 mV/div, ±100 V from it (probe 1×); trigger level within ±5 divisions of the screen centre.

Modelling choices:

- ``:CHANnel<n>:OFFSet`` is added to the signal (Rigol's convention): the screen centre shows
  −offset. Codes: code = 127 + yorigin + V / yincrement, yincrement = V/div / 25, yorigin =
  offset / yincrement rounded to an integer (the record is coded with that whole-code
  offset, so ``V = (code − yorigin − 127) × yincrement`` holds to half a code). A clipped
  input reads 0 or 255.
- ``:CHANnel<n>:SCALe`` snaps up to the 1-2-5 sequence unless ``:CHANnel<n>:VERNier ON``
  (fine adjustment) is set.
- Timebase: ``:TIMebase:MAIN:SCALe`` snaps up to the 1-2-5 sequence (5 ns to 50 s). The
  record is centred on the screen centre, which sits ``:TIMebase:MAIN:OFFSet`` after the
  trigger. ``:ACQuire:MDEPth AUTO`` takes the fastest rate of the 1-2-2.5-4-5 sequence whose
  12-division screen fits in the largest depth; a fixed depth records that many points at
  depth / screen, capped at the top rate (then the record is longer than the screen). A depth
  no longer allowed after channels are switched on acts as the largest allowed one.
- Transfer: NORMal sends the 1200 screen points (xincrement = scale / 100), RAW the record
  (only in the STOP state, else -221), MAXimum the record when stopped and the screen
  otherwise. ``:WAVeform:STARt``/``STOP`` (1-based, inclusive) select the points; one read
  sends at most 250 000 points in BYTE, 125 000 in WORD (little-endian, the code in the low
  byte) and 15 625 in ASCii (volts as text): a longer window answers an empty block and
  queues -222. Every block has a ``#9`` header.
- ``:SINGle`` and ``:RUN`` arm one acquisition. ``:TRIGger:STATus?`` lets the bench idle (up
  to ARM_WAIT_S of virtual time) while an acquisition is pending, then answers WAIT (armed,
  no trigger; AUTO in AUTO sweep), TD (triggered, still recording), STOP, or RUN after
  ``:RUN`` (re-arming for continuous acquisition is not modelled). AUTO sweep does not force
  a trigger. Only :ACQuire:TYPE NORMal and the EDGE trigger acquire (others: -221 on arming).
"""

from __future__ import annotations

import math

import numpy as np

from labmem.simulated_instruments.bench.acquisition import AcquisitionSettings
from labmem.simulated_instruments.emulators.scope_screen import (
    BenchScope,
    WaveformSource,
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
DIVISIONS_T = 12
CODES_PER_DIV = 25
Y_REFERENCE = 127
ADC_CODES = 256
SCREEN_POINTS = 1200
"""Points of the screen record (:WAVeform:MODE NORMal): 100 per horizontal division."""
MAX_RATE_SA_S = {1: 1e9, 2: 5e8, 3: 2.5e8, 4: 2.5e8}
"""Sample rate by the number of channels on: one ADC shared between them."""
MEMORY_DEPTHS = {1: (12_000, 120_000, 1_200_000, 12_000_000, 24_000_000),
                 2: (6_000, 60_000, 600_000, 6_000_000, 12_000_000),
                 3: (3_000, 30_000, 300_000, 3_000_000, 6_000_000)}
"""Allowed :ACQuire:MDEPth values by channels on (3 stands for three or four)."""
READ_LIMIT = {"BYTE": 250_000, "WORD": 125_000, "ASCii": 15_625}
"""Most points one :WAVeform:DATA? sends, by format."""
FORMAT_CODE = {"BYTE": 0, "WORD": 1, "ASCii": 2}
MODE_CODE = {"NORMal": 0, "MAXimum": 1, "RAW": 2}
SCALE_LIMITS_V = (1e-3, 10.0)
LARGE_OFFSET_SCALE_V = 0.5
"""From this V/div on the offset range is ±100 V, below it ±2 V (probe 1×)."""
OFFSET_LIMITS_V = (2.0, 100.0)
VERTICAL_SCALES_V = tuple(m * 10.0 ** e for e in range(-3, 2) for m in (1.0, 2.0, 5.0)
                          if m * 10.0 ** e <= SCALE_LIMITS_V[1] * (1 + 1e-9))
"""Coarse V/div steps; :CHANnel<n>:VERNier ON (fine adjustment) takes any value between."""
PROBE_RATIOS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
                200.0, 500.0, 1000.0)
TIMEBASE_SCALES_S = tuple(m * 10.0 ** e for e in range(-9, 2) for m in (1.0, 2.0, 5.0)
                          if 5e-9 * (1 - 1e-9) <= m * 10.0 ** e <= 50.0 * (1 + 1e-9))
TIMEBASE_OFFSET_MAX_S = 1.0
TRIGGER_LEVEL_DIVISIONS = 5


def short(mnemonic: str) -> str:
    """The short form of a manual-notation mnemonic (its upper-case part): NORMal → NORM."""
    return "".join(ch for ch in mnemonic if not ch.islower())


def step_up(value: float, steps: tuple[float, ...]) -> float:
    """The smallest of the increasing steps at or above value (the largest if none)."""
    return next((s for s in steps if s >= value * (1 - 1e-9)), steps[-1])


def timebase_step(value_s: float) -> float:
    """The coarse timebase scale (1-2-5 sequence) at or above value_s."""
    return step_up(value_s, TIMEBASE_SCALES_S)


def scale_step(value_v: float) -> float:
    """The coarse vertical scale (1-2-5 sequence, probe 1×) at or above value_v."""
    return step_up(value_v, VERTICAL_SCALES_V)


class _Channel:
    """One analog input's vertical settings."""

    def __init__(self, number: int) -> None:
        self.display = number == 1
        self.scale_v = 1.0
        self.offset_v = 0.0
        self.coupling = "DC"
        self.probe = 1.0
        self.bwlimit = False
        self.vernier = False

    def offset_limit(self) -> float:
        large = self.scale_v >= LARGE_OFFSET_SCALE_V * self.probe * (1 - 1e-9)
        return OFFSET_LIMITS_V[large] * self.probe

    def centre_v(self) -> float:
        """Voltage at the screen centre (the offset is added to the signal)."""
        return -self.offset_v


class RigolDS1000ZEmulator(WaveformSource, BenchScope):
    """Emulated Rigol DS1054Z on a simulated bench."""

    idn = "RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000001,00.04.04.SP4"

    def __init__(self, bench) -> None:
        super().__init__(bench)
        self.reset()

    def reset(self) -> None:
        """*RST values (the acquisition left stopped)."""
        self.channels = {n: _Channel(n) for n in range(1, N_CHANNELS + 1)}
        self.tb_scale_s = 1e-6
        self.tb_offset_s = 0.0
        self.acq_type = "NORMal"
        self.mdepth: int | None = None  # AUTO
        self.trig_mode = "EDGE"
        self.trig_source = 1
        self.trig_slope = 1
        self.trig_level_v = 0.0
        self.trig_sweep = "AUTO"
        self.running = False
        self.wav_source = 1
        self.wav_mode = "NORMal"
        self.wav_format = "BYTE"
        self.wav_start = 1
        self.wav_stop = SCREEN_POINTS
        self.last = None
        self._last_vertical = {}
        self._last_timebase = (self.tb_scale_s, self.tb_offset_s)
        self.drop_pending()

    def format_error(self, code: int, message: str) -> str:
        """Rigol answers :SYSTem:ERRor? without a sign on 0: 0,"No error"."""
        return f'{code},"{message}"'

    # -- acquisition settings ----------------------------------------

    def channels_on(self) -> int:
        """Channels sharing the ADC (at least one)."""
        return max(1, sum(c.display for c in self.channels.values()))

    def depths(self) -> tuple[int, ...]:
        return MEMORY_DEPTHS[min(self.channels_on(), 3)]

    def record_settings(self) -> tuple[float, int]:
        """(sample rate, points) of the record the current settings give."""
        top = MAX_RATE_SA_S[self.channels_on()]
        depths = self.depths()
        screen_s = DIVISIONS_T * self.tb_scale_s
        if self.mdepth is None:
            rate = fastest_rate(rate_sequence(1.0, top), screen_s, depths[-1])
            return rate, max(2, math.ceil(screen_s * rate - 1e-6))
        depth = max([d for d in depths if d <= self.mdepth] or [depths[0]])
        return min(top, depth / screen_s), depth

    def settings(self) -> AcquisitionSettings:
        """The acquisition the current settings describe."""
        rate, points = self.record_settings()
        pre = points / rate / 2 - self.tb_offset_s
        return AcquisitionSettings(1.0 / rate, points, pre, self.trig_source, self.trig_level_v,
                                   self.trig_slope)

    def vertical(self) -> dict[int, tuple[float, float]]:
        """(V/div, offset) of every channel, kept with the record."""
        return {n: (c.scale_v, c.offset_v) for n, c in self.channels.items()}

    def _arm(self) -> None:
        for what, value, wanted in (("acquisition type", self.acq_type, "NORMal"),
                                    ("trigger mode", self.trig_mode, "EDGE")):
            if value != wanted:
                raise ScpiError(-221, f"{what} {value} is not emulated")
        self._last_timebase = (self.tb_scale_s, self.tb_offset_s)
        super()._arm()

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
        return str(int(self._channel(n).display))

    @scpi(":CHANnel<n>:SCALe")
    def channel_scale(self, n: int, value: str) -> None:
        ch = self._channel(n)
        lo, hi = SCALE_LIMITS_V
        scale = parse_number(value, "V", lo * ch.probe, hi * ch.probe)
        ch.scale_v = scale if ch.vernier else ch.probe * scale_step(scale / ch.probe)
        limit = ch.offset_limit()
        ch.offset_v = min(max(ch.offset_v, -limit), limit)

    @scpi(":CHANnel<n>:SCALe?")
    def channel_scale_query(self, n: int) -> str:
        return f"{self._channel(n).scale_v:e}"

    @scpi(":CHANnel<n>:VERNier")
    def channel_vernier(self, n: int, on: str) -> None:
        self._channel(n).vernier = parse_bool(on)

    @scpi(":CHANnel<n>:VERNier?")
    def channel_vernier_query(self, n: int) -> str:
        return str(int(self._channel(n).vernier))

    @scpi(":CHANnel<n>:OFFSet")
    def channel_offset(self, n: int, value: str) -> None:
        ch = self._channel(n)
        limit = ch.offset_limit()
        ch.offset_v = parse_number(value, "V", -limit, limit)

    @scpi(":CHANnel<n>:OFFSet?")
    def channel_offset_query(self, n: int) -> str:
        return f"{self._channel(n).offset_v:e}"

    @scpi(":CHANnel<n>:COUPling")
    def channel_coupling(self, n: int, value: str) -> None:
        choice = parse_choice(value, ("DC", "AC", "GND"))
        if choice != "DC":
            raise ScpiError(-221, f"{choice} coupling is not emulated")
        self._channel(n).coupling = choice

    @scpi(":CHANnel<n>:COUPling?")
    def channel_coupling_query(self, n: int) -> str:
        return self._channel(n).coupling

    @scpi(":CHANnel<n>:PROBe")
    def channel_probe(self, n: int, value: str) -> None:
        ch = self._channel(n)
        ratio = parse_number(value)
        match = [r for r in PROBE_RATIOS if math.isclose(r, ratio, rel_tol=1e-6)]
        if not match:
            raise ScpiError(-224, f"probe ratio {value!r} is not one of {PROBE_RATIOS}")
        factor = match[0] / ch.probe
        ch.probe *= factor  # V/div and offset follow the probe (the screen stays put)
        ch.scale_v *= factor
        ch.offset_v *= factor

    @scpi(":CHANnel<n>:PROBe?")
    def channel_probe_query(self, n: int) -> str:
        return f"{self._channel(n).probe:e}"

    @scpi(":CHANnel<n>:BWLimit")
    def channel_bwlimit(self, n: int, value: str) -> None:
        self._channel(n).bwlimit = parse_choice(value, ("20M", "OFF")) == "20M"

    @scpi(":CHANnel<n>:BWLimit?")
    def channel_bwlimit_query(self, n: int) -> str:
        return "20M" if self._channel(n).bwlimit else "OFF"

    # -- timebase ----------------------------------------

    @scpi(":TIMebase[:MAIN]:SCALe")
    def timebase_scale(self, value: str) -> None:
        self.tb_scale_s = timebase_step(parse_number(value, "S", TIMEBASE_SCALES_S[0] * 0.999,
                                                     TIMEBASE_SCALES_S[-1]))

    @scpi(":TIMebase[:MAIN]:SCALe?")
    def timebase_scale_query(self) -> str:
        return f"{self.tb_scale_s:e}"

    @scpi(":TIMebase[:MAIN]:OFFSet")
    def timebase_offset(self, value: str) -> None:
        half_screen = DIVISIONS_T / 2 * self.tb_scale_s
        self.tb_offset_s = parse_number(value, "S", -half_screen, TIMEBASE_OFFSET_MAX_S)

    @scpi(":TIMebase[:MAIN]:OFFSet?")
    def timebase_offset_query(self) -> str:
        return f"{self.tb_offset_s:e}"

    # -- acquisition ----------------------------------------

    @scpi(":ACQuire:TYPE")
    def acquire_type(self, value: str) -> None:
        self.acq_type = parse_choice(value, ("NORMal", "AVERages", "PEAK", "HRESolution"))

    @scpi(":ACQuire:TYPE?")
    def acquire_type_query(self) -> str:
        return short(self.acq_type)

    @scpi(":ACQuire:MDEPth")
    def acquire_mdepth(self, value: str) -> None:
        if value.strip().upper() == "AUTO":
            self.mdepth = None
            return
        depth = parse_int(value, 1, MEMORY_DEPTHS[1][-1])
        if depth not in self.depths():
            raise ScpiError(-224, f"memory depth {depth} with {self.channels_on()} channel(s) "
                                  f"on is not one of AUTO, {self.depths()}")
        self.mdepth = depth

    @scpi(":ACQuire:MDEPth?")
    def acquire_mdepth_query(self) -> str:
        return "AUTO" if self.mdepth is None else str(self.record_settings()[1])

    @scpi(":ACQuire:SRATe?")
    def acquire_srate_query(self) -> str:
        return f"{self.record_settings()[0]:e}"

    # -- trigger ----------------------------------------

    @staticmethod
    def _source(value: str) -> int:
        """A trigger or waveform source: CHANnel1-4 only (the DS1000Z has no aux input)."""
        return parse_edge_source(value, N_CHANNELS, ())

    @scpi(":TRIGger:MODE")
    def trigger_mode(self, value: str) -> None:
        self.trig_mode = short(parse_choice(value, (
            "EDGE", "PULSe", "RUNT", "WIND", "SLOPe", "NEDGe", "PATTern", "DELay", "TIMeout",
            "DURation", "SHOLd", "VIDeo", "RS232", "IIC", "SPI")))

    @scpi(":TRIGger:MODE?")
    def trigger_mode_query(self) -> str:
        return self.trig_mode

    @scpi(":TRIGger:EDGe:SOURce")
    def trigger_edge_source(self, value: str) -> None:
        self.trig_source = self._source(value)

    @scpi(":TRIGger:EDGe:SOURce?")
    def trigger_edge_source_query(self) -> str:
        return f"CHAN{self.trig_source}"

    @scpi(":TRIGger:EDGe:SLOPe")
    def trigger_edge_slope(self, value: str) -> None:
        choice = parse_choice(value, ("POSitive", "NEGative", "RFALl"))
        if choice == "RFALl":
            raise ScpiError(-221, "slope RFALl is not emulated")
        self.trig_slope = 1 if choice == "POSitive" else -1

    @scpi(":TRIGger:EDGe:SLOPe?")
    def trigger_edge_slope_query(self) -> str:
        return "POS" if self.trig_slope > 0 else "NEG"

    @scpi(":TRIGger:EDGe:LEVel")
    def trigger_edge_level(self, value: str) -> None:
        ch = self.channels[self.trig_source]
        span = TRIGGER_LEVEL_DIVISIONS * ch.scale_v
        self.trig_level_v = parse_number(value, "V", ch.centre_v() - span, ch.centre_v() + span)

    @scpi(":TRIGger:EDGe:LEVel?")
    def trigger_edge_level_query(self) -> str:
        return f"{self.trig_level_v:e}"

    @scpi(":TRIGger:SWEep")
    def trigger_sweep(self, value: str) -> None:
        self.trig_sweep = short(parse_choice(value, ("AUTO", "NORMal", "SINGle")))

    @scpi(":TRIGger:SWEep?")
    def trigger_sweep_query(self) -> str:
        return self.trig_sweep

    @scpi(":TRIGger:STATus?")
    def trigger_status(self) -> str:
        if self._pending():
            self.wait_complete()
        if self._pending():
            if self._trig_seen:
                return "TD"
            return "AUTO" if self.trig_sweep == "AUTO" else "WAIT"
        return "RUN" if self.running else "STOP"

    # -- run control ----------------------------------------

    @scpi(":SINGle")
    def single(self) -> None:
        self.trig_sweep = "SING"
        self.running = False
        self._arm()

    @scpi(":RUN")
    def run(self) -> None:
        self._arm()
        self.running = True

    @scpi(":STOP")
    def stop(self) -> None:
        self.running = False
        self.drop_pending()

    # -- waveform ----------------------------------------

    @scpi(":WAVeform:MODE")
    def waveform_mode(self, value: str) -> None:
        self.wav_mode = parse_choice(value, tuple(MODE_CODE))

    @scpi(":WAVeform:MODE?")
    def waveform_mode_query(self) -> str:
        return short(self.wav_mode)

    @scpi(":WAVeform:FORMat")
    def waveform_format(self, value: str) -> None:
        self.wav_format = parse_choice(value, tuple(FORMAT_CODE))

    @scpi(":WAVeform:FORMat?")
    def waveform_format_query(self) -> str:
        return short(self.wav_format)

    @scpi(":WAVeform:STARt")
    def waveform_start(self, value: str) -> None:
        self.wav_start = parse_int(value, 1, MEMORY_DEPTHS[1][-1])

    @scpi(":WAVeform:STARt?")
    def waveform_start_query(self) -> str:
        return str(self.wav_start)

    @scpi(":WAVeform:STOP")
    def waveform_stop(self, value: str) -> None:
        self.wav_stop = parse_int(value, 1, MEMORY_DEPTHS[1][-1])

    @scpi(":WAVeform:STOP?")
    def waveform_stop_query(self) -> str:
        return str(self.wav_stop)

    def _stopped(self) -> bool:
        return not self._pending() and not self.running

    def _memory(self) -> bool:
        """True when the transfer reads the record (RAW, or MAXimum when stopped), False for
        the screen; RAW outside the STOP state is -221."""
        if self.wav_mode == "RAW" and not self._stopped():
            raise ScpiError(-221, "the internal memory is read in the STOP state (:STOP)")
        return self.wav_mode == "RAW" or (self.wav_mode == "MAXimum" and self._stopped())

    def _indices(self) -> np.ndarray:
        """Record indices of the points the mode makes available."""
        points = self._record().settings.points
        if self._memory():
            return np.arange(points)
        acq = self._record()
        scale, offset = self._last_timebase
        t = offset - DIVISIONS_T / 2 * scale + np.arange(SCREEN_POINTS) * scale / 100
        j = np.round((t + acq.settings.pre_trigger_s) / acq.settings.sample_interval_s)
        return np.clip(j, 0, points - 1).astype(np.int64)

    def _x(self) -> tuple[float, float]:
        """(xincrement, xorigin) of the available points."""
        acq = self._record()
        if self._memory():
            return acq.settings.sample_interval_s, -acq.settings.pre_trigger_s
        scale, offset = self._last_timebase
        return scale / 100, offset - DIVISIONS_T / 2 * scale

    def _y(self) -> tuple[float, int]:
        """(yincrement, yorigin) of the waveform source when the record was taken."""
        scale, offset = self._last_vertical[self.wav_source]
        yinc = scale / CODES_PER_DIV
        return yinc, round(offset / yinc)

    def codes(self) -> np.ndarray:
        """ADC codes (0-255, 127 + yorigin at 0 V) of the available points."""
        idx = self._indices()
        yinc, yorigin = self._y()
        v = self.record_volts(self.wav_source)[idx]
        return adc_codes(v, yinc, Y_REFERENCE + yorigin, 0, ADC_CODES - 1)

    @scpi(":WAVeform:DATA?")
    def waveform_data(self) -> bytes:
        codes = self.codes()
        first, last = self.wav_start, min(self.wav_stop, codes.size)
        if first > last or last - first + 1 > READ_LIMIT[self.wav_format]:
            self.push_error(-222, f"points {first} to {self.wav_stop} of {codes.size}: one "
                                  f"read sends 1 to {READ_LIMIT[self.wav_format]} points "
                                  f"in {self.wav_format}")
            return format_block(b"", 9)
        part = codes[first - 1:last]
        if self.wav_format == "BYTE":
            return format_block(part.astype(np.uint8).tobytes(), 9)
        if self.wav_format == "WORD":
            return format_block(part.astype("<u2").tobytes(), 9)
        yinc, yorigin = self._y()
        volts = (part - yorigin - Y_REFERENCE) * yinc
        return format_block(",".join(f"{v:e}" for v in volts).encode(), 9)

    @scpi(":WAVeform:XINCrement?")
    def waveform_xincrement(self) -> str:
        return f"{self._x()[0]:e}"

    @scpi(":WAVeform:XORigin?")
    def waveform_xorigin(self) -> str:
        return f"{self._x()[1]:e}"

    @scpi(":WAVeform:XREFerence?")
    def waveform_xreference(self) -> str:
        return "0"

    @scpi(":WAVeform:YINCrement?")
    def waveform_yincrement(self) -> str:
        self._record()
        return f"{self._y()[0]:e}"

    @scpi(":WAVeform:YORigin?")
    def waveform_yorigin(self) -> str:
        self._record()
        return str(self._y()[1])

    @scpi(":WAVeform:YREFerence?")
    def waveform_yreference(self) -> str:
        return str(Y_REFERENCE)

    @scpi(":WAVeform:PREamble?")
    def waveform_preamble(self) -> str:
        points = self._indices().size
        xinc, xorigin = self._x()
        yinc, yorigin = self._y()
        return (f"{FORMAT_CODE[self.wav_format]},{MODE_CODE[self.wav_mode]},{points},1,{xinc:e},"
                f"{xorigin:e},0,{yinc:e},{yorigin},{Y_REFERENCE}")


class RigolDS1104ZEmulator(RigolDS1000ZEmulator):
    """Emulated Rigol DS1104Z (100 MHz; the bandwidth is not modelled)."""

    idn = "RIGOL TECHNOLOGIES,DS1104Z,DS1ZA000000002,00.04.04.SP4"
