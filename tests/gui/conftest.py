"""GUI tests drive the real main window offscreen (no display needed)."""

from __future__ import annotations

import contextlib
import os
import socket

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt5 import QtCore

from labmem.gui.main_window import MainWindow
from labmem.station import Station
from labmem.station_file import StationConfig

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


@pytest.fixture
def silent_smu_window(qtbot, tmp_path):
    """silent_smu_window(timeout_ms) → (window, resource): the main window on a station whose
    only SMU is a TCP socket that accepts and never answers (open until the test ends)."""
    with contextlib.ExitStack() as servers:
        def make(timeout_ms: int) -> tuple[MainWindow, str]:
            server = servers.enter_context(socket.create_server(("127.0.0.1", 0)))
            resource = f"TCPIP0::127.0.0.1::{server.getsockname()[1]}::SOCKET"
            config = StationConfig.from_text(
                f'visa_library: "@py"\nroles:\n  smu: {{driver: keithley2450, resource: '
                f'"{resource}", timeout_ms: {timeout_ms}}}\n', "lab.yaml")
            window = MainWindow(Station(config), tmp_path / "data")
            qtbot.addWidget(window)
            return window, resource
        yield make

