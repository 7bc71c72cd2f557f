"""`labmem fit --reference`: the reference paper's published E2 Vset statistics (the targets
`labmem reproduce` checks) fitted by least squares from a start (the hand calibration, or
another), the residuals being the targets' tolerance-normalised errors of the seed mean. The
result is the optimum when it meets every target at least as well as the hand calibration on
the same seeds; otherwise the point nearest it, on the way from the hand calibration, that
does (all parameters together, then one at a time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from labmem.fit.calibrate import Fit, Problem, calibrate
from labmem.reproduce.model_programme import DEFAULT_SEED, ProgrammeConfig, training_and_switching
from labmem.reproduce.report import TARGETS, Target, Within
from labmem.simulated_instruments.device.params import AgFilamentParams

E2_TARGETS = tuple(t for t in TARGETS if t.experiment.startswith("E2"))
"""The E2 Vset targets (untrained, nonvolatile and trained blocks)."""
CANDIDATES = ("v_a_fresh", "sigma_a_untrained", "v_n_untrained", "v_a_trained",
              "sigma_a_trained", "v_n_trained", "v_c", "sigma_w")
"""The parameters the E2 Vset statistics inform: the activation's (untrained and trained
blocks) and the bridge growth's overpotential and write noise (the 1 mA nonvolatile block,
whose Vset adds the growth to the compliance)."""
SEEDS = (DEFAULT_SEED, 1, 2, 3)
"""The seeds the calibration tests check."""
FRACTIONS = (1.0, 0.5, 0.25, 0.125)
"""Fractions of the way from the hand calibration to the optimum tried, largest first."""


def e2_values(overrides: dict[str, float], seed: int, cycles: int = 40) -> dict[str, float]:
    """Every E2 target's measured value on the model-only E2 (no regime switching)."""
    cfg = ProgrammeConfig(cycles=cycles, switch_pairs=0)
    blocks, _, _ = training_and_switching(replace(AgFilamentParams(), **overrides),
                                          np.random.default_rng(seed), cfg, lambda _m: None)
    summary = {"iv": {key: block.summary() for key, block in blocks.items()}}
    return {t.quantity: float(t.measure(summary)) for t in E2_TARGETS}


def target_error(target: Target, value: float) -> float:
    """Tolerance-normalised error: |x − centre|/tol for a two-sided target; 0 when a one-sided
    target passes, 1 + |x| otherwise (it can only get worse)."""
    if isinstance(target.passes, Within):
        return target.passes.error(value)
    return 0.0 if target.passes(value) else 1.0 + abs(value)


@dataclass
class ReferenceFit:
    """The fitted overrides, every E2 target's value and error at the hand calibration and at
    the fitted set (seed means over the same seeds), and the fit."""

    values: dict[str, float]
    """Device overrides of the fitted set."""
    hand: dict[str, float]
    fitted: dict[str, float]
    hand_error: dict[str, float]
    fitted_error: dict[str, float]
    fit: Fit
    optimum: dict[str, float]
    """Device overrides of the least-squares optimum (values, unless it worsens a target)."""
    optimum_error: dict[str, float]

    def worse(self) -> list[str]:
        """The targets the fitted set meets less well than the hand calibration."""
        return [q for q, e in self.fitted_error.items() if e > self.hand_error[q]]


def fit_reference(seeds: Sequence[int] = SEEDS, candidates: Sequence[str] = CANDIDATES,
                  cycles: int = 40, max_evaluations: int = 40, executor=None,
                  progress: Callable[[], None] = lambda: None,
                  base: dict[str, float] | None = None) -> ReferenceFit:
    """Fit the E2 targets from the hand calibration (AgFilamentParams defaults), or from it
    with base's overrides (another start); keep of the optimum what worsens no target against
    the hand calibration."""
    two_sided = [t for t in E2_TARGETS if isinstance(t.passes, Within)]
    hand = AgFilamentParams().as_dict()
    problem = Problem([t.quantity for t in two_sided],
                      np.array([t.passes.centre for t in two_sided]),
                      np.array([t.passes.tol for t in two_sided]), {**hand, **(base or {})},
                      partial(e2_values, cycles=cycles), list(seeds), executor, progress)
    fit = calibrate(problem, candidates, max_evaluations)
    optimum = {**(base or {}), **fit.values}
    at = _MeanValues(problem)
    values, fitted = _no_worse(at, optimum)
    return ReferenceFit(values, at({}), fitted, _errors(at({})), _errors(fitted), fit, optimum,
                        _errors(at(optimum)))


class _MeanValues:
    """Every E2 target's value, mean over the seeds, at the hand calibration + overrides;
    remembered per overrides (the optimum and the hand calibration are asked for again)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.seen: dict[tuple, dict[str, float]] = {}

    def __call__(self, overrides: dict[str, float]) -> dict[str, float]:
        key = tuple(sorted(overrides.items()))
        if key not in self.seen:
            reps = self.problem.replicates({**AgFilamentParams().as_dict(), **overrides})
            self.seen[key] = {q: float(np.nanmean([r[q] for r in reps])) for q in reps[0]}
        return self.seen[key]


def _no_worse(at: Callable[[dict[str, float]], dict[str, float]], optimum: dict[str, float]
              ) -> tuple[dict[str, float], dict[str, float]]:
    """(overrides, target values) nearest the optimum, on the geometric way from the hand
    calibration, that meet every target at least as well: all parameters together, then one
    at a time from the best joint point."""
    hand, hand_error = AgFilamentParams().as_dict(), _errors(at({}))
    taken: dict[str, float] = {}
    values = at(taken)
    for names in [list(optimum), *([n] for n in optimum)]:
        for fraction in FRACTIONS:
            trial = {**taken, **{n: optimum[n] if fraction == 1.0
                                 else hand[n] * (optimum[n] / hand[n]) ** fraction
                                 for n in names}}
            if trial == taken:
                break
            trial_values = at(trial)
            if all(e <= hand_error[q] for q, e in _errors(trial_values).items()):
                taken, values = trial, trial_values
                break
        if taken == optimum:
            break
    return taken, values


def _errors(values: dict[str, float]) -> dict[str, float]:
    """Each E2 target's tolerance-normalised error at these values."""
    return {t.quantity: target_error(t, values[t.quantity]) for t in E2_TARGETS}
