"""Keysight 81160A emulator, driver and WaveformGenerator role end to end through @labmem with
the MSO9104A: the arb burst starts on the trigger-out edge, plateaus are exact to one DAC LSB,
the pulse function's programmed transition is the 10–90 % time on the scope, double pulses,
and what the generator cannot make is refused (role ValueError, instrument error queue)."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.instruments.keysight.k81160a import K81160A, K81160AWaveformGenerator
from labmem.instruments.keysight.mso9104a import MSO9104AOscilloscope
from labmem.simulated_instruments.visa.traffic import count_traffic

AWG = "GPIB0::10::INSTR"
SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"


@pytest.fixture
def lib(new_bench):
    return new_bench(setup="pulse", series_ohm=100e3, device={"g_hrs_s": 1e-6},
                     instruments={"awg": {"model": "81160a", "resource": AWG},
                                  "scope": {"model": "mso9104a", "resource": SCOPE}})


@pytest.fixture
def bench(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


@pytest.fixture
def awg(lib):
    role = K81160AWaveformGenerator(AWG, visa_library=lib)
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


def record(scope, play, duration_s, points, scale=0.2):
    """Arm the scope on the AWG's trigger output, play, and return CH1 (the AWG output)."""
    scope.configure({1: (scale, 4 * scale - 0.1), 2: (0.05, 0.0)}, duration_s=duration_s,
                    pre_trigger_s=0.1 * duration_s, points=points, trigger_source="AUX")
    scope.single()
    play()
    scope.wait(timeout_s=5)
    return scope.fetch(1)


def crossings(t, v, level):
    """Times where v crosses level upwards, linearly interpolated."""
    i = np.flatnonzero((v[:-1] < level) & (v[1:] >= level))
    return t[i] + (level - v[i]) / (v[i + 1] - v[i]) * (t[i + 1] - t[i])


def test_arb_pulse_starts_within_one_sample_of_the_trigger(awg, scope):
    burst_s = awg.load([(1.0, 1e-6), (0.0, 1e-6)])
    awg.enable()
    trace = record(scope, awg.trigger, 3e-6, 3000)
    dt = trace.metadata["sample_interval_s"]
    rise = crossings(trace.t, trace.v, 0.5)
    assert rise.size == 1 and abs(rise[0]) <= dt
    assert burst_s == pytest.approx(2e-6)


def test_plateau_is_the_programmed_level_within_one_dac_lsb(awg, bench):
    awg.load([(0.0, 100e-9), (1.0, 500e-9), (0.37, 500e-9), (0.0, 100e-9)])
    emu = bench.instruments["awg"]
    ch = emu.channels[0]
    awg.enable()
    t, v, sync = emu._burst_knots(ch)
    plateau = np.interp([0.65e-6, 0.85e-6, 1.05e-6], t, v)
    assert np.all(np.abs(plateau - 0.37) <= 1.0 / 8191)
    assert v.max() == pytest.approx(1.0) and sync.tolist() == [0.0]
    ch.output_on = False
    assert np.all(emu._burst_knots(ch)[1] == 0), "relay open: the path sees 0 V"


def pulse_function(lib, lead_s, trail_s=None, double_delay_s=None, high_v=1.0):
    """The 81160A's own pulse function: 1 µs, 0 → high_v EMF, triggered by *TRG."""
    ch = K81160A(AWG, visa_library=lib).ch_1
    ch.load = float("inf")
    ch.shape = "pulse"
    ch.pulse_period = 10e-6
    ch.pulse_width = 1e-6
    ch.leading_edge = lead_s
    if trail_s is not None:
        ch.trailing_edge = trail_s
    if double_delay_s is not None:
        ch.double_pulse_delay = double_delay_s
        ch.double_pulse_enabled = True
    ch.high_level = high_v
    ch.low_level = 0.0
    ch.arm_source = "MAN"
    ch.output_enabled = True
    assert ch.parent.check_errors() == []
    return ch.parent


@pytest.mark.parametrize("lead_s", [100e-9, 20e-9])
def test_programmed_transition_is_the_10_90_time_on_the_scope(lib, scope, lead_s):
    gen = pulse_function(lib, lead_s)
    trace = record(scope, gen.trigger, 2e-6, 4000)
    t10, t90 = crossings(trace.t, trace.v, 0.1)[0], crossings(trace.t, trace.v, 0.9)[0]
    assert t90 - t10 == pytest.approx(lead_s, rel=0.05, abs=1e-9)
    high = trace.v[(trace.t > 0.3e-6) & (trace.t < 0.9e-6)]
    assert np.median(high) == pytest.approx(1.0, abs=0.01)


def test_edges_shape_what_the_device_sees(lib, bench):
    """The same 1 µs, 1.5 V pulse grows the filament more with 1 ns edges than with 100 ns
    edges (same area, less time near the top), from the same device state."""
    snap = bench.snapshot()
    growth = []
    for lead_s in (1e-9, 100e-9):
        bench.restore(snap)
        before = bench.device.state.bridge_g0
        pulse_function(lib, lead_s, high_v=1.5).trigger()
        growth.append(bench.device.state.bridge_g0 - before)
    assert growth[0] > growth[1] > 0


def test_double_pulse_has_its_second_leading_edge_at_the_delay(lib, scope):
    gen = pulse_function(lib, 5e-9, double_delay_s=3e-6)
    trace = record(scope, gen.trigger, 6e-6, 6000)
    rises = crossings(trace.t, trace.v, 0.5)
    dt = trace.metadata["sample_interval_s"]
    assert rises.size == 2
    assert rises[1] - rises[0] == pytest.approx(3e-6, abs=dt)


def test_segments_the_generator_cannot_make_are_refused_with_what_fits(awg):
    with pytest.raises(ValueError, match="narrowest pulse"):
        awg.compile([(1.0, 1e-9), (0.0, 1e-6)])
    with pytest.raises(ValueError, match="multiple of"):
        awg.compile([(1.0, 1e-6), (0.0, 20e-3 + 1e-9)])
    with pytest.raises(ValueError, match=r"level -6 V .*±5 V"):
        awg.compile([(0.0, 1e-6), (-6.0, 1e-6)])
    with pytest.raises(ValueError, match=r"2\.5 GSa/s"):
        awg.compile([(1.0, 1.5e-9), (0.0, 1.7e-9)])


def test_instrument_refuses_timing_and_levels_it_cannot_make(raw, bench):
    raw.write(":FUNC PULS;:PULS:PER 10us;:PULS:WIDT 1us")
    for command, code in [(":PULS:WIDT 1ns", "-222"), (":PULS:TRAN 1us", "-221"),
                          (":PULS:TRAN 0.5ns", "-222"), (":PULS:DOUB:DEL 500ns;:PULS:DOUB ON",
                                                          "-221"),
                          (":PULS:PER 1.001us", "-221"), (":OUTP:LOAD 50;:VOLT 6", "-222")]:
        raw.write(command)
        assert raw.query(":SYST:ERR?").startswith(code), command
    assert raw.query(":PULS:WIDT?;:PULS:PER?;:PULS:DOUB?") == \
        "+1.000000E-06;+1.000000E-05;0"
    block = np.zeros(16385, dtype=">i2").tobytes()
    raw.write_raw(b":DATA:DAC VOLATILE,#532770" + block + b"\n")
    assert raw.query(":SYST:ERR?") == '-223,"Too much data"'
    assert bench.instruments["awg"].channels[0].volatile is None


def test_arb_download_is_two_bytes_per_point_in_one_write(lib, bench):
    ch = K81160A(AWG, visa_library=lib).ch_1
    codes = np.round(8191 * np.sin(np.linspace(0, 2 * np.pi, 16384))).astype(int)
    with count_traffic(pyvisa.ResourceManager(lib).visalib) as traffic:
        ch.download_dac(codes)
    assert traffic.writes == 1
    overhead = len(b":FORM:BORD SWAP;:DATA1:DAC VOLATILE,#532768\n")
    assert traffic.bytes_out - overhead == 2 * codes.size
    assert np.allclose(bench.instruments["awg"].channels[0].volatile * 8191, codes)


def test_a_load_is_twelve_transactions_and_safe_off_opens_the_relay(awg, lib, bench):
    with count_traffic(pyvisa.ResourceManager(lib).visalib) as traffic:
        awg.load([(0.0, 1e-6), (1.2, 2e-6), (0.0, 8e-6)])
    assert traffic.transactions == 12
    emu = bench.instruments["awg"]
    assert not emu.channels[0].output_on
    awg.enable()
    assert emu.channels[0].output_on
    awg.safe_off()
    assert not emu.channels[0].output_on
    _, v, sync = emu.idle_output(bench.now, 1e-3)
    assert np.all(v == 0) and sync.size == 0
