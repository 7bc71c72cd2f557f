"""Keysight (Agilent) 81160A 330 MHz pulse function arbitrary noise generator emulator: the
81150A/81160A SCPI command set (both share it), two channels, channel 1 on the bench's pulse
path as an EMF behind the output impedance, channel 2 fully emulated but not wired.

Facts from the 81150A/81160A User's Guide (stored excerpts): pulse period 3.03 ns … 1,000,000 s
(1 Hz … 330 MHz) on the 81160A; the period must exceed the width plus 1.6 × the edge time;
the width runs from the start of the leading edge to the start of the trailing edge (edges turn
about their start points); the pulse period is ignored for triggered single pulses; headers take
a channel suffix, e.g. ``:PULSe:PERiod[1|2]``.

Facts from the 81160A data sheet as PyMeasure's ``Keysight81160A`` encodes them (the stored
manual excerpts do not give them; the constants below are the single place to correct them):
sine to 500 MHz, pulse width ≥ 1.5 ns, transition times (10–90 %) 1 ns … 1000 s, amplitude
50 mVpp … 5 Vpp into 50 Ω with the levels inside ±5 V (twice into high impedance).
Recalled, not found in any stored source: 14-bit DAC (codes ±8191 with ``:DATA:DAC``), 2.5 GSa/s,
arbitrary waveforms of 2 … 16,384 points (the 81150A's 524,288-point memory is not the 81160A's),
arb frequency ≥ 1 µHz, source impedance 50 Ω or 5 Ω (``:OUTPut:IMPedance``), four named
non-volatile user waveforms beside VOLATILE.

Modelling choices:

- Levels are programmed for the expected load (``:OUTPut:LOAD``); the EMF is level × (load +
  source) / load. The output window is ±10 V of EMF, whatever the source impedance (the bench's
  series path always uses 50 Ω: the 45 Ω difference against ≥ 1 kΩ of series resistance is
  ignored). With the output off (the relay open) the pulse path sees 0 V.
- Edges are linear ramps 1.25 × the programmed 10–90 % transition long, so the scope measures
  the programmed transition. Arb points step with edges of the fastest transition (1 ns).
- ``:ARM:SOURce IMMediate`` runs continuously; MANual (``*TRG``) or EXTernal arms a burst of
  ``:TRIGger:COUNt`` periods. The trigger output (the sync) gives one edge per period in
  continuous mode and one at the start of each burst, with the leading edge at the programmed
  delay after it (no fixed delay). Between bursts the output sits at the idle level: the pulse
  base line (low level, high when inverted), otherwise the offset (DAC code 0).
- Settings the instrument cannot make are refused (−222 out of range, −221 settings conflict)
  and change nothing; the real instrument may adjust coupled values instead.
- PyMeasure's ``Keysight81160A`` derives from its 33500 driver and sends some 33500-family
  headers (``:BURSt…``, ``:FUNCtion:ARBitrary…``, ``:DATA:ARBitrary…``, ``:DATA:VOLatile:CLEar``,
  ``:FUNCtion:PULSe:…``, ``:PHASe:SYNChronize``, ``:OUTPut:TRIGger``, ``:DISPlay:TEXT``). They
  are accepted as aliases of the 81160A settings they name, so that driver works unmodified;
  the stored manual excerpts neither confirm nor deny them.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import numpy as np

from labmem.simulated_instruments.emulators.awg_output import (
    emf_gain,
    format_load,
    framed,
    hold_knots,
    parse_load,
    periodic_knots,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_number,
    parse_block,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
    parse_numbers,
)

log = logging.getLogger(__name__)

CHANNELS = 2
SHAPES = {"SINusoid": "SIN", "SQUare": "SQU", "RAMP": "RAMP", "PULSe": "PULS", "NOISe": "NOIS",
          "DC": "DC", "USER": "USER"}
"""Manual-notation choice → the short form :FUNCtion? answers."""
FREQ_MAX_HZ = {"SIN": 500e6, "SQU": 330e6, "RAMP": 330e6, "PULS": 330e6, "USER": 330e6,
               "NOIS": 330e6, "DC": 330e6}
FREQ_MIN_HZ = 1e-6
PERIOD_S = (3.03e-9, 1e6)
WIDTH_MIN_S = 1.5e-9
TRANSITION_S = (1e-9, 1e3)
"""10–90 % transition time limits."""
RAMP_PER_TRANSITION = 1.25
"""A linear edge spans 1/0.8 of its 10–90 % time."""
PERIOD_EDGE_FACTOR = 1.6
"""Period ≥ width + 1.6 × edge time (User's Guide)."""
EMF_MAX_V = 10.0
"""Largest |EMF| (±5 V programmed into 50 Ω behind 50 Ω)."""
EMF_VPP_V = (0.1, 10.0)
"""Amplitude limits in EMF (50 mVpp … 5 Vpp into 50 Ω behind 50 Ω)."""
SOURCE_OHMS = (50.0, 5.0)
LOAD_OHM = (0.3, 1e6)
DAC_MAX = 8191
SAMPLE_RATE = 2.5e9
ARB_POINTS = (2, 16384)
ARB_EDGE_S = TRANSITION_S[0]
TRIGGER_COUNT_MAX = 2**31 - 1
SINE_KNOTS = 64
NVOL_SLOTS = 4
_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,11}$")


@dataclass
class Channel:
    """One output channel's settings (*RST values; the manual's defaults are not in the stored
    excerpts except the 1 MHz pulse frequency)."""

    shape: str = "SIN"
    freq_hz: float = 1e6
    vpp: float = 0.1
    offset_v: float = 0.0
    unit: str = "VPP"
    load_ohm: float = 50.0
    source_ohm: float = 50.0
    output_on: bool = False
    inverted: bool = False
    trigger_out: bool = True
    phase_deg: float = 0.0
    square_duty: float = 50.0
    ramp_symmetry: float = 100.0
    width_s: float = 100e-9
    hold: str = "WIDT"
    duty_pct: float = 10.0
    delay_s: float = 0.0
    lead_s: float = 1e-9
    trail_s: float = 1e-9
    trail_auto: bool = True
    double: bool = False
    double_delay_s: float = 200e-9
    arm_source: str = "IMM"
    trigger_count: int = 1
    trigger_source: str = "IMM"
    burst_mode: str = "TRIG"
    burst_period_s: float = 10e-3
    arb_advance: str = "SRAT"
    arb_filter: str = "STEP"
    user_name: str = "VOLATILE"
    limit_on: bool = False
    limit_high_v: float = 5.0
    limit_low_v: float = -5.0
    volatile: np.ndarray | None = None
    bursts_played: int = 0
    t_ref: float = 0.0
    user_arbs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def gain(self) -> float:
        """EMF per programmed volt for the expected load and the source impedance."""
        return emf_gain(self.load_ohm, self.source_ohm)

    @property
    def period_s(self) -> float:
        return 1.0 / self.freq_hz

    @property
    def high_v(self) -> float:
        return self.offset_v + self.vpp / 2

    @property
    def low_v(self) -> float:
        return self.offset_v - self.vpp / 2


class K81160AEmulator(ScpiInstrument):
    """Keysight 81160A on the simulated bench (channel 1 is the AWG of the pulse set-up)."""

    idn = "Agilent Technologies,81160A,DE51600123,2.0.0.0-2.5"
    error_queue_size = 30

    def __init__(self, bench) -> None:
        super().__init__()
        self.bench = bench
        self.reset()

    def reset(self) -> None:
        """*RST: both outputs off (the relay open), 1 MHz sine, continuous."""
        self.channels = [Channel(t_ref=self.bench.now) for _ in range(CHANNELS)]
        self.border = "NORM"
        self.display_text = ""

    def _ch(self, *suffixes: int) -> Channel:
        """The channel a header names (a suffix on any of its keywords; 1 by default)."""
        n = max(suffixes)
        if not 1 <= n <= CHANNELS:
            raise ScpiError(-114, f"channel {n}; the 81160A has {CHANNELS}")
        return self.channels[n - 1]

    def _restart(self, ch: Channel) -> None:
        """A periodic output restarts its phase now (after any change of the waveform)."""
        ch.t_ref = self.bench.now

    def format_error(self, code: int, message: str) -> str:
        """Answers as -113,"Undefined header"."""
        return f'{code:d},"{message.split(";")[0]}"'

    # -- checks -----------------------------------------------------------------------------

    def _check_levels(self, ch: Channel, high: float, low: float, gain: float | None = None
                      ) -> None:
        """Refuse levels outside the ±10 V EMF window, an amplitude outside 0.1 … 10 Vpp of
        EMF, or beyond the voltage limits when they are on (−222)."""
        g = ch.gain if gain is None else gain
        if high < low:
            raise ScpiError(-221, f"high level {high:g} V below low level {low:g} V")
        if max(abs(high), abs(low)) * g > EMF_MAX_V + 1e-9:
            raise ScpiError(-222, f"levels {low:g} … {high:g} V exceed ±{EMF_MAX_V / g:g} V "
                                  "for this load")
        if (high - low) * g > EMF_VPP_V[1] + 1e-9:
            raise ScpiError(-222, f"amplitude {high - low:g} Vpp above {EMF_VPP_V[1] / g:g}")
        if (high - low) * g < EMF_VPP_V[0] - 1e-12 and ch.shape != "DC":
            raise ScpiError(-222, f"amplitude {high - low:g} Vpp below {EMF_VPP_V[0] / g:g}")
        if ch.limit_on and (high > ch.limit_high_v + 1e-12 or low < ch.limit_low_v - 1e-12):
            raise ScpiError(-222, "levels beyond the voltage limits")

    def _check_pulse(self, ch: Channel, **new: float) -> None:
        """Refuse pulse timing that does not fit (−221): the width holds the leading edge, the
        period holds delay, width (and the second pulse) plus 1.6 × the trailing edge."""
        p = {k: new.get(k, getattr(ch, k)) for k in
             ("width_s", "lead_s", "trail_s", "delay_s", "double_delay_s", "freq_hz")}
        period = 1.0 / p["freq_hz"]
        if p["width_s"] < RAMP_PER_TRANSITION * p["lead_s"] - 1e-15:
            raise ScpiError(-221, f"width {p['width_s']:g} s shorter than the leading edge")
        tail = p["width_s"] + PERIOD_EDGE_FACTOR * p["trail_s"]
        end = p["delay_s"] + tail
        if new.get("double", ch.double):
            if p["double_delay_s"] < tail - 1e-15:
                raise ScpiError(-221, f"double-pulse delay {p['double_delay_s']:g} s shorter "
                                      f"than width + 1.6 × trailing edge ({tail:g} s)")
            end = p["delay_s"] + p["double_delay_s"] + tail
        if end > period * (1 + 1e-12):
            raise ScpiError(-221, f"pulse needs {end:g} s; the period is {period:g} s")

    def _arb(self, ch: Channel, name: str | None = None) -> np.ndarray:
        name = (name or ch.user_name).upper()
        if name == "VOLATILE":
            if ch.volatile is None:
                raise ScpiError(-221, "no waveform in volatile memory")
            return ch.volatile
        if name in ch.user_arbs:
            return ch.user_arbs[name]
        raise ScpiError(-224, f"user waveform {name!r} does not exist")

    def _freq_max(self, ch: Channel, shape: str) -> float:
        if shape == "USER":
            return min(FREQ_MAX_HZ["USER"], SAMPLE_RATE / self._arb(ch).size)
        if shape == "PULS":
            return 1.0 / PERIOD_S[0]
        return FREQ_MAX_HZ[shape]

    # -- function, frequency, period ------------------------------------------------------

    @scpi("[:SOURce<n>]:FUNCtion<n>[:SHAPe]")
    def function(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        shape = SHAPES[parse_choice(value, tuple(SHAPES))]
        if ch.freq_hz > self._freq_max(ch, shape):
            raise ScpiError(-221, f"{ch.freq_hz:g} Hz too high for {shape}")
        if shape == "PULS":
            self._check_pulse(ch)
        ch.shape = shape
        self._restart(ch)

    @scpi("[:SOURce<n>]:FUNCtion<n>[:SHAPe]?")
    def function_query(self, s: int, n: int) -> str:
        return self._ch(s, n).shape

    def _set_freq(self, ch: Channel, freq: float) -> None:
        if ch.shape == "PULS":
            width = ch.width_s if ch.hold == "WIDT" else ch.duty_pct / 100 / freq
            self._check_pulse(ch, freq_hz=freq, width_s=width)
            ch.width_s = width
        ch.freq_hz = freq
        self._restart(ch)

    @scpi("[:SOURce<n>]:FREQuency<n>[:CW]")
    @scpi("[:SOURce<n>]:PULSe:FREQuency<n>")
    def frequency(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        self._set_freq(ch, parse_number(value, "HZ", FREQ_MIN_HZ,
                                        self._freq_max(ch, ch.shape), default=1e6))

    @scpi("[:SOURce<n>]:FREQuency<n>[:CW]?")
    @scpi("[:SOURce<n>]:PULSe:FREQuency<n>?")
    def frequency_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).freq_hz)

    @scpi("[:SOURce<n>]:PULSe:PERiod<n>")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:PERiod")
    def pulse_period(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        lo = max(PERIOD_S[0], 1.0 / self._freq_max(ch, ch.shape))
        self._set_freq(ch, 1.0 / parse_number(value, "S", lo, 1.0 / FREQ_MIN_HZ, default=1e-6))

    @scpi("[:SOURce<n>]:PULSe:PERiod<n>?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:PERiod?")
    def pulse_period_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).period_s)

    # -- pulse timing -----------------------------------------------------------------------

    @scpi("[:SOURce<n>]:PULSe:WIDTh<n>")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:WIDTh")
    def pulse_width(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        width = parse_number(value, "S", WIDTH_MIN_S, PERIOD_S[1])
        self._check_pulse(ch, width_s=width)
        ch.width_s, ch.duty_pct = width, 100 * width * ch.freq_hz

    @scpi("[:SOURce<n>]:PULSe:WIDTh<n>?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:WIDTh?")
    def pulse_width_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).width_s)

    @scpi("[:SOURce<n>]:PULSe:DCYCle<n>")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:DCYCle")
    def pulse_duty(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        duty = parse_number(value, "PCT", 0.0, 100.0)
        width = duty / 100 * ch.period_s
        if width < WIDTH_MIN_S:
            raise ScpiError(-222, f"duty cycle {duty:g} % gives a width under {WIDTH_MIN_S:g} s")
        self._check_pulse(ch, width_s=width)
        ch.width_s, ch.duty_pct = width, duty

    @scpi("[:SOURce<n>]:PULSe:DCYCle<n>?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:DCYCle?")
    def pulse_duty_query(self, s: int, n: int) -> str:
        ch = self._ch(s, n)
        return format_number(100 * ch.width_s * ch.freq_hz)

    @scpi("[:SOURce<n>]:PULSe:HOLD<n>")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:HOLD")
    def pulse_hold(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).hold = parse_choice(value, ("WIDTh", "DCYCle"))[:4].upper()

    @scpi("[:SOURce<n>]:PULSe:HOLD<n>?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:HOLD?")
    def pulse_hold_query(self, s: int, n: int) -> str:
        return self._ch(s, n).hold

    @scpi("[:SOURce<n>]:PULSe:DELay<n>")
    def pulse_delay(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        delay = parse_number(value, "S", 0.0, PERIOD_S[1])
        self._check_pulse(ch, delay_s=delay)
        ch.delay_s = delay

    @scpi("[:SOURce<n>]:PULSe:DELay<n>?")
    def pulse_delay_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).delay_s)

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>[:LEADing]")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:TRANsition[:LEADing]")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:TRANsition:BOTH")
    def transition_leading(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        lead = parse_number(value, "S", *TRANSITION_S)
        trail = lead if ch.trail_auto else ch.trail_s
        self._check_pulse(ch, lead_s=lead, trail_s=trail)
        ch.lead_s, ch.trail_s = lead, trail

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>[:LEADing]?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:PULSe:TRANsition[:LEADing]?")
    def transition_leading_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).lead_s)

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>:TRAiling")
    def transition_trailing(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        trail = parse_number(value, "S", *TRANSITION_S)
        self._check_pulse(ch, trail_s=trail)
        ch.trail_s, ch.trail_auto = trail, False

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>:TRAiling?")
    def transition_trailing_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).trail_s)

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>:TRAiling:AUTO")
    def transition_auto(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        if parse_bool(value):
            self._check_pulse(ch, trail_s=ch.lead_s)
            ch.trail_s = ch.lead_s
        ch.trail_auto = parse_bool(value)

    @scpi("[:SOURce<n>]:PULSe:TRANsition<n>:TRAiling:AUTO?")
    def transition_auto_query(self, s: int, n: int) -> str:
        return str(int(self._ch(s, n).trail_auto))

    @scpi("[:SOURce<n>]:PULSe:DOUBle<n>[:STATe]")
    def double_state(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        on = parse_bool(value)
        if on:
            self._check_pulse(ch, double=True)
        ch.double = on

    @scpi("[:SOURce<n>]:PULSe:DOUBle<n>[:STATe]?")
    def double_state_query(self, s: int, n: int) -> str:
        return str(int(self._ch(s, n).double))

    @scpi("[:SOURce<n>]:PULSe:DOUBle<n>:DELay")
    def double_delay(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        delay = parse_number(value, "S", 0.0, PERIOD_S[1])
        self._check_pulse(ch, double_delay_s=delay)
        ch.double_delay_s = delay

    @scpi("[:SOURce<n>]:PULSe:DOUBle<n>:DELay?")
    def double_delay_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).double_delay_s)

    @scpi("[:SOURce<n>]:FUNCtion<n>:SQUare:DCYCle")
    def square_duty(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).square_duty = parse_number(value, "PCT", 0.0, 100.0)

    @scpi("[:SOURce<n>]:FUNCtion<n>:SQUare:DCYCle?")
    def square_duty_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).square_duty)

    @scpi("[:SOURce<n>]:FUNCtion<n>:RAMP:SYMMetry")
    def ramp_symmetry(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).ramp_symmetry = parse_number(value, "PCT", 0.0, 100.0)

    @scpi("[:SOURce<n>]:FUNCtion<n>:RAMP:SYMMetry?")
    def ramp_symmetry_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).ramp_symmetry)

    @scpi("[:SOURce<n>]:PHASe<n>[:ADJust]")
    def phase(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).phase_deg = parse_number(value, "DEG", -360.0, 360.0)

    @scpi("[:SOURce<n>]:PHASe<n>[:ADJust]?")
    def phase_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).phase_deg)

    @scpi("[:SOURce<n>]:PHASe<n>:SYNChronize")
    def phase_sync(self, s: int, n: int) -> None:
        for ch in self.channels:
            self._restart(ch)

    # -- levels -----------------------------------------------------------------------------

    def _set_levels(self, ch: Channel, high: float, low: float) -> None:
        self._check_levels(ch, high, low)
        ch.offset_v, ch.vpp = (high + low) / 2, high - low

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate][:AMPLitude]")
    def voltage(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        vpp = parse_number(value, "V", 0.0, 4 * EMF_MAX_V)
        self._set_levels(ch, ch.offset_v + vpp / 2, ch.offset_v - vpp / 2)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate][:AMPLitude]?")
    def voltage_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).vpp)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:OFFSet")
    def voltage_offset(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        off = parse_number(value, "V", -2 * EMF_MAX_V, 2 * EMF_MAX_V, default=0.0)
        self._set_levels(ch, off + ch.vpp / 2, off - ch.vpp / 2)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:OFFSet?")
    def voltage_offset_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).offset_v)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:HIGH")
    def voltage_high(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        self._set_levels(ch, parse_number(value, "V", -2 * EMF_MAX_V, 2 * EMF_MAX_V), ch.low_v)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:HIGH?")
    def voltage_high_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).high_v)

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:LOW")
    def voltage_low(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        self._set_levels(ch, ch.high_v, parse_number(value, "V", -2 * EMF_MAX_V, 2 * EMF_MAX_V))

    @scpi("[:SOURce<n>]:VOLTage<n>[:LEVel][:IMMediate]:LOW?")
    def voltage_low_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).low_v)

    @scpi("[:SOURce<n>]:VOLTage<n>:UNIT")
    def voltage_unit(self, s: int, n: int, value: str) -> None:
        """Only Vpp is emulated; VRMS and DBM are refused (−224)."""
        self._ch(s, n).unit = parse_choice(value, ("VPP",))

    @scpi("[:SOURce<n>]:VOLTage<n>:UNIT?")
    def voltage_unit_query(self, s: int, n: int) -> str:
        return self._ch(s, n).unit

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit[:STATe]")
    def limit_state(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        on = parse_bool(value)
        if on and (ch.high_v > ch.limit_high_v or ch.low_v < ch.limit_low_v):
            raise ScpiError(-221, "the present levels are beyond the limits")
        ch.limit_on = on

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit[:STATe]?")
    def limit_state_query(self, s: int, n: int) -> str:
        return str(int(self._ch(s, n).limit_on))

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit:HIGH")
    def limit_high(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        ch.limit_high_v = parse_number(value, "V", ch.limit_low_v, 2 * EMF_MAX_V)

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit:HIGH?")
    def limit_high_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).limit_high_v)

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit:LOW")
    def limit_low(self, s: int, n: int, value: str) -> None:
        ch = self._ch(s, n)
        ch.limit_low_v = parse_number(value, "V", -2 * EMF_MAX_V, ch.limit_high_v)

    @scpi("[:SOURce<n>]:VOLTage<n>:LIMit:LOW?")
    def limit_low_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).limit_low_v)

    # -- output -----------------------------------------------------------------------------

    @scpi(":OUTPut<n>[:STATe]")
    def output_state(self, n: int, value: str) -> None:
        self._ch(n).output_on = parse_bool(value)

    @scpi(":OUTPut<n>[:STATe]?")
    def output_state_query(self, n: int) -> str:
        return str(int(self._ch(n).output_on))

    def _rescale(self, ch: Channel, gain: float) -> None:
        """The programmed levels follow a new load or source impedance (the EMF stays)."""
        factor = ch.gain / gain
        self._check_levels(ch, ch.high_v * factor, ch.low_v * factor, gain)
        ch.vpp *= factor
        ch.offset_v *= factor

    @scpi(":OUTPut<n>:IMPedance[:INTernal]")
    def output_impedance(self, n: int, value: str) -> None:
        ch = self._ch(n)
        ohm = parse_number(value, "OHM", min(SOURCE_OHMS), max(SOURCE_OHMS), default=50.0)
        if ohm not in SOURCE_OHMS:
            raise ScpiError(-224, "the source impedance is 50 or 5 Ω")
        self._rescale(ch, emf_gain(ch.load_ohm, ohm))
        ch.source_ohm = ohm

    @scpi(":OUTPut<n>:IMPedance[:INTernal]?")
    def output_impedance_query(self, n: int) -> str:
        return format_number(self._ch(n).source_ohm)

    @scpi(":OUTPut<n>:LOAD")
    @scpi(":OUTPut<n>:IMPedance:EXTernal")
    def output_load(self, n: int, value: str) -> None:
        ch = self._ch(n)
        load = parse_load(value, *LOAD_OHM)
        load = math.inf if load >= LOAD_OHM[1] else load
        self._rescale(ch, emf_gain(load, ch.source_ohm))
        ch.load_ohm = load

    @scpi(":OUTPut<n>:LOAD?")
    @scpi(":OUTPut<n>:IMPedance:EXTernal?")
    def output_load_query(self, n: int) -> str:
        return format_load(self._ch(n).load_ohm)

    @scpi(":OUTPut<n>:POLarity")
    def output_polarity(self, n: int, value: str) -> None:
        self._ch(n).inverted = parse_choice(value, ("NORMal", "INVerted")) == "INVerted"

    @scpi(":OUTPut<n>:POLarity?")
    def output_polarity_query(self, n: int) -> str:
        return "INV" if self._ch(n).inverted else "NORM"

    @scpi(":OUTPut<n>:TRIGger")
    def output_trigger(self, n: int, value: str) -> None:
        self._ch(n).trigger_out = parse_bool(value)

    @scpi(":OUTPut<n>:TRIGger?")
    def output_trigger_query(self, n: int) -> str:
        return str(int(self._ch(n).trigger_out))

    # -- arm, trigger and burst ---------------------------------------------------------------

    @scpi(":ARM[:SEQuence][:STARt]:SOURce<n>")
    def arm_source(self, n: int, value: str) -> None:
        ch = self._ch(n)
        ch.arm_source = parse_choice(value, ("IMMediate", "EXTernal", "MANual"))[:3].upper()
        self._restart(ch)

    @scpi(":ARM[:SEQuence][:STARt]:SOURce<n>?")
    def arm_source_query(self, n: int) -> str:
        return self._ch(n).arm_source

    @scpi(":TRIGger[:SEQuence]:COUNt<n>")
    def trigger_count(self, n: int, value: str) -> None:
        self._ch(n).trigger_count = parse_int(value, 1, TRIGGER_COUNT_MAX)

    @scpi(":TRIGger[:SEQuence]:COUNt<n>?")
    def trigger_count_query(self, n: int) -> str:
        return str(self._ch(n).trigger_count)

    @scpi(":TRIGger[:SEQuence]:SOURce<n>")
    def trigger_source(self, n: int, value: str) -> None:
        """IMMediate (the internal period), INTernal2, EXTernal, MANual; BUS (33500 form, sent
        by PyMeasure) is taken as MANual."""
        choice = parse_choice(value, ("IMMediate", "INTernal2", "EXTernal", "MANual", "BUS"))
        self._ch(n).trigger_source = {"BUS": "MAN", "INTernal2": "INT2"}.get(
            choice, choice[:3].upper())

    @scpi(":TRIGger[:SEQuence]:SOURce<n>?")
    def trigger_source_query(self, n: int) -> str:
        return self._ch(n).trigger_source

    @scpi("[:SOURce<n>]:BURSt<n>:STATe")
    def burst_state(self, s: int, n: int, value: str) -> None:
        """33500 form: burst on = armed by a trigger (MANual), off = continuous."""
        ch = self._ch(s, n)
        on = parse_choice(value, ("ON", "OFF", "1", "0")) in ("ON", "1")
        if on != (ch.arm_source != "IMM"):
            ch.arm_source = "MAN" if on else "IMM"
            self._restart(ch)

    @scpi("[:SOURce<n>]:BURSt<n>:STATe?")
    def burst_state_query(self, s: int, n: int) -> str:
        return str(int(self._ch(s, n).arm_source != "IMM"))

    @scpi("[:SOURce<n>]:BURSt<n>:NCYCles")
    def burst_ncycles(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).trigger_count = parse_int(value, 1, TRIGGER_COUNT_MAX)

    @scpi("[:SOURce<n>]:BURSt<n>:NCYCles?")
    def burst_ncycles_query(self, s: int, n: int) -> str:
        return str(self._ch(s, n).trigger_count)

    @scpi("[:SOURce<n>]:BURSt<n>:MODE")
    def burst_mode(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).burst_mode = parse_choice(value, ("TRIGgered", "GATed"))[:4].upper()

    @scpi("[:SOURce<n>]:BURSt<n>:MODE?")
    def burst_mode_query(self, s: int, n: int) -> str:
        return self._ch(s, n).burst_mode

    @scpi("[:SOURce<n>]:BURSt<n>:INTernal:PERiod")
    def burst_period(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).burst_period_s = parse_number(value, "S", *PERIOD_S)

    @scpi("[:SOURce<n>]:BURSt<n>:INTernal:PERiod?")
    def burst_period_query(self, s: int, n: int) -> str:
        return format_number(self._ch(s, n).burst_period_s)

    def common_trg(self) -> None:
        """*TRG: each channel armed MANually plays one burst; channel 1's drives the bench."""
        armed = [ch for ch in self.channels if ch.arm_source == "MAN"]
        if not armed:
            raise ScpiError(-211, "no channel armed by a manual/bus trigger")
        for ch in armed:
            ch.bursts_played += 1
        if armed[0] is self.channels[0]:
            knot_t, knot_v, sync_t = self._burst_knots(self.channels[0])
            log.debug("81160A burst of %.9g s", knot_t[-1])
            self.bench.awg_drive(knot_t, knot_v, sync_t)

    def trigger(self) -> None:
        """GPIB group execute trigger: as *TRG, errors go to the queue."""
        try:
            self.common_trg()
        except ScpiError as err:
            self.push_error(err.code, err.message)

    # -- arbitrary waveforms ----------------------------------------------------------------

    def _store(self, ch: Channel, name: str, points: np.ndarray) -> None:
        if not ARB_POINTS[0] <= points.size <= ARB_POINTS[1]:
            code = -223 if points.size > ARB_POINTS[1] else -222
            raise ScpiError(code, f"{points.size} points; {ARB_POINTS[0]} to {ARB_POINTS[1]}")
        if name == "VOLATILE":
            ch.volatile = points
        else:
            if not _NAME.match(name):
                raise ScpiError(-224, f"bad waveform name {name!r}")
            if name not in ch.user_arbs and len(ch.user_arbs) >= NVOL_SLOTS:
                raise ScpiError(-221, "non-volatile memory full; use :DATA:DELete")
            ch.user_arbs[name] = points
        if ch.shape == "USER" and ch.user_name == name:
            self._restart(ch)

    def _codes(self, values: tuple[str, ...]) -> np.ndarray:
        """DAC codes from a binary block (two bytes per point, :FORMat:BORDer order) or from
        decimal values; −222 for a code beyond ±8191."""
        if len(values) == 1 and values[0].startswith("#"):
            raw = parse_block(values[0])
            if len(raw) % 2:
                raise ScpiError(-160, "block length must be even")
            if len(raw) // 2 > ARB_POINTS[1]:
                raise ScpiError(-223, f"{len(raw) // 2} points; at most {ARB_POINTS[1]}")
            codes = np.frombuffer(raw, dtype=">i2" if self.border == "NORM" else "<i2")
        else:
            if len(values) > ARB_POINTS[1]:
                raise ScpiError(-223, f"{len(values)} points; at most {ARB_POINTS[1]}")
            codes = np.array([parse_int(v, -DAC_MAX, DAC_MAX) for v in values])
        if codes.size and np.abs(codes.astype(int)).max() > DAC_MAX:
            raise ScpiError(-222, f"DAC codes are −{DAC_MAX} … +{DAC_MAX}")
        return codes.astype(float) / DAC_MAX

    def _floats(self, values: tuple[str, ...]) -> np.ndarray:
        if len(values) > ARB_POINTS[1]:
            raise ScpiError(-223, f"{len(values)} points; at most {ARB_POINTS[1]}")
        pts = np.array(parse_numbers(values, minimum=-1.0, maximum=1.0))
        return np.round(pts * DAC_MAX) / DAC_MAX

    @scpi("[:SOURce<n>]:DATA<n>:DAC")
    def data_dac(self, s: int, n: int, target: str, *values: str) -> None:
        parse_choice(target, ("VOLATILE",))
        self._store(self._ch(s, n), "VOLATILE", self._codes(values))

    @scpi("[:SOURce<n>]:DATA<n>[:DATA]")
    def data_volatile(self, s: int, n: int, target: str, *values: str) -> None:
        parse_choice(target, ("VOLATILE",))
        self._store(self._ch(s, n), "VOLATILE", self._floats(values))

    @scpi("[:SOURce<n>]:DATA<n>:ARBitrary:DAC")
    def data_arb_dac(self, s: int, n: int, name: str, *values: str) -> None:
        """33500 form (PyMeasure data_arb): DAC codes into a named waveform."""
        self._store(self._ch(s, n), name.strip().upper(), self._codes(values))

    @scpi("[:SOURce<n>]:DATA<n>:ARBitrary")
    def data_arb(self, s: int, n: int, name: str, *values: str) -> None:
        """33500 form (PyMeasure data_arb): floats ±1 into a named waveform."""
        self._store(self._ch(s, n), name.strip().upper(), self._floats(values))

    @scpi("[:SOURce<n>]:DATA<n>:VOLatile:CLEar")
    def data_volatile_clear(self, s: int, n: int) -> None:
        """33500 form (PyMeasure data_volatile_clear): forget the downloaded waveforms."""
        ch = self._ch(s, n)
        if ch.shape == "USER":
            raise ScpiError(-221, "the active waveform would be deleted")
        ch.volatile = None
        ch.user_arbs.clear()

    @scpi("[:SOURce<n>]:DATA<n>:COPY")
    def data_copy(self, s: int, n: int, name: str, source: str = "VOLATILE") -> None:
        ch = self._ch(s, n)
        parse_choice(source, ("VOLATILE",))
        name = name.strip().upper()
        if name == "VOLATILE":
            raise ScpiError(-224, "cannot copy to VOLATILE")
        self._store(ch, name, self._arb(ch, "VOLATILE").copy())

    @scpi("[:SOURce<n>]:DATA<n>:DELete")
    def data_delete(self, s: int, n: int, name: str) -> None:
        ch = self._ch(s, n)
        name = name.strip().upper()
        if ch.shape == "USER" and name == ch.user_name:
            raise ScpiError(-221, f"{name} is the active waveform")
        if name == "VOLATILE":
            ch.volatile = None
        elif ch.user_arbs.pop(name, None) is None:
            raise ScpiError(-224, f"user waveform {name!r} does not exist")

    @scpi("[:SOURce<n>]:DATA<n>:CATalog?")
    def data_catalog(self, s: int, n: int) -> str:
        ch = self._ch(s, n)
        names = (["VOLATILE"] if ch.volatile is not None else []) + list(ch.user_arbs)
        return ",".join(f'"{name}"' for name in names) or '""'

    @scpi("[:SOURce<n>]:DATA<n>:NVOLatile:CATalog?")
    def data_nvol_catalog(self, s: int, n: int) -> str:
        return ",".join(f'"{name}"' for name in self._ch(s, n).user_arbs) or '""'

    @scpi("[:SOURce<n>]:DATA<n>:ATTRibute:POINts?")
    def data_points(self, s: int, n: int, name: str = "") -> str:
        ch = self._ch(s, n)
        return str(self._arb(ch, name.strip() or None).size)

    def _select_user(self, ch: Channel, name: str) -> None:
        name = name.strip().strip("\"'").upper()
        arb = self._arb(ch, name)
        if ch.shape == "USER" and ch.freq_hz > SAMPLE_RATE / arb.size:
            raise ScpiError(-221, f"{ch.freq_hz:g} Hz too high for {arb.size} points")
        ch.user_name = name
        self._restart(ch)

    @scpi("[:SOURce<n>]:FUNCtion<n>:USER")
    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary")
    def function_user(self, s: int, n: int, name: str) -> None:
        self._select_user(self._ch(s, n), name)

    @scpi("[:SOURce<n>]:FUNCtion<n>:USER?")
    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary?")
    def function_user_query(self, s: int, n: int) -> str:
        return self._ch(s, n).user_name

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:SRATe")
    def arb_srate(self, s: int, n: int, value: str) -> None:
        """33500 form: the point rate, i.e. the frequency × the selected waveform's points."""
        ch = self._ch(s, n)
        points = self._arb(ch).size
        rate = parse_number(value, "SA/S", FREQ_MIN_HZ * points, SAMPLE_RATE)
        self._set_freq(ch, rate / points)

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:SRATe?")
    def arb_srate_query(self, s: int, n: int) -> str:
        ch = self._ch(s, n)
        return format_number(ch.freq_hz * self._arb(ch).size)

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:ADVance")
    def arb_advance(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).arb_advance = parse_choice(value, ("TRIGger", "SRATe"))[:4].upper()

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:ADVance?")
    def arb_advance_query(self, s: int, n: int) -> str:
        return self._ch(s, n).arb_advance

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:FILTer")
    def arb_filter(self, s: int, n: int, value: str) -> None:
        self._ch(s, n).arb_filter = parse_choice(value, ("NORMal", "STEP", "OFF"))[:4].upper()

    @scpi("[:SOURce<n>]:FUNCtion<n>:ARBitrary:FILTer?")
    def arb_filter_query(self, s: int, n: int) -> str:
        return self._ch(s, n).arb_filter

    @scpi(":FORMat:BORDer")
    def format_border(self, value: str) -> None:
        self.border = parse_choice(value, ("NORMal", "SWAPped"))[:4].upper()

    @scpi(":FORMat:BORDer?")
    def format_border_query(self) -> str:
        return self.border

    # -- system -----------------------------------------------------------------------------

    @scpi(":SYSTem:BEEPer[:IMMediate]")
    def system_beep(self) -> None:
        """No sound on a simulated bench."""

    @scpi(":DISPlay[:WINDow][:STATe]")
    def display(self, value: str) -> None:
        parse_bool(value)

    @scpi(":DISPlay[:WINDow]:TEXT[:DATA]")
    def display_text_cmd(self, text: str) -> None:
        self.display_text = text.strip("\"'")

    @scpi(":DISPlay[:WINDow]:TEXT:CLEar")
    def display_text_clear(self) -> None:
        self.display_text = ""

    # -- waveform synthesis -----------------------------------------------------------------

    def _pulse_knots(self, ch: Channel) -> tuple[np.ndarray, np.ndarray]:
        """One pulse period as knots in units of the low (0) … high (1) swing, ending after the
        last trailing edge; the caller pads it to the period."""
        lead = RAMP_PER_TRANSITION * ch.lead_s
        trail = RAMP_PER_TRANSITION * ch.trail_s
        starts = [ch.delay_s] + ([ch.delay_s + ch.double_delay_s] if ch.double else [])
        t: list[float] = [0.0]
        a: list[float] = [0.0]
        for t0 in starts:
            t += [t0, t0 + lead, t0 + ch.width_s, t0 + ch.width_s + trail]
            a += [0.0, 1.0, 1.0, 0.0]
        return np.maximum.accumulate(np.array(t)), np.array(a)

    def _cycle(self, ch: Channel) -> tuple[np.ndarray, np.ndarray]:
        """One period of the programmed waveform as knots (times 0 … T, EMF in V)."""
        period = ch.period_s
        if ch.shape == "PULS":
            t, a = self._pulse_knots(ch)
            t, a = np.append(t, period), np.append(a, 0.0)
            v = ch.low_v + ch.vpp * a
        elif ch.shape == "USER":
            pts = self._arb(ch)
            dt = period / pts.size
            t, a = hold_knots(pts, dt, min(RAMP_PER_TRANSITION * ARB_EDGE_S, dt / 2))
            v = ch.offset_v + ch.vpp / 2 * a
        elif ch.shape == "SIN":
            x = np.linspace(0.0, 1.0, SINE_KNOTS + 1)
            t, v = x * period, ch.offset_v + ch.vpp / 2 * np.sin(2 * np.pi * x)
        elif ch.shape == "SQU":
            e = min(RAMP_PER_TRANSITION * TRANSITION_S[0], period / 10)
            h = min(max(ch.square_duty / 100 * period, e), period - e)
            t = np.array([0.0, e, h, h + e, period])
            v = ch.low_v + ch.vpp * np.array([0.0, 1.0, 1.0, 0.0, 0.0])
        elif ch.shape == "RAMP":
            r = min(max(ch.ramp_symmetry / 100, 1e-3), 1 - 1e-3) * period
            t = np.array([0.0, r, period])
            v = ch.low_v + ch.vpp * np.array([0.0, 1.0, 0.0])
        else:  # DC, and NOIS rendered as its offset level
            t, v = np.array([0.0, period]), np.full(2, ch.offset_v)
        return t, self._emf(ch, v)

    def _emf(self, ch: Channel, v: np.ndarray | float) -> np.ndarray:
        """Programmed levels → EMF: inverted polarity mirrors about the offset."""
        v = np.asarray(v, dtype=float)
        if ch.inverted:
            v = 2 * ch.offset_v - v
        return v * ch.gain if ch.output_on else np.zeros_like(v)

    def _idle_level(self, ch: Channel) -> float:
        """EMF between bursts: the pulse base line, otherwise the offset (DAC code 0)."""
        return float(self._emf(ch, ch.low_v if ch.shape == "PULS" else ch.offset_v))

    def _burst_knots(self, ch: Channel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One triggered burst from now: TRIGger:COUNt periods (a triggered pulse ends after
        its trailing edge), framed by the idle level, with the trigger-out edge at 0."""
        n = ch.trigger_count
        period = ch.period_s
        if ch.shape == "PULS":
            t, a = self._pulse_knots(ch)
            ks = np.arange(n)[:, None] * period
            t = (ks + t[None, :]).ravel()
            v = self._emf(ch, ch.low_v + ch.vpp * np.tile(a, n))
        else:
            t, v, _ = periodic_knots(0.0, n * period, self._cycle(ch), period, force=True)
        t, v = framed(t, v, self._idle_level(ch), RAMP_PER_TRANSITION * ARB_EDGE_S)
        sync = np.array([0.0]) if ch.trigger_out else np.empty(0)
        return t, v, sync

    def idle_output(self, t_start_s: float, duration_s: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Channel 1's output over an idle stretch (bench time t_start_s on, relative times):
        continuous cycles when armed immediately, else the idle level."""
        ch = self.channels[0]
        no_sync = np.empty(0)
        if ch.arm_source != "IMM" or not ch.output_on or ch.shape in ("DC", "NOIS"):
            return np.array([0.0, duration_s]), np.full(2, self._idle_level(ch)), no_sync
        phase_t = max(0.0, t_start_s - ch.t_ref)
        t, v, sync = periodic_knots(phase_t, duration_s, self._cycle(ch), ch.period_s)
        return t, v, (sync if ch.trigger_out else no_sync)
