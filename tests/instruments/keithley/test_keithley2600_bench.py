"""Keithley 2636B driver, role and TSP emulator end to end through @labmem: the Lua sandbox,
loops and scripts, instrument-side sweeps showing volatile and nonvolatile switching, the
error queue, the safe state, third-party clients, and a sweep's fixed VISA cost."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.keithley import Keithley2600 as PyMeasureKeithley2600

from labmem.instruments.keithley.keithley2600 import Keithley2600SourceMeter
from labmem.simulated_instruments.visa.traffic import count_traffic

SMU = "USB0::0x05E6::0x2636::04412346::INSTR"
VOLATILE_A = 10e-9
NONVOLATILE_A = 1e-3


@pytest.fixture
def lib(new_bench):
    return new_bench(instruments={"smu": {"model": "keithley2636b", "resource": SMU}})


@pytest.fixture
def smu(lib):
    role = Keithley2600SourceMeter(SMU, visa_library=lib)
    yield role
    role.safe_off()


@pytest.fixture
def inst(lib):
    session = pyvisa.ResourceManager(lib).open_resource(SMU, read_termination="\n",
                                                        write_termination="\n")
    yield session
    session.close()


def bench_of(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


def triangle(v_pos: float, v_neg: float, step: float = 0.01) -> np.ndarray:
    """0 → v_pos → v_neg → 0 in steps of step."""
    up = np.arange(0.0, v_pos, step)
    down = np.arange(v_pos, v_neg, -step)
    back = np.arange(v_neg, step / 2, step)
    return np.concatenate([up, down, back])


def next_error(inst) -> tuple[int, str]:
    code, message, *_ = inst.query("print(errorqueue.next())").split("\t")
    return int(float(code)), message


def first_fire(smu: Keithley2600SourceMeter) -> None:
    smu.configure(VOLATILE_A, nplc=0.01)
    result = smu.sweep(triangle(3.0, -0.5), rate_v_per_s=1.0)
    assert result.in_compliance.any(), "a virgin device fires below 3 V"


def test_lua_sandbox_refuses_the_host(inst):
    for chunk in ("os.execute('touch /tmp/labmem_pwned')", "io.open('/etc/passwd')",
                  "require('os')", "python.eval('1')", "loadstring('return 1')()",
                  "print(print.__class__)"):
        inst.write(chunk)
        code, message = next_error(inst)
        assert code == -286, (chunk, message)
    assert next_error(inst) == (0, "Queue Is Empty")


def test_loops_functions_and_named_scripts_run(inst):
    inst.write("function square(x) return x * x end")
    inst.write("total = 0 for k = 1, 10 do total = total + square(k) end")
    assert float(inst.query("print(total)")) == 385.0
    inst.write("loadscript countdown\nfor k = 3, 1, -1 do print(k) end\nendscript")
    inst.write("countdown()")
    assert [float(inst.read()) for _ in range(3)] == [3.0, 2.0, 1.0]
    inst.write("countdown.run()")
    assert float(inst.read()) == 3.0
    inst.read(), inst.read()
    inst.write("script.delete('countdown')")
    inst.write("countdown()")
    assert next_error(inst)[0] == -286


def test_syntax_and_runtime_errors_go_to_the_error_queue(inst):
    inst.write("smua.source.levelv = = 1")
    inst.write("smua.sourc.levelv = 1")
    inst.write("loadscript broken\nfor k = 1, 3 print(k) end\nendscript")
    assert float(inst.query("print(errorqueue.count)")) == 3
    code, message = next_error(inst)
    assert code == -285 and message.startswith("TSP Syntax error at line 1")
    code, message = next_error(inst)
    assert code == -286 and "attempt to index" in message
    assert next_error(inst)[0] == -285
    inst.write("smua.source.limiti = 5")
    assert next_error(inst)[0] == -222
    assert float(inst.query("print(smua.source.limiti)")) == pytest.approx(0.1)
    assert inst.query("*IDN?").startswith("Keithley Instruments Inc., Model 2636B,")


def test_volatile_threshold_switching_at_10_na(smu):
    first_fire(smu)
    for _ in range(2):
        r = smu.sweep(triangle(1.5, -0.5), rate_v_per_s=1.0)
        assert r.t[0] == 0.0 and np.allclose(np.diff(r.t), 0.01, rtol=1e-4)
        limited = r.in_compliance
        assert limited.any()
        k = int(np.argmax(limited))
        assert 0.1 < r.v[k] < 1.5, "switches on the way up"
        assert np.all(np.abs(r.i) <= 1.05 * VOLATILE_A), "never beyond the limit"
        assert abs(r.i[0]) < 1e-10, "off at the start of the sweep"
        assert np.all(np.abs(r.i[-20:]) < 1e-10), "back to HRS: volatile"
        assert not limited[-20:].any()


def test_nonvolatile_set_at_1_ma_holds_and_a_negative_sweep_resets(smu, lib):
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
    assert v2 / i2 < 10e3, "the set holds"
    smu.configure(NONVOLATILE_A, nplc=0.01)
    smu.sweep(np.concatenate([np.arange(0, -1.5, -0.01), np.arange(-1.5, 0.005, 0.01)]),
              dwell_s=0.01)
    smu.configure(NONVOLATILE_A, nplc=1.0)
    smu.apply(0.1)
    v3, i3, _ = smu.measure()
    assert v3 / i3 > 1e6, "the negative sweep resets to HRS"


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
    assert smu.smu.source_voltage == 0.0
    assert smu.driver.check_errors() == []


def test_a_refused_sweep_raises_with_the_instruments_error(smu):
    smu.configure(1e-6, nplc=0.01)
    with pytest.raises(ValueError, match="voltages"):
        smu.sweep(np.full(3, 300.0), dwell_s=0.01)
    smu.driver.write("smua.source.autorangev = 0 smua.source.rangev = 0.2")  # ±0.2 V only
    with pytest.raises(RuntimeError, match="-222"):
        smu.sweep(np.linspace(0, 1, 20), dwell_s=0.01)
    assert smu.driver.check_errors() == []


def test_sweep_costs_a_fixed_number_of_transactions_and_8_bytes_per_point(smu, lib):
    smu.configure(1e-6, nplc=0.01)
    visalib = pyvisa.ResourceManager(lib).visalib
    traffic = {}
    for n in (100, 1000):
        with count_traffic(visalib) as t:
            r = smu.sweep(np.linspace(0.0, 0.3, n), dwell_s=1e-3)
        assert r.i.size == n
        traffic[n] = t
    assert traffic[100].transactions == traffic[1000].transactions <= 4
    assert traffic[1000].bytes_in - traffic[100].bytes_in == 8 * 900


def test_smub_is_an_open_channel(inst):
    inst.write("smub.source.levelv = 1 smub.source.limiti = 1e-3 "
               "smub.source.output = smub.OUTPUT_ON")
    i, v = (float(x) for x in inst.query("print(smub.measure.iv())").split("\t"))
    assert abs(i) < 1e-9 and v == 1.0
    assert float(inst.query("print(smua.source.output)")) == 0


def test_pymeasure_own_driver_applies_and_reads(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PyMeasure's SCPIUnknownMixin
        k = PyMeasureKeithley2600(SMU, visa_library=lib)
    ch = k.ChA
    ch.apply_voltage(compliance_current=1e-6)
    ch.measure_current(nplc=1, current=1e-5, auto_range=False)
    assert ch.compliance_current == pytest.approx(1e-6)
    assert ch.current_range == pytest.approx(1e-5)
    # (ch.measure_nplc's getter maps the reply through its value list: PyMeasure's quirk)
    assert float(k.ask("print(smua.measure.nplc)")) == 1.0
    assert ch.source_mode == "voltage"
    ch.source_voltage = 0.1
    ch.source_output = "ON"
    assert ch.source_output == "ON"
    assert abs(ch.current) < 1e-9, "a virgin device at 0.1 V is insulating"
    assert ch.voltage == pytest.approx(0.1, abs=1e-3)
    ch.ramp_to_voltage(3.0, steps=10, pause=0)
    assert 0.5e-6 < abs(ch.current) <= 1.05e-6, "fired and clamped at the current limit"
    assert k.check_errors() == []
    ch.shutdown()
    assert ch.source_output == "OFF"
    assert k.id.startswith("Keithley Instruments Inc., Model 2636B")


def test_raw_pyvisa_script_from_the_manual(inst):
    inst.write("reset()")
    inst.write("smua.source.func = smua.OUTPUT_DCVOLTS")
    inst.write("smua.source.limiti = 1e-6")
    inst.write("smua.measure.nplc = 0.1")
    inst.write("smua.measure.delay = 0.01")
    inst.write("smua.nvbuffer1.clear() smua.nvbuffer1.collectsourcevalues = 1")
    inst.write("smua.trigger.source.listv({0.1, 0.2, 0.3, 0.4, 0.5, 0.6})")
    inst.write("smua.trigger.source.action = smua.ENABLE")
    inst.write("smua.trigger.measure.action = smua.ENABLE")
    inst.write("smua.trigger.measure.iv(smua.nvbuffer1, smua.nvbuffer2)")
    inst.write("smua.trigger.count = 6")
    inst.write("smua.source.output = smua.OUTPUT_ON")
    inst.write("smua.trigger.initiate()")
    inst.write("waitcomplete()")
    assert float(inst.query("print(smua.nvbuffer1.n)")) == 6
    fields = inst.query("printbuffer(1, smua.nvbuffer1.n, smua.nvbuffer1.sourcevalues, "
                        "smua.nvbuffer1.readings, smua.nvbuffer1.timestamps)").split(", ")
    table = np.array(fields, dtype=float).reshape(6, 3)
    assert np.allclose(table[:, 0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert np.all(np.abs(table[:, 1]) < 1e-9)
    assert np.allclose(np.diff(table[:, 2]), 0.01 + 0.1 / 50)
    inst.write("format.data = format.REAL64 format.byteorder = format.BIGENDIAN")
    inst.write("printbuffer(1, 6, smua.nvbuffer1.readings, smua.nvbuffer2.readings)")
    inst.read_termination = None
    raw = inst.read_bytes(2 + 6 * 2 * 8 + 1)
    inst.read_termination = "\n"
    assert raw[:2] == b"#0" and raw[-1:] == b"\n"
    binary = np.frombuffer(raw[2:-1], ">f8").reshape(6, 2)
    assert np.allclose(binary[:, 0], table[:, 1], rtol=1e-5)
    assert np.allclose(binary[:, 1], table[:, 0], atol=1e-3)
    inst.write("format.data = format.ASCII smua.source.output = smua.OUTPUT_OFF")
    assert next_error(inst) == (0, "Queue Is Empty")
