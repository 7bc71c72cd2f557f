"""What the runner stores: file names from device ids, the run's identity in the results
header and the HDF5 root, and a full disk reported as a failed run."""

from __future__ import annotations

import errno
import json
import os
import sqlite3

import h5py
import pytest

from labmem import __version__
from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.procedures import runner
from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.summaries import load_rows
from labmem.traces import TraceStore


def _train() -> PulseTrain:
    return PulseTrain(waveform="0:1e-5, 1:2e-5, 0:1e-5")


def test_a_device_id_with_a_dot_keeps_it_in_every_file_name(new_station, tmp_path):
    station = new_station()
    first = run_procedure(_train(), station, tmp_path, device_id="chip1.dev2")
    second = run_procedure(_train(), station, tmp_path, device_id="chip1.dev2")
    assert (first.status, second.status) == ("finished", "finished")
    for outcome in (first, second):
        assert outcome.results_path.name.startswith("PulseTrain_chip1.dev2_")
        assert outcome.traces_path.name == outcome.results_path.stem + ".h5"
    assert first.results_path != second.results_path


def test_an_unsafe_device_id_is_refused_before_anything_is_written(new_station, tmp_path):
    with pytest.raises(ValueError, match=r"device id '\.\./out' is not allowed"):
        run_procedure(_train(), new_station(), tmp_path / "data", device_id="../out")
    assert not (tmp_path / "data").exists()


def test_the_run_describes_itself_in_its_files(new_station, tmp_path):
    outcome = run_procedure(_train(), new_station(), tmp_path, device_id="W3-D12",
                            operator="ana", note="after anneal #batch3")
    run = Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id)
    assert (run.operator, run.note) == ("ana", "after anneal #batch3")
    header = outcome.results_path.read_text().split("#Data:")[0]
    assert "#\tDevice id: W3-D12" in header and f"#\tRun id: {outcome.run_id}" in header
    assert "#\tStarted (UTC): 20" in header and "+00:00" in header
    with h5py.File(outcome.traces_path, "r") as f:
        root = dict(f.attrs)
    assert root["run_id"] == outcome.run_id and root["procedure"] == "PulseTrain"
    assert root["device_id"] == "W3-D12" and root["labmem_version"] == __version__
    assert root["started_utc"] in header
    assert len(load_rows(outcome.results_path)) == 1  # PyMeasure still reads the file


def test_a_full_disk_ends_the_run_failed_and_the_catalog_stays_readable(
        new_station, tmp_path, monkeypatch, capsys):
    """ENOSPC is injected at the trace write, and SQLite's full-disk error at the closing of
    the catalog row, as a full disk gives both."""
    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def database_full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(TraceStore, "add", no_space)
    monkeypatch.setattr(Catalog, "finish", database_full)
    outcome = run_procedure(_train(), new_station(), tmp_path)
    assert outcome.status == "failed"
    assert "[Errno 28] No space left on device" in outcome.error
    assert "database or disk is full" in outcome.error
    assert main(["runs", "--data", str(tmp_path), "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["id"] == outcome.run_id  # still "running": it could not be closed


def test_a_full_disk_at_a_row_write_is_a_failed_run_with_the_error(new_station, tmp_path,
                                                                    monkeypatch):
    class FullDisk:
        """The results file, once the disk is full: every write and flush fails."""

        def __init__(self, path, *args, **kwargs):
            self.file = open(path, *args, **kwargs)  # noqa: SIM115

        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self):
            self.file.flush()

        def close(self):
            self.file.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

    monkeypatch.setattr(runner, "open", FullDisk, raising=False)
    outcome = run_procedure(IVSweep(cycles=1, step_v=0.05), new_station(), tmp_path)
    run = Catalog(tmp_path / "catalog.sqlite", read_only=True).get(outcome.run_id)
    assert (outcome.status, run.status) == ("failed", "failed")
    assert run.error.startswith("OSError: [Errno 28] No space left on device")
