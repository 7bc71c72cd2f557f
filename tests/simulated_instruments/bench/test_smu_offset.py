"""The SMU's zero offset: at a programmed 0 V its output sits a few µV off, so a device left in
its LRS by a nonvolatile (1 mA) sweep carries offset·G_LRS there, a fresh HRS device nothing
measurable."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.simulated_instruments.bench.circuit import SMU_ZERO_OFFSET_V, SmuCircuit
from labmem.simulated_instruments.device.model import AgFilament

READ_V = 0.05
"""Low bias on the way down at which the sweep's own LRS conductance is read."""
SWEEP_KNOTS = (np.array([0.0, 2.0, 4.0, 4.001]), np.array([0.0, 2.0, 0.0, 0.0]))
"""0 → 2 V → 0 at 1 V/s, then the 0 V level held for 1 ms (an SMU's source delay: its loop
settles in 20 µs)."""
SAMPLES = np.array([4.0 - READ_V, 4.001])


def set_sweep(seed: int, offset_v: float = SMU_ZERO_OFFSET_V) -> tuple[float, float]:
    """(G_LRS at READ_V on the way down, current at the programmed 0 V at the end) of a 1 mA
    set sweep on a fresh device."""
    smu = SmuCircuit(AgFilament(rng=np.random.default_rng(seed)), 1e-3, offset_v=offset_v)
    tr = smu.run(*SWEEP_KNOTS, SAMPLES)
    assert tr.v_source[-1] == pytest.approx(0.0, abs=1e-15), "the trace shows the programmed 0 V"
    return tr.i_device[0] / tr.v_device[0], tr.i_device[-1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lrs_carries_offset_times_g_lrs_at_programmed_zero(seed):
    g_lrs, i_zero = set_sweep(seed)
    assert g_lrs > 1e-3, "the 1 mA sweep left the device in its LRS"
    assert i_zero == pytest.approx(SMU_ZERO_OFFSET_V * g_lrs, rel=0.02)
    assert 1e-9 < i_zero < 1e-7, "a few µV on a few hundred Ω: tens of nA"


def test_an_smu_without_offset_carries_nothing_at_zero():
    assert set_sweep(1, offset_v=0.0)[1] == pytest.approx(0.0, abs=1e-15)


def test_a_fresh_hrs_device_carries_a_negligible_current_at_zero():
    smu = SmuCircuit(AgFilament(rng=np.random.default_rng(1)), 1e-3)
    tr = smu.run(np.array([0.0, 1e-3]), np.zeros(2), np.array([1e-3]))
    assert tr.v_device[-1] == pytest.approx(SMU_ZERO_OFFSET_V)
    assert 0.0 < tr.i_device[-1] < 1e-15, "offset·G_HRS: below any SMU's resolution"
