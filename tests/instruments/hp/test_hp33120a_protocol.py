"""HP 33120A driver: expected_protocol transcripts written from the User's Guide (chapter 4)
for every property and method, including the validators refusing out-of-range values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.hp.hp33120a import HP33120A

# (property, command sent for value, value, query reply, value read back)
CONTROLS = [
    ("shape", "FUNC:SHAP USER", "user", "USER", "user"),
    ("shape", "FUNC:SHAP SIN", "sine", "SIN", "sine"),
    ("frequency", "FREQ 1000", 1e3, "+1.000000E+03", 1e3),
    ("amplitude", "VOLT 2.5", 2.5, "+2.500000E+00", 2.5),
    ("offset", "VOLT:OFFS -1.5", -1.5, "-1.500000E+00", -1.5),
    ("amplitude_unit", "VOLT:UNIT VRMS", "VRMS", "VRMS", "VRMS"),
    ("load", "OUTP:LOAD 50", 50, "+5.000000E+01", 50),
    ("load", "OUTP:LOAD INF", math.inf, "+9.900000E+37", math.inf),
    ("sync_enabled", "OUTP:SYNC 0", False, "0", False),
    ("byte_order", "FORM:BORD SWAP", "SWAP", "SWAP", "SWAP"),
    ("user_waveform", "FUNC:USER VOLATILE", "VOLATILE", "VOLATILE", "VOLATILE"),
    ("burst_enabled", "BM:STAT 1", True, "1", True),
    ("burst_count", "BM:NCYC 5", 5, "+5.000000E+00", 5),
    ("burst_phase", "BM:PHAS 90", 90.0, "+9.000000E+01", 90.0),
    ("burst_rate", "BM:INT:RATE 100", 100.0, "+1.000000E+02", 100.0),
    ("burst_source", "BM:SOUR INT", "INT", "INT", "INT"),
    ("trigger_source", "TRIG:SOUR BUS", "BUS", "BUS", "BUS"),
]
QUERIES = {"shape": "FUNC:SHAP?", "frequency": "FREQ?", "amplitude": "VOLT?",
           "offset": "VOLT:OFFS?", "amplitude_unit": "VOLT:UNIT?", "load": "OUTP:LOAD?",
           "sync_enabled": "OUTP:SYNC?", "byte_order": "FORM:BORD?",
           "user_waveform": "FUNC:USER?", "burst_enabled": "BM:STAT?",
           "burst_count": "BM:NCYC?", "burst_phase": "BM:PHAS?", "burst_rate": "BM:INT:RATE?",
           "burst_source": "BM:SOUR?", "trigger_source": "TRIG:SOUR?"}


@pytest.mark.parametrize("name, command, value, reply, read", CONTROLS)
def test_control_set(name, command, value, reply, read):
    with expected_protocol(HP33120A, [(command, None)]) as inst:
        setattr(inst, name, value)


@pytest.mark.parametrize("name, command, value, reply, read", CONTROLS)
def test_control_get(name, command, value, reply, read):
    with expected_protocol(HP33120A, [(QUERIES[name], reply)]) as inst:
        assert getattr(inst, name) == read


@pytest.mark.parametrize("name, value", [
    ("shape", "pulse"), ("frequency", 20e6), ("frequency", 10e-6), ("amplitude", 25.0),
    ("amplitude", 0.01), ("offset", 10.5), ("amplitude_unit", "V"), ("load", 75),
    ("byte_order", "LITTLE"), ("user_waveform", "MYWAVE"), ("burst_count", 0),
    ("burst_count", 50001), ("burst_phase", 361), ("burst_rate", 60e3),
    ("burst_source", "GATE"), ("trigger_source", "TIMER"),
])
def test_validators_refuse(name, value):
    with expected_protocol(HP33120A, []) as inst, pytest.raises(ValueError):
        setattr(inst, name, value)


@pytest.mark.parametrize("name, query, reply, value", [
    ("arb_catalog", "DATA:CAT?", '"VOLATILE","SINC","NEG_RAMP"',
     ["VOLATILE", "SINC", "NEG_RAMP"]),
    ("arb_free_slots", "DATA:NVOL:FREE?", "4", 4),
    ("arb_points", "DATA:ATTR:POIN?", "16000", 16000),
    ("id", "*IDN?", "HEWLETT-PACKARD,33120A,0,8.0-5.0-1.0",
     "HEWLETT-PACKARD,33120A,0,8.0-5.0-1.0"),
])
def test_measurements(name, query, reply, value):
    with expected_protocol(HP33120A, [(query, reply)]) as inst:
        assert getattr(inst, name) == value


def test_apply_dc_and_user():
    with expected_protocol(HP33120A, [("APPL:DC DEF,DEF,0", None),
                                      ("APPL:USER 1000,2,0", None)]) as inst:
        inst.apply_dc(0.0)
        inst.apply_user(1e3, 2.0, 0.0)


@pytest.mark.parametrize("args", [(1e3, 30.0, 0.0), (20e6, 1.0, 0.0), (1e3, 1.0, 11.0)])
def test_apply_user_refuses(args):
    with expected_protocol(HP33120A, []) as inst, pytest.raises(ValueError):
        inst.apply_user(*args)


def test_apply_dc_refuses():
    with expected_protocol(HP33120A, []) as inst, pytest.raises(ValueError):
        inst.apply_dc(10.5)


def test_download_dac_sends_a_little_endian_int16_block():
    codes = [2047, 1536, 1024, 512, 0, -512, -1536, -2047]  # the manual's example points
    block = np.array(codes, dtype="<i2").tobytes()
    message = b"FORM:BORD SWAP;:DATA:DAC VOLATILE,#216" + block + b"\n"
    with expected_protocol(HP33120A, [(message, None)]) as inst:
        inst.download_dac(codes)


@pytest.mark.parametrize("codes", [[0] * 7, [0] * 16001, [2048] + [0] * 7, [0.5] * 8])
def test_download_dac_refuses(codes):
    with expected_protocol(HP33120A, []) as inst, pytest.raises(ValueError):
        inst.download_dac(codes)


def test_arb_memory_and_trigger_methods():
    with expected_protocol(HP33120A, [("DATA:COPY PULSES,VOLATILE", None),
                                      ("DATA:DEL PULSES", None), ("*TRG", None)]) as inst:
        inst.copy_volatile("PULSES")
        inst.delete_arb("PULSES")
        inst.trigger()


def test_check_errors_reads_until_no_error():
    with expected_protocol(HP33120A, [("SYST:ERR?", '-113,"Undefined header"'),
                                      ("SYST:ERR?", '+0,"No error"')]) as inst:
        assert inst.check_errors() == [(-113, "Undefined header")]
