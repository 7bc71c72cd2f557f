"""Keithley 2600B driver transcripts written from the Series 2600B reference manual (TSP)."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.test import expected_protocol

from labmem.instruments.keithley.keithley2600 import Keithley2600

CONTROLS = [
    ("source_function", "source.func", "voltage", "1", "1.00000e+00"),
    ("source_voltage", "source.levelv", 1.5, "1.5", "1.50000e+00"),
    ("source_voltage_range_auto", "source.autorangev", True, "1", "1.00000e+00"),
    ("compliance_current", "source.limiti", 1e-8, "1e-08", "1.00000e-08"),
    ("output_enabled", "source.output", False, "0", "0.00000e+00"),
    ("current_range", "measure.rangei", 1e-8, "1e-08", "1.00000e-08"),
    ("current_range_auto", "measure.autorangei", False, "0", "0.00000e+00"),
    ("nplc", "measure.nplc", 0.01, "0.01", "1.00000e-02"),
    ("measure_delay", "measure.delay", 0.002, "0.002", "2.00000e-03"),
]


@pytest.mark.parametrize("channel", ["a", "b"])
@pytest.mark.parametrize("name, attribute, value, sent, reply", CONTROLS)
def test_control_set_and_get(channel, name, attribute, value, sent, reply):
    with expected_protocol(Keithley2600, [
        (f"smu{channel}.{attribute} = {sent}", None),
        (f"print(smu{channel}.{attribute})", reply),
    ]) as inst:
        smu = getattr(inst, f"smu{channel}")
        setattr(smu, name, value)
        assert getattr(smu, name) == value


@pytest.mark.parametrize("name, value", [
    ("source_voltage", 201.0), ("compliance_current", 2.0), ("compliance_current", 1e-12),
    ("current_range", 3e-6), ("nplc", 30.0), ("measure_delay", -1.0),
    ("source_function", "power"),
])
def test_validators_refuse(name, value):
    with expected_protocol(Keithley2600, []) as inst, pytest.raises(ValueError):
        setattr(inst.smua, name, value)


def test_measurements_and_errors():
    with expected_protocol(Keithley2600, [
        ("*IDN?", "Keithley Instruments Inc., Model 2636B, 4308079, 3.2.2"),
        ("print(smua.measure.i())", "1.23456e-07"),
        ("local i, v = smub.measure.iv() print(v, i, smub.source.compliance)",
         "5.00000e-01\t1.00000e-08\ttrue"),
        ("print(smua.source.compliance)", "false"),
        ("print(localnode.linefreq)", "5.00000e+01"),
        ("print(errorqueue.count)", "1.00000e+00"),
        ("print(errorqueue.next())",
         "-2.85000e+02\tTSP Syntax error at line 1: unexpected symbol near '='\t"
         "2.00000e+01\t1.00000e+00"),
    ]) as inst:
        assert inst.id == "Keithley Instruments Inc., Model 2636B, 4308079, 3.2.2"
        assert inst.smua.current == pytest.approx(1.23456e-7)
        assert inst.smub.read_point() == (0.5, 1e-8, True)
        assert inst.smua.compliance_tripped is False
        assert inst.line_frequency == 50.0
        assert inst.check_errors() == [
            (-285, "TSP Syntax error at line 1: unexpected symbol near '='")]


def test_sweep_script_uploads_the_list_and_runs_the_trigger_model_once():
    with expected_protocol(Keithley2600, []) as inst:
        script = inst.sweep_script("a", [0.0, 0.5, 1.0], 0.002)
    lines = script.split("\n")
    assert lines[0] == "loadscript labmem_sweep" and lines[-1] == "endscript"
    assert "smua.measure.delay = 0.002" in lines
    assert lines[lines.index("smua.trigger.source.listv({") + 1] == "0, 0.5, 1,"
    assert "smua.trigger.count = 3" in lines
    assert "smua.trigger.measure.i(smua.nvbuffer1)" in lines
    assert lines.index("smua.source.output = smua.OUTPUT_ON") < lines.index(
        "smua.trigger.initiate()")


def test_run_sweep_reads_one_real32_block():
    readings = np.array([[1e-9, 0.0], [2e-9, 0.01], [3e-9, 0.02]], dtype="<f4")
    block = b"#0" + readings.tobytes() + b"\n"
    with expected_protocol(Keithley2600, []) as inst:
        script = inst.sweep_script("a", [0.1, 0.2, 0.3], 0.001)
    message = (f"{script}\nlabmem_sweep()\nprint(errorqueue.count)\n"
               "format.data = format.REAL32 format.byteorder = format.LITTLEENDIAN "
               "printbuffer(1, 3, smua.nvbuffer1.readings, smua.nvbuffer1.timestamps) "
               "format.data = format.ASCII")
    with expected_protocol(Keithley2600, [(message, "0.00000e+00"), (None, block)]) as inst:
        data = inst.run_sweep("a", [0.1, 0.2, 0.3], 0.001, timeout_s=1.0)
    assert np.allclose(data, readings)
