"""Choosing a procedure, filling its parameters, seeing its duration and queueing it; the
queue of waiting runs, abort and clear."""

from __future__ import annotations

import pyqtgraph as pg
from PyQt5 import QtCore, QtWidgets

from labmem.gui.estimates import expected_s
from labmem.gui.parameter_form import ParameterForm
from labmem.gui.settings import load_json, save_json
from labmem.procedures.base import StationProcedure
from labmem.procedures.pulse import PulseProcedure
from labmem.procedures.registry import PROCEDURES

DESCRIPTION_LINES = 1
"""The procedure's description shows its first line; all of it is in its tooltip."""
FORM_MIN_HEIGHT = 172
"""The parameter form shows at least four and a half fields, whatever else the column holds."""


def format_duration(seconds: float) -> str:
    """A duration for people: "1.52 ms", "0.35 s", "12 s", "3 min 20 s", "2 h 05 min"."""
    if seconds < 0.1:
        return pg.siFormat(seconds, precision=3, suffix="s")
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

    def __init__(self, parent: QtWidgets.QWidget | None = None, station: str = "") -> None:
        super().__init__("Procedure", parent)
        self.station = station
        """The station's name (its file), under which measured overheads are remembered."""
        self.choice = QtWidgets.QComboBox()
        self.choice.addItems(list(PROCEDURES))
        self.description = QtWidgets.QLabel()
        self.description.setWordWrap(True)
        self.description.setAlignment(QtCore.Qt.AlignLeft | QtCore.Qt.AlignTop)
        lines = self.description.fontMetrics().lineSpacing()
        self.description.setFixedHeight(DESCRIPTION_LINES * lines + 2)  # all in the tooltip
        policy = self.description.sizePolicy()
        policy.setHeightForWidth(False)  # the column's layout keeps its minimum height
        self.description.setSizePolicy(policy)
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
        scroll.setMinimumHeight(FORM_MIN_HEIGHT)
        self.scroll = scroll
        self.estimate = QtWidgets.QLabel()
        self.estimate.setSizePolicy(QtWidgets.QSizePolicy.Ignored,  # never widens the column
                                    QtWidgets.QSizePolicy.Fixed)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00000;")
        self.message.hide()
        self.queue_button = QtWidgets.QPushButton("Queue run")
        self.queue_button.clicked.connect(self.queue_requested)
        device_row = QtWidgets.QFormLayout()
        device_row.addRow("Device id", self.device)
        people = QtWidgets.QHBoxLayout()  # one row: the form gets the height
        people.addWidget(self.operator, 1)
        people.addWidget(QtWidgets.QLabel("Note"))
        people.addWidget(self.note, 2)
        device_row.addRow("Operator", people)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.description)
        layout.addLayout(device_row)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.estimate)
        layout.addWidget(self.message)
        layout.addWidget(self.queue_button)
        self.choice.currentTextChanged.connect(self.show_procedure)
        person = load_json("procedure/person", {})
        if isinstance(person, dict):
            self.device.setText(str(person.get("device", "")))
            self.operator.setText(str(person.get("operator", "")))
        last = load_json("procedure/last")
        if isinstance(last, str) and self.choice.findText(last) >= 0:
            self.choice.setCurrentText(last)
        self.show_procedure(self.choice.currentText())

    @property
    def form(self) -> ParameterForm:
        """The form of the chosen procedure."""
        return self._forms[self.choice.currentText()]

    def show_procedure(self, name: str) -> None:
        """Show (building once) the form of the procedure called name."""
        if name not in self._forms:
            form = ParameterForm(PROCEDURES[name])
            self._recall(name, form)
            form.changed.connect(self.update_estimate)
            self._forms[name] = form
            self.forms.addWidget(form)
        self.forms.setCurrentWidget(self._forms[name])
        doc = (PROCEDURES[name].__doc__ or "").strip()
        self.description.setText(" ".join(doc.split()))
        self.description.setToolTip(self.description.text())
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
        """Show why the form cannot be queued (None clears it); a refused field is scrolled
        into view, its message beside it, and takes the focus."""
        self.message.setText(message or "")
        self.message.setVisible(bool(message))
        field = self.form.mark(message)
        if field is not None:
            self.scroll.ensureWidgetVisible(field)
            field.setFocus()

    def update_estimate(self) -> None:
        """The chosen procedure's duration: the planned instrument time (waveforms or
        sweeps) and, once a run of it was measured at this station, the time it takes."""
        try:
            procedure = self.procedure()
            planned = float(procedure.get_estimates())
        except (ValueError, TypeError, ZeroDivisionError):
            self.estimate.setText("Duration: — (check the parameters)")
            return
        kind = "waveforms" if isinstance(procedure, PulseProcedure) else "sweeps"
        expected = expected_s(self.station, type(procedure).__name__, planned)
        if expected is None:
            text = f"Duration: {kind} {format_duration(planned)} + overhead (unmeasured)"
        else:
            text = f"Duration: ≈ {format_duration(expected)} ({kind} " \
                   f"{format_duration(planned)})"
        self.estimate.setText(text)
        self.estimate.setToolTip(f"{text}\nThe planned time on the instruments; the ≈ "
                                 "figure scales it by what the last completed run of this "
                                 "procedure at this station took (set-up, transfers, rests).")

    def remember(self) -> None:
        """Store the chosen procedure, the device, the operator and every form's fields, so
        the next window opens with them."""
        save_json("procedure/last", self.choice.currentText())
        save_json("procedure/person", {"device": self.device.text(),
                                       "operator": self.operator.text()})
        for name, form in self._forms.items():
            save_json(f"parameters/{name}", form.values())

    def _recall(self, name: str, form: ParameterForm) -> None:
        """Fill a new form with the fields last stored for its procedure (names that are no
        longer parameters are skipped)."""
        stored = load_json(f"parameters/{name}", {})
        if isinstance(stored, dict):
            form.set_values({k: v for k, v in stored.items() if k in form.edits})
