"""Start the probe-station GUI on a station (the built-in simulated one by default)."""

from __future__ import annotations

import sys
from pathlib import Path

from PyQt5 import QtWidgets

from labmem.station import Station

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


def run_gui(station: Station, data_dir: str | Path = "data") -> int:
    """Open the main window on an opened station and run the event loop until it is closed."""
    from labmem.gui.main_window import MainWindow

    app = application()
    window = MainWindow(station, data_dir)
    window.show()
    return app.exec_()
