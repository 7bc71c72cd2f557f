"""Third-party Infiniium clients against the emulated MSO9104A on @labmem: the raw message
sequences of the QCoDeS `Infiniium` driver (qcodes/instrument_drivers/Keysight/Infiniium.py,
replayed as writes and queries since QCoDeS is not a dependency), PyMeasure's
KeysightDSOX1102G on the commands InfiniiVision and Infiniium share, and a raw PyVISA
script after the programmer's guide examples."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keysight import KeysightDSOX1102G

SCOPE = "TCPIP0::192.168.0.9::inst0::INSTR"
AWG = "GPIB0::10::INSTR"


@pytest.fixture
def bench_and_lib(new_bench):
    lib = new_bench(setup="pulse", series_ohm=100e3, device={"g_hrs_s": 1e-6},
                    instruments={"scope": {"model": "mso9104a", "resource": SCOPE}})
    return pyvisa.ResourceManager(lib).visalib.bench, lib


def play_repeating(bench, period_s=2e-6, width_s=1e-6, cycles=40):
    """A repeating pulse train on the AWG EMF (scope CH1), sync at each period's start."""
    starts = np.arange(cycles) * period_s + period_s
    t = np.concatenate([[0.0], np.repeat(np.c_[starts, starts + width_s].ravel(), 2),
                        [starts[-1] + period_s]])
    v = np.concatenate([[0.0], np.tile([0.0, 0.5, 0.5, 0.0], cycles), [0.0]])
    bench.awg_drive(t, v, starts)


@pytest.fixture
def square_wave_lib(new_bench):
    """A pulse bench whose HP 33120A plays a 0-0.5 V, 500 kHz square wave with its sync on."""
    lib = new_bench(setup="pulse", series_ohm=100e3, device={"g_hrs_s": 1e-6},
                    instruments={"scope": {"model": "mso9104a", "resource": SCOPE},
                                 "awg": {"model": "hp33120a", "resource": AWG}})
    awg = pyvisa.ResourceManager(lib).open_resource(AWG, write_termination="\n")
    awg.write("OUTPut:LOAD INF")
    awg.write("APPLy:SQUare 500E3,0.5,0.25")
    return lib


def test_qcodes_infiniium_construction_parameters_and_trace(square_wave_lib):
    visa = pyvisa.ResourceManager(square_wave_lib).open_resource(
        SCOPE, read_termination="\n", write_termination="\n")
    # Infiniium.__init__: connect_message() reads *IDN?, then headers off.
    assert visa.query("*IDN?").startswith("KEYSIGHT TECHNOLOGIES,MSO9104A,")
    visa.write(":SYSTem:HEADer OFF")
    # Parameters as QCoDeS sets and reads them (its short forms and spellings).
    for command, query, reply in [
        (":TIMebase:RANGe 2e-05", ":TIMebase:RANGe?", "+2.000000E-05"),
        (":TIMebase:POSition 0", ":TIMebase:POSition?", "+0.000000E+00"),
        (":TIMebase:ROLL:ENABLE 0", ":TIMebase:ROLL:ENABLE?", "0"),
        (":TRIGger:AND:ENABLe 0", ":TRIGger:AND:ENABLe?", "0"),
        (":TRIGger:EDGE:SOURce AUX", ":TRIGger:EDGE:SOURce?", "AUX"),
        (":TRIGger:EDGE:SLOPe positive", ":TRIGger:EDGE:SLOPe?", "POS"),
        (":TRIGger:LEVel AUX,1", ":TRIGger:LEVel? AUX", "+1.000000E+00"),
        ("ACQ:POIN 20000", "ACQ:POIN?", "20000"),
        ("ACQ:SRAT 1000000000", "ACQ:SRAT?", "+1.000000E+09"),
        (":ACQuire:INTerpolate 0", ":ACQuire:INTerpolate?", "0"),
        ("ACQuire:MODE RTIMe", "ACQuire:MODE?", "RTIM"),
        ("CHANnel1:DISPlay 1", "CHANnel1:DISPlay?", "1"),
        ("CHAN1:OFFS 0.25", "CHAN1:OFFS?", "+2.500000E-01"),
        ("CHAN1:RANG 0.8", "CHAN1:RANG?", "+8.000000E-01"),
        (":TRIGger:LEVel CHANnel1,0.25", ":TRIGger:LEVel? CHANnel1", "+2.500000E-01"),
    ]:
        visa.write(command)
        assert visa.query(query) == reply, command
    # RawTrace.get_raw: state, a blocking :DIGitize, then a WORD transfer, LSB first.
    assert visa.query(":RSTate?") == "STOP"
    visa.write(":TIMebase:REFerence LEFT")
    visa.write(":DIGitize CHANnel1")  # blocks until the square wave's sync triggers
    npts = int(visa.query("WAV:POIN?"))
    xorigin = float(visa.query(":WAVeform:XORigin?"))
    xincrem = float(visa.query(":WAVeform:XINCrement?"))
    visa.write(":WAVeform:SOURce CHAN1")
    visa.write(":WAVeform:FORMat WORD")
    visa.write(":waveform:byteorder LSBFirst")
    visa.write(":WAVeform:STReaming OFF")
    data = visa.query_binary_values("WAV:DATA?", datatype="h", is_big_endian=False,
                                    expect_termination=False)
    assert len(data) == npts == 20_000 and xincrem == 1e-9 and xorigin == pytest.approx(-2e-6)
    yorigin = float(visa.query(":WAVeform:YORigin?"))
    yinc = float(visa.query(":WAVeform:YINCrement?"))
    volts = np.array(data) * yinc + yorigin
    assert volts[2500] == pytest.approx(0.5, abs=yinc * 256)  # in the first half period
    visa.write(":CHANnel1:DISPlay ON")
    # MeasurementSubsystem: sources read and written as a pair, then the measurements.
    _first, second = visa.query(":MEASure:SOURCE?").split(",")
    visa.write(f":MEASure:SOURCE CHAN1, {second}")
    assert visa.query(":MEASure:SOURCE?").split(",")[0] == "CHAN1"
    assert float(visa.query(":MEASure:VAMPlitude?")) == pytest.approx(0.5, abs=yinc * 256)
    assert float(visa.query(":MEASure:FREQuency?")) == pytest.approx(5e5, rel=1e-3)
    assert float(visa.query(":MEASure:VRMS? DISPlay, AC")) > 0.2
    for name in ("VAVerage", "VBASe", "VLOWer", "VMAX", "VMIDdle", "VMIN", "VPP"):
        assert float(visa.query(f":MEASure:{name}?")) < 1.0, name
    assert visa.query(":SYSTem:ERRor? STRing") == '0,"No error"'


def test_pymeasure_dsox1102g_on_the_commands_the_infiniium_shares(bench_and_lib):
    _, lib = bench_and_lib
    scope = KeysightDSOX1102G(SCOPE, visa_library=lib)
    scope.timebase_range = 4e-6
    assert scope.timebase_range == pytest.approx(4e-6)
    scope.timebase_scale = 1e-6
    assert scope.timebase_scale == pytest.approx(1e-6)
    scope.timebase_offset = 0.5  # :TIMebase:REFerence CENTer;:TIMebase:POSition, sent as %f
    assert scope.timebase_offset == pytest.approx(0.5)
    scope.acquisition_mode = "realtime"
    assert scope.acquisition_mode == "realtime"
    scope.ch1.setup(display=True, offset=0.25, scale=0.1)
    assert scope.ch1.offset == pytest.approx(0.25) and scope.ch1.scale == pytest.approx(0.1)
    scope.waveform_source = "channel1"
    assert scope.waveform_source == "channel1"
    scope.single()
    scope.stop()
    scope.run()
    scope.stop()
    scope.clear_status()
    assert scope.ask(":SYSTem:ERRor?").strip() == "0"
    scope.adapter.connection.close()


def test_raw_pyvisa_script_after_the_programmers_guide(bench_and_lib):
    bench, lib = bench_and_lib
    scope = pyvisa.ResourceManager(lib).open_resource(SCOPE)
    scope.read_termination = scope.write_termination = "\n"
    scope.write("*RST;*CLS")
    scope.write(":SYSTEM:HEADER OFF")
    scope.write(":ACQUIRE:SRATE 250E+6")  # the guide's example rate
    assert float(scope.query(":ACQUIRE:SRATE?")) == 250e6
    scope.write(":ACQUIRE:POINTS 4000;:TIMEBASE:REFERENCE LEFT;:TIMEBASE:POSITION 0")
    scope.write(":ACQUIRE:BANDWIDTH MAX;:ACQUIRE:AVERAGE OFF")
    scope.write(":CHANNEL1:SCALE 0.1;:CHANNEL1:OFFSET 0.25")
    scope.write(":TRIGGER:EDGE:SOURCE AUX;:TRIGGER:LEVEL AUX,1")
    scope.write(":SINGLE")
    play_repeating(bench, period_s=4e-6, cycles=6)
    assert scope.query(":ADER?") == "1"
    scope.write(":WAVEFORM:SOURCE CHANNEL1;:WAVEFORM:FORMAT WORD;:WAVEFORM:STREAMING OFF")
    data = scope.query_binary_values(":WAVEFORM:DATA?", datatype="h", is_big_endian=True,
                                     container=np.ndarray)
    assert data.size == 4000
    assert float(scope.query(":MEASURE:PWIDTH? CHANNEL1")) == pytest.approx(1e-6, abs=4e-9)
    assert float(scope.query(":MEASURE:PERIOD?")) == pytest.approx(4e-6, abs=4e-9)
    assert float(scope.query(":MEASURE:RISETIME?")) <= 4e-9
    assert scope.query(":SYSTEM:ERROR? STRING") == '0,"No error"'


def test_digitize_with_averaging_takes_the_count_of_triggers(square_wave_lib):
    scope = pyvisa.ResourceManager(square_wave_lib).open_resource(
        SCOPE, read_termination="\n", write_termination="\n")
    scope.write(":SYSTem:HEADer OFF;:CHANnel1:SCALe 0.1;:CHANnel1:OFFSet 0.25")
    scope.write(":ACQuire:SRATe 1E9;:ACQuire:POINts 5000;:TIMebase:REFerence LEFT")
    scope.write(":TRIGger:EDGE:SOURce AUX;:TRIGger:LEVel AUX,1")
    scope.write(":ACQuire:AVERage ON;:ACQuire:AVERage:COUNt 8")
    scope.write(":DIGitize CHANnel1")
    assert scope.query(":ADER?") == "1"
    assert scope.query(":WAVeform:PREamble?").split(",")[1:4] == ["2", "5000", "8"]
    assert float(scope.query(":MEASure:PERiod?")) == pytest.approx(2e-6, abs=1e-9)
