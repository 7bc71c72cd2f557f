"""Keithley 2600B System SourceMeter emulator (2636B; the 2602B and 2612B differ only in their
ranges and limits): two channels, ``smua`` and ``smub``, programmed in TSP.

TSP is Lua, so every message runs as a Lua chunk in a real Lua interpreter (lupa, Lua 5.1:
TSP is Lua 5.0 based, every number a double), one persistent runtime per instrument, instead
of a regex imitation of Lua: loops, functions, variables and named scripts behave as on the
instrument. The runtime is sandboxed: no ``io``, ``os``, ``require``, ``load*``, ``debug`` or
``python``, Python objects cannot be introspected from Lua (an attribute filter refuses every
attribute), and a chunk stops after ``MAX_INSTRUCTIONS`` (a loop that never ends).

Facts taken from the Series 2600B reference manual (2600BS-901-01): ``*IDN?`` and the other
IEEE-488.2 common commands are answered as special cases; ``loadscript name`` … ``endscript``
collects the lines between and compiles them into a script named ``name`` (a global you call
or ``.run()``); ``print`` writes its arguments tab-separated, numbers as ``%e`` with
``format.asciiprecision`` digits; ``printbuffer(start, end, buf…)`` writes one response of the
values index by index, ``", "``-separated in ASCII, or ``#0`` and the IEEE-754 values in the
``format.byteorder`` for ``format.REAL32``/``REAL64``; ``errorqueue.next()`` returns code,
message, severity, node (``0, "Queue Is Empty"`` when empty); a syntax error is -285, a
run-time error -286 ("TSP Syntax error at line N: …", "TSP Runtime error at line N: …");
reading buffers keep ``readings``, ``sourcevalues`` (when ``collectsourcevalues``) and
``timestamps`` (when ``collecttimestamps``, the first reading at 0 s), overwritten by each
measurement unless ``appendmode``; the overflow reading is 9.91e37.

Modelling choices (the constants below are the single place to correct them):

- ``smua`` is the bench's SMU: a reading is the aperture mean after a delay, a trigger-model
  sweep (``smua.trigger.initiate()``) one ``bench.smu_drive`` staircase, as on the 2450
  (``smu_readings.py``: reading model, limit detection and noise; ranges at 101 %).
  ``smub`` sees open terminals (it sources its programmed level, measures 0 A and noise, and
  its voltage readback is the programmed level) unless the bench file gives the ``smu2``
  role the same resource as ``smu``: then ``port("smu2")`` makes it the bench's second SMU,
  on the device's bottom terminal (its readings in its own frame, the device current as −I).
- The trigger model runs at once on the virtual clock (``waitcomplete()`` returns at once); it
  sources ``trigger.count`` points of its list (wrapping around the list), each held for the
  source delay, the measure delay and the aperture; ``endsweep.action`` SOURCE_IDLE returns the
  output to ``source.levelv``, SOURCE_HOLD keeps the last level.
- Only voltage sourcing acts on the device; a current source is settable but the output
  refuses to switch on with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import lupa.lua51 as lua
import numpy as np

from labmem.simulated_instruments.emulators.smu_readings import (
    current_readings,
    drive_staircase,
    range_for,
)
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument
from labmem.simulated_instruments.scpi.program_data import ScpiError, split_params

log = logging.getLogger(__name__)

OVER_RANGE = 1.01
"""Source levels and readings go to 101 % of the range."""
OVERFLOW = 9.91e37
AUTO_DELAY_S = 1e-3
"""Measure delay when smuX.measure.delay is DELAY_AUTO."""
NPLC_LIMITS = (0.001, 25.0)
BUFFER_CAPACITY = 60_000
LINE_FREQUENCY_HZ = 50.0
MAX_INSTRUCTIONS = 50_000_000
"""Lua instructions one message may execute before it is stopped with a run-time error."""
SEVERITY_ERROR = 20
"""errorqueue.next() severity of an error the user can correct."""

VOLTS, AMPS = 1, 0
SOURCE_IDLE, SOURCE_HOLD = 0, 1
DELAY_AUTO = -1
CHANNEL_CONSTANTS = {
    "OUTPUT_ON": 1, "OUTPUT_OFF": 0, "OUTPUT_DCVOLTS": VOLTS, "OUTPUT_DCAMPS": AMPS,
    "ENABLE": 1, "DISABLE": 0, "AUTORANGE_ON": 1, "AUTORANGE_OFF": 0,
    "SOURCE_IDLE": SOURCE_IDLE, "SOURCE_HOLD": SOURCE_HOLD, "DELAY_AUTO": DELAY_AUTO,
    "DELAY_OFF": 0, "SENSE_LOCAL": 0, "SENSE_REMOTE": 1,
}
FORMAT_CONSTANTS = {
    "ASCII": 1, "SREAL": 2, "REAL32": 2, "REAL": 3, "REAL64": 3,
    "NORMAL": 0, "BIGENDIAN": 0, "NETWORK": 0, "SWAPPED": 1, "LITTLEENDIAN": 1,
}
BUFFER_COLUMNS = ("readings", "sourcevalues", "timestamps")

_PRELUDE = """
local py_get, py_set, py_call, limit = ...
local setmetatable, pairs, ipairs, unpack, select, error =
  setmetatable, pairs, ipairs, unpack, select, error
local paths = {}
local function unwrap(...)
  local args = {...}
  for k = 1, select('#', ...) do
    local p = args[k] ~= nil and paths[args[k]]
    if p then args[k] = p end
  end
  return unpack(args, 1, select('#', ...))
end
local function node(path, fields, functions)
  local t = {}
  paths[t] = path
  for k, v in pairs(fields) do t[k] = v end
  for _, name in ipairs(functions) do
    local full = path .. '.' .. name
    t[name] = function(...) return py_call(full, unwrap(...)) end
  end
  return setmetatable(t, {
    __index = function(_, k) return py_get(path, k) end,
    __newindex = function(_, k, v) py_set(path, k, (v ~= nil and paths[v]) or v) end,
    __metatable = false,
  })
end
local function wrap(fn)
  return function(...) return fn(unwrap(...)) end
end
local function script(name, fn)
  return setmetatable({name = name, run = fn},
                      {__call = function() return fn() end, __metatable = false})
end
local sethook = debug.sethook
local function guard(on)
  if on then
    sethook(function() error('instruction limit reached (a loop that never ends?)', 2) end,
            '', limit)
  else
    sethook()
  end
end
return node, wrap, script, guard, loadstring, tostring
"""

_SANDBOX = ("io", "os", "require", "package", "module", "debug", "dofile", "loadfile",
            "load", "loadstring", "python", "collectgarbage", "getfenv", "setfenv", "newproxy",
            "gcinfo", "rawequal", "rawget", "rawset", "getmetatable", "setmetatable")
"""Globals removed from the Lua runtime (files, processes, the Python bridge, environments
and metatables of the instrument's tables)."""

_LINE = re.compile(r"^[^:]*:(\d+): (.*)$", re.S)


def _refuse_attributes(obj: Any, name: str, is_setting: bool) -> str:
    """lupa attribute filter: Lua sees no attribute of a Python object."""
    raise AttributeError(f"{name} is not accessible")


def _lua_error(kind: str, text: str) -> str:
    """'TSP Syntax error at line N: …' from a Lua message 'chunk:N: …'."""
    first = str(text).splitlines()[0] if str(text) else ""
    m = _LINE.match(first)
    if m:
        return f"TSP {kind} error at line {m.group(1)}: {m.group(2)}"
    return f"TSP {kind} error: {first}"


def _number(lo: float, hi: float, what: str) -> Callable[[Any], float]:
    """A converter that accepts a number within lo…hi (error -222 otherwise)."""

    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScpiError(-104, f"{what} takes a number, got {value!r}")
        if not lo <= float(value) <= hi:
            raise ScpiError(-222, f"{what} {value:g} outside {lo:g} to {hi:g}")
        return float(value)

    return convert


def _choice(values: tuple[int, ...], what: str) -> Callable[[Any], int]:
    """A converter that accepts one of the integer codes in values (error -224 otherwise)."""

    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                int(value) != value or int(value) not in values:
            raise ScpiError(-224, f"{what} must be one of {values}, got {value!r}")
        return int(value)

    return convert


_flag = partial(_choice, (0, 1))


@dataclass
class _Buffer:
    """A dedicated reading buffer (smuX.nvbufferY)."""

    readings: list[float] = field(default_factory=list)
    sourcevalues: list[float] = field(default_factory=list)
    timestamps: list[float] = field(default_factory=list)
    """Absolute bench times; read out relative to the first reading."""
    appendmode: int = 0
    collectsourcevalues: int = 0
    collecttimestamps: int = 1

    def clear(self) -> None:
        self.readings.clear()
        self.sourcevalues.clear()
        self.timestamps.clear()

    def column(self, name: str) -> list[float]:
        """Values of a subtable as the buffer reports them."""
        if name == "readings":
            return self.readings
        if name == "sourcevalues":
            if not self.collectsourcevalues:
                raise ScpiError(-221, "the buffer does not collect source values")
            return self.sourcevalues
        if not self.collecttimestamps:
            raise ScpiError(-221, "the buffer does not collect timestamps")
        t0 = self.timestamps[0] if self.timestamps else 0.0
        return [t - t0 for t in self.timestamps]

    def store(self, readings: np.ndarray, source: np.ndarray, t_abs: np.ndarray) -> None:
        if readings.size + len(self.readings) > BUFFER_CAPACITY:
            raise ScpiError(-223, f"a reading buffer holds {BUFFER_CAPACITY} readings")
        self.readings += readings.tolist()
        if self.collectsourcevalues:
            self.sourcevalues += source.tolist()
        if self.collecttimestamps:
            self.timestamps += t_abs.tolist()


@dataclass
class _Channel:
    """One SMU channel's settings, output and buffers."""

    name: str
    role: str | None
    """The bench's SMU role the channel fills (smu, smu2), or None: open terminals."""
    func: int = VOLTS
    levelv: float = 0.0
    leveli: float = 0.0
    limiti: float = 100e-3
    limitv: float = 20.0
    rangev: float = 0.2
    autorangev: int = 1
    rangei: float = 100e-3
    autorangei: int = 1
    source_delay: float = 0.0
    output: int = 0
    out_v: float = 0.0
    """The level the output holds now (levelv, or the last sweep level under SOURCE_HOLD)."""
    limited: bool = False
    sense: int = 0
    nplc: float = 1.0
    m_rangei: float = 100e-6
    m_autorangei: int = 1
    m_rangev: float = 0.2
    m_autorangev: int = 1
    m_delay: float = DELAY_AUTO
    count: int = 1
    nvbuffer1: _Buffer = field(default_factory=_Buffer)
    nvbuffer2: _Buffer = field(default_factory=_Buffer)
    trig_count: int = 1
    trig_source_action: int = 0
    trig_list: list[float] = field(default_factory=list)
    trig_limiti: float | None = None
    trig_measure_action: int = 0
    trig_buffers: tuple[str | None, str | None] = (None, None)
    """Buffer paths the trigger model stores current and voltage readings in."""
    endpulse: int = SOURCE_HOLD
    endsweep: int = SOURCE_IDLE

    def idle_output(self) -> tuple[float, float] | None:
        """What the channel holds on the device while nothing is measured: (V, limit A) or
        None (output off)."""
        if not self.output or self.func != VOLTS:
            return None
        return self.out_v, self.limiti


class Keithley2600Emulator(ScpiInstrument):
    """Emulated Keithley 2636B System SourceMeter (TSP) on a simulated bench."""

    model: ClassVar[str] = "2636B"
    serial: ClassVar[str] = "04412346"
    idn = "Keithley Instruments Inc., Model 2636B, 04412346, 3.2.2"
    current_ranges_a: ClassVar[tuple[float, ...]] = (
        100e-12, 1e-9, 10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0, 1.5)
    voltage_ranges_v: ClassVar[tuple[float, ...]] = (0.2, 2.0, 20.0, 200.0)
    limiti_a: ClassVar[tuple[float, float]] = (10e-12, 1.5)
    """Current limit settings (a tenth of the lowest range … the highest range)."""

    def __init__(self, bench: Any) -> None:
        super().__init__()
        self.bench = bench
        self.lua = lua.LuaRuntime(register_eval=False, register_builtins=False,
                                  unpack_returned_tuples=True,
                                  attribute_filter=_refuse_attributes)
        node, wrap, self._script, self._guard, self._load, self._tostring = \
            self.lua.execute(_PRELUDE, self._get, self._set, self._call, MAX_INSTRUCTIONS)
        g = self.lua.globals()
        for name in _SANDBOX:
            g[name] = None
        self._attrs: dict[str, dict[str, tuple[Callable[[], Any], Callable[[Any], None] | None]]]
        self._attrs, self._functions = {}, {}
        self._collecting: tuple[str, list[str], bool] | None = None
        self.channels = {"a": _Channel("a", role="smu"), "b": _Channel("b", role=None)}
        self.format_data, self.byteorder, self.asciiprecision = 1, 1, 6
        self.timer_t0 = 0.0
        for ch in self.channels.values():
            g[f"smu{ch.name}"] = self._bind_channel(node, ch)
        self._bind_globals(node, wrap, g)
        self.reset()

    # -- binding the instrument into Lua ---------------------------------------------------

    def _node(self, node: Any, path: str, attrs: dict, functions: dict,
              fields: dict | None = None) -> Any:
        """A Lua table at path whose attributes and functions call back into Python."""
        self._attrs[path] = attrs
        for name, fn in functions.items():
            self._functions[f"{path}.{name}"] = fn
        return node(path, self.lua.table_from(fields or {}), self.lua.table_from(list(functions)))

    def _bind_channel(self, node: Any, ch: _Channel) -> Any:
        p = f"smu{ch.name}"
        v_max, i_max = self.voltage_ranges_v[-1], self.current_ranges_a[-1]

        def attr(name: str, convert: Callable[[Any], Any] | None = None,
                 after: Callable[[], None] | None = None) -> tuple:
            def setter(value: Any) -> None:
                setattr(ch, name, convert(value))  # type: ignore[misc]
                if after is not None:
                    after()
            return (lambda: getattr(ch, name)), (setter if convert else None)

        def set_levelv(value: Any) -> None:
            top = v_max if ch.autorangev else ch.rangev * OVER_RANGE
            ch.levelv = _number(-top, top, "source.levelv")(value)
            if ch.autorangev:
                ch.rangev = self._vrange(ch.levelv)
            if ch.output:
                ch.out_v = ch.levelv

        def set_output(value: Any) -> None:
            on = _flag("source.output")(value)
            if on and ch.func != VOLTS:
                raise ScpiError(-221, "only voltage sourcing is emulated")
            if on and not ch.output:
                ch.out_v = ch.levelv
            ch.output = on

        def set_func(value: Any) -> None:
            func = _choice((AMPS, VOLTS), "source.func")(value)
            if func != ch.func:
                ch.output = 0  # changing the source function switches the output off
            ch.func = func

        source_attrs = {
            "func": ((lambda: ch.func), set_func),
            "levelv": ((lambda: ch.levelv), set_levelv),
            "leveli": attr("leveli", _number(-i_max, i_max, "source.leveli")),
            "limiti": attr("limiti", _number(*self.limiti_a, "source.limiti")),
            "limitv": attr("limitv", _number(0.02, v_max, "source.limitv")),
            "rangev": ((lambda: ch.rangev), partial(self._set_source_rangev, ch)),
            "autorangev": attr("autorangev", _flag("source.autorangev")),
            "rangei": attr("rangei", lambda v: self._irange(
                _number(-i_max, i_max, "source.rangei")(v))),
            "autorangei": attr("autorangei", _flag("source.autorangei")),
            "delay": attr("source_delay", _number(0.0, 1e3, "source.delay")),
            "output": ((lambda: ch.output), set_output),
            "compliance": ((lambda: bool(ch.limited and ch.output)), None),
        }
        source = self._node(node, f"{p}.source", source_attrs, {})
        measure_attrs = {
            "nplc": attr("nplc", _number(*NPLC_LIMITS, "measure.nplc")),
            "rangei": attr("m_rangei", lambda v: self._irange(
                _number(-i_max, i_max, "measure.rangei")(v)),
                after=lambda: setattr(ch, "m_autorangei", 0)),
            "autorangei": attr("m_autorangei", _flag("measure.autorangei")),
            "rangev": attr("m_rangev", lambda v: self._vrange(
                _number(-v_max, v_max, "measure.rangev")(v)),
                after=lambda: setattr(ch, "m_autorangev", 0)),
            "autorangev": attr("m_autorangev", _flag("measure.autorangev")),
            "delay": attr("m_delay", lambda v: DELAY_AUTO if v == DELAY_AUTO
                          else _number(0.0, 1e3, "measure.delay")(v)),
            "count": attr("count", lambda v: int(_number(1, BUFFER_CAPACITY,
                                                         "measure.count")(v))),
        }
        measure = self._node(node, f"{p}.measure", measure_attrs, {
            "i": partial(self._measure_call, ch, "i"),
            "v": partial(self._measure_call, ch, "v"),
            "r": partial(self._measure_call, ch, "r"),
            "iv": partial(self._measure_call, ch, "iv"),
        })
        buffers = {}
        for key in ("nvbuffer1", "nvbuffer2"):
            buf: _Buffer = getattr(ch, key)
            bp = f"{p}.{key}"
            columns = {col: self._node(node, f"{bp}.{col}", {}, {}) for col in BUFFER_COLUMNS}
            buffers[key] = self._node(node, bp, {
                "n": ((lambda b=buf: len(b.readings)), None),
                "capacity": ((lambda: BUFFER_CAPACITY), None),
                "appendmode": self._buffer_attr(buf, "appendmode"),
                "collectsourcevalues": self._buffer_attr(buf, "collectsourcevalues"),
                "collecttimestamps": self._buffer_attr(buf, "collecttimestamps"),
            }, {"clear": buf.clear}, columns)
        t_source = self._node(node, f"{p}.trigger.source", {
            "action": attr("trig_source_action", _flag("trigger.source.action")),
            "limiti": ((lambda: ch.trig_limiti or 0.0), partial(self._set_trig_limiti, ch)),
        }, {"listv": partial(self._listv, ch), "linearv": partial(self._linearv, ch)})
        t_measure = self._node(node, f"{p}.trigger.measure", {
            "action": attr("trig_measure_action", _flag("trigger.measure.action")),
        }, {"iv": partial(self._trig_buffers, ch, "iv"),
            "i": partial(self._trig_buffers, ch, "i"),
            "v": partial(self._trig_buffers, ch, "v")})
        t_endpulse = self._node(node, f"{p}.trigger.endpulse", {
            "action": attr("endpulse", _choice((SOURCE_IDLE, SOURCE_HOLD), "endpulse.action"))},
            {})
        t_endsweep = self._node(node, f"{p}.trigger.endsweep", {
            "action": attr("endsweep", _choice((SOURCE_IDLE, SOURCE_HOLD), "endsweep.action"))},
            {})
        trigger = self._node(node, f"{p}.trigger", {
            "count": attr("trig_count", lambda v: int(_number(1, BUFFER_CAPACITY,
                                                              "trigger.count")(v))),
        }, {"initiate": partial(self._initiate, ch)},
            {"source": t_source, "measure": t_measure, "endpulse": t_endpulse,
             "endsweep": t_endsweep})
        return self._node(node, p, {
            "sense": attr("sense", _flag("sense")),
        }, {"reset": partial(self._reset_channel, ch), "abort": lambda: None},
            {"source": source, "measure": measure, "trigger": trigger, **buffers,
             **CHANNEL_CONSTANTS})

    @staticmethod
    def _buffer_attr(buf: _Buffer, name: str) -> tuple:
        def setter(value: Any) -> None:
            setattr(buf, name, _flag(name)(value))
        return (lambda: getattr(buf, name)), setter

    def _bind_globals(self, node: Any, wrap: Any, g: Any) -> None:
        g.format = self._node(node, "format", {
            "data": ((lambda: self.format_data), partial(self._set_format, "format_data",
                                                         (1, 2, 3))),
            "byteorder": ((lambda: self.byteorder), partial(self._set_format, "byteorder",
                                                            (0, 1))),
            "asciiprecision": ((lambda: self.asciiprecision),
                               partial(self._set_format, "asciiprecision", tuple(range(1, 17)))),
        }, {}, FORMAT_CONSTANTS)
        g.errorqueue = self._node(node, "errorqueue", {
            "count": ((lambda: len(self.errors)), None),
        }, {"next": self._errorqueue_next, "clear": self.errors.clear})
        g.localnode = self._node(node, "localnode", {
            "model": ((lambda: self.model), None),
            "serialno": ((lambda: self.serial), None),
            "revision": ((lambda: self.idn.rsplit(", ", 1)[1]), None),
            "linefreq": ((lambda: LINE_FREQUENCY_HZ), None),
        }, {})
        timer_measure = self._node(node, "timer.measure", {},
                                   {"t": lambda: self.bench.now - self.timer_t0})
        g.timer = self._node(node, "timer", {}, {"reset": self._timer_reset},
                             {"measure": timer_measure})
        g.script = self._node(node, "script", {}, {"delete": self._script_delete})
        for name, fn in {"print": self._print, "printbuffer": self._printbuffer,
                         "printnumber": self._printnumber, "waitcomplete": lambda *a: None,
                         "reset": self.reset, "delay": self._delay,
                         "opc": lambda: setattr(self, "esr", self.esr | 1)}.items():
            g[name] = wrap(fn)

    def _get(self, path: str, key: Any) -> Any:
        """Lua read of path[key]: an attribute, a buffer value, or nil."""
        attrs = self._attrs.get(path, {})
        if key in attrs:
            return attrs[key][0]()
        if isinstance(key, int | float) and path.rsplit(".", 1)[-1] in BUFFER_COLUMNS:
            values = self._column(path)
            k = int(key)
            return values[k - 1] if k == key and 1 <= k <= len(values) else None
        return None

    def _set(self, path: str, key: Any, value: Any) -> None:
        """Lua write of path[key] = value."""
        entry = self._attrs.get(path, {}).get(key)
        if entry is None:
            raise ScpiError(-113, f"{path}.{key} is not an attribute")
        if entry[1] is None:
            raise ScpiError(-221, f"{path}.{key} is read-only")
        entry[1](value)

    def _call(self, path: str, *args: Any) -> Any:
        return self._functions[path](*args)

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """reset() / *RST: both channels and the data format to their defaults."""
        for ch in self.channels.values():
            self._reset_channel(ch)
        self.format_data, self.byteorder, self.asciiprecision = 1, 1, 6

    def _reset_channel(self, ch: _Channel) -> None:
        fresh = _Channel(ch.name, ch.role)
        for name in fresh.__dataclass_fields__:
            if name.startswith("nvbuffer"):
                buf, new = getattr(ch, name), getattr(fresh, name)
                buf.clear()
                buf.appendmode, buf.collectsourcevalues, buf.collecttimestamps = (
                    new.appendmode, new.collectsourcevalues, new.collecttimestamps)
            else:
                setattr(ch, name, getattr(fresh, name))

    def idle_output(self) -> tuple[float, float] | None:
        """What smua holds on the device while nothing is measured: (V, limit A) or None."""
        return self.channels["a"].idle_output()

    def port(self, role: str) -> _Channel:
        """smub as the bench's second SMU (role smu2, the device's bottom terminal): the
        channel is wired to the device and answers the bench's idle_output()."""
        if role != "smu2":
            raise ValueError(f"a {self.model} fills the smu role with smua and smu2 with smub, "
                             f"not {role!r}")
        ch = self.channels["b"]
        ch.role = role
        return ch

    def _vrange(self, value: float) -> float:
        return range_for(value, self.voltage_ranges_v, OVER_RANGE)

    def _irange(self, value: float) -> float:
        return range_for(value, self.current_ranges_a, OVER_RANGE)

    def _set_source_rangev(self, ch: _Channel, value: Any) -> None:
        rng = self._vrange(_number(-self.voltage_ranges_v[-1], self.voltage_ranges_v[-1],
                                   "source.rangev")(value))
        if abs(ch.levelv) > rng * OVER_RANGE:
            raise ScpiError(-221, f"source level {ch.levelv:g} V exceeds the {rng:g} V range")
        ch.rangev, ch.autorangev = rng, 0

    def _set_trig_limiti(self, ch: _Channel, value: Any) -> None:
        ch.trig_limiti = None if value == 0 else _number(*self.limiti_a,
                                                         "trigger.source.limiti")(value)

    def _set_format(self, name: str, values: tuple[int, ...], value: Any) -> None:
        setattr(self, name, _choice(values, f"format.{name}")(value))

    # -- measurements ---------------------------------------------------------------------

    def _aperture_s(self, ch: _Channel) -> float:
        return ch.nplc / LINE_FREQUENCY_HZ

    def _measure_delay_s(self, ch: _Channel) -> float:
        return ch.source_delay + (AUTO_DELAY_S if ch.m_delay == DELAY_AUTO else ch.m_delay)

    def _acquire(self, ch: _Channel, levels: np.ndarray, limit_a: float
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Readings (current, voltage) at each level in turn, sourced on the channel."""
        delay, aperture = self._measure_delay_s(ch), self._aperture_s(ch)
        t0 = self.bench.now
        if ch.role is not None and ch.output:
            s = drive_staircase(self.bench, levels, ch.out_v, delay, aperture, limit_a,
                                ch.role)
            i, v, limited, t_abs = s.i, s.v, s.limited, s.t_abs
        else:  # open terminals (smub off the bench, or the output off): no current flows
            self.bench.advance(levels.size * (delay + aperture))
            i = np.zeros(levels.size)
            v = levels.copy() if ch.output else np.zeros(levels.size)
            limited = np.zeros(levels.size, dtype=bool)
            t_abs = t0 + np.arange(levels.size) * (delay + aperture) + delay
        if ch.output:
            ch.out_v = float(levels[-1])
        ch.limited = bool(limited[-1])
        i_meas, i_range = current_readings(self.bench.instrument_rng, i, self.current_ranges_a,
                                           ch.nplc, None if ch.m_autorangei else ch.m_rangei,
                                           OVER_RANGE)
        i_meas = np.where(np.abs(i_meas) > i_range * OVER_RANGE, OVERFLOW, i_meas)
        if ch.m_autorangei and i_range.size:
            ch.m_rangei = float(i_range[-1])
        self._last_t = t_abs
        return i_meas, v

    def _buffer(self, path: Any) -> _Buffer:
        if not isinstance(path, str) or path.rsplit(".", 1)[-1] not in ("nvbuffer1",
                                                                         "nvbuffer2"):
            raise ScpiError(-104, f"expected a reading buffer, got {path!r}")
        channel, key = path.split(".")
        return getattr(self.channels[channel[-1]], key)

    def _measure_call(self, ch: _Channel, kind: str, *buffers: Any) -> Any:
        """smuX.measure.i/v/r/iv([buffers]): count readings now, stored in the buffers given."""
        if ch.func != VOLTS and ch.output:
            raise ScpiError(-221, "only voltage sourcing is emulated")
        bufs = [self._buffer(b) if b is not None else None for b in buffers]
        level = ch.out_v if ch.output else 0.0
        i, v = self._acquire(ch, np.full(ch.count, level), ch.limiti)
        source = np.full(ch.count, ch.levelv)
        values = {"i": [i], "v": [v], "iv": [i, v]}.get(kind)
        if values is None:  # r
            with np.errstate(divide="ignore", invalid="ignore"):
                values = [np.where(np.abs(i) > 0, v / i, OVERFLOW)]
        for buf, vals in zip(bufs, values, strict=False):
            if buf is not None:
                if not buf.appendmode:
                    buf.clear()
                buf.store(vals, source, self._last_t)
        last = tuple(float(x[-1]) for x in values)
        return last if len(last) > 1 else last[0]

    # -- trigger model --------------------------------------------------------------------

    def _listv(self, ch: _Channel, table: Any) -> None:
        if lua.lua_type(table) != "table":
            raise ScpiError(-104, "trigger.source.listv takes a table of levels")
        top = self.voltage_ranges_v[-1] if ch.autorangev else ch.rangev * OVER_RANGE
        levels = [_number(-top, top, "listv level")(x) for x in table.values()]
        if not levels:
            raise ScpiError(-109, "trigger.source.listv needs at least one level")
        ch.trig_list = levels

    def _linearv(self, ch: _Channel, start: Any, stop: Any, points: Any) -> None:
        v_max = self.voltage_ranges_v[-1]
        n = int(_number(2, BUFFER_CAPACITY, "points")(points))
        ch.trig_list = np.linspace(_number(-v_max, v_max, "start")(start),
                                   _number(-v_max, v_max, "stop")(stop), n).tolist()

    def _trig_buffers(self, ch: _Channel, kind: str, *buffers: Any) -> None:
        paths = [b if b is None else (self._buffer(b) and b) for b in buffers]
        if kind == "iv":
            ch.trig_buffers = (paths[0] if paths else None, paths[1] if len(paths) > 1 else None)
        else:
            first = paths[0] if paths else None
            ch.trig_buffers = (first, None) if kind == "i" else (None, first)

    def _initiate(self, ch: _Channel) -> None:
        """smuX.trigger.initiate(): run the sweep now on the virtual clock."""
        if ch.trig_source_action:
            if not ch.trig_list:
                raise ScpiError(-221, "the trigger source list is empty")
            levels = np.resize(np.array(ch.trig_list), ch.trig_count)
        else:
            levels = np.full(ch.trig_count, ch.out_v if ch.output else 0.0)
        limit = ch.trig_limiti or ch.limiti
        i, v = self._acquire(ch, levels, limit)
        if ch.trig_measure_action:
            for path, values in zip(ch.trig_buffers, (i, v), strict=True):
                if path is not None:
                    buf = self._buffer(path)
                    if not buf.appendmode:
                        buf.clear()
                    buf.store(values, levels, self._last_t)
        if ch.endsweep == SOURCE_IDLE and ch.output:
            ch.out_v = ch.levelv

    # -- output -----------------------------------------------------------------------------

    def _format(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return f"{float(value):.{self.asciiprecision - 1}e}"
        if value is None:
            return "nil"
        if isinstance(value, str):
            return value
        return str(self._tostring(value))

    def _print(self, *values: Any) -> None:
        self.output += ("\t".join(map(self._format, values)) + "\n").encode("latin-1")

    def _binary(self, values: np.ndarray) -> bytes:
        dtype = ("<" if self.byteorder else ">") + ("f4" if self.format_data == 2 else "f8")
        return b"#0" + values.astype(dtype).tobytes()

    def _printnumber(self, *values: Any) -> None:
        nums = [_number(-np.inf, np.inf, "printnumber")(v) for v in values]
        if self.format_data == 1:
            self.output += (", ".join(map(self._format, nums)) + "\n").encode()
        else:
            self.output += self._binary(np.array(nums)) + b"\n"

    def _column(self, source: Any) -> list[float]:
        if isinstance(source, str):
            head, _, col = source.rpartition(".")
            if col in BUFFER_COLUMNS:
                return self._buffer(head).column(col)
            return self._buffer(source).readings
        if lua.lua_type(source) == "table":
            return [float(x) for x in source.values()]
        raise ScpiError(-104, f"printbuffer takes reading buffers or tables, got {source!r}")

    def _printbuffer(self, start: Any, end: Any, *sources: Any) -> None:
        """printbuffer(start, end, buf…): one response, values index by index."""
        if not sources:
            raise ScpiError(-109, "printbuffer needs a buffer")
        columns = [self._column(s) for s in sources]
        first = max(1, int(_number(-np.inf, np.inf, "startIndex")(start)))
        last = min(int(_number(-np.inf, np.inf, "endIndex")(end)), *map(len, columns))
        rows = np.column_stack([np.asarray(c[first - 1:max(last, first - 1)], dtype=float)
                                for c in columns]) if last >= first else np.empty((0, 1))
        if self.format_data == 1:
            self.output += (", ".join(map(self._format, rows.ravel())) + "\n").encode()
        else:
            self.output += self._binary(rows.ravel()) + b"\n"

    def _errorqueue_next(self) -> tuple[int, str, int, int]:
        if not self.errors:
            return 0, "Queue Is Empty", 0, 0
        code, message = self.errors.popleft()
        return code, message, SEVERITY_ERROR, 1

    def _delay(self, seconds: Any) -> None:
        self.bench.advance(_number(0.0, 1e5, "delay")(seconds))

    def _timer_reset(self) -> None:
        self.timer_t0 = self.bench.now

    def _script_delete(self, name: Any) -> None:
        if not isinstance(name, str):
            raise ScpiError(-104, "script.delete takes a script name")
        self.lua.globals()[name] = None

    # -- messages ---------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Receive a VISA write: each line is one TSP message (a Lua chunk), a common command,
        or part of a script being loaded."""
        for line in data.decode("latin-1").split("\n"):
            line = line.rstrip("\r")
            log.debug("%s <- %r", type(self).__name__, line[:200])
            if self._collecting is not None:
                self._collect(line)
            elif not line.strip():
                continue
            elif line.lstrip().startswith("*"):
                self._common(line.strip())
            else:
                words = line.split()
                if words[0] in ("loadscript", "loadandrunscript") and len(words) <= 2:
                    name = words[1] if len(words) == 2 else ""
                    self._collecting = (name, [], words[0] == "loadandrunscript")
                else:
                    self._execute(line, "tsp")

    def _common(self, line: str) -> None:
        header, _, rest = line.partition(" ")
        try:
            reply, _path = self._dispatch(header, "", split_params(rest))
        except ScpiError as err:
            self.push_error(err.code, err.message)
            return
        if reply is not None:
            self.output += (reply if isinstance(reply, bytes) else reply.encode()) + b"\n"

    def _collect(self, line: str) -> None:
        assert self._collecting is not None
        name, lines, run = self._collecting
        if line.strip() != "endscript":
            lines.append(line)
            return
        self._collecting = None
        fn, err = self._compile("\n".join(lines), name or "script")
        if fn is None:
            self.push_error(-285, _lua_error("Syntax", err))
            return
        obj = self._script(name, fn)
        self.lua.globals()[name or "anonymous"] = obj
        if run:
            self._run(fn)

    def _execute(self, chunk: str, chunk_name: str) -> None:
        fn, err = self._compile(chunk, chunk_name)
        if fn is None:
            self.push_error(-285, _lua_error("Syntax", err))
            return
        self._run(fn)

    def _compile(self, chunk: str, name: str) -> tuple[Any, str]:
        """(function, "") of a chunk, or (None, Lua's syntax error message)."""
        compiled = self._load(chunk, "=" + name)
        return (None, compiled[1]) if isinstance(compiled, tuple) else (compiled, "")

    def _run(self, fn: Any) -> None:
        """Run a compiled chunk; every error goes to the error queue, none escapes."""
        self._guard(True)
        try:
            fn()
        except ScpiError as err:
            self.push_error(err.code, err.message)
        except lua.LuaError as err:
            self.push_error(-286, _lua_error("Runtime", err))
        except AttributeError as err:  # Lua asked a Python object for an attribute
            self.push_error(-286, f"TSP Runtime error: {err}")
        except Exception as err:  # a Python error in a binding: still the instrument's error
            log.warning("TSP binding failed", exc_info=True)
            self.push_error(-286, f"TSP Runtime error: {err}")
        finally:
            self._guard(False)

    def device_clear(self) -> None:
        """Device clear also abandons a script being loaded."""
        super().device_clear()
        self._collecting = None


class Keithley2612BEmulator(Keithley2600Emulator):
    """Emulated Keithley 2612B: the 2636B without its low-current ranges (100 nA lowest)."""

    model = "2612B"
    idn = "Keithley Instruments Inc., Model 2612B, 04412346, 3.2.2"
    current_ranges_a = (100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0, 1.5)
    limiti_a = (10e-9, 1.5)


class Keithley2602BEmulator(Keithley2600Emulator):
    """Emulated Keithley 2602B: 40 V and 3 A ranges, 100 nA lowest current range."""

    model = "2602B"
    idn = "Keithley Instruments Inc., Model 2602B, 04412346, 3.2.2"
    current_ranges_a = (100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1.0, 3.0)
    voltage_ranges_v = (0.1, 1.0, 6.0, 40.0)
    limiti_a = (10e-9, 3.0)
