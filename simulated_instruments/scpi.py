"""SCPI emulator framework: declarative command tables, IEEE-488.2 message parsing, the
common commands, status registers and the error queue that every emulated instrument shares."""

from __future__ import annotations

import inspect
import logging
import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

log = logging.getLogger(__name__)

ERROR_MESSAGES: dict[int, str] = {
    0: "No error",
    -100: "Command error",
    -102: "Syntax error",
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -120: "Numeric data error",
    -131: "Invalid suffix",
    -141: "Invalid character data",
    -151: "Invalid string data",
    -160: "Block data error",
    -200: "Execution error",
    -211: "Trigger ignored",
    -213: "Init ignored",
    -220: "Parameter error",
    -221: "Settings conflict",
    -222: "Data out of range",
    -223: "Too much data",
    -224: "Illegal parameter value",
    -230: "Data corrupt or stale",
    -350: "Queue overflow",
    -410: "Query INTERRUPTED",
    -420: "Query UNTERMINATED",
}
"""Standard SCPI error numbers (SCPI-99 vol. 2 §21.8) and their texts."""

ESR_OPC, ESR_QYE, ESR_DDE, ESR_EXE, ESR_CME = 0x01, 0x04, 0x08, 0x10, 0x20
STB_EAV, STB_MAV, STB_ESB, STB_MSS = 0x04, 0x10, 0x20, 0x40

SI_PREFIXES = {"": 1.0, "P": 1e-12, "N": 1e-9, "U": 1e-6, "M": 1e-3, "K": 1e3, "MA": 1e6,
               "G": 1e9}
"""SCPI suffix multipliers; in SCPI 'M' is milli and 'MA' is mega (except MHZ and MOHM)."""

_NUMBER = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")


class ScpiError(Exception):
    """An instrument-side error that goes to the error queue with a standard SCPI number."""

    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        text = ERROR_MESSAGES.get(code, "Error")
        self.message = f"{text}; {detail}" if detail else text
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class _Entry:
    regex: re.Pattern[str]
    method: str
    pattern: str
    min_params: int
    max_params: float


def scpi(pattern: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an emulator method as the handler of a SCPI header pattern.

    Patterns use the manuals' notation: ``:SOURce:VOLTage[:LEVel][:IMMediate]?`` — upper case is
    the short form, ``[...]`` is optional, ``<n>`` a numeric suffix passed to the handler as an
    int (default 1). The handler receives the suffixes, then the parameter strings.
    """

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__dict__.setdefault("_scpi_patterns", []).append(pattern)
        return func

    return mark


def _param_counts(func: Callable[..., Any], n_suffixes: int) -> tuple[int, float]:
    """How many SCPI parameters a handler takes (after self and its numeric suffixes)."""
    params = list(inspect.signature(func).parameters.values())[1 + n_suffixes :]
    fixed = [p for p in params if p.kind is not p.VAR_POSITIONAL]
    required = sum(p.default is p.empty for p in fixed)
    return required, math.inf if len(fixed) < len(params) else len(fixed)


def _mnemonic(token: str) -> str:
    short = "".join(ch for ch in token if not ch.islower())
    long = token.upper()
    return re.escape(long) if short == long else f"(?:{re.escape(long)}|{re.escape(short)})"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn a manual-notation header pattern into a regex over the upper-cased header."""
    out: list[str] = []
    for piece in re.split(r"(\[|\]|<n>|:|\?|\*)", pattern):
        if piece == "[":
            out.append("(?:")
        elif piece == "]":
            out.append(")?")
        elif piece == "<n>":
            out.append(r"(\d*)")
        elif piece in (":", "?", "*"):
            out.append(re.escape(piece))
        elif piece:
            out.append(_mnemonic(piece))
    return re.compile("".join(out))


def _split(text: str, separator: str) -> list[str]:
    """Split on a separator outside quoted strings and IEEE-488.2 blocks."""
    pieces: list[str] = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            i = n if end < 0 else end + 1
        elif ch == "#" and i + 1 < n and text[i + 1].isdigit():
            i = _skip_block(text, i)
        else:
            if ch == separator:
                pieces.append(text[start:i])
                start = i + 1
            i += 1
    pieces.append(text[start:])
    return pieces


def _skip_block(text: str, i: int) -> int:
    digits = int(text[i + 1])
    if digits == 0:  # indefinite-length block runs to the end of the message
        return len(text)
    length = int(text[i + 2 : i + 2 + digits] or 0)
    return i + 2 + digits + length


def split_units(message: str) -> list[str]:
    """Split a program message into its units on ';' outside strings and blocks."""
    return _split(message, ";")


def split_params(text: str) -> list[str]:
    """Split a parameter list on ',' outside quoted strings and blocks; strip each."""
    params = [p.strip() for p in _split(text, ",")]
    return [] if params == [""] else params


def parse_number(
    arg: str,
    unit: str = "",
    minimum: float = -math.inf,
    maximum: float = math.inf,
    default: float | None = None,
) -> float:
    """Decode a SCPI <NRf> with optional unit suffix and MIN/MAX/DEF; refuse values out of range.

    Raises ScpiError −104 for non-numbers, −131 for a wrong suffix and −222 out of range.
    """
    key = arg.strip().upper()
    if key in ("MIN", "MINIMUM"):
        return minimum
    if key in ("MAX", "MAXIMUM"):
        return maximum
    if key in ("DEF", "DEFAULT") and default is not None:
        return default
    m = _NUMBER.match(arg)
    if not m:
        raise ScpiError(-104, f"expected a number, got {arg!r}")
    value = float(m.group(1))
    suffix = m.group(2).upper()
    if suffix:
        u = unit.upper()
        if not u or not suffix.endswith(u) or suffix[: len(suffix) - len(u)] not in SI_PREFIXES:
            raise ScpiError(-131, f"{suffix!r} is not a suffix for {unit or 'this value'}")
        value *= SI_PREFIXES[suffix[: len(suffix) - len(u)]]
    if not (minimum <= value <= maximum) or not math.isfinite(value):
        raise ScpiError(-222, f"{value:g} is outside {minimum:g} to {maximum:g}")
    return value


def parse_int(arg: str, minimum: int, maximum: int) -> int:
    """Decode an integer parameter (a float with no fraction is accepted) within range."""
    value = parse_number(arg, minimum=minimum, maximum=maximum)
    if value != int(value):
        raise ScpiError(-224, f"{arg!r} is not an integer")
    return int(value)


def parse_bool(arg: str) -> bool:
    """Decode ON/OFF/1/0."""
    key = arg.strip().upper()
    if key in ("ON", "1"):
        return True
    if key in ("OFF", "0"):
        return False
    raise ScpiError(-224, f"expected ON, OFF, 1 or 0, got {arg!r}")


def parse_choice(arg: str, choices: tuple[str, ...]) -> str:
    """Decode character data against manual-notation choices; returns the matching choice."""
    key = arg.strip().strip("\"'").upper()
    for choice in choices:
        if compile_pattern(choice).fullmatch(key):
            return choice
    raise ScpiError(-224, f"{arg!r} is not one of {', '.join(choices)}")


def parse_string(arg: str) -> str:
    """Decode a quoted string parameter."""
    arg = arg.strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
        return arg[1:-1]
    raise ScpiError(-151, f"expected a quoted string, got {arg!r}")


def parse_block(arg: str) -> bytes:
    """Decode an IEEE-488.2 definite-length (#<d><len><data>) or indefinite (#0) block."""
    if not arg.startswith("#") or len(arg) < 2 or not arg[1].isdigit():
        raise ScpiError(-160, "expected an IEEE-488.2 binary block")
    digits = int(arg[1])
    if digits == 0:
        return arg[2:].encode("latin-1")
    length_text = arg[2 : 2 + digits]
    if len(length_text) != digits or not length_text.isdigit():
        raise ScpiError(-160, "bad block length header")
    data = arg[2 + digits :].encode("latin-1")
    if len(data) != int(length_text):
        raise ScpiError(-160, f"block says {int(length_text)} bytes, {len(data)} arrived")
    return data


def format_block(data: bytes) -> bytes:
    """Encode bytes as an IEEE-488.2 definite-length block."""
    length = str(len(data))
    return f"#{len(length)}{length}".encode() + data


def format_number(value: float) -> str:
    """Format a float the way SCPI instruments answer <NR3> queries."""
    return f"{value:+.6E}"


class ScpiInstrument:
    """Base of every emulated instrument: parses messages, dispatches to the command table,
    keeps the IEEE-488.2 status registers, the output queue and the SCPI error queue."""

    idn: ClassVar[str] = "LABMEM,GENERIC,0,0"
    error_queue_size: ClassVar[int] = 10
    _table: ClassVar[list[_Entry]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        entries: list[_Entry] = []
        for klass in reversed(cls.__mro__):
            for name, func in vars(klass).items():
                for pattern in getattr(func, "_scpi_patterns", ()):
                    regex = compile_pattern(pattern)
                    lo, hi = _param_counts(func, regex.groups)
                    entries.append(_Entry(regex, name, pattern, lo, hi))
        # Subclass entries first, so an instrument can override a generic handler.
        cls._table = entries[::-1]

    def __init__(self) -> None:
        self.errors: deque[tuple[int, str]] = deque()
        self.output = bytearray()
        self.esr = 0
        self.ese = 0
        self.sre = 0
        self.log: list[str] = []
        """Every program message received, in order (for tests and traffic logs)."""

    # -- message handling ---------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Receive one program message (a VISA write with END)."""
        message = data.decode("latin-1")
        for term in ("\r\n", "\n"):
            if message.endswith(term):
                message = message[: -len(term)]
                break
        self.log.append(message)
        log.debug("%s <- %r", type(self).__name__, message[:200])
        if self.output:
            self.push_error(-410)
            self.output.clear()
        replies: list[bytes] = []
        path = ""
        for unit in split_units(message):
            unit = unit.strip()
            if not unit:
                continue
            header, _, rest = unit.partition(" ")
            if "\t" in header:
                header, _, more = header.partition("\t")
                rest = more + rest
            try:
                reply, path = self._dispatch(header.strip(), path, split_params(rest))
            except ScpiError as err:
                self.push_error(err.code, err.message)
                continue
            if reply is not None:
                replies.append(reply.encode("latin-1") if isinstance(reply, str) else reply)
        if replies:
            self.output += b";".join(replies) + b"\n"

    def _dispatch(self, header: str, path: str, params: list[str]) -> tuple[Any, str]:
        upper = header.upper()
        if upper.startswith(("*", ":")):
            candidates = [upper]
        else:  # tree-relative to the previous unit's path first, then from the root
            candidates = [f"{path}:{upper}", f":{upper}"] if path else [f":{upper}"]
        for cand in candidates:
            for entry in self._table:
                m = entry.regex.fullmatch(cand)
                if m is None:
                    continue
                suffixes = [int(g) if g else 1 for g in m.groups()]
                if len(params) < entry.min_params:
                    raise ScpiError(-109, header)
                if len(params) > entry.max_params:
                    raise ScpiError(-108, header)
                reply = getattr(self, entry.method)(*suffixes, *params)
                new_path = path if cand.startswith("*") else cand.rsplit(":", 1)[0]
                return reply, new_path
        raise ScpiError(-113, header)

    def read(self) -> bytes:
        """Hand over the whole pending response (empty when there is none)."""
        data = bytes(self.output)
        self.output.clear()
        return data

    def no_response(self) -> None:
        """A read found nothing to say: IEEE-488.2 query UNTERMINATED."""
        self.push_error(-420)

    def push_error(self, code: int, message: str | None = None) -> None:
        """Queue an error and set the matching event status bit."""
        message = message or ERROR_MESSAGES.get(code, "Error")
        log.debug("%s error %d %s", type(self).__name__, code, message)
        if len(self.errors) >= self.error_queue_size:
            self.errors[-1] = (-350, ERROR_MESSAGES[-350])
        else:
            self.errors.append((code, message))
        bit = {1: ESR_CME, 2: ESR_EXE, 3: ESR_DDE, 4: ESR_QYE}.get(-code // 100 if code < 0 else 0)
        self.esr |= bit or ESR_DDE

    def next_error(self) -> tuple[int, str]:
        """Pop the oldest error, or (0, 'No error')."""
        return self.errors.popleft() if self.errors else (0, ERROR_MESSAGES[0])

    def format_error(self, code: int, message: str) -> str:
        """Answer to SYST:ERR? in this instrument's format."""
        return f'{code:+d},"{message}"'

    def status_byte(self) -> int:
        """IEEE-488.2 status byte (EAV, MAV, ESB, MSS)."""
        stb = 0
        if self.errors:
            stb |= STB_EAV
        if self.output:
            stb |= STB_MAV
        if self.esr & self.ese:
            stb |= STB_ESB
        if stb & self.sre:
            stb |= STB_MSS
        return stb

    def device_clear(self) -> None:
        """VISA viClear / GPIB SDC: drop pending input and output."""
        self.output.clear()

    def trigger(self) -> None:
        """GPIB group execute trigger (viAssertTrigger), same as *TRG by default."""
        self.common_trg()

    def reset(self) -> None:
        """Return the instrument settings to their *RST values (subclasses extend)."""

    def wait_complete(self) -> None:
        """Finish pending overlapped operations (on the virtual clock); subclasses extend."""

    # -- common commands ----------------------------------------------------------------

    @scpi("*IDN?")
    def common_idn(self) -> str:
        return self.idn

    @scpi("*RST")
    def common_rst(self) -> None:
        self.reset()

    @scpi("*CLS")
    def common_cls(self) -> None:
        self.errors.clear()
        self.esr = 0

    @scpi("*OPC")
    def common_opc(self) -> None:
        self.wait_complete()
        self.esr |= ESR_OPC

    @scpi("*OPC?")
    def common_opc_query(self) -> str:
        self.wait_complete()
        return "1"

    @scpi("*WAI")
    def common_wai(self) -> None:
        self.wait_complete()

    @scpi("*ESR?")
    def common_esr(self) -> str:
        value, self.esr = self.esr, 0
        return str(value)

    @scpi("*ESE")
    def common_ese(self, value: str) -> None:
        self.ese = parse_int(value, 0, 255)

    @scpi("*ESE?")
    def common_ese_query(self) -> str:
        return str(self.ese)

    @scpi("*SRE")
    def common_sre(self, value: str) -> None:
        self.sre = parse_int(value, 0, 255) & ~STB_MSS

    @scpi("*SRE?")
    def common_sre_query(self) -> str:
        return str(self.sre)

    @scpi("*STB?")
    def common_stb(self) -> str:
        return str(self.status_byte())

    @scpi("*TST?")
    def common_tst(self) -> str:
        return "0"

    @scpi("*TRG")
    def common_trg(self) -> None:
        raise ScpiError(-211, "this instrument has no bus trigger")

    @scpi(":SYSTem:ERRor[:NEXT]?")
    def system_error(self) -> str:
        return self.format_error(*self.next_error())
