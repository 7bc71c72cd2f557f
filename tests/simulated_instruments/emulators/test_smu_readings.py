"""Readings on an autoranging SMU: a current at the top of a range whose reading the noise
takes over the range's span is read on the next range up, not reported as an overflow."""

from __future__ import annotations

import numpy as np

from labmem.simulated_instruments.emulators.smu_readings import current_readings, ranges_for

RANGES = (1e-8, 1e-7, 1e-6)
OVER = 1.01


def test_autorange_ranges_up_where_the_noise_would_overflow_and_a_fixed_range_does_not():
    rng = np.random.default_rng(0)
    i = np.full(2000, 1e-8 * OVER * (1 - 1e-6))  # needs the 10 nA range, by a hair
    nplc = 1e-6  # a noise of 1 % of the range: half the readings land above its span
    fixed, fixed_range = current_readings(np.random.default_rng(1), i, RANGES, nplc, 1e-8, OVER)
    assert (np.abs(fixed) > fixed_range * OVER).mean() > 0.4  # an overflow on a fixed range
    readings, ranges = current_readings(rng, i, RANGES, nplc, None, OVER)
    assert np.all(np.abs(readings) <= ranges * OVER)
    assert set(ranges) == {1e-8, 1e-7}
    # each reading sits on the range it needs, as an autoranging meter measures it
    assert np.all(ranges >= ranges_for(readings, RANGES, OVER))


def test_a_current_well_inside_its_range_reads_with_the_same_draws_as_before():
    i = np.linspace(1e-9, 5e-9, 50)
    readings, ranges = current_readings(np.random.default_rng(3), i, RANGES, 1.0)
    z = np.random.default_rng(3).normal(0.0, 1.0, i.shape)
    assert np.all(ranges == 1e-8)
    assert np.allclose(readings, i + z * 1e-5 * 1e-8)
