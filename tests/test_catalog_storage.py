"""The catalog as stored: schema versions and their upgrade, data paths relative to the
catalog (a moved or copied folder keeps working), read-only opening of archived folders."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from labmem import catalog as catalog_module
from labmem.catalog import SCHEMA_VERSION, Catalog, CatalogError, check_device_id
from labmem.cli.main import main
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep


def _files(folder, stem):
    folder.mkdir(parents=True, exist_ok=True)
    csv, h5 = folder / f"{stem}.csv", folder / f"{stem}.h5"
    csv.write_text(f"{stem}\n")
    h5.write_bytes(b"")
    return csv, h5


def _old_catalog(folder, csv, h5):
    """A catalog as the previous labmem wrote it: schema SQL without version, absolute
    paths."""
    db = sqlite3.connect(folder / "catalog.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(catalog_module._SCHEMA)
    db.execute("INSERT INTO runs (procedure, parameters, labmem_version, simulated, started, "
               "status, results_path, traces_path, host, pid) VALUES ('IVSweep', '{}', "
               "'0.0.9', 1, 1.0, 'finished', ?, ?, 'h', 1)", (str(csv), str(h5)))
    db.commit()
    db.close()


def test_an_old_catalog_is_upgraded_with_relative_paths_and_indexes(tmp_path):
    data = tmp_path / "data"
    csv, h5 = _files(data, "IVSweep_1")
    _old_catalog(data, csv, h5)
    cat = Catalog(data / "catalog.sqlite")
    db = sqlite3.connect(data / "catalog.sqlite")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    stored = db.execute("SELECT results_path, traces_path, operator, note, transcript_path "
                        "FROM runs").fetchone()
    assert stored == ("IVSweep_1.csv", "IVSweep_1.h5", "", "", "")
    indexed = {db.execute(f"PRAGMA index_info({name})").fetchone()[2]
               for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                         "AND tbl_name = 'runs'")}
    assert {"status", "procedure", "device_id", "started"} <= indexed
    db.close()
    assert cat.get(1).results_path == str(csv)
    Catalog(data / "catalog.sqlite")  # opening an up-to-date catalog again changes nothing


def test_a_newer_catalog_is_refused(tmp_path):
    path = tmp_path / "catalog.sqlite"
    Catalog(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(CatalogError, match="schema version 99"):
        Catalog(path)


def test_a_moved_or_copied_folder_reads_its_own_files(new_station, tmp_path, capsys):
    data = tmp_path / "data"
    outcome = run_procedure(IVSweep(cycles=1, step_v=0.05), new_station(), data)
    moved = tmp_path / "moved"
    data.rename(moved)
    assert main(["runs", "--data", str(moved), "export", str(outcome.run_id), "--out",
                 str(tmp_path / "rows.csv")]) == 0
    assert "wrote 81 rows" in capsys.readouterr().out
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy)
    run = Catalog(copy / "catalog.sqlite", read_only=True).get(outcome.run_id)
    assert run.results_path == str(copy / outcome.results_path.name)
    shutil.rmtree(moved)  # the copy never needed the original
    assert main(["runs", "--data", str(copy), "export", str(outcome.run_id), "--out",
                 str(tmp_path / "rows.csv")]) == 0


def test_an_old_catalog_in_a_copied_folder_reads_the_copy(tmp_path):
    original = tmp_path / "original"
    csv, h5 = _files(original, "IVSweep_1")
    _old_catalog(original, csv, h5)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    (copy / "IVSweep_1.csv").write_text("the copy\n")
    for read_only in (True, False):  # read as it is, then upgraded
        run = Catalog(copy / "catalog.sqlite", read_only=read_only).get(1)
        assert Path(run.results_path).read_text() == "the copy\n"


def test_an_archived_folder_is_read_without_writing(tmp_path, monkeypatch, capsys):
    """Tests run as root, which ignores permission bits: the folder is made read-only with
    chmod (effective for other users) and the catalog is told it cannot write there
    (os.access patched), so the archived path is taken; the check is that nothing is
    written: no -wal or -shm file appears and a write is refused by SQLite."""
    data = tmp_path / "archive"
    csv, h5 = _files(data, "IVSweep_1")
    cat = Catalog(data / "catalog.sqlite")
    cat.finish(cat.start("IVSweep", {}, results_path=csv, traces_path=h5), "finished")
    del cat
    before = sorted(os.listdir(data))
    assert before == ["IVSweep_1.csv", "IVSweep_1.h5", "catalog.sqlite"]
    monkeypatch.setattr(catalog_module.os, "access", lambda path, mode: False)
    data.chmod(0o555)
    try:
        archived = Catalog(data / "catalog.sqlite", read_only=True)
        assert [r.status for r in archived.runs()] == ["finished"]
        assert main(["runs", "--data", str(data), "list"]) == 0
        assert "finished" in capsys.readouterr().out
        assert main(["runs", "--data", str(data), "show", "1"]) == 0
        with pytest.raises(sqlite3.OperationalError, match="readonly"), \
                archived._connect() as db:
            db.execute("UPDATE runs SET note = 'x'")
        assert sorted(os.listdir(data)) == before
    finally:
        data.chmod(0o755)


def test_read_only_opening_of_a_live_folder_never_writes_the_catalog(tmp_path):
    path = tmp_path / "catalog.sqlite"
    Catalog(path).start("IVSweep", {})
    reader = Catalog(path, read_only=True)
    assert reader.get(1).status == "running"
    with pytest.raises(sqlite3.OperationalError, match="readonly"), reader._connect() as db:
        db.execute("DELETE FROM runs")
    with pytest.raises(FileNotFoundError):
        Catalog(tmp_path / "none.sqlite", read_only=True)


@pytest.mark.parametrize("bad", ["../../../escaped", "a/b", "a b", ".hidden", "-x", "é",
                                 "x" * 65, "c:\\d"])
def test_device_ids_that_are_not_safe_in_a_file_name_are_refused(bad):
    with pytest.raises(ValueError, match="is not allowed"):
        check_device_id(bad)


@pytest.mark.parametrize("good", ["", "W3-D12-A4", "chip1.dev2", "SIM_D0001"])
def test_safe_device_ids_pass(good):
    assert check_device_id(good) == good
