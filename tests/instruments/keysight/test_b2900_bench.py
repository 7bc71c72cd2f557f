"""Keysight B2902A driver, role and emulator end to end through @labmem, with the B2902A as
the bench's SMU: instrument-side sweeps show volatile and nonvolatile switching and the reset,
compliance holds, pulses are measured inside the pulse, a raw PyVISA script from the manual
works (PyMeasure 0.16 has no B2900 driver), and a sweep costs a fixed number of transactions
and 8 bytes a point."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import pyvisa

from labmem.instruments.keysight.b2900 import B2900SourceMeter
from labmem.simulated_instruments.visa.traffic import count_traffic

SMU = "USB0::0x2A8D::0x9101::MY51140123::INSTR"
VOLATILE_A = 10e-9
NONVOLATILE_A = 1e-3


@pytest.fixture
def lib(new_bench):
    return new_bench(instruments={"smu": {"model": "b2902a", "resource": SMU}})


@pytest.fixture
def smu(lib):
    role = B2900SourceMeter(SMU, visa_library=lib)
    yield role
    role.safe_off()


def open_raw(lib):
    return pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                     write_termination="\n")


def ramp(*corners: float, step: float = 0.01) -> np.ndarray:
    """Levels from corner to corner in steps of step (the last corner included)."""
    legs = [np.arange(a, b, step if b > a else -step) for a, b in pairwise(corners)]
    return np.concatenate([*legs, [corners[-1]]])


def first_fire(smu: B2900SourceMeter) -> None:
    smu.configure(VOLATILE_A, nplc=0.01)
    assert smu.sweep(ramp(0, 3.0, -0.5, 0), rate_v_per_s=1.0).in_compliance.any()


def set_lrs(smu: B2900SourceMeter) -> None:
    first_fire(smu)
    smu.configure(NONVOLATILE_A, nplc=0.01)
    r = smu.sweep(ramp(0, 2.0, 0), dwell_s=0.01)
    assert r.in_compliance.any()
    assert np.all(np.abs(r.i) <= 1.05 * NONVOLATILE_A), "compliance beyond the loop transient"


def resistance(smu: B2900SourceMeter, v: float = 0.1) -> float:
    smu.configure(NONVOLATILE_A, nplc=1.0)
    smu.apply(v)
    v_read, i, limited = smu.measure()
    assert not limited
    return v_read / i


def test_volatile_sweep_at_10_na_returns_to_hrs(smu):
    first_fire(smu)
    for _ in range(2):
        r = smu.sweep(ramp(0, 1.5, -0.5, 0), rate_v_per_s=1.0)
        assert r.t[0] == 0.0 and np.allclose(np.diff(r.t), 0.01, rtol=1e-6)
        k = int(np.argmax(r.in_compliance))
        assert r.in_compliance.any() and 0.1 < r.v[k] < 1.5, "switches on the way up"
        assert np.all(np.abs(r.i) <= 1.05 * VOLATILE_A)
        assert np.all(np.abs(r.i[r.in_compliance]) > 0.9 * VOLATILE_A)
        assert np.all(np.abs(r.i[-20:]) < 1e-10) and not r.in_compliance[-20:].any()
    assert resistance(smu) > 1e9, "volatile: back to HRS"


def test_1_ma_set_holds_lrs_and_negative_sweep_resets(smu, lib):
    set_lrs(smu)
    r_lrs = resistance(smu)
    assert r_lrs < 10e3
    pyvisa.ResourceManager(lib).visalib.bench.advance(10.0)
    assert resistance(smu) == pytest.approx(r_lrs, rel=0.2), "the set persists"
    smu.configure(10e-3, nplc=0.01)
    r = smu.sweep(ramp(0, -2.0, 0), dwell_s=0.01)  # the paper's nonvolatile reset reaches -2 V
    assert np.all(np.abs(r.i) <= 1.05 * 10e-3)
    assert resistance(smu) > 1e9, "reset to HRS"


def test_pulse_is_measured_inside_the_pulse(smu):
    set_lrs(smu)
    smu.configure(NONVOLATILE_A, nplc=0.005)  # 100 µs aperture
    dc = {}
    for level in (0.05, 0.1):
        smu.apply(level)
        dc[level] = smu.measure()[1]
    v, i, limited = smu.pulse(0.1, 1e-3, base_v=0.05)
    assert v == 0.1 and not limited
    assert i == pytest.approx(dc[0.1], rel=0.02), "the device's current at the peak"
    assert abs(dc[0.1] - dc[0.05]) > 0.3 * dc[0.05], "peak and base currents differ"
    smu.apply(0.05)
    assert smu.measure()[1] == pytest.approx(dc[0.05], rel=0.02), "base after the pulse"
    train = smu.pulse_train([0.05, 0.1, 0.15], 1e-3, 5e-3, base_v=0.05)
    assert np.allclose(train.t, [0.0, 5e-3, 1e-2])
    assert np.all(np.diff(train.i) > 0) and not train.in_compliance.any()
    with pytest.raises(ValueError, match="measure_delay_s"):
        smu.pulse(0.1, 1e-3, measure_delay_s=0.95e-3)
    back_to_back = smu.pulse_train([0.1] * 50, 1e-3, 1e-3, base_v=0.05)  # period = width
    assert back_to_back.i == pytest.approx(dc[0.1], rel=0.02)


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
    assert not smu.output_enabled
    assert smu.driver.ch_1.source_voltage == 0.0
    assert smu.driver.ch_1.source_shape == "dc"


def test_raw_pyvisa_script_from_the_manual(lib):
    inst = open_raw(lib)
    inst.write("*RST")
    inst.write(":SOUR:FUNC:MODE VOLT")
    inst.write(":SOUR:VOLT:MODE SWE")
    inst.write(":SOUR:VOLT:STAR 0")
    inst.write(":SOUR:VOLT:STOP 0.5")
    inst.write(":SOUR:VOLT:POIN 6")
    inst.write(':SENS:FUNC "CURR"')
    inst.write(":SENS:CURR:APER 1E-3")
    inst.write(":SENS:CURR:PROT 1E-6")
    inst.write(":TRIG:SOUR TIM;:TRIG:TIM 4E-3;:TRIG:COUN 6")
    inst.write(":SOUR2:VOLT 0.3;:OUTP2:LOW FLO")
    inst.write(":OUTP ON")
    inst.write(":INIT (@1,2)")
    assert inst.query(":SYST:ERR?") == '+0,"No error"'
    sour = np.array(inst.query(":FETC:ARR:SOUR? (@1)").split(","), float)
    assert np.allclose(sour, np.linspace(0, 0.5, 6))
    curr = np.array(inst.query(":FETC:ARR:CURR? (@1)").split(","), float)
    assert curr.size == 6 and np.all(np.abs(curr) < 1e-9), "a virgin device is insulating"
    both = np.array(inst.query(":FETC:ARR:CURR? (@1,2)").split(","), float)
    assert both.size == 12 and np.array_equal(both[0::2], curr), "interleaved point by point"
    assert abs(both[1]) < 1e-10 and np.all(both[3::2] == 9.91e37), "channel 2 took one point"
    inst.write(":FORM:ELEM:SENS TIME,CURR,SOUR")
    assert inst.query(":FORM:ELEM:SENS?") == "CURR,TIME,SOUR"
    table = np.array(inst.query(":FETC:ARR?").split(","), float).reshape(6, 3)
    assert np.array_equal(table[:, 0], curr) and np.allclose(np.diff(table[:, 1]), 4e-3)
    assert inst.query(":FETC:ARR:VOLT? (@2)") == "+3.000000E-01"
    assert abs(float(inst.query(":FETC:ARR:CURR? (@2)"))) < 1e-10, "open terminals"
    inst.write(":FORM REAL,32;:FORM:BORD NORM")
    binary = inst.query_binary_values(":FETC:ARR:CURR? (@1)", datatype="f", is_big_endian=True)
    assert np.allclose(binary, curr, rtol=1e-6)
    inst.write(":FORM ASC")
    # a pulse in FIXed mode, read once inside it and once after it, on the base
    inst.write(":SOUR:FUNC:SHAP PULS;:SOUR:VOLT:MODE FIX;:SOUR:VOLT 0.2;:SOUR:VOLT:TRIG 3")
    inst.write(":SOUR:PULS:WIDT 1E-3;:TRIG:COUN 1;:TRIG:ACQ:DEL 5E-4;:SENS:CURR:APER 1E-4")
    inst.write(":INIT")
    inside = float(inst.query(":FETC:ARR:CURR?"))
    assert inst.query(":SENS:CURR:PROT:TRIP?") == "1"
    assert inside == pytest.approx(1e-6, rel=0.05), "fired and clamped inside the pulse"
    inst.write(":TRIG:ACQ:DEL 2E-3;:INIT")
    after = float(inst.query(":FETC:ARR:CURR?"))
    assert after < 0.9e-6, "after the pulse the base's current"
    inst.write(":TRIG:TIM 1E-3;:TRIG:ACQ:DEL 2E-3;:INIT")
    assert inst.query(":SYST:ERR?").startswith("-221,"), "timer shorter than the point"
    inst.write(":SENS:CURR:PROT 5;:SOUR:PULS:WIDT 1E-6;:SOUR:VOLTT 1;:OUTP3 ON")
    assert [inst.query(":SYST:ERR?")[:4] for _ in range(5)] == [
        "-222", "-222", "-113", "-113", "+0,\""]
    assert float(inst.query(":SENS:CURR:NPLC 1000;:SENS:CURR:NPLC?")) == 100.0, "set to MAX"
    inst.write(":OUTP OFF")
    inst.close()


def test_sweep_transactions_do_not_grow_with_points(smu, lib):
    smu.configure(1e-6, nplc=0.01)
    visalib = pyvisa.ResourceManager(lib).visalib
    counts, bytes_in = {}, {}
    for n in (100, 1000):
        with count_traffic(visalib) as traffic:
            r = smu.sweep(np.linspace(0.0, 0.3, n), dwell_s=1e-3)
        assert r.i.size == n
        counts[n], bytes_in[n] = traffic.transactions, traffic.bytes_in
    assert counts[100] == counts[1000] <= 6
    # current and status in REAL,32; the longer block has one more length digit in its header
    assert bytes_in[1000] - bytes_in[100] == 8 * 900 + 1
