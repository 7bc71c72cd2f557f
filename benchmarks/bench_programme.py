"""Benchmark: the E1–E9 programme on the device model alone against the same programme through
the simulated instruments (`labmem reproduce` without its figures), in one process: the wall
time of each, their ratio (the goal is at most 3), and the same per experiment (E1–E3
together, then E4 … E9). Also the E6 waveform alone, the kernel's smallest whole experiment.

Run with `make bench` (or `python benchmarks/bench_programme.py [--repeats N]`). The first
model run loads the numba kernel (compiled on first use, cached on disk afterwards); every
timing is taken after it: model-only times are medians of 3, instrument-path times medians of
N (default 1: a run takes tens of seconds).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from labmem.catalog import Catalog
from labmem.reproduce import model_programme as pg
from labmem.reproduce.model_programme import DEFAULT_SEED, run_model_programme
from labmem.reproduce.station_programme import run_programme
from labmem.simulated_instruments.device.params import AgFilamentParams

EXPERIMENTS = {
    "E1–E3 DC blocks": ("ComplianceLadderTraining", "RegimeSwitching"),
    "E4 all-or-none": ("AllOrNone",),
    "E5 integrate": ("Integrate",),
    "E6 integrate-and-fire": ("IntegrateAndFire",),
    "E7 synapse": ("SynapticWeight",),
    "E8 switching delay": ("SwitchingDelay",),
    "E9 retention": ("Retention",),
}
"""Experiment → the procedures that run it on the instrument path."""


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of repeated calls, in s."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_experiments(seed: int) -> dict[str, Callable[[], object]]:
    """Each experiment of run_model_programme on the generator it gets there."""
    params, cfg = AgFilamentParams(), pg.ProgrammeConfig()

    def rng(index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(seed).spawn(7)[index])

    return {
        "E1–E3 DC blocks": lambda: pg.training_and_switching(params, rng(0), cfg,
                                                             lambda _m: None),
        "E4 all-or-none": lambda: pg.all_or_none(params, rng(1), cfg),
        "E5 integrate": lambda: pg.integrate(params, rng(2), cfg),
        "E6 integrate-and-fire": lambda: pg.integrate_and_fire(params, rng(3), cfg),
        "E7 synapse": lambda: pg.synapse(params, rng(4), cfg),
        "E8 switching delay": lambda: pg.delay_vs_amplitude(params, rng(5), cfg),
        "E9 retention": lambda: pg.retention(params, rng(6), cfg),
    }


def instrument_path(seed: int) -> tuple[float, dict[str, float]]:
    """Wall time of the programme through the instruments (runs and summaries) and each
    experiment's share (its runs' catalogued durations)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        start = time.perf_counter()
        run_programme(seed, data)
        wall = time.perf_counter() - start
        per_procedure: dict[str, float] = defaultdict(float)
        for run in Catalog(data / "catalog.sqlite").runs():
            per_procedure[run.procedure] += run.ended - run.started
    return wall, {name: sum(per_procedure[p] for p in procs)
                  for name, procs in EXPERIMENTS.items()}


def main() -> None:
    """Print model-only and instrument-path times, per experiment, and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1,
                        help="instrument-path runs to take the median of (default 1)")
    args = parser.parse_args()
    start = time.perf_counter()
    run_model_programme(DEFAULT_SEED)
    print(f"first model run (includes kernel compile or cache load): "
          f"{time.perf_counter() - start:.2f} s")
    model_total = timed(lambda: run_model_programme(DEFAULT_SEED), 3)
    model = {name: timed(fn, 3) for name, fn in model_experiments(DEFAULT_SEED).items()}
    runs = [instrument_path(DEFAULT_SEED) for _ in range(args.repeats)]
    path_total = statistics.median(wall for wall, _ in runs)
    path = {name: statistics.median(parts[name] for _, parts in runs) for name in EXPERIMENTS}
    print(f"{'':24s} {'model-only':>11s} {'instruments':>12s} {'ratio':>7s}")
    for name in EXPERIMENTS:
        print(f"{name:24s} {model[name]:9.2f} s {path[name]:10.2f} s "
              f"{path[name] / model[name]:6.1f}×")
    print(f"{'E1–E9 programme':24s} {model_total:9.2f} s {path_total:10.2f} s "
          f"{path_total / model_total:6.1f}×  (goal ≤ 3×)")
    params, cfg = AgFilamentParams(), pg.ProgrammeConfig()
    e6 = timed(lambda: pg.integrate_and_fire(params, np.random.default_rng(1), cfg), 10)
    print(f"E6 waveform alone ({cfg.e6_packages} packages), model-only: {e6 * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
