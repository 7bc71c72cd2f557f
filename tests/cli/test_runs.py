"""`labmem runs`: list, show and export catalogued runs as tidy tables."""

from __future__ import annotations

import json

import pandas as pd

from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.procedures.neuron.pulse_responses import Integrate
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep


def test_list_show_and_export(new_station, tmp_path, capsys):
    station = new_station()
    sweep = run_procedure(IVSweep(cycles=2, step_v=0.05), station, tmp_path, device_id="D7")
    pulses = run_procedure(Integrate(series_ohm=2e6, pulses=3, sample_interval_s=10e-6),
                           station, tmp_path, device_id="D7")
    data = str(tmp_path)
    assert main(["runs", "--data", data, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["procedure"] for r in listed] == ["IVSweep", "Integrate"]
    assert all(r["status"] == "finished" and r["device_id"] == "D7" for r in listed)
    assert main(["runs", "--data", data, "list", "--procedure", "Integrate"]) == 0
    table = capsys.readouterr().out
    assert "Integrate" in table and "IVSweep" not in table
    assert main(["runs", "--data", data, "show", str(sweep.run_id)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["parameters"]["cycles"] == 2 and shown["simulated"] is True

    rows_csv = tmp_path / "rows.csv"
    assert main(["runs", "--data", data, "export", str(sweep.run_id), "--out",
                 str(rows_csv)]) == 0
    rows = pd.read_csv(rows_csv)
    assert list(rows.columns[:3]) == ["run_id", "procedure", "device_id"]
    assert (rows["run_id"] == sweep.run_id).all() and "Current (A)" in rows.columns
    traces_csv = tmp_path / "traces.csv"
    assert main(["runs", "--data", data, "export", str(pulses.run_id), "--what", "traces",
                 "--out", str(traces_csv)]) == 0
    traces = pd.read_csv(traces_csv)
    assert set(traces["channel"]) == {"v_source", "i_device", "v_tia"}
    assert set(traces["unit"]) == {"V", "A"}
    per_channel = traces.groupby("channel").size()
    assert per_channel.nunique() == 1 and per_channel.iloc[0] > 1000


def test_unknown_run_and_missing_catalog_exit_codes(tmp_path, capsys):
    assert main(["runs", "--data", str(tmp_path), "list"]) == 3
    (tmp_path / "d").mkdir()
    Catalog(tmp_path / "d" / "catalog.sqlite")
    assert main(["runs", "--data", str(tmp_path / "d"), "show", "42"]) == 3
    assert "no run 42" in capsys.readouterr().err
