"""Keysight (Agilent) 33500B series Trueform waveform generator emulator (33522B two channels,
33521B one): the SCPI command set of the 33500 Series Operating and Service Guide, channel 1
acting on the bench's pulse path as an EMF behind 50 Ω; channel 2 keeps state and time and
drives the device's bottom terminal in the bench's differential set-up (wired to nothing in
the other set-ups).

Facts from the guide and the 33500B data sheet: every source command takes the
``SOURce[1|2]:`` prefix (channel 1 when omitted), ``OUTPut[1|2]``, ``TRIGger[1|2]``;
FUNCtion SIN|SQU|TRI|RAMP|PULS|PRBS|NOIS|ARB|DC; 1 µHz … 30 MHz (ramp and triangle 200 kHz);
1 mVpp … 10 Vpp into 50 Ω, |offset| + Vpp/2 ≤ 5 V into 50 Ω (twice into an open circuit);
OUTPut:LOAD 1 Ω … 10 kΩ or INFinity, levels programmed for that load; arbitrary waveforms of
8 … 1,048,576 points per channel (16 M with option MEM), DAC codes ±32767 (DATA:ARB:DAC) or
floats ±1 (DATA:ARB), as text or IEEE-488.2 blocks of int16 / float32 in the FORMat:BORDer
order (NORMal = MSB first, SWAPped = LSB first); FUNCtion:ARBitrary:SRATe 1 µSa/s … 250 MSa/s
with FILTer NORMal or STEP, 62.5 MSa/s with OFF; sequences by DATA:SEQuence
#<block> "<name>","<arb>",<count>,<once|onceWaitTrig|repeat|repeatInf|repeatTilTrig>,
<maintain|lowAtStart|highAtStart|highAtStartGoLow>,<marker point>,…; BURSt:STATe/MODE/NCYCles
(1 … 100,000,000 or INFinity)/INTernal:PERiod (1 µs … 8000 s, 10 ms default)/PHASe;
TRIGger:SOURce IMM|EXT|TIM|BUS, TRIGger:DELay 0 … 1000 s, TRIGger:TIMer 1 µs … 8000 s;
OUTPut:SYNC, OUTPut:SYNC:SOURce CH1|CH2; *RST leaves the outputs off.

Facts recalled, not found in the stored excerpts (the constants below are the single place to
correct them): the filter's edges (OFF about 10 ns between points), the 8.4 ns square and
minimum pulse edge, 16 ns minimum pulse width, marker point 4 … points − 3, arb names of up to
12 characters, the refusal of an arb name already in memory and of a full memory (reported
as −221/−223 here; the instrument may use its own error numbers).

Modelling choices:

- FILTer STEP and OFF play points as sample-and-hold steps with linear edges (STEP_EDGE_S,
  OFF_EDGE_S, at most half a point); NORMal joins points by straight lines one point long
  (the band-limited interpolation without its ringing).
- Sync rises at the start of each cycle (continuous), of each burst (after TRIGger:DELay), or
  of each sequence step whose marker is highAtStart or highAtStartGoLow.
- Between bursts the output sits at the offset level (DAC code 0); an output switched off
  gives 0 V.
- A trigger starts the bursts of every channel it reaches together (*TRG: each channel whose
  TRIGger<n>:SOURce is BUS), each after its own TRIGger<n>:DELay; the two channels' outputs go
  to the bench together, over the longer burst (the shorter channel back at its idle level).
- A sequence plays continuously from its selection, looping; repeatTilTrig repeats its
  segment until a trigger and advances at the end of that repetition, onceWaitTrig holds its
  last point until a trigger; triggers elsewhere are ignored. In burst mode each burst cycle
  is one pass with every step played its count (the trigger-waiting ones once).
- NOISe and PRBS are accepted and rendered as their offset level.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import numpy as np

from labmem.simulated_instruments.emulators.awg_output import (
    MAX_IDLE_KNOTS,
    emf_gain,
    format_load,
    framed,
    hold_knots,
    linear_knots,
    parse_load,
    periodic_knots,
    vpp_from_unit,
    vpp_to_unit,
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
    parse_string,
)

log = logging.getLogger(__name__)

SHAPES = ("SINusoid", "SQUare", "TRIangle", "RAMP", "PULSe", "PRBS", "NOISe", "ARB", "DC")
FREQ_MIN_HZ = 1e-6
FREQ_MAX_HZ = {"SIN": 30e6, "SQU": 30e6, "PULS": 30e6, "TRI": 200e3, "RAMP": 200e3}
VMAX_EMF_V = 10.0
"""Largest |EMF| (open circuit): 5 V programmed into 50 Ω."""
VPP_MIN_EMF_V = 2e-3
"""Smallest amplitude as EMF: 1 mVpp into 50 Ω."""
LOAD_OHM = (1.0, 10e3)
ARB_POINTS = (8, 1_048_576)
DAC_MAX = 32767
SRATE_SA_S = (1e-6, 250e6)
SRATE_OFF_MAX = 62.5e6
STEP_EDGE_S = 8.4e-9
OFF_EDGE_S = 10e-9
SQUARE_EDGE_S = 8.4e-9
PULSE_EDGE_S = (8.4e-9, 1e-6)
PULSE_WIDTH_MIN_S = 16e-9
SINE_KNOTS = 64
NCYCLES_MAX = 100_000_000
PERIOD_S = (1e-6, 8000.0)
TRIG_DELAY_S = (0.0, 1000.0)
MARKER_MIN = 4
NAME_MAX = 12
PLAY_MODES = ("once", "onceWaitTrig", "repeat", "repeatInf", "repeatTilTrig")
MARKER_MODES = ("maintain", "lowAtStart", "highAtStart", "highAtStartGoLow")
BUILTIN_ARB = "INT:\\BUILTIN\\EXP_RISE.ARB"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Step:
    """One step of a sequence: an arb played `count` times in a play mode, with a marker."""

    arb: str
    count: int
    mode: str
    marker: str
    marker_point: int

    @property
    def waits(self) -> bool:
        """True when the step holds the sequence until a trigger (or for ever)."""
        return self.mode in ("onceWaitTrig", "repeatInf", "repeatTilTrig")


def _short(choice: str) -> str:
    """The short form of a manual-notation choice, as queries answer it: 'TRIGgered' → 'TRIG'."""
    return "".join(c for c in choice if not c.islower())


def _word(value: str, words: tuple[str, ...]) -> str:
    """A sequence descriptor's keyword (any case) as the manual spells it; -224 otherwise."""
    found = {w.upper(): w for w in words}.get(value.strip().upper())
    if found is None:
        raise ScpiError(-224, f"{value!r} is not one of {', '.join(words)}")
    return found


def _exp_rise() -> np.ndarray:
    """The built-in EXP_RISE arb as ±1 points (shape approximate)."""
    x = np.linspace(0.0, 1.0, 1000, endpoint=False)
    return np.round((2 * np.exp(-5 * (1 - x)) - 1) * DAC_MAX) / DAC_MAX


class Channel:
    """The settings, arb memory and playback state of one output channel."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.arbs: dict[str, np.ndarray] = {}
        """Volatile memory: upper-case name → points (±1)."""
        self.names: dict[str, str] = {}
        """Upper-case name → the name as downloaded."""
        self.sequences: dict[str, list[Step]] = {}

    def reset(self, now: float) -> None:
        """*RST settings: 1 kHz sine, 100 mVpp into 50 Ω, output off, no burst."""
        self.shape = "SIN"
        self.freq_hz = 1e3
        self.vpp = 0.1
        self.offset_v = 0.0
        self.unit = "VPP"
        self.load_ohm = 50.0
        self.output = False
        self.phase_deg = 0.0
        self.square_dcyc = 50.0
        self.ramp_symm = 100.0
        self.pulse_width_s = 100e-6
        self.lead_s = self.trail_s = 10e-9
        self.arb_name = BUILTIN_ARB
        self.srate = 40e3
        self.filter = "NORM"
        self.marker_point: int | None = None
        self.burst_on = False
        self.burst_mode = "TRIG"
        self.ncycles: int | None = 1
        self.burst_period_s = 10e-3
        self.burst_phase_deg = 0.0
        self.trigger_source = "IMM"
        self.trigger_delay_s = 0.0
        self.trigger_timer_s = 1.0
        self.restart(now)

    def restart(self, now: float) -> None:
        """The output restarts now: phase 0, a selected sequence at its first step."""
        self.t_ref = now
        self.seq_step = 0
        self.seq_t0 = now
        self.seq_prev: tuple[int, float] | None = None
        """The sequence's cursor (step, start) before the last trigger moved it to a later
        start: it still plays until seq_t0."""
        self.running_since: float | None = None
        """Start of an infinite burst (NCYCles INFinity) once triggered."""


class K33500BEmulator(ScpiInstrument):
    """Keysight 33522B on the simulated bench (the AWG of the pulse set-up)."""

    idn = "Agilent Technologies,33522B,MY57800256,5.00-1.19-2.00-58-00"
    error_queue_size = 20
    channels_fitted = 2

    def __init__(self, bench) -> None:
        super().__init__()
        self.bench = bench
        self.ch = {n: Channel(n) for n in range(1, self.channels_fitted + 1)}
        self.reset()

    def reset(self) -> None:
        """*RST: both channels to their defaults; volatile arbs stay in memory."""
        for ch in self.ch.values():
            ch.reset(self.bench.now)
        self.sync_on = True
        self.sync_source = 1
        self.border = "NORM"

    def format_error(self, code: int, message: str) -> str:
        """The 33500 answers the bare SCPI text, e.g. -113,"Undefined header"."""
        return f'{code:+d},"{message.split(";")[0]}"'

    def _chan(self, n: int) -> Channel:
        if n not in self.ch:
            raise ScpiError(-113, f"channel {n} does not exist on this model")
        return self.ch[n]

    # -- levels ---------------------------------------------------------------------------

    @staticmethod
    def _vmax(ch: Channel) -> float:
        """Largest programmed peak |offset| + Vpp/2 for the channel's load."""
        return VMAX_EMF_V / emf_gain(ch.load_ohm)

    def _check_output(self, ch: Channel, shape: str, vpp: float, offset: float) -> None:
        """Refuse an amplitude/offset pair beyond the output (−222); nothing changes."""
        vmax = self._vmax(ch)
        if shape == "DC":
            if abs(offset) > vmax + 1e-9:
                raise ScpiError(-222, f"DC level {offset:g} V beyond ±{vmax:g} V")
            return
        vpp_min = VPP_MIN_EMF_V / emf_gain(ch.load_ohm)
        if not vpp_min - 1e-12 <= vpp <= 2 * vmax + 1e-9:
            raise ScpiError(-222, f"amplitude {vpp:g} Vpp outside {vpp_min:g} to "
                                  f"{2 * vmax:g} Vpp")
        if abs(offset) + vpp / 2 > vmax + 1e-9:
            raise ScpiError(-222, f"|offset| + Vpp/2 = {abs(offset) + vpp / 2:g} V exceeds "
                                  f"{vmax:g} V")

    def _emf(self, ch: Channel, a: np.ndarray | float) -> np.ndarray | float:
        """EMF of normalized waveform values a (±1) for the channel's levels and load."""
        return (ch.offset_v + ch.vpp / 2 * a) * emf_gain(ch.load_ohm)

    # -- function, frequency, levels --------------------------------------------------------

    @scpi(":[SOURce<n>:]FUNCtion[:SHAPe]")
    def function(self, n: int, value: str) -> None:
        ch = self._chan(n)
        shape = _short(parse_choice(value, SHAPES))
        if shape == "ARB":
            self._points(ch, ch.arb_name)
        if shape in FREQ_MAX_HZ and ch.freq_hz > FREQ_MAX_HZ[shape]:
            raise ScpiError(-221, f"frequency {ch.freq_hz:g} Hz too high for {shape}")
        ch.shape = shape
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]FUNCtion[:SHAPe]?")
    def function_query(self, n: int) -> str:
        return self._chan(n).shape

    @scpi(":[SOURce<n>:]FREQuency")
    def frequency(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.freq_hz = parse_number(value, "HZ", FREQ_MIN_HZ, FREQ_MAX_HZ.get(ch.shape, 30e6),
                                  default=1e3)
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]FREQuency?")
    def frequency_query(self, n: int) -> str:
        return format_number(self._chan(n).freq_hz)

    @scpi(":[SOURce<n>:]PHASe")
    def phase(self, n: int, value: str) -> None:
        self._chan(n).phase_deg = parse_number(value, "DEG", -360.0, 360.0, default=0.0)

    @scpi(":[SOURce<n>:]PHASe?")
    def phase_query(self, n: int) -> str:
        return format_number(self._chan(n).phase_deg)

    @scpi(":[SOURce<n>:]PHASe:SYNChronize")
    def phase_sync(self, n: int) -> None:
        for ch in self.ch.values():
            ch.restart(self.bench.now)

    def _parse_vpp(self, ch: Channel, value: str) -> float:
        key = value.strip().upper()
        vmax = self._vmax(ch)
        if key in ("MIN", "MINIMUM"):
            return VPP_MIN_EMF_V / emf_gain(ch.load_ohm)
        if key in ("MAX", "MAXIMUM"):
            return 2 * (vmax - abs(ch.offset_v))
        if key in ("DEF", "DEFAULT"):
            return 0.1
        units = {"VPP": "VPP", "VRMS": "VRMS", "DBM": "DBM"}
        m = re.match(r"^\s*([+-]?[\d.]+(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$", value)
        if m is None:
            raise ScpiError(-104, f"expected an amplitude, got {value!r}")
        suffix = m.group(2).upper()
        if suffix and suffix not in units:
            raise ScpiError(-131, f"{suffix!r} is not an amplitude unit")
        return vpp_from_unit(float(m.group(1)), units.get(suffix, ch.unit), ch.shape,
                             ch.load_ohm)

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def voltage(self, n: int, value: str) -> None:
        ch = self._chan(n)
        vpp = self._parse_vpp(ch, value)
        self._check_output(ch, "SIN", vpp, ch.offset_v)
        ch.vpp = vpp

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def voltage_query(self, n: int) -> str:
        ch = self._chan(n)
        return format_number(vpp_to_unit(ch.vpp, ch.unit, ch.shape, ch.load_ohm))

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:PTPeak")
    def arb_ptp(self, n: int, value: str) -> None:
        ch = self._chan(n)
        vpp = parse_number(value, "V", default=0.1)
        self._check_output(ch, "ARB", vpp, ch.offset_v)
        ch.vpp = vpp

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:PTPeak?")
    def arb_ptp_query(self, n: int) -> str:
        return format_number(self._chan(n).vpp)

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:OFFSet")
    def offset(self, n: int, value: str) -> None:
        ch = self._chan(n)
        vmax = self._vmax(ch)
        limit = vmax if ch.shape == "DC" else vmax - ch.vpp / 2
        off = parse_number(value, "V", -limit, limit) if value.strip().upper().startswith(
            ("MIN", "MAX")) else parse_number(value, "V", default=0.0)
        self._check_output(ch, ch.shape, ch.vpp, off)
        ch.offset_v = off

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:OFFSet?")
    def offset_query(self, n: int) -> str:
        return format_number(self._chan(n).offset_v)

    def _set_high_low(self, ch: Channel, high: float, low: float) -> None:
        if high <= low:
            raise ScpiError(-221, f"high level {high:g} V must exceed low level {low:g} V")
        vpp, off = high - low, (high + low) / 2
        self._check_output(ch, "SIN", vpp, off)
        ch.vpp, ch.offset_v = vpp, off

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:HIGH")
    def volt_high(self, n: int, value: str) -> None:
        ch = self._chan(n)
        self._set_high_low(ch, parse_number(value, "V"), ch.offset_v - ch.vpp / 2)

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:HIGH?")
    def volt_high_query(self, n: int) -> str:
        ch = self._chan(n)
        return format_number(ch.offset_v + ch.vpp / 2)

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:LOW")
    def volt_low(self, n: int, value: str) -> None:
        ch = self._chan(n)
        self._set_high_low(ch, ch.offset_v + ch.vpp / 2, parse_number(value, "V"))

    @scpi(":[SOURce<n>:]VOLTage[:LEVel][:IMMediate]:LOW?")
    def volt_low_query(self, n: int) -> str:
        ch = self._chan(n)
        return format_number(ch.offset_v - ch.vpp / 2)

    @scpi(":[SOURce<n>:]VOLTage:UNIT")
    def volt_unit(self, n: int, value: str) -> None:
        ch = self._chan(n)
        unit = parse_choice(value, ("VPP", "VRMS", "DBM"))
        if unit == "DBM" and math.isinf(ch.load_ohm):
            raise ScpiError(-221, "dBm needs a finite OUTPut:LOAD")
        ch.unit = unit

    @scpi(":[SOURce<n>:]VOLTage:UNIT?")
    def volt_unit_query(self, n: int) -> str:
        return self._chan(n).unit

    @scpi(":[SOURce<n>:]FUNCtion:SQUare:DCYCle")
    def square_dcyc(self, n: int, value: str) -> None:
        self._chan(n).square_dcyc = parse_number(value, "PCT", 0.01, 99.99, default=50.0)

    @scpi(":[SOURce<n>:]FUNCtion:SQUare:DCYCle?")
    def square_dcyc_query(self, n: int) -> str:
        return format_number(self._chan(n).square_dcyc)

    @scpi(":[SOURce<n>:]FUNCtion:RAMP:SYMMetry")
    def ramp_symm(self, n: int, value: str) -> None:
        self._chan(n).ramp_symm = parse_number(value, "PCT", 0.0, 100.0, default=100.0)

    @scpi(":[SOURce<n>:]FUNCtion:RAMP:SYMMetry?")
    def ramp_symm_query(self, n: int) -> str:
        return format_number(self._chan(n).ramp_symm)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:WIDTh")
    def pulse_width(self, n: int, value: str) -> None:
        ch = self._chan(n)
        period = 1.0 / ch.freq_hz
        width = parse_number(value, "S", PULSE_WIDTH_MIN_S, period - PULSE_WIDTH_MIN_S,
                             default=100e-6)
        if width + 0.8 * (ch.lead_s + ch.trail_s) > period:
            raise ScpiError(-221, f"width {width:g} s and its edges exceed the period")
        ch.pulse_width_s = width

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:WIDTh?")
    def pulse_width_query(self, n: int) -> str:
        return format_number(self._chan(n).pulse_width_s)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:PERiod")
    def pulse_period(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.freq_hz = 1.0 / parse_number(value, "S", 1 / FREQ_MAX_HZ["PULS"], 1e6)
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:PERiod?")
    def pulse_period_query(self, n: int) -> str:
        return format_number(1.0 / self._chan(n).freq_hz)

    def _edge(self, ch: Channel, value: str) -> float:
        edge = parse_number(value, "S", *PULSE_EDGE_S, default=10e-9)
        if ch.pulse_width_s < 0.625 * edge:
            raise ScpiError(-221, f"edge {edge:g} s too long for width {ch.pulse_width_s:g} s")
        return edge

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:TRANsition[:BOTH]")
    def pulse_transition(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.lead_s = ch.trail_s = self._edge(ch, value)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:TRANsition:LEADing")
    def pulse_leading(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.lead_s = self._edge(ch, value)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:TRANsition:TRAiling")
    def pulse_trailing(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.trail_s = self._edge(ch, value)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:TRANsition[:LEADing]?")
    def pulse_leading_query(self, n: int) -> str:
        return format_number(self._chan(n).lead_s)

    @scpi(":[SOURce<n>:]FUNCtion:PULSe:TRANsition:TRAiling?")
    def pulse_trailing_query(self, n: int) -> str:
        return format_number(self._chan(n).trail_s)

    # -- output ---------------------------------------------------------------------------

    @scpi(":OUTPut<n>[:STATe]")
    def output_state(self, n: int, value: str) -> None:
        self._chan(n).output = parse_bool(value)

    @scpi(":OUTPut<n>[:STATe]?")
    def output_state_query(self, n: int) -> str:
        return str(int(self._chan(n).output))

    @scpi(":OUTPut<n>:LOAD")
    def output_load(self, n: int, value: str) -> None:
        ch = self._chan(n)
        load = parse_load(value, *LOAD_OHM)
        # The displayed levels follow the load; the actual output does not change.
        factor = emf_gain(ch.load_ohm) / emf_gain(load)
        ch.vpp *= factor
        ch.offset_v *= factor
        ch.load_ohm = load
        if ch.unit == "DBM" and math.isinf(load):
            ch.unit = "VPP"

    @scpi(":OUTPut<n>:LOAD?")
    def output_load_query(self, n: int) -> str:
        return format_load(self._chan(n).load_ohm)

    @scpi(":OUTPut:SYNC[:STATe]")
    def output_sync(self, value: str) -> None:
        self.sync_on = parse_bool(value)

    @scpi(":OUTPut:SYNC[:STATe]?")
    def output_sync_query(self) -> str:
        return str(int(self.sync_on))

    @scpi(":OUTPut:SYNC:SOURce")
    def output_sync_source(self, value: str) -> None:
        choice = parse_choice(value, ("CH1", "CH2"))
        self.sync_source = self._chan(int(choice[-1])).n

    @scpi(":OUTPut:SYNC:SOURce?")
    def output_sync_source_query(self) -> str:
        return f"CH{self.sync_source}"

    # -- arbitrary waveforms --------------------------------------------------------------

    def _points(self, ch: Channel, name: str) -> np.ndarray:
        """Points of an arb in the channel's memory (or the built-in); a sequence's first."""
        key = name.strip().strip('"').upper()
        if key == BUILTIN_ARB.upper():
            return _exp_rise()
        if key in ch.arbs:
            return ch.arbs[key]
        if key in ch.sequences:
            return ch.arbs[ch.sequences[key][0].arb.upper()]
        raise ScpiError(-224, f"arb waveform {name!r} is not in channel {ch.n}'s memory")

    def _store(self, ch: Channel, name: str, points: np.ndarray) -> None:
        name = name.strip().strip('"')
        if not _NAME.match(name) or len(name) > NAME_MAX:
            raise ScpiError(-224, f"arb name {name!r}: a letter, then letters, digits or _, "
                                  f"at most {NAME_MAX} characters")
        if name.upper() in ch.arbs or name.upper() in ch.sequences:
            raise ScpiError(-221, f"arb {name!r} already exists; use DATA:VOLatile:CLEar")
        if points.size < ARB_POINTS[0]:
            raise ScpiError(-222, f"{points.size} points; at least {ARB_POINTS[0]}")
        used = sum(a.size for a in ch.arbs.values())
        if used + points.size > ARB_POINTS[1]:
            raise ScpiError(-223, f"{points.size} points do not fit: {ARB_POINTS[1] - used} "
                                  f"of {ARB_POINTS[1]} free")
        ch.arbs[name.upper()] = points
        ch.names[name.upper()] = name

    def _block_values(self, raw: str, kind: str) -> np.ndarray:
        """Numbers of a binary block: int16 ('i2') or float32 ('f4') in FORMat:BORDer order."""
        data = parse_block(raw)
        size = int(kind[1])
        if len(data) % size:
            raise ScpiError(-160, f"block length must be a multiple of {size}")
        if len(data) // size > ARB_POINTS[1]:
            raise ScpiError(-223, f"{len(data) // size} points; at most {ARB_POINTS[1]}")
        order = ">" if self.border == "NORM" else "<"
        return np.frombuffer(data, dtype=order + kind).astype(float)

    @scpi(":[SOURce<n>:]DATA:ARBitrary:DAC")
    def data_dac(self, n: int, name: str, *values: str) -> None:
        ch = self._chan(n)
        if len(values) == 1 and values[0].startswith("#"):
            codes = self._block_values(values[0], "i2")
        else:
            if len(values) > ARB_POINTS[1]:
                raise ScpiError(-223, f"{len(values)} points; at most {ARB_POINTS[1]}")
            codes = np.array([parse_int(v, -DAC_MAX, DAC_MAX) for v in values], dtype=float)
        if codes.size and np.abs(codes).max() > DAC_MAX:
            raise ScpiError(-222, f"DAC values are −{DAC_MAX} … +{DAC_MAX}")
        self._store(ch, name, codes / DAC_MAX)

    @scpi(":[SOURce<n>:]DATA:ARBitrary")
    def data_arb(self, n: int, name: str, *values: str) -> None:
        ch = self._chan(n)
        if len(values) == 1 and values[0].startswith("#"):
            points = self._block_values(values[0], "f4")
        else:
            if len(values) > ARB_POINTS[1]:
                raise ScpiError(-223, f"{len(values)} points; at most {ARB_POINTS[1]}")
            points = np.array(parse_numbers(values))
        if points.size and np.abs(points).max() > 1.0:
            raise ScpiError(-222, "arb values are −1 … +1")
        self._store(ch, name, np.round(points * DAC_MAX) / DAC_MAX)

    @scpi(":FORMat:BORDer")
    def format_border(self, value: str) -> None:
        self.border = _short(parse_choice(value, ("NORMal", "SWAPped")))

    @scpi(":FORMat:BORDer?")
    def format_border_query(self) -> str:
        return self.border

    @scpi(":[SOURce<n>:]DATA:VOLatile:CLEar")
    def data_clear(self, n: int) -> None:
        ch = self._chan(n)
        ch.arbs.clear()
        ch.names.clear()
        ch.sequences.clear()
        ch.arb_name = BUILTIN_ARB
        if ch.shape == "ARB":
            ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]DATA:VOLatile:CATalog?")
    def data_catalog(self, n: int) -> str:
        ch = self._chan(n)
        names = list(ch.names.values()) + list(ch.sequences)
        return ",".join(f'"{name}"' for name in names) or '""'

    @scpi(":[SOURce<n>:]DATA:VOLatile:FREE?")
    def data_free(self, n: int) -> str:
        return str(ARB_POINTS[1] - sum(a.size for a in self._chan(n).arbs.values()))

    @scpi(":[SOURce<n>:]DATA:ATTRibute:POINts?")
    def data_points(self, n: int, name: str = "") -> str:
        ch = self._chan(n)
        return str(self._points(ch, name or ch.arb_name).size)

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:POINts?")
    def arb_points(self, n: int) -> str:
        ch = self._chan(n)
        return str(self._points(ch, ch.arb_name).size)

    @scpi(":[SOURce<n>:]DATA:SEQuence")
    def data_sequence(self, n: int, block: str) -> None:
        ch = self._chan(n)
        fields = [f.strip() for f in parse_block(block).decode("latin-1").split(",")]
        if len(fields) < 6 or (len(fields) - 1) % 5:
            raise ScpiError(-104, "a sequence is a name, then arb, count, play mode, marker "
                                  "mode and marker point per step")
        name = parse_string(fields[0]) if fields[0][:1] in "\"'" else fields[0]
        steps = []
        for i in range(1, len(fields), 5):
            arb, count, mode, marker, point = fields[i:i + 5]
            arb = arb.strip("\"'")
            points = self._points(ch, arb)
            steps.append(Step(
                arb=arb, count=parse_int(count, 0, 1_000_000), mode=_word(mode, PLAY_MODES),
                marker=_word(marker, MARKER_MODES),
                marker_point=parse_int(point, MARKER_MIN, max(MARKER_MIN, points.size - 3))))
        if not _NAME.match(name) or len(name) > NAME_MAX:
            raise ScpiError(-224, f"sequence name {name!r}")
        if name.upper() in ch.arbs:
            raise ScpiError(-221, f"{name!r} already exists; use DATA:VOLatile:CLEar")
        ch.sequences[name.upper()] = steps

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary")
    def function_arb(self, n: int, name: str) -> None:
        ch = self._chan(n)
        self._points(ch, name)
        ch.arb_name = name.strip().strip('"')
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary?")
    def function_arb_query(self, n: int) -> str:
        return f'"{self._chan(n).arb_name}"'

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:SRATe")
    def arb_srate(self, n: int, value: str) -> None:
        ch = self._chan(n)
        top = SRATE_OFF_MAX if ch.filter == "OFF" else SRATE_SA_S[1]
        ch.srate = parse_number(value, "SA/S", SRATE_SA_S[0], top, default=40e3)
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:SRATe?")
    def arb_srate_query(self, n: int) -> str:
        return format_number(self._chan(n).srate)

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:FILTer")
    def arb_filter(self, n: int, value: str) -> None:
        ch = self._chan(n)
        choice = _short(parse_choice(value, ("NORMal", "STEP", "OFF")))
        if choice == "OFF" and ch.srate > SRATE_OFF_MAX:
            raise ScpiError(-221, f"FILTer OFF allows at most {SRATE_OFF_MAX:g} Sa/s")
        ch.filter = choice

    @scpi(":[SOURce<n>:]FUNCtion:ARBitrary:FILTer?")
    def arb_filter_query(self, n: int) -> str:
        return self._chan(n).filter

    @scpi(":[SOURce<n>:]MARKer:POINt")
    def marker_point(self, n: int, value: str) -> None:
        ch = self._chan(n)
        size = self._points(ch, ch.arb_name).size
        ch.marker_point = parse_int(value, MARKER_MIN, max(MARKER_MIN, size - 3))

    @scpi(":[SOURce<n>:]MARKer:POINt?")
    def marker_point_query(self, n: int) -> str:
        ch = self._chan(n)
        return str(ch.marker_point or self._points(ch, ch.arb_name).size // 2)

    # -- burst and trigger ----------------------------------------------------------------

    @scpi(":[SOURce<n>:]BURSt:STATe")
    def burst_state(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.burst_on = parse_bool(value)
        ch.restart(self.bench.now)

    @scpi(":[SOURce<n>:]BURSt:STATe?")
    def burst_state_query(self, n: int) -> str:
        return str(int(self._chan(n).burst_on))

    @scpi(":[SOURce<n>:]BURSt:MODE")
    def burst_mode(self, n: int, value: str) -> None:
        self._chan(n).burst_mode = _short(parse_choice(value, ("TRIGgered", "GATed")))

    @scpi(":[SOURce<n>:]BURSt:MODE?")
    def burst_mode_query(self, n: int) -> str:
        return self._chan(n).burst_mode

    @scpi(":[SOURce<n>:]BURSt:NCYCles")
    def burst_ncycles(self, n: int, value: str) -> None:
        ch = self._chan(n)
        inf = value.strip().upper() in ("INF", "INFINITY")
        ch.ncycles = None if inf else parse_int(value, 1, NCYCLES_MAX)

    @scpi(":[SOURce<n>:]BURSt:NCYCles?")
    def burst_ncycles_query(self, n: int) -> str:
        ch = self._chan(n)
        return format_number(9.9e37 if ch.ncycles is None else ch.ncycles)

    @scpi(":[SOURce<n>:]BURSt:INTernal:PERiod")
    def burst_period(self, n: int, value: str) -> None:
        self._chan(n).burst_period_s = parse_number(value, "S", *PERIOD_S, default=10e-3)

    @scpi(":[SOURce<n>:]BURSt:INTernal:PERiod?")
    def burst_period_query(self, n: int) -> str:
        return format_number(self._chan(n).burst_period_s)

    @scpi(":[SOURce<n>:]BURSt:PHASe")
    def burst_phase(self, n: int, value: str) -> None:
        self._chan(n).burst_phase_deg = parse_number(value, "DEG", -360.0, 360.0, default=0.0)

    @scpi(":[SOURce<n>:]BURSt:PHASe?")
    def burst_phase_query(self, n: int) -> str:
        return format_number(self._chan(n).burst_phase_deg)

    @scpi(":TRIGger<n>:SOURce")
    def trigger_source(self, n: int, value: str) -> None:
        ch = self._chan(n)
        ch.trigger_source = _short(parse_choice(value, ("IMMediate", "EXTernal", "TIMer", "BUS")))
        ch.restart(self.bench.now)

    @scpi(":TRIGger<n>:SOURce?")
    def trigger_source_query(self, n: int) -> str:
        return self._chan(n).trigger_source

    @scpi(":TRIGger<n>:DELay")
    def trigger_delay(self, n: int, value: str) -> None:
        self._chan(n).trigger_delay_s = parse_number(value, "S", *TRIG_DELAY_S, default=0.0)

    @scpi(":TRIGger<n>:DELay?")
    def trigger_delay_query(self, n: int) -> str:
        return format_number(self._chan(n).trigger_delay_s)

    @scpi(":TRIGger<n>:TIMer")
    def trigger_timer(self, n: int, value: str) -> None:
        self._chan(n).trigger_timer_s = parse_number(value, "S", *PERIOD_S, default=1.0)

    @scpi(":TRIGger<n>:TIMer?")
    def trigger_timer_query(self, n: int) -> str:
        return format_number(self._chan(n).trigger_timer_s)

    @scpi(":TRIGger<n>[:IMMediate]")
    def trigger_now(self, n: int) -> None:
        """TRIGger[1|2]: trigger that channel now, whatever its trigger source."""
        self._trigger([self._chan(n)])

    def common_trg(self) -> None:
        """*TRG / bus trigger: every channel whose trigger source is BUS."""
        self._trigger([ch for ch in self.ch.values() if ch.trigger_source == "BUS"])

    def trigger(self) -> None:
        """GPIB group execute trigger: as *TRG, errors go to the queue."""
        try:
            self.common_trg()
        except ScpiError as err:
            self.push_error(err.code, err.message)

    @scpi(":SYSTem:BEEPer[:IMMediate]")
    def system_beep(self) -> None:
        """No sound on a simulated bench."""

    @scpi(":DISPlay:TEXT")
    def display_text(self, text: str) -> None:
        parse_string(text)

    @scpi(":DISPlay:TEXT:CLEar")
    def display_clear(self) -> None:
        """Nothing is displayed on a simulated bench."""

    # -- playback -------------------------------------------------------------------------

    def _trigger(self, channels: list[Channel]) -> None:
        """Play the bursts the trigger starts (channel 1's on the pulse path, channel 2's on
        the device's bottom terminal in the differential set-up) and advance the sequences
        that wait for it; -211 when none responds."""
        now = self.bench.now
        bursts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        responded = False
        for ch in channels:
            if ch.burst_on and ch.burst_mode == "TRIG":
                responded = True
                if ch.ncycles is None:
                    ch.running_since = now + ch.trigger_delay_s
                else:
                    bursts[ch.n] = self._burst(ch)
            elif ch.shape == "ARB" and self._sequence(ch):
                responded = self._advance_sequence(ch, now) or responded
        if not responded:
            raise ScpiError(-211, "no channel is waiting for this trigger")
        if not bursts:
            return
        duration = max(float(t[-1]) for t, _, _ in bursts.values())
        t, v = self._played(self.ch[1], bursts, now, duration)
        bottom = self._played(self.ch[2], bursts, now, duration) if 2 in self.ch else None
        src = self.ch[self.sync_source]
        sync = bursts[src.n][2] if src.n in bursts else self._render(src, now, duration)[2]
        log.debug("33500B burst of %.9g s", duration)
        self.bench.awg_drive(t, v, sync if self.sync_on else np.empty(0), bottom)

    def _played(self, ch: Channel, bursts: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
                now: float, duration: float) -> tuple[np.ndarray, np.ndarray]:
        """A channel's knots while a trigger's bursts play for duration: its burst, back at
        its idle level when another channel's burst is longer, or its idle output."""
        t, v, _ = bursts.get(ch.n) or self._render(ch, now, duration)
        if t[-1] < duration:
            t, v = np.append(t, duration), np.append(v, self._idle_level(ch))
        return t, v

    def idle_output(self, t_start_s: float, duration_s: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Channel 1's EMF over an idle stretch (relative times) and the sync edges."""
        t, v, sync = self._render(self.ch[1], t_start_s, duration_s)
        if self.sync_source != 1:
            sync = self._render(self.ch[self.sync_source], t_start_s, duration_s)[2]
        return t, v, (sync if self.sync_on else np.empty(0))

    def bottom_output(self, t_start_s: float, duration_s: float
                      ) -> tuple[np.ndarray, np.ndarray] | None:
        """Channel 2's EMF over an idle stretch (relative times), for the device's bottom
        terminal in the differential set-up; None on a one-channel model."""
        if 2 not in self.ch:
            return None
        t, v, _ = self._render(self.ch[2], t_start_s, duration_s)
        return t, v

    def _idle_level(self, ch: Channel) -> float:
        return float(self._emf(ch, 0.0)) if ch.output else 0.0

    def _render(self, ch: Channel, t0: float, duration: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A channel's output from bench time t0 for duration (relative times)."""
        t, v, sync = self._waveform(ch, t0, duration)
        if not ch.output:
            v = np.zeros_like(v)
        return t, v, sync

    def _waveform(self, ch: Channel, t0: float, duration: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        flat = (np.array([0.0, duration]), np.full(2, float(self._emf(ch, 0.0))), np.empty(0))
        if ch.shape in ("DC", "NOIS", "PRBS"):
            return flat
        if ch.burst_on and ch.running_since is not None:
            if t0 < ch.running_since:
                return flat
            return self._continuous(ch, t0 - ch.running_since, duration)
        if ch.burst_on:
            if ch.burst_mode == "GAT" or ch.trigger_source in ("EXT", "BUS"):
                return flat  # waits for a trigger (or a gate) that is not wired
            bt, bv, bsync = self._burst(ch)
            period = ch.burst_period_s if ch.trigger_source == "IMM" else ch.trigger_timer_s
            period = max(period, float(bt[-1]))
            cycle = (np.append(bt, period), np.append(bv, bv[-1]))
            t, v, starts = periodic_knots(t0 - ch.t_ref, duration, cycle, period)
            sync = (starts[:, None] + bsync[None, :]).ravel()
            return t, v, sync[sync < duration]
        if ch.shape == "ARB" and self._sequence(ch):
            return self._sequence_knots(ch, t0, duration)
        return self._continuous(ch, t0 - ch.t_ref, duration)

    def _continuous(self, ch: Channel, phase_t: float, duration: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The periodic output `phase_t` s after its start, with a sync edge per cycle."""
        ct, cv, period = self._cycle(ch)
        start = phase_t + ch.phase_deg / 360.0 * period
        t, v, sync = periodic_knots(start, duration, (ct, cv), period)
        return t, self._emf(ch, v), sync

    def _cycle(self, ch: Channel) -> tuple[np.ndarray, np.ndarray, float]:
        """One period of the waveform: knot times 0 … T, normalized values (±1), T."""
        if ch.shape == "ARB":
            points = self._points(ch, ch.arb_name)
            return *self._arb_knots(points, ch), points.size / ch.srate
        period = 1.0 / ch.freq_hz
        if ch.shape == "SIN":
            x = np.linspace(0.0, 1.0, SINE_KNOTS + 1)
            return x * period, np.sin(2 * np.pi * x), period
        if ch.shape == "SQU":
            e = min(SQUARE_EDGE_S, period / 10)
            high = period * ch.square_dcyc / 100
            t = np.array([0.0, e, high, high + e, period])
            return t, np.array([-1.0, 1.0, 1.0, -1.0, -1.0]), period
        if ch.shape == "PULS":
            w, lead, trail = ch.pulse_width_s, ch.lead_s, ch.trail_s
            t = np.array([0.0, lead, lead / 2 + w - trail / 2, lead / 2 + w + trail / 2, period])
            return t, np.array([-1.0, 1.0, 1.0, -1.0, -1.0]), period
        symm = 50.0 if ch.shape == "TRI" else ch.ramp_symm
        peak = period * symm / 100
        t = np.array([0.0, peak, period]) if 0 < symm < 100 else np.array(
            [0.0, period - SQUARE_EDGE_S, period] if symm == 100 else [0.0, SQUARE_EDGE_S,
                                                                         period])
        v = np.array([-1.0, 1.0, -1.0]) if 0 < symm < 100 else np.array(
            [-1.0, 1.0, -1.0] if symm == 100 else [1.0, -1.0, 1.0])
        return t, v, period

    @staticmethod
    def _arb_knots(points: np.ndarray, ch: Channel) -> tuple[np.ndarray, np.ndarray]:
        """One play of an arb at the channel's sample rate, shaped by its filter."""
        dt = 1.0 / ch.srate
        if ch.filter == "NORM":
            return linear_knots(points, dt)
        edge = STEP_EDGE_S if ch.filter == "STEP" else OFF_EDGE_S
        return hold_knots(points, dt, min(edge, dt / 2))

    def _burst(self, ch: Channel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One triggered burst from now: EMF knots (idle, delay, cycles, idle) and sync."""
        steps = self._sequence(ch)
        if ch.shape == "ARB" and steps:
            ct, cv, sync_in, period = self._pass(ch, steps)
        else:
            ct, cv, period = self._cycle(ch)
            sync_in = np.array([0.0])
        n = ch.ncycles or 1
        start = (ch.burst_phase_deg % 360.0) / 360.0 * period if ch.shape != "ARB" else 0.0
        t, v, _ = periodic_knots(start, n * period, (ct, cv), period, force=True)
        edge = STEP_EDGE_S if ch.shape == "ARB" else SQUARE_EDGE_S
        t, v = framed(t, self._emf(ch, v), float(self._emf(ch, 0.0)), edge,
                      ch.trigger_delay_s)
        sync = (np.arange(n)[:, None] * period + sync_in[None, :]).ravel() if steps else \
            np.array([0.0])
        return t, (v if ch.output else np.zeros_like(v)), sync + ch.trigger_delay_s

    # -- sequences ------------------------------------------------------------------------

    def _sequence(self, ch: Channel) -> list[Step]:
        """The steps of the selected sequence (empty when a plain arb is selected)."""
        return ch.sequences.get(ch.arb_name.strip('"').upper(), [])

    def _step_cycle(self, ch: Channel, step: Step) -> tuple[np.ndarray, np.ndarray, float]:
        points = ch.arbs[step.arb.upper()]
        t, v = self._arb_knots(points, ch)
        return t, v, points.size / ch.srate

    @staticmethod
    def _plays(step: Step) -> int:
        """How many times a step plays before the sequence moves on without a trigger."""
        return step.count if step.mode == "repeat" else 1

    def _pass(self, ch: Channel, steps: list[Step]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """One pass of a sequence (every step its count, trigger-waiting steps once): knots,
        normalized values, the sync edges of its marked steps and its duration."""
        ts, vs, sync, s = [], [], [], 0.0
        for step in steps:
            ct, cv, play = self._step_cycle(ch, step)
            dur = self._plays(step) * play
            t, v, _ = periodic_knots(0.0, dur, (ct, cv), play, force=True)
            ts.append(t + s)
            vs.append(v)
            if step.marker.startswith("highAtStart"):
                sync.append(s)
            s += dur
        return np.concatenate(ts), np.concatenate(vs), np.array(sync), s

    def _waiting_step(self, ch: Channel, steps: list[Step], k: int, t_rel: float
                      ) -> tuple[int, float] | None:
        """The waiting step (index, start) a sequence started at step k has reached t_rel s
        later; None while it plays through finite steps."""
        s = 0.0
        for _ in range(len(steps)):
            step = steps[k]
            if step.waits:
                return k, s
            s += self._plays(step) * self._step_cycle(ch, step)[2]
            if t_rel < s:
                return None
            k = (k + 1) % len(steps)
        return None

    def _sequence_knots(self, ch: Channel, t0: float, duration: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A sequence playing continuously: until seq_t0 from the cursor before the last
        trigger, then from (seq_step, seq_t0)."""
        if ch.seq_prev is None or t0 >= ch.seq_t0:
            return self._sequence_from(ch, ch.seq_step, ch.seq_t0, t0, duration)
        head = min(duration, ch.seq_t0 - t0)
        t1, v1, s1 = self._sequence_from(ch, *ch.seq_prev, t0, head)
        if head >= duration:
            return t1, v1, s1
        t2, v2, s2 = self._sequence_from(ch, ch.seq_step, ch.seq_t0, ch.seq_t0, duration - head)
        return (np.concatenate([t1, t2 + head]), np.concatenate([v1, v2]),
                np.concatenate([s1, s2 + head]))

    def _sequence_from(self, ch: Channel, k: int, start: float, t0: float, duration: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A sequence that started at step k at bench time `start`, from t0 for duration:
        its steps in turn, held at a waiting step, looping after the last."""
        steps = self._sequence(ch)
        a, b = t0 - start, t0 - start + duration
        ts, vs, sync = [], [], []
        s = 0.0
        while s < b and sum(t.size for t in ts) < MAX_IDLE_KNOTS:
            if k == 0 and s > 0 and not any(st.waits for st in steps):
                pt, pv, psync, p = self._pass(ch, steps)
                lo = max(a, s)
                t, v, starts = periodic_knots(lo - s, b - lo, (pt, pv), p)
                ts.append(t + lo - a)
                vs.append(v)
                edges = (starts[:, None] + psync[None, :]).ravel()
                sync.append(edges[edges < b - lo] + lo - a)
                break
            step = steps[k]
            ct, cv, play = self._step_cycle(ch, step)
            endless = step.mode in ("repeatInf", "repeatTilTrig")
            dur = math.inf if endless else self._plays(step) * play
            if step.marker.startswith("highAtStart") and a <= s < b:
                sync.append(np.array([s - a]))
            if s + dur > a:
                lo, hi = max(a, s), min(b, s + dur)
                t, v, _ = periodic_knots(lo - s, hi - lo, (ct, cv), play)
                ts.append(t + lo - a)
                vs.append(v)
            s += dur
            if step.mode == "onceWaitTrig":  # holds its last point until a trigger
                if s < b:
                    ts.append(np.array([max(s, a), b]) - a)
                    vs.append(np.full(2, float(cv[-1])))
                break
            k = (k + 1) % len(steps)
        if not ts or ts[-1][-1] < duration:
            last = float(vs[-1][-1]) if vs else 0.0
            ts.append(np.array([ts[-1][-1] if ts else 0.0, duration]))
            vs.append(np.full(2, last))
        t = np.maximum.accumulate(np.concatenate(ts))
        sync_t = np.concatenate(sync) if sync else np.empty(0)
        return t, self._emf(ch, np.concatenate(vs)), sync_t

    def _advance_sequence(self, ch: Channel, now: float) -> bool:
        """A trigger for a sequence: a waiting step lets it move on; False when ignored."""
        steps = self._sequence(ch)
        if ch.seq_prev is not None and now < ch.seq_t0:
            return False  # released already; the step ends its repetition first
        where = self._waiting_step(ch, steps, ch.seq_step, now - ch.seq_t0)
        if where is None:
            return False
        k, s = where
        step = steps[k]
        if step.mode == "repeatInf":
            return False
        start = ch.seq_t0 + s
        if step.mode == "repeatTilTrig":  # finish the repetition in progress
            play = self._step_cycle(ch, step)[2]
            start += math.ceil((now - start) / play - 1e-12) * play
        else:  # onceWaitTrig: its play first, then the trigger releases it at once
            start = max(now, start + self._step_cycle(ch, step)[2])
        ch.seq_prev = ch.seq_step, ch.seq_t0
        ch.seq_step, ch.seq_t0 = (k + 1) % len(steps), start
        return True


class K33521BEmulator(K33500BEmulator):
    """Keysight 33521B: the one-channel model of the series."""

    idn = "Agilent Technologies,33521B,MY57800257,5.00-1.19-2.00-58-00"
    channels_fitted = 1
