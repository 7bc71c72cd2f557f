"""An AWG's ns edges on the pulse path: each is crossed in a step or two (not in ns steps), the
device ends where ideal edges (a jump at each edge's middle) leave it, and an edge through
0 V stays a new bias event."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.simulated_instruments.bench.circuit import SeriesCircuit
from labmem.simulated_instruments.device import kernel
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.emulators.awg_output import hold_knots
from labmem.simulated_instruments.emulators.hp33120a import ARB_EDGE_S

CYCLE = np.repeat([2.0, 0.0, -3.0, 0.0], 10)
"""A set/reset cycle on a 1 µs grid: +2 V and −3 V for 10 µs each, 10 µs at 0 V after each."""


def play_cycles(circuit: SeriesCircuit, points: np.ndarray, dt: float, edge_s: float,
                cycles: int) -> None:
    """Play `cycles` times the points held dt each, with linear edges of edge_s."""
    kt, kv = hold_knots(points, dt, edge_s)
    knot_t = np.append((kt[:-1] + kt[-1] * np.arange(cycles)[:, None]).ravel(),
                       cycles * kt[-1])
    circuit.run(knot_t, np.append(np.tile(kv[:-1], cycles), kv[-1]), knot_t[-1:])


def play(seed: int, edge_s: float, cycles: int = 20) -> tuple[AgFilament, int]:
    """A device trained by 30 ms set/reset cycles through 1 kΩ, then `cycles` cycles with
    edges of edge_s: (the device, the steps those cycles took)."""
    device = AgFilament(rng=np.random.default_rng(seed))
    circuit = SeriesCircuit(device, 1e3, 1e4, 1.8e6)
    play_cycles(circuit, np.repeat([2.0, 0.0, -3.0, 0.0], [10, 1, 10, 1]), 1e-4, 1e-15, 30)
    before = device.steps
    play_cycles(circuit, CYCLE, 1e-6, edge_s, cycles)
    return device, device.steps - before


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_awg_edge_is_crossed_in_a_step_or_two(seed):
    (_, ideal), (_, awg) = play(seed, 1e-15), play(seed, ARB_EDGE_S)
    # Four edges a cycle; 1 mV or 1 ns steps would take ~80 steps for each.
    assert awg - ideal <= 2 * 4 * 20


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_cycle_with_awg_edges_ends_where_ideal_edges_leave_it(seed):
    ideal, awg = play(seed, 1e-15)[0].state, play(seed, ARB_EDGE_S)[0].state
    # (1 ns steps along the ramps left the gap up to 0.05 nm and the bridge 2 % away.)
    assert awg.nucleated == ideal.nucleated
    assert awg.gap_nm == pytest.approx(ideal.gap_nm, abs=1e-3)
    assert awg.bridge_g0 == pytest.approx(ideal.bridge_g0, rel=0.01)
    assert awg.training == pytest.approx(ideal.training, rel=1e-3)
    assert awg.ag_turnover_g0 == pytest.approx(ideal.ag_turnover_g0, rel=1e-3)


def write_factor_after(v_from: float, v_to: float, edge_s: float) -> tuple[float, float]:
    """(write-efficiency factor before, after) an edge from v_from to v_to."""
    device = AgFilament(rng=np.random.default_rng(3))
    circuit = SeriesCircuit(device, 1e6)
    circuit.run(np.array([0.0, 1e-6]), np.array([v_from, v_from]), np.array([1e-6]))
    before = device._s[kernel.ST_FW]
    circuit.run(np.array([0.0, edge_s, 1e-6]), np.array([v_from, v_to, v_to]),
                np.array([1e-6]))
    return before, device._s[kernel.ST_FW]


@pytest.mark.parametrize("edge_s", [ARB_EDGE_S, 8e-9])
def test_an_edge_through_zero_is_a_new_bias_event(edge_s):
    before, after = write_factor_after(1.0, -1.0, edge_s)
    assert after != before, "crossing 0 V draws a new write efficiency"
    before, after = write_factor_after(0.5, 1.0, edge_s)
    assert after == before, "an edge that keeps its sign is the same bias event"
