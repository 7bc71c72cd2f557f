"""Benchmark: wall time of the whole E1–E9 programme and of the E6 waveform alone.

Run with `make bench` (or `python benchmarks/bench_programme.py`). The first call compiles the
numba kernel (cached on disk afterwards); timings are taken on warm repeats.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from labmem.reproduce import model_programme as pg
from labmem.reproduce.model_programme import DEFAULT_SEED, run_model_programme
from labmem.simulated_instruments.device.params import AgFilamentParams


def timed(fn, repeats: int) -> list[float]:
    """Wall times of repeated calls in s."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    start = time.perf_counter()
    run_model_programme(DEFAULT_SEED)
    print(f"first run (includes kernel compile or cache load): {time.perf_counter() - start:.2f} s")
    whole = timed(lambda: run_model_programme(DEFAULT_SEED), 3)
    print(f"E1–E9 programme: median {statistics.median(whole):.2f} s, "
          f"min {min(whole):.2f} s over {len(whole)} runs")
    params, cfg = AgFilamentParams(), pg.ProgrammeConfig()
    e6 = timed(lambda: pg.integrate_and_fire(params, np.random.default_rng(1), cfg), 10)
    print(f"E6 integrate-and-fire waveform ({cfg.e6_packages} packages): "
          f"median {statistics.median(e6) * 1e3:.1f} ms")
    parts = {
        "E1–E3 DC blocks (760 cycles)": lambda: pg.training_and_switching(
            params, np.random.default_rng(1), cfg, lambda _m: None),
        "E8 delay (210 trials)": lambda: pg.delay_vs_amplitude(
            params, np.random.default_rng(1), cfg),
        "E7 synapse (7 runs)": lambda: pg.synapse(params, np.random.default_rng(1), cfg),
    }
    for name, fn in parts.items():
        print(f"  {name}: {statistics.median(timed(fn, 2)):.2f} s")


if __name__ == "__main__":
    main()
