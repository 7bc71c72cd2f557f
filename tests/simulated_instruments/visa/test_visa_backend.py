"""The @labmem PyVISA backend, exercised through PyVISA's own resource classes."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.simulated_instruments.emulators import registry
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument, scpi
from labmem.simulated_instruments.scpi.program_data import format_block, parse_block

RESOURCE = "GPIB0::7::INSTR"


class Echo(ScpiInstrument):
    """Stores a block and a number; stands in for an instrument on the bench."""

    idn = "LABMEM,ECHO,1,0"

    def __init__(self, bench) -> None:
        super().__init__()
        self.bench = bench
        self.blob = b""

    def idle_output(self) -> None:
        return None

    @scpi(":DATA")
    def set_data(self, block: str) -> None:
        self.blob = parse_block(block)

    @scpi(":DATA?")
    def get_data(self) -> bytes:
        return format_block(self.blob)

    @scpi(":NOW?")
    def get_now(self) -> str:
        return f"{self.bench.now:.6g}"

    @scpi("*TRG")
    def common_trg(self) -> None:
        self.bench.advance(1.0)


@pytest.fixture
def echo_library(new_bench, monkeypatch):
    monkeypatch.setitem(registry.EMULATORS, "echo", Echo)
    return new_bench(instruments={
        "smu": {"model": "echo", "resource": RESOURCE},
        "scope": {"model": "echo", "resource": "TCPIP0::192.168.0.9::inst0::INSTR"},
    })


def open_echo(library: str, resource: str = RESOURCE, **kwargs):
    rm = pyvisa.ResourceManager(library)
    return rm, rm.open_resource(resource, read_termination="\n", write_termination="\n",
                                timeout=500, **kwargs)


def test_resources_are_listed_under_real_strings(echo_library):
    rm = pyvisa.ResourceManager(echo_library)
    assert set(rm.list_resources()) == {RESOURCE, "TCPIP0::192.168.0.9::inst0::INSTR"}
    assert rm.list_resources("GPIB?*::INSTR") == (RESOURCE,)
    # Equivalent spellings of a resource name reach the same instrument.
    scope = rm.open_resource("TCPIP::192.168.0.9::INSTR", read_termination="\n")
    assert scope.query("*IDN?") == "LABMEM,ECHO,1,0"
    with pytest.raises(pyvisa.VisaIOError):
        rm.open_resource("GPIB0::99::INSTR")


def test_every_resource_of_one_library_shares_one_world(echo_library):
    rm_a, smu = open_echo(echo_library)
    rm_b, scope = open_echo(echo_library, "TCPIP0::192.168.0.9::inst0::INSTR")
    assert rm_a.visalib is rm_b.visalib
    smu.assert_trigger()  # bus trigger advances the shared clock by 1 s
    assert float(scope.query(":NOW?")) == pytest.approx(1.0)
    rm_c, _ = open_echo(echo_library)
    assert rm_c.visalib.bench is rm_a.visalib.bench


def test_binary_blocks_both_ways_with_newline_bytes_inside(echo_library):
    _, inst = open_echo(echo_library)
    values = np.arange(-300, 300, dtype=np.int16)  # contains 0x0a bytes
    inst.write_binary_values(":DATA ", values, datatype="h", is_big_endian=True)
    back = inst.query_binary_values(":DATA?", datatype="h", is_big_endian=True,
                                    container=np.array)
    np.testing.assert_array_equal(back, values)


def test_query_without_answer_times_out_and_is_logged(echo_library):
    _, inst = open_echo(echo_library)
    inst.write(":DATA #10")
    with pytest.raises(pyvisa.VisaIOError) as err:
        inst.read()
    assert err.value.error_code == pyvisa.constants.StatusCode.error_timeout
    assert inst.query(":SYST:ERR?").startswith("-420")


def test_status_byte_and_device_clear(echo_library):
    _, inst = open_echo(echo_library)
    inst.write(":NOPE")
    assert inst.read_stb() & 0x04  # error available
    inst.write("*IDN?")
    assert inst.read_stb() & 0x10  # message available
    inst.clear()
    assert not inst.read_stb() & 0x10
    assert inst.query(":SYST:ERR?").startswith("-113")
