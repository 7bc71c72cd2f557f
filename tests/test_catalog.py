"""The run catalog: rows survive the process that wrote them; statuses; filters."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from labmem.catalog import Catalog


def test_start_finish_and_filter(tmp_path):
    cat = Catalog(tmp_path / "runs.sqlite")
    a = cat.start("IVSweep", {"compliance_a": 1e-8}, device_id="D1", simulated=True,
                  instruments={"smu": "KEITHLEY INSTRUMENTS,MODEL 2450,1,1"})
    b = cat.start("Retention", {"read_v": 0.1}, device_id="D2")
    cat.finish(a, "finished")
    cat.finish(b, "failed", error="ValueError: bad read voltage")
    run = cat.get(a)
    assert (run.status, run.simulated, run.parameters) == ("finished", True, {"compliance_a": 1e-8})
    assert run.ended >= run.started and run.instruments["smu"].startswith("KEITHLEY")
    assert [r.id for r in cat.runs(device_id="D2")] == [b]
    assert cat.get(b).error.startswith("ValueError")
    with pytest.raises(ValueError):
        cat.finish(a, "running")
    with pytest.raises(KeyError):
        cat.get(999)


def test_a_killed_run_stays_catalogued_as_interrupted(tmp_path):
    path = tmp_path / "runs.sqlite"
    script = textwrap.dedent(f"""
        import time
        from labmem.catalog import Catalog
        Catalog({str(path)!r}).start("IVSweep", {{}}, device_id="D1")
        print("started", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    (run,) = Catalog(path).runs()
    assert run.status == "running" and run.interrupted


def test_a_note_is_replaced_after_the_run(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    run_id = catalog.start("IVSweep", {}, note="first")
    catalog.finish(run_id, "finished")
    catalog.set_note(run_id, "contact lost #redo")
    assert catalog.get(run_id).note == "contact lost #redo"
    with pytest.raises(KeyError, match="no run 99"):
        catalog.set_note(99, "x")
    reader = Catalog(tmp_path / "catalog.sqlite", read_only=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        reader.set_note(run_id, "y")
