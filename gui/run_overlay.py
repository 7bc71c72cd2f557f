"""Several runs' stored rows on one plot, with the x and y columns chosen from the runs'
results (as PyMeasure's axis choosers do), one colour per run and a legend."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PyQt5 import QtWidgets

from labmem.catalog import Run
from labmem.summaries import load_rows

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
"""Run colours that read on white (matplotlib's tab10), reused in turn past ten runs."""
UNIT = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
"""A results column "Voltage (V)": its name and unit."""


def label_and_unit(column: str) -> tuple[str, str]:
    """("Voltage", "V") of "Voltage (V)"; (column, "") for a column without a unit."""
    match = UNIT.match(column)
    return (match.group(1), match.group(2)) if match else (column, "")


class RunOverlay(QtWidgets.QWidget):
    """The rows of the given runs overlaid; X and Y choose the columns."""

    def __init__(self, runs: list[Run], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs = runs
        self.rows: dict[int, pd.DataFrame] = {}
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        problems = []
        for run in runs:
            try:
                self.rows[run.id] = load_rows(run.results_path)
            except Exception as err:  # a run without readable rows is left out, and said
                problems.append(f"run {run.id}: {err}")
        columns = list(dict.fromkeys(c for rows in self.rows.values() for c in rows.columns
                                     if pd.api.types.is_numeric_dtype(rows[c])))
        self.x = QtWidgets.QComboBox()
        self.y = QtWidgets.QComboBox()
        for combo in (self.x, self.y):
            combo.addItems(columns)
        x, y = default_axes(columns)
        self.x.setCurrentText(x)
        self.y.setCurrentText(y)
        self.log_y = QtWidgets.QCheckBox("log |y|")
        controls = QtWidgets.QHBoxLayout()
        for label, widget in (("X", self.x), ("Y", self.y)):
            controls.addWidget(QtWidgets.QLabel(label))
            controls.addWidget(widget)
        controls.addWidget(self.log_y)
        controls.addStretch(1)
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.legend = self.plot.addLegend(offset=(10, 10))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.message)
        if problems:
            self.message.setText("Not shown: " + "; ".join(problems))
        self.curves: dict[int, pg.PlotDataItem] = {}
        for combo in (self.x, self.y):
            combo.currentTextChanged.connect(lambda _: self.draw())
        self.log_y.toggled.connect(lambda _: self.draw())
        self.draw()

    def draw(self) -> None:
        """One curve per run (that has both columns) of the chosen Y against the chosen X."""
        x, y, log_y = self.x.currentText(), self.y.currentText(), self.log_y.isChecked()
        self.plot.clear()
        self.legend.clear()
        self.curves = {}
        for n, run in enumerate(self.runs):
            rows = self.rows.get(run.id)
            if rows is None or x not in rows or y not in rows:
                continue
            values = rows[y].to_numpy(dtype=float)
            self.curves[run.id] = self.plot.plot(
                rows[x].to_numpy(dtype=float), np.abs(values) if log_y else values,
                pen=pg.mkPen(PALETTE[n % len(PALETTE)], width=1.5),
                name=f"run {run.id} · {run.procedure} · {run.device_id or 'no device'}")
        item = self.plot.getPlotItem()
        item.setLogMode(x=False, y=log_y)
        for side, column in (("bottom", x), ("left", y)):
            name, unit = label_and_unit(column)
            item.setLabel(side, f"|{name}|" if side == "left" and log_y else name, units=unit)


def default_axes(columns: list[str]) -> tuple[str, str]:
    """X: voltage or time when the runs have them; Y: a current or conductance, else the next
    column with a unit (block, cycle and flags are bookkeeping)."""
    data = [c for c in columns if "(" in c] or columns
    if not data:
        return "", ""
    x = next((c for name in ("Voltage", "Time") for c in data if c.startswith(name)), data[0])
    rest = [c for c in data if c != x] or [x]
    y = next((c for c in rest if c.startswith(("Current", "Conductance"))), rest[0])
    return x, y
