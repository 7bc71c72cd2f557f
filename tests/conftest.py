"""Shared fixtures: the reference programme is run once per seed per test session."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
import yaml

from labmem.cli.main import main
from labmem.reproduce.model_programme import run_model_programme
from labmem.station import Station
from labmem.station_file import StationConfig

OTHER_SEEDS = (1, 2, 3)


@cache
def programme_summary(seed: int) -> dict:
    """Model-level summary of E1–E9 for one seed (cached for the session)."""
    return run_model_programme(seed)[0]


@pytest.fixture(scope="session")
def reference_out(tmp_path_factory: pytest.TempPathFactory):
    """Directory written by `labmem reproduce` at the default seed."""
    out = tmp_path_factory.mktemp("reproduce")
    assert main(["reproduce", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def reference_summary(reference_out) -> dict:
    """summary.json of the default-seed reference run."""
    return json.loads((reference_out / "summary.json").read_text())


@pytest.fixture(scope="session", params=OTHER_SEEDS)
def other_summary(request: pytest.FixtureRequest) -> dict:
    """Programme summaries for seeds other than the default."""
    return programme_summary(request.param)



@pytest.fixture
def new_bench(tmp_path):
    """Factory of fresh simulated benches: new_bench(**settings) writes a bench file with those
    settings (BenchConfig fields) and returns its VISA library string "<path>@labmem"; every
    call is a separate world. The Bench object is pyvisa.ResourceManager(lib).visalib.bench."""
    count = iter(range(1_000_000))

    def make(**settings) -> str:
        path = tmp_path / f"bench{next(count)}.yaml"
        path.write_text(yaml.safe_dump(settings))
        return f"{path}@labmem"

    return make


@pytest.fixture
def new_station(new_bench):
    """Factory of stations: new_station(**settings) opens the default station file on a fresh
    bench with those settings; every station is put in its safe state at teardown."""
    opened: list[Station] = []

    def make(**settings) -> Station:
        opened.append(Station(StationConfig.default(new_bench(**settings))))
        return opened[-1]

    yield make
    for station in opened:
        station.safe_off()


def _assert_safe(station: Station) -> None:
    """SMU output off at 0 V, AWG idling at 0 V (read from the bench's emulators)."""
    bench = station.bench
    smu = bench.instruments["smu"]
    assert smu.idle_output() is None or smu.idle_output()[0] == 0.0
    _, awg_v, _ = bench.instruments["awg"].idle_output(bench.now, 1e-3)
    assert np.all(awg_v == 0.0)


@pytest.fixture
def assert_safe():
    """assert_safe(station): the simulated station's instruments are in their safe state."""
    return _assert_safe
