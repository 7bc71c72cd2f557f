"""InfiniiVision driver and emulator end to end through @labmem: the scope records what the
pulse path does, aligned with its trigger, and answers stock PyMeasure and raw PyVISA the way
a 3000T does."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keysight.keysightDSOX1102G import KeysightDSOX1102G

from labmem.instruments.keysight.infiniivision import InfiniiVisionOscilloscope
from labmem.simulated_instruments.emulators.hp33120a import ARB_EDGE_S
from labmem.simulated_instruments.visa.traffic import count_traffic
from labmem.station import Station
from labmem.station_file import StationConfig

SCOPE = "TCPIP0::192.168.0.12::inst0::INSTR"
AWG = "GPIB0::10::INSTR"


@pytest.fixture(params=["dsox3024t", "dsox4024a"])
def lib(request, new_bench):
    return new_bench(setup="pulse", series_ohm=100e3, tia_gain_v_per_a=1e5,
                     device={"g_hrs_s": 1e-6},
                     instruments={"awg": {"model": "hp33120a", "resource": AWG},
                                  "scope": {"model": request.param, "resource": SCOPE}})


@pytest.fixture
def scope(lib):
    role = InfiniiVisionOscilloscope(SCOPE, visa_library=lib)
    yield role
    role.safe_off()


def pulse(lib, level_v=0.5, start_s=1e-6, width_s=10e-6, total_s=25e-6):
    """The pulse path plays a pulse with the sync edge at its start."""
    t = np.array([0.0, start_s, start_s, start_s + width_s, start_s + width_s, total_s])
    v = np.array([0.0, 0.0, level_v, level_v, 0.0, 0.0])
    pyvisa.ResourceManager(lib).visalib.bench.awg_drive(t, v, np.array([start_s]))


def test_the_edge_is_at_the_trigger_and_the_plateau_within_one_lsb(lib, scope):
    scope.configure({1: (0.2, 0.0), 2: (0.02, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6,
                    points=10_000, trigger_source="AUX", trigger_level_v=1.0)
    scope.single()
    pulse(lib)
    scope.wait(timeout_s=5)
    tr = scope.fetch(1)
    dt = tr.metadata["sample_interval_s"]
    assert tr.v.size >= 10_000 and dt <= 2e-9
    assert tr.t[0] == pytest.approx(-2e-6, abs=dt)
    edge = tr.t[np.argmax(tr.v > 0.25)]
    assert 0 <= edge <= dt  # the first sample above half the step is within one sample
    lsb = 8 * 0.2 / 256
    plateau = tr.v[(tr.t > 0.1e-6) & (tr.t < 9.9e-6)]
    assert np.all(np.abs(plateau - 0.5) <= lsb)
    assert np.all(np.abs(tr.v[tr.t < -dt]) <= lsb) and not tr.over_range.any()
    tia = scope.fetch(2)  # the TIA output rises after the edge, bounded by gain × V/R
    assert 0.01 < np.median(tia.v[(tia.t > 8e-6) & (tia.t < 10e-6)]) <= 0.5 + 1e-3


def test_a_signal_off_the_screen_is_flagged(lib, scope):
    scope.configure({1: (0.01, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6, points=2000)
    scope.single()
    pulse(lib)
    scope.wait(timeout_s=5)
    tr = scope.fetch(1)
    inside = (tr.t > 0.1e-6) & (tr.t < 9.9e-6)
    assert tr.over_range[inside].all() and np.ptp(tr.v[inside]) == 0
    assert not tr.over_range[tr.t < -0.1e-6].any()


def test_one_channel_of_a_pair_samples_twice_as_fast(lib, scope):
    rm = pyvisa.ResourceManager(lib)
    raw = rm.open_resource(SCOPE, read_termination="\n", write_termination="\n")
    scope.configure({1: (0.2, 0.0), 3: (0.2, 0.0)}, duration_s=20e-6, points=10_000)
    assert float(raw.query(":ACQuire:SRATe?")) == 5e9
    scope.configure({1: (0.2, 0.0), 2: (0.2, 0.0)}, duration_s=20e-6, points=10_000)
    assert float(raw.query(":ACQuire:SRATe?")) == 2.5e9
    raw.write(":TIMebase:RANGe 10")  # 10 s: the memory sets the rate
    memory = 4_000_000 if "4024A" in raw.query("*IDN?") else 2_000_000
    assert int(raw.query(":ACQuire:POINts?")) <= memory
    with pytest.raises(ValueError, match="at most 50000 points"):
        scope.configure({1: (0.2, 0.0), 2: (0.2, 0.0)}, duration_s=20e-6, points=60_000)


def test_fetch_is_one_byte_per_sample_in_a_few_transactions(lib, scope):
    scope.configure({1: (0.2, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6, points=100_000)
    scope.single()
    pulse(lib)
    scope.wait(timeout_s=5)
    visalib = scope.driver.adapter.connection.visalib
    with count_traffic(visalib) as traffic:
        tr = scope.fetch(1)
    assert tr.v.size == 100_000
    assert traffic.bytes_in / tr.v.size < 1.01  # BYTE block: one byte per 8-bit sample
    assert traffic.transactions <= 5  # source; preamble query and answer; data query, block


def test_word_and_ascii_carry_the_same_codes(lib, scope):
    scope.configure({1: (0.2, 0.0)}, duration_s=20e-6, pre_trigger_s=2e-6, points=1000)
    scope.single()
    pulse(lib)
    scope.wait(timeout_s=5)
    byte_trace = scope.fetch(1)
    conn = scope.driver.adapter.connection
    conn.write(":WAVeform:FORMat WORD;:WAVeform:BYTeorder LSBFirst")
    words = conn.query_binary_values(":WAVeform:DATA?", datatype="H", container=np.array)
    assert conn.query(":WAVeform:YREFerence?") == "+32768"
    assert np.all(words % 256 == 0)  # 8-bit data in the high byte
    yinc = float(conn.query(":WAVeform:YINCrement?"))
    assert np.allclose((words.astype(float) - 32768) * yinc, byte_trace.v, atol=1e-9)
    conn.write(":WAVeform:FORMat ASCii")
    text = conn.query(":WAVeform:DATA?")
    assert text.startswith("#8") and int(text[2:10]) == len(text) - 10
    assert np.allclose(np.array(text[10:].split(","), dtype=float), byte_trace.v, atol=1e-6)


def test_raw_pyvisa_script(lib):
    rm = pyvisa.ResourceManager(lib)
    scope = rm.open_resource(SCOPE, read_termination="\n", write_termination="\n")
    assert scope.query("*IDN?").startswith("KEYSIGHT TECHNOLOGIES,DSO")
    scope.write("*RST;*CLS")
    scope.write(":CHAN1:SCAL 200mV;:CHAN1:OFFS 0;:CHAN2:DISP 0;:TIM:RANG 20E-6;:TIM:REF LEFT")
    scope.write(":TIM:POS 0;:TRIG:MODE EDGE;:TRIG:EDGE:SOUR CHAN1;:TRIG:EDGE:LEV 0.25")
    scope.write(":TRIG:EDGE:SLOP POS;:TRIG:SWE NORM;:ACQ:TYPE NORM")
    assert scope.query(":SYST:ERR?") == '+0,"No error"'
    scope.write(":SINGle")
    assert int(scope.query(":OPER:COND?")) & 8  # armed: Run bit set
    pulse(lib, start_s=3e-6)
    assert scope.query("*OPC?") == "1" and scope.query(":TER?") == "+1"
    assert int(scope.query(":OPER:COND?")) & 8 == 0
    scope.write(":WAV:SOUR CHAN1;:WAV:FORM BYTE;:WAV:UNS 0;:WAV:POIN:MODE RAW;:WAV:POIN MAX")
    fields = scope.query(":WAV:PRE?").split(",")
    assert fields[0] == "+0" and fields[9] == "+0"  # BYTE, signed: yreference 0
    codes = scope.query_binary_values(":WAV:DATA?", datatype="b", container=np.array)
    assert codes.size == int(fields[2]) == int(scope.query(":ACQ:POIN?"))
    v = codes * float(fields[7]) + float(fields[8])
    t = np.arange(codes.size) * float(fields[4]) + float(fields[5])
    assert t[np.argmax(v >= 0.25)] == pytest.approx(0, abs=float(fields[4]))
    scope.write(":CHAN1:SCAL 10")  # above 5 V/div
    assert scope.query(":SYST:ERR?").startswith("-222,")
    scope.write(":WAV:SOUR EXT")
    assert scope.query(":SYST:ERR?").startswith("-224,")
    scope.write(":CHAN1:FROB 1")
    assert scope.query(":SYST:ERR?").startswith("-113,")


@pytest.mark.filterwarnings("ignore:It is not known whether this device support SCPI")
def test_stock_pymeasure_keysight_dsox1102g(lib):
    """PyMeasure's own 1000X driver: channel and timebase set-up, its setup queries, the
    ASCii download in NORMal points mode (a 62 500-point measurement record at most)."""
    dso = KeysightDSOX1102G(SCOPE, visa_library=lib)
    dso.clear_status()
    dso.default_setup()
    dso.ch1.setup(bwlimit=False, coupling="dc", display=True, invert=False, label="AWG",
                  offset=0.0, probe_attenuation=1.0, scale=0.2)
    config = dso.ch1.current_configuration
    assert config["RANG"] == pytest.approx(1.6) and config["PROB"] == 1.0
    assert config["DISP"] is True and config["COUP"] == "DC" and config["CHAN"] == 1
    dso.ch2.display = False
    dso.timebase_setup(mode="main", offset=8e-6, horizontal_range=20e-6)
    tb = dso.timebase
    assert tb["MAIN:RANG"] == pytest.approx(20e-6) and tb["REF"] == "CENT"
    dso.acquisition_type = "normal"
    assert dso.acquisition_type == "normal"
    dso.write(":TRIGger:EDGE:SOURce EXTernal;:TRIGger:EDGE:LEVel 1")
    dso.single()
    pulse(lib)
    data, preamble = dso.download_data(source="channel1", points=2000)
    # PyMeasure reads the preamble before it switches the format to ASCii for the data.
    assert preamble["points"] == data.size == 2000 and dso.waveform_format == "ascii"
    t = (np.arange(data.size) - preamble["xreference"]) * preamble["xincrement"] \
        + preamble["xorigin"]
    assert t[np.argmax(data > 0.25)] == pytest.approx(0, abs=preamble["xincrement"])
    assert np.abs(np.median(data[(t > 1e-6) & (t < 9e-6)]) - 0.5) <= 8 * 0.2 / 256
    assert dso.waveform_points_mode == "normal"
    dso.digitize("channel1")  # nothing triggers now: the scope keeps waiting
    assert dso.ask(":SYSTem:ERRor?").startswith("+0,")
    dso.stop()


def test_a_station_with_the_scope_identifies_it_and_captures_a_burst(lib):
    """The station file's infiniivision driver accepts both models' *IDN? and the pulse
    machinery captures a burst (the AWG's sync edge on the EXT trigger input)."""
    text = (f'visa_library: "{lib}"\nroles:\n'
            f'  awg: {{driver: hp33120a, resource: "{AWG}"}}\n'
            f'  scope: {{driver: infiniivision, resource: "{SCOPE}"}}\n')
    station = Station(StationConfig.from_text(text))
    try:
        station.check_roles(["awg", "scope"])
        station.use_setup("pulse", series_ohm=1e6, tia_gain_v_per_a=1e5)
        scope, awg = station.scope, station.awg
        segments = [(0.0, 2e-6), (1.0, 6e-6), (0.0, 2e-6)]
        burst_s = awg.load(segments)
        scope.configure({1: (0.15, 0.5), 2: (0.015, 0.05)}, duration_s=1.02 * burst_s,
                        pre_trigger_s=0.01 * burst_s, points=2000)
        awg.enable()
        scope.single()
        awg.trigger()
        scope.wait()
        tr = scope.fetch(1)
        lsb = 8 * 0.15 / 256
        # The 33120A's output crosses half the step halfway through its edge.
        assert tr.t[np.argmax(tr.v > 0.5)] == pytest.approx(2e-6 + ARB_EDGE_S / 2,
                                                            abs=tr.t[1] - tr.t[0])
        assert np.all(np.abs(tr.v[(tr.t > 2.1e-6) & (tr.t < 7.9e-6)] - 1.0) <= lsb)
    finally:
        station.safe_off()
