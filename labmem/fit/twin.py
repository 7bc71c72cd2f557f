"""A twin of a measured device: plan the catalogued runs for model-only replay, calibrate the
parameters they inform, write the bench file (`device:` overrides) and the report."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path

import numpy as np
import yaml

from labmem import __version__
from labmem.catalog import Catalog
from labmem.fit.calibrate import Fit, Problem, calibrate
from labmem.fit.experiments import (
    LOG_R_FLOOR,
    DevicePlan,
    FitInputError,
    RunPlan,
    Statistic,
    build,
    measured_statistics,
    simulate_device,
    supported,
    trains,
)
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.summaries import load_rows

MAX_REST_S = 1e5
"""Longest rest replayed between two runs (every memory but training has relaxed by then)."""


def plan_runs(catalog: Catalog, run_ids: Sequence[int]
              ) -> tuple[list[DevicePlan], list[Statistic]]:
    """The runs grouped by device in measured order, and their measured statistics. KeyError
    for an unknown run id; FitInputError for a run the fit cannot use or no usable statistic."""
    runs = sorted((catalog.get(run_id) for run_id in dict.fromkeys(run_ids)),
                  key=lambda r: (r.started, r.id))
    problems = [f"run {r.id} ({r.procedure}) is {r.status}" for r in runs
                if r.status != "finished"]
    problems += [f"run {r.id} ({r.procedure}): the fit replays I(V) procedures and Retention "
                 f"only" for r in runs if r.status == "finished" and not supported(
                     build(RunPlan(r.id, r.procedure, r.parameters)))]
    if problems:
        raise FitInputError("; ".join(problems))
    devices: dict[str, list[RunPlan]] = {}
    ended: dict[str, float] = {}
    trained: dict[str, bool] = {}
    measured: list[Statistic] = []
    for run in runs:
        key = run.device_id or f"(run {run.id})"
        rest = 0.0 if key not in ended else min(max(run.started - ended[key], 0.0), MAX_REST_S)
        plan = RunPlan(run.id, run.procedure, run.parameters, rest)
        procedure = build(plan)
        measured += measured_statistics(run, procedure, load_rows(run.results_path),
                                        trained.get(key, False))
        trained[key] = trained.get(key, False) or trains(procedure)
        devices.setdefault(key, []).append(plan)
        ended[key] = run.ended or run.started
    if not measured:
        raise FitInputError(f"no usable statistic in runs {', '.join(str(r.id) for r in runs)} "
                            f"(I(V) blocks need {3} set cycles; retention a finite decay)")
    return [DevicePlan(d, tuple(p)) for d, p in devices.items()], measured


def simulate_plans(plans: Sequence[DevicePlan], overrides: dict[str, float],
                   seed: int) -> dict[str, float]:
    """Every device's runs model-only with these parameter overrides; {name: value}."""
    params = replace(AgFilamentParams(), **overrides)
    children = np.random.SeedSequence(seed).spawn(len(plans))
    out = {}
    for plan, child in zip(plans, children, strict=True):
        out.update({s.name: s.value for s in
                    simulate_device(plan, params, np.random.default_rng(child))})
    return out


@dataclass
class Twin:
    """A finished fit: what was measured, what was fitted, and the twin's parameters."""

    statistics: list[Statistic]
    fit: Fit
    candidates: list[str]
    base: dict[str, float]
    replicates: int
    seed: int

    def device(self) -> dict[str, float]:
        """The bench file's `device:` overrides: the base, then every fitted parameter."""
        out = dict(self.base)
        out.update(self.fit.values)
        return out


def fit_runs(catalog: Catalog, run_ids: Sequence[int], *, seed: int = 0, replicates: int = 4,
             workers: int | None = None, base: dict[str, float] | None = None,
             max_evaluations: int = 60, progress: Callable[[], None] = lambda: None) -> Twin:
    """Fit the model to the runs (see labmem.fit.calibrate)."""
    plans, measured = plan_runs(catalog, run_ids)
    base = dict(base or {})
    start = {f.name: float(getattr(AgFilamentParams(**base), f.name))
             for f in fields(AgFilamentParams)}
    candidates = sorted({p for s in measured for p in s.informs})
    workers = workers or min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers) if workers > 1 else _Inline() as pool:
        problem = Problem([s.name for s in measured], np.array([s.value for s in measured]),
                          np.array([s.error for s in measured]), start,
                          partial(simulate_plans, plans),
                          [seed * 1000 + k for k in range(replicates)],
                          None if isinstance(pool, _Inline) else pool, progress)
        missing = ~np.isfinite(problem.errors)
        if missing.any():  # one run's figure has no spread of its own: the twin's replicates'
            spread = np.nanstd(problem.replicate_table(start), axis=0, ddof=1)
            problem.errors = np.where(missing, np.fmax(np.nan_to_num(spread), LOG_R_FLOOR),
                                      problem.errors)
        fit = calibrate(problem, candidates, max_evaluations)
    statistics = [replace(s, error=float(e)) for s, e in zip(measured, problem.errors,
                                                               strict=True)]
    return Twin(statistics, fit, candidates, base, replicates, seed)


class _Inline:
    """Stands in for a process pool when one worker is asked for (no pool at all)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def write_bench(twin: Twin, path: Path, run_ids: Sequence[int]) -> Path:
    """A bench file whose device is the twin (BenchConfig's `device:` overrides)."""
    header = (f"# Twin of runs {', '.join(map(str, run_ids))}, fitted by labmem {__version__} "
              f"(labmem fit); parameters not listed keep the model's defaults.\n")
    path.write_text(header + yaml.safe_dump({"device": twin.device()}, sort_keys=True))
    return path


def report_lines(twin: Twin, run_ids: Sequence[int]) -> list[str]:
    """The report as markdown: measured vs twin statistics, fitted parameters, identifiability."""
    fit = twin.fit
    lines = [f"# Twin of runs {', '.join(map(str, run_ids))}", "",
             f"labmem {__version__} · {twin.replicates} simulated replicates per candidate "
             f"(seed {twin.seed}) · {fit.evaluations} optimiser evaluations · "
             f"χ² {fit.chi2:.1f} over {len(twin.statistics)} statistics", "",
             "## Statistics", "",
             "| statistic | measured ± error | start | twin | (twin − measured)/error |",
             "|---|---|---|---|---|"]
    for s, start, twin_value, error in zip(twin.statistics, fit.start_statistics,
                                           fit.twin_statistics, fit.errors, strict=True):
        lines.append(f"| {s.name} | {s.value:.4g} ± {s.error:.2g} | {start:.4g} | "
                     f"{twin_value:.4g} | {(twin_value - s.value) / error:+.2f} |")
    lines += ["", "## Parameters", "", "| parameter | default | fitted | ± σ |",
              "|---|---|---|---|"]
    default = AgFilamentParams().as_dict()
    for name in twin.candidates:
        if name in fit.values:
            sigma = f"{fit.sigma[name]:.2g}" if name in fit.sigma else "not identifiable"
            lines.append(f"| {name} | {default[name]:.4g} | {fit.values[name]:.4g} | "
                         f"{sigma} |")
    lines += ["", "Not identifiable from these runs (screened out at the start: kept at the "
              "start value; found at the optimum: one point of a valley of equally good "
              "values; see docs/real_bench.md): " + (", ".join(
                  f"{n} (informed by {_sources(twin, n)})" for n in fit.not_identifiable)
                  or "none") + ".",
              "", "Singular values of the whitened Jacobian at the optimum (per e-fold): "
              + ", ".join(f"{s:.3g}" for s in fit.singular_values), ""]
    return lines


def _sources(twin: Twin, name: str) -> str:
    """Which statistics inform a parameter (their run and block, shortened)."""
    runs = sorted({s.name.split(" · ")[0] for s in twin.statistics if name in s.informs})
    return ", ".join(runs)
