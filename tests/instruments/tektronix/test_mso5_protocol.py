"""Tektronix 5 Series MSO driver against transcripts written from the 4/5/6 Series MSO
programmer manual."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.tektronix.mso5 import (
    TektronixMSO5,
    TektronixMSO5Oscilloscope,
    over_range,
    parse_transfer,
    plan_record,
)

HELLO = [("HEADer OFF", None)]
"""The driver turns response headers off when it connects."""


@pytest.mark.parametrize("prop, command, setting, value, reply", [
    ("horizontal_mode", "HORizontal:MODe", "MANUAL", "manual", "MANUAL"),
    ("horizontal_scale", "HORizontal:SCAle", "2e-06", 2e-6, "2.0000E-6"),
    ("horizontal_position", "HORizontal:POSition", "10", 10.0, "10.0000E+0"),
    ("sample_rate", "HORizontal:MODe:SAMPLERate", "1.25e+09", 1.25e9, "1.2500E+9"),
    ("record_length", "HORizontal:MODe:RECOrdlength", "20000", 20000, "20000"),
    ("trigger_type", "TRIGger:A:TYPe", "EDGE", "edge", "EDGE"),
    ("trigger_source", "TRIGger:A:EDGE:SOUrce", "AUXILIARY", "AUX", "AUXILIARY"),
    ("trigger_source", "TRIGger:A:EDGE:SOUrce", "CH2", 2, "CH2"),
    ("trigger_slope", "TRIGger:A:EDGE:SLOpe", "FALL", "fall", "FALL"),
    ("aux_trigger_level", "TRIGger:AUXLevel", "1.4", 1.4, "1.4000E+0"),
    ("trigger_mode", "TRIGger:A:MODe", "NORMAL", "normal", "NORMAL"),
    ("acquisition_mode", "ACQuire:MODe", "SAMPLE", "sample", "SAMPLE"),
    ("stop_after", "ACQuire:STOPAfter", "SEQUENCE", "sequence", "SEQUENCE"),
    ("acquiring", "ACQuire:STATE", "1", True, "1"),
    ("data_source", "DATa:SOUrce", "CH3", 3, "CH3"),
    ("data_encoding", "DATa:ENCdg", "SRIBINARY", "sribinary", "SRIBINARY"),
    ("data_width", "DATa:WIDth", "2", 2, "2"),
])
def test_instrument_controls(prop, command, setting, value, reply):
    with expected_protocol(TektronixMSO5, [*HELLO, (f"{command} {setting}", None),
                                                    (f"{command}?", reply)]) as inst:
        setattr(inst, prop, value)
        got = getattr(inst, prop)
        assert got == pytest.approx(value) if isinstance(value, float) else got == value


@pytest.mark.parametrize("prop, command, setting, value, reply", [
    ("display", "DISplay:GLObal:CH4:STATE", "1", True, "1"),
    ("scale", "CH4:SCAle", "0.02", 0.02, "20.0000E-3"),
    ("offset", "CH4:OFFSet", "-0.1", -0.1, "-100.0000E-3"),
    ("position", "CH4:POSition", "0", 0.0, "0.0E+0"),
    ("termination", "CH4:TERmination", "50", 50.0, "50.0000E+0"),
    ("coupling", "CH4:COUPling", "DC", "dc", "DC"),
    ("bandwidth", "CH4:BANdwidth", "2e+07", 2e7, "20.0000E+6"),
])
def test_channel_controls(prop, command, setting, value, reply):
    with expected_protocol(TektronixMSO5, [*HELLO, (f"{command} {setting}", None),
                                                    (f"{command}?", reply)]) as inst:
        setattr(inst.ch_4, prop, value)
        assert getattr(inst.ch_4, prop) == pytest.approx(value) \
            if isinstance(value, float) else getattr(inst.ch_4, prop) == value


@pytest.mark.parametrize("prop, value", [
    ("record_length", 500), ("sample_rate", 1e10), ("trigger_source", 5),
    ("data_width", 4), ("data_encoding", "fpbinary"), ("horizontal_position", 120.0),
])
def test_validators_refuse_before_sending(prop, value):
    with expected_protocol(TektronixMSO5, HELLO) as inst, pytest.raises(ValueError):
        setattr(inst, prop, value)


def test_single_stop_levels_and_events():
    with expected_protocol(TektronixMSO5, [
        *HELLO, ("ACQuire:STOPAfter SEQuence;:ACQuire:STATE ON", None),
        ("ACQuire:STATE STOP", None), ("TRIGger:A:LEVel:CH2 0.3", None),
        ("TRIGger:STATE?", "READY"), ("ACQuire:NUMACq?", "1"),
        ("*ESR?", "32"), ("ALLEv?", '113,"Undefined header; CH9:SCALE",222,"Data out of range"'),
        ("*ESR?", "0"), ("ALLEv?", '0,"No events to report - queue empty"'),
    ]) as inst:
        inst.single()
        inst.stop()
        inst.channel_trigger_level(2, 0.3)
        assert inst.trigger_state == "READY" and inst.acquisitions == 1
        assert inst.check_errors() == [(113, "Undefined header; CH9:SCALE"),
                                       (222, "Data out of range")]
        assert inst.check_errors() == []


@pytest.mark.filterwarnings("ignore:Breaking on termination character")
def test_fetch_is_one_message_and_one_read():
    codes = np.array([0, 16000, -32768, 32752], dtype="<i2")
    block = b"#18" + codes.tobytes()
    preamble = ('2;16;BINARY;RI;LSB;"Ch1, DC coupling, 200.0000E-3V/div, 400.0000E-12s/div, '
                '4 points, Sample mode";4;Y;LINEAR;"s";1.0000E-9;-2.0000E-9;0;"V";'
                '31.2500E-6;0.0E+0;100.0000E-3;TIME;ANALOG;0.0E+0;0.0E+0')
    with expected_protocol(TektronixMSO5, [
        *HELLO,
        ("DATa:SOUrce CH1;:DATa:ENCdg SRIbinary;:DATa:WIDth 2;:DATa:STARt 1;:DATa:STOP 4;"
         ":WFMOutpre?;:CURVe?", preamble.encode() + b";" + block),
    ]) as inst:
        pre, got = inst.read_record(1, 4)
    assert got.tolist() == codes.tolist()
    assert pre["xincr"] == 1e-9 and pre["xzero"] == -2e-9 and pre["ymult"] == 31.25e-6
    assert pre["yzero"] == 0.1 and pre["nr_pt"] == 4
    assert over_range(got).tolist() == [False, False, True, True]
    with pytest.raises(ValueError, match="block says 8 bytes"):
        parse_transfer(preamble.encode() + b";" + block[:-1])


def test_plan_record_takes_the_slowest_rate_that_gives_the_points():
    assert plan_record(20e-6, 10_000) == (5e8, 10_000)
    assert plan_record(20e-6, 3000) == (2e8, 4000)
    assert plan_record(1.0, None) == (1e4, 10_000)
    with pytest.raises(ValueError, match="at most 125000 points"):
        plan_record(20e-6, 200_000)
    with pytest.raises(ValueError, match="62500000 points of memory"):
        plan_record(10.0, 70_000_000)
    with pytest.raises(ValueError, match="at least 1000"):
        plan_record(1e-6, 100)


def test_role_refuses_before_sending():
    with expected_protocol(TektronixMSO5Oscilloscope, HELLO,
                           connection_attributes={}) as role:
        with pytest.raises(ValueError, match="scale must be"):
            role.check_channels({1: (20.0, 0.0)})
        with pytest.raises(ValueError, match="not among the channels"):
            role.configure({1: (0.2, 0.0)}, 20e-6, trigger_source="CH2")
        with pytest.raises(ValueError, match="trigger_level_v must be"):
            role.configure({1: (0.2, 0.0)}, 20e-6, trigger_source="AUX", trigger_level_v=6)
        with pytest.raises(ValueError, match="pre_trigger_s must be"):
            role.configure({1: (0.2, 0.0)}, 20e-6, pre_trigger_s=1e-3)
