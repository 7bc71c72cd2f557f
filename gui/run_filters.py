"""The run browser's filter bar: procedure, status, device, start dates, and words (or #tags)
of the note."""

from __future__ import annotations

from datetime import datetime

from PyQt5 import QtCore, QtWidgets

from labmem.catalog import STATUSES, Run

ANY = "any"


class RunFilters(QtWidgets.QWidget):
    """Filter widgets; `changed` fires on every edit, accepts(run) applies them all."""

    changed = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.procedure = QtWidgets.QComboBox()
        self.procedure.addItem(ANY)
        self.procedure.setMinimumContentsLength(8)  # the window's width, not the names', rules
        self.procedure.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLength)
        self.status = QtWidgets.QComboBox()
        self.status.addItems([ANY, *STATUSES, "interrupted"])
        self.device = QtWidgets.QLineEdit()
        self.device.setPlaceholderText("e.g. W3-D12")
        self.device.setToolTip("Runs whose device id contains this text")
        self.dates = QtWidgets.QCheckBox("from")
        self.dates.setToolTip("Only runs started between these days (local time), both "
                              "included")
        today = QtCore.QDate.currentDate()
        self.start = QtWidgets.QDateEdit(today.addDays(-7))
        self.end = QtWidgets.QDateEdit(today)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _: self.changed.emit())
        self.note = QtWidgets.QLineEdit()
        self.note.setPlaceholderText("words or #tags")
        self.note.setToolTip("Runs whose note contains every word given (any case)")
        layout = QtWidgets.QGridLayout(self)  # two rows: the Runs tab fits the right column
        layout.setContentsMargins(0, 0, 0, 0)
        for row, widgets in enumerate(((("Procedure", self.procedure), ("Status", self.status),
                                         ("Device", self.device)),
                                        (("Started", self.dates), ("", self.start),
                                         ("to", self.end), ("Note", self.note)))):
            line = QtWidgets.QHBoxLayout()
            for label, widget in widgets:
                if label:
                    line.addWidget(QtWidgets.QLabel(label))
                line.addWidget(widget, 1 if isinstance(widget, QtWidgets.QLineEdit) else 0)
            layout.addLayout(line, row, 0)
        self.dates.toggled.connect(self._dates_toggled)
        for combo in (self.procedure, self.status):
            combo.currentTextChanged.connect(lambda _: self.changed.emit())
        for line in (self.device, self.note):
            line.textChanged.connect(lambda _: self.changed.emit())

    def _dates_toggled(self, on: bool) -> None:
        self.start.setEnabled(on)
        self.end.setEnabled(on)
        self.changed.emit()

    def set_procedures(self, names: list[str]) -> None:
        """Offer these procedure names (keeping the chosen one)."""
        chosen = self.procedure.currentText()
        self.procedure.blockSignals(True)
        self.procedure.clear()
        self.procedure.addItems([ANY, *sorted(set(names))])
        self.procedure.setCurrentText(chosen if chosen in names else ANY)
        self.procedure.blockSignals(False)

    def accepts(self, run: Run) -> bool:
        """Whether the run passes every filter."""
        procedure, status = self.procedure.currentText(), self.status.currentText()
        if procedure != ANY and run.procedure != procedure:
            return False
        if status != ANY and ("interrupted" if run.interrupted else run.status) != status:
            return False
        if self.device.text().strip().lower() not in run.device_id.lower():
            return False
        if self.dates.isChecked():
            day = datetime.fromtimestamp(run.started).date()
            if not self.start.date().toPyDate() <= day <= self.end.date().toPyDate():
                return False
        note = run.note.lower()
        return all(word in note for word in self.note.text().lower().split())
