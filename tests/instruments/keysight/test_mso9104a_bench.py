"""MSO9104A driver and emulator end to end through @labmem: the scope records what the pulse
path does, aligned with its trigger, and answers the way an Infiniium does."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

from labmem.instruments.keysight.mso9104a import MSO9104AOscilloscope
from labmem.simulated_instruments.visa.traffic import count_traffic

SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
GAIN = 1e5


@pytest.fixture
def lib(new_bench):
    # No AWG on this bench: the tests drive the pulse path through bench.awg_drive().
    return new_bench(setup="pulse", series_ohm=100e3, tia_gain_v_per_a=GAIN,
                     device={"g_hrs_s": 1e-6},
                     instruments={"scope": {"model": "mso9104a", "resource": SCOPE}})


@pytest.fixture
def scope(lib):
    role = MSO9104AOscilloscope(SCOPE, visa_library=lib)
    yield role
    role.safe_off()


def bench_of(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


def pulse(bench, level_v, start_s, width_s, total_s, sync_s=None):
    t = np.array([0.0, start_s, start_s, start_s + width_s, start_s + width_s, total_s])
    v = np.array([0.0, 0.0, level_v, level_v, 0.0, 0.0])
    bench.awg_drive(t, v, np.array([start_s if sync_s is None else sync_s]))


def test_aux_trigger_records_awg_and_tia_aligned_with_the_sync(lib, scope):
    bench = bench_of(lib)
    assert bench.advance(1e-6) is None  # a bench without AWG idles at 0 V
    scope.configure({1: (0.2, 0.0), 2: (0.02, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6,
                    points=10_000, trigger_source="AUX", trigger_level_v=1.0)
    scope.single()
    pulse(bench, 0.5, 1e-6, 10e-6, 25e-6)
    scope.wait(timeout_s=5)
    awg, tia = scope.fetch(1), scope.fetch(2)
    t = awg.t
    assert t[0] == pytest.approx(-2e-6) and np.allclose(tia.t, t)
    assert awg.metadata["sample_interval_s"] == pytest.approx(2e-9)
    assert awg.metadata["trigger_source"] == "AUX" and awg.metadata["scale_v_per_div"] == 0.2
    lsb = 8 * 0.2 / 256
    # The AWG monitor shows the pulse from t = 0 (the sync edge) for 10 µs.
    assert np.all(np.abs(awg.v[t < -2e-9]) <= lsb)
    assert np.abs(np.median(awg.v[(t > 0.1e-6) & (t < 9.9e-6)]) - 0.5) <= lsb
    assert np.all(np.abs(awg.v[t > 10.1e-6]) <= lsb)
    edge = t[np.argmax(awg.v > 0.25)]
    assert abs(edge) <= 2e-9
    # The TIA output: gain × current, rising over ~1/(2π·BW), not in one sample.
    settled = np.median(tia.v[(t > 8e-6) & (t < 10e-6)])
    i_max = 0.5 / 100e3
    assert 0.01 < settled <= GAIN * i_max
    tau = 1 / (2 * np.pi * bench.tia.bandwidth_hz)
    rise = t[np.argmax(tia.v > 0.632 * settled)]
    assert rise == pytest.approx(tau, rel=0.3)
    assert tia.v[np.searchsorted(t, 2e-9)] < 0.2 * settled


def test_edge_trigger_on_channel_1_at_a_level(lib, scope):
    bench = bench_of(lib)
    scope.configure({1: (0.2, 0.0)}, duration_s=10e-6, pre_trigger_s=1e-6, points=5000,
                    trigger_source="CH1", trigger_level_v=0.3)
    scope.single()
    # A 0.6 V pulse at 3 µs (the AWG sync is elsewhere, at 0): the level crossing is t = 0.
    bench.awg_drive(np.array([0.0, 3e-6, 3.2e-6, 8e-6, 8e-6, 15e-6]),
                    np.array([0.0, 0.0, 0.6, 0.6, 0.0, 0.0]), np.array([0.0]))
    scope.wait(timeout_s=5)
    tr = scope.fetch(1)
    # The 200 ns ramp crosses 0.3 V halfway: the trigger sits at its middle.
    mid = tr.t[np.argmin(np.abs(tr.v - 0.3))]
    assert abs(mid) < 20e-9
    assert np.all(tr.v[tr.t < -0.15e-6] < 0.05)
    assert tr.t[0] == pytest.approx(-1e-6)


def test_memory_depth_overflow_is_refused(lib, scope):
    rm = pyvisa.ResourceManager(lib)
    raw = rm.open_resource(SCOPE, read_termination="\n", write_termination="\n")
    raw.write(":ACQuire:POINts 20000000")
    assert raw.query(":SYSTem:ERRor? STRing").startswith("-222,")
    raw.write(":ACQuire:SRATe 1e10;:ACQuire:POINts AUTO;:TIMebase:RANGe 0.01")
    raw.write(":SINGle")  # 100 Mpts would be needed: settings conflict, nothing armed
    assert raw.query(":SYSTem:ERRor?") == "-221"
    with pytest.raises(ValueError, match="points"):
        scope.configure({1: (0.1, 0.0)}, duration_s=1e-3, points=20_000_000)


def test_unknown_command_is_error_113_and_idn(lib):
    raw = pyvisa.ResourceManager(lib).open_resource(SCOPE, read_termination="\n",
                                                    write_termination="\n")
    assert raw.query("*IDN?").startswith("KEYSIGHT TECHNOLOGIES,MSO9104A,")
    raw.write(":CHANnel1:FROBnicate 1")
    assert raw.query(":SYSTem:ERRor?") == "-113"
    assert raw.query(":SYSTem:ERRor? STRing") == '0,"No error"'
    raw.write(":CHANnel1:SCALe 10")  # above 5 V/div
    assert raw.query(":SYST:ERR? STR").startswith("-222,")
    raw.write(":CHAN1:SCAL 5;:CHAN1:INP DC50;:CHAN1:SCAL?")
    assert float(raw.read()) == pytest.approx(1.0)  # clamped to the 50 Ω maximum


def test_binary_transfer_is_at_most_two_bytes_per_sample(lib, scope):
    bench = bench_of(lib)
    scope.configure({1: (0.2, 0.0)}, duration_s=10e-6, pre_trigger_s=1e-6, points=10_000)
    scope.single()
    pulse(bench, 0.5, 1e-6, 5e-6, 12e-6)
    scope.wait(timeout_s=5)
    visalib = scope.driver.adapter.connection.visalib
    with count_traffic(visalib) as traffic:
        tr = scope.fetch(1)
    assert tr.v.size == 10_000
    per_sample = traffic.bytes_in / tr.v.size
    assert per_sample <= 2.1  # WORD block plus preamble and a few short answers
    conn = scope.driver.adapter.connection
    conn.write(":WAVeform:FORMat BYTE")
    with count_traffic(visalib) as traffic:
        codes = conn.query_binary_values(":WAVeform:DATA?", datatype="b", container=np.array)
    assert codes.size == 10_000 and traffic.bytes_in <= 10_000 + 10
    # BYTE and WORD carry the same 8-bit codes; ASCii gives the same volts.
    conn.write(":WAVeform:FORMat WORD;:WAVeform:BYTeorder MSBFirst")
    words = conn.query_binary_values(":WAVeform:DATA?", datatype="h", is_big_endian=True,
                                     container=np.array)
    assert np.array_equal(words, codes.astype(np.int16) * 256)
    conn.write(":WAVeform:FORMat ASCii")
    ascii_v = np.array(conn.query(":WAVeform:DATA?").split(","), dtype=float)
    assert np.allclose(ascii_v, tr.v, atol=1e-6)
    # Clipped at the screen edges: 0.5 V is above 4 div × 0.1 V.
    scope.configure({1: (0.1, 0.0)}, duration_s=10e-6, pre_trigger_s=1e-6, points=10_000)
    scope.single()
    pulse(bench, 0.5, 1e-6, 5e-6, 12e-6)
    scope.wait(timeout_s=5)
    clipped = scope.fetch(1)
    assert clipped.v.max() == pytest.approx(127 * 0.8 / 256)


def test_a_block_full_of_newline_bytes_is_read_in_one_read(lib, scope):
    """An offset that puts 0 V at code 10 fills the WORD block with 0x0A bytes: the driver
    reads the block to its end, not to each newline inside it."""
    scope.configure({1: (0.2, -10 * 0.2 * 8 / 256)}, duration_s=10e-6, points=10_000)
    scope.single()
    pulse(bench_of(lib), 0.5, 1e-6, 5e-6, 12e-6)
    scope.wait(timeout_s=5)
    visalib = scope.driver.adapter.connection.visalib
    with count_traffic(visalib) as traffic:
        trace = scope.fetch(1)
    assert np.count_nonzero(np.isclose(trace.v, 0.0, atol=1e-6)) > 1000  # code 10 = 0 V
    assert traffic.reads < 20  # short answers and one read of the block (was thousands)


def test_digitize_without_a_trigger_times_out(lib, scope):
    scope.configure({1: (0.2, 0.0)}, duration_s=10e-6, points=1000, trigger_source="CH1",
                    trigger_level_v=0.3)
    conn = scope.driver.adapter.connection
    conn.write(":DIGitize CHANnel1")
    with pytest.raises(pyvisa.errors.VisaIOError):
        conn.query("*OPC?")
    conn.clear()
    assert scope.driver.acquisition_done is False
    scope.single()
    with pytest.raises(TimeoutError, match="no trigger"):
        scope.wait(timeout_s=1)


def test_a_wait_for_a_trigger_that_never_comes_leaves_no_error_behind(lib, scope):
    """*OPC? is held while the scope waits for its trigger: the host's read times out, but
    that is a late reply, not an unterminated query (no -420), so after the time-out the next
    configuration is accepted (it checks the error queue)."""
    scope.configure({1: (0.2, 0.0)}, duration_s=10e-6, points=1000, trigger_source="CH1",
                    trigger_level_v=0.3)
    scope.single()
    with pytest.raises(TimeoutError, match="no trigger"):
        scope.wait(timeout_s=0.2)
    assert scope.driver.check_errors() == []
    scope.configure({1: (0.2, 0.0)}, duration_s=10e-6, points=1000, trigger_source="CH1",
                    trigger_level_v=0.3)


def test_digitize_completes_when_the_signal_triggers(lib):
    bench = bench_of(lib)
    role = MSO9104AOscilloscope(SCOPE, visa_library=lib)
    role.configure({1: (0.2, 0.0)}, duration_s=4e-6, points=1000, trigger_source="AUX")
    # AUX trigger, sync edge already played: DIGitize waits in virtual time and the sync of
    # the next burst (played here before the command) is not seen; arm first, then play.
    role.single()
    pulse(bench, 0.5, 1e-6, 1e-6, 5e-6)
    assert role.driver.ask("*OPC?").strip() == "1"
    assert role.driver.acquisition_done is True
    assert role.driver.triggered is True
    assert role.driver.run_state == "STOP"
