"""The log pane: labmem's messages, and the instrument traffic (PyMeasure's adapter writes
and reads, PyVISA) at debug level when asked for."""

from __future__ import annotations

import contextlib
import logging

from PyQt5 import QtCore, QtWidgets

TRAFFIC_LOGGERS = ("Adapter", "pyvisa")
"""Loggers that carry instrument traffic: PyMeasure adapters log WRITE/READ, PyVISA its I/O."""
MAX_LINES = 20_000


class _Emitter(QtCore.QObject):
    line = QtCore.pyqtSignal(str)


class QtLogHandler(logging.Handler):
    """A logging handler that hands formatted records to the GUI thread (any thread may log)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                                            "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        """Send the formatted record to the pane."""
        with contextlib.suppress(RuntimeError):  # the pane is gone (window closed)
            self.emitter.line.emit(self.format(record))


class LogPane(QtWidgets.QWidget):
    """Read-only log view with a switch for instrument traffic."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.traffic = QtWidgets.QCheckBox("Instrument traffic (debug)")
        self.traffic.toggled.connect(self.show_traffic)
        clear = QtWidgets.QPushButton("Clear")
        clear.clicked.connect(self.text.clear)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.traffic)
        bar.addStretch(1)
        bar.addWidget(clear)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.text)
        self.handler = QtLogHandler()
        self.handler.emitter.line.connect(self.text.appendPlainText)
        logging.getLogger().addHandler(self.handler)
        labmem = logging.getLogger("labmem")
        if labmem.getEffectiveLevel() > logging.INFO:
            labmem.setLevel(logging.INFO)

    def show_traffic(self, on: bool) -> None:
        """Switch the instrument traffic (debug level) on or off."""
        self.handler.setLevel(logging.DEBUG if on else logging.INFO)
        for name in TRAFFIC_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG if on else logging.NOTSET)

    def detach(self) -> None:
        """Stop receiving records (the window closes)."""
        self.show_traffic(False)
        logging.getLogger().removeHandler(self.handler)
