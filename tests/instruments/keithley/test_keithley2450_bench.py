"""Keithley 2450 driver, role and emulator end to end through @labmem: instrument-side sweeps
show the device's volatile and nonvolatile switching, third-party clients work, bad input is
refused, and a sweep costs a fixed number of VISA transactions."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keithley import Keithley2450 as PyMeasureKeithley2450

from labmem.instruments.keithley.keithley2450 import Keithley2450SourceMeter
from labmem.simulated_instruments.visa.traffic import count_traffic

SMU = "USB0::0x05E6::0x2450::04412345::INSTR"
VOLATILE_A = 10e-9
NONVOLATILE_A = 1e-3


@pytest.fixture
def lib(new_bench):
    return new_bench(instruments={"smu": {"model": "keithley2450", "resource": SMU}})


@pytest.fixture
def smu(lib):
    role = Keithley2450SourceMeter(SMU, visa_library=lib)
    yield role
    role.safe_off()


def bench_of(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


def triangle(v_pos: float, v_neg: float, step: float = 0.01) -> np.ndarray:
    """0 → v_pos → v_neg → 0 in steps of step."""
    up = np.arange(0.0, v_pos, step)
    down = np.arange(v_pos, v_neg, -step)
    back = np.arange(v_neg, step / 2, step)
    return np.concatenate([up, down, back])


def first_fire(smu: Keithley2450SourceMeter) -> None:
    smu.configure(VOLATILE_A, nplc=0.01)
    result = smu.sweep(triangle(3.0, -0.5), rate_v_per_s=1.0)
    assert result.in_compliance.any(), "a virgin device fires below 3 V"


def test_volatile_threshold_switching_at_10_na(smu):
    first_fire(smu)
    for _ in range(2):
        r = smu.sweep(triangle(1.5, -0.5), rate_v_per_s=1.0)
        # float32 times: each within t × 2^-24 of the instrument's
        assert r.t[0] == 0.0
        assert np.allclose(np.diff(r.t), 0.01, rtol=0, atol=2 * r.t[-1] * 2.0**-24)
        limited = r.in_compliance
        assert limited.any()
        k = int(np.argmax(limited))
        assert 0.1 < r.v[k] < 1.5, "switches on the way up"
        assert np.all(np.abs(r.i) <= 1.05 * VOLATILE_A)
        assert np.all(np.abs(r.i[limited]) > 0.9 * VOLATILE_A)
        assert abs(r.i[0]) < 1e-10, "off at the start of the sweep"
        # volatile: back off on the negative branch and at the end of the return
        tail = r.v[-20:]
        assert np.all(np.abs(r.i[-20:]) < 1e-10) and np.all(tail <= 1e-9)
        assert not limited[-20:].any()


def test_nonvolatile_set_at_1_ma_persists(smu, lib):
    first_fire(smu)
    smu.configure(NONVOLATILE_A, nplc=0.01)
    r = smu.sweep(np.concatenate([np.arange(0, 2.0, 0.01), np.arange(2.0, -0.005, -0.01)]),
                  dwell_s=0.01)
    assert r.in_compliance.any()
    assert np.all(np.abs(r.i) <= 1.05 * NONVOLATILE_A)
    smu.configure(NONVOLATILE_A, nplc=1.0)
    smu.apply(0.1)
    v, i, limited = smu.measure()
    assert v == pytest.approx(0.1, abs=1e-3) and not limited
    assert v / i < 10e3, "low resistance after the set"
    bench_of(lib).advance(10.0)
    v2, i2, _ = smu.measure()
    assert v2 / i2 < 10e3, "the set persists"
    assert i2 == pytest.approx(i, rel=0.2)


def test_pymeasure_own_driver_applies_and_reads(lib):
    k = PyMeasureKeithley2450(SMU, visa_library=lib)
    k.reset()
    k.apply_voltage(compliance_current=1e-6)
    k.measure_current(nplc=1, current=1e-6, auto_range=False)
    assert k.compliance_current == pytest.approx(1e-6)
    assert k.current_range == pytest.approx(1e-6)
    assert k.current_nplc == pytest.approx(1.0)
    k.source_voltage = 0.1
    assert k.source_voltage == pytest.approx(0.1)
    k.enable_source()
    assert k.source_enabled
    i_hrs = k.current
    assert abs(i_hrs) < 1e-9, "a virgin device at 0.1 V is insulating"
    k.source_voltage = 3.0
    i_on = k.current
    assert 0.5e-6 < abs(i_on) <= 1.05e-6, "fired and clamped at the current limit"
    assert k.check_errors() == []
    k.disable_source()
    assert not k.source_enabled
    assert k.id.startswith("KEITHLEY INSTRUMENTS,MODEL 2450")


def test_raw_pyvisa_script_from_the_manual(lib):
    rm = pyvisa.ResourceManager(lib)
    inst = rm.open_resource(SMU, read_termination="\n", write_termination="\n")
    inst.write("*RST")
    inst.write('SENS:FUNC "CURR"')
    inst.write("SENS:CURR:RANG:AUTO ON")
    inst.write("SENS:CURR:NPLC 0.1")
    inst.write("SOUR:FUNC VOLT")
    inst.write("SOUR:VOLT:ILIM 1e-6")
    inst.write("SOUR:LIST:VOLT 0.1, 0.2, 0.3, 0.4, 0.5, 0.6")
    inst.write("SOUR:LIST:VOLT:APP 0.5, 0.4, 0.3, 0.2, 0.1, 0")
    assert inst.query("SOUR:LIST:VOLT:POIN?") == "12"
    inst.write('SOUR:SWE:VOLT:LIST 1, 0.01, 1, OFF, "defbuffer1"')
    inst.write("INIT")
    inst.write("*WAI")
    assert inst.query("*OPC?") == "1"
    assert int(inst.query('TRAC:ACT? "defbuffer1"')) == 12
    fields = inst.query('TRAC:DATA? 1, 12, "defbuffer1", SOUR, READ, REL').split(",")
    table = np.array(fields, dtype=float).reshape(12, 3)
    assert np.allclose(table[:6, 0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], atol=1e-3)
    assert np.all(np.abs(table[:, 1]) < 1e-9)
    assert np.allclose(np.diff(table[:, 2]), 0.01 + 0.1 / 50)
    inst.write("FORM:DATA REAL")
    inst.write("FORM:BORD NORM")
    inst.write('TRAC:DATA? 1, 12, "defbuffer1", READ, SOUR')
    inst.read_termination = None
    raw = inst.read_bytes(2 + 12 * 2 * 8 + 1)
    assert raw[:2] == b"#0" and raw[-1:] == b"\n"
    binary = np.frombuffer(raw[2:-1], ">f8").reshape(12, 2)
    assert np.allclose(binary[:, 1], table[:, 0], atol=1e-6)
    inst.read_termination = "\n"
    inst.write("FORM:DATA ASC")
    assert inst.query(":SYST:ERR?").startswith("+0,")
    inst.write("OUTP OFF")
    inst.close()


def test_bad_input_refused(smu, lib):
    with pytest.raises(ValueError, match="compliance_a"):
        smu.configure(2.0)
    with pytest.raises(ValueError, match="dwell_s"):
        smu.sweep([0.0, 0.1], dwell_s=1e-6)
    with pytest.raises(ValueError, match="rate_v_per_s"):
        smu.sweep([0.0, 0.1], rate_v_per_s=1e6)
    with pytest.raises(ValueError, match="voltages"):
        smu.sweep(np.zeros(2501), dwell_s=0.1)
    inst = pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                     write_termination="\n")
    inst.write(":SOUR:VOLT:ILIM 2")
    assert inst.query(":SYST:ERR?").startswith("-222,")
    assert float(inst.query(":SOUR:VOLT:ILIM?")) == pytest.approx(1.05e-4)
    inst.write(":SOUR:VOLT 500")
    assert inst.query(":SYST:ERR?").startswith("-222,")
    inst.write(":SENS:CURR:NPLC 20")
    assert inst.query(":SYST:ERR?").startswith("-222,")
    assert inst.query(":OUTP?") == "0"
    inst.write(":SOUR:VOLTT 1")
    assert inst.query(":SYST:ERR?").startswith("-113,")
    assert inst.query(":SYST:ERR?").startswith("+0,")
    assert inst.query(":OUTP?") == "0"


def test_safe_off_after_an_exception_mid_sweep(smu, monkeypatch):
    smu.configure(1e-6, nplc=0.01)
    smu.apply(0.5)

    def broken(*args, **kwargs):
        raise pyvisa.errors.VisaIOError(pyvisa.constants.StatusCode.error_timeout)

    monkeypatch.setattr(smu.driver, "read_bytes", broken)
    with pytest.raises(pyvisa.errors.VisaIOError):
        smu.sweep(np.linspace(0, 1, 50), dwell_s=0.01)
    monkeypatch.undo()
    smu.safe_off()
    assert smu.driver.output_enabled is False
    assert smu.driver.source_voltage == 0.0
    assert not smu.output_enabled


def test_sweep_costs_a_fixed_number_of_transactions_and_8_bytes_per_point(smu, lib):
    smu.configure(1e-6, nplc=0.01)
    visalib = pyvisa.ResourceManager(lib).visalib
    traffic = {}
    for n in (100, 1000):
        levels = np.linspace(0.0, 0.3, n)
        with count_traffic(visalib) as t:
            r = smu.sweep(levels, dwell_s=1e-3)
        assert r.i.size == n
        traffic[n] = t
    assert traffic[100].transactions == traffic[1000].transactions <= 7
    # 8 bytes a point, and one digit more in the :TRACe:ACTual? count
    assert traffic[1000].bytes_in - traffic[100].bytes_in == 8 * 900 + 1


def test_linear_sweep_user_buffer_fail_abort_and_overflow(lib):
    inst = pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                     write_termination="\n")
    inst.write('*RST;:SENS:CURR:NPLC 0.01;:SOUR:VOLT:ILIM 1e-8;:TRAC:MAKE "ivbuf", 5000')
    inst.write(':SOUR:SWE:VOLT:LIN 0, 3, 301, 0.001, 1, BEST, ON, OFF, "ivbuf"')
    inst.write(":INIT;*WAI")
    n = int(inst.query(':TRAC:ACT? "ivbuf"'))
    assert 1 < n < 301, "failAbort ON stops at the first limited reading"
    status = inst.query(f':TRAC:DATA? {n}, {n}, "ivbuf", SOURSTAT, STAT').split(",")
    assert int(status[0]) & 32 and int(status[0]) & 128 and int(status[1]) == 8
    assert inst.query(":SOUR:VOLT:ILIM:TRIP?") == "1"
    inst.write(":SOUR:VOLT 0;:SENS:CURR:RANG 1e-8;:SOUR:VOLT:ILIM 1e-3;:SOUR:VOLT 2")
    reading, stat = inst.query(':READ? "defbuffer1", READ, STAT').split(",")
    assert float(reading) == pytest.approx(9.9e37) and int(stat) & 1
    inst.write(":OUTP OFF;:FORM:DATA SREAL")
    inst.write(f':TRAC:DATA? 1, {n}, "ivbuf", READ')
    inst.read_termination = None
    raw = inst.read_bytes(2 + 4 * n + 1)
    assert np.frombuffer(raw[2:-1], "<f4").size == n
    inst.read_termination = "\n"
    inst.write(':TRAC:DATA? 1, 1, "ivbuf", STAT')
    assert inst.query(":SYST:ERR?").startswith("+1133,")
