"""Closing the window during a run asks the operator first; Ctrl-C and stop signals abort the
run and close the window without asking, leaving the instruments safe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from PyQt5 import QtCore, QtWidgets

from labmem.catalog import Catalog


def start_long_run(qtbot, window):
    window.procedures.select("IVSweep").set_values({"cycles": 5000, "step_v": 0.05})
    job = window.queue_from_form()
    qtbot.waitUntil(lambda: window.running is job, timeout=10_000)
    return job


def answer(button):
    """Press button (by its text) in the next question box; returns the titles asked."""
    asked = []

    def press():
        box = QtWidgets.QApplication.activeModalWidget()
        if box is None:  # nothing was asked
            return
        asked.append(box.windowTitle())
        next(b for b in box.buttons() if b.text() == button).click()

    QtCore.QTimer.singleShot(0, press)
    return asked


def test_closing_during_a_run_asks_and_cancel_keeps_it_running(qtbot, window, assert_safe):
    job = start_long_run(qtbot, window)
    asked = answer("Cancel")
    window.close()
    assert asked == ["Abort the running run?"]
    assert window.isVisible() and window.queue.current is job
    asked = answer("Abort and close")
    window.close()
    assert asked == ["Abort the running run?"] and not window.isVisible()
    (run,) = Catalog(window.data_dir / "catalog.sqlite").runs()
    assert run.status == "aborted"
    assert_safe(window.station)


def test_a_stop_signal_aborts_the_run_and_closes_without_asking(qtbot, window, assert_safe):
    start_long_run(qtbot, window)
    asked = answer("Cancel")
    window.stop_for_signal()
    qtbot.wait(10)  # the answer's timer has fired: nothing was asked
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
