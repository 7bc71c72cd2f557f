"""SCPI program data as the instruments read and write it: numbers with SI suffixes, booleans,
choices, strings and definite-length blocks; the standard error numbers and ScpiError."""

from __future__ import annotations

import math
import re

ERROR_MESSAGES: dict[int, str] = {
    0: "No error",
    -100: "Command error",
    -102: "Syntax error",
    -104: "Data type error",
    -108: "Parameter not allowed",
    -109: "Missing parameter",
    -113: "Undefined header",
    -114: "Header suffix out of range",
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
    """Split on a separator outside quoted strings and IEEE-488.2 blocks (text with neither
    quotes nor '#' is split at once; otherwise the scan jumps from one of them to the next)."""
    if '"' not in text and "'" not in text and "#" not in text:
        return text.split(separator)
    special = _SPECIAL[separator]
    pieces: list[str] = []
    start = i = 0
    n = len(text)
    while (m := special.search(text, i)) is not None:
        i = m.start()
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


_SPECIAL = {sep: re.compile(f"[{sep}\"'#]") for sep in ";,"}
"""What the scan of _split stops at, per separator."""


def _skip_block(text: str, i: int) -> int:
    """Index just past the block that starts at text[i] ("#<d>"); ScpiError -160 when its
    length header is not d digits, as an instrument reports a malformed block."""
    digits = int(text[i + 1])
    if digits == 0:  # indefinite-length block runs to the end of the message
        return len(text)
    length_text = text[i + 2 : i + 2 + digits]
    if len(length_text) != digits or not length_text.isdigit():
        raise ScpiError(-160, f"bad block length header {text[i:i + 2 + digits]!r}")
    return i + 2 + digits + int(length_text)


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
    value = _plain_float(arg)
    if value is not None:  # a bare finite number, the common case: no regex needed
        if not minimum <= value <= maximum:
            raise ScpiError(-222, f"{value:g} is outside {minimum:g} to {maximum:g}")
        return value
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


def _plain_float(arg: str) -> float | None:
    """arg as a finite float when it is a bare number Python reads the way SCPI does (no
    underscores, no nan/inf spellings); None for anything else, which the regex decides."""
    if "_" in arg:
        return None
    try:
        value = float(arg)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_numbers(args: list[str] | tuple[str, ...], unit: str = "",
                  minimum: float = -math.inf, maximum: float = math.inf,
                  default: float | None = None) -> list[float]:
    """parse_number() of every argument of a list (a source list, arbitrary points): bare
    finite numbers, the common case, are read in one pass; anything else value by value."""
    try:
        values = [float(a) for a in args]
    except ValueError:
        values = None
    if (values is None or any("_" in a for a in args)
            or not all(minimum <= v <= maximum and math.isfinite(v) for v in values)):
        return [parse_number(a, unit, minimum, maximum, default) for a in args]
    return values


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


def format_block(data: bytes, digits: int | None = None) -> bytes:
    """Encode bytes as an IEEE-488.2 definite-length block; digits fixes the width of the
    length field (e.g. 8 or 9, zero-padded) for instruments that always send that header."""
    length = str(len(data)) if digits is None else f"{len(data):0{digits}d}"
    return f"#{len(length)}{length}".encode() + data


def format_number(value: float) -> str:
    """Format a float the way SCPI instruments answer <NR3> queries."""
    return f"{value:+.6E}"


