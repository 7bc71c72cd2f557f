"""Benchmark: wall time of the whole `labmem reproduce` (E1–E9 as procedures through the
simulated instruments), where it goes per procedure (from the run catalog), and a profile
grouped by layer (device kernel, emulators, drivers/VISA, data writing, analysis/figures).

Run: .venv/bin/python benchmarks/bench_reproduce.py [--no-profile]
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from labmem.catalog import Catalog
from labmem.reproduce.station_programme import reproduce

LAYERS = (
    ("device kernel (numba)", ("simulated_instruments/device",)),
    ("circuits and bench", ("simulated_instruments/circuit", "simulated_instruments/bench",
                            "simulated_instruments/acquisition")),
    ("SCPI emulators", ("simulated_instruments/",)),
    ("drivers, roles, PyVISA", ("instruments/", "pyvisa/", "pymeasure/instruments",
                                "pymeasure/adapters")),
    ("results, traces, catalog", ("procedures/runner", "labmem/traces", "labmem/catalog",
                                  "h5py", "pymeasure/experiment", "sqlite3")),
    ("analysis, figures, report", ("labmem/summaries", "labmem/analysis", "labmem/reproduce/",
                                   "matplotlib", "pandas")),
)


def layer_of(filename: str) -> str:
    """The layer a function's file belongs to (first match wins)."""
    for layer, parts in LAYERS:
        if any(p in filename for p in parts):
            return layer
    return "other (procedures, numpy, imports)"


def main() -> None:
    """Print the wall time, the per-procedure split and the profile by layer."""
    profile = "--no-profile" not in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        profiler = cProfile.Profile()
        start = time.perf_counter()
        if profile:
            profiler.enable()
        reproduce(out, progress=lambda _m: None)
        if profile:
            profiler.disable()
        wall = time.perf_counter() - start
        print(f"labmem reproduce: {wall:.1f} s wall{' (under cProfile)' if profile else ''}")
        for run in Catalog(out / "data" / "catalog.sqlite").runs():
            print(f"  {run.procedure:26s} {run.ended - run.started:6.1f} s")
    if not profile:
        return
    own: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():
        own[layer_of(filename)] += tottime
    total = sum(own.values())
    print("profile, own time by layer:")
    for layer, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
        print(f"  {layer:36s} {seconds:6.1f} s  {100 * seconds / total:4.0f} %")


if __name__ == "__main__":
    main()
