"""Closing the window during a run asks the operator first; Ctrl-C and stop signals abort the
run and close the window without asking, leaving the instruments safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from PyQt5 import QtWidgets

from labmem.catalog import Catalog


def start_long_run(qtbot, window):
    window.procedures.select("IVSweep").set_values({"cycles": 5000, "step_v": 0.05})
    job = window.queue_from_form()
    qtbot.waitUntil(lambda: window.running is job, timeout=10_000)
    return job


def answer(monkeypatch, button):
    """The operator's answer to the next question box; returns the list of questions asked."""
    asked = []

    def question(parent, title, text, *args):
        asked.append(title)
        return button

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", question)
    return asked


def test_closing_during_a_run_asks_and_no_keeps_it_running(qtbot, window, monkeypatch,
                                                             finish, assert_safe):
    job = start_long_run(qtbot, window)
    asked = answer(monkeypatch, QtWidgets.QMessageBox.No)
    window.close()
    assert asked == ["Abort the running run?"]
    assert window.isVisible() and window.queue.current is job
    answer(monkeypatch, QtWidgets.QMessageBox.Yes)
    window.close()
    assert not window.isVisible()
    (run,) = Catalog(window.data_dir / "catalog.sqlite").runs()
    assert run.status == "aborted"
    assert_safe(window.station)


def test_a_stop_signal_aborts_the_run_and_closes_without_asking(qtbot, window, monkeypatch,
                                                                 assert_safe):
    start_long_run(qtbot, window)
    asked = answer(monkeypatch, QtWidgets.QMessageBox.No)
    window.stop_for_signal()
    assert asked == [] and not window.isVisible()
    (run,) = Catalog(window.data_dir / "catalog.sqlite").runs()
    assert run.status == "aborted"
    assert_safe(window.station)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_labmem_gui_ends_on_ctrl_c_and_sigterm(tmp_path, signum, code):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-m", "labmem.cli.main", "gui", "--data",
                              str(tmp_path)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60  # the window makes its catalog once it is built
        while not (tmp_path / "catalog.sqlite").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        child.send_signal(signum)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == code, err
