"""Simulation-based calibration: the model parameters whose simulated summary statistics best
match the measured ones, by weighted least squares (scipy.optimize.least_squares) in the
log of each parameter, with common random numbers (the same simulation seeds for every
candidate, so the objective is smooth in the parameters).

The residual of statistic k is (s_k(θ) − m_k)/e_k, e_k² = σ_k² (1 + 1/R): the measured
statistic's sampling variance plus that of the mean of R simulated replicates. Uncertainties
come from the Jacobian J of the whitened residuals in ln θ at the optimum (central differences
with the same seeds): cov(ln θ) = (JᵀJ)⁻¹ = (J_sᵀ Σ⁻¹ J_s)⁻¹, plus what the parameters
the runs cannot determine move it by (marginal_covariance). A parameter direction whose
singular value is below MIN_SINGULAR moves the statistics by less than that many standard
errors per e-fold change: it is not identifiable from these runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

MIN_SINGULAR = 2.0
"""Smallest singular value of the whitened Jacobian (per unit of ln θ) of an identifiable
direction: an e-fold change moves the statistics by at least two standard errors."""
STEP = 0.05
"""Finite-difference step in ln θ (5 %): wider than the simulation's discretisation noise
(scipy's own steps are relative to ln θ, ~0 at the start, and would see none)."""
TOLERANCE = 1e-3
"""Relative change of ln θ and of χ² at which the optimiser stops: far below the statistics'
sampling error (scipy's 1e-8 default would chase the simulation's discretisation)."""
BOUND = np.log(4.0)
"""The fit searches within a factor 4 of the start on each parameter."""
NUISANCE_SIGMA = BOUND / 2
"""What is known of a parameter the runs cannot determine: its start within the search range,
taken as two standard deviations of ln θ. Its uncertainty is carried into the determined
parameters it trades off against (their errors are marginal, not conditional on its start)."""
MISSING = 10.0
"""Whitened residual of a statistic the simulation did not produce (e.g. no set)."""

Simulate = Callable[[dict[str, float], int], dict[str, float]]
"""(parameter overrides, replicate seed) → {statistic name: value}; top level, picklable."""


@dataclass
class Problem:
    """Measured statistics, their errors, the start and the simulator."""

    names: list[str]
    measured: np.ndarray
    errors: np.ndarray
    """Sampling standard error of each measured statistic."""
    start: dict[str, float]
    simulate: Simulate
    seeds: Sequence[int]
    """Replicate seeds (common random numbers: the same for every candidate)."""
    executor: Executor | None = None
    progress: Callable[[], None] = lambda: None
    _seen: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)

    def replicates(self, params: dict[str, float]) -> list[dict[str, float]]:
        """Every replicate's simulated statistics, by name."""
        mapper = self.executor.map if self.executor is not None else map
        reps = list(mapper(self.simulate, [params] * len(self.seeds), self.seeds))
        self.progress()
        return reps

    def replicate_table(self, params: dict[str, float]) -> np.ndarray:
        """Every replicate's statistics (rows: replicates; NaN where one did not give it)."""
        return np.array([[r.get(n, np.nan) for n in self.names]
                         for r in self.replicates(params)])

    def statistics(self, params: dict[str, float]) -> np.ndarray:
        """Mean over the replicates of each simulated statistic (NaN where none gave it);
        remembered per parameter set, since the screening, the optimiser and the Jacobian
        ask for the same candidate more than once."""
        key = tuple(sorted(params.items()))
        if key not in self._seen:
            table = self.replicate_table(params)
            counts = np.isfinite(table).sum(axis=0)
            self._seen[key] = np.where(counts > 0, np.nansum(table, axis=0)
                                       / np.maximum(counts, 1), np.nan)
        return self._seen[key]

    def total_errors(self) -> np.ndarray:
        """e_k: measured sampling error and the replicate mean's, combined."""
        return self.errors * np.sqrt(1.0 + 1.0 / len(self.seeds))

    def params(self, names: Sequence[str], u: np.ndarray) -> dict[str, float]:
        """The start with names scaled by exp(u)."""
        out = dict(self.start)
        out.update({n: self.start[n] * float(np.exp(x)) for n, x in zip(names, u, strict=True)})
        return out

    def residuals(self, names: Sequence[str], u: np.ndarray) -> np.ndarray:
        """Whitened residuals of every statistic at start · exp(u)."""
        r = (self.statistics(self.params(names, u)) - self.measured) / self.total_errors()
        return np.where(np.isfinite(r), r, MISSING)

    def jacobian(self, names: Sequence[str], u: np.ndarray, central: bool = True) -> np.ndarray:
        """d residuals / d ln θ by finite differences (common random numbers)."""
        base = None if central else self.residuals(names, u)
        cols = []
        for k in range(len(names)):
            step = np.zeros(len(names))
            step[k] = STEP
            up = self.residuals(names, u + step)
            down = self.residuals(names, u - step) if central else base
            cols.append((up - down) / (2 * STEP if central else STEP))
        return np.array(cols).T


def identifiable(jac: np.ndarray, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(identifiable, not identifiable): drop, while the smallest singular value of the
    remaining columns is below MIN_SINGULAR, the parameter that dominates its direction."""
    keep = list(range(len(names)))
    dropped = []
    while keep:
        _, s, vt = np.linalg.svd(jac[:, keep])  # full: more parameters than statistics
        s = np.concatenate([s, np.zeros(len(keep) - s.size)])  # leave null directions
        if s[-1] >= MIN_SINGULAR:
            break
        worst = keep[int(np.argmax(np.abs(vt[-1])))]
        keep.remove(worst)
        dropped.append(names[worst])
    return [names[k] for k in keep], dropped


@dataclass
class Fit:
    """The outcome: fitted values, their standard errors, identifiability, statistics."""

    values: dict[str, float]
    sigma: dict[str, float]
    """Standard error of each fitted parameter (same units)."""
    not_identifiable: list[str]
    singular_values: list[float]
    start_statistics: np.ndarray
    twin_statistics: np.ndarray
    errors: np.ndarray
    chi2: float
    evaluations: int


def calibrate(problem: Problem, candidates: Sequence[str], max_evaluations: int = 60) -> Fit:
    """Screen the candidates for identifiability at the start, fit the identifiable ones,
    then their covariance from the Jacobian at the optimum."""
    zero = np.zeros(len(candidates))
    start_stats = problem.statistics(problem.start)
    screen = problem.jacobian(candidates, zero, central=False)
    names, dropped = identifiable(screen, list(candidates))
    if not names:
        return Fit({}, {}, dropped, [], start_stats, start_stats, problem.total_errors(),
                   _chi2(start_stats, problem), 0)
    result = least_squares(lambda u: problem.residuals(names, u), np.zeros(len(names)),
                           jac=lambda u: problem.jacobian(names, u, central=False),
                           bounds=(-BOUND, BOUND), x_scale=1.0, max_nfev=max_evaluations,
                           method="trf", xtol=TOLERANCE, ftol=TOLERANCE)
    full = problem.jacobian(names + dropped, np.r_[result.x, np.zeros(len(dropped))])
    jac = full[:, :len(names)]
    final, more = identifiable(jac, names)
    keep = [names.index(n) for n in final]
    cov = marginal_covariance(full, keep, [(names + dropped).index(n) for n in more + dropped])
    fitted = problem.params(names, result.x)  # one found unidentifiable only at the optimum
    twin = problem.statistics(fitted)  # keeps its value: one point of the degenerate valley
    values = {n: fitted[n] for n in names}
    sigma = {n: fitted[n] * float(np.sqrt(cov[i, i])) for i, n in enumerate(final)}
    singular = list(np.linalg.svd(jac[:, keep], compute_uv=False)) if keep else []
    return Fit(values, sigma, dropped + more, [float(s) for s in singular], start_stats,
               twin, problem.total_errors(), _chi2(twin, problem), int(result.nfev))


def marginal_covariance(jac: np.ndarray, keep: list[int], nuisance: list[int]) -> np.ndarray:
    """Covariance in ln θ of the determined columns keep: (J_kᵀJ_k)⁻¹ from the statistics'
    errors, plus what the undetermined columns' NUISANCE_SIGMA moves their best fit by
    (S = −(J_kᵀJ_k)⁻¹ J_kᵀ J_n, S·σ²·Sᵀ)."""
    if not keep:
        return np.zeros((0, 0))
    jk = jac[:, keep]
    cov = np.linalg.inv(jk.T @ jk)
    if nuisance:
        shift = -cov @ jk.T @ jac[:, nuisance]
        cov = cov + NUISANCE_SIGMA ** 2 * shift @ shift.T
    return cov


def _chi2(stats: np.ndarray, problem: Problem) -> float:
    r = (stats - problem.measured) / problem.total_errors()
    return float(np.sum(np.where(np.isfinite(r), r, MISSING) ** 2))
