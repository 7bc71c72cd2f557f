"""MSO9104A emulator against the Infiniium 9000 programmer's guide on the @labmem bench:
bandwidth limit, averaging, streaming transfers and :MEASure answers on known signals."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa

SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
NO_RESULT = 9.99999e37


@pytest.fixture
def make(new_bench):
    """A pulse bench without AWG (the tests play the AWG EMF through bench.awg_drive) and a raw
    PyVISA session to its scope, set for a 10 µs record at 1 GSa/s, 1 µs pre-trigger, AUX."""
    def build(**settings):
        lib = new_bench(setup="pulse", series_ohm=100e3, device={"g_hrs_s": 1e-6},
                        instruments={"scope": {"model": "mso9104a", "resource": SCOPE}},
                        **settings)
        rm = pyvisa.ResourceManager(lib)
        conn = rm.open_resource(SCOPE, read_termination="\n", write_termination="\n")
        for command in (":SYSTem:HEADer OFF", ":CHANnel1:SCALe 0.1", ":CHANnel1:OFFSet 0.3",
                        ":ACQuire:SRATe 1E9", ":ACQuire:POINts 10000",
                        ":TIMebase:REFerence LEFT", ":TIMebase:RANGe 10E-6",
                        ":TIMebase:POSition 0", ":TRIGger:EDGE:SOURce AUX",
                        ":TRIGger:LEVel AUX,1", ":WAVeform:SOURce CHANnel1"):
            conn.write(command)
        return rm.visalib.bench, conn
    return build


def play(bench, edges_s, level_v=0.5, total_s=12e-6):
    """AWG EMF: 0 V, then level_v between each (start, stop) pair; sync at the first start."""
    t, v = [0.0], [0.0]
    for start, stop in edges_s:
        t += [start, start, stop, stop]
        v += [0.0, level_v, level_v, 0.0]
    t.append(total_s)
    v.append(0.0)
    bench.awg_drive(np.array(t), np.array(v), np.array([edges_s[0][0]]))


def measure(conn, name, *args):
    return float(conn.query(f":MEASure:{name}? {','.join(args)}".rstrip()))


def read_words(conn):
    conn.write(":WAVeform:FORMat WORD;:WAVeform:BYTeorder LSBFirst")
    with conn.read_termination_context(""):
        codes = np.asarray(conn.query_binary_values(":WAVeform:DATA?", datatype="h",
                                                    container=np.ndarray), dtype=float)
    return codes * float(conn.query(":WAVeform:YINCrement?")) \
        + float(conn.query(":WAVeform:YORigin?"))


def test_pulse_measurements_match_the_pulses_played(make):
    bench, conn = make()
    conn.write(":SINGle")
    play(bench, [(1e-6, 2e-6), (4e-6, 5e-6), (7e-6, 8e-6)])  # 1 µs pulses every 3 µs
    assert conn.query(":ADER?") == "1"
    lsb, dt = 0.8 / 256, 1e-9
    assert measure(conn, "VAMPlitude", "CHANnel1") == pytest.approx(0.5, abs=lsb)
    assert measure(conn, "VTOP") == pytest.approx(0.5, abs=lsb)
    assert measure(conn, "VBASe") == pytest.approx(0.0, abs=lsb)
    assert measure(conn, "VMAX") == pytest.approx(0.5, abs=lsb)
    assert measure(conn, "VMIN") == pytest.approx(0.0, abs=lsb)
    assert measure(conn, "VPP") == pytest.approx(0.5, abs=lsb)
    assert measure(conn, "VMIDdle") == pytest.approx(0.25, abs=lsb)
    assert measure(conn, "PWIDth") == pytest.approx(1e-6, abs=dt)
    assert measure(conn, "NWIDth") == pytest.approx(2e-6, abs=dt)
    assert measure(conn, "PERiod") == pytest.approx(3e-6, abs=dt)
    assert measure(conn, "FREQuency") == pytest.approx(1 / 3e-6, rel=1e-3)
    # The record runs from -1 µs to 9 µs: 3 µs at 0.5 V out of 10 µs on the whole display,
    # one third over whole cycles.
    assert measure(conn, "VAVerage", "DISPlay") == pytest.approx(0.15, abs=lsb)
    assert measure(conn, "VAVerage", "CYCLe", "CHANnel1") == pytest.approx(0.5 / 3, abs=lsb)
    assert measure(conn, "VRMS", "DISPlay", "DC") == pytest.approx(np.sqrt(0.3 * 0.25),
                                                                   abs=lsb)
    assert conn.query(":MEASure:SOURce?") == "CHAN1,CHAN1"
    assert conn.query(":SYSTem:ERRor?") == "0"


def test_a_measurement_that_cannot_be_made_answers_9_99999e37(make):
    bench, conn = make()
    assert measure(conn, "VPP") == NO_RESULT  # nothing acquired yet
    conn.write(":SINGle")
    play(bench, [(1e-6, 2e-6)])
    assert conn.query(":ADER?") == "1"
    assert conn.query(":MEASure:PERiod? CHANnel1") == "9.99999E+37"  # one pulse: no cycle
    assert measure(conn, "RISetime", "CHANnel3") == NO_RESULT  # nothing wired: flat 0 V
    assert conn.query(":MEASure:SOURce?") == "CHAN3,CHAN1"  # the source argument moved it
    assert measure(conn, "PWIDth", "CHANnel1") == pytest.approx(1e-6, abs=1e-9)
    assert conn.query(":SYSTem:ERRor?") == "0"


@pytest.mark.parametrize("bandwidth_hz", [10e6, 50e6])
def test_bandwidth_limit_slows_an_edge_to_0_35_over_bw(make, bandwidth_hz):
    bench, conn = make()
    conn.write(":ACQuire:SRATe 10E9;:TIMebase:RANGe 1E-6")  # 100 ns before the edge
    conn.write(f":ACQuire:BANDwidth {bandwidth_hz:g}")
    assert float(conn.query(":ACQuire:BANDwidth?")) == bandwidth_hz
    conn.write(":SINGle")
    play(bench, [(0.2e-6, 2e-6)], total_s=2.2e-6)
    assert conn.query(":ADER?") == "1"
    rise = measure(conn, "RISetime", "CHANnel1")
    assert rise == pytest.approx(np.log(9) / (2 * np.pi * bandwidth_hz), rel=0.02)
    assert rise == pytest.approx(0.35 / bandwidth_hz, rel=0.02)
    preamble = conn.query(":WAVeform:PREamble?").split(",")
    assert float(preamble[22]) == bandwidth_hz


def test_bandwidth_max_leaves_the_step_sharp_and_the_record_unchanged(make):
    records = []
    for bandwidth in ("MAX", "1E9", None):
        bench, conn = make()
        if bandwidth is not None:
            conn.write(f":ACQuire:BANDwidth {bandwidth}")
        conn.write(":SINGle")
        play(bench, [(1e-6, 2e-6)])
        conn.query(":ADER?")
        records.append(read_words(conn))
        assert measure(conn, "RISetime") <= 1e-9  # within one sample
    assert np.array_equal(records[0], records[2]) and np.array_equal(records[1], records[2])


def test_averaging_takes_n_triggers_and_cuts_noise_by_sqrt_n(make):
    noise_div = 0.1  # 3.2 ADC steps rms, so the average is not stuck on one code
    bench, conn = make(seed=11, scope_noise_div_rms=noise_div)
    conn.write(":SINGle")
    play(bench, [(1e-6, 2e-6)])
    assert conn.query(":ADER?") == "1"
    single = read_words(conn)
    conn.write(":ACQuire:AVERage ON;:ACQuire:AVERage:COUNt 16")
    assert conn.query(":ACQuire:AVERage?;:ACQuire:AVERage:COUNt?") == "1;16"
    conn.write(":SINGle")
    for _ in range(16):
        assert conn.query(":ADER?") == "0"  # not done before the 16th trigger
        play(bench, [(1e-6, 2e-6)])
    assert conn.query(":ADER?") == "1"
    averaged = read_words(conn)
    preamble = conn.query(":WAVeform:PREamble?").split(",")
    assert preamble[1:4] == ["2", "10000", "16"]  # type AVERage, points, count
    flat = slice(2100, 9900)  # after the pulse: 0 V with noise only (7800 samples)
    sigma_single = single[flat].std()
    sigma_avg = averaged[flat].std()
    assert sigma_single == pytest.approx(noise_div * 0.1, rel=0.05)
    # sigma ratio of 7800-sample estimates: sqrt(16) = 4 within a few percent
    assert sigma_single / sigma_avg == pytest.approx(4.0, rel=0.08)
    assert averaged[1100:1900].mean() == pytest.approx(0.5, abs=0.8 / 256)


def test_averaging_on_a_channel_edge_takes_one_record_per_edge(make):
    bench, conn = make()
    conn.write(":ACQuire:AVERage ON;:ACQuire:AVERage:COUNt 4;:TRIGger:EDGE:SOURce CHANnel1;"
               ":TRIGger:LEVel CHANnel1,0.25")
    conn.write(":SINGle")
    for _ in range(4):
        # Each re-arm refills the 1 µs pre-trigger memory first: the edge comes after it.
        assert conn.query(":ADER?") == "0"
        play(bench, [(2e-6, 3e-6)], total_s=13e-6)
        assert conn.query(":ASTate?") in ("ARM", "ADONE")
    assert conn.query(":ADER?") == "1"
    assert measure(conn, "PWIDth") == pytest.approx(1e-6, abs=1e-9)


def test_streaming_on_sends_an_indefinite_block(make):
    bench, conn = make()
    conn.write(":SINGle")
    play(bench, [(1e-6, 2e-6)])
    conn.query(":ADER?")
    conn.write(":WAVeform:STReaming ON;:WAVeform:FORMat BYTE")
    assert conn.query(":WAVeform:STReaming?") == "1"
    conn.write(":WAVeform:DATA?")
    with conn.read_termination_context(""):
        raw = conn.read_raw()
    assert raw[:2] == b"#0" and raw[-1:] == b"\n" and len(raw) == 2 + 10_000 + 1
    codes = np.frombuffer(raw[2:-1], dtype=np.int8)
    assert codes[1500] == round((0.5 - 0.3) / (0.8 / 256))
    conn.write(":WAVeform:STReaming OFF")
    conn.write(":WAVeform:DATA?")
    with conn.read_termination_context(""):
        assert conn.read_raw()[:7] == b"#510000"


@pytest.mark.parametrize("command, code", [
    (":ACQuire:BANDwidth AUTO", -221), (":ACQuire:BANDwidth 2E9", -222),
    (":ACQuire:AVERage:COUNt 1", -222), (":ACQuire:INTerpolate INT3", -224),
    (":TRIGger:AND:ENABle ON", -221), (":MEASure:VOVershoot?", -113),
    (":MEASure:STATistics ON", -113), (":TESTLIMITS?", -113),
])
def test_what_is_not_emulated_is_an_error_not_a_value(make, command, code):
    _, conn = make()
    conn.write(command)
    assert int(conn.query(":SYSTem:ERRor?")) == code


def test_roll_mode_is_reported_and_refuses_to_acquire(make):
    _, conn = make()
    conn.write(":TIMebase:ROLL:ENABle ON")
    assert conn.query(":TIMebase:ROLL:ENABle?") == "1"
    conn.write(":SINGle")
    assert int(conn.query(":SYSTem:ERRor?")) == -221
    conn.write(":TIMebase:ROLL:ENABle OFF;:SINGle")
    assert conn.query(":SYSTem:ERRor?") == "0"


def test_waveform_data_start_and_size_are_refused_not_ignored(make):
    bench, conn = make()
    conn.write(":SINGle")
    play(bench, [(1e-6, 2e-6)])
    conn.query(":ADER?")
    conn.write(":WAVeform:DATA? 0,100")
    assert int(conn.query(":SYSTem:ERRor?")) == -221
