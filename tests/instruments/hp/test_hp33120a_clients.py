"""PyMeasure's own HP33120A driver, unmodified, against the emulator: every control and
measurement it has reads back what was set, and its limits queries answer the manual's."""

from __future__ import annotations

import pytest
from pymeasure.instruments import hp

AWG = "GPIB0::10::INSTR"
pytestmark = pytest.mark.filterwarnings(
    "ignore:It is not known whether this device support SCPI:FutureWarning")  # PyMeasure's own


@pytest.fixture
def client(new_bench):
    lib = new_bench(setup="pulse", instruments={"awg": {"model": "hp33120a", "resource": AWG}})
    inst = hp.HP33120A(AWG, visa_library=lib)
    yield inst
    inst.adapter.close()


def test_pymeasure_controls_round_trip(client):
    client.shape = "square"
    client.frequency = 2.5e3
    client.amplitude = 1.5
    client.offset = 0.25
    client.amplitude_units = "Vpp"
    assert client.shape == "square"
    assert client.frequency == pytest.approx(2.5e3)
    assert client.amplitude == pytest.approx(1.5)
    assert client.offset == pytest.approx(0.25)
    assert client.amplitude_units == "Vpp"
    client.burst_count = 5
    client.burst_rate = 200.0
    client.burst_phase = 90.0
    client.burst_source = "INT"
    client.burst_enabled = True
    assert client.burst_enabled is True
    assert client.burst_count == 5
    assert client.burst_rate == pytest.approx(200.0)
    assert client.burst_phase == pytest.approx(90.0)
    assert client.burst_source == "INT"
    client.beep()
    assert client.ask("SYST:ERR?").startswith("+0")


def test_pymeasure_limits_queries(client):
    client.shape = "sinusoid"
    assert client.max_frequency == pytest.approx(15e6)
    assert client.min_frequency == pytest.approx(100e-6)
    assert client.max_burst_count == 50_000 and client.min_burst_count == 1
    assert client.min_burst_phase == pytest.approx(-360.0)
    assert client.max_burst_phase == pytest.approx(360.0)
    assert client.max_amplitude > client.min_amplitude > 0
    assert client.max_offset > 0 > client.min_offset
