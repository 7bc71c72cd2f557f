"""Bad input on the command line: the documented exit code, one line saying what is wrong,
never a traceback, and nothing half-written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import warnings

import pytest

from labmem.catalog import Catalog
from labmem.cli.main import main


def labmem(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """Exit code and stderr of `labmem ARGS` (argparse refusals exit through SystemExit)."""
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.fixture
def data(tmp_path):
    """A data folder whose catalog holds run 1 (finished), and a file and a folder beside it."""
    folder = tmp_path / "data"
    catalog = Catalog(folder / "catalog.sqlite")
    catalog.finish(catalog.start("IVSweep", {}), "finished")
    (tmp_path / "afile").write_text("not a folder\n")
    (tmp_path / "twin.yaml").write_text("device: {v_a: 1.2}\n")  # v_a_fresh misspelt
    (tmp_path / "broken.yaml").write_text("device: [1.2\n")  # an unclosed list
    (tmp_path / "adir").mkdir()
    return folder


BAD = [
    (["run", "IVSweep", "--cycles", "1.5"], 2,
     "labmem run: Cycles (cycles) = '1.5' is not allowed: a whole number is needed; allowed "
     "1 to 10000"),
    (["run", "IVSweep", "--v_pos", "nan"], 2,
     "labmem run: Positive apex (v_pos) = 'nan' is not allowed: not a finite number; allowed "
     "0.01 to 20 V"),
    (["run", "IVSweep", "--compliance_a=-inf"], 2,
     "labmem run: Compliance (compliance_a) = '-inf' is not allowed: not a finite number"),
    (["run", "IVSweep", "--data", "{tmp}/afile"], 2,
     "labmem run: --data {tmp}/afile is a file, not a folder"),
    (["gui", "--data", "{tmp}/afile"], 2, "labmem gui: --data {tmp}/afile is a file, not a folder"),
    (["runs", "--data", "{tmp}/nothere", "list"], 3,
     "labmem runs: no run catalog at {tmp}/nothere/catalog.sqlite"),
    (["runs", "--data", "{tmp}/data", "list", "1"], 2,
     "labmem runs list takes no run id (labmem runs show 1)"),
    (["runs", "--data", "{tmp}/data", "export", "1", "--out", "{tmp}/nodir/x.csv"], 2,
     "labmem runs export: cannot write {tmp}/nodir/x.csv: no folder {tmp}/nodir"),
    (["runs", "--data", "{tmp}/data", "export", "1", "--out", "{tmp}/adir"], 2,
     "labmem runs export: cannot write {tmp}/adir: it is a folder"),
    (["runs", "--data", "{tmp}/data", "show", "99999999999999999999"], 2,
     "argument id: 99999999999999999999 is not allowed: allowed 1 to 9223372036854775807"),
    (["reproduce", "--out", "{tmp}/afile"], 2,
     "labmem reproduce: the output folder {tmp}/afile is a file"),
    (["reproduce", "--out", "{tmp}/afile/sub"], 2,
     "labmem reproduce: cannot make the output folder {tmp}/afile/sub: Not a directory"),
    (["reproduce", "--out", "{tmp}/out", "--seed", "-1"], 2,
     "argument --seed: -1 is not allowed: allowed 0 or more"),
    (["reproduce", "--out", "{tmp}/out", "--device", "{tmp}/nothere.yaml"], 3,
     "labmem reproduce: cannot read {tmp}/nothere.yaml: No such file or directory"),
    (["reproduce", "--out", "{tmp}/out", "--device", "{tmp}/afile"], 2,
     "labmem reproduce: {tmp}/afile: a bench file is a mapping of settings"),
    (["reproduce", "--out", "{tmp}/out", "--device", "{tmp}/twin.yaml"], 2,
     "labmem reproduce: unknown device parameters ['v_a']: device overrides are "
     "AgFilamentParams fields (docs/device_model.md)"),
    (["reproduce", "--out", "{tmp}/out", "--device", "{tmp}/broken.yaml"], 2,
     "labmem reproduce: {tmp}/broken.yaml, line 2: expected ',' or ']', but got '<stream end>'"),
    (["fit", "--runs", "1", "--data", "{tmp}/data", "--start", "{tmp}/broken.yaml", "--quiet"], 2,
     "labmem fit: {tmp}/broken.yaml, line 2: expected ',' or ']', but got '<stream end>'"),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD, ids=[" ".join(a) for a, _, _ in BAD])
def test_bad_input_is_refused_in_one_line_with_its_exit_code(tmp_path, data, capsys, args,
                                                              code, message):
    args = [a.format(tmp=tmp_path) for a in args]
    got, err = labmem(args, capsys)
    assert got == code
    assert message.format(tmp=tmp_path) in err.splitlines()[-1]
    assert not (tmp_path / "out").exists() and not (tmp_path / "nodir").exists()
    assert not (tmp_path / "afile" / "data").exists() and not list((tmp_path / "adir").iterdir())


def test_an_integer_parameter_takes_an_integral_number_written_as_a_float(tmp_path, capsys):
    assert main(["run", "IVSweep", "--cycles", "2e0", "--step_v", "0.05", "--data",
                 str(tmp_path), "--quiet"]) == 0
    (run,) = Catalog(tmp_path / "catalog.sqlite").runs()
    assert run.parameters["cycles"] == 2


def test_runs_list_filters_interrupted_runs_as_it_shows_them(data, capsys):
    catalog = Catalog(data / "catalog.sqlite")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True, timeout=60)
    left = catalog.start("IVSweep", {})
    with sqlite3.connect(data / "catalog.sqlite") as db:
        db.execute("UPDATE runs SET pid = ? WHERE id = ?", (int(gone.stdout), left))
    assert main(["runs", "--data", str(data), "list", "--status", "interrupted"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 2 and table[1].split()[:3] == [str(left), "IVSweep", "interrupted"]
    assert main(["runs", "--data", str(data), "list", "--status", "running"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1, "an interrupted run is not running"


def test_a_reader_that_closes_the_pipe_early_ends_the_listing_quietly(data):
    child = subprocess.Popen([sys.executable, "-m", "labmem.cli.main", "runs", "--data",
                              str(data), "list", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # before the child has written anything: `labmem … | head -0`
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert err == ""


def test_a_failed_run_is_one_line_without_a_traceback(tmp_path, capsys, monkeypatch):
    from labmem.procedures.switching.iv import IVSweep

    def fault(*args, **kwargs):
        raise RuntimeError("instrument fault")

    monkeypatch.setattr(IVSweep, "sweep_cycle", fault)
    code, err = labmem(["run", "IVSweep", "--data", str(tmp_path), "--quiet"], capsys)
    assert code == 1
    assert err.splitlines() == ["labmem: run 1 failed: RuntimeError: instrument fault",
                                "  RuntimeError: instrument fault"]


def test_quiet_hides_numpy_warnings_of_a_one_run_statistic(tmp_path, capsys):
    path = tmp_path / "one_run.yaml"
    path.write_text("campaign: one-run\ndevices: [{device: A, seed: 3}]\nsteps:\n"
                    "  - procedure: SynapticWeight\n    parameters: {pulses: 3, runs: 1, "
                    "conditioning_runs: 0, forming_cycles: 1}\n")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code, err = labmem(["campaign", "run", str(path), "--out", str(tmp_path / "out"),
                            "--quiet"], capsys)
    assert code == 0
    assert [w for w in seen if issubclass(w.category, RuntimeWarning)] == []
    assert err == ""
    assert os.path.exists(tmp_path / "out" / "campaign_summary.json")
