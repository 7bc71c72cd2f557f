"""Set-up changes shown to the operator: on the simulated bench a dialog that only informs
(the bench recables itself); at a real station one that waits until the operator has
connected what it says, called from the run's worker thread."""

from __future__ import annotations

import threading

from PyQt5 import QtCore, QtWidgets

from labmem.station import Station


class SetupPrompt(QtCore.QObject):
    """Becomes the station's operator and announcer; its dialogs live on the GUI thread."""

    informed = QtCore.pyqtSignal(str)
    _ask = QtCore.pyqtSignal(str, object)

    def __init__(self, station: Station, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.window = parent
        self.dialog: QtWidgets.QMessageBox | None = None
        self.messages: list[str] = []
        station.announce = self.informed.emit
        station.operator = self.ask
        self.informed.connect(self._inform)
        self._ask.connect(self._question)

    def _inform(self, message: str) -> None:
        """Non-modal note of what the simulated bench connected."""
        self.messages.append(message)
        if self.dialog is None:
            self.dialog = QtWidgets.QMessageBox(
                QtWidgets.QMessageBox.Information, "Set-up change", "",
                QtWidgets.QMessageBox.Ok, self.window)
            self.dialog.setModal(False)
        self.dialog.setText("The simulated bench switched its wiring by itself:")
        self.dialog.setInformativeText(message)
        self.dialog.show()

    def ask(self, message: str) -> None:
        """Block the calling (worker) thread until the operator confirms the wiring;
        RuntimeError when they cancel, which fails the run before any output."""
        answer: dict[str, object] = {"done": threading.Event(), "ok": False}
        self._ask.emit(message, answer)
        answer["done"].wait()  # type: ignore[union-attr]
        if not answer["ok"]:
            raise RuntimeError(f"the operator did not confirm the set-up: {message}")

    def _question(self, message: str, answer: dict) -> None:
        self.messages.append(message)
        reply = QtWidgets.QMessageBox.question(
            self.window, "Connect the set-up", f"{message}\n\nPress OK when connected.",
            QtWidgets.QMessageBox.Ok | QtWidgets.QMessageBox.Cancel)
        answer["ok"] = reply == QtWidgets.QMessageBox.Ok
        answer["done"].set()
