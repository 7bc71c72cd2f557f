"""`labmem fit` refuses what it cannot fit, naming why: an unknown run id or catalog (3), a run
it cannot replay or runs without a usable statistic (2); a Retention run replays model-only."""

from __future__ import annotations

import pytest

from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.fit.twin import plan_runs, simulate_plans
from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.procedures.synapse.retention import Retention
from labmem.simulated_instruments.device.params import AgFilamentParams


@pytest.mark.slow
def test_unknown_runs_unsupported_runs_and_runs_without_statistics_are_refused(
        new_station, tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["fit", "--runs", "1", "--data", str(data), "--quiet"]) == 3
    assert "no run catalog" in capsys.readouterr().err
    station = new_station()
    run_procedure(PulseTrain(), station, data)
    run_procedure(IVSweep(cycles=2, v_pos=0.05), station, data)  # no set, no HRS read
    assert main(["fit", "--runs", "7", "--data", str(data), "--quiet"]) == 3
    assert "no run 7" in capsys.readouterr().err
    assert main(["fit", "--runs", "1", "2", "--data", str(data), "--quiet"]) == 2
    assert "run 1 (PulseTrain): the fit replays I(V) procedures and Retention only" \
        in capsys.readouterr().err
    assert main(["fit", "--runs", "2", "--data", str(data), "--quiet"]) == 2
    assert "no usable statistic in runs 2" in capsys.readouterr().err
    assert main(["fit", "--data", str(data), "--quiet"]) == 2
    assert "give --runs ID… or --reference" in capsys.readouterr().err


@pytest.mark.slow
def test_a_retention_run_replays_model_only_with_the_same_statistics(new_station, tmp_path):
    data = tmp_path / "data"
    outcome = run_procedure(Retention(window_s=10.0, reads=30), new_station(seed=3), data,
                            device_id="d")
    plans, measured = plan_runs(Catalog(data / "catalog.sqlite"), [outcome.run_id])
    simulated = simulate_plans(plans, {}, 0)
    assert [s.name for s in measured] == list(simulated)
    decay = measured[0].name
    assert "volatile decay" in decay and -4.5 < simulated[decay] < -2  # ms, as measured
    assert abs(simulated[decay] - measured[0].value) < 0.5
    slower = simulate_plans(plans, {"tau_gap_s": 4 * AgFilamentParams().tau_gap_s}, 0)
    assert slower[decay] > simulated[decay] + 0.3  # the tip's retraction sets the decay
