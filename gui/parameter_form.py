"""A procedure's parameters as a form: one field per parameter with its unit and allowed
range, turned into a procedure instance or into the message that refuses a value."""

from __future__ import annotations

from typing import Any

from PyQt5 import QtCore, QtWidgets

from labmem.procedures.base import (
    StationProcedure,
    allowed_range,
    build_procedure,
    parameter_label,
    parameters_in_order,
)

INVALID_STYLE = "QLineEdit { background: #ffd6d6; }"
NOTE_STYLE = "color: #b00000;"


def format_value(value: Any) -> str:
    """A parameter value as the user would type it (floats in short %g form)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


class ParameterForm(QtWidgets.QWidget):
    """Fields for every parameter of one procedure class."""

    changed = QtCore.pyqtSignal()

    def __init__(self, cls: type[StationProcedure], parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.cls = cls
        self.parameters = parameters_in_order(cls)
        self.edits: dict[str, QtWidgets.QLineEdit] = {}
        self.notes: dict[str, QtWidgets.QLabel] = {}
        """Per field, the refusal shown under it (hidden while the field is accepted)."""
        layout = QtWidgets.QFormLayout(self)
        layout.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
        for name, parameter in self.parameters.items():
            edit = QtWidgets.QLineEdit(format_value(parameter.default))
            edit.setObjectName(name)
            allowed = allowed_range(parameter)
            edit.setToolTip(f"{name}" + (f": allowed {allowed}" if allowed else ""))
            edit.textChanged.connect(self.changed)
            layout.addRow(parameter_label(parameter), edit)
            note = QtWidgets.QLabel()
            note.setWordWrap(True)
            note.setStyleSheet(NOTE_STYLE)
            note.hide()
            layout.addRow(note)
            self.edits[name], self.notes[name] = edit, note

    def values(self) -> dict[str, str]:
        """The text of every field."""
        return {name: edit.text().strip() for name, edit in self.edits.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill fields (unknown names raise KeyError)."""
        for name, value in values.items():
            self.edits[name].setText(format_value(value))

    def mark(self, message: str | None) -> QtWidgets.QLineEdit | None:
        """Highlight the field a refusal names, as "(name)", with the message under it, and
        clear the others; returns the field marked (None when the message names none)."""
        marked = None
        for name, edit in self.edits.items():
            named = bool(message) and f"({name})" in message
            edit.setStyleSheet(INVALID_STYLE if named else "")
            self.notes[name].setText(message if named else "")
            self.notes[name].setVisible(named)
            if named and marked is None:
                marked = edit
        return marked

    def procedure(self) -> StationProcedure:
        """A procedure with the form's values; ValueError naming the first refused field."""
        return build_procedure(self.cls, self.values())
