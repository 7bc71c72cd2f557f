"""docs/examples: every simulated station file (sim_*.yaml, with its bench file beside it) has a
real-hardware twin (station_*.yaml) with the same roles, finds its instruments, and runs a
procedure: a sweep on an SMU station, a pulse train on a pulse set-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.station import Station
from labmem.station_file import StationConfig

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
SIMULATED = sorted(EXAMPLES.glob("sim_*.yaml"))


def test_there_are_simulated_examples():
    assert len(SIMULATED) >= 3


@pytest.mark.parametrize("path", SIMULATED, ids=lambda p: p.stem)
def test_simulated_example_has_a_real_twin_and_runs(path, tmp_path):
    sim = StationConfig.from_file(path)
    real = StationConfig.from_file(EXAMPLES / path.name.replace("sim_", "station_", 1))
    assert real.visa_library == "" and real.roles == sim.roles
    station = Station(sim)
    assert [row["problem"] for row in station.instruments() if row["problem"]] == []
    procedure = PulseTrain() if "awg" in sim.roles else IVSweep(cycles=1, step_v=0.05)
    outcome = run_procedure(procedure, station, tmp_path)
    assert outcome.status == "finished", outcome.error
