"""The data folder new runs go to, a button to choose another, and the file name a new run
will get there; a folder labmem cannot write is refused with the reason."""

from __future__ import annotations

import os
from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from labmem.procedures.runner import run_stem


def folder_problem(folder: Path) -> str | None:
    """Why new runs cannot be written to folder (made if missing), or None."""
    if folder.exists() and not folder.is_dir():
        return f"{folder} is a file, not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return f"{folder} cannot be made: {err.strerror or err}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable: choose a folder you may write to"
    return None


class DataFolderBar(QtWidgets.QWidget):
    """Shows the data folder and the next run's file name; chosen(Path) asks for another."""

    chosen = QtCore.pyqtSignal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = QtWidgets.QLabel()
        self.folder.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.pattern = QtWidgets.QLabel()
        self.pattern.setStyleSheet("color: #505050;")
        self.pattern.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.pattern.setSizePolicy(QtWidgets.QSizePolicy.Ignored,
                                   QtWidgets.QSizePolicy.Preferred)  # a long device id
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00000;")
        self.message.hide()
        self.change = QtWidgets.QToolButton()  # one text line high: the form keeps the room
        self.change.setText("Change…")
        self.change.setToolTip("Choose the folder new runs are written to; its catalog is "
                               "opened in the Runs tab")
        self.change.clicked.connect(self._ask)
        layout = QtWidgets.QGridLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setVerticalSpacing(0)
        layout.addWidget(QtWidgets.QLabel("<b>Data folder</b>"), 0, 0)
        layout.addWidget(self.folder, 0, 1)
        layout.addWidget(self.pattern, 1, 0, 1, 3)
        layout.addWidget(self.change, 0, 2)
        layout.addWidget(self.message, 2, 0, 1, 3)
        layout.setColumnStretch(1, 1)

    def show_folder(self, folder: Path) -> None:
        """The folder in use (elided in the middle; the tooltip holds all of it)."""
        text = str(folder.resolve())
        self.folder.setToolTip(text)
        metrics = self.folder.fontMetrics()
        self.folder.setText(metrics.elidedText(text, QtCore.Qt.ElideMiddle, 300))

    def show_next(self, procedure: str, device_id: str) -> None:
        """The file name the next run of procedure on device_id gets."""
        stem = run_stem(procedure, device_id, "<date>_<time>", "000")
        self.pattern.setText(f"New runs: {stem}.csv, .h5")
        self.pattern.setToolTip(self.pattern.text())

    def show_problem(self, message: str | None) -> None:
        """Why a chosen folder was refused (None hides it)."""
        self.message.setText(message or "")
        self.message.setVisible(bool(message))

    def _ask(self) -> None:
        path = QtWidgets.QFileDialog.getExistingDirectory(self, "Data folder for new runs",
                                                          self.folder.toolTip())
        if path:
            self.chosen.emit(Path(path))
