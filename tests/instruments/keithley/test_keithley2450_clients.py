"""Third-party clients of the 2450 on @labmem: current sourced through the device, open
terminals, the commands added for conformance, PyMeasure's own Keithley2450 driver unmodified
and a raw PyVISA script written from the reference manual."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keithley import Keithley2450 as PyMeasureKeithley2450
from pymeasure.instruments.keithley import keithley2450 as pymeasure_module

from labmem.simulated_instruments.bench.circuit import SMU_ZERO_OFFSET_V

SMU = "USB0::0x05E6::0x2450::04412345::INSTR"
LINE_HZ = 50.0
SOURCE_LIMITED, SOURCE_SENSE = 32, 64


@pytest.fixture
def lib(new_bench):
    return new_bench(instruments={"smu": {"model": "keithley2450", "resource": SMU}})


@pytest.fixture
def inst(lib):
    session = pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                        write_termination="\n")
    session.write("*RST")
    yield session
    session.write(":OUTP OFF")
    session.close()


def bench_of(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


def errors(inst) -> list[str]:
    out = []
    while not (e := inst.query(":SYST:ERR?")).startswith("+0,"):
        out.append(e)
    return out


def set_device(inst) -> float:
    """Fire and set the device at 1 mA, then read its LRS resistance at 50 mV."""
    inst.write(":SOUR:VOLT:ILIM 1e-3;:SOUR:VOLT 3;:OUTP ON")
    inst.query(":READ?")
    inst.write(":SOUR:VOLT 0.05")
    v, i = map(float, inst.query(':READ? "defbuffer1", SOUR, READ').split(","))
    return v / i


def test_current_into_the_lrs_gives_i_times_r(inst):
    r_lrs = set_device(inst)
    assert r_lrs < 10e3, "the device is set"
    inst.write(':SOUR:FUNC CURR;:SOUR:CURR 1e-6;:SOUR:CURR:VLIM 1;:SENS:FUNC "VOLT";:OUTP ON')
    v = float(inst.query(":READ?"))
    assert v == pytest.approx(1e-6 * r_lrs, rel=0.05)
    assert inst.query(":SOUR:CURR:VLIM:TRIP?") == "0"
    assert float(inst.query(":MEAS:CURR?")) == pytest.approx(1e-6, rel=1e-3)
    assert errors(inst) == []


def test_current_into_the_hrs_trips_at_the_voltage_limit(inst):
    inst.write(':SOUR:FUNC CURR;:SOUR:CURR 1e-6;:SOUR:CURR:VLIM 0.1;:SENS:FUNC "VOLT";:OUTP ON')
    v, status, unit = inst.query(':READ? "defbuffer1", READ, SOURSTAT, SOURUNIT').split(",")
    assert float(v) == pytest.approx(0.1, rel=1e-3)
    assert int(status) & SOURCE_LIMITED and unit == "Amp DC"
    assert inst.query(":SOUR:CURR:VLIM:TRIP?") == "1"
    assert inst.query(":SOUR:VOLT:ILIM:TRIP?") == "0", "the voltage source's limit is not in use"
    assert abs(float(inst.query(":MEAS:CURR?"))) < 1e-10, "the device takes far less than 1 µA"
    measured = float(inst.query(':READ? "defbuffer1", SOUR'))
    inst.write(":SOUR:CURR:READ:BACK OFF")
    programmed = float(inst.query(':READ? "defbuffer1", SOUR'))
    assert abs(measured) < 1e-10 and programmed == 1e-6
    assert inst.query(":SOUR:CURR:READ:BACK?") == "0"
    assert inst.query(":SOUR:VOLT:READ:BACK?") == "1"


def test_open_terminals_still_source(inst, lib):
    bench_of(lib).connect("pulse")
    inst.write(":SOUR:VOLT 0.5;:OUTP ON")
    v = float(inst.query(":MEAS:VOLT?"))
    source = float(inst.query(':READ? "defbuffer1", SOUR'))
    assert v == pytest.approx(0.5) and source == pytest.approx(0.5)
    assert abs(float(inst.query(":MEAS:CURR?"))) < 1e-9
    inst.write(":SOUR:FUNC CURR;:SOUR:CURR 1e-6;:SOUR:CURR:VLIM 2;:OUTP ON")
    assert float(inst.query(":MEAS:VOLT?")) == pytest.approx(2.0)
    assert inst.query(":SOUR:CURR:VLIM:TRIP?") == "1"
    assert errors(inst) == []


def test_count_takes_n_readings_and_read_answers_the_last(inst, lib):
    assert inst.query(":COUN?") == "1"
    inst.write("COUNT 5;:SENS:CURR:NPLC 0.5;:SOUR:VOLT 0.1;:OUTP ON")
    t0 = bench_of(lib).now
    last = inst.query(":READ?")
    assert "," not in last
    assert inst.query(":TRAC:ACT?") == "5"
    rel = np.array(inst.query(":TRAC:DATA? 1, 5, 'defbuffer1', REL").split(","), dtype=float)
    assert np.allclose(np.diff(rel), 1e-3 + 0.5 / LINE_HZ)
    assert bench_of(lib).now - t0 == pytest.approx(5 * (1e-3 + 0.5 / LINE_HZ))
    assert inst.query(":FETC?") == last
    inst.write(":COUN 0;:COUN 300001;:COUN 2.5")
    assert [e[:4] for e in errors(inst)] == ["-222", "-222", "-224"]
    inst.write(":COUN MAX")
    assert inst.query(":SENS:COUN?") == "300000"
    inst.write("*RST")
    assert inst.query(":COUN?") == "1"


def test_repeating_filter_averages_count_apertures(inst, lib):
    inst.write(":SENS:CURR:AVER:COUN 4;:SENS:CURR:AVER:TCON REP;:SENS:CURR:AVER ON;"
               ":SENS:CURR:NPLC 1")
    assert inst.query(":SENS:CURR:AVER?;AVER:COUN?;TCON?") == "1;4;REP"
    t0 = bench_of(lib).now
    inst.query(":READ?")
    assert bench_of(lib).now - t0 == pytest.approx(4 / LINE_HZ)
    inst.write(":SENS:VOLT:AVER:TCON MOV;:SENS:CURR:AVER:COUN 101")
    assert inst.query(":SENS:VOLT:AVER:TCON?") == "MOV"
    assert errors(inst)[0].startswith("-222,")


def test_autozero_user_delays_rsense_and_clear(inst, lib):
    for func in ("CURR", "VOLT", "RES"):
        assert inst.query(f":SENS:{func}:AZER?") == "1"
        assert inst.query(f":{func}:RSEN?") == "0"
    inst.write(":SENS:VOLT:AZER OFF;:SENS:RES:RSEN ON")
    assert inst.query(":SENS:VOLT:AZER:STAT?") == "0" and inst.query(":SENS:CURR:AZER?") == "1"
    assert inst.query(":SENS:RES:RSEN?") == "1" and inst.query(":SENS:VOLT:RSEN?") == "0"
    t0 = bench_of(lib).now
    inst.write(":SENS:AZER:ONCE")
    assert bench_of(lib).now - t0 == pytest.approx(1 / LINE_HZ)
    inst.write(":SENS:CURR:RSEN ON;:OUTP ON")
    assert int(inst.query(':READ? "defbuffer1", SOURSTAT')) & SOURCE_SENSE
    for n in range(1, 6):
        inst.write(f":SOUR:VOLT:DEL:USER{n} {n / 10};:SENS:CURR:DEL:USER{n} {n}")
    assert float(inst.query(":SOUR:VOLT:DEL:USER3?")) == pytest.approx(0.3)
    assert float(inst.query(":SENS:CURR:DEL:USER5?")) == 5.0
    assert float(inst.query(":SOUR:CURR:DEL:USER1?")) == 0.0
    assert float(inst.query(":SENS:RES:DEL:USER2?")) == 0.0
    inst.write(":SOUR:CURR:DEL:USER6 1;:SENS:VOLT:DEL:USER1 2e4")
    assert [e[:4] for e in errors(inst)] == ["-114", "-222"]
    inst.write(":SOUR:CURR:DEL:USER0 1;:SOUR:VOLT:ILIM 5")
    assert inst.query(":SYST:ERR:COUN?") == "2"
    inst.write(":SYST:CLE")
    assert inst.query(":SYST:ERR:COUN?") == "0"


def test_language_and_features_not_emulated(inst):
    assert inst.query("*LANG?") == "SCPI"
    inst.write("*LANG TSP")
    assert inst.query("*LANG?") == "SCPI", "a new command set takes effect after a power cycle"
    inst.write("*LANG BASIC")
    assert errors(inst)[0].startswith("-224,")
    inst.write(":DIG:LINE1:MODE DIG, IN;:TSPL:INIT;:TRIG:LOAD \"SimpleLoop\", 10")
    assert [e[:4] for e in errors(inst)] == ["-113", "-113", "-221"]
    inst.write(":OUTP:CURR:SMOD HIMP")
    assert inst.query(":OUTP:CURR:SMOD?;:OUTP:VOLT:SMOD?") == "HIMP;NORM"


def test_pymeasure_own_driver_sources_current_and_reads(lib, monkeypatch):
    monkeypatch.setattr(pymeasure_module.time, "sleep", lambda s: None)  # its ramps' pauses
    k = PyMeasureKeithley2450(SMU, visa_library=lib)
    k.reset()
    k.apply_current(compliance_voltage=0.1)
    assert k.source_mode == "current"
    k.source_current_range = 1e-5
    assert k.source_current_range == pytest.approx(1e-5)
    k.source_current = 1e-6
    assert k.source_current == pytest.approx(1e-6)
    assert k.compliance_voltage == pytest.approx(0.1)
    k.source_current_delay = 0.01
    assert k.source_current_delay == pytest.approx(0.01)
    k.source_current_delay_auto = True
    assert k.source_current_delay_auto is True
    k.measure_voltage(nplc=0.1)
    assert k.voltage_nplc == pytest.approx(0.1)
    k.enable_source()
    assert k.source_enabled
    assert k.voltage == pytest.approx(0.1, rel=1e-3), "the HRS cannot take 1 µA: at VLIM"
    k.measure_current(nplc=0.1)
    assert abs(k.current) < 1e-10
    k.measure_resistance(nplc=0.1)
    k.wires = 4
    assert k.wires == 4
    assert k.resistance > 1e8
    k.buffer_points = 500
    assert k.buffer_points == 500
    k.measure_voltage(nplc=0.1, voltage=2.0, auto_range=False)
    assert k.voltage_range == pytest.approx(2.0)
    readings = [k.voltage for _ in range(4)]
    assert k.means == pytest.approx(np.mean(readings))
    assert k.maximums == pytest.approx(max(readings))
    assert k.minimums == pytest.approx(min(readings))
    assert k.standard_devs == pytest.approx(np.std(readings), abs=1e-9)
    k.current_filter_type, k.current_filter_count, k.current_filter_state = "MOV", 20, "ON"
    assert (k.current_filter_type, k.current_filter_count, k.current_filter_state) == (
        "MOV", 20, 1)
    k.voltage_filter_type, k.voltage_filter_count = "REP", 5
    assert (k.voltage_filter_type, k.voltage_filter_count) == ("REP", 5)
    k.current_output_off_state, k.voltage_output_off_state = "ZERO", "HIMP"
    assert (k.current_output_off_state, k.voltage_output_off_state) == ("ZERO", "HIMP")
    k.use_rear_terminals()
    k.use_front_terminals()
    k.beep(1000, 0.1)
    k.trigger()
    k.ramp_to_current(2e-6, steps=3)
    assert k.source_current == pytest.approx(2e-6)
    assert k.check_errors() == []
    k.apply_voltage(compliance_current=1e-6)
    k.source_voltage = 0.1
    k.ramp_to_voltage(0.2, steps=3)
    assert k.source_voltage == pytest.approx(0.2)
    assert k.check_errors() == []
    k.shutdown()
    assert not k.source_enabled and k.source_voltage == 0.0


def test_pymeasure_2400_buffer_helpers_fail_as_on_a_2450_in_scpi_mode(lib, caplog):
    """PyMeasure's KeithleyBuffer methods send 2400 commands (:TRAC:FEED, :STAT:MEAS, a bare
    :TRAC:DATA?), which the 2450 only knows under *LANG SCPI2400: errors, never wrong data."""
    k = PyMeasureKeithley2450(SMU, visa_library=lib)
    k.config_buffer(points=10)  # logs the errors its own check_errors() reads
    assert [r.getMessage().split(": ")[1][:4] for r in caplog.records
            if r.levelname == "ERROR"] == ["-113", "-113", "-113"]
    k.reset_buffer()
    assert [e[0] for e in k.check_get_errors()] == [-113]
    with pytest.raises(pyvisa.errors.VisaIOError):
        _ = k.buffer_data
    assert k.next_error[0] == -109
    assert not k.is_buffer_full()


def test_raw_pyvisa_script_from_the_manual(inst, lib):
    # the reference manual's READ:BACK example, at a level that leaves the device alone
    inst.write('TRAC:MAKE "MyBuffer", 100')
    inst.write("SOUR:FUNC VOLT")
    inst.write('SENS:FUNC "CURR"')
    inst.write("SENS:CURR:NPLC 0.1")
    inst.write("CURR:AZER OFF")
    inst.write("AZER:ONCE")
    inst.write("SOUR:VOLT:READ:BACK ON")
    inst.write("SOUR:VOLT 0.1")
    inst.write("COUNT 100")
    inst.write("OUTP ON")
    reading = float(inst.query('READ? "MyBuffer"'))
    inst.write("OUTP OFF")
    assert int(inst.query('TRAC:ACT? "MyBuffer"')) == 100
    table = np.array(inst.query('TRAC:DATA? 1, 100, "MyBuffer", SOUR, READ').split(","),
                     dtype=float).reshape(100, 2)
    # read back: the output, the SMU's zero offset included
    assert np.allclose(table[:, 0], 0.1 + SMU_ZERO_OFFSET_V, rtol=0, atol=1e-9)
    assert table[-1, 1] == pytest.approx(reading)
    assert np.all(np.abs(table[:, 1]) < 1e-9)
    part = inst.query('TRAC:DATA? 10, 20, "MyBuffer", READ, REL').split(",")
    rel = np.array(part, dtype=float).reshape(11, 2)[:, 1]
    assert np.allclose(np.diff(rel), 1e-3 + 0.1 / LINE_HZ)
    assert float(inst.query(':TRAC:STAT:AVER? "MyBuffer"')) == pytest.approx(
        table[:, 1].mean(), rel=1e-5)
    with pytest.raises(pyvisa.errors.VisaIOError):
        inst.query('TRAC:DATA? 99, 101, "MyBuffer"')
    assert errors(inst)[0].startswith("-222,")
