"""The membrane circuit (source → R_in → node with C and leak → load → device → TIA): the node
equation, the relaxation-oscillator behaviour that follows from the device physics (statistics
over seeds; integrate-and-fire's is asserted through the instruments in
tests/procedures/test_membrane_neurons.py), and the set-up through the station and
instruments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labmem.simulated_instruments.bench.circuit import MembraneCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.station import Station
from labmem.station_file import StationConfig


def circuit(seed: int, c_f: float, r_in: float, leak: float | None = None,
            source_ohm: float = 50.0) -> MembraneCircuit:
    dev = AgFilament(AgFilamentParams(), np.random.default_rng(seed))
    return MembraneCircuit(dev, c_f, r_in, leak, 0.0, source_ohm=source_ohm)


def oscillations(seed: int, bias_v: float) -> int:
    """Discharges of the node (falls of > 50 mV between 50 µs samples) in 1 s of a DC bias
    through 10 GΩ onto 10 pF."""
    c = circuit(seed, 1e-11, 1e10, source_ohm=0.0)
    tr = c.run(np.array([0.0, 1e-9, 1.0]), np.array([0.0, bias_v, bias_v]),
               np.linspace(0.0, 1.0, 20001))
    falls = np.flatnonzero(np.diff(tr.v_node) < -0.05)
    return int(falls.size and 1 + np.count_nonzero(np.diff(falls) > 1))


def test_the_node_charges_as_an_rc_divider_while_the_device_is_off():
    # 0.3 V is far below firing: the device carries pA and the node follows
    # V·R_leak/(R_in + R_leak)·(1 − exp(−t/τ)), τ = C·(R_in ∥ R_leak), within the 2 mV step.
    c_f, r_in, leak = 1e-9, 1e5 - 50.0, 1e5
    c = circuit(1, c_f, r_in, leak)
    t = np.linspace(0.0, 1e-3, 201)
    tr = c.run(np.array([0.0, 1e-9, 1e-3]), np.array([0.0, 0.3, 0.3]), t)
    tau = c_f * 1e5 * leak / (1e5 + leak)
    expected = 0.3 * leak / (1e5 + leak) * -np.expm1(-t / tau)
    assert np.abs(tr.v_node - expected).max() < 2e-3
    assert np.abs(c.input_current_a(tr)[-1] - 0.15 / 1e5) < 1e-8
    assert np.abs(tr.i_device).max() < 1e-10


def test_a_dc_bias_through_a_large_resistor_oscillates_inside_a_window():
    counts = {v: [oscillations(s, v) for s in range(3)] for v in (0.3, 2.0, 4.0, 16.0)}
    assert max(counts[0.3]) == 0  # below the window: the device never fires
    assert min(counts[2.0]) >= 10  # inside: tens of Hz, rising with the bias
    assert all(hi > 1.5 * lo for lo, hi in zip(counts[2.0], counts[4.0], strict=True))
    assert max(counts[16.0]) <= 1  # above: one firing, then a steady conducting state


EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


@pytest.fixture
def station(new_station) -> Station:
    return new_station()


@pytest.mark.parametrize("example", ["sim_membrane", "sim_33120a_ds1054z",
                                     "sim_33120a_dsox3024t", "sim_33120a_mso54"])
def test_the_scope_records_the_node_on_its_third_channel(example):
    station = Station.from_file(EXAMPLES / f"{example}.yaml")
    station.use_setup("membrane", membrane_f=1e-9, input_ohm=1e5)
    assert station.bench.setup == "membrane"
    awg, scope = station.awg, station.scope
    awg.load([(0.0, 2e-6), (0.3, 200e-6)])
    scope.configure({1: (0.05, 0.15), 2: (0.01, 0.0), 3: (0.05, 0.15)}, duration_s=200e-6,
                    pre_trigger_s=2e-6, trigger_source="AUX")
    awg.enable()
    scope.single()
    awg.trigger()
    scope.wait()
    node = scope.fetch(3)
    late = node.t > 150e-6  # τ = 1 nF × 100 kΩ: charged to ~0.3 V after 1.5 τ
    assert 0.2 < np.median(node.v[late]) < 0.3
    assert np.abs(node.v[node.t < 0]).max() < 0.01
    station.safe_off()


def test_the_smu_sources_into_the_node_and_reads_its_input_current(station):
    station.use_setup("membrane", membrane_f=1e-9, input_ohm=1e5, source="smu")
    smu = station.smu
    smu.configure(1e-3)
    smu.apply(0.3)
    v, i, _ = smu.measure()
    station.wait(1e-3)  # 10 τ: charged, no more input current
    _v, i_late, _ = smu.measure()
    assert v == pytest.approx(0.3)
    assert i > 10 * abs(i_late)
    assert abs(i_late) < 0.3 / 1e5 * 0.01


def test_membrane_components_must_be_fixtures_of_the_station(new_bench):
    config = StationConfig.default(new_bench())
    config.fixtures.update(capacitors_f=[1e-9], leak_resistors_ohm=[1e6])
    st = Station(config)
    with pytest.raises(ValueError, match=r"membrane_f 2e-09 F is not a fixture.*available: 1e-09"):
        st.use_setup("membrane", membrane_f=2e-9, input_ohm=1e5)
    with pytest.raises(ValueError, match=r"leak_ohm 1e\+07"):
        st.use_setup("membrane", membrane_f=1e-9, input_ohm=1e5, leak_ohm=1e7)
    st.use_setup("membrane", membrane_f=1e-9, input_ohm=1e5, leak_ohm=1e6)
    assert "1e+06 Ω leak resistor" in st.describe_setup("membrane", None, st.membrane)
