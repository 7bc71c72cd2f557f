"""Nothing measured is lost: a run killed with SIGKILL keeps every row it had measured, and the
catalog shows it as interrupted (still "running", its process gone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import yaml
from pymeasure.experiment import Results

from labmem.catalog import Catalog

CHILD = textwrap.dedent("""
    import sys
    from labmem.procedures.switching.iv import IVSweep
    from labmem.procedures.runner import run_procedure
    from labmem.station import Station
    from labmem.station_file import StationConfig

    bench, data = sys.argv[1], sys.argv[2]
    station = Station(StationConfig.default(bench + "@labmem"))
    count = 0

    def on_row(row):
        global count
        count += 1
        print(count, flush=True)  # this row is already in the results file

    run_procedure(IVSweep(cycles=10_000, step_v=0.02), station, data, on_row=on_row)
""")


def test_sigkill_mid_run_keeps_every_measured_row(tmp_path):
    bench = tmp_path / "bench.yaml"
    bench.write_text(yaml.safe_dump({"seed": 11}))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(bench), str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported = 0
    for line in child.stdout:
        reported = int(line)
        if reported >= 1000:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    (run,) = Catalog(tmp_path / "catalog.sqlite").runs()
    assert run.status == "running" and run.interrupted
    rows = Results.load(run.results_path).data
    assert len(rows) >= reported >= 1000
    assert rows["Current (A)"].notna().all(), "every kept row is whole"
