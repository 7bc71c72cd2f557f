"""33500B driver: expected_protocol transcripts written from the 33500 Series Operating and
Service Guide for the channel properties, the binary arb download, sequences and the trigger,
including the validators refusing out-of-range values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keysight.k33500b import K33500B, K33500BWaveformGenerator

# (channel, property, command sent for value, value, query, reply, value read back)
CONTROLS = [
    (1, "shape", "SOUR1:FUNC ARB", "arb", "SOUR1:FUNC?", "ARB", "arb"),
    (2, "shape", "SOUR2:FUNC SIN", "sine", "SOUR2:FUNC?", "SIN", "sine"),
    (1, "frequency", "SOUR1:FREQ 1000", 1e3, "SOUR1:FREQ?", "+1.000000E+03", 1e3),
    (1, "amplitude", "SOUR1:VOLT 2.5", 2.5, "SOUR1:VOLT?", "+2.500000E+00", 2.5),
    (2, "offset", "SOUR2:VOLT:OFFS -1.5", -1.5, "SOUR2:VOLT:OFFS?", "-1.500000E+00", -1.5),
    (1, "voltage_high", "SOUR1:VOLT:HIGH 1", 1.0, "SOUR1:VOLT:HIGH?", "+1.000000E+00", 1.0),
    (1, "load", "OUTP1:LOAD INF", math.inf, "OUTP1:LOAD?", "+9.900000E+37", math.inf),
    (2, "load", "OUTP2:LOAD 50", 50, "OUTP2:LOAD?", "+5.000000E+01", 50),
    (1, "output_enabled", "OUTP1 1", True, "OUTP1?", "1", True),
    (1, "arb_name", "SOUR1:FUNC:ARB LABMEM", "LABMEM", "SOUR1:FUNC:ARB?", '"LABMEM"',
     "LABMEM"),
    (1, "arb_sample_rate", "SOUR1:FUNC:ARB:SRAT 1000000", 1e6, "SOUR1:FUNC:ARB:SRAT?",
     "+1.000000E+06", 1e6),
    (1, "arb_filter", "SOUR1:FUNC:ARB:FILT STEP", "STEP", "SOUR1:FUNC:ARB:FILT?", "STEP",
     "STEP"),
    (1, "burst_count", "SOUR1:BURS:NCYC 5", 5, "SOUR1:BURS:NCYC?", "+5.000000E+00", 5),
    (1, "burst_enabled", "SOUR1:BURS:STAT 1", True, "SOUR1:BURS:STAT?", "1", True),
    (1, "trigger_source", "TRIG1:SOUR BUS", "BUS", "TRIG1:SOUR?", "BUS", "BUS"),
    (2, "trigger_delay", "TRIG2:DEL 1e-06", 1e-6, "TRIG2:DEL?", "+1.000000E-06", 1e-6),
]


@pytest.mark.parametrize("n, name, command, value, query, reply, read", CONTROLS)
def test_channel_control_set_and_get(n, name, command, value, query, reply, read):
    with expected_protocol(K33500B, [(command, None), (query, reply)]) as inst:
        channel = getattr(inst, f"ch_{n}")
        setattr(channel, name, value)
        assert getattr(channel, name) == read


@pytest.mark.parametrize("name, value", [
    ("shape", "triangle wave"), ("frequency", 40e6), ("amplitude", 25.0), ("load", 0.5),
    ("load", 20e3), ("arb_sample_rate", 300e6), ("arb_filter", "SMOOTH"),
    ("burst_count", 0), ("trigger_source", "MAN"), ("trigger_delay", 2000.0),
])
def test_validators_refuse(name, value):
    with expected_protocol(K33500B, []) as inst, pytest.raises(ValueError):
        setattr(inst.ch_1, name, value)


def test_sync_byte_order_trigger_and_errors():
    with expected_protocol(K33500B, [
        ("OUTP:SYNC:SOUR CH2", None), ("OUTP:SYNC:SOUR?", "CH2"), ("FORM:BORD SWAP", None),
        ("*TRG", None), ("SYST:ERR?", '-222,"Data out of range"'),
        ("SYST:ERR?", '+0,"No error"'),
    ]) as inst:
        inst.sync_source = 2
        assert inst.sync_source == 2
        inst.byte_order = "SWAP"
        inst.trigger()
        assert inst.check_errors() == [(-222, "Data out of range")]


def test_download_dac_is_one_binary_block_of_int16():
    codes = [0, 32767, -32767, 1, -1, 0, 0, 0]
    block = np.asarray(codes, dtype="<i2").tobytes()
    command = b"FORM:BORD SWAP;:SOUR2:DATA:ARB:DAC W1,#216" + block + b"\n"
    with expected_protocol(K33500B, [(command, None)]) as inst:
        inst.ch_2.download_dac("W1", codes)


@pytest.mark.parametrize("codes, match", [
    (np.zeros(7, dtype=int), "8 to 1048576"), (np.zeros(1_048_577, dtype=int), "1048576"),
    (np.full(8, 40000), "32767"), (np.full(8, 0.5), "integers"),
])
def test_download_dac_refuses_what_memory_or_dac_cannot_hold(codes, match):
    with expected_protocol(K33500B, []) as inst, pytest.raises(ValueError, match=match):
        inst.ch_1.download_dac("W1", codes)


def test_download_sequence_sends_a_definite_length_block():
    text = '"SEQ1","ZERO",1,repeatTilTrig,maintain,4,"PULSE",2,repeat,highAtStart,4'
    with expected_protocol(K33500B, [(f"SOUR1:DATA:SEQ #2{len(text)}{text}", None)]) as inst:
        inst.ch_1.download_sequence("SEQ1", [("ZERO", 1, "repeatTilTrig", "maintain", 4),
                                             ("PULSE", 2, "repeat", "highAtStart", 4)])
    with expected_protocol(K33500B, []) as inst, pytest.raises(ValueError):
        inst.ch_1.download_sequence("SEQ1", [("ZERO", 1, "forever", "maintain", 4)])


def test_role_compile_puts_boundaries_on_points_without_talking():
    role = K33500BWaveformGenerator.__new__(K33500BWaveformGenerator)
    levels, freq = role.compile([(0.0, 100e-9), (1.0, 500e-9), (0.0, 100e-9)])
    assert freq == pytest.approx(1 / 700e-9)
    # 7 points on the 100 ns grid, doubled to reach the 8-point minimum: 50 ns points
    assert levels.tolist() == [0.0] * 2 + [1.0] * 10 + [0.0] * 2
    with pytest.raises(ValueError, match="250 MSa/s"):
        role.compile([(1.0, 1e-9), (0.0, 1e-6)])
    with pytest.raises(ValueError, match=r"level 12 V .*±10 V"):
        role.compile([(0.0, 1e-6), (12.0, 1e-6)])
    with pytest.raises(ValueError, match="holds 1048576 per channel"):
        role.compile([(1.0, 1e-6), (0.0, 1.048576)])
