"""33522B emulator, driver and WaveformGenerator role end to end through @labmem with the
MSO9104A: the pulse edge within one sample of the trigger, the plateau of a known resistance
within one scope LSB, one binary transfer per arb, bursts, sequence playback and the 1 M-point
memory limit."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.instruments.keysight.k33500b import K33500B, K33500BWaveformGenerator
from labmem.instruments.keysight.mso9104a import MSO9104AOscilloscope
from labmem.simulated_instruments.visa.traffic import count_traffic

AWG = "TCPIP0::192.168.0.10::inst0::INSTR"
SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
SERIES_OHM, G_HRS_S, GAIN = 100e3, 1e-6, 1e5


@pytest.fixture
def lib(new_bench):
    return new_bench(setup="pulse", series_ohm=SERIES_OHM, tia_gain_v_per_a=GAIN,
                     device={"g_hrs_s": G_HRS_S},
                     instruments={"awg": {"model": "33522b", "resource": AWG},
                                  "scope": {"model": "mso9104a", "resource": SCOPE}})


@pytest.fixture
def bench(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


@pytest.fixture
def awg(lib):
    role = K33500BWaveformGenerator(AWG, visa_library=lib)
    yield role
    role.safe_off()


@pytest.fixture
def scope(lib):
    role = MSO9104AOscilloscope(SCOPE, visa_library=lib)
    yield role
    role.safe_off()


@pytest.fixture
def raw(lib):
    res = pyvisa.ResourceManager(lib).open_resource(AWG, read_termination="\n",
                                                   write_termination="\n")
    yield res
    res.close()


def capture(awg, scope, scale_v: float, duration_s: float, points: int):
    scope.configure({1: (scale_v, 0.0), 2: (0.01, 0.0)}, duration_s=duration_s,
                    pre_trigger_s=duration_s / 10, points=points, trigger_source="AUX",
                    trigger_level_v=1.0)
    scope.single()
    awg.trigger()
    scope.wait(timeout_s=5)
    return scope.fetch(1), scope.fetch(2)


def test_pulse_edge_is_within_one_sample_of_the_trigger(awg, scope):
    awg.load([(0.0, 100e-9), (0.8, 500e-9), (0.0, 100e-9)])
    sample_s = 1 / awg.plan["sample_rate"]
    assert sample_s == pytest.approx(50e-9)
    awg.enable()
    out, _ = capture(awg, scope, 0.2, 1e-6, 5000)
    rise = out.t[np.argmax(out.v > 0.4)]
    fall = out.t[np.flatnonzero(out.v > 0.4)[-1]]
    assert abs(rise - 100e-9) <= sample_s
    assert abs(fall - 600e-9) <= sample_s


def test_plateau_of_a_known_resistance_within_one_lsb(awg, scope):
    # 0.2 V is far below switching: the device is its HRS conductance in series with 100 kΩ.
    awg.load([(0.0, 1e-6), (0.2, 20e-6), (0.0, 1e-6)])
    awg.enable()
    out, tia = capture(awg, scope, 0.05, 25e-6, 5000)
    plateau = (out.t > 15e-6) & (out.t < 20e-6)
    lsb_out, lsb_tia = 8 * 0.05 / 256, 8 * 0.01 / 256
    assert abs(np.median(out.v[plateau]) - 0.2) <= lsb_out
    expected = GAIN * 0.2 / (SERIES_OHM + 1 / G_HRS_S)
    assert abs(np.median(tia.v[plateau]) - expected) <= lsb_tia


def test_arb_goes_down_as_one_binary_block_of_two_bytes_per_point(lib, bench):
    driver = K33500B(AWG, visa_library=lib)
    codes = np.round(32767 * np.sin(np.linspace(0, 2 * np.pi, 100_000))).astype(int)
    with count_traffic(pyvisa.ResourceManager(lib).visalib) as traffic:
        driver.ch_1.download_dac("SINE", codes)
    assert traffic.writes == 1
    overhead = len(b"FORM:BORD SWAP;:SOUR1:DATA:ARB:DAC SINE,#6200000\n")
    assert traffic.bytes_out - overhead == 2 * codes.size
    assert np.allclose(bench.instruments["awg"].ch[1].arbs["SINE"] * 32767, codes)


def test_load_is_five_transactions_and_refuses_nothing(lib, awg):
    with count_traffic(pyvisa.ResourceManager(lib).visalib) as traffic:
        awg.load([(0.0, 1e-6)] + [(1.2, 2e-6), (0.0, 8e-6)] * 3)
    assert (traffic.writes, traffic.reads) == (4, 1)
    assert awg.driver.check_errors() == []


def test_burst_of_three_cycles_plays_three_times_and_drives_the_device(awg, bench):
    burst_s = awg.load([(0.0, 1e-6), (1.2, 2e-6), (0.0, 7e-6)], bursts=3)
    assert burst_s == pytest.approx(30e-6)
    emu = bench.instruments["awg"]
    assert np.all(emu.idle_output(bench.now, 1e-3)[1] == 0), "output off until enabled"
    awg.enable()
    t, v, sync = emu._burst(emu.ch[1])
    high = np.flatnonzero(np.diff((v > 0.6).astype(int)) == 1)
    assert np.allclose(t[high + 1], [1e-6, 11e-6, 21e-6], atol=20e-9)
    t0, bridge0 = bench.now, bench.device.state.bridge_g0
    awg.trigger()
    assert bench.now - t0 == pytest.approx(burst_s, abs=50e-9)
    assert bench.device.state.bridge_g0 > bridge0, "1.2 V pulses grow the filament"
    assert sync.tolist() == [0.0]


def test_sequence_waits_for_the_bus_trigger_then_plays_its_pulse(raw, bench):
    # The sequence of the guide's example: idle segment repeated until a trigger, the pulse
    # once (marker high at its start), then an idle segment for ever.
    emu = bench.instruments["awg"]
    raw.write("*RST;:SOUR1:DATA:VOL:CLE;:FORM:BORD NORM")
    raw.write_raw(b"SOUR1:DATA:ARB:DAC ZERO,#216" + bytes(16) + b"\n")
    raw.write("SOUR1:DATA:ARB:DAC PULSE,0,0,32767,32767,32767,32767,0,0")
    desc = ('"SEQA","ZERO",1,repeatTilTrig,maintain,4,"PULSE",1,once,highAtStart,4,'
            '"ZERO",1,repeatInf,maintain,4')
    raw.write(f"SOUR1:DATA:SEQ #3{len(desc):03d}{desc}")
    raw.write("SOUR1:FUNC:ARB SEQA;:SOUR1:FUNC ARB;:SOUR1:FUNC:ARB:SRAT 1e6;"
              ":SOUR1:FUNC:ARB:FILT STEP;:OUTP1:LOAD INF;:SOUR1:VOLT 1;:TRIG1:SOUR BUS;:OUTP1 ON")
    assert raw.query("SYST:ERR?") == '+0,"No error"'
    _, v, sync = emu.idle_output(bench.now, 1e-3)
    assert np.all(v == 0) and sync.size == 0, "waits for the trigger"
    bench.advance(3.5e-6)  # mid-repetition: the pulse follows this one's end, 8 µs after start
    raw.write("*TRG")
    t, v, sync = emu.idle_output(bench.now, 30e-6)
    assert sync.tolist() == pytest.approx([4.5e-6])
    high = t[v > 0.4]
    assert high.min() == pytest.approx(4.5e-6 + 2e-6, abs=10e-9)
    assert high.max() == pytest.approx(4.5e-6 + 6e-6, abs=10e-9)
    assert np.all(v[t > 11e-6] == 0), "then idles for ever"
    raw.write("*TRG")  # repeatInf does not answer to triggers
    assert raw.query("SYST:ERR?") == '-211,"Trigger ignored"'


def test_one_more_point_than_memory_is_refused(lib, raw, bench, awg):
    with pytest.raises(ValueError, match="1048576"):
        K33500B(AWG, visa_library=lib).ch_1.download_dac("BIG", np.zeros(1_048_577, int))
    block = np.zeros(1_048_577, dtype=">i2").tobytes()
    raw.write_raw(b"SOUR1:DATA:ARB:DAC BIG,#72097154" + block + b"\n")
    assert raw.query("SYST:ERR?") == '-223,"Too much data"'
    assert bench.instruments["awg"].ch[1].arbs == {}, "nothing stored"
    raw.write_raw(b"SOUR1:DATA:ARB:DAC BIG,#72097152" + block[:-2] + b"\n")
    assert raw.query("SYST:ERR?") == '+0,"No error"'
    raw.write("SOUR1:DATA:ARB:DAC MORE,0,0,0,0,0,0,0,0")  # the memory is full
    assert raw.query("SYST:ERR?") == '-223,"Too much data"'
    with pytest.raises(ValueError, match="holds 1048576 per channel"):
        awg.load([(0.0, 1e-6), (1.0, 1.048576)])


def test_channel_2_plays_in_time_but_is_not_wired(raw, bench):
    emu = bench.instruments["awg"]
    raw.write("*RST;:SOUR2:FUNC SQU;:SOUR2:FREQ 100e3;:SOUR2:BURS:NCYC 5;:SOUR2:BURS:STAT ON;"
              ":TRIG2:SOUR BUS;:OUTP2 ON")
    t0 = bench.now
    raw.write("*TRG")
    assert bench.now - t0 == pytest.approx(50e-6, abs=50e-9)
    assert np.all(emu.idle_output(bench.now, 1e-4)[1] == 0), "channel 1 is off"
    assert raw.query("SOUR2:FUNC?;:OUTP2?") == "SQU;1"
    assert raw.query("SYST:ERR?") == '+0,"No error"'


def test_safe_off_opens_the_relay_at_dc_0v(awg, raw, bench):
    awg.load([(0.0, 1e-6), (1.0, 5e-6), (0.0, 1e-6)])
    awg.enable()
    assert raw.query("OUTP1?") == "1"
    awg.safe_off()
    assert raw.query("OUTP1?;:SOUR1:FUNC?;:SOUR1:BURS:STAT?") == "0;DC;0"
    _, v, sync = bench.instruments["awg"].idle_output(bench.now, 1e-3)
    assert np.all(v == 0) and sync.size == 0
