"""Wall time of `labmem fit` on one 40-cycle I(V) block at 10 nA: the block is measured
through the instruments on a device drawn from the population model (population seed 1, its
film factor ~1.5), then fitted with the command's defaults (4 replicates per candidate, up to
2 processes). Prints the wall time, the simulations run, the fitted values against the truth
and the machine's load (the fit is CPU-bound: on a shared machine read the load beside it).

Run: .venv/bin/python benchmarks/bench_fit.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from labmem.catalog import Catalog
from labmem.fit.twin import fit_runs
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.simulated_instruments.device.population import draw_population
from labmem.station import simulated_station


def main() -> None:
    """Measure, fit, print."""
    device = draw_population(1, seed=1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        station = simulated_station(Path(tmp) / "bench.yaml", seed=device.seed,
                                    device=device.params)
        outcome = run_procedure(IVSweep(cycles=40), station, Path(tmp), device_id="dut")
        assert outcome.status == "finished", outcome.error
        simulations = 0

        def count() -> None:
            nonlocal simulations
            simulations += 1

        start = time.perf_counter()
        twin = fit_runs(Catalog(Path(tmp) / "catalog.sqlite"), [outcome.run_id],
                        progress=count)
        wall = time.perf_counter() - start
    truth = {**AgFilamentParams().as_dict(), **device.params}
    print(f"fit of one 40-cycle block: {wall:.1f} s wall, {simulations} candidates × "
          f"{twin.replicates} replicates, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    for name, value in twin.fit.values.items():
        sigma = twin.fit.sigma.get(name)
        spread = f"± {sigma:.3g}" if sigma is not None else "(not identifiable)"
        print(f"  {name:18s} {value:.4g} {spread:22s} true {truth[name]:.4g}")
    print(f"  not identifiable: {', '.join(twin.fit.not_identifiable)}")


if __name__ == "__main__":
    main()
