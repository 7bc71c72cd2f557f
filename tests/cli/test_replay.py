"""`labmem run --record` and `labmem replay TRANSCRIPT`: exit 0 without differences, 1 with."""

from __future__ import annotations

import json

from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.transcript import Transcript


def test_record_a_run_and_replay_it(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["run", "IVSweep", "--cycles", "1", "--record", "--data", str(data),
                 "--quiet"]) == 0
    (run,) = Catalog(data / "catalog.sqlite").runs()
    capsys.readouterr()
    shared = tmp_path / "iv.visa.jsonl.gz"
    assert main(["replay", run.transcript_path, "--anonymise", str(shared)]) == 0
    assert "0 differences" in capsys.readouterr().out
    assert Transcript.load(shared).header["anonymised"]

    tampered = Transcript.load(run.transcript_path)
    query = next(r for r in tampered.records if r.get("data") == ":SYST:LFR?\n")
    query["answer"] = "60\n"
    tampered.save(tmp_path / "tampered.visa.jsonl.gz")
    assert main(["replay", str(tmp_path / "tampered.visa.jsonl.gz"), "--json"]) == 1
    (difference,) = json.loads(capsys.readouterr().out)["differences"]
    assert (difference["command"], difference["kind"]) == (":SYST:LFR?", "answer")


def test_a_run_without_record_has_no_transcript(tmp_path):
    assert main(["run", "IVSweep", "--cycles", "1", "--data", str(tmp_path), "--quiet"]) == 0
    assert Catalog(tmp_path / "catalog.sqlite").runs()[0].transcript_path == ""


def test_replay_refuses_what_is_not_a_transcript(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "missing.visa.jsonl.gz")]) == 3
    (tmp_path / "rows.csv").write_text("a,b\n")
    assert main(["replay", str(tmp_path / "rows.csv")]) == 2
    assert "not a labmem VISA transcript" in capsys.readouterr().err
