"""Simulated device populations: seeded, independent of their size, spread as asked."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.simulated_instruments.device.population import VARIABILITY, draw_population


def test_the_same_seed_draws_the_same_devices_whatever_the_count():
    small, large = draw_population(3, seed=11), draw_population(50, seed=11)
    assert small == large[:3]
    assert draw_population(3, seed=12) != small
    assert len({d.seed for d in large}) == 50


def test_parameters_spread_lognormally_by_their_sigma():
    base = AgFilamentParams().as_dict()
    devices = draw_population(2000, seed=3)
    for name, sigma in VARIABILITY.items():
        logs = np.log([d.params[name] / base[name] for d in devices])
        assert abs(logs.mean()) < 4 * sigma / np.sqrt(len(devices)), name
        assert logs.std() == pytest.approx(sigma, rel=0.08), name


def test_spread_zero_gives_identical_devices_and_bad_input_is_refused():
    base = AgFilamentParams().as_dict()
    assert all(d.params == {k: base[k] for k in VARIABILITY}
               for d in draw_population(5, seed=1, spread=0.0))
    with pytest.raises(ValueError, match="at least one device"):
        draw_population(0, seed=1)
    with pytest.raises(ValueError, match="spread"):
        draw_population(2, seed=1, spread=-1)
