"""Keysight 81160A driver: expected_protocol transcripts in the 81150A/81160A command set (channel
suffix on the header) for the channel properties, the binary arb download and the validators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keysight.k81160a import K81160A

# (property, command sent on channel 2 for value, value, query reply, value read back)
CONTROLS = [
    ("shape", ":FUNC2 PULS", "pulse", "PULS", "pulse"),
    ("shape", ":FUNC2 USER", "user", "USER", "user"),
    ("frequency", ":FREQ2 1000000", 1e6, "+1.000000E+06", 1e6),
    ("amplitude", ":VOLT2 2.5", 2.5, "+2.500000E+00", 2.5),
    ("offset", ":VOLT2:OFFS -0.5", -0.5, "-5.000000E-01", -0.5),
    ("high_level", ":VOLT2:HIGH 1.2", 1.2, "+1.200000E+00", 1.2),
    ("low_level", ":VOLT2:LOW 0", 0.0, "+0.000000E+00", 0.0),
    ("output_enabled", ":OUTP2 1", True, "1", True),
    ("load", ":OUTP2:LOAD INF", math.inf, "+9.900000E+37", math.inf),
    ("load", ":OUTP2:LOAD 50", 50, "+5.000000E+01", 50),
    ("source_impedance", ":OUTP2:IMP 5", 5, "+5.000000E+00", 5),
    ("polarity", ":OUTP2:POL INV", "INV", "INV", "INV"),
    ("pulse_period", ":PULS:PER2 1e-05", 10e-6, "+1.000000E-05", 10e-6),
    ("pulse_width", ":PULS:WIDT2 1e-06", 1e-6, "+1.000000E-06", 1e-6),
    ("pulse_delay", ":PULS:DEL2 2e-08", 20e-9, "+2.000000E-08", 20e-9),
    ("leading_edge", ":PULS:TRAN2 1e-07", 100e-9, "+1.000000E-07", 100e-9),
    ("trailing_edge", ":PULS:TRAN2:TRA 5e-09", 5e-9, "+5.000000E-09", 5e-9),
    ("double_pulse_enabled", ":PULS:DOUB2 1", True, "1", True),
    ("double_pulse_delay", ":PULS:DOUB2:DEL 3e-06", 3e-6, "+3.000000E-06", 3e-6),
    ("arm_source", ":ARM:SOUR2 MAN", "MAN", "MAN", "MAN"),
    ("burst_count", ":TRIG:COUN2 5", 5, "5", 5),
    ("user_waveform", ":FUNC2:USER VOLATILE", "VOLATILE", "VOLATILE", "VOLATILE"),
]


@pytest.mark.parametrize("name, command, value, reply, read", CONTROLS)
def test_channel_control_set(name, command, value, reply, read):
    with expected_protocol(K81160A, [(command, None)]) as inst:
        setattr(inst.ch_2, name, value)


@pytest.mark.parametrize("name, command, value, reply, read", CONTROLS)
def test_channel_control_get(name, command, value, reply, read):
    query = command.split(" ")[0] + "?"
    with expected_protocol(K81160A, [(query, reply)]) as inst:
        assert getattr(inst.ch_2, name) == read


def test_channel_1_suffix():
    with expected_protocol(K81160A, [(":PULS:WIDT1 1.5e-09", None)]) as inst:
        inst.ch_1.pulse_width = 1.5e-9


@pytest.mark.parametrize("name, value", [
    ("shape", "arb"), ("frequency", 600e6), ("amplitude", 0.01), ("amplitude", 12.0),
    ("offset", 10.5), ("load", 0.1), ("source_impedance", 75), ("polarity", "UP"),
    ("pulse_period", 1e-9), ("pulse_width", 1e-9), ("leading_edge", 0.5e-9),
    ("trailing_edge", 2e3), ("arm_source", "BUS"), ("burst_count", 0),
])
def test_validators_refuse(name, value):
    with expected_protocol(K81160A, []) as inst, pytest.raises(ValueError):
        setattr(inst.ch_1, name, value)


def test_download_is_one_binary_block_two_bytes_per_point():
    codes = [0, 8191, -8191, 1]
    message = (b":FORM:BORD SWAP;:DATA1:DAC VOLATILE,#18" + np.array(codes, dtype="<i2").tobytes()
               + b"\n")
    with expected_protocol(K81160A, [(message, None)]) as inst:
        inst.ch_1.download_dac(codes)


@pytest.mark.parametrize("codes, match", [([0], "2 to 16384"), (np.zeros(16385), "16384"),
                                          ([0, 8192], "8191"), ([0, 0.5], "integers")])
def test_download_refuses_what_memory_or_dac_cannot_hold(codes, match):
    with expected_protocol(K81160A, []) as inst, pytest.raises(ValueError, match=match):
        inst.ch_1.download_dac(codes)


def test_trigger_errors_and_identity():
    with expected_protocol(K81160A, [("*TRG", None), (":SYST:ERR?", '-221,"Settings conflict"'),
                                     (":SYST:ERR?", '0,"No error"'),
                                     ("*IDN?", "Agilent Technologies,81160A,DE1,2.0")]) as inst:
        inst.trigger()
        assert inst.check_errors() == [(-221, "Settings conflict")]
        assert inst.id == "Agilent Technologies,81160A,DE1,2.0"
