"""Cost of recording a run's VISA transcript (station option record: true, labmem run
--record): wall time of runs on the simulated bench with and without recording, transactions
recorded and the transcript's size (with its side file of binary payloads). The target is
< 5 % added wall time.

Each repetition runs the procedure on a fresh bench of the same seed, recording off and on (in
alternating order), so both see the same device; medians over the repetitions. On a shared
machine the spread between runs is a few %, as large as the effect: read the median.

Run: .venv/bin/python benchmarks/bench_record.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from labmem.procedures.base import build_procedure
from labmem.procedures.registry import PROCEDURES
from labmem.procedures.runner import run_procedure
from labmem.station import simulated_station
from labmem.transcript import SUFFIX, Transcript, blocks_path

CASES = {
    "IVSweep (10 cycles)": ("IVSweep", {"cycles": 10}),
    "PulseTrain": ("PulseTrain", {}),
    "AllOrNone": ("AllOrNone", {}),
}
REPEATS = 11


def one_run(tmp: Path, name: str, parameters: dict, record: bool, n: int) -> tuple[float, Path]:
    """Wall seconds of one run on a fresh bench, and its data folder."""
    station = simulated_station(tmp / f"bench-{name}-{record}-{n}.yaml", seed=4)
    station.config.record = record
    data = tmp / f"data-{name}-{record}-{n}"
    procedure = build_procedure(PROCEDURES[name], parameters)
    start = time.perf_counter()
    outcome = run_procedure(procedure, station, data)
    wall = time.perf_counter() - start
    assert outcome.status == "finished", outcome.error
    return wall, data


def per_query_cost(tmp: Path, queries: int = 2000) -> tuple[float, float]:
    """Wall µs of one short SMU query without and with recording (best of 5 batches)."""
    station = simulated_station(tmp / "bench-queries.yaml", seed=4)
    driver = station.smu.driver  # type: ignore[attr-defined]
    costs = []
    for record in (False, True):
        recorder = station.record(tmp / "queries.visa.jsonl.gz") if record else None
        best = min(_timed(lambda: [driver.ask(":SYST:LFR?") for _ in range(queries)])
                   for _ in range(5))
        costs.append(1e6 * best / queries)
        if recorder is not None:
            recorder.close()
    return costs[0], costs[1]


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    print(f"{'procedure':22s} {'off (s)':>9s} {'on (s)':>9s} {'added':>7s} "
          f"{'transactions':>12s} {'transcript':>11s}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for label, (name, parameters) in CASES.items():
            one_run(tmp, name, parameters, True, -1)  # warm-up (imports, numba caches)
            off: list[float] = []
            on: list[float] = []
            data = tmp
            for n in range(REPEATS):  # alternating which goes first
                for record in (n % 2 == 1, n % 2 == 0):
                    wall, folder_ = one_run(tmp, name, parameters, record, n)
                    (on if record else off).append(wall)
                    data = folder_ if record else data
            (path,) = data.glob(f"*{SUFFIX}")
            count = sum(1 for _ in Transcript.load(path).transactions())
            size = sum(p.stat().st_size for p in (path, blocks_path(path)) if p.exists())
            t_off, t_on = statistics.median(off), statistics.median(on)
            print(f"{label:22s} {t_off:9.4f} {t_on:9.4f} {100 * (t_on / t_off - 1):6.1f}% "
                  f"{count:12d} {size / 1024:8.1f} kB")
        off_us, on_us = per_query_cost(tmp)
        print(f"one SMU query: {off_us:.0f} µs on the bench, {on_us:.0f} µs recorded "
              f"(+{on_us - off_us:.0f} µs; a real GPIB/USB query takes about 1000 µs or more)")


if __name__ == "__main__":
    main()
