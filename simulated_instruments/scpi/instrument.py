"""The base of every emulated instrument: declarative command tables (a SCPI header pattern →
handler), IEEE-488.2 message parsing, the common commands, status registers and the error
queue."""

from __future__ import annotations

import inspect
import logging
import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from labmem.simulated_instruments.scpi.program_data import (
    ERROR_MESSAGES,
    ScpiError,
    compile_pattern,
    parse_int,
    split_params,
    split_units,
)

log = logging.getLogger(__name__)

ESR_OPC, ESR_QYE, ESR_DDE, ESR_EXE, ESR_CME = 0x01, 0x04, 0x08, 0x10, 0x20
STB_EAV, STB_MAV, STB_ESB, STB_MSS = 0x04, 0x10, 0x20, 0x40


@dataclass(frozen=True)
class _Entry:
    regex: re.Pattern[str]
    method: str
    pattern: str
    min_params: int
    max_params: float


_LOOKUP_SIZE = 4096
"""Most headers one instrument class remembers the handler of (a bound against floods of
undefined headers; a real programme sends a few dozen)."""


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


class ScpiInstrument:
    """Base of every emulated instrument: parses messages, dispatches to the command table,
    keeps the IEEE-488.2 status registers, the output queue and the SCPI error queue."""

    idn: ClassVar[str] = "LABMEM,GENERIC,0,0"
    error_queue_size: ClassVar[int] = 10
    _table: ClassVar[list[_Entry]]
    _lookup: ClassVar[dict[str, tuple[_Entry, tuple[int, ...]] | None]]
    """Upper-cased full header → its table entry and numeric suffixes (None: no entry)."""

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
        cls._lookup = {}

    def __init__(self) -> None:
        self.errors: deque[tuple[int, str]] = deque()
        self.output = bytearray()
        self.esr = 0
        self.ese = 0
        self.sre = 0
        self.query_held = False
        """A query (e.g. *OPC? before the operation completes) is being worked on: a read
        meanwhile times out without a -420, as the instrument's reply is only late."""

    # -- message handling ---------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Receive one program message (a VISA write with END)."""
        message = data.decode("latin-1")
        for term in ("\r\n", "\n"):
            if message.endswith(term):
                message = message[: -len(term)]
                break
        log.debug("%s <- %r", type(self).__name__, message[:200])
        self.query_held = False  # a new message ends the wait for a held reply
        if self.output:
            self.push_error(-410)
            self.output.clear()
        replies: list[bytes] = []
        path = ""
        try:
            units = split_units(message)
        except ScpiError as err:  # a malformed block: the whole message is refused
            self.push_error(err.code, err.message)
            return
        for unit in units:
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
            found = self._handler(cand)
            if found is None:
                continue
            entry, suffixes = found
            if len(params) < entry.min_params:
                raise ScpiError(-109, header)
            if len(params) > entry.max_params:
                raise ScpiError(-108, header)
            reply = getattr(self, entry.method)(*suffixes, *params)
            new_path = path if cand.startswith("*") else cand.rsplit(":", 1)[0]
            return reply, new_path
        raise ScpiError(-113, header)

    @classmethod
    def _handler(cls, header: str) -> tuple[_Entry, tuple[int, ...]] | None:
        """The first table entry whose pattern matches an upper-cased full header, with its
        numeric suffixes; looked up once per header and class, then remembered."""
        try:
            return cls._lookup[header]
        except KeyError:
            pass
        found = None
        for entry in cls._table:
            m = entry.regex.fullmatch(header)
            if m is not None:
                found = entry, tuple(int(g) if g else 1 for g in m.groups())
                break
        if len(cls._lookup) < _LOOKUP_SIZE:
            cls._lookup[header] = found
        return found

    def read(self) -> bytes:
        """Hand over the whole pending response (empty when there is none)."""
        data = bytes(self.output)
        self.output.clear()
        return data

    def no_response(self) -> None:
        """A read found nothing to say: IEEE-488.2 query UNTERMINATED, unless a query is held
        (its reply is late, not missing)."""
        if not self.query_held:
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
        """VISA viClear / GPIB SDC: drop pending input and output (and a held query)."""
        self.output.clear()
        self.query_held = False

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
