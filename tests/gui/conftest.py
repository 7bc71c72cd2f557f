"""GUI tests drive the real main window offscreen (no display needed)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt5 import QtCore

from labmem.gui.main_window import MainWindow

RUN_TIMEOUT_MS = 120_000


@pytest.fixture(autouse=True)
def gui_settings(tmp_path_factory, monkeypatch):
    """Every GUI test remembers into a settings folder of its own, never the user's (also
    for a `labmem gui` it starts: Qt reads XDG_CONFIG_HOME)."""
    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope,
                             str(folder))
    return folder


@pytest.fixture
def window(qtbot, new_station, tmp_path):
    """The main window on a fresh simulated station, data under tmp_path/data."""
    win = MainWindow(new_station(), tmp_path / "data")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.station_panel.rows is not None)  # instruments identified
    yield win
    win.stop_for_signal()  # closes without asking, even when a failed test left a run going


@pytest.fixture
def finish(qtbot, window):
    """finish(job): wait until the window has handled the end of a queued job; its JobResult."""
    def wait(job):
        qtbot.waitUntil(lambda: job.number in window.results, timeout=RUN_TIMEOUT_MS)
        return window.results[job.number]
    return wait
