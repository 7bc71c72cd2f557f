"""Start the probe-station GUI on a station (the built-in simulated one by default)."""

from __future__ import annotations

import sys
from pathlib import Path

from PyQt5 import QtWidgets

from labmem.station import Station, StationConfig

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


def run_gui(station_file: str | None = None, data_dir: str | Path = "data") -> int:
    """Open the main window and run the event loop until it is closed. A station that cannot
    be opened (bad file, no VISA library) is reported on stderr with exit code 2."""
    from labmem.gui.main_window import MainWindow

    try:
        config = (StationConfig.from_file(station_file) if station_file
                  else StationConfig.default())
        station = Station(config)
    except (OSError, ValueError) as err:
        print(f"labmem gui: cannot open the station {station_file or '<default>'}: {err}",
              file=sys.stderr)
        return 2
    app = application()
    window = MainWindow(station, data_dir)
    window.show()
    return app.exec_()
