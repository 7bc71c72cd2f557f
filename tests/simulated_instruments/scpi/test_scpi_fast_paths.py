"""The SCPI framework's fast paths decide as the general ones: bare numbers read without the
regex, messages without quotes or blocks split at once, handlers remembered per header."""

from __future__ import annotations

import pytest

from labmem.simulated_instruments.scpi import program_data
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import ScpiError, parse_number, split_units


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


@pytest.mark.parametrize("message", [":A 1,2;:B 3", "*RST;*CLS", ":A;;:B", "", ";",
                                     ':A "x;y";:B', ":A #15ab;cd;:B", ":A 'q';:B 1"])
def test_a_message_splits_the_same_with_or_without_the_fast_path(message):
    # the character scan, forced by a trailing quote (an open string) the message lacks
    slow = program_data._split(message + '"', ";")
    slow[-1] = slow[-1][:-1]
    assert split_units(message) == slow


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
