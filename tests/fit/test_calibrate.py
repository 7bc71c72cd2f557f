"""The calibration engine on a toy simulator whose answer is known: it recovers what the
statistics determine within its stated uncertainty and reports what they do not."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.fit.calibrate import MIN_SINGULAR, Problem, calibrate, identifiable

TRUE = {"a": 2.0, "b": 3.0, "c": 0.5}
NOISE = 0.02


def toy(params: dict[str, float], seed: int) -> dict[str, float]:
    """Two statistics: ln a + ln b (a and b only through their product) and ln c, each with
    the sampling noise of one simulated replicate."""
    rng = np.random.default_rng(seed)
    return {"ab": float(np.log(params["a"] * params["b"]) + NOISE * rng.standard_normal()),
            "c": float(np.log(params["c"]) + NOISE * rng.standard_normal())}


@pytest.mark.parametrize("seed", range(5))
def test_the_determined_parameter_is_recovered_and_the_product_pair_is_not_identifiable(seed):
    measured = toy(TRUE, 1000 + seed)
    start = {"a": 1.5, "b": 2.5, "c": 0.8}
    problem = Problem(["ab", "c"], np.array([measured["ab"], measured["c"]]),
                      np.full(2, NOISE), start, toy, [seed, seed + 1])
    fit = calibrate(problem, ["a", "b", "c"])
    value = {**start, **fit.values}
    assert "c" in fit.sigma and abs(fit.values["c"] - TRUE["c"]) < 3 * fit.sigma["c"]
    assert fit.sigma["c"] == pytest.approx(0.5 * NOISE * np.sqrt(1.5), rel=0.2)
    assert len(fit.not_identifiable) == 1 and fit.not_identifiable[0] in ("a", "b")
    kept = ({"a", "b"} - set(fit.not_identifiable)).pop()
    assert np.log(value["a"] * value["b"]) == pytest.approx(
        measured["ab"], abs=3 * NOISE)  # the product is determined
    assert kept in fit.sigma


def test_identifiable_drops_the_dominant_parameter_of_a_small_direction():
    jac = np.array([[10.0, 0.0, 0.0], [0.0, 5.0, 5.0 + 0.1]])
    assert identifiable(jac, ["x", "y", "z"])[1] in (["z"], ["y"])
    assert identifiable(np.diag([3.0, MIN_SINGULAR / 2]), ["x", "y"]) == (["x"], ["y"])
    assert identifiable(np.zeros((1, 2)), ["x", "y"])[0] == []
