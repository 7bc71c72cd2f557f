"""The series circuit reads a scope record off the device's own steps (dense sampling); the
record must match, to one scope code, the one taken with a step ending at every sample."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.simulated_instruments.bench.circuit import SeriesCircuit
from labmem.simulated_instruments.device.model import AgFilament
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.waveforms import packages, sample_times, segments_to_knots

ADC_CODES = 256
"""Codes of the MSO9104A's 8-bit record over its 8-division screen."""


def codes(i_a: np.ndarray, i_lo: float, i_hi: float) -> np.ndarray:
    """Scope codes of a current on a TIA screen spanning i_lo..i_hi (gain cancels)."""
    lsb = (i_hi - i_lo) / ADC_CODES
    return np.round((i_a - 0.5 * (i_lo + i_hi)) / lsb)


def pair(seed: int, r_series: float) -> tuple[SeriesCircuit, SeriesCircuit]:
    """Two circuits on identical devices: steps ending at samples, and dense sampling."""
    forced, dense = (SeriesCircuit(AgFilament(AgFilamentParams(), np.random.default_rng(seed)),
                                   r_series) for _ in range(2))
    forced.dense = False
    return forced, dense


def record(circuit: SeriesCircuit, knot_t: np.ndarray, knot_v: np.ndarray,
           interval_s: float) -> np.ndarray:
    """Read-out current sampled at the interval over the waveform."""
    return circuit.run(knot_t, knot_v, sample_times(knot_t[-1], interval_s)).i_readout


@pytest.mark.parametrize("seed", [1, 4])
def test_e6_record_within_one_code(seed: int) -> None:
    """E6 integrate-and-fire (−1 V → 2 V packages through 2 MΩ, 50 ns samples): every sample,
    spikes included, within one code of the stepped record."""
    forced, dense = pair(seed, 2e6)
    kt, kv = segments_to_knots(packages(range(1, 17), 2.0, -1.0, 16e-6, 20e-6, 100e-6))
    a, b = record(forced, kt, kv, 50e-9), record(dense, kt, kv, 50e-9)
    screen = (-1.0 / 2e6, 2.0 / 2e6)
    deviation = np.abs(codes(a, *screen) - codes(b, *screen))
    assert a.max() > 0.5 * screen[1]  # spikes happened
    assert deviation.max() <= 1


def test_e8_trials_within_one_code() -> None:
    """E8 switching delay: a rested device, one set pulse per trial (0.9–1.5 V through 2 MΩ,
    windows shrinking with the delay, 20 000 samples each); each trial starts both ways from
    the same state."""
    forced, dense = pair(4, 2e6)
    worst, switched = 0.0, 0
    for amp, window in ((0.9, 30.0), (1.1, 3.0), (1.3, 0.3), (1.5, 0.03)):
        for _trial in range(3):
            forced.wait(300.0)
            dense.device.restore(forced.device.snapshot())
            kt, kv = np.array([0.0, 0.0, window]), np.array([0.0, amp, amp])
            a = record(forced, kt, kv, window / 20_000)
            b = record(dense, kt, kv, window / 20_000)
            screen = (0.0, amp / 2e6)
            worst = max(worst, float(np.abs(codes(a, *screen) - codes(b, *screen)).max()))
            switched += int(a.max() > 50e-9)
    assert switched >= 8
    assert worst <= 1
