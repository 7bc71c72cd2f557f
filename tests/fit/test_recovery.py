"""Recovery: a device drawn from the population model (non-default parameters) measured
through the instruments as a user would (an IVSweep on a station whose bench file carries its
`device:` parameters), then fitted. The twin must reproduce the measured statistics within
their sampling error, recover every parameter it calls identifiable within 3 stated standard
errors, and report those the block cannot determine. Two devices, not one lucky draw."""

from __future__ import annotations

import pytest

from labmem.catalog import Catalog
from labmem.fit.twin import fit_runs, write_bench
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.simulated_instruments.bench.wiring import BenchConfig
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.simulated_instruments.device.population import draw_population


@pytest.mark.slow
@pytest.mark.parametrize("population_seed", [1, 2026])
def test_a_population_device_is_recovered_from_one_iv_block(new_station, tmp_path,
                                                            population_seed):
    device = draw_population(1, seed=population_seed)[0]
    station = new_station(seed=device.seed, device=device.params)
    data = tmp_path / "data"
    outcome = run_procedure(IVSweep(cycles=20), station, data, device_id="dut")
    assert outcome.status == "finished", outcome.error
    twin = fit_runs(Catalog(data / "catalog.sqlite"), [outcome.run_id], replicates=2)
    fit = twin.fit
    for stat, value, error in zip(twin.statistics, fit.twin_statistics, fit.errors,
                                  strict=True):
        assert abs(value - stat.value) <= 3 * error, (stat.name, value, stat.value, error)
    truth = {**AgFilamentParams().as_dict(), **device.params}
    assert {"v_a_fresh", "g_hrs_s"} <= set(fit.sigma)
    for name, sigma in fit.sigma.items():
        assert abs(fit.values[name] - truth[name]) < 3 * sigma, (name, fit.values[name],
                                                                 truth[name], sigma)
    assert "v_n_untrained" in fit.not_identifiable
    bench = write_bench(twin, tmp_path / "twin.yaml", [outcome.run_id])
    assert BenchConfig.from_yaml(bench).device == twin.device()
