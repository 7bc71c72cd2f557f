"""33522B emulator against clients it did not write: PyMeasure's own Agilent33500 driver,
unmodified, and a raw PyVISA script in the style of the guide's programming examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pyvisa
from pymeasure.instruments.agilent.agilent33500 import Agilent33500

AWG = "USB0::0x0957::0x2C07::MY57800256::INSTR"


@pytest.fixture
def lib(new_bench):
    return new_bench(setup="pulse", instruments={"awg": {"model": "33522b", "resource": AWG}})


@pytest.fixture
def bench(lib):
    return pyvisa.ResourceManager(lib).visalib.bench


def test_pymeasure_agilent33500_drives_both_channels(lib, bench):
    gen = Agilent33500(AWG, visa_library=lib)
    emu = bench.instruments["awg"]
    assert gen.id.startswith("Agilent Technologies,33522B")
    gen.shape = "SQU"
    gen.frequency = 2e3
    gen.amplitude = 1.5
    gen.offset = 0.25
    assert (gen.shape, gen.frequency, gen.amplitude, gen.offset) == ("SQU", 2e3, 1.5, 0.25)
    gen.ch_2.shape = "SIN"
    gen.ch_2.amplitude = 0.5
    gen.ch_2.output = True
    assert gen.ch_2.output is True and gen.ch_2.amplitude == 0.5
    assert emu.ch[2].shape == "SIN" and emu.ch[1].shape == "SQU"
    gen.ch_1.data_volatile_clear()
    gen.ch_1.data_arb("ramp", range(-10000, 10000, 20), data_format="DAC")
    gen.ch_1.data_arb("half", [0.5] * 8 + [-0.5] * 8, data_format="float")
    gen.ch_1.arb_file = "ramp"
    gen.ch_1.shape = "ARB"
    gen.ch_1.arb_srate = 1e6
    gen.ch_1.arb_filter = "STEP"
    assert gen.ch_1.arb_file == '"ramp"' and gen.ch_1.arb_srate == 1e6
    assert emu.ch[1].arbs["RAMP"].size == 1000
    assert np.allclose(emu.ch[1].arbs["HALF"], np.repeat([0.5, -0.5], 8), atol=1 / 32767)
    gen.ch_1.burst_mode = "TRIG"
    gen.ch_1.burst_ncycles = 2
    gen.ch_1.burst_state = True
    gen.trigger_source = "BUS"
    gen.ch_1.output = True
    t0 = bench.now
    gen.trigger()  # *TRG;*WAI
    assert bench.now - t0 == pytest.approx(2 * 1000 / 1e6, rel=1e-3)
    gen.ch_1.output_load = "INF"
    assert gen.ch_1.output_load == pytest.approx(9.9e37)
    assert gen.check_errors() == []


def test_raw_pyvisa_script_in_the_guides_style(lib, bench):
    rm = pyvisa.ResourceManager(lib)
    fg = rm.open_resource(AWG, read_termination="\n", write_termination="\n")
    fg.write("*RST;*CLS")
    fg.write("SOURCE1:DATA:VOLATILE:CLEAR")
    fg.write("FORMAT:BORDER SWAP")
    points = np.round(np.sin(np.linspace(0, 2 * np.pi, 1000, endpoint=False)) * 32767)
    fg.write_binary_values("SOURCE1:DATA:ARBITRARY:DAC MYSINE,", points.astype("<i2"),
                           datatype="h", is_big_endian=False)
    fg.write("SOURCE1:FUNCTION:ARBITRARY MYSINE")
    fg.write("SOURCE1:FUNCTION ARB")
    fg.write("SOURCE1:FUNCTION:ARBITRARY:SRATE 10E6")
    fg.write("SOURCE1:VOLTAGE 2;:SOURCE1:VOLTAGE:OFFSET 0")
    fg.write("OUTPUT1:LOAD INF")  # 2 Vpp into 50 Ω is 4 Vpp open-circuit: the EMF stays
    assert float(fg.query("SOUR1:VOLT?")) == pytest.approx(4.0)
    fg.write("OUTPUT1 ON")
    assert fg.query("*OPC?") == "1"
    assert fg.query("SYSTEM:ERROR?") == '+0,"No error"'
    assert fg.query("SOURCE1:DATA:ATTRIBUTE:POINTS?") == "1000"
    assert fg.query("DATA:VOL:CAT?") == '"MYSINE"'
    _, v, sync = bench.instruments["awg"].idle_output(bench.now, 200e-6)
    assert v.max() == pytest.approx(2.0, abs=1e-3) and v.min() == pytest.approx(-2.0, abs=1e-3)
    assert sync.size == 2, "one sync edge per 100 µs cycle"
    fg.write("SOURCE1:VOLTAGE 22")  # beyond 20 Vpp open-circuit
    assert fg.query("SYST:ERR?") == '-222,"Data out of range"'
    fg.write("SOURCE3:FREQUENCY 1E3")
    assert fg.query("SYST:ERR?") == '-113,"Undefined header"'
    assert math.isclose(float(fg.query("SOUR2:FREQ?")), 1e3)
    fg.close()
