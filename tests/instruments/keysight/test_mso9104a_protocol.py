"""MSO9104A driver against transcripts written from the Infiniium 9000 programmer's guide."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keysight.mso9104a import MSO9104A, plan_record

PREAMBLE = ("2,1,10000,1,+4.000000E-09,-4.000000E-06,0,+6.103516E-05,+0.000000E+00,0,1,"
            "+4.000000E-05,-4.000000E-06,+4.000000E+00,-2.000000E+00,\"22 NOV 2026\","
            "\"10:15:42:00\",\"MSO9104A:MY12345678\",0,100,2,1,+1.000000E+09,+0.000000E+00")


@pytest.mark.parametrize("prop, command, value, reply", [
    ("header_enabled", ":SYSTem:HEADer", False, "0"),
    ("timebase_scale", ":TIMebase:SCALe", 1e-6, "+1.000000E-06"),
    ("timebase_range", ":TIMebase:RANGe", 4e-5, "+4.000000E-05"),
    ("timebase_position", ":TIMebase:POSition", -2e-6, "-2.000000E-06"),
    ("timebase_reference", ":TIMebase:REFerence", "left", "LEFT"),
    ("acquisition_points", ":ACQuire:POINts:ANALog", 10000, "10000"),
    ("acquisition_sample_rate", ":ACQuire:SRATe:ANALog", 2.5e8, "+2.500000E+08"),
    ("acquisition_mode", ":ACQuire:MODE", "real_time", "RTIM"),
    ("trigger_mode", ":TRIGger:MODE", "edge", "EDGE"),
    ("trigger_slope", ":TRIGger:EDGE:SLOPe", "negative", "NEG"),
    ("trigger_sweep", ":TRIGger:SWEep", "triggered", "TRIG"),
    ("waveform_format", ":WAVeform:FORMat", "word", "WORD"),
    ("waveform_byteorder", ":WAVeform:BYTeorder", "little", "LSBF"),
    ("waveform_streaming", ":WAVeform:STReaming", False, "0"),
])
def test_instrument_controls(prop, command, value, reply):
    sent = {False: "0", True: "1"}.get(value) if isinstance(value, bool) else None
    setting = {"left": "LEFT", "real_time": "RTIM", "edge": "EDGE", "negative": "NEG",
               "triggered": "TRIG", "word": "WORD", "little": "LSBF"}.get(value, sent)
    if setting is None:
        setting = f"{value:g}" if isinstance(value, float) else str(value)
    with expected_protocol(MSO9104A, [(f"{command} {setting}", None),
                                      (f"{command}?", reply)]) as inst:
        setattr(inst, prop, value)
        assert getattr(inst, prop) == pytest.approx(value) if isinstance(value, float) \
            else getattr(inst, prop) == value


def test_trigger_source_aux_and_channel():
    with expected_protocol(MSO9104A, [(":TRIGger:EDGE:SOURce AUX", None),
                                      (":TRIGger:EDGE:SOURce CHAN2", None),
                                      (":TRIGger:EDGE:SOURce?", "CHAN2"),
                                      (":TRIGger:LEVel AUX,0.5", None),
                                      (":TRIGger:LEVel? AUX", "+5.000000E-01")]) as inst:
        inst.trigger_source = "AUX"
        inst.trigger_source = 2
        assert inst.trigger_source == 2
        inst.aux_trigger_level = 0.5
        assert inst.aux_trigger_level == pytest.approx(0.5)


@pytest.mark.parametrize("prop, command, value, reply", [
    ("display", ":CHANnel3:DISPlay", True, "1"),
    ("scale", ":CHANnel3:SCALe", 0.02, "+2.000000E-02"),
    ("range", ":CHANnel3:RANGe", 0.16, "+1.600000E-01"),
    ("offset", ":CHANnel3:OFFSet", -0.1, "-1.000000E-01"),
    ("trigger_level", None, 0.3, "+3.000000E-01"),
])
def test_channel_controls(prop, command, value, reply):
    if command is None:
        pairs = [(":TRIGger:LEVel CHANnel3,0.3", None), (":TRIGger:LEVel? CHANnel3", reply)]
    else:
        setting = "1" if value is True else f"{value:g}"
        pairs = [(f"{command} {setting}", None), (f"{command}?", reply)]
    with expected_protocol(MSO9104A, pairs) as inst:
        setattr(inst.ch_3, prop, value)
        assert getattr(inst.ch_3, prop) == pytest.approx(value)


def test_channel_input_impedance():
    with expected_protocol(MSO9104A, [(":CHANnel1:INPut DC50", None),
                                      (":CHANnel1:INPut?", "DC50")]) as inst:
        inst.ch_1.input = "dc50"
        assert inst.ch_1.input == "dc50"


@pytest.mark.parametrize("prop, value", [
    ("timebase_scale", 30.0), ("timebase_scale", 1e-12), ("acquisition_points", 10_000_001),
    ("acquisition_points", 8), ("acquisition_sample_rate", 20e9),
    ("aux_trigger_level", 6.0), ("trigger_source", 5), ("trigger_slope", "either"),
    ("waveform_format", "float"), ("waveform_source", 0), ("acquisition_mode", "segmented"),
])
def test_validators_refuse_before_sending(prop, value):
    with expected_protocol(MSO9104A, []) as inst, pytest.raises(ValueError):
        setattr(inst, prop, value)


@pytest.mark.parametrize("prop, value", [
    ("scale", 6.0), ("scale", 5e-4), ("offset", 50.0), ("input", "gnd"),
    ("trigger_level", 41.0), ("range", 100.0),
])
def test_channel_validators_refuse(prop, value):
    with expected_protocol(MSO9104A, []) as inst, pytest.raises(ValueError):
        setattr(inst.ch_1, prop, value)


def test_run_control_and_events():
    with expected_protocol(MSO9104A, [
        (":SINGle", None), (":RUN", None), (":STOP", None),
        (":DIGitize CHANnel1,CHANnel2", None), (":DIGitize", None),
        (":ADER?", "1"), (":PDER?", "0"), (":TER?", "+1"), (":RSTate?", "STOP"),
    ]) as inst:
        inst.single()
        inst.run()
        inst.stop()
        inst.digitize(1, 2)
        inst.digitize()
        assert inst.acquisition_done is True
        assert inst.processing_done is False
        assert inst.triggered is True
        assert inst.run_state == "STOP"


def test_digitize_refuses_unknown_channel():
    with expected_protocol(MSO9104A, []) as inst, pytest.raises(ValueError):
        inst.digitize(5)


def test_waveform_queries_and_preamble():
    with expected_protocol(MSO9104A, [
        (":WAVeform:SOURce CHANnel2", None), (":WAVeform:SOURce?", "CHAN2"),
        (":WAVeform:POINts?", "10000"), (":WAVeform:XINCrement?", "+4.000000E-09"),
        (":WAVeform:XORigin?", "-4.000000E-06"), (":WAVeform:YINCrement?", "+6.103516E-05"),
        (":WAVeform:YORigin?", "+0.000000E+00"), (":WAVeform:PREamble?", PREAMBLE),
    ]) as inst:
        inst.waveform_source = 2
        assert inst.waveform_source == 2
        assert inst.waveform_points == 10000
        assert inst.x_increment == pytest.approx(4e-9)
        assert inst.x_origin == pytest.approx(-4e-6)
        assert inst.y_increment == pytest.approx(6.103516e-5)
        assert inst.y_origin == 0
        pre = inst.waveform_preamble
    assert pre["format"] == 2 and pre["points"] == 10000 and pre["coupling"] == 1
    assert pre["x_increment"] == pytest.approx(4e-9)
    assert pre["y_display_range"] == pytest.approx(4.0)
    assert pre["frame_model"] == "MSO9104A:MY12345678"


def test_next_error_asks_for_the_string_form():
    with expected_protocol(MSO9104A, [(":SYSTem:ERRor? STRing", '-113,"Undefined header"'),
                                      (":SYSTem:ERRor? STRing", '0,"No error"')]) as inst:
        assert inst.next_error == [-113, "Undefined header"]
        assert inst.next_error == [0, "No error"]


def test_read_waveform_uses_a_binary_word_block():
    codes = np.array([-256, 0, 256, 512], dtype=np.int16)
    pre = PREAMBLE.replace("10000", "4", 1)
    with expected_protocol(MSO9104A, [
        (":WAVeform:SOURce CHANnel1", None), (":WAVeform:FORMat WORD", None),
        (":WAVeform:BYTeorder LSBF", None), (":WAVeform:STReaming 0", None),
        (":WAVeform:PREamble?", pre),
    ], connection_methods={"query_binary_values": codes}) as inst:
        t, v, meta = inst.read_waveform(1)
        inst.adapter.connection.query_binary_values.assert_called_once_with(
            ":WAVeform:DATA?", datatype="h", is_big_endian=False, container=np.ndarray)
    assert np.allclose(t, -4e-6 + 4e-9 * np.arange(4))
    assert np.allclose(v, codes * 6.103516e-5)
    assert meta["points"] == 4


def test_read_waveform_in_bytes_checks_the_length():
    pre = PREAMBLE.replace("10000", "4", 1).replace("2,", "1,", 1)
    with expected_protocol(MSO9104A, [
        (":WAVeform:SOURce CHANnel1", None), (":WAVeform:FORMat BYTE", None),
        (":WAVeform:BYTeorder LSBF", None), (":WAVeform:STReaming 0", None),
        (":WAVeform:PREamble?", pre),
    ], connection_methods={"query_binary_values": np.zeros(3, np.int8)}) as inst, \
            pytest.raises(ValueError, match="4 points"):
        inst.read_waveform(1, word=False)


def test_wait_for_completion_sets_and_restores_the_timeout():
    with expected_protocol(MSO9104A, [("*OPC?", "1")],
                           connection_attributes={"timeout": 10_000}) as inst:
        assert inst.wait_for_completion(2.5) is True
        assert inst.adapter.connection.timeout == 10_000


@pytest.mark.parametrize("duration, points, rate, n", [
    (40e-6, None, 2.5e8, 10_000), (1e-3, None, 1e7, 10_000), (10e-6, 1000, 1e8, 1000),
    (10e-6, 3000, 4e8, 4000),
])
def test_plan_record(duration, points, rate, n):
    assert plan_record(duration, points) == (pytest.approx(rate), n)


@pytest.mark.parametrize("duration, points, match", [
    (0.0, None, "duration_s"), (1e-6, 20_000, "points"), (3.0, 9_000_000, "memory"),
    (1e-3, 20_000_000, "points"), (1e-3, 2.5, "points"),
])
def test_plan_record_refuses(duration, points, match):
    with pytest.raises(ValueError, match=match):
        plan_record(duration, points)


@pytest.mark.parametrize("prop, value, sent, reply", [
    ("acquisition_bandwidth", "MAX", ":ACQuire:BANDwidth MAX", "+1.000000E+09"),
    ("acquisition_bandwidth", 2e7, ":ACQuire:BANDwidth 2e+07", "+2.000000E+07"),
    ("acquisition_averaging", True, ":ACQuire:AVERage 1", "1"),
    ("acquisition_average_count", 64, ":ACQuire:AVERage:COUNt 64", "64"),
    ("acquisition_interpolation", "int4", ":ACQuire:INTerpolate INT4", "INT4"),
    ("acquisition_interpolation", "off", ":ACQuire:INTerpolate 0", "0"),
])
def test_acquisition_filter_and_average_controls(prop, value, sent, reply):
    command = sent.split(" ")[0]
    with expected_protocol(MSO9104A, [(sent, None), (f"{command}?", reply)]) as inst:
        setattr(inst, prop, value)
        got = getattr(inst, prop)
        if prop == "acquisition_bandwidth":
            assert got == pytest.approx(1e9 if value == "MAX" else value)
        else:
            assert got == value


@pytest.mark.parametrize("prop, value", [
    ("acquisition_bandwidth", 2e9), ("acquisition_bandwidth", "AUTO"),
    ("acquisition_average_count", 1), ("acquisition_interpolation", "int3"),
])
def test_acquisition_controls_refuse_what_the_scope_does_not_have(prop, value):
    with expected_protocol(MSO9104A, []) as inst, pytest.raises(ValueError):
        setattr(inst, prop, value)
