"""Keithley 2450 driver transcripts written from the 2450 reference manual (SCPI command set)."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keithley.keithley2450 import Keithley2450, Keithley2450SourceMeter

CONTROLS = [
    ("source_function", ":SOUR:FUNC", "voltage", "VOLT", "VOLT"),
    ("source_voltage", ":SOUR:VOLT", 1.5, "1.5", "+1.500000E+00"),
    ("source_voltage_range", ":SOUR:VOLT:RANG", 20.0, "20", "+2.000000E+01"),
    ("source_voltage_range_auto", ":SOUR:VOLT:RANG:AUTO", True, "1", "1"),
    ("compliance_current", ":SOUR:VOLT:ILIM", 1e-8, "1e-08", "+1.000000E-08"),
    ("source_delay", ":SOUR:VOLT:DEL", 0.01, "0.01", "+1.000000E-02"),
    ("source_delay_auto", ":SOUR:VOLT:DEL:AUTO", False, "0", "0"),
    ("source_readback", ":SOUR:VOLT:READ:BACK", True, "1", "1"),
    ("output_enabled", ":OUTP", True, "1", "1"),
    ("sense_function", ":SENS:FUNC", "current", '"CURR:DC"', '"CURR:DC"'),
    ("current_range", ":SENS:CURR:RANG", 1e-8, "1e-08", "+1.000000E-08"),
    ("current_range_auto", ":SENS:CURR:RANG:AUTO", True, "1", "1"),
    ("current_nplc", ":SENS:CURR:NPLC", 0.01, "0.01", "+1.000000E-02"),
    ("data_format", ":FORM:DATA", "real", "REAL", "REAL"),
    ("byte_order", ":FORM:BORD", "swapped", "SWAP", "SWAP"),
    ("buffer_points", ":TRAC:POIN", 5000, "5000", "5000"),
    ("source_current", ":SOUR:CURR", -2e-6, "-2e-06", "-2.000000E-06"),
    ("compliance_voltage", ":SOUR:CURR:VLIM", 0.5, "0.5", "+5.000000E-01"),
    ("measure_count", ":COUN", 20, "20", "20"),
    ("current_autozero", ":SENS:CURR:AZER", False, "0", "0"),
    ("current_four_wire", ":SENS:CURR:RSEN", True, "1", "1"),
]


@pytest.mark.parametrize("name, command, value, sent, reply", CONTROLS)
def test_control_set(name, command, value, sent, reply):
    with expected_protocol(Keithley2450, [(f"{command} {sent}", None)]) as inst:
        setattr(inst, name, value)


@pytest.mark.parametrize("name, command, value, sent, reply", CONTROLS)
def test_control_get(name, command, value, sent, reply):
    with expected_protocol(Keithley2450, [(f"{command}?", reply)]) as inst:
        assert getattr(inst, name) == value


@pytest.mark.parametrize("name, value", [
    ("source_voltage", 211.0), ("source_voltage", -210.5),
    ("source_voltage_range", 5.0),
    ("compliance_current", 1.1), ("compliance_current", 1e-10),
    ("source_delay", -1.0), ("source_delay", 2e4),
    ("current_range", 3e-6), ("current_range", 2.0),
    ("current_nplc", 0.001), ("current_nplc", 11.0),
    ("source_function", "power"), ("sense_function", "charge"),
    ("data_format", "hex"), ("byte_order", "middle"),
    ("buffer_points", 0),
    ("source_current", 1.1), ("compliance_voltage", 0.01), ("compliance_voltage", 211.0),
    ("measure_count", 0), ("measure_count", 300_001), ("current_autozero", 2),
])
def test_validators_refuse(name, value):
    with expected_protocol(Keithley2450, []) as inst, pytest.raises(ValueError):
        setattr(inst, name, value)


def test_measurements():
    with expected_protocol(Keithley2450, [
        (":SOUR:VOLT:ILIM:TRIP?", "1"),
        (":SOUR:CURR:VLIM:TRIP?", "0"),
        (":MEAS:CURR?", "-1.234000E-09"),
        (":MEAS:VOLT?", "+2.500000E-01"),
        (":SYST:LFR?", "50"),
        (':TRAC:ACT? "defbuffer1"', "12"),
        ("*IDN?", "KEITHLEY INSTRUMENTS,MODEL 2450,04412345,1.7.12b"),
        ("SYST:ERR?", '-222,"Data out of range"'),
        ("SYST:ERR?", '+0,"No error"'),
    ]) as inst:
        assert inst.compliance_tripped is True
        assert inst.compliance_voltage_tripped is False
        assert inst.current == pytest.approx(-1.234e-9)
        assert inst.voltage == pytest.approx(0.25)
        assert inst.line_frequency == 50
        assert inst.buffer_count == 12
        assert inst.id.startswith("KEITHLEY")
        assert len(inst.check_errors()) == 1


def test_output_and_buffer_methods():
    with expected_protocol(Keithley2450, [
        (":OUTP 1", None), (":OUTP 0", None), (':TRAC:CLE "defbuffer1"', None),
        (":SENS:AZER:ONCE", None), (":INIT", None), (":ABOR", None),
        (':INIT;*WAI;:TRAC:ACT? "defbuffer1"', "3"),
    ]) as inst:
        inst.enable_source()
        inst.disable_source()
        inst.clear_buffer()
        inst.autozero_once()
        inst.start_sweep()
        inst.abort()
        assert inst.run_sweep() == 3


def test_upload_list_in_chunks_of_100():
    values = np.round(np.linspace(0, 1.49, 150), 2)
    first = ",".join(f"{v:.6g}" for v in values[:100])
    rest = ",".join(f"{v:.6g}" for v in values[100:])
    with expected_protocol(Keithley2450, [
        (f":SOUR:LIST:VOLT {first};:SOUR:LIST:VOLT:APP {rest}", None),
    ]) as inst:
        inst.upload_list(values)


@pytest.mark.parametrize("voltages", [[], [0.0] * 2501, [0.0, 211.0]])
def test_upload_list_refuses(voltages):
    with expected_protocol(Keithley2450, []) as inst, pytest.raises(ValueError, match="voltages"):
        inst.upload_list(voltages)


def test_sweep_configuration():
    with expected_protocol(Keithley2450, [
        (':SOUR:SWE:VOLT:LIST 1,0.005,1,OFF,"defbuffer1"', None),
        (':SOUR:SWE:VOLT:LIST 1,0.1,3,ON,"mybuf"', None),
        (':SOUR:SWE:VOLT:LIN 0,1.5,151,0.01,1,BEST,OFF,OFF,"defbuffer1"', None),
    ]) as inst:
        inst.configure_list_sweep(0.005)
        inst.configure_list_sweep(0.1, count=3, fail_abort=True, buffer="mybuf")
        inst.configure_linear_sweep(0.0, 1.5, 151, 0.01)
        with pytest.raises(ValueError):
            inst.configure_list_sweep(-1.0)
        with pytest.raises(ValueError):
            inst.configure_linear_sweep(0.0, 300.0, 11, 0.01)


def test_read_buffer_binary_and_ascii():
    data = np.array([[1e-9, 0.0], [2e-9, 0.01], [-3e-9, 0.02]])
    block = b"#0" + data.astype("<f8").tobytes() + b"\n"
    single = b"#0" + data.astype("<f4").tobytes() + b"\n"
    with expected_protocol(Keithley2450, [
        (':FORM:DATA REAL;:FORM:BORD SWAP;:TRAC:DATA? 1,3,"defbuffer1",READ,REL;'
         ':FORM:DATA ASC', block),
        (':FORM:DATA SRE;:FORM:BORD SWAP;:TRAC:DATA? 1,3,"defbuffer1",READ,REL;'
         ':FORM:DATA ASC', single),
        (':FORM:DATA ASC;:TRAC:DATA? 1,3,"defbuffer1",SOURSTAT', "136,168,136"),
        (':FORM:DATA ASC;:READ? "defbuffer1",SOUR,READ,SOURSTAT',
         "+1.000000E-01,+2.000000E-05,136"),
    ]) as inst:
        assert np.array_equal(inst.read_buffer(1, 3, ("READ", "REL")), data)
        assert np.array_equal(inst.read_buffer(1, 3, ("READ", "REL"), single=True),
                              data.astype("<f4"))
        assert inst.read_buffer_ascii(1, 3, ("SOURSTAT",)) == ["136", "168", "136"]
        assert inst.read_point() == (0.1, 2e-5, 136)
        with pytest.raises(ValueError):
            inst.read_buffer(3, 1)


def _role(comm_pairs):
    """The role over a protocol-checked driver."""
    ctx = expected_protocol(Keithley2450, comm_pairs)
    driver = ctx.__enter__()
    role = Keithley2450SourceMeter.__new__(Keithley2450SourceMeter)
    role.driver, role._nplc, role._line_hz, role._compliance_a = driver, None, None, None
    return ctx, role


def test_role_configure_sends_nothing_when_refused():
    ctx, role = _role([])
    for bad in (2.0, 0.0, 1e-12):
        with pytest.raises(ValueError, match="compliance_a"):
            role.configure(bad)
    with pytest.raises(ValueError, match="nplc"):
        role.configure(1e-3, nplc=20)
    with pytest.raises(ValueError, match="current_range_a"):
        role.configure(1e-3, current_range_a=5e-6)
    ctx.__exit__(None, None, None)


def test_role_configure_apply_measure_safe_off():
    ctx, role = _role([
        (":SOUR:FUNC VOLT", None), (':SENS:FUNC "CURR:DC"', None),
        (":SENS:CURR:RANG:AUTO 1", None), (":SENS:CURR:NPLC 0.01", None),
        (":SOUR:VOLT:ILIM 1e-08", None), (":SYST:ERR:COUN?", "0"), (":SYST:LFR?", "50"),
        (":SOUR:VOLT 0.5", None), (":OUTP 1", None),
        (':FORM:DATA ASC;:READ? "defbuffer1",SOUR,READ,SOURSTAT',
         "+5.000000E-01,+1.000000E-08,168"),
        (":ABOR;:OUTP OFF;:SOUR:FUNC VOLT;:SOUR:VOLT 0", None),
    ])
    role.configure(10e-9, nplc=0.01)
    role.apply(0.5)
    assert role.measure() == (0.5, 1e-8, True)
    role.safe_off()
    ctx.__exit__(None, None, None)


def test_role_sweep_transcript():
    """One float32 block of current and relative time; the limit flag from |i| vs ILIM (the
    limit is asked once when configure() did not set it); overflow is not compliance."""
    sweep = (':SOUR:LIST:VOLT 0,0.1,0.2;:TRAC:CLE "defbuffer1";'
             ':SOUR:SWE:VOLT:LIST 1,0.0098,1,OFF,"defbuffer1"')
    block = np.array([[1e-12, 0.0], [-9.95e-9, 0.01], [9.9e37, 0.02]], "<f4")
    ctx, role = _role([
        (sweep, None),
        (":SYST:ERR:COUN?", "0"),
        (':INIT;*WAI;:TRAC:ACT? "defbuffer1"', "3"),
        (':FORM:DATA SRE;:FORM:BORD SWAP;:TRAC:DATA? 1,3,"defbuffer1",READ,REL;'
         ':FORM:DATA ASC', b"#0" + block.tobytes() + b"\n"),
        (":SOUR:VOLT:ILIM?", "+1.000000E-08"),
        (sweep, None),
        (":SYST:ERR:COUN?", "0"),
        (':INIT;*WAI;:TRAC:ACT? "defbuffer1"', "3"),
        (':FORM:DATA SRE;:FORM:BORD SWAP;:TRAC:DATA? 1,3,"defbuffer1",READ,REL;'
         ':FORM:DATA ASC', b"#0" + block.tobytes() + b"\n"),
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
    assert np.allclose(r.t, [0.0, 0.01, 0.02], rtol=1e-7, atol=0)
    assert np.array_equal(r.in_compliance, [False, True, False])
    role._compliance_a = 1e-7  # as configure() keeps it: no query
    assert not role.sweep([0.0, 0.1, 0.2], rate_v_per_s=10.0).in_compliance.any()
    ctx.__exit__(None, None, None)
