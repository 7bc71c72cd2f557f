"""Shared fixtures: the reference programme is run once per seed per test session. Under
pytest-xdist (`make test`) every test of an expensive shared fixture is sent to one worker
(`--dist loadgroup`), so each fixture is computed once in total, not once per worker."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
import pyvisa
import yaml

from labmem.cli.main import main
from labmem.reproduce.model_programme import run_model_programme
from labmem.station import Station
from labmem.station_file import StationConfig

OTHER_SEEDS = (1, 2, 3)

SHARED_FIXTURES = ("reference_out", "other_summary", "neuron_runs", "midpoints",
                   "population_vsets")
"""Fixtures too expensive to compute on more than one worker (programmes, populations)."""


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


@pytest.fixture(scope="session", params=[pytest.param(seed, marks=pytest.mark.slow)
                                         for seed in OTHER_SEEDS])
def other_summary(request: pytest.FixtureRequest) -> dict:
    """Programme summaries for seeds other than the default."""
    return programme_summary(request.param)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group each test with the others of its expensive shared fixture (one group per value
    of a parametrised one, e.g. per seed), for xdist's loadgroup distribution."""
    for item in items:
        for name in SHARED_FIXTURES:
            if name in item.fixturenames:
                params = item.callspec.params if hasattr(item, "callspec") else {}
                group = f"{name}-{params[name]}" if name in params else name
                item.add_marker(pytest.mark.xdist_group(group))
                break


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a grouped test that xdist's loadgroup did not group: some pytest versions make it
    ignore the groups silently, and each shared fixture would then run on every worker."""
    if (getattr(item.config.option, "loadgroup", False)  # set on xdist's workers
            and item.get_closest_marker("xdist_group") and "@" not in item.nodeid):
        pytest.fail("--dist loadgroup ignored this test's xdist_group "
                    "(pytest-dev/pytest-xdist#1386): install the pytest pinned in pyproject.toml")


@pytest.fixture
def new_bench(tmp_path):
    """Factory of fresh simulated benches: new_bench(**settings) writes a bench file with those
    settings (BenchConfig fields) and returns its VISA library string "<path>@labmem"; every
    call is a separate world. The Bench object is pyvisa.ResourceManager(lib).visalib.bench."""
    count = iter(range(1_000_000))
    libraries = []

    def make(**settings) -> str:
        path = tmp_path / f"bench{next(count)}.yaml"
        path.write_text(yaml.safe_dump(settings))
        lib = f"{path}@labmem"
        # PyVISA keeps its library objects (and so each bench) only weakly: hold this one for
        # the whole test, or a test keeping only the Bench may find a second world on the path.
        libraries.append(pyvisa.ResourceManager(lib).visalib)
        return lib

    yield make
    libraries.clear()


PULSING_SMU = "USB0::0x2A8D::0x9101::MY51140123::INSTR"
"""Resource of the B2902A of pulsing_smu_station."""


@pytest.fixture
def pulsing_smu_station(new_bench, tmp_path):
    """A station whose only instrument is a B2902A: pulse procedures run on the SMU alone."""
    lib = new_bench(seed=7, setup="smu", instruments={"smu": {"model": "b2902a",
                                                              "resource": PULSING_SMU}})
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump({"visa_library": lib, "roles": {
        "smu": {"driver": "b2902a", "resource": PULSING_SMU}}}))
    station = Station.from_file(path)
    yield station
    station.safe_off()


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
