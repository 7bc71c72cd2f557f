"""Choosing a procedure, filling its parameters, seeing its duration and queueing it; the
queue of waiting runs, abort and clear."""

from __future__ import annotations

from PyQt5 import QtCore, QtWidgets

from labmem.gui.parameter_form import ParameterForm
from labmem.procedures.base import StationProcedure
from labmem.procedures.registry import PROCEDURES


def format_duration(seconds: float) -> str:
    """A duration for people: "0.35 s", "12 s", "3 min 20 s", "2 h 05 min"."""
    if seconds < 10:
        return f"{seconds:.3g} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, s = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProcedurePanel(QtWidgets.QGroupBox):
    """Procedure choice and form; asks the window to check and queue (queue_requested)."""

    queue_requested = QtCore.pyqtSignal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Procedure", parent)
        self.choice = QtWidgets.QComboBox()
        self.choice.addItems(list(PROCEDURES))
        self.description = QtWidgets.QLabel()
        self.description.setWordWrap(True)
        self.device = QtWidgets.QLineEdit()
        self.device.setPlaceholderText("wafer-die-device, e.g. W3-D12-A4")
        self.operator = QtWidgets.QLineEdit()
        self.operator.setPlaceholderText("who runs it")
        self.note = QtWidgets.QLineEdit()
        self.note.setPlaceholderText("free text for the catalog, e.g. after anneal #batch3")
        self.forms = QtWidgets.QStackedWidget()
        self._forms: dict[str, ParameterForm] = {}
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.forms)
        self.estimate = QtWidgets.QLabel()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00000;")
        self.queue_button = QtWidgets.QPushButton("Queue run")
        self.queue_button.clicked.connect(self.queue_requested)
        device_row = QtWidgets.QFormLayout()
        device_row.addRow("Device id", self.device)
        device_row.addRow("Operator", self.operator)
        device_row.addRow("Note", self.note)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.description)
        layout.addLayout(device_row)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.estimate)
        layout.addWidget(self.message)
        layout.addWidget(self.queue_button)
        self.choice.currentTextChanged.connect(self.show_procedure)
        self.show_procedure(self.choice.currentText())

    @property
    def form(self) -> ParameterForm:
        """The form of the chosen procedure."""
        return self._forms[self.choice.currentText()]

    def show_procedure(self, name: str) -> None:
        """Show (building once) the form of the procedure called name."""
        if name not in self._forms:
            form = ParameterForm(PROCEDURES[name])
            form.changed.connect(self.update_estimate)
            self._forms[name] = form
            self.forms.addWidget(form)
        self.forms.setCurrentWidget(self._forms[name])
        doc = (PROCEDURES[name].__doc__ or "").strip()
        self.description.setText(" ".join(doc.split()))
        self.update_estimate()

    def select(self, name: str) -> ParameterForm:
        """Choose a procedure by name; returns its form."""
        index = self.choice.findText(name)
        if index < 0:
            raise KeyError(f"unknown procedure {name!r}")
        self.choice.setCurrentIndex(index)
        return self.form

    def procedure(self) -> StationProcedure:
        """The chosen procedure with the form's values (ValueError naming a bad field)."""
        return self.form.procedure()

    def show_problem(self, message: str | None) -> None:
        """Show why the form cannot be queued (None clears it)."""
        self.message.setText(message or "")
        self.form.mark(message)

    def update_estimate(self) -> None:
        """The chosen procedure's duration on real instruments, or why there is none."""
        try:
            seconds = self.procedure().get_estimates()
        except (ValueError, TypeError, ZeroDivisionError):
            self.estimate.setText("Estimated duration: — (check the parameters)")
            return
        self.estimate.setText(f"Estimated duration on the instruments: "
                              f"{format_duration(float(seconds))}")
