"""InfiniiVision driver against transcripts written from the InfiniiVision 3000T X-Series
programmer's guide."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keysight.infiniivision import (
    InfiniiVision,
    InfiniiVisionOscilloscope,
    over_range,
    plan_record,
)

PREAMBLE = ("+0,+0,+4,+1,+2.000000E-09,-2.000000E-06,+0,+6.250000E-03,+1.000000E-01,+128")


@pytest.mark.parametrize("prop, command, setting, value, reply", [
    ("timebase_mode", ":TIMebase:MODE", "MAIN", "main", "MAIN"),
    ("timebase_range", ":TIMebase:RANGe", "2e-05", 2e-5, "+2.00000E-05"),
    ("timebase_position", ":TIMebase:POSition", "-1e-06", -1e-6, "-1.00000E-06"),
    ("timebase_reference", ":TIMebase:REFerence", "LEFT", "left", "LEFT"),
    ("acquisition_type", ":ACQuire:TYPE", "NORM", "normal", "NORM"),
    ("trigger_mode", ":TRIGger:MODE", "EDGE", "edge", "EDGE"),
    ("trigger_source", ":TRIGger:EDGE:SOURce", "EXT", "EXT", "EXT"),
    ("trigger_slope", ":TRIGger:EDGE:SLOPe", "NEG", "negative", "NEG"),
    ("trigger_level", ":TRIGger:EDGE:LEVel", "0.5", 0.5, "+5.00000E-01"),
    ("trigger_sweep", ":TRIGger:SWEep", "NORM", "normal", "NORM"),
    ("waveform_format", ":WAVeform:FORMat", "BYTE", "byte", "BYTE"),
    ("waveform_unsigned", ":WAVeform:UNSigned", "1", True, "1"),
    ("waveform_points_mode", ":WAVeform:POINts:MODE", "RAW", "raw", "RAW"),
    ("waveform_points", ":WAVeform:POINts", "20000", 20000, "20000"),
])
def test_instrument_controls(prop, command, setting, value, reply):
    with expected_protocol(InfiniiVision, [(f"{command} {setting}", None),
                                           (f"{command}?", reply)]) as inst:
        setattr(inst, prop, value)
        got = getattr(inst, prop)
        assert got == pytest.approx(value) if isinstance(value, float) else got == value


HEADERS = {"display": "DISPlay", "scale": "SCALe", "offset": "OFFSet",
           "impedance": "IMPedance", "probe": "PROBe", "coupling": "COUPling"}


@pytest.mark.parametrize("prop, setting, value, reply", [
    ("display", "1", True, "1"), ("scale", "0.02", 0.02, "+2.00000E-02"),
    ("offset", "-0.1", -0.1, "-1.00000E-01"), ("impedance", "FIFT", "fifty", "FIFT"),
    ("probe", "1", 1.0, "+1.00000E+00"), ("coupling", "DC", "dc", "DC"),
])
def test_channel_controls(prop, setting, value, reply):
    command = ":CHANnel3:" + HEADERS[prop]
    with expected_protocol(InfiniiVision, [(f"{command} {setting}", None),
                                           (f"{command}?", reply)]) as inst:
        setattr(inst.ch_3, prop, value)
        assert getattr(inst.ch_3, prop) == value


@pytest.mark.parametrize("prop, value", [
    ("waveform_points", 12345), ("trigger_source", 5), ("waveform_format", "float"),
    ("timebase_range", 1e-9), ("trigger_sweep", "single"),
])
def test_validators_refuse_before_sending(prop, value):
    with expected_protocol(InfiniiVision, []) as inst, pytest.raises(ValueError):
        setattr(inst, prop, value)


def test_run_control_events_and_trigger_levels():
    with expected_protocol(InfiniiVision, [
        (":SINGle", None), (":RUN", None), (":STOP", None), (":TER?", "+1"),
        (":OPERegister:CONDition?", "+40"), (":TRIGger:EDGE:LEVel 0.5,EXTernal", None),
        (":TRIGger:EDGE:LEVel 0.3,CHANnel2", None), (":ACQuire:SRATe?", "+2.50000E+09"),
        (":ACQuire:POINts?", "50000"),
    ]) as inst:
        inst.single()
        inst.run()
        inst.stop()
        assert inst.triggered is True
        assert inst.operation_condition == 40  # Run and Wait Trig
        inst.channel_trigger_level("EXT", 0.5)
        inst.channel_trigger_level(2, 0.3)
        assert inst.acquisition_sample_rate == pytest.approx(2.5e9)
        assert inst.acquisition_points == 50000


def test_preamble_and_a_byte_block_make_a_trace():
    codes = np.array([0, 128, 200, 255], dtype=np.uint8)
    with expected_protocol(InfiniiVision, [
        (":WAVeform:SOURce CHANnel2", None), (":WAVeform:PREamble?", PREAMBLE),
    ], connection_methods={"query_binary_values": codes}) as inst:
        role = InfiniiVisionOscilloscope.__new__(InfiniiVisionOscilloscope)
        role.driver, role._trigger = inst, {}
        trace = role.fetch(2)
        inst.adapter.connection.query_binary_values.assert_called_once_with(
            ":WAVeform:DATA?", datatype="B", container=np.ndarray, chunk_size=4 + 11)
    assert np.allclose(trace.v, (codes.astype(float) - 128) * 6.25e-3 + 0.1)
    assert np.allclose(trace.t, -2e-6 + 2e-9 * np.arange(4))
    assert trace.metadata["scale_v_per_div"] == pytest.approx(0.2)
    assert trace.over_range.tolist() == [True, False, False, True]
    assert over_range(np.array([1, 254])).tolist() == [False, False]


@pytest.mark.parametrize("duration, points, interleaved, rate, raw, transfer", [
    (20e-6, 10_000, False, 2.5e9, 50_000, 10_000),
    (20e-6, 10_000, True, 5e9, 100_000, 10_000),
    (1e-3, 10_300, False, 2e9, 2_000_000, 20_000),
    (1.0, None, False, 2e6, 2_000_000, 10_000),
    (1e-6, None, False, 2.5e9, 2500, 5000),
])
def test_plan_record(duration, points, interleaved, rate, raw, transfer):
    got = plan_record(duration, points, interleaved)
    assert got[0] == pytest.approx(rate) and got[1:] == (raw, transfer)


@pytest.mark.parametrize("duration, points, match", [
    (0.0, None, "duration_s"), (1e-6, 5000, "at most 2500 points"),
    (1e-3, 3_000_000, "at most 2000000 points"), (1e-3, 50, "points"),
])
def test_plan_record_refuses_saying_what_fits(duration, points, match):
    with pytest.raises(ValueError, match=match):
        plan_record(duration, points)


def test_configure_refuses_before_sending():
    with expected_protocol(InfiniiVision, []) as inst:
        role = InfiniiVisionOscilloscope.__new__(InfiniiVisionOscilloscope)
        role.driver, role._trigger = inst, {}
        with pytest.raises(ValueError, match="scale"):
            role.configure({1: (10.0, 0.0)}, 1e-5)
        with pytest.raises(ValueError, match="offset must be within ±2 V"):
            role.configure({1: (0.1, 3.0)}, 1e-5)
        with pytest.raises(ValueError, match="trigger_level_v"):
            role.configure({1: (0.1, 0.0)}, 1e-5, trigger_source="CH1", trigger_level_v=1.0)
        with pytest.raises(ValueError, match="not among the channels"):
            role.configure({1: (0.1, 0.0)}, 1e-5, trigger_source="CH2")
