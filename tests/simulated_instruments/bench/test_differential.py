"""The differential set-up end to end through @labmem: a 33522B's channel 1 drives the device's
top terminal through the series resistor, its channel 2 the bottom terminal, one *TRG starts
both; an MSO9104A records CH1 − CH2 of the generator and the series branch's current. The
device is a known resistor (a 1 kΩ insulating stack, far below any switching at these levels),
so every plateau is (V1 − V2) over the loop: series resistor, device and both 50 Ω outputs.
The stack's read-noise traps are off: they move its 1 kΩ by σ ≈ 5 % (up to ~10 %, the
leakage's ΔR/R), a few scope codes of the loop's current, and the test counts the loop's
resistors to one code."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.agilent.agilent33500 import Agilent33500

from labmem.instruments.hp.hp33120a import HP33120AWaveformGenerator
from labmem.instruments.keysight.k33500b import K33500BWaveformGenerator
from labmem.instruments.keysight.mso9104a import MSO9104AOscilloscope

AWG = "TCPIP0::192.168.0.10::inst0::INSTR"
SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
SERIES_OHM, DEVICE_OHM, GAIN = 1e3, 1e3, 1e3
LOOP_OHM = SERIES_OHM + DEVICE_OHM + 2 * 50.0
"""Both generator outputs' 50 Ω are in the loop (the pulse set-up has one)."""
SCALE = 0.05
LSB = 8 * SCALE / 256
"""One code of the MSO9104A's 8-bit record at SCALE V/div."""


def bench_settings(awg_model: str = "33522b") -> dict:
    return dict(setup="differential", series_ohm=SERIES_OHM, tia_gain_v_per_a=GAIN,
                device={"g_hrs_s": 1 / DEVICE_OHM, "rtn_amplitude": 0.0,
                        "flicker_amplitude": 0.0},
                instruments={"awg": {"model": awg_model, "resource": AWG},
                             "scope": {"model": "mso9104a", "resource": SCOPE}})


@pytest.fixture
def lib(new_bench):
    return new_bench(**bench_settings())


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


def play(awg, scope, pre, post, offset_v: float, scale_v: float = SCALE):
    """Load the pair, record it (CH1: V1 − V2, CH2: gain × current) and return both traces."""
    duration = awg.load_pair(pre, post)
    scope.configure({1: (0.2, 0.3), 2: (scale_v, offset_v)}, duration_s=1.2 * duration,
                    pre_trigger_s=duration / 10, points=4000, trigger_source="AUX")
    awg.enable()
    scope.single()
    awg.trigger()
    scope.wait(timeout_s=5)
    return scope.fetch(1), scope.fetch(2)


def plateau(trace, start_s: float, stop_s: float) -> float:
    inside = (trace.t > start_s) & (trace.t < stop_s)
    return float(np.median(trace.v[inside]))


def test_both_channels_on_give_the_difference_over_the_loop_within_one_lsb(awg, scope, bench):
    assert bench.describe().startswith("AWG CH1 → 1000 Ω → device top; AWG CH2 → device bottom")
    pulse = [(0.0, 2e-6), (1.0, 10e-6), (0.0, 2e-6)]
    drive, tia = play(awg, scope, pulse, [(0.0, 2e-6), (0.4, 10e-6), (0.0, 2e-6)], 0.15)
    assert plateau(drive, 5e-6, 11e-6) == pytest.approx(0.6, abs=8 * 0.2 / 256)
    expected = GAIN * 0.6 / LOOP_OHM
    assert abs(plateau(tia, 5e-6, 11e-6) - expected) <= LSB
    # one 50 Ω in the loop (the pulse set-up's count) would be several codes off
    assert abs(GAIN * 0.6 / (LOOP_OHM - 50) - expected) > 3 * LSB


def test_channel_2_alone_drives_the_current_backwards(awg, scope):
    idle = [(0.0, 14e-6)]
    drive, tia = play(awg, scope, idle, [(0.0, 2e-6), (0.4, 10e-6), (0.0, 2e-6)], -0.15)
    assert plateau(drive, 5e-6, 11e-6) == pytest.approx(-0.4, abs=8 * 0.2 / 256)
    assert abs(plateau(tia, 5e-6, 11e-6) - GAIN * -0.4 / LOOP_OHM) <= LSB
    assert abs(plateau(tia, 13e-6, 14e-6)) <= LSB, "back to 0 A after the burst"


def test_overlap_gives_the_difference_only_while_both_are_on(awg, scope):
    pre = [(0.0, 2e-6), (1.0, 10e-6), (0.0, 8e-6)]
    post = [(0.0, 8e-6), (0.4, 10e-6), (0.0, 2e-6)]
    drive, tia = play(awg, scope, pre, post, 0.15, 2 * SCALE)
    for (start, stop), volts in (((3e-6, 7e-6), 1.0), ((9e-6, 11e-6), 0.6),
                                 ((13e-6, 17e-6), -0.4), ((18.5e-6, 19.5e-6), 0.0)):
        assert plateau(drive, start, stop) == pytest.approx(volts, abs=8 * 0.2 / 256)
        assert abs(plateau(tia, start, stop) - GAIN * volts / LOOP_OHM) <= 2 * LSB, volts


def test_channel_2_reaches_the_device_in_the_differential_set_up_only(awg, scope, bench):
    emu = bench.instruments["awg"]
    post = [(0.0, 2e-6), (0.4, 10e-6), (0.0, 2e-6)]
    awg.load_pair([(0.0, 14e-6)], post)
    awg.enable()
    assert emu.bottom_output(bench.now, 1e-3)[1].max() == 0.0, "idles at 0 V between bursts"
    bench.connect("pulse")
    t0 = bench.now
    drive, tia = play(awg, scope, [(0.0, 14e-6)], post, 0.0)
    assert bench.now - t0 >= 14e-6, "channel 2's burst takes its time"
    assert abs(plateau(drive, 5e-6, 11e-6)) <= 8 * 0.2 / 256
    assert abs(plateau(tia, 5e-6, 11e-6)) <= LSB


def test_pairs_are_refused_by_one_channel_generators(new_bench):
    one = new_bench(**bench_settings("33521b"))
    role = K33500BWaveformGenerator(AWG, visa_library=one)
    with pytest.raises(ValueError, match=r"33521B has one channel.*33522B"):
        role.load_pair([(1.0, 1e-6)], [(0.0, 1e-6)])
    hp = HP33120AWaveformGenerator.__new__(HP33120AWaveformGenerator)
    with pytest.raises(ValueError, match=r"drives one output.*second channel"):
        hp.check_pair([(1.0, 1e-6)], [(0.0, 1e-6)])


def test_pairs_that_do_not_fit_together_are_refused_before_anything_is_sent(awg, bench):
    emu = bench.instruments["awg"]
    with pytest.raises(ValueError, match=r"lasts 1e-05 s and the post-synaptic one 1\.2e-05 s"):
        awg.load_pair([(1.0, 10e-6)], [(1.0, 12e-6)])
    with pytest.raises(ValueError, match=r"post-synaptic \(channel 2\) waveform: .*250 MSa/s"):
        awg.load_pair([(1.0, 1e-6)], [(1.0, 1e-9), (0.0, 999e-9)])
    assert emu.ch[1].arbs == {} and emu.ch[2].arbs == {}


def test_pymeasure_agilent33500_drives_channel_2_onto_the_bottom_terminal(lib, scope):
    # PyMeasure's own driver, unmodified: a continuous 0 … 1 V square on channel 2 only.
    gen = Agilent33500(AWG, visa_library=lib)
    gen.ch_2.output_load = "INF"
    gen.ch_2.shape = "SQU"
    gen.ch_2.frequency = 50e3
    gen.ch_2.amplitude = 1.0
    gen.ch_2.offset = 0.5
    gen.ch_2.output = True
    assert gen.check_errors() == []
    # CH1 shows CH1 − CH2 of the generator: trigger where −V2 rises back through −0.5 V
    scope.configure({1: (0.2, -0.4), 2: (2 * SCALE, -0.2)}, duration_s=40e-6,
                    pre_trigger_s=20e-6, points=4000, trigger_source=1, trigger_level_v=-0.5)
    scope.single()
    scope.wait(timeout_s=5)
    drive, tia = scope.fetch(1), scope.fetch(2)
    assert plateau(drive, -8e-6, -2e-6) == pytest.approx(-1.0, abs=8 * 0.2 / 256)
    assert abs(plateau(tia, -8e-6, -2e-6) - GAIN * -1.0 / LOOP_OHM) <= 2 * LSB
    assert abs(plateau(tia, 2e-6, 8e-6)) <= 2 * LSB


def test_a_single_load_after_a_pair_leaves_channel_2_off_and_safe_off_opens_both(awg, bench):
    emu = bench.instruments["awg"]
    awg.load_pair([(0.0, 2e-6), (1.0, 6e-6), (0.0, 2e-6)], [(0.0, 4e-6), (0.5, 6e-6)])
    awg.enable()
    assert emu.ch[1].output and emu.ch[2].output
    awg.load([(0.0, 2e-6), (1.0, 6e-6), (0.0, 2e-6)])
    awg.enable()
    assert not emu.ch[2].output and not emu.ch[2].burst_on, "no earlier pair plays on"
    awg.load_pair([(0.0, 2e-6), (1.0, 6e-6), (0.0, 2e-6)], [(0.0, 4e-6), (0.5, 6e-6)])
    awg.enable()
    awg.safe_off()
    assert [(ch.output, ch.shape) for ch in emu.ch.values()] == [(False, "DC")] * 2
