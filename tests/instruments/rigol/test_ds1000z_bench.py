"""DS1000Z driver and emulator end to end through @labmem: the scope triggers on the AWG
output (it has no external trigger input), records what the pulse path does, reads deep
records in pages, and answers a raw PyVISA script written from the programming guide."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.instruments.rigol.ds1000z import RigolDS1000ZOscilloscope
from labmem.simulated_instruments.emulators.hp33120a import ARB_EDGE_S
from labmem.simulated_instruments.visa.traffic import count_traffic
from labmem.station import Station
from labmem.station_file import StationConfig

SCOPE = "TCPIP0::192.168.0.20::INSTR"
AWG = "GPIB0::10::INSTR"


@pytest.fixture(params=["ds1054z", "ds1104z"])
def lib(request, new_bench):
    return new_bench(setup="pulse", series_ohm=100e3, tia_gain_v_per_a=1e5,
                     device={"g_hrs_s": 1e-6},
                     instruments={"awg": {"model": "hp33120a", "resource": AWG},
                                  "scope": {"model": request.param, "resource": SCOPE}})


@pytest.fixture
def scope(lib):
    role = RigolDS1000ZOscilloscope(SCOPE, visa_library=lib)
    yield role
    role.safe_off()


def pulse(lib, level_v=0.5, start_s=1e-6, width_s=10e-6, total_s=25e-6):
    """The pulse path plays a pulse (an ideal step) with the sync edge at its start."""
    t = np.array([0.0, start_s, start_s, start_s + width_s, start_s + width_s, total_s])
    v = np.array([0.0, 0.0, level_v, level_v, 0.0, 0.0])
    pyvisa.ResourceManager(lib).visalib.bench.awg_drive(t, v, np.array([start_s]))


def capture(lib, scope, screens, points=10_000, level_v=0.5):
    scope.configure(screens, duration_s=20e-6, pre_trigger_s=2e-6, points=points)
    scope.single()
    pulse(lib, level_v)
    scope.wait(timeout_s=5)


def test_the_edge_is_at_the_trigger_and_the_plateau_within_one_lsb(lib, scope):
    capture(lib, scope, {1: (0.1, 0.2), 2: (0.02, 0.0)})
    tr = scope.fetch(1)
    dt = tr.metadata["sample_interval_s"]
    assert tr.v.size == 10_000 and dt == pytest.approx(2e-9)  # two channels: 500 MSa/s
    assert tr.t[0] == pytest.approx(-2e-6, abs=dt)
    assert tr.metadata["trigger_level_v"] == pytest.approx(0.05)  # half a division above 0 V
    edge = tr.t[np.argmax(tr.v > 0.25)]
    assert abs(edge) <= dt * (1 + 1e-9)  # the step crosses the level within a sample of zero
    lsb = 0.1 / 25
    plateau = tr.v[(tr.t > 0.1e-6) & (tr.t < 9.9e-6)]
    assert np.all(np.abs(plateau - 0.5) <= lsb)
    assert np.all(np.abs(tr.v[tr.t < -dt]) <= lsb) and not tr.over_range.any()
    tia = scope.fetch(2)  # the TIA output rises after the edge, bounded by gain × V/R
    assert tia.t[0] == tr.t[0]
    assert 0.01 < np.median(tia.v[(tia.t > 8e-6) & (tia.t < 10e-6)]) <= 0.5 + 1e-3


def test_a_signal_off_the_adc_range_is_flagged(lib, scope):
    capture(lib, scope, {1: (0.1, 0.0), 2: (0.001, 0.0)}, points=2000)
    tia = scope.fetch(2)
    inside = (tia.t > 2e-6) & (tia.t < 9.9e-6)
    assert tia.over_range[inside].all() and np.all(tia.v[inside] == tia.v[inside][0])
    assert not tia.over_range[tia.t < -0.1e-6].any()


def test_a_paged_deep_read_equals_the_record(lib, scope):
    """600 000 points over 20 µs need one channel at 1 GSa/s... so two channels take 2 ms:
    a 1.2 Mpts record read as five BYTE pages is the emulator's record, code for code."""
    scope.configure({1: (0.1, 0.2), 2: (0.02, 0.0)}, duration_s=1.2e-3, pre_trigger_s=2e-6,
                    points=600_000)
    scope.single()
    pulse(lib, total_s=1.3e-3)
    scope.wait(timeout_s=5)
    visalib = scope.driver.adapter.connection.visalib
    with count_traffic(visalib) as traffic:
        tr = scope.fetch(1)
    assert tr.v.size == 600_000
    assert traffic.transactions == 3 + 4 * 3  # source, preamble; per page STAR, STOP, DATA?
    assert traffic.bytes_in / tr.v.size < 1.001  # one byte per 8-bit sample
    emulator = visalib.bench.resources[SCOPE]
    start = round((tr.t[0] - float(emulator.waveform_xorigin())) / 2e-9)
    whole = emulator.codes()[start:start + tr.v.size]
    assert np.array_equal((whole - 127 + 50) * 4e-3, tr.v)


def test_the_raw_pyvisa_script_of_the_programming_guide(lib):
    rm = pyvisa.ResourceManager(lib)
    scope = rm.open_resource(SCOPE, read_termination="\n", write_termination="\n")
    assert scope.query("*IDN?").startswith("RIGOL TECHNOLOGIES,DS1")
    for command in ("*RST", "*CLS", ":CHAN1:DISP ON", ":CHAN1:SCAL 0.2", ":CHAN1:OFFS -0.4",
                    ":CHAN1:COUP DC", ":CHAN1:PROB 1", ":CHAN1:BWL OFF", ":CHAN2:DISP OFF",
                    ":TIM:MAIN:SCAL 2e-6", ":TIM:MAIN:OFFS 10e-6", ":ACQ:TYPE NORM",
                    ":ACQ:MDEP 1200000", ":TRIG:MODE EDGE", ":TRIG:EDG:SOUR CHAN1",
                    ":TRIG:EDG:LEV 0.25", ":TRIG:EDG:SLOP POS", ":TRIG:SWE NORM"):
        scope.write(command)
    assert scope.query(":SYST:ERR?") == '0,"No error"'
    assert scope.query(":CHAN1:SCAL?") == "2.000000e-01"
    assert float(scope.query(":ACQ:SRAT?")) == 1e9  # one channel on: the whole ADC
    assert scope.query(":ACQ:MDEP?") == "1200000"
    scope.write(":SING")
    assert scope.query(":TRIG:STAT?") == "WAIT"
    pulse(lib, start_s=3e-6)
    for _ in range(10):  # each query lets the bench record a while: TD until the record ends
        status = scope.query(":TRIG:STAT?")
        if status != "TD":
            break
    assert status == "STOP"
    scope.write(":WAV:SOUR CHAN1")
    scope.write(":WAV:MODE RAW")
    scope.write(":WAV:FORM BYTE")
    fields = scope.query(":WAV:PRE?").split(",")
    assert fields[:4] == ["0", "2", "1200000", "1"] and fields[8:] == ["-50", "127"]
    xinc, xorigin = float(fields[4]), float(fields[5])
    assert xinc == 1e-9 and xorigin == pytest.approx(-0.6e-3 + 10e-6)
    first = round(-xorigin / xinc) - 1000  # 1 µs before the trigger
    scope.write(f":WAV:STAR {first + 1}")
    scope.write(f":WAV:STOP {first + 250_000}")
    codes = scope.query_binary_values(":WAV:DATA?", datatype="B", container=np.array)
    v = (codes.astype(int) - int(fields[8]) - int(fields[9])) * float(fields[7])
    t = (first + np.arange(codes.size)) * xinc + xorigin
    assert t[np.argmax(v >= 0.25)] == pytest.approx(0, abs=1.001 * xinc)
    assert np.abs(np.median(v[(t > 1e-6) & (t < 9e-6)]) - 0.5) <= 0.2 / 25
    scope.write(f":WAV:STOP {first + 250_001}")  # one point more than a BYTE read sends
    assert scope.query_binary_values(":WAV:DATA?", datatype="B").__len__() == 0
    assert scope.query(":SYST:ERR?").startswith("-222,")
    scope.write(":WAV:MODE NORM")
    scope.write(":WAV:FORM ASC")
    scope.write(":WAV:STAR 1")
    scope.write(":WAV:STOP 1200")
    text = scope.query(":WAV:DATA?")
    assert text.startswith("#9") and int(text[2:11]) == len(text) - 11
    screen = np.array(text[11:].split(","), dtype=float)
    assert screen.size == 1200 and float(scope.query(":WAV:XINC?")) == pytest.approx(2e-8)
    scope.write(":RUN")
    scope.write(":WAV:MODE RAW")
    with pytest.raises(pyvisa.errors.VisaIOError):  # memory reads need the STOP state
        scope.query(":WAV:DATA?")
    assert scope.query(":SYST:ERR?").startswith("-221,")
    assert scope.query(":SYST:ERR?").startswith("-420,")  # the query left unanswered
    scope.write(":STOP")
    scope.write(":TRIG:EDG:SOUR EXT")  # the 4-channel models have no external input
    assert scope.query(":SYST:ERR?").startswith("-224,")
    scope.write(":ACQ:MDEP 24000000;:CHAN2:DISP ON")
    scope.write(":ACQ:MDEP 24000000")  # two channels on: 12 Mpts at most
    assert scope.query(":SYST:ERR?").startswith("-224,")
    scope.write(":CHAN1:FROB 1")
    assert scope.query(":SYST:ERR?").startswith("-113,")


def test_a_station_with_the_rigol_captures_a_burst_on_the_awg_output(lib):
    """The rigol_ds1000z driver in a station file; the pulse machinery's "AUX" trigger is a
    rising edge on CH1, where the 33120A's output crosses the sync level early in its edge."""
    text = (f'visa_library: "{lib}"\nroles:\n'
            f'  awg: {{driver: hp33120a, resource: "{AWG}"}}\n'
            f'  scope: {{driver: rigol_ds1000z, resource: "{SCOPE}"}}\n')
    station = Station(StationConfig.from_text(text))
    try:
        station.check_roles(["awg", "scope"])
        station.use_setup("pulse", series_ohm=1e6, tia_gain_v_per_a=1e5)
        scope, awg = station.scope, station.awg
        burst_s = awg.load([(1.0, 6e-6), (0.0, 4e-6)])
        scope.configure({1: (0.15, 0.5), 2: (0.015, 0.05)}, duration_s=1.02 * burst_s,
                        pre_trigger_s=0.01 * burst_s, points=2000, trigger_source="AUX")
        awg.enable()
        scope.single()
        awg.trigger()
        scope.wait()
        tr = scope.fetch(1)
        dt = tr.t[1] - tr.t[0]
        level = tr.metadata["trigger_level_v"]
        # Time zero is where the edge crosses the level, level/1 V into the 40 ns edge.
        assert tr.t[np.argmax(tr.v > 0.5)] == pytest.approx((0.5 - level) * ARB_EDGE_S,
                                                            abs=dt)
        assert np.all(np.abs(tr.v[(tr.t > 0.1e-6) & (tr.t < 5.9e-6)] - 1.0) <= 0.15 / 25)
    finally:
        station.safe_off()
