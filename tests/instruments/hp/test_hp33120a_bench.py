"""HP 33120A emulator, driver and WaveformGenerator role end to end through @labmem: a loaded
pulse train played by bus trigger drives the device, LOAD 50 doubles the EMF, memory and
output limits are refused (driver ValueError, instrument error queue), safe_off is DC 0 V and
an arb goes down as two bytes per point."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.instruments.hp.hp33120a import HP33120A, HP33120AWaveformGenerator
from labmem.simulated_instruments.visa.traffic import count_traffic

AWG = "GPIB0::10::INSTR"
TRAIN = [(0.0, 1e-6)] + [(1.2, 2e-6), (0.0, 8e-6)] * 3


@pytest.fixture
def lib(new_bench):
    return new_bench(setup="pulse", series_ohm=100e3,
                     instruments={"awg": {"model": "hp33120a", "resource": AWG}})


@pytest.fixture
def bench(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


@pytest.fixture
def awg(lib):
    role = HP33120AWaveformGenerator(AWG, visa_library=lib)
    yield role
    role.safe_off()


@pytest.fixture
def raw(lib):
    res = pyvisa.ResourceManager(lib).open_resource(AWG, read_termination="\n",
                                                   write_termination="\n")
    yield res
    res.close()


def test_bus_triggered_train_advances_the_clock_and_drives_the_device(awg, bench):
    burst_s = awg.load(TRAIN)
    assert burst_s == pytest.approx(31e-6)
    assert awg.plan["points"] == 31
    t0, bridge0 = bench.now, bench.device.state.bridge_g0
    _, idle_v, _ = bench.instruments["awg"].idle_output(bench.now, 1e-3)
    assert np.all(idle_v == 0), "idle at 0 V until triggered"
    awg.enable()
    awg.trigger()
    assert bench.now - t0 == pytest.approx(burst_s, abs=0.1e-6)
    assert bench.device.state.bridge_g0 > bridge0, "1.2 V pulses grow the filament"
    _, knot_v, sync = bench.instruments["awg"]._burst_knots()
    assert knot_v.max() == pytest.approx(1.2, rel=1e-3)
    assert sync.tolist() == [0.0]


def test_load_50_doubles_the_emf(raw, bench):
    emu = bench.instruments["awg"]
    raw.write("OUTP:LOAD 50;:APPL:DC DEF,DEF,1")
    assert emu.idle_output(bench.now, 1e-6)[1][0] == pytest.approx(2.0)
    raw.write("OUTP:LOAD INF;:APPL:DC DEF,DEF,1")
    assert emu.idle_output(bench.now, 1e-6)[1][0] == pytest.approx(1.0)
    raw.write("OUTP:LOAD 50")  # displayed level halves, the output stays
    assert float(raw.query("VOLT:OFFS?")) == pytest.approx(0.5)
    assert emu.idle_output(bench.now, 1e-6)[1][0] == pytest.approx(1.0)
    assert raw.query("SYST:ERR?") == '+0,"No error"'


def test_waveform_of_16001_points_is_refused(lib, raw, bench):
    driver = HP33120A(AWG, visa_library=lib)
    with pytest.raises(ValueError, match="16000"):
        driver.download_dac(np.zeros(16001, dtype=int))
    block = np.zeros(16001, dtype=">i2").tobytes()
    raw.write("DATA:DAC VOLATILE,#6032002")  # header alone: a block data error
    assert raw.query("SYST:ERR?").startswith("-160")
    raw.write_raw(b"DATA:DAC VOLATILE,#532002" + block + b"\n")
    assert raw.query("SYST:ERR?") == '-223,"Too much data"'
    assert bench.instruments["awg"].volatile is None, "nothing changed"


def test_segments_that_do_not_fit_are_refused_with_what_fits(awg):
    with pytest.raises(ValueError, match="multiple of"):
        awg.load([(1.0, 1e-6), (0.0, 20e-3 + 1e-9)])
    with pytest.raises(ValueError, match="40 MSa/s"):
        awg.load([(1.0, 10e-9), (0.0, 1e-6)])
    with pytest.raises(ValueError, match=r"level 12 V .*±10 V"):
        awg.load([(0.0, 1e-6), (12.0, 1e-6)])


def test_amplitude_beyond_the_output_limit_is_refused(lib, raw):
    driver = HP33120A(AWG, visa_library=lib)
    with pytest.raises(ValueError):
        driver.amplitude = 25.0
    raw.write("OUTP:LOAD 50;:APPL:SIN 1000,1,0")
    raw.write("VOLT 12")
    assert raw.query("SYST:ERR?") == '-222,"Data out of range"'
    raw.write("VOLT:OFFS 4.8")  # |offset| + Vpp/2 > 5 V into 50 Ω
    assert raw.query("SYST:ERR?") == '-222,"Data out of range"'
    assert raw.query("APPL?") == '"SIN +1.000000E+03,+1.000000E+00,+0.000000E+00"'


def test_unknown_command_is_undefined_header(raw):
    raw.write("FOO:BAR 1")
    assert raw.query("SYST:ERR?") == '-113,"Undefined header"'
    assert raw.query("SYST:ERR?") == '+0,"No error"'
    assert raw.query("*IDN?") == "HEWLETT-PACKARD,33120A,0,8.0-5.0-1.0"


def test_rst_is_a_1khz_sine_and_safe_off_is_dc_0v(awg, raw, bench):
    emu = bench.instruments["awg"]
    raw.write("*RST")
    assert raw.query("APPL?") == '"SIN +1.000000E+03,+1.000000E-01,+0.000000E+00"'
    _, v, sync = emu.idle_output(bench.now, 2e-3)
    assert v.max() == pytest.approx(0.1) and sync.size == 2  # 50 mV × 2 for LOAD 50
    awg.load([(0.0, 1e-6), (1.0, 5e-6), (0.0, 1e-6)])
    awg.enable()
    with pytest.raises(RuntimeError):
        awg.trigger()
        raise RuntimeError("procedure failed mid-train")
    awg.safe_off()
    _, v, sync = emu.idle_output(bench.now, 1e-3)
    assert np.all(v == 0) and sync.size == 0
    assert raw.query("FUNC:SHAP?") == "DC"


def test_trigger_outside_bus_burst_mode_is_ignored_with_an_error(raw, bench):
    t0 = bench.now
    raw.write("*TRG")
    assert raw.query("SYST:ERR?") == '-211,"Trigger ignored"'
    assert bench.now == t0


def test_binary_download_is_two_bytes_per_point(lib, bench):
    driver = HP33120A(AWG, visa_library=lib)
    codes = np.round(2047 * np.sin(np.linspace(0, 2 * np.pi, 16000))).astype(int)
    with count_traffic(pyvisa.ResourceManager(lib).visalib) as traffic:
        driver.download_dac(codes)
    assert traffic.writes == 1
    overhead = len(b"FORM:BORD SWAP;:DATA:DAC VOLATILE,#532000\n")
    assert traffic.bytes_out - overhead == 2 * codes.size
    assert traffic.bytes_out / codes.size < 2.003
    stored = bench.instruments["awg"].volatile
    assert np.allclose(stored * 2047, codes)


def test_continuous_idle_is_capped_for_long_stretches(raw, bench):
    emu = bench.instruments["awg"]
    raw.write("*RST")
    t, v, _ = emu.idle_output(bench.now, 3600.0)
    assert t[-1] == pytest.approx(3600.0) and t.size < 250_000
    assert v[-1] == pytest.approx(0.0, abs=1e-9)  # the rest held at the sine's mean
