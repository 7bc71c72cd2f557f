"""Run in a subprocess by test_real_window.py on an X display: open the main window on the
simulated bench, wait until its instruments are identified, and save a screenshot taken from
the X server (the root window, QScreen.grabWindow(0)), not the widget's own rendering.

    python real_window_shot.py OUT.png DATA_DIR   (prints the window's frame geometry)
"""

from __future__ import annotations

import sys
import time

from PyQt5 import QtWidgets

from labmem.gui.main_window import MainWindow
from labmem.station import Station


def main(out: str, data: str) -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    window = MainWindow(Station(), data)
    window.move(0, 0)
    window.show()
    deadline = time.monotonic() + 60.0
    while window.station_panel.rows is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(50):  # let the window manager-less server map and paint the window
        app.processEvents()
        time.sleep(0.01)
    shot = app.primaryScreen().grabWindow(0)
    shot.save(out)
    frame = window.frameGeometry()
    print(frame.x(), frame.y(), frame.width(), frame.height(),
          window.station_panel.rows is not None)
    window.stop_for_signal()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
