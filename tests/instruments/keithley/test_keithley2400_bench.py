"""Keithley 2400 driver, role and emulator end to end through @labmem, on a bench file with the
2400 in the smu role: sweeps show volatile and nonvolatile switching within the compliance,
PyMeasure's own driver and a raw PyVISA script from the manual work, errors are the manual's."""

from __future__ import annotations

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keithley import Keithley2400 as PyMeasureKeithley2400

from labmem.instruments.keithley.keithley2400 import Keithley2400SourceMeter
from labmem.simulated_instruments.visa.traffic import count_traffic

SMU = "GPIB0::24::INSTR"
VOLATILE_A = 10e-9
NONVOLATILE_A = 1e-3


def bench_file(tmp_path, model: str = "keithley2400") -> str:
    """A bench with the 2400 in the smu role; its VISA library string."""
    path = tmp_path / f"{model}.yaml"
    path.write_text(f'seed: 3\ninstruments: {{smu: {{model: {model}, resource: "{SMU}"}}}}\n')
    return f"{path}@labmem"


@pytest.fixture
def lib(tmp_path):
    return bench_file(tmp_path)


@pytest.fixture
def smu(lib):
    role = Keithley2400SourceMeter(SMU, visa_library=lib)
    yield role
    role.safe_off()


def open_raw(lib):
    return pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                     write_termination="\n")


def triangle(v_pos: float, v_neg: float, step: float = 0.01) -> np.ndarray:
    """0 → v_pos → v_neg → 0 in steps of step."""
    return np.concatenate([np.arange(0.0, v_pos, step), np.arange(v_pos, v_neg, -step),
                           np.arange(v_neg, step / 2, step)])


def first_fire(smu: Keithley2400SourceMeter) -> None:
    smu.configure(VOLATILE_A, nplc=0.01)
    assert smu.sweep(triangle(3.0, -0.5), rate_v_per_s=1.0).in_compliance.any()


def test_volatile_sweep_at_10_na_returns_to_hrs(smu):
    first_fire(smu)
    for _ in range(2):
        r = smu.sweep(triangle(1.5, -0.5), rate_v_per_s=1.0)
        assert r.t[0] == 0.0 and np.allclose(np.diff(r.t), 0.01, rtol=1e-4)
        limited = r.in_compliance
        k = int(np.argmax(limited))
        assert limited.any() and 0.1 < r.v[k] < 1.5, "switches on the way up"
        assert np.all(np.abs(r.i) <= 1.05 * VOLATILE_A), "compliance never exceeded"
        assert np.all(np.abs(r.i[limited]) > 0.9 * VOLATILE_A)
        # back to HRS: the 1 µA range at NPLC 0.01 reads noise of ~100 pA rms around 0
        tail = r.i[-20:]
        assert np.all(np.abs(tail) < 1e-9) and abs(tail.mean()) < 1e-10, "back to HRS"
        assert not limited[-20:].any()


def test_set_at_1_ma_holds_lrs_and_negative_sweep_resets(smu, lib):
    first_fire(smu)
    smu.configure(NONVOLATILE_A, nplc=0.01)
    r = smu.sweep(np.concatenate([np.arange(0, 2.0, 0.01), np.arange(2.0, -0.005, -0.01)]),
                  dwell_s=0.01)
    assert r.in_compliance.any() and np.all(np.abs(r.i) <= 1.05 * NONVOLATILE_A)
    smu.configure(NONVOLATILE_A, nplc=1.0)
    smu.apply(0.1)
    v, i, limited = smu.measure()
    assert v == pytest.approx(0.1) and not limited and v / i < 10e3, "LRS after the set"
    pyvisa.ResourceManager(lib).visalib.bench.advance(10.0)
    assert 0.1 / smu.measure()[1] < 10e3, "the set persists"
    smu.configure(NONVOLATILE_A, nplc=0.01)
    smu.sweep(np.concatenate([np.arange(0, -2.0, -0.01), np.arange(-2.0, 0.005, 0.01)]),
              dwell_s=0.01)
    smu.configure(NONVOLATILE_A, nplc=1.0)
    smu.apply(0.1)
    assert 0.1 / smu.measure()[1] > 1e6, "the negative sweep resets to HRS"


def test_safe_state_after_an_exception_mid_sweep(smu, monkeypatch):
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
    assert smu.driver.source_voltage == 0.0
    assert smu.driver.source_voltage_mode == "fixed"


def test_sweep_is_five_transactions_and_8_bytes_per_point(smu, lib):
    smu.configure(1e-6, nplc=0.01)
    visalib = pyvisa.ResourceManager(lib).visalib
    traffic = {}
    for n in (100, 2500):
        with count_traffic(visalib) as t:
            assert smu.sweep(np.linspace(0.0, 0.3, n), dwell_s=1e-3).i.size == n
        traffic[n] = t
    assert traffic[100].transactions == traffic[2500].transactions == 5
    assert traffic[2500].bytes_in - traffic[100].bytes_in == 8 * 2400
    with pytest.raises(ValueError, match="voltages"):
        smu.sweep(np.zeros(2501), dwell_s=0.1)


def test_pymeasure_own_driver(lib):
    k = PyMeasureKeithley2400(SMU, visa_library=lib)
    assert k.id.startswith("KEITHLEY INSTRUMENTS INC.,MODEL 2400")
    k.reset()
    with pytest.warns(FutureWarning):
        k.apply_voltage(compliance_current=1e-6)
    with pytest.warns(FutureWarning):
        k.measure_current(nplc=1, current=1e-6, auto_range=True)
    assert k.compliance_current == pytest.approx(1e-6)
    k.source_voltage = 0.1
    k.enable_source()
    assert k.source_enabled
    assert abs(k.current) < 1e-9, "a virgin device at 0.1 V is insulating"
    k.ramp_to_voltage(3.0, steps=4, pause=0)
    assert 0.5e-6 < abs(k.current) <= 1.05e-6, "fired and held at the compliance"
    k.config_buffer(points=10)
    k.start_buffer()
    k.wait_for_buffer(timeout=1, interval=0)
    volts, amps, _res = k.means[:3]
    assert volts == pytest.approx(3.0) and 0.5e-6 < abs(amps) <= 1.05e-6
    assert len(k.buffer_data) == 10 * 5
    assert k.check_errors() == []
    k.ramp_to_voltage(0.0, steps=4, pause=0)
    k.disable_source()
    assert not k.source_enabled


def test_raw_pyvisa_list_sweep_from_the_manual(lib):
    inst = open_raw(lib)
    inst.write("*RST")
    inst.write(':SENS:FUNC:CONC OFF;:SOUR:FUNC VOLT;:SENS:FUNC "CURR:DC"')
    inst.write(":SENS:CURR:PROT 1e-6;:SENS:CURR:NPLC 0.1")
    inst.write(":SOUR:VOLT:MODE LIST;:SOUR:LIST:VOLT 0.1,0.2,0.3,0.4,0.5,0.6")
    inst.write(":SOUR:LIST:VOLT:APP 0.5,0.4,0.3,0.2,0.1,0")
    assert inst.query(":SOUR:LIST:VOLT:POIN?") == "12"
    inst.write(":TRIG:COUN 12;:SOUR:DEL 0.01;:FORM:ELEM VOLT,CURR,TIME,STAT")
    inst.write(":READ?")
    assert inst.query(":SYST:ERR?") == '+803,"Not permitted with OUTPUT off"'
    inst.write(":OUTP ON")
    table = np.array(inst.query(":READ?").split(","), dtype=float).reshape(12, 4)
    assert np.allclose(table[:6, 0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert np.all(np.abs(table[:, 1]) < 1e-9)
    assert np.allclose(np.diff(table[:, 2]), 0.01 + 0.1 / 50)
    assert np.all(table[:, 3].astype(int) & 8 == 0), "not in compliance"
    inst.write(":FORM:DATA SREAL;:FORM:BORD NORM")
    inst.write(":FETC?")
    inst.read_termination = None
    raw = inst.read_bytes(2 + 12 * 4 * 4 + 1)
    assert raw[:2] == b"#0" and raw[-1:] == b"\n"
    assert np.allclose(np.frombuffer(raw[2:-1], ">f4").reshape(12, 4), table, rtol=1e-6)
    inst.read_termination = "\n"
    inst.write(":FORM:DATA ASC;:SOUR:VOLT:MODE SWE;:SOUR:VOLT:STAR 0;:SOUR:VOLT:STOP 3")
    inst.write(":SOUR:VOLT:STEP 0.1;:SOUR:SWE:SPAC LIN;:SOUR:SWE:RANG BEST;:TRIG:COUN 31")
    status = np.array(inst.query(":READ?").split(","), dtype=float)[3::4].astype(int)
    assert status[0] & 8 == 0 and status[-1] & 8, "the device fired: compliance bit 3"
    assert inst.query(":SENS:CURR:PROT:TRIP?") == "1"
    inst.write(":TRIG:COUN 2501")
    assert inst.query(":SYST:ERR?").startswith("-222,")
    inst.write(":ARM:COUN 100;:TRIG:COUN 26")
    assert inst.query(":SYST:ERR?").startswith("-221,"), "arm × trigger count ≤ 2500"
    inst.write(":SENS:CURR:RANG 1e-3;:SENS:CURR:PROT 1e-7")
    assert inst.query(":SYST:ERR?") == '+822,"Too small for sense range"'
    inst.write(":SOUR:VOLTT 1")
    assert inst.query(":SYST:ERR?").startswith("-113,")
    assert inst.query(":SYST:ERR?") == '+0,"No error"'
    inst.write(":OUTP OFF")


@pytest.mark.parametrize("model, top_v, idn", [("keithley2401", 21.0, "MODEL 2401"),
                                                ("keithley2410", 1100.0, "MODEL 2410")])
def test_model_limits(tmp_path, model, top_v, idn):
    inst = open_raw(bench_file(tmp_path, model))
    assert idn in inst.query("*IDN?")
    inst.write(f":SOUR:VOLT {top_v}")
    assert inst.query(":SYST:ERR?") == '+0,"No error"'
    inst.write(f":SOUR:VOLT {top_v + 1}")
    assert inst.query(":SYST:ERR?").startswith("-222,")
