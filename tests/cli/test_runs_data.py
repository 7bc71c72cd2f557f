"""`labmem run` and `labmem runs` for what a run records: device id checks, operator and
note, end, duration and error with their time zone, and a traces export refused for a run
that stored none."""

from __future__ import annotations

import re

from labmem.catalog import Catalog
from labmem.cli.main import main


def test_operator_note_and_times_with_their_zone(tmp_path, capsys):
    data = str(tmp_path)
    assert main(["run", "IVSweep", "--cycles", "1", "--step_v", "0.05", "--data", data,
                 "--quiet", "--device", "W3.D1", "--operator", "ana",
                 "--note", "after anneal #batch3"]) == 0
    run = Catalog(tmp_path / "catalog.sqlite").get(1)
    assert (run.device_id, run.operator, run.note) == ("W3.D1", "ana", "after anneal #batch3")
    Catalog(tmp_path / "catalog.sqlite").finish(1, "failed", "Traceback\nOSError: boom")
    capsys.readouterr()
    assert main(["runs", "--data", data, "list"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert "ended" in header and "duration" in header and "error" in header
    stamps = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", line)
    assert len(stamps) == 2, line  # started and ended, each with its offset
    assert re.search(r"\d+\.\d s", line) and "OSError: boom · after anneal #batch3" in line


def test_an_unsafe_device_id_is_refused_with_exit_2(tmp_path, capsys):
    assert main(["run", "IVSweep", "--data", str(tmp_path), "--quiet",
                 "--device", "../../escaped"]) == 2
    assert "device id '../../escaped' is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "catalog.sqlite").exists()


def test_traces_of_an_iv_run_are_refused_not_written_empty(tmp_path, capsys):
    data = str(tmp_path)
    assert main(["run", "IVSweep", "--cycles", "1", "--step_v", "0.05", "--data", data,
                 "--quiet"]) == 0
    out = tmp_path / "traces.csv"
    assert main(["runs", "--data", data, "export", "1", "--what", "traces", "--out",
                 str(out)]) == 2
    assert "stored no traces" in capsys.readouterr().err
    assert not out.exists()
