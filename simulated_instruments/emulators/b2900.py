"""Keysight B2902A / B2912A precision source/measure unit emulator: two channels, the B2900
SCPI command set for voltage sourcing with current measurement — DC or pulsed, fixed level,
list or linear sweep — run as one triggered acquisition per :INITiate, the data returned by
:FETCh:ARRay in ASCII or as IEEE-754 blocks.

Facts from the B2900 SCPI Command Reference (Edition 2) and User's Guide (Edition 5): voltage
ranges 0.2/2/20/200 V, source ±210 V; current measure ranges 100 nA (B2902A) or 10 nA (B2912A)
to 3 A; compliance default 100 µA; aperture 8 µs … 2 s (or NPLC; a value outside is set to MIN
or MAX, not refused), default 0.1 PLC; pulse width 50 µs … 100 000 s, pulse delay 0 …
99 999.9 s; lists of up to 2500 values; trigger and arm counts up to 100 000; status data bits
0 (current source), 1–2 (compliance: 2, 4 or 6), 13 (range overflow, 8192); ASCII data as NR3
(+9.910000E+37 = not a number, +9.900000E+37 = +infinity), REAL,32 / REAL,64 as definite-length
blocks ``#<d><len><bytes>`` and a newline, NORMal byte order big-endian; :FORMat:ELEMents:SENSe
elements come out in the fixed order VOLT, CURR, RES, TIME, STAT, SOUR; with both channels
selected a reply interleaves channel 1's and channel 2's data point by point.

Modelling choices (the constants below are the single place to correct them):

- Trigger k of an acquisition fires at k × period. The period is the trigger timer (TIMer; an
  :INITiate whose timer is shorter than the pulse or the measurement is refused with -221) or
  the time the point needs (AINT): acquire delay + aperture, or pulse delay + width, or the
  transient delay, whichever is longest. BUS: :INITiate arms and every *TRG takes one point.
  The ACQuire, TRANsient and ALL trigger settings are one setting.
- DC: the point's level steps in at the transient delay. PULSe: the output sits at the base
  (:SOURce:VOLTage) and rises to the point's level (the peak: :VOLTage:TRIGgered in FIXed
  mode, the list or sweep values otherwise) at the pulse delay for the width. The measurement
  opens at the acquire delay after the trigger and lasts the aperture (``smu_readings``).
- :INITiate switches the output on (auto output on). After a DC acquisition the output holds
  its last level; after a pulsed one the base. :VOLTage:TRIGgered follows the immediate level
  until it is set.
- Channel 1 sources through the bench's SMU circuit; channel 2 is on open terminals (it
  sources its levels and reads 0 A plus noise). Only voltage sourcing acts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from labmem.simulated_instruments.bench.circuit import Trace
from labmem.simulated_instruments.emulators.byte_order import ByteOrder
from labmem.simulated_instruments.emulators.smu_readings import (
    OVER_RANGE,
    current_readings,
    range_for,
    window_means,
    window_times,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    format_block,
    format_number,
    parse_bool,
    parse_choice,
    parse_int,
    parse_number,
    parse_numbers,
    parse_string,
)

log = logging.getLogger(__name__)

CHANNELS = (1, 2)
VOLTAGE_MAX_V = 210.0
CURRENT_MAX_A = 3.03
CURRENT_RANGES_A = (100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0, 1.5, 3.0)
"""B2902A measure ranges; the B2912A adds 10 nA."""
COMPLIANCE_DEFAULT_A = 100e-6
APERTURE_S = (8e-6, 2.0)
NPLC_DEFAULT = 0.1
PULSE_WIDTH_S = (50e-6, 1e5)
PULSE_DELAY_S = (0.0, 99_999.9)
TRIGGER_DELAY_S = (0.0, 1e5)
TRIGGER_TIMER_S = (1e-5, 1e5)
COUNT_MAX = 100_000
LIST_MAX = 2500
SWEEP_POINTS_MAX = 2500
INFINITY = 9.9e37
NOT_A_NUMBER = 9.91e37
STAT_COMPLIANCE = 2
STAT_OVERFLOW = 8192
ELEMENTS = ("VOLTage", "CURRent", "RESistance", "TIME", "STATus", "SOURce")
ELEMENT_KEYS = ("VOLT", "CURR", "RES", "TIME", "STAT", "SOUR")
FUNCTIONS = ("VOLTage[:DC]", "CURRent[:DC]", "RESistance")


def _short(choice: str) -> str:
    """Short form of a manual-notation choice ('VOLTage[:DC]' → 'VOLT')."""
    return "".join(ch for ch in choice.split("[")[0] if not ch.islower())


def _channel_list(params: tuple[str, ...]) -> list[int]:
    """Channels of a channel list parameter, (@1), (@1,2), (@1:2), (@2,1); (@1) if none."""
    if not params:
        return [1]
    text = ",".join(params).replace(" ", "")
    if not (text.startswith("(@") and text.endswith(")")):
        raise ScpiError(-224, f"expected a channel list such as (@1,2), got {text!r}")
    chans: list[int] = []
    for item in text[2:-1].split(","):
        lo, _, hi = item.partition(":")
        first, last = parse_int(lo, 1, 2), parse_int(hi or lo, 1, 2)
        step = 1 if last >= first else -1
        chans += [c for c in range(first, last + step, step) if c not in chans]
    return chans


@dataclass
class _Data:
    """Readings of one channel's last acquisition: one row per point."""

    volt: np.ndarray
    curr: np.ndarray
    time: np.ndarray
    stat: np.ndarray
    sour: np.ndarray

    def __len__(self) -> int:
        return self.curr.size

    def extend(self, more: _Data) -> _Data:
        return _Data(*(np.concatenate([a, b]) for a, b in zip(
            (self.volt, self.curr, self.time, self.stat, self.sour),
            (more.volt, more.curr, more.time, more.stat, more.sour), strict=True)))


@dataclass
class _Channel:
    """Settings of one SMU channel (*RST values)."""

    output_on: bool = False
    low: str = "GRO"
    function: str = "VOLT"
    level_v: float = 0.0
    trig_v: float | None = None
    mode: str = "FIX"
    list_v: list[float] = field(default_factory=list)
    start_v: float = 0.0
    stop_v: float = 0.0
    points: int = 1
    shape: str = "DC"
    width_s: float = PULSE_WIDTH_S[0]
    pulse_delay_s: float = 0.0
    compliance_a: float = COMPLIANCE_DEFAULT_A
    sense: set[str] = field(default_factory=lambda: {"VOLT", "CURR"})
    i_range: float = 100e-6
    i_range_auto: bool = True
    aperture_s: float = NPLC_DEFAULT / 50.0
    acq_delay_s: float = 0.0
    tran_delay_s: float = 0.0
    trig_source: str = "AINT"
    timer_s: float = TRIGGER_TIMER_S[0]
    trig_count: int = 1
    arm_count: int = 1
    tripped: bool = False
    data: _Data | None = None
    armed: np.ndarray | None = None
    """Levels still waiting for bus triggers (BUS source)."""


@dataclass(frozen=True)
class _Plan:
    """What one channel does in an acquisition: its levels, pulsed or not, and the period."""

    levels: np.ndarray
    pulsed: bool
    period_s: float


class B2900Emulator(ByteOrder, ScpiInstrument):
    """Emulated Keysight B2900-series two-channel SMU on a simulated bench."""

    idn = "Keysight Technologies,B2902A,MY51140123,3.4.2011.5100"
    current_ranges_a: tuple[float, ...] = CURRENT_RANGES_A
    compliance_min_a = 1e-9

    def __init__(self, bench, line_frequency_hz: float = 50.0) -> None:
        super().__init__()
        self.bench = bench
        self.line_frequency_hz = line_frequency_hz
        self.reset()

    def reset(self) -> None:
        """*RST: both channels to their defaults, ASCII data, all sense elements."""
        self.ch = {c: _Channel(aperture_s=NPLC_DEFAULT / self.line_frequency_hz)
                   for c in CHANNELS}
        self.elements = list(ELEMENT_KEYS)
        self.data_format = "ASC"
        self.swapped = False
        self.timer_zero_s = self.bench.now

    def idle_output(self) -> tuple[float, float] | None:
        """What channel 1 holds while nothing is measured: (V, compliance A), or None."""
        ch = self.ch[1]
        if not ch.output_on or ch.function != "VOLT":
            return None
        return ch.level_v, ch.compliance_a

    # -- acquisition ----------------------------------------------------------------------

    def _levels(self, ch: _Channel) -> np.ndarray:
        """The level of every trigger of an acquisition (arm count × trigger count)."""
        if ch.mode == "LIST":
            if not ch.list_v:
                raise ScpiError(-221, "the source list is empty")
            table = np.array(ch.list_v)
        elif ch.mode == "SWE":
            table = np.linspace(ch.start_v, ch.stop_v, ch.points)
        else:
            table = np.array([ch.level_v if ch.trig_v is None else ch.trig_v])
        one_arm = table[np.arange(ch.trig_count) % table.size]
        return np.tile(one_arm, ch.arm_count)

    def _plan(self, ch: _Channel, levels: np.ndarray, pulsed: bool, timed: bool = True
              ) -> _Plan:
        if ch.function != "VOLT":
            raise ScpiError(-221, "only voltage sourcing is emulated")
        busy = max(ch.acq_delay_s + ch.aperture_s,
                   ch.pulse_delay_s + ch.width_s if pulsed else ch.tran_delay_s)
        if timed and ch.trig_source == "TIM":
            if ch.timer_s < busy:
                raise ScpiError(-221, f"trigger timer {ch.timer_s:g} s is shorter than the "
                                      f"{busy:g} s each point needs")
            return _Plan(levels, pulsed, ch.timer_s)
        return _Plan(levels, pulsed, busy)

    def _waveform(self, ch: _Channel, plan: _Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Source knots (times from now, V) and the sample times of every aperture."""
        levels = plan.levels
        n = levels.size
        starts = np.arange(n) * plan.period_s
        end = n * plan.period_s
        prev = ch.level_v if ch.output_on else 0.0
        if plan.pulsed:
            base = np.full(n, ch.level_v)
            on = starts + ch.pulse_delay_s
            off = np.minimum(on + ch.width_s, np.append(on[1:], end))  # width = period: no
            # rounding may end a pulse after the next one starts
            knot_t = np.concatenate([[0.0, 0.0], np.column_stack([on, on, off, off]).ravel(),
                                     [end]])
            knot_v = np.concatenate([[prev, ch.level_v],
                                     np.column_stack([base, levels, levels, base]).ravel(),
                                     [ch.level_v]])
        else:
            at = starts + ch.tran_delay_s
            before = np.concatenate([[prev], levels[:-1]])
            knot_t = np.concatenate([[0.0], np.repeat(at, 2), [end]])
            knot_v = np.concatenate([[prev], np.column_stack([before, levels]).ravel(),
                                     [levels[-1]]])
        sample_t = np.append(window_times(starts + ch.acq_delay_s, ch.aperture_s), end)
        return knot_t, knot_v, sample_t

    def _run(self, plans: dict[int, _Plan], append: bool = False) -> None:
        """Run the channels' plans together from now, one bench call, and store the data."""
        t0 = self.bench.now
        durations = {}
        for c, plan in plans.items():
            ch = self.ch[c]
            knot_t, knot_v, sample_t = self._waveform(ch, plan)
            if c == 1:
                trace = self.bench.smu_drive(knot_t, knot_v, sample_t, ch.compliance_a)
            else:  # open terminals: the programmed levels, no current
                v = np.interp(sample_t, knot_t, knot_v)
                zero = np.zeros_like(v)
                trace = Trace(sample_t, v, v, zero, zero)
            durations[c] = float(knot_t[-1])
            n = plan.levels.size
            i, v, limited = window_means(trace, n, ch.compliance_a)
            t = t0 - self.timer_zero_s + np.arange(n) * plan.period_s + ch.acq_delay_s
            data = self._readings(ch, i, v, limited, t, plan.levels)
            ch.data = ch.data.extend(data) if append and ch.data is not None else data
            ch.output_on = True
            if not plan.pulsed:
                ch.level_v = float(plan.levels[-1])
        self.bench.advance(t0 + max(durations.values()) - self.bench.now)

    def _readings(self, ch: _Channel, i: np.ndarray, v: np.ndarray, limited: np.ndarray,
                  t: np.ndarray, sour: np.ndarray) -> _Data:
        """Turn device current and voltage into the channel's readings and status."""
        i_meas, i_range = current_readings(
            self.bench.instrument_rng, i, self.current_ranges_a,
            ch.aperture_s * self.line_frequency_hz, None if ch.i_range_auto else ch.i_range)
        over = np.abs(i_meas) > i_range * OVER_RANGE
        curr = np.where(over, np.copysign(np.inf, i_meas), i_meas)
        stat = np.where(limited, STAT_COMPLIANCE, 0) | np.where(over, STAT_OVERFLOW, 0)
        if ch.i_range_auto and i_range.size:
            ch.i_range = float(i_range[-1])
        ch.tripped = bool(limited[-1])
        return _Data(v, curr, t, stat.astype(float), np.asarray(sour, dtype=float))

    def _initiate(self, chans: list[int]) -> None:
        bus = [c for c in chans if self.ch[c].trig_source == "BUS"]
        plans = {}
        for c in chans:
            ch = self.ch[c]
            levels = self._levels(ch)
            plan = self._plan(ch, levels, ch.shape == "PULS")  # refuse before anything runs
            if c in bus:
                ch.armed, ch.data = levels, None
            else:
                plans[c] = plan
        if plans:
            self._run(plans)

    def trigger(self) -> None:
        """A bus trigger: every armed channel takes its next point."""
        plans = {}
        for c, ch in self.ch.items():
            if ch.armed is None:
                continue
            plans[c] = self._plan(ch, ch.armed[:1], ch.shape == "PULS")
            ch.armed = ch.armed[1:] if ch.armed.size > 1 else None
        if not plans:
            raise ScpiError(-211, "no channel is waiting for a bus trigger")
        self._run(plans, append=True)

    @scpi("*TRG")
    def common_trg(self) -> None:
        self.trigger()

    # -- data -----------------------------------------------------------------------------

    def _columns(self, ch: _Channel, keys: list[str]) -> np.ndarray:
        """The readings of keys as columns (n, len(keys)); a function that is off reads NaN."""
        d = ch.data
        if d is None:
            return np.full((1, len(keys)), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            res = d.volt / d.curr
        cols = {"VOLT": d.volt if "VOLT" in ch.sense else np.full(len(d), np.nan),
                "CURR": d.curr if "CURR" in ch.sense else np.full(len(d), np.nan),
                "RES": res if "RES" in ch.sense else np.full(len(d), np.nan),
                "TIME": d.time, "STAT": d.stat, "SOUR": d.sour}
        return np.column_stack([cols[k] for k in keys])

    def _reply(self, chans: list[int], keys: list[str], latest: bool = False) -> str | bytes:
        """Data of the channels, interleaved point by point, in the data format."""
        tables = [self._columns(self.ch[c], keys) for c in chans]
        if latest:
            tables = [t[-1:] for t in tables]
        rows = max(t.shape[0] for t in tables)
        padded = [np.vstack([t, np.full((rows - t.shape[0], t.shape[1]), np.nan)])
                  for t in tables]
        values = np.hstack(padded).ravel()
        if self.data_format == "ASC":
            text = np.where(np.isnan(values), NOT_A_NUMBER,
                            np.where(np.isinf(values), np.sign(values) * INFINITY, values))
            return ",".join(map(format_number, text.tolist()))
        bits = "f4" if self.data_format == "REAL,32" else "f8"
        return format_block(values.astype(self.binary_dtype(bits)).tobytes())

    @scpi(":FETCh:ARRay?")
    def fetch_array(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), self.elements)

    @scpi(":FETCh:ARRay:CURRent?")
    def fetch_array_current(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["CURR"])

    @scpi(":FETCh:ARRay:VOLTage?")
    def fetch_array_voltage(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["VOLT"])

    @scpi(":FETCh:ARRay:RESistance?")
    def fetch_array_resistance(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["RES"])

    @scpi(":FETCh:ARRay:TIME?")
    def fetch_array_time(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["TIME"])

    @scpi(":FETCh:ARRay:STATus?")
    def fetch_array_status(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["STAT"])

    @scpi(":FETCh:ARRay:SOURce?")
    def fetch_array_source(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), ["SOUR"])

    @scpi(":FETCh[:SCALar]?")
    def fetch_scalar(self, *chanlist: str) -> str | bytes:
        return self._reply(_channel_list(chanlist), self.elements, latest=True)

    @scpi(":READ[:SCALar]?")
    def read_scalar(self, *chanlist: str) -> str | bytes:
        chans = _channel_list(chanlist)
        self._initiate(chans)
        return self._reply(chans, self.elements, latest=True)

    @scpi(":READ:ARRay?")
    def read_array(self, *chanlist: str) -> str | bytes:
        chans = _channel_list(chanlist)
        self._initiate(chans)
        return self._reply(chans, self.elements)

    def _spot(self, chanlist: tuple[str, ...]) -> list[int]:
        """Spot measurement: one DC point at the immediate level on each channel, now."""
        chans = _channel_list(chanlist)
        self._run({c: self._plan(self.ch[c], np.array([self.ch[c].level_v]), False,
                                 timed=False) for c in chans})
        return chans

    @scpi(":MEASure[:SCALar]?")
    def measure(self, *chanlist: str) -> str | bytes:
        return self._reply(self._spot(chanlist), self.elements)

    @scpi(":MEASure[:SCALar]:CURRent[:DC]?")
    def measure_current(self, *chanlist: str) -> str | bytes:
        return self._reply(self._spot(chanlist), ["CURR"])

    # -- output ---------------------------------------------------------------------------

    @scpi(":OUTPut<n>[:STATe]")
    def output_state(self, c: int, on: str) -> None:
        ch = self._channel(c)
        value = parse_bool(on)
        if value and ch.function != "VOLT":
            raise ScpiError(-221, "only voltage sourcing is emulated")
        ch.output_on = value

    @scpi(":OUTPut<n>[:STATe]?")
    def output_state_query(self, c: int) -> str:
        return "1" if self._channel(c).output_on else "0"

    @scpi(":OUTPut<n>:LOW")
    def output_low(self, c: int, which: str) -> None:
        ch = self._channel(c)
        if ch.output_on:
            raise ScpiError(-221, "switch the output off before changing the low terminal")
        ch.low = _short(parse_choice(which, ("GROund", "FLOat")))

    @scpi(":OUTPut<n>:LOW?")
    def output_low_query(self, c: int) -> str:
        return self._channel(c).low

    def _channel(self, c: int) -> _Channel:
        if c not in self.ch:
            raise ScpiError(-113, f"channel {c} does not exist")
        return self.ch[c]

    # -- source ---------------------------------------------------------------------------

    @scpi("[:SOURce<n>]:FUNCtion:MODE")
    def source_mode(self, c: int, name: str) -> None:
        ch = self._channel(c)
        choice = _short(parse_choice(name, ("VOLTage", "CURRent")))
        if choice != ch.function:
            ch.output_on = False
        ch.function = choice

    @scpi("[:SOURce<n>]:FUNCtion:MODE?")
    def source_mode_query(self, c: int) -> str:
        return self._channel(c).function

    @scpi("[:SOURce<n>]:FUNCtion:SHAPe")
    def source_shape(self, c: int, name: str) -> None:
        self._channel(c).shape = _short(parse_choice(name, ("DC", "PULSe")))

    @scpi("[:SOURce<n>]:FUNCtion:SHAPe?")
    def source_shape_query(self, c: int) -> str:
        return self._channel(c).shape

    def _level(self, value: str) -> float:
        return parse_number(value, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V, default=0.0)

    @scpi("[:SOURce<n>]:VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    def source_voltage(self, c: int, value: str) -> None:
        self._channel(c).level_v = self._level(value)

    @scpi("[:SOURce<n>]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?")
    def source_voltage_query(self, c: int) -> str:
        return format_number(self._channel(c).level_v)

    @scpi("[:SOURce<n>]:VOLTage[:LEVel]:TRIGgered[:AMPLitude]")
    def source_voltage_triggered(self, c: int, value: str) -> None:
        self._channel(c).trig_v = self._level(value)

    @scpi("[:SOURce<n>]:VOLTage[:LEVel]:TRIGgered[:AMPLitude]?")
    def source_voltage_triggered_query(self, c: int) -> str:
        ch = self._channel(c)
        return format_number(ch.level_v if ch.trig_v is None else ch.trig_v)

    @scpi("[:SOURce<n>]:VOLTage:MODE")
    def source_voltage_mode(self, c: int, name: str) -> None:
        self._channel(c).mode = _short(parse_choice(name, ("FIXed", "LIST", "SWEep")))

    @scpi("[:SOURce<n>]:VOLTage:MODE?")
    def source_voltage_mode_query(self, c: int) -> str:
        return self._channel(c).mode

    @scpi("[:SOURce<n>]:VOLTage:STARt")
    def source_voltage_start(self, c: int, value: str) -> None:
        self._channel(c).start_v = self._level(value)

    @scpi("[:SOURce<n>]:VOLTage:STARt?")
    def source_voltage_start_query(self, c: int) -> str:
        return format_number(self._channel(c).start_v)

    @scpi("[:SOURce<n>]:VOLTage:STOP")
    def source_voltage_stop(self, c: int, value: str) -> None:
        self._channel(c).stop_v = self._level(value)

    @scpi("[:SOURce<n>]:VOLTage:STOP?")
    def source_voltage_stop_query(self, c: int) -> str:
        return format_number(self._channel(c).stop_v)

    @scpi("[:SOURce<n>]:VOLTage:POINts")
    def source_voltage_points(self, c: int, value: str) -> None:
        self._channel(c).points = parse_int(value, 1, SWEEP_POINTS_MAX)

    @scpi("[:SOURce<n>]:VOLTage:POINts?")
    def source_voltage_points_query(self, c: int) -> str:
        return str(self._channel(c).points)

    def _list_values(self, values: tuple[str, ...]) -> list[float]:
        if not values:
            raise ScpiError(-109, "a list needs at least one value")
        return parse_numbers(values, "V", -VOLTAGE_MAX_V, VOLTAGE_MAX_V, default=0.0)

    @scpi("[:SOURce<n>]:LIST:VOLTage")
    def source_list(self, c: int, *values: str) -> None:
        new = self._list_values(values)
        if len(new) > LIST_MAX:
            raise ScpiError(-223, f"a list holds at most {LIST_MAX} values")
        self._channel(c).list_v = new

    @scpi("[:SOURce<n>]:LIST:VOLTage:APPend")
    def source_list_append(self, c: int, *values: str) -> None:
        ch = self._channel(c)
        new = self._list_values(values)
        if len(ch.list_v) + len(new) > LIST_MAX:
            raise ScpiError(-223, f"a list holds at most {LIST_MAX} values")
        ch.list_v = ch.list_v + new

    @scpi("[:SOURce<n>]:LIST:VOLTage?")
    def source_list_query(self, c: int) -> str:
        return ",".join(format_number(v) for v in self._channel(c).list_v)

    @scpi("[:SOURce<n>]:LIST:VOLTage:POINts?")
    def source_list_points(self, c: int) -> str:
        return str(len(self._channel(c).list_v))

    @scpi("[:SOURce<n>]:PULSe:WIDTh")
    def pulse_width(self, c: int, value: str) -> None:
        self._channel(c).width_s = parse_number(value, "S", *PULSE_WIDTH_S,
                                                default=PULSE_WIDTH_S[0])

    @scpi("[:SOURce<n>]:PULSe:WIDTh?")
    def pulse_width_query(self, c: int) -> str:
        return format_number(self._channel(c).width_s)

    @scpi("[:SOURce<n>]:PULSe:DELay")
    def pulse_delay(self, c: int, value: str) -> None:
        self._channel(c).pulse_delay_s = parse_number(value, "S", *PULSE_DELAY_S, default=0.0)

    @scpi("[:SOURce<n>]:PULSe:DELay?")
    def pulse_delay_query(self, c: int) -> str:
        return format_number(self._channel(c).pulse_delay_s)

    # -- sense ----------------------------------------------------------------------------

    def _functions(self, names: tuple[str, ...]) -> set[str]:
        if not names:
            raise ScpiError(-109, "name at least one function")
        return {_short(parse_choice(parse_string(n), FUNCTIONS)) for n in names}

    @scpi(":SENSe<n>:FUNCtion[:ON]")
    def sense_on(self, c: int, *names: str) -> None:
        self._channel(c).sense |= self._functions(names)

    @scpi(":SENSe<n>:FUNCtion:OFF")
    def sense_off(self, c: int, *names: str) -> None:
        self._channel(c).sense -= self._functions(names)

    @scpi(":SENSe<n>:FUNCtion[:ON]?")
    def sense_on_query(self, c: int) -> str:
        on = self._channel(c).sense
        return ",".join(f'"{k}"' for k in ("VOLT", "CURR", "RES") if k in on)

    @scpi(":SENSe<n>:CURRent[:DC]:PROTection[:LEVel]")
    def compliance(self, c: int, value: str) -> None:
        self._channel(c).compliance_a = parse_number(
            value, "A", self.compliance_min_a, CURRENT_MAX_A, default=COMPLIANCE_DEFAULT_A)

    @scpi(":SENSe<n>:CURRent[:DC]:PROTection[:LEVel]?")
    def compliance_query(self, c: int) -> str:
        return format_number(self._channel(c).compliance_a)

    @scpi(":SENSe<n>:CURRent[:DC]:PROTection:TRIPped?")
    def compliance_tripped(self, c: int) -> str:
        ch = self._channel(c)
        return "1" if ch.tripped and ch.output_on else "0"

    @scpi(":SENSe<n>:CURRent[:DC]:RANGe[:UPPer]")
    def current_range(self, c: int, value: str) -> None:
        ch = self._channel(c)
        rng = parse_number(value, "A", -CURRENT_MAX_A, CURRENT_MAX_A,
                           default=COMPLIANCE_DEFAULT_A)
        ch.i_range, ch.i_range_auto = range_for(rng, self.current_ranges_a), False

    @scpi(":SENSe<n>:CURRent[:DC]:RANGe[:UPPer]?")
    def current_range_query(self, c: int) -> str:
        return format_number(self._channel(c).i_range)

    @scpi(":SENSe<n>:CURRent[:DC]:RANGe:AUTO")
    def current_range_auto(self, c: int, on: str) -> None:
        self._channel(c).i_range_auto = parse_bool(on)

    @scpi(":SENSe<n>:CURRent[:DC]:RANGe:AUTO?")
    def current_range_auto_query(self, c: int) -> str:
        return "1" if self._channel(c).i_range_auto else "0"

    def _clamped(self, value: str, unit: str, lo: float, hi: float, default: float) -> float:
        """A numeric value set to MIN or MAX when outside them, as the manual says."""
        return min(max(parse_number(value, unit, default=default), lo), hi)

    @scpi(":SENSe<n>:CURRent[:DC]:APERture")
    @scpi(":SENSe<n>:VOLTage[:DC]:APERture")
    def aperture(self, c: int, value: str) -> None:
        default = NPLC_DEFAULT / self.line_frequency_hz
        self._channel(c).aperture_s = self._clamped(value, "S", *APERTURE_S, default)

    @scpi(":SENSe<n>:CURRent[:DC]:APERture?")
    @scpi(":SENSe<n>:VOLTage[:DC]:APERture?")
    def aperture_query(self, c: int) -> str:
        return format_number(self._channel(c).aperture_s)

    @scpi(":SENSe<n>:CURRent[:DC]:NPLCycles")
    @scpi(":SENSe<n>:VOLTage[:DC]:NPLCycles")
    def nplc(self, c: int, value: str) -> None:
        f = self.line_frequency_hz
        nplc = self._clamped(value, "", APERTURE_S[0] * f, APERTURE_S[1] * f, NPLC_DEFAULT)
        self._channel(c).aperture_s = nplc / f

    @scpi(":SENSe<n>:CURRent[:DC]:NPLCycles?")
    @scpi(":SENSe<n>:VOLTage[:DC]:NPLCycles?")
    def nplc_query(self, c: int) -> str:
        return format_number(self._channel(c).aperture_s * self.line_frequency_hz)

    # -- trigger --------------------------------------------------------------------------

    @scpi(":TRIGger<n>[:ALL]:SOURce")
    @scpi(":TRIGger<n>:ACQuire:SOURce")
    @scpi(":TRIGger<n>:TRANsient:SOURce")
    def trigger_source(self, c: int, name: str) -> None:
        self._channel(c).trig_source = _short(parse_choice(name, ("AINT", "BUS", "TIMer")))

    @scpi(":TRIGger<n>[:ALL]:SOURce?")
    @scpi(":TRIGger<n>:ACQuire:SOURce?")
    @scpi(":TRIGger<n>:TRANsient:SOURce?")
    def trigger_source_query(self, c: int) -> str:
        return self._channel(c).trig_source

    @scpi(":TRIGger<n>[:ALL]:TIMer")
    @scpi(":TRIGger<n>:ACQuire:TIMer")
    @scpi(":TRIGger<n>:TRANsient:TIMer")
    def trigger_timer(self, c: int, value: str) -> None:
        self._channel(c).timer_s = parse_number(value, "S", *TRIGGER_TIMER_S,
                                                default=TRIGGER_TIMER_S[0])

    @scpi(":TRIGger<n>[:ALL]:TIMer?")
    @scpi(":TRIGger<n>:ACQuire:TIMer?")
    @scpi(":TRIGger<n>:TRANsient:TIMer?")
    def trigger_timer_query(self, c: int) -> str:
        return format_number(self._channel(c).timer_s)

    def _count(self, value: str) -> int:
        return parse_int(value, 1, COUNT_MAX)

    @scpi(":TRIGger<n>[:ALL]:COUNt")
    @scpi(":TRIGger<n>:ACQuire:COUNt")
    @scpi(":TRIGger<n>:TRANsient:COUNt")
    def trigger_count(self, c: int, value: str) -> None:
        ch = self._channel(c)
        count = self._count(value)
        if count * ch.arm_count > COUNT_MAX:
            raise ScpiError(-221, f"arm count × trigger count must not exceed {COUNT_MAX}")
        ch.trig_count = count

    @scpi(":TRIGger<n>[:ALL]:COUNt?")
    @scpi(":TRIGger<n>:ACQuire:COUNt?")
    @scpi(":TRIGger<n>:TRANsient:COUNt?")
    def trigger_count_query(self, c: int) -> str:
        return str(self._channel(c).trig_count)

    @scpi(":ARM<n>[:ALL]:COUNt")
    @scpi(":ARM<n>:ACQuire:COUNt")
    @scpi(":ARM<n>:TRANsient:COUNt")
    def arm_count(self, c: int, value: str) -> None:
        ch = self._channel(c)
        count = self._count(value)
        if count * ch.trig_count > COUNT_MAX:
            raise ScpiError(-221, f"arm count × trigger count must not exceed {COUNT_MAX}")
        ch.arm_count = count

    @scpi(":ARM<n>[:ALL]:COUNt?")
    @scpi(":ARM<n>:ACQuire:COUNt?")
    @scpi(":ARM<n>:TRANsient:COUNt?")
    def arm_count_query(self, c: int) -> str:
        return str(self._channel(c).arm_count)

    @scpi(":TRIGger<n>:ACQuire:DELay")
    def acquire_delay(self, c: int, value: str) -> None:
        self._channel(c).acq_delay_s = parse_number(value, "S", *TRIGGER_DELAY_S, default=0.0)

    @scpi(":TRIGger<n>:ACQuire:DELay?")
    def acquire_delay_query(self, c: int) -> str:
        return format_number(self._channel(c).acq_delay_s)

    @scpi(":TRIGger<n>:TRANsient:DELay")
    def transient_delay(self, c: int, value: str) -> None:
        self._channel(c).tran_delay_s = parse_number(value, "S", *TRIGGER_DELAY_S, default=0.0)

    @scpi(":TRIGger<n>:TRANsient:DELay?")
    def transient_delay_query(self, c: int) -> str:
        return format_number(self._channel(c).tran_delay_s)

    @scpi(":INITiate[:IMMediate][:ALL]")
    @scpi(":INITiate[:IMMediate]:ACQuire")
    @scpi(":INITiate[:IMMediate]:TRANsient")
    def initiate(self, *chanlist: str) -> None:
        self._initiate(_channel_list(chanlist))

    @scpi(":ABORt[:ALL]")
    def abort(self, *chanlist: str) -> None:
        """Acquisitions complete at :INITiate on the virtual clock; bus-armed ones stop."""
        for c in _channel_list(chanlist):
            self.ch[c].armed = None

    # -- format and system ----------------------------------------------------------------

    @scpi(":FORMat:ELEMents:SENSe")
    def format_elements(self, *names: str) -> None:
        if not names:
            raise ScpiError(-109, "name at least one element")
        chosen = {_short(parse_choice(n, ELEMENTS)) for n in names}
        self.elements = [k for k in ELEMENT_KEYS if k in chosen]

    @scpi(":FORMat:ELEMents:SENSe?")
    def format_elements_query(self) -> str:
        return ",".join(self.elements)

    @scpi(":FORMat[:DATA]")
    def format_data(self, kind: str, length: str | None = None) -> None:
        key = kind.strip().upper().replace(" ", "")
        if length is not None:
            key += length.strip()
        formats = {"ASC": "ASC", "ASCII": "ASC", "REAL32": "REAL,32", "REAL64": "REAL,64",
                   "REAL": "REAL,64"}
        if key not in formats:
            raise ScpiError(-224, f"format must be ASCii, REAL,32 or REAL,64, got {kind!r}")
        self.data_format = formats[key]

    @scpi(":FORMat[:DATA]?")
    def format_data_query(self) -> str:
        return self.data_format

    @scpi(":SYSTem:LFRequency?")
    def system_lfrequency(self) -> str:
        return str(int(self.line_frequency_hz))

    @scpi(":SYSTem:TIME:TIMer:COUNt:RESet")
    def timer_reset(self) -> None:
        self.timer_zero_s = self.bench.now


class B2902AEmulator(B2900Emulator):
    """Keysight B2902A: measure ranges from 100 nA, compliance from 1 nA."""


class B2912AEmulator(B2900Emulator):
    """Keysight B2912A: the B2902A's commands with a 10 nA range, compliance from 100 pA."""

    idn = "Keysight Technologies,B2912A,MY52350123,3.4.2011.5100"
    current_ranges_a = (10e-9, *CURRENT_RANGES_A)
    compliance_min_a = 100e-12
