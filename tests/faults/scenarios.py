"""The fault matrix: each injected fault × each procedure family, run on a fresh simulated
station, with what the suite checks and the table benchmarks/bench_faults.py prints."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from pymeasure.experiment import Results

from labmem.procedures.neuron.pulse_responses import AllOrNone
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.procedures.synapse.retention import Retention
from labmem.station import Station
from labmem.station_file import StationConfig

FAMILIES = {
    # family: (procedure factory, role faulted, what "mid" means there)
    "iv": (lambda: IVSweep(cycles=4, step_v=0.05), "smu", "mid-sweep"),
    "pulse-burst": (lambda: AllOrNone(pulses=4), "awg", "mid-burst"),
    "pulse-fetch": (lambda: AllOrNone(pulses=4), "scope", "mid-fetch"),
    "retention": (lambda: Retention(reads=6, window_s=10.0), "smu", "mid-reads"),
}
KINDS = ("timeout", "silent", "drop", "garbage", "error")


@dataclass
class Ending:
    """How a faulted run ended."""

    family: str
    kind: str
    status: str
    rows_emitted: int
    rows_in_file: int
    wall_s: float
    virtual_to_safe_s: float
    fired: bool

    @property
    def rows_lost(self) -> int:
        return self.rows_emitted - self.rows_in_file


def station_on(folder: Path, seed: int = 5) -> Station:
    """The built-in station on a fresh bench of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    bench = folder / "bench.yaml"
    bench.write_text(yaml.safe_dump({"seed": seed}))
    return Station(StationConfig.default(f"{bench}@labmem"))


def transactions(family: str, folder: Path) -> int:
    """How many transactions the faulted role has in a clean run of the family."""
    make, role, _ = FAMILIES[family]
    station = station_on(folder)
    probe = station.visalib.faults.inject(role, "timeout", at=10**9)
    outcome = run_procedure(make(), station, folder)
    assert outcome.status == "finished", outcome.error
    return probe.count


def run_faulted(family: str, kind: str, at: int, folder: Path) -> tuple[Ending, Station]:
    """Run the family with the fault at transaction `at` of its role."""
    make, role, _ = FAMILIES[family]
    station = station_on(folder)
    fault = station.visalib.faults.inject(role, kind, at=at)
    emitted: list[dict] = []
    started = time.perf_counter()
    outcome = run_procedure(make(), station, folder, on_row=emitted.append)
    wall = time.perf_counter() - started
    in_file = len(Results.load(str(outcome.results_path)).data)
    virtual = station.now() - fault.fired_at_s if fault.fired_at_s is not None else 0.0
    return Ending(family, kind, outcome.status, len(emitted), in_file, wall, virtual,
                  fault.fired_at_s is not None), station
