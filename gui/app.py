"""Start the probe-station GUI on a station (the built-in simulated one by default)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from labmem.station import Station
from labmem.stop_signals import STOP_SIGNALS, stop_on_signals

SIGNAL_POLL_MS = 200
"""How often the event loop hands control to Python, so Ctrl-C and SIGTERM are seen."""

_APP: list[QtWidgets.QApplication] = []
"""Keeps the QApplication made here alive (Qt deletes it with its last Python reference)."""


def application() -> QtWidgets.QApplication:
    """The process's QApplication (made once)."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication(sys.argv[:1])
        app.setApplicationName("labmem")
        _APP.append(app)
    return app  # type: ignore[return-value]


def run_gui(station: Station, data_dir: str | Path | None = None) -> int:
    """Open the main window on an opened station and run the event loop until it is closed
    (data_dir None: the data folder of the last session, ./data the first time).
    Ctrl-C, SIGTERM and SIGHUP abort the running run and close the window (instruments safe);
    the exit code is then 130, 143 or 129."""
    from labmem.gui.main_window import MainWindow

    app = application()
    windows: list[MainWindow] = []

    def stop() -> None:
        for window in windows:
            window.stop_for_signal()

    signals = (signal.SIGINT, *STOP_SIGNALS)
    with stop_on_signals(stop, signals) as stopped:
        windows.append(MainWindow(station, data_dir))
        if stopped.signum is None:
            windows[0].show()
            wake = QtCore.QTimer()  # Qt's loop is C++: let Python run its signal handlers
            wake.timeout.connect(lambda: None)
            wake.start(SIGNAL_POLL_MS)
            code = app.exec_()
        else:
            windows[0].stop_for_signal()
    return stopped.exit_code if stopped.signum else code
