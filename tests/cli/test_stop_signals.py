"""SIGTERM and SIGHUP stop a run as an operator would: the procedure stops at its next step,
the instruments go safe, the row closes aborted with every measured row kept, and the exit
code names the signal (143, 129). Same for a serial campaign, which then resumes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymeasure.experiment import Results

from labmem.campaigns.runner import check_output
from labmem.campaigns.spec import Campaign
from labmem.catalog import Catalog

SIGNALS = [pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
           pytest.param(signal.SIGHUP, 129, id="SIGHUP")]
CAMPAIGN = """\
campaign: stop-test
devices: [{device: D1, seed: 3}]
steps:
  - {name: forming, procedure: IVSweep, parameters: {cycles: 1}}
  - {name: long, procedure: IVSweep, parameters: {cycles: 10000}}
"""


def labmem(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "labmem.cli.main", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def signal_once_measuring(child: subprocess.Popen, data: Path, signum: int, *,
                          at_least: int = 1) -> tuple[str, str]:
    """Wait (at most 60 s) until a results file under data holds rows, send signum, and
    return the child's (stdout, stderr) once it has ended (at most 60 s more)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        files = sorted(data.rglob("IVSweep_*.csv"))
        if len(files) >= at_least and _rows(files[-1]) > 0:
            break
        time.sleep(0.1)
    child.send_signal(signum)
    try:
        return child.communicate(timeout=60)
    finally:
        child.kill()


def _rows(path: Path) -> int:
    lines = path.read_text().splitlines()
    return sum(1 for line in lines if line and not line.startswith("#")) - 1


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_a_stop_signal_aborts_the_run_safely(tmp_path, signum, code):
    child = labmem("run", "IVSweep", "--cycles", "10000", "--data", str(tmp_path), "--quiet")
    _, err = signal_once_measuring(child, tmp_path, signum)
    assert child.returncode == code, err
    assert f"stopped by {signal.Signals(signum).name}" in err and "NOT SAFE" not in err
    (run,) = Catalog(tmp_path / "catalog.sqlite").runs()
    assert run.status == "aborted" and run.error is None  # unsafe would be "failed"
    rows = Results.load(run.results_path).data
    assert len(rows) > 0 and rows["Current (A)"].notna().all()


@pytest.mark.parametrize(("signum", "code"), SIGNALS)
def test_a_stop_signal_stops_a_campaign_which_then_resumes(tmp_path, signum, code):
    spec = tmp_path / "stop.yaml"
    spec.write_text(CAMPAIGN)
    out = tmp_path / "out"
    child = labmem("campaign", "run", str(spec), "--out", str(out), "--quiet")
    _, err = signal_once_measuring(child, out, signum, at_least=2)
    assert child.returncode == code, err
    assert "--resume" in err
    runs = Catalog(out / "catalog.sqlite").runs()
    assert [(r.step, r.status) for r in runs] == [("00.00", "finished"), ("01.00", "aborted")]
    assert len(Results.load(runs[-1].results_path).data) > 0
    check_output(Campaign.from_file(spec), out, resume=True)  # not refused as still running
