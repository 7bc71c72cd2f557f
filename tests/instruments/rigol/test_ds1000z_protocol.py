"""DS1000Z driver against transcripts written from the Rigol DS1000Z programming guide."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.rigol.ds1000z import (
    DS1000Z,
    RigolDS1000ZOscilloscope,
    over_range,
    plan_record,
)

PREAMBLE = "0,2,4,1,1.000000e-07,-1.000000e-06,0,4.000000e-03,-25,127"


def role_on(inst: DS1000Z, **options) -> RigolDS1000ZOscilloscope:
    role = RigolDS1000ZOscilloscope.__new__(RigolDS1000ZOscilloscope)
    role.driver, role._trigger, role._window = inst, {}, None
    role.sync_channel, role.sync_level_v = options.get("sync_channel", 1), None
    return role


@pytest.mark.parametrize("prop, command, setting, value, reply", [
    ("timebase_scale", ":TIMebase:MAIN:SCALe", "0.0005", 5e-4, "5.000000e-04"),
    ("timebase_offset", ":TIMebase:MAIN:OFFSet", "-1e-06", -1e-6, "-1.000000e-06"),
    ("acquisition_type", ":ACQuire:TYPE", "NORM", "normal", "NORM"),
    ("memory_depth", ":ACQuire:MDEPth", "60000", 60000, "60000"),
    ("memory_depth", ":ACQuire:MDEPth", "AUTO", "AUTO", "AUTO"),
    ("trigger_mode", ":TRIGger:MODE", "EDGE", "edge", "EDGE"),
    ("trigger_source", ":TRIGger:EDGe:SOURce", "CHANnel2", 2, "CHAN2"),
    ("trigger_slope", ":TRIGger:EDGe:SLOPe", "NEG", "negative", "NEG"),
    ("trigger_level", ":TRIGger:EDGe:LEVel", "0.25", 0.25, "2.500000e-01"),
    ("trigger_sweep", ":TRIGger:SWEep", "SING", "single", "SING"),
    ("waveform_source", ":WAVeform:SOURce", "CHANnel3", 3, "CHAN3"),
    ("waveform_mode", ":WAVeform:MODE", "RAW", "raw", "RAW"),
    ("waveform_format", ":WAVeform:FORMat", "BYTE", "byte", "BYTE"),
    ("waveform_start", ":WAVeform:STARt", "250001", 250001, "250001"),
    ("waveform_stop", ":WAVeform:STOP", "500000", 500000, "500000"),
])
def test_instrument_controls(prop, command, setting, value, reply):
    with expected_protocol(DS1000Z, [(f"{command} {setting}", None),
                                     (f"{command}?", reply)]) as inst:
        setattr(inst, prop, value)
        got = getattr(inst, prop)
        assert got == pytest.approx(value) if isinstance(value, float) else got == value


@pytest.mark.parametrize("prop, setting, value, reply", [
    ("display", "1", True, "1"), ("scale", "0.02", 0.02, "2.000000e-02"),
    ("offset", "-0.1", -0.1, "-1.000000e-01"), ("probe", "10", 10, "1.000000e+01"),
    ("coupling", "DC", "dc", "DC"), ("vernier", "1", True, "1"),
    ("bandwidth_limit", "20M", True, "20M"),
])
def test_channel_controls(prop, setting, value, reply):
    header = {"display": "DISPlay", "scale": "SCALe", "offset": "OFFSet", "probe": "PROBe",
              "coupling": "COUPling", "vernier": "VERNier", "bandwidth_limit": "BWLimit"}[prop]
    command = ":CHANnel4:" + header
    with expected_protocol(DS1000Z, [(f"{command} {setting}", None),
                                     (f"{command}?", reply)]) as inst:
        setattr(inst.ch_4, prop, value)
        assert getattr(inst.ch_4, prop) == value


@pytest.mark.parametrize("prop, value", [
    ("memory_depth", 50_000), ("trigger_source", 5), ("waveform_format", "float"),
    ("timebase_scale", 1e-9), ("waveform_mode", "screen"),
])
def test_validators_refuse_before_sending(prop, value):
    with expected_protocol(DS1000Z, []) as inst, pytest.raises(ValueError):
        setattr(inst, prop, value)


def test_run_control_and_status():
    with expected_protocol(DS1000Z, [
        (":SINGle", None), (":RUN", None), (":STOP", None), (":TRIGger:STATus?", "WAIT"),
        (":ACQuire:SRATe?", "5.000000e+08"),
    ]) as inst:
        inst.single()
        inst.run()
        inst.stop()
        assert inst.trigger_status == "WAIT"
        assert inst.sample_rate == pytest.approx(5e8)


def test_wait_polls_the_trigger_status_until_stop():
    with expected_protocol(DS1000Z, [(":TRIGger:STATus?", "WAIT"), (":TRIGger:STATus?", "TD"),
                                     (":TRIGger:STATus?", "STOP")]) as inst:
        role_on(inst).wait(timeout_s=5, poll_s=0)


def test_wait_gives_up_after_its_timeout():
    with expected_protocol(DS1000Z, [(":TRIGger:STATus?", "WAIT")]) as inst, \
            pytest.raises(TimeoutError, match="status WAIT"):
        role_on(inst).wait(timeout_s=0)


def test_preamble_and_a_byte_page_make_a_trace():
    codes = np.array([0, 102, 152, 255], dtype=np.uint8)
    with expected_protocol(DS1000Z, [
        (":WAVeform:SOURce CHANnel2", None), (":WAVeform:PREamble?", PREAMBLE),
        (":WAVeform:STARt 1", None), (":WAVeform:STOP 4", None),
    ], connection_methods={"query_binary_values": codes}) as inst:
        trace = role_on(inst).fetch(2)
        inst.adapter.connection.query_binary_values.assert_called_once_with(
            ":WAVeform:DATA?", datatype="B", container=np.ndarray, chunk_size=4 + 12)
    # V = (code - yorigin - yreference) * yincrement; offset -0.1 V: the centre shows +0.1 V
    assert np.allclose(trace.v, (codes.astype(float) + 25 - 127) * 4e-3)
    assert trace.v[1] == pytest.approx(0.0) and trace.metadata["offset_v"] == pytest.approx(0.1)
    assert np.allclose(trace.t, -1e-6 + 1e-7 * np.arange(4))
    assert trace.metadata["scale_v_per_div"] == pytest.approx(0.1)
    assert trace.over_range.tolist() == [True, False, False, True]
    assert over_range(np.array([1, 254])).tolist() == [False, False]


def test_a_deep_record_is_read_in_pages_of_250000_points():
    pages = [np.zeros(250_000, np.uint8), np.ones(250_000, np.uint8), np.full(100, 2, np.uint8)]
    with expected_protocol(DS1000Z, [
        (":WAVeform:SOURce CHANnel1", None),
        (":WAVeform:PREamble?", "0,2,600000,1,1.000000e-09,0.000000e+00,0,4.000000e-03,0,127"),
        (":WAVeform:STARt 1", None), (":WAVeform:STOP 250000", None),
        (":WAVeform:STARt 250001", None), (":WAVeform:STOP 500000", None),
        (":WAVeform:STARt 500001", None), (":WAVeform:STOP 500100", None),
    ], connection_methods={"query_binary_values": pages}) as inst:
        role = role_on(inst)
        role._window = (1, 500_100)  # the configured window, inside the 600 000-point record
        inst.adapter.connection.query_binary_values.side_effect = pages
        trace = role.fetch(1)
    assert trace.v.size == 500_100
    assert np.allclose(trace.v[[0, 250_000, 500_000]], (np.array([0, 1, 2]) - 127) * 4e-3)


@pytest.mark.parametrize("duration, points, channels, scale, depth, rate", [
    (4.41e-3, 44_064, 2, 5e-4, 60_000, 1e7),        # E6: 0.1 µs over the burst
    (4.4064e-3, 44_065, 2, 5e-4, 60_000, 1e7),      # the procedure's ceil of 4.4064 ms/0.1 µs
    (2.04, 20_400, 2, 0.2, 60_000, 25_000.0),        # E4: 100 µs over 2 s
    (20e-6, 10_000, 2, 2e-6, 60_000, 5e8),           # the rate caps: a 120 µs record
    (20e-6, 10_000, 1, 2e-6, 12_000, 5e8),
    (1.0, None, 4, 0.1, 30_000, 25_000.0),
])
def test_plan_record(duration, points, channels, scale, depth, rate):
    got = plan_record(duration, points, channels)
    assert got[0] == pytest.approx(scale) and got[1] == depth
    assert got[2] == pytest.approx(rate)


@pytest.mark.parametrize("duration, points, channels, match", [
    (0.0, None, 2, "duration_s"), (20e-6, 30_000, 1, "at most 20001 points"),
    (20e-6, 12_000, 4, "at most 5001 points"), (1e-3, 50, 2, "points must"),
    (700.0, None, 1, "longer than the screen"),
])
def test_plan_record_refuses_saying_what_fits(duration, points, channels, match):
    with pytest.raises(ValueError, match=match):
        plan_record(duration, points, channels)


def test_configure_sends_the_offset_with_rigols_sign_and_triggers_aux_on_the_sync_channel():
    expected = [(":STOP", None)]
    for ch in range(1, 5):
        expected.append((f":CHANnel{ch}:DISPlay {int(ch in (1, 2))}", None))
        if ch in (1, 2):
            scale, offset = {1: ("0.275", "-1"), 2: ("0.0275", "-0.1")}[ch]
            expected += [(f":CHANnel{ch}:PROBe 1", None), (f":CHANnel{ch}:COUPling DC", None),
                         (f":CHANnel{ch}:VERNier 1", None), (f":CHANnel{ch}:SCALe {scale}", None),
                         (f":CHANnel{ch}:OFFSet {offset}", None)]
    expected += [(":ACQuire:TYPE NORM", None), (":ACQuire:MDEPth 60000", None),
                 (":TIMebase:MAIN:SCALe 0.2", None), (":TIMebase:MAIN:OFFSet 1", None),
                 (":TRIGger:MODE EDGE", None), (":TRIGger:EDGe:SOURce CHANnel1", None),
                 (":TRIGger:EDGe:SLOPe POS", None), (":TRIGger:EDGe:LEVel 0.1375", None),
                 (":WAVeform:MODE RAW", None), (":WAVeform:FORMat BYTE", None),
                 ("SYST:ERR?", '0,"No error"')]
    with expected_protocol(DS1000Z, expected) as inst:
        role = role_on(inst)
        role.configure({1: (0.275, 1.0), 2: (0.0275, 0.1)}, duration_s=2.04,
                       pre_trigger_s=0.02, points=20_400, trigger_source="AUX")
    # 1 s delay at most: the 2.4 s record starts 0.2 s before the trigger, 0.18 s early
    assert role._window == (4501, 55_500)
    assert role._trigger == {"trigger_source": "AUX", "trigger_channel": 1,
                             "trigger_level_v": pytest.approx(0.1375), "pre_trigger_s": 0.02}


def test_configure_refuses_before_sending():
    with expected_protocol(DS1000Z, []) as inst:
        role = role_on(inst)
        with pytest.raises(ValueError, match="scale"):
            role.configure({1: (20.0, 0.0)}, 1e-5)
        with pytest.raises(ValueError, match="offset must be within ±2 V"):
            role.configure({1: (0.1, 3.0)}, 1e-5)
        with pytest.raises(ValueError, match="trigger level must be"):
            role.configure({1: (0.1, 0.0)}, 1e-5, trigger_source="CH1", trigger_level_v=1.0)
        with pytest.raises(ValueError, match="sync_channel 1, which is not among"):
            role.configure({2: (0.1, 0.0)}, 1e-5)
        with pytest.raises(ValueError, match="pre_trigger_s"):
            role.configure({1: (0.1, 0.0)}, 1e-5, pre_trigger_s=2e-5)
    with pytest.raises(ValueError, match="sync_channel must be 1-4"):
        RigolDS1000ZOscilloscope("TCPIP::x::INSTR", sync_channel=5)
