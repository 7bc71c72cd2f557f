"""SCPI framework: header patterns, message splitting, parameters, blocks, status and errors."""

from __future__ import annotations

import pytest

from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import (
    ScpiError,
    compile_pattern,
    format_block,
    parse_block,
    parse_bool,
    parse_choice,
    parse_number,
    split_params,
    split_units,
)


class Toy(ScpiInstrument):
    """A two-setting instrument to exercise the framework."""

    idn = "LABMEM,TOY,1,0"

    def __init__(self) -> None:
        super().__init__()
        self.volts = 0.0
        self.scales: dict[int, float] = {}
        self.blob = b""

    def reset(self) -> None:
        self.volts = 0.0

    @scpi(":SOURce:VOLTage[:LEVel][:IMMediate]")
    def set_volts(self, value: str) -> None:
        self.volts = parse_number(value, "V", -10, 10, default=0.0)

    @scpi(":SOURce:VOLTage[:LEVel][:IMMediate]?")
    def get_volts(self) -> str:
        return f"{self.volts:g}"

    @scpi(":CHANnel<n>:SCALe")
    def set_scale(self, n: int, value: str) -> None:
        self.scales[n] = parse_number(value, "V", 1e-3, 10)

    @scpi(":CHANnel<n>:SCALe?")
    def get_scale(self, n: int) -> str:
        return f"{self.scales.get(n, 1.0):g}"

    @scpi(":DATA")
    def set_data(self, block: str) -> None:
        self.blob = parse_block(block)

    @scpi(":DATA?")
    def get_data(self) -> bytes:
        return format_block(self.blob)


def ask(inst: ScpiInstrument, message: str) -> str:
    inst.write(message.encode() + b"\n")
    return inst.read().decode().rstrip("\n")


def test_pattern_accepts_long_and_short_forms_only():
    rx = compile_pattern(":SOURce:VOLTage[:LEVel]")
    for ok in (":SOURCE:VOLTAGE", ":SOUR:VOLT", ":SOUR:VOLT:LEV", ":SOURCE:VOLT:LEVEL"):
        assert rx.fullmatch(ok), ok
    for bad in (":SOURC:VOLT", ":SOU:VOLT", ":SOUR:VOLTA", ":SOUR:VOLT:LE"):
        assert not rx.fullmatch(bad), bad


def test_units_split_outside_strings_and_blocks():
    message = ':A "x;y";:B #14ab;c;:C'
    assert list(split_units(message)) == [':A "x;y"', ":B #14ab;c", ":C"]
    assert split_params(' 1, "a,b" ,#13x,y') == ["1", '"a,b"', "#13x,y"]


def test_numbers_with_suffixes_keywords_and_range():
    assert parse_number("10 mV", "V") == pytest.approx(0.01)
    assert parse_number("2.5E-3", "A") == 2.5e-3
    assert parse_number("MAX", "V", -1, 3) == 3
    assert parse_number("DEF", "V", default=0.5) == 0.5
    with pytest.raises(ScpiError) as err:
        parse_number("4", "V", -1, 3)
    assert err.value.code == -222
    with pytest.raises(ScpiError) as err:
        parse_number("1 A", "V")
    assert err.value.code == -131
    with pytest.raises(ScpiError) as err:
        parse_number("abc", "V")
    assert err.value.code == -104
    assert parse_bool("on") is True and parse_bool("0") is False
    assert parse_choice("asc", ("ASCii", "REAL")) == "ASCii"


def test_compound_messages_and_tree_relative_headers():
    toy = Toy()
    assert ask(toy, ":sour:volt 1.5;:SOURCE:VOLTAGE:LEVEL?") == "1.5"
    assert ask(toy, "SOUR:VOLT 2;VOLT?") == "2"
    assert ask(toy, ":CHAN3:SCAL 0.5;:CHAN3:SCAL?;:CHANNEL:SCAL?") == "0.5;1"
    assert ask(toy, "*IDN?") == "LABMEM,TOY,1,0"


def test_errors_go_to_the_queue_with_standard_numbers_and_esr_bits():
    toy = Toy()
    toy.write(b":SOUR:VOLT 20\n")
    toy.write(b":NOPE 1\n")
    toy.write(b":SOUR:VOLT\n")
    toy.write(b":SOUR:VOLT 1,2\n")
    assert toy.volts == 0.0
    codes = [int(ask(toy, "SYST:ERR?").split(",")[0]) for _ in range(5)]
    assert codes == [-222, -113, -109, -108, 0]
    assert int(ask(toy, "*ESR?")) == 0x20 | 0x10  # command error and execution error
    assert int(ask(toy, "*ESR?")) == 0


def test_binary_blocks_survive_separators_and_newlines():
    toy = Toy()
    payload = bytes(range(256))
    toy.write(b":DATA " + format_block(payload) + b";:SOUR:VOLT 1\n")
    assert toy.blob == payload and toy.volts == 1.0
    toy.write(b":DATA?\n")
    assert toy.read() == format_block(payload) + b"\n"


def test_status_byte_and_unread_reply_interrupted():
    toy = Toy()
    toy.write(b"*IDN?\n")
    assert toy.status_byte() & 0x10  # MAV
    toy.write(b"*IDN?\n")  # the first reply was never read
    assert toy.next_error()[0] == -410
    toy.read()
    toy.no_response()
    assert toy.next_error()[0] == -420
    toy.write(b"*RST\n")
    assert toy.volts == 0.0
