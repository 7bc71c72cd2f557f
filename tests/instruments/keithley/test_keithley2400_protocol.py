"""Keithley 2400 driver transcripts written from the 2400 Series User's Manual (SCPI)."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keithley.keithley2400 import Keithley2400, Keithley2400SourceMeter

CONTROLS = [
    ("source_function", ":SOUR:FUNC", "voltage", "VOLT", "VOLT"),
    ("source_voltage", ":SOUR:VOLT", 1.5, "1.5", "+1.500000E+00"),
    ("source_voltage_range", ":SOUR:VOLT:RANG", 20.0, "20", "+2.000000E+01"),
    ("source_voltage_range_auto", ":SOUR:VOLT:RANG:AUTO", True, "1", "1"),
    ("source_voltage_mode", ":SOUR:VOLT:MODE", "list", "LIST", "LIST"),
    ("source_delay", ":SOUR:DEL", 0.01, "0.01", "+1.000000E-02"),
    ("source_delay_auto", ":SOUR:DEL:AUTO", False, "0", "0"),
    ("auto_output_off", ":SOUR:CLE:AUTO", True, "1", "1"),
    ("output_enabled", ":OUTP", True, "1", "1"),
    ("sense_function", ":SENS:FUNC", "current", '"CURR:DC"', '"CURR:DC"'),
    ("compliance_current", ":SENS:CURR:PROT", 1e-8, "1e-08", "+1.000000E-08"),
    ("current_range", ":SENS:CURR:RANG", 1e-6, "1e-06", "+1.000000E-06"),
    ("current_range_auto", ":SENS:CURR:RANG:AUTO", True, "1", "1"),
    ("current_nplc", ":SENS:CURR:NPLC", 0.01, "0.01", "+1.000000E-02"),
    ("trigger_count", ":TRIG:COUN", 2500, "2500", "2500"),
    ("arm_count", ":ARM:COUN", 2, "2", "2"),
    ("trigger_delay", ":TRIG:DEL", 0.5, "0.5", "+5.000000E-01"),
    ("data_format", ":FORM:DATA", "sreal", "REAL,32", "REAL,32"),
    ("byte_order", ":FORM:BORD", "swapped", "SWAP", "SWAP"),
    ("buffer_points", ":TRAC:POIN", 2500, "2500", "2500"),
]


@pytest.mark.parametrize("name, command, value, sent, reply", CONTROLS)
def test_control_set(name, command, value, sent, reply):
    with expected_protocol(Keithley2400, [(f"{command} {sent}", None)]) as inst:
        setattr(inst, name, value)


@pytest.mark.parametrize("name, command, value, sent, reply", CONTROLS)
def test_control_get(name, command, value, sent, reply):
    with expected_protocol(Keithley2400, [(f"{command}?", reply)]) as inst:
        assert getattr(inst, name) == value


@pytest.mark.parametrize("name, value", [
    ("source_voltage", 210.5), ("source_voltage", -211.0), ("source_voltage_range", 1000.0),
    ("compliance_current", 1.1), ("compliance_current", 1e-10),
    ("current_range", 1e-7), ("current_range", 20e-3),
    ("current_nplc", 0.001), ("current_nplc", 11.0),
    ("source_delay", 1000.0), ("trigger_delay", -1.0),
    ("trigger_count", 2501), ("arm_count", 0), ("buffer_points", 2501),
    ("source_voltage_mode", "staircase"), ("data_format", "real"),
])
def test_validators_refuse_2400(name, value):
    with expected_protocol(Keithley2400, []) as inst, pytest.raises(ValueError):
        setattr(inst, name, value)


@pytest.mark.parametrize("model, name, good, bad", [
    ("2401", "source_voltage", 21.0, 22.0),
    ("2410", "source_voltage", 1100.0, 1101.0),
    ("2410", "source_voltage_range", 1000.0, 200.0),
    ("2410", "current_range", 20e-3, 10e-3),
])
def test_validators_follow_the_model(model, name, good, bad):
    command = next(c[1] for c in CONTROLS if c[0] == name)
    with expected_protocol(Keithley2400, [(f"{command} {good:g}", None)],
                           model=model) as inst:
        setattr(inst, name, good)
        with pytest.raises(ValueError):
            setattr(inst, name, bad)


def test_list_commands_in_chunks_of_100():
    values = np.round(np.linspace(0, 1.49, 150), 2)
    first = ",".join(f"{v:.6g}" for v in values[:100])
    rest = ",".join(f"{v:.6g}" for v in values[100:])
    with expected_protocol(Keithley2400, []) as inst:
        assert inst.list_commands(values) == (f":SOUR:LIST:VOLT {first};"
                                              f":SOUR:LIST:VOLT:APP {rest}")
        for bad in ([], [0.0] * 2501, [0.0, 211.0]):
            with pytest.raises(ValueError, match="voltages"):
                inst.list_commands(bad)


def test_read_point_and_binary_block():
    data = np.array([[1e-9, 0.0, 20484.0], [2e-9, 0.01, 20492.0]], dtype="<f4")
    with expected_protocol(Keithley2400, [
        (":FORM:DATA ASC;:FORM:ELEM VOLT,CURR,STAT;:READ?",
         "+5.000000E-01,+1.000000E-08,+2.049200E+04"),
        (":READ?", b"#0" + data.tobytes() + b"\n"),
        (":READ?", b"#1" + data.tobytes() + b"\n"),
    ]) as inst:
        assert inst.read_point() == (0.5, 1e-8, 20492)
        assert np.array_equal(inst.read_binary(":READ?", 2, 3), data)
        with pytest.raises(ValueError, match="malformed"):
            inst.read_binary(":READ?", 2, 3)


def _role(comm_pairs):
    """The role over a protocol-checked driver."""
    ctx = expected_protocol(Keithley2400, comm_pairs)
    driver = ctx.__enter__()
    role = Keithley2400SourceMeter.__new__(Keithley2400SourceMeter)
    role.driver, role._nplc, role._line_hz, role._limit_a = driver, None, None, None
    return ctx, role


def test_role_refuses_without_sending():
    ctx, role = _role([])
    for bad in (2.0, 0.0, 1e-12):
        with pytest.raises(ValueError, match="compliance_a"):
            role.configure(bad)
    with pytest.raises(ValueError, match="nplc"):
        role.configure(1e-3, nplc=20)
    with pytest.raises(ValueError, match="current_range_a"):
        role.configure(1e-3, current_range_a=5e-6)
    with pytest.raises(ValueError, match=r"0\.1 %"):
        role.configure(10e-9, current_range_a=1e-3)
    ctx.__exit__(None, None, None)


def test_role_takes_the_model_from_idn():
    ctx, role = _role([
        ("*IDN?", "KEITHLEY INSTRUMENTS INC.,MODEL 2410,4112235,C32 /S/K"),
    ])
    assert role.idn.startswith("KEITHLEY INSTRUMENTS INC.,MODEL 2410")
    role.check_configuration(1e-3, current_range_a=20e-3)
    with pytest.raises(ValueError, match="current_range_a"):
        role.check_configuration(1e-3, current_range_a=10e-3)
    ctx.__exit__(None, None, None)


def test_role_configure_apply_measure_safe_off():
    ctx, role = _role([
        (":SOUR:FUNC VOLT", None), (':SENS:FUNC "CURR:DC"', None),
        (":SENS:CURR:RANG:AUTO 1", None), (":SENS:CURR:NPLC 0.01", None),
        (":SENS:CURR:PROT 1e-08", None), (":SYST:ERR:COUN?", "0"), (":SYST:LFR?", "50"),
        (":SOUR:VOLT 0.5", None), (":OUTP 1", None),
        (":FORM:DATA ASC;:FORM:ELEM VOLT,CURR,STAT;:READ?",
         "+5.000000E-01,+1.000000E-08,+2.049200E+04"),
        (":ABOR;:OUTP OFF;:SOUR:VOLT:MODE FIX;:SOUR:FUNC VOLT;:SOUR:VOLT 0;:TRIG:COUN 1;"
         ":FORM:DATA ASC", None),
    ])
    role.configure(10e-9, nplc=0.01)
    role.apply(0.5)
    assert role.measure() == (0.5, 1e-8, True)
    role.safe_off()
    ctx.__exit__(None, None, None)


def test_role_sweep_is_one_list_sweep_and_one_read():
    """8 bytes a point (CURR, TIME); the limit flag from |i| vs the compliance, asked once
    when configure() did not set it."""
    block = np.array([[1e-12, 0.004], [2e-12, 0.014], [-9.95e-9, 0.024]], dtype="<f4")
    setup = (":SOUR:LIST:VOLT 0,0.1,0.2;:SOUR:VOLT:MODE LIST;:SYST:TIME:RES;:SOUR:DEL 0.0098;"
             ":TRIG:DEL 0;:ARM:COUN 1;:TRIG:COUN 3;:FORM:ELEM CURR,TIME;:FORM:DATA REAL,32;"
             ":FORM:BORD SWAP")
    read = ":OUTP ON;:READ?;:SOUR:VOLT:MODE FIX;:TRIG:COUN 1;:FORM:DATA ASC"
    ctx, role = _role([
        (setup, None), (":SYST:ERR:COUN?", "0"), (read, b"#0" + block.tobytes() + b"\n"),
        (":SENS:CURR:PROT?", "+1.000000E-08"),
        (setup, None), (":SYST:ERR:COUN?", "0"), (read, b"#0" + block.tobytes() + b"\n"),
    ])
    role._nplc, role._line_hz = 0.01, 50.0
    with pytest.raises(ValueError, match="dwell_s"):
        role.sweep([0.0, 0.1, 0.2], dwell_s=1e-4)
    with pytest.raises(ValueError, match="rate_v_per_s"):
        role.sweep([0.0, 0.1, 0.2], rate_v_per_s=1e4)
    with pytest.raises(ValueError, match="dwell_s or rate_v_per_s"):
        role.sweep([0.0, 0.1, 0.2])
    r = role.sweep([0.0, 0.1, 0.2], rate_v_per_s=10.0)
    assert np.array_equal(r.v, [0.0, 0.1, 0.2])
    assert np.allclose(r.t, [0.0, 0.01, 0.02], atol=1e-7)
    assert np.array_equal(r.in_compliance, [False, False, True])
    role._limit_a = 1.5e-12  # as configure() keeps it: no query
    r = role.sweep([0.0, 0.1, 0.2], rate_v_per_s=10.0)
    assert np.array_equal(r.in_compliance, [False, True, True])
    ctx.__exit__(None, None, None)


def test_role_sweep_limit_is_a_lower_fixed_range():
    """With a fixed 10 µA range under a 1 mA compliance the source is held at 10.5 µA."""
    block = np.array([[1e-12, 0.004], [1.04e-5, 0.014], [-1.05e-5, 0.024]], dtype="<f4")
    ctx, role = _role([
        (":SOUR:FUNC VOLT", None), (':SENS:FUNC "CURR:DC"', None),
        (":SENS:CURR:RANG 1e-05", None), (":SENS:CURR:NPLC 0.01", None),
        (":SENS:CURR:PROT 0.001", None), (":SYST:ERR:COUN?", "0"), (":SYST:LFR?", "50"),
        (":SOUR:LIST:VOLT 0,0.1,0.2;:SOUR:VOLT:MODE LIST;:SYST:TIME:RES;:SOUR:DEL 0.0098;"
         ":TRIG:DEL 0;:ARM:COUN 1;:TRIG:COUN 3;:FORM:ELEM CURR,TIME;:FORM:DATA REAL,32;"
         ":FORM:BORD SWAP", None),
        (":SYST:ERR:COUN?", "0"),
        (":OUTP ON;:READ?;:SOUR:VOLT:MODE FIX;:TRIG:COUN 1;:FORM:DATA ASC",
         b"#0" + block.tobytes() + b"\n"),
    ])
    role.configure(1e-3, current_range_a=1e-5, nplc=0.01)
    r = role.sweep([0.0, 0.1, 0.2], dwell_s=0.01)
    assert np.array_equal(r.in_compliance, [False, True, True])
    ctx.__exit__(None, None, None)
