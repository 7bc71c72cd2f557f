"""`labmem fit` refuses what it cannot fit, naming why: an unknown run id or catalog (3), a run
it cannot replay or runs without a usable statistic (2)."""

from __future__ import annotations

from labmem.cli.main import main
from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep


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
