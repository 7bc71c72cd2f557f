"""The SCPI framework's fast paths decide as the general ones: bare numbers read without the
regex, messages without quotes or blocks split at once, handlers remembered per header."""

from __future__ import annotations

import random
import tracemalloc
from typing import ClassVar

import pytest

from labmem.simulated_instruments.scpi import program_data
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import ScpiError, parse_number, parse_numbers


@pytest.mark.parametrize("text", ["1", " -2.5e-3 ", "+.5", "7.", "1E+2", "0", "-0", "1e999",
                                  "nan", "inf", "-Infinity", "1_0", "0x10", "5 V", "2mV",
                                  "MAX", "def", "", "e5", "1e", "\u0661"])
def test_a_number_reads_the_same_with_or_without_the_fast_path(monkeypatch, text):
    def outcome():
        try:
            return parse_number(text, "V", -10.0, 10.0, default=0.25)
        except ScpiError as err:
            return err.code, err.message

    fast = outcome()
    monkeypatch.setattr(program_data, "_plain_float", lambda _arg: None)
    assert fast == outcome()


def _char_scan(text: str, separator: str) -> list[str]:
    """The reference split: every character in turn, skipping strings and blocks."""
    pieces, start, i, n = [], 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            end = text.find(ch, i + 1)
            i = n if end < 0 else end + 1
        elif ch == "#" and i + 1 < n and text[i + 1].isdigit():
            digits = int(text[i + 1])
            length = text[i + 2:i + 2 + digits]
            if digits and (len(length) != digits or not length.isdigit()):
                raise ScpiError(-160, "bad block length header")
            i = n if digits == 0 else i + 2 + digits + int(length)
        else:
            if ch == separator:
                pieces.append(text[start:i])
                start = i + 1
            i += 1
    pieces.append(text[start:])
    return pieces


MESSAGES = [":A 1,2;:B 3", "*RST;*CLS", ":A;;:B", "", ";", ':A "x;y";:B', ":A #15ab;cd;:B",
            ":A 'q';:B 1", ":A #0x;y", ":A #;B", ':A "open;B']


def _outcome(split, message: str, separator: str) -> list[str] | str:
    """The pieces, or the SCPI error (a block length header that is not its digits)."""
    try:
        return split(message, separator)
    except ScpiError as err:
        return f"error {err.code}"


def test_messages_split_as_the_character_scan_splits_them():
    rng = random.Random(7)
    fuzz = ["".join(rng.choice(';,"#\'0123 AB') for _ in range(rng.randint(0, 30)))
            for _ in range(3000)]
    for message in MESSAGES + fuzz:
        for separator in ";,":
            assert _outcome(program_data._split, message, separator) == _outcome(
                _char_scan, message, separator), (message, separator)


class _Counter(ScpiInstrument):
    value = 0.0

    @scpi(":SOURce<n>:VOLTage[:LEVel]")
    def volts(self, n: int, value: str) -> None:
        self.value = n * parse_number(value)


def test_a_header_is_looked_up_once_and_answers_alike_every_time():
    inst = _Counter()
    for _ in range(3):
        inst.write(b":SOUR2:VOLT 1.5;:sour:volt:lev 2")
        assert inst.value == 2.0
    inst.write(b":SOUR3:VOLT 1")
    assert inst.value == 3.0
    assert _Counter._lookup[":SOUR2:VOLT"][1] == (2,)
    inst.write(b":NOPE 1")
    assert inst.next_error()[0] == -113 and _Counter._lookup[":NOPE"] is None


def test_an_instrument_keeps_nothing_per_message():
    """Memory stays flat however many messages arrive (a 1000-cycle sweep sends megabytes)."""
    inst = _Counter()
    message = (":SOUR:VOLT " + "1" * 2000).encode()
    inst.write(message)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):  # 4 MB of messages
            inst.write(message)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 200_000


def test_a_malformed_block_is_error_160_and_the_message_is_dropped():
    class Blocks(ScpiInstrument):
        """Takes a block."""

        seen: ClassVar[list[bytes]] = []

        @scpi(":DATA")
        def set_data(self, block: str) -> None:
            self.seen.append(program_data.parse_block(block))

    inst = Blocks()
    inst.write(b":DATA #1B;:DATA #13abc\n")
    assert inst.next_error() == (-160, "Block data error; bad block length header '#1B'")
    assert Blocks.seen == []
    inst.write(b":DATA #13abc\n")
    assert Blocks.seen == [b"abc"] and inst.next_error()[0] == 0


@pytest.mark.parametrize("args", [
    ("0.1", "-2.5", "1e-3", "+7"),
    ("0.1", "100mV", "-1"),          # a suffix: value by value
    ("MIN", "0.5", "MAX"),
    ("1_0", "2"),                    # not a SCPI number
])
def test_parse_numbers_is_parse_number_of_each(args):
    """The one-pass list reader gives what parse_number gives value by value, errors too."""
    def each():
        return [parse_number(a, "V", -5.0, 5.0) for a in args]
    try:
        expected = each()
    except ScpiError as err:
        with pytest.raises(ScpiError) as got:
            parse_numbers(args, "V", -5.0, 5.0)
        assert got.value.code == err.code
    else:
        assert parse_numbers(args, "V", -5.0, 5.0) == expected


@pytest.mark.parametrize("bad, code", [("6", -222), ("nan", -104), ("inf", -104)])
def test_parse_numbers_refuses_what_parse_number_refuses(bad, code):
    with pytest.raises(ScpiError) as got:
        parse_numbers(["1", bad], "V", -5.0, 5.0)
    assert got.value.code == code


@pytest.mark.parametrize("args", [("DEF", "0.5"), ("0.5", "default", "-1")])
def test_parse_numbers_reads_def_as_parse_number_does(args):
    """DEF stands for the default where one is given, and is refused (-104) where none is."""
    assert parse_numbers(args, "V", -5.0, 5.0, default=0.25) == [
        parse_number(a, "V", -5.0, 5.0, default=0.25) for a in args]
    assert 0.25 in parse_numbers(args, "V", -5.0, 5.0, default=0.25)
    with pytest.raises(ScpiError) as got:
        parse_numbers(args, "V", -5.0, 5.0)
    assert got.value.code == -104
