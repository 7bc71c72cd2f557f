"""`labmem run PROCEDURE --param value`: one catalogued run, with exit codes scripts can use."""

from __future__ import annotations

import sqlite3

import pytest

from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.summaries import load_rows


def test_run_one_procedure_with_parameters_and_a_device(tmp_path, capsys):
    assert main(["run", "IVSweep", "--cycles", "2", "--step_v", "0.05", "--data",
                 str(tmp_path), "--device", "W1-D2", "--quiet"]) == 0
    (run,) = Catalog(tmp_path / "catalog.sqlite").runs()
    assert (run.procedure, run.status, run.device_id) == ("IVSweep", "finished", "W1-D2")
    assert run.parameters["cycles"] == 2 and run.parameters["step_v"] == 0.05
    assert "W1-D2" in run.results_path and len(load_rows(run.results_path)) == 2 * 81
    assert capsys.readouterr().out.startswith(f"run {run.id} IVSweep finished: ")


@pytest.mark.parametrize(("args", "message"), [
    (["--cycles", "0"], "Cycles (cycles) = '0' is not allowed: allowed 1 to 10000"),
    (["--step_v", "1e-4"], "the SMU list holds 2500"),
])
def test_refused_parameters_exit_2_before_anything_runs(tmp_path, capsys, args, message):
    assert main(["run", "IVSweep", *args, "--data", str(tmp_path), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert Catalog(tmp_path / "catalog.sqlite").runs() == []


def test_a_failed_run_exits_1_and_missing_instruments_or_station_3(tmp_path, capsys,
                                                                   monkeypatch):
    from labmem.procedures.switching.iv import IVSweep

    def fault(*args, **kwargs):
        raise RuntimeError("instrument fault")

    monkeypatch.setattr(IVSweep, "sweep_cycle", fault)
    assert main(["run", "IVSweep", "--data", str(tmp_path), "--quiet"]) == 1
    assert "RuntimeError: instrument fault" in capsys.readouterr().err
    assert Catalog(tmp_path / "catalog.sqlite").runs()[0].status == "failed"
    station = tmp_path / "lab.yaml"
    station.write_text('visa_library: "@labmem"\nroles:\n  smu: {driver: keithley2450, '
                       'resource: "USB0::0x0::0x0::NOPE::INSTR"}\n')
    assert main(["run", "IVSweep", "--station", str(station), "--data", str(tmp_path),
                 "--quiet"]) == 3
    assert "smu (keithley2450 at USB0::0x0::0x0::NOPE::INSTR) not found" in \
        capsys.readouterr().err
    assert main(["run", "IVSweep", "--station", str(tmp_path / "none.yaml"), "--quiet"]) == 3
    assert "cannot open the station" in capsys.readouterr().err


def test_a_catalog_from_before_campaign_steps_gains_the_column(tmp_path):
    path = tmp_path / "catalog.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, procedure TEXT "
                   "NOT NULL, parameters TEXT NOT NULL, device_id TEXT NOT NULL DEFAULT '', "
                   "station TEXT NOT NULL DEFAULT '', instruments TEXT NOT NULL DEFAULT '{}', "
                   "labmem_version TEXT NOT NULL, simulated INTEGER NOT NULL, started REAL "
                   "NOT NULL, ended REAL, status TEXT NOT NULL, error TEXT, results_path TEXT "
                   "NOT NULL DEFAULT '', traces_path TEXT NOT NULL DEFAULT '', campaign TEXT, "
                   "host TEXT NOT NULL, pid INTEGER NOT NULL)")
        db.execute("INSERT INTO runs (procedure, parameters, labmem_version, simulated, "
                   "started, status, host, pid) VALUES ('IVSweep', '{}', '0.1.0', 1, 0, "
                   "'finished', 'h', 1)")
    catalog = Catalog(path)
    (old,) = catalog.runs()
    assert old.step is None
    new = catalog.start("IVSweep", {}, campaign="c", step="00.00")
    assert catalog.get(new).step == "00.00"


def test_reproduce_reports_a_run_that_did_not_finish_with_exit_1(tmp_path, capsys,
                                                                 monkeypatch):
    from labmem.procedures.runner import RunOutcome
    from labmem.reproduce import station_programme as reproduce

    def failed(procedure, *args, **kwargs):
        return RunOutcome(7, "failed", "RuntimeError: instrument fault", tmp_path / "r.csv",
                          tmp_path / "r.h5")

    monkeypatch.setattr(reproduce, "run_procedure", failed)
    assert main(["reproduce", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == ("labmem reproduce: ComplianceLadderTraining failed: "
                                       "RuntimeError: instrument fault\n")
