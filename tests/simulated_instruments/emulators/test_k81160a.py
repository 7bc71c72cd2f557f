"""The 81160A emulator against third-party clients: PyMeasure's own Keysight81160A driver
(unmodified, every channel control and method it has) and a raw PyVISA script in the manual's
command set; each leaves the error queue empty and the emulator in the state asked for."""

from __future__ import annotations

import pytest
import pyvisa
from pymeasure.instruments.keysight import Keysight81160A

AWG = "GPIB0::10::INSTR"


@pytest.fixture
def lib(new_bench):
    return new_bench(setup="pulse", series_ohm=100e3,
                     instruments={"awg": {"model": "81160a", "resource": AWG}})


@pytest.fixture
def emu(lib):
    return pyvisa.ResourceManager(lib).visalib.bench.instruments["awg"]


def no_errors(gen) -> None:
    assert gen.ask(":SYST:ERR?").strip() == '0,"No error"'


@pytest.mark.parametrize("ch", [1, 2])
def test_pymeasure_channel_controls(lib, emu, ch):
    gen = Keysight81160A(AWG, visa_library=lib)
    c = gen.channels[ch]
    settings = [("shape", "PULS"), ("frequency", 100e3), ("pulse_period", 10e-6),
                ("pulse_width", 1e-6), ("pulse_transition", 100e-9), ("pulse_hold", "WIDT"),
                ("pulse_dutycycle", 20.0), ("output_load", 50), ("amplitude", 2.0),
                ("offset", 0.5), ("voltage_high", 1.5), ("voltage_low", -0.5),
                ("amplitude_unit", "VPP"), ("limit_high", 4.0), ("limit_low", -4.0),
                ("limit_state", True), ("phase", 90.0), ("square_dutycycle", 30.0),
                ("ramp_symmetry", 50.0), ("burst_mode", "TRIG"), ("burst_period", 1e-3),
                ("burst_ncycles", 3), ("burst_state", True), ("output", True)]
    for name, value in settings:
        setattr(c, name, value)
        no_errors(gen)
    state = emu.channels[ch - 1]
    assert state.shape == "PULS" and state.width_s == pytest.approx(2e-6)
    assert (state.lead_s, state.trail_s) == (100e-9, 100e-9)
    assert (state.high_v, state.low_v, state.trigger_count) == (1.5, -0.5, 3)
    # PyMeasure maps burst_state through the list [True, False] by index: True is sent as
    # ":BURS<n>:STAT 0" (burst off, continuous) and the reply "0" reads back as True.
    assert state.arm_source == "IMM"
    # PyMeasure's limit_state sends nothing (it is set as a plain attribute): limits stay off.
    assert state.output_on and not state.limit_on and state.limit_high_v == 4.0
    assert c.shape == "PULS" and c.pulse_width == pytest.approx(2e-6)
    assert c.pulse_transition == pytest.approx(100e-9) and c.burst_ncycles == 3
    assert c.output_load == pytest.approx(50) and c.burst_state is True  # "0" reads back as True
    no_errors(gen)


def test_pymeasure_arb_methods_trigger_and_system(lib, emu):
    gen = Keysight81160A(AWG, visa_library=lib)
    c = gen.channels[1]
    c.data_arb("RAMPUP", range(-8000, 8000, 500), data_format="DAC")
    no_errors(gen)
    c.data_arb("HALF", [0.0, 0.5, 1.0, 0.5], data_format="float")
    no_errors(gen)
    c.arb_file = "RAMPUP"
    c.shape = "USER"
    c.arb_srate = 1e6
    c.arb_advance = "SRAT"
    c.arb_filter = "STEP"
    no_errors(gen)
    assert gen.arb_file == "RAMPUP" and c.arb_srate == pytest.approx(1e6)
    assert emu.channels[0].freq_hz == pytest.approx(1e6 / 32)
    c.shape = "SIN"
    c.data_volatile_clear()
    assert emu.channels[0].user_arbs == {}
    gen.shape = "PULS"
    gen.pulse_period = 1e-6
    gen.pulse_transition = 5e-9
    gen.burst_state = True  # the instrument-level control maps True to 1 correctly
    gen.trigger_source = "BUS"
    gen.ext_trig_out = True
    gen.output = True
    t0 = emu.bench.now
    gen.trigger()
    assert emu.bench.now > t0 and emu.channels[0].bursts_played == 1
    gen.phase_sync()
    gen.beep()
    gen.display = "labmem"
    gen.clear_display()
    no_errors(gen)
    assert gen.id.startswith("Agilent Technologies,81160A,")


def test_raw_pyvisa_script_in_the_manuals_command_set(lib, emu):
    rm = pyvisa.ResourceManager(lib)
    awg = rm.open_resource(AWG, read_termination="\n", write_termination="\n")
    awg.write("*RST;*CLS")
    awg.write(":FUNC1 PULS;:PULS:PER1 5us;:PULS:WIDT1 500ns;:PULS:DEL1 100ns")
    awg.write(":PULS:TRAN1 10ns;:PULS:TRAN1:TRA 20ns;:PULS:DOUB1:DEL 2us;:PULS:DOUB1 ON")
    awg.write(":OUTP1:IMP 50;:OUTP1:LOAD 50;:VOLT1:HIGH 1;:VOLT1:LOW 0;:OUTP1:POL NORM")
    awg.write(":ARM:SOUR1 MAN;:TRIG:COUN1 2;:TRIG:SOUR1 IMM;:OUTP1 ON")
    assert awg.query(":SYST:ERR?") == '0,"No error"'
    assert awg.query(":PULS:TRAN1:TRA?;:PULS:DOUB1:DEL?;:TRIG:COUN1?") == \
        "+2.000000E-08;+2.000000E-06;2"
    t0 = emu.bench.now
    awg.assert_trigger()
    assert emu.bench.now - t0 == pytest.approx(5e-6 + 2.1e-6 + 0.5e-6 + 25e-9 + 1.25e-9)
    awg.write(":FORM:BORD NORM")
    awg.write(":DATA1:DAC VOLATILE,0,8191,-8191,0;:FUNC1:USER VOLATILE;:FUNC1 USER")
    awg.write(":DATA1 VOLATILE,0,1,-1,0.5;:DATA1:COPY MYWAVE,VOLATILE")
    assert awg.query(":SYST:ERR?") == '0,"No error"'
    assert awg.query(":DATA1:NVOL:CAT?") == '"MYWAVE"'
    assert awg.query(":DATA1:ATTR:POIN? MYWAVE") == "4"
    awg.write(":OUTP2 ON;:FOO")
    assert awg.query(":SYST:ERR?") == '-113,"Undefined header"'
    assert emu.channels[1].output_on
    awg.close()
