"""Simulated device populations: seeded, independent of their size, spread as asked, and a
wafer whose calibrated device is its best case."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.reproduce import model_programme as pg
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.simulated_instruments.device.population import (
    FILM_EXCESS,
    FILM_SCALED,
    VARIABILITY,
    draw_population,
)


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


@pytest.mark.parametrize("spread", [1.0, 0.5])
def test_the_film_factor_is_one_sided_and_uniform_in_its_excess(spread):
    base = AgFilamentParams().as_dict()
    devices = draw_population(2000, seed=3, spread=spread)
    film = np.array([d.params["v_a_fresh"] / base["v_a_fresh"] for d in devices])
    for name in FILM_SCALED:
        assert np.allclose([d.params[name] / base[name] for d in devices], film), name
    excess = spread * FILM_EXCESS
    assert film.min() >= 1.0 and film.max() <= 1.0 + excess, "no device beats the reference"
    assert (film - 1).mean() == pytest.approx(excess / 2, rel=0.05)
    assert (film - 1).std() == pytest.approx(excess / np.sqrt(12), rel=0.05)


def test_spread_zero_gives_identical_devices_and_bad_input_is_refused():
    base = AgFilamentParams().as_dict()
    assert all(d.params == {k: base[k] for k in (*VARIABILITY, *FILM_SCALED)}
               for d in draw_population(5, seed=1, spread=0.0))
    with pytest.raises(ValueError, match="at least one device"):
        draw_population(0, seed=1)
    with pytest.raises(ValueError, match="spread"):
        draw_population(2, seed=1, spread=-1)


SHORT_E2 = pg.ProgrammeConfig(cycles=20, ladder_a=(), switch_pairs=0)
"""E2 shortened for the population test: first-fire sweep, 20 cycles per block (not 40), no
compliance ladder, no regime switching."""


def short_e2(params: AgFilamentParams, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(untrained, trained) volatile Vset per cycle of one device through the shortened E2."""
    blocks, _, _ = pg.training_and_switching(params, rng, SHORT_E2, lambda _msg: None)
    return blocks["volatile_initial"].vset_v, blocks["volatile_trained"].vset_v


@pytest.fixture(scope="module")
def population_vsets() -> list[tuple[np.ndarray, ...]]:
    """short_e2 of the reference device (default parameters, the reference run's generator)
    followed by ten devices of one population (the campaign example's seed)."""
    reference = np.random.default_rng(np.random.SeedSequence(pg.DEFAULT_SEED).spawn(1)[0])
    return [short_e2(AgFilamentParams(), reference)] + [
        short_e2(AgFilamentParams().with_(**d.params), np.random.default_rng(d.seed))
        for d in draw_population(10, seed=2026)]


@pytest.mark.slow
def test_untrained_vset_is_higher_and_broader_over_devices_than_on_the_best(population_vsets):
    (reference, _), *devices = population_vsets
    means = np.array([np.nanmean(u) for u, _ in devices])
    pooled = np.concatenate([u for u, _ in devices])
    assert np.mean(np.isfinite(pooled)) >= 0.8, "most cycles set within the 1.5 V sweep"
    assert np.mean(means > 0.77) >= 0.7, "most devices set above the reference device's 0.77 V"
    assert np.median(means) >= 0.9
    assert np.std(means, ddof=1) >= 0.1  # before: 0.055 V; six populations: 0.099-0.199 V
    assert np.nanstd(pooled, ddof=1) >= 1.3 * np.std(reference, ddof=1), "broader than the best"


@pytest.mark.slow
def test_training_brings_every_device_to_a_low_narrow_vset(population_vsets):
    for _, trained in population_vsets[1:]:
        assert np.isfinite(trained).all()
        assert abs(trained.mean() - 0.23) <= 0.05
        assert trained.std(ddof=1) <= 0.03
