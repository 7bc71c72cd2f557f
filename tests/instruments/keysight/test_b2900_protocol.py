"""Keysight B2900 driver transcripts written from the B2900 SCPI Command Reference."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keysight.b2900 import B2900, B2900SourceMeter

CHANNEL_CONTROLS = [
    ("source_mode", ":SOUR{ch}:FUNC:MODE", "voltage", "VOLT", "VOLT"),
    ("source_shape", ":SOUR{ch}:FUNC:SHAP", "pulse", "PULS", "PULS"),
    ("source_voltage", ":SOUR{ch}:VOLT", 1.5, "1.5", "+1.500000E+00"),
    ("source_voltage_triggered", ":SOUR{ch}:VOLT:TRIG", -2.0, "-2", "-2.000000E+00"),
    ("voltage_mode", ":SOUR{ch}:VOLT:MODE", "list", "LIST", "LIST"),
    ("pulse_width", ":SOUR{ch}:PULS:WIDT", 1e-3, "0.001", "+1.000000E-03"),
    ("pulse_delay", ":SOUR{ch}:PULS:DEL", 0.0, "0", "+0.000000E+00"),
    ("compliance_current", ":SENS{ch}:CURR:PROT", 1e-8, "1e-08", "+1.000000E-08"),
    ("current_range", ":SENS{ch}:CURR:RANG", 1e-6, "1e-06", "+1.000000E-06"),
    ("current_range_auto", ":SENS{ch}:CURR:RANG:AUTO", True, "1", "1"),
    ("aperture", ":SENS{ch}:CURR:APER", 2e-4, "0.0002", "+2.000000E-04"),
    ("nplc", ":SENS{ch}:CURR:NPLC", 0.01, "0.01", "+1.000000E-02"),
    ("trigger_source", ":TRIG{ch}:SOUR", "timer", "TIM", "TIM"),
    ("trigger_timer", ":TRIG{ch}:TIM", 1e-3, "0.001", "+1.000000E-03"),
    ("trigger_count", ":TRIG{ch}:COUN", 100, "100", "100"),
    ("arm_count", ":ARM{ch}:COUN", 1, "1", "1"),
    ("acquire_delay", ":TRIG{ch}:ACQ:DEL", 5e-4, "0.0005", "+5.000000E-04"),
    ("output_enabled", ":OUTP{ch}", True, "1", "1"),
    ("output_low", ":OUTP{ch}:LOW", "float", "FLO", "FLO"),
]


@pytest.mark.parametrize("ch", [1, 2])
@pytest.mark.parametrize("name, command, value, sent, reply", CHANNEL_CONTROLS)
def test_channel_control_set_and_get(ch, name, command, value, sent, reply):
    command = command.format(ch=ch)
    with expected_protocol(B2900, [(f"{command} {sent}", None), (f"{command}?", reply)]) as inst:
        channel = getattr(inst, f"ch_{ch}")
        setattr(channel, name, value)
        assert getattr(channel, name) == value


@pytest.mark.parametrize("name, value", [
    ("source_voltage", 211.0), ("compliance_current", 3.1), ("compliance_current", 1e-10),
    ("current_range", 10e-9), ("current_range", 2e-6), ("aperture", 3.0), ("nplc", 1e-4),
    ("pulse_width", 10e-6), ("trigger_timer", 1e-6), ("trigger_count", 100_001),
    ("trigger_source", "ext"), ("voltage_mode", "arb"), ("output_low", "chassis"),
])
def test_validators_refuse(name, value):
    with expected_protocol(B2900, []) as inst, pytest.raises(ValueError):
        setattr(inst.ch_1, name, value)


def test_instrument_controls_and_methods():
    with expected_protocol(B2900, [
        (":FORM REAL,64", None), (":FORM?", "REAL,64"),
        (":FORM:BORD SWAP", None), (":FORM:ELEM:SENS CURR,TIME", None),
        (":SYST:LFR?", "50"), (":INIT (@1,2)", None), (":ABOR (@1,2)", None),
        (":SOUR1:LIST:VOLT?", "+1.000000E-01"), (":MEAS:CURR? (@2)", "+1.000000E-12"),
        ("*IDN?", "Keysight Technologies,B2902A,MY51140123,3.4.2011.5100"),
    ]) as inst:
        inst.data_format = "real64"
        assert inst.data_format == "real64"
        inst.byte_order = "swapped"
        inst.elements = "CURR,TIME"
        assert inst.line_frequency == 50
        inst.initiate((1, 2))
        inst.abort()
        assert inst.ch_1.ask(":SOUR{ch}:LIST:VOLT?") == "+1.000000E-01"
        assert inst.ch_2.current == pytest.approx(1e-12)
        assert inst.id.startswith("Keysight Technologies,B2902A")


def test_list_command_checks_points_and_levels():
    with expected_protocol(B2900, []) as inst:
        assert inst.ch_2.list_command([0, 0.1, -0.25]) == ":SOUR2:LIST:VOLT 0,0.1,-0.25"
        for bad in ([], [0.0] * 2501, [0.0, 211.0]):
            with pytest.raises(ValueError, match="voltages"):
                inst.ch_1.list_command(bad)


def block(rows: list[list[float]]) -> bytes:
    """A REAL,32 SWAPped reply: definite-length block and newline."""
    data = np.array(rows, "<f4").tobytes()
    return f"#{len(str(len(data)))}{len(data)}".encode() + data + b"\n"


def test_run_and_fetch_reads_one_block():
    rows = [[1e-9, 0.0], [2e-9, 2.0]]
    with expected_protocol(B2900, [
        (":FORM REAL,32;:FORM:BORD SWAP;:INIT (@1);*WAI;:FETC:ARR? (@1)", block(rows)),
        (":FORM REAL,32;:FORM:BORD SWAP;:INIT (@1);*WAI;:FETC:ARR? (@1)", b"#14abcd\n"),
    ]) as inst:
        assert np.array_equal(inst.run_and_fetch(2, 2), np.array(rows, "<f4").astype(float))
        with pytest.raises(ValueError, match="block"):
            inst.run_and_fetch(2, 2)


def _role(comm_pairs, aperture_s: float | None = 2e-4):
    """The role over a protocol-checked driver."""
    ctx = expected_protocol(B2900, comm_pairs)
    role = B2900SourceMeter.__new__(B2900SourceMeter)
    role.driver, role._aperture_s, role._line_hz = ctx.__enter__(), aperture_s, None
    return ctx, role


def test_role_checks_a_pulse_train_at_a_planned_nplc():
    """At a planned NPLC the aperture follows from the line frequency (asked once), not from
    the configured aperture; levels and their count are checked as the list command does."""
    ctx, role = _role([(":SYST:LFR?", "50")])
    role.check_pulse_train([1.0, 0.0], 1e-3, 1e-3, measure_delay_s=0.5e-3, nplc=0.02)
    with pytest.raises(ValueError, match="measure_delay_s"):  # 0.5 ms + 0.6 ms > 1 ms
        role.check_pulse_train([1.0, 0.0], 1e-3, 1e-3, measure_delay_s=0.5e-3, nplc=0.03)
    with pytest.raises(ValueError, match="2500"):
        role.check_pulse_train([1.0] * 2501, 1e-3, 1e-3, nplc=0.02)
    with pytest.raises(ValueError, match="base_v"):
        role.check_pulse_train([1.0], 1e-3, 1e-3, base_v=300.0, nplc=0.02)
    ctx.__exit__(None, None, None)


def test_role_refuses_without_talking():
    ctx, role = _role([])
    for bad in (5.0, 1e-12):
        with pytest.raises(ValueError, match="compliance_a"):
            role.configure(bad)
    with pytest.raises(ValueError, match="nplc"):
        role.configure(1e-3, nplc=200)
    with pytest.raises(ValueError, match="current_range_a"):
        role.configure(1e-3, current_range_a=10e-9)
    with pytest.raises(ValueError, match="dwell_s"):
        role.sweep([0.0, 0.1], dwell_s=1e-4)
    with pytest.raises(ValueError, match="width_s"):
        role.pulse(1.0, 10e-6)
    with pytest.raises(ValueError, match="measure_delay_s"):
        role.pulse(1.0, 1e-3, measure_delay_s=0.9e-3)  # 0.9 ms + 0.2 ms aperture > 1 ms
    with pytest.raises(ValueError, match="period_s"):
        role.pulse_train([1.0, 1.0], 1e-3, 0.5e-3)
    ctx.__exit__(None, None, None)


def test_role_configure_apply_measure_safe_off():
    ctx, role = _role([
        (":SOUR1:FUNC:MODE VOLT", None), (':SENS1:FUNC "CURR"', None),
        (":SENS1:CURR:RANG:AUTO 1", None), (":SENS1:CURR:NPLC 0.01", None),
        (":SENS1:CURR:PROT 1e-08", None), ("SYST:ERR?", '+0,"No error"'),
        (":SENS1:CURR:APER?", "+2.000000E-04"),
        (":SOUR1:VOLT 0.5", None), (":OUTP1 1", None),
        (":FORM ASC;:FORM:ELEM:SENS VOLT,CURR,STAT;:MEAS? (@1)",
         "+5.000000E-01,+1.000000E-08,+2.000000E+00"),
        (":ABOR (@1,2);:OUTP1 OFF;:OUTP2 OFF;:SOUR1:FUNC:SHAP DC;:SOUR1:VOLT 0;"
         ":SOUR2:FUNC:SHAP DC;:SOUR2:VOLT 0", None),
    ], aperture_s=None)
    role.configure(10e-9, nplc=0.01)
    assert role.aperture_s() == pytest.approx(2e-4)
    role.apply(0.5)
    assert role.measure() == (0.5, 1e-8, True)
    role.safe_off()
    ctx.__exit__(None, None, None)


def test_role_sweep_is_one_set_up_one_init_and_one_block():
    ctx, role = _role([
        (":SOUR1:FUNC:SHAP DC;:SOUR1:VOLT:MODE LIST;:SOUR1:LIST:VOLT 0,0.1,0.2;"
         ":TRIG1:SOUR TIM;:TRIG1:TIM 0.01;:TRIG1:COUN 3;:ARM1:COUN 1;:TRIG1:TRAN:DEL 0;"
         ":TRIG1:ACQ:DEL 0.0098;:FORM:ELEM:SENS CURR,STAT", None),
        ("SYST:ERR?", '+0,"No error"'),
        (":FORM REAL,32;:FORM:BORD SWAP;:INIT (@1);*WAI;:FETC:ARR? (@1)",
         block([[1e-12, 0.0], [2e-12, 0.0], [1e-8, 2.0]])),
    ])
    r = role.sweep([0.0, 0.1, 0.2], rate_v_per_s=10.0)
    assert np.array_equal(r.v, [0.0, 0.1, 0.2])
    assert np.allclose(r.t, [0.0, 0.01, 0.02])
    assert np.array_equal(r.in_compliance, [False, False, True])
    ctx.__exit__(None, None, None)


def test_role_pulse_train_is_one_pulsed_list_sweep():
    ctx, role = _role([
        (":SOUR1:FUNC:SHAP PULS;:SOUR1:VOLT 0.05;:SOUR1:PULS:DEL 0;:SOUR1:PULS:WIDT 0.001;"
         ":SOUR1:VOLT:MODE LIST;:SOUR1:LIST:VOLT 1,1.5;"
         ":TRIG1:SOUR TIM;:TRIG1:TIM 0.005;:TRIG1:COUN 2;:ARM1:COUN 1;:TRIG1:TRAN:DEL 0;"
         ":TRIG1:ACQ:DEL 0.0008;:FORM:ELEM:SENS CURR,STAT", None),
        ("SYST:ERR?", '-222,"Data out of range"'), ("SYST:ERR?", '+0,"No error"'),
    ])
    with pytest.raises(RuntimeError, match="refused the pulse train set-up"):
        role.pulse_train([1.0, 1.5], 1e-3, 5e-3, base_v=0.05)
    ctx.__exit__(None, None, None)
