"""Benchmark: peak resident memory of an IVSweep run on the simulated bench against its cycle
count. Rows go to the results file as each cycle's buffer arrives and nothing per cycle is
kept, so the peak should stay flat from 100 to 1000 cycles.

Run: .venv/bin/python benchmarks/bench_memory.py [CYCLES ...]   (default 10 100 1000)
Each count runs in a fresh process, so one run's peak does not hide another's.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(cycles: int) -> None:
    """Run IVSweep for `cycles` cycles; print wall time, rows and peak RSS (MB) on one line."""
    from labmem.catalog import Catalog
    from labmem.procedures.runner import run_procedure
    from labmem.procedures.switching.iv import IVSweep
    from labmem.station import simulated_station

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        station = simulated_station(data / "bench.yaml", seed=1)
        start = time.perf_counter()
        outcome = run_procedure(IVSweep(cycles=cycles), station, data,
                                catalog=Catalog(data / "catalog.sqlite"), device_id="bench")
        wall = time.perf_counter() - start
        assert outcome.status == "finished", outcome.error
        with open(outcome.results_path) as f:
            rows = sum(1 for line in f if line[:1].isdigit() or line[:1] == "-")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{cycles} {wall:.2f} {rows} {peak_mb:.0f}")


def main() -> None:
    """Each cycle count in its own process; a table of wall time, rows and peak RSS."""
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        run_once(int(sys.argv[2]))
        return
    counts = [int(a) for a in sys.argv[1:]] or [10, 100, 1000]
    print(f"{'cycles':>7s} {'wall':>8s} {'rows':>9s} {'peak RSS':>9s}")
    for cycles in counts:
        out = subprocess.run([sys.executable, __file__, "--one", str(cycles)], check=True,
                             capture_output=True, text=True).stdout.split()
        _, wall, rows, peak = out
        print(f"{cycles:7d} {float(wall):7.1f} s {int(rows):9d} {int(peak):6d} MB")


if __name__ == "__main__":
    main()
