"""The manual Read/Pulse panel (as ArC ONE/TWO's): read the device at a bias and compliance,
apply one pulse or a short train and read it after, see the result and the device's resistance
history since the window opened. Each action is a small catalogued run (ManualRead,
ManualPulse) played on the window's run queue, so the station is never used by two threads."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtWidgets
from pyvisa.errors import VisaIOError

from labmem.gui.curves import plot_widget
from labmem.gui.parameter_form import ParameterForm
from labmem.gui.run_queue import Job, JobResult, RunQueue, ready_to_queue
from labmem.procedures.base import StationProcedure, build_procedure, parameters_in_order
from labmem.procedures.pulse import smu_pulse_path
from labmem.procedures.synapse.manual import ManualPulse, ManualRead
from labmem.station import Station
from labmem.summaries import load_rows
from labmem.traces import read_traces

READ_FIELDS = tuple(parameters_in_order(ManualRead))
"""The read settings (bias, compliance, integration time): set in the Read box, used by both
actions."""
AWG_PATH_FIELDS = ("series_ohm", "tia_gain", "sample_interval_s")
SMU_PATH_FIELDS = ("smu_compliance_a",)
"""Pulse settings that exist on one pulse path only (shown on that path)."""
MARKERS = {"read": ("o", (90, 90, 90)), "+": ("t1", (214, 39, 40)), "-": ("t", (31, 119, 180))}
"""Symbol and colour in the history: a read, a read after a positive or a negative pulse."""
MARKER_NAMES = {"read": "read", "+": "read after a + pulse", "-": "read after a − pulse"}
CURRENT_COLOUR, VOLTAGE_COLOUR = (214, 39, 40), (31, 119, 180)
CONTROLS_WIDTH = 400
"""Width in px of the column of settings (the plots take the rest)."""
X_AXES = {"Action": ("Action", ""), "Time": ("Time since the window opened", "s")}


@dataclass(frozen=True)
class HistoryPoint:
    """One read of the device: the action's number, its time on the station's clock since the
    panel opened (virtual on the simulated bench), the resistance, what the read followed."""

    action: int
    time_s: float
    resistance_ohm: float
    kind: str
    """"read", or "+" / "-": a read after a positive or negative pulse."""


def si(value: float, unit: str) -> str:
    """A value with an SI prefix, e.g. "12.3 kΩ"."""
    return pg.siFormat(value, precision=3, suffix=unit) if math.isfinite(value) else f"∞ {unit}"


class ManualPanel(QtWidgets.QWidget):
    """Read and Pulse boxes, the result, the resistance history and the pulse's response.
    Disabled while the queue holds the station; `holding` says when an action of its own
    does (the window then queues no run from its form)."""

    holding = QtCore.pyqtSignal(bool)

    def __init__(self, station: Station, queue: RunQueue,
                 station_problem: Callable[[tuple[str, ...]], str | None],
                 archive: bool = False, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.station, self.queue, self.station_problem = station, queue, station_problem
        self.archive = archive
        self.jobs: dict[int, StationProcedure] = {}
        """The panel's actions by job number, until they end."""
        self.history: list[HistoryPoint] = []
        self.actions = 0
        self.t0 = station.now()

        self.device = QtWidgets.QLineEdit()
        self.device.setPlaceholderText("wafer-die-device, e.g. W3-D12-A4")
        self.read_form = ParameterForm(ManualRead)
        self.read_button = QtWidgets.QPushButton("Read")
        self.read_button.clicked.connect(self.read)
        self.pulse_form = ParameterForm(ManualPulse)
        self.pulse_box = QtWidgets.QGroupBox("Pulse")
        self.pulse_button = QtWidgets.QPushButton("Pulse, then read")
        self.pulse_button.clicked.connect(self.pulse)
        self._show_path()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00000;")
        self.message.hide()
        self.state = QtWidgets.QLabel()
        self.state.setWordWrap(True)
        self.result = QtWidgets.QLabel("No action yet: read the device, or pulse it.")
        self.result.setWordWrap(True)
        self.result.setTextFormat(QtCore.Qt.RichText)
        self.x_axis = QtWidgets.QComboBox()
        self.x_axis.addItems(list(X_AXES))
        self.x_axis.currentTextChanged.connect(self._draw_history)
        self.history_plot = plot_widget("Resistance since the window opened",
                                        X_AXES["Action"], ("Resistance", "Ω"), log_y=True)
        item = self.history_plot.getPlotItem()
        item.addLegend(offset=(-10, 5), colCount=len(MARKERS))
        self.history_line = item.plot([], [], pen=pg.mkPen((160, 160, 160), width=1))
        self.history_marks = {
            kind: item.plot([], [], pen=None, symbol=symbol, symbolSize=9, symbolPen=None,
                            symbolBrush=colour, name=MARKER_NAMES[kind])
            for kind, (symbol, colour) in MARKERS.items()}
        self.response = plot_widget("", ("Time in the last burst", "s"), ("Current", "A"))
        self.response.getPlotItem().getAxis("left").setLabel(
            "Current", units="A", color=pg.mkColor(CURRENT_COLOUR).name())
        self.i_curve = self.response.getPlotItem().plot([], [], pen=pg.mkPen(CURRENT_COLOUR))
        self.v_curve = self._right_axis_curve(self.response, ("Voltage", "V"))
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(self._controls_column())
        layout.addLayout(self._plots_column(), 1)

        queue.queue_changed.connect(self.update_state)
        queue.job_started.connect(self._job_started)
        queue.job_finished.connect(self._job_finished)
        self.update_state()

    def _controls_column(self) -> QtWidgets.QWidget:
        """Device id, the Read and Pulse boxes and their buttons, in a column that scrolls
        when the window is short."""
        self.controls = QtWidgets.QWidget()
        controls = QtWidgets.QVBoxLayout(self.controls)
        controls.setContentsMargins(0, 0, 0, 0)
        device_row = QtWidgets.QFormLayout()
        device_row.addRow("Device id", self.device)
        controls.addLayout(device_row)
        for box, form in ((QtWidgets.QGroupBox("Read (SMU)"), self.read_form),
                          (self.pulse_box, self.pulse_form)):
            box_layout = QtWidgets.QVBoxLayout(box)
            box_layout.setContentsMargins(6, 2, 6, 4)
            box_layout.addWidget(form)
            controls.addWidget(box)
        for form in (self.read_form, self.pulse_form):
            form.layout().setContentsMargins(0, 0, 0, 0)
            form.layout().setVerticalSpacing(3)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.read_button)
        buttons.addWidget(self.pulse_button)
        controls.addLayout(buttons)
        column = QtWidgets.QWidget()
        left = QtWidgets.QVBoxLayout(column)
        left.setContentsMargins(0, 0, 4, 0)
        left.addWidget(self.controls)
        left.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
        scroll.setWidget(column)
        scroll.setFixedWidth(CONTROLS_WIDTH)
        return scroll

    def _plots_column(self) -> QtWidgets.QVBoxLayout:
        """Refusals, the queue's state and the result; the history (with its x axis choice)
        and the last pulses."""
        texts = QtWidgets.QVBoxLayout()
        for label in (self.message, self.state, self.result):
            texts.addWidget(label)
        x_row = QtWidgets.QHBoxLayout()
        x_row.addLayout(texts, 1)
        x_row.addWidget(QtWidgets.QLabel("History against"))
        x_row.addWidget(self.x_axis)
        column = QtWidgets.QVBoxLayout()
        column.addLayout(x_row)
        column.addWidget(self.history_plot, 1)
        column.addWidget(self.response, 1)
        return column

    @staticmethod
    def _right_axis_curve(widget: pg.PlotWidget, axis: tuple[str, str]) -> pg.PlotDataItem:
        """A curve on a second y axis at the right of widget, sharing its x axis."""
        item = widget.getPlotItem()
        box = pg.ViewBox()
        item.showAxis("right")
        item.scene().addItem(box)
        item.getAxis("right").linkToView(box)
        item.getAxis("right").setLabel(axis[0], units=axis[1],
                                       color=pg.mkColor(VOLTAGE_COLOUR).name())
        box.setXLink(item)
        item.vb.sigResized.connect(lambda: box.setGeometry(item.vb.sceneBoundingRect()))
        curve = pg.PlotDataItem(pen=pg.mkPen(VOLTAGE_COLOUR))
        box.addItem(curve)
        return curve

    def _show_path(self) -> None:
        """Show the pulse settings of the station's pulse path, hide the others and the read
        settings (the Read box's are used)."""
        on_smu = smu_pulse_path(self.station)
        hidden = set(READ_FIELDS) | set(AWG_PATH_FIELDS if on_smu else SMU_PATH_FIELDS)
        layout = self.pulse_form.layout()
        for name in hidden:  # out of the layout (no empty rows); their values stay defaults
            edit = self.pulse_form.edits[name]
            row = layout.takeRow(edit)
            for widget in (row.labelItem.widget(), edit):
                widget.hide()
        if on_smu:
            self.pulse_box.setTitle("Pulse (pulsing SMU)")
            return
        self.pulse_box.setTitle("Pulse (AWG, series R, TIA, scope)")
        fixtures = self.station.series_resistors_ohm
        allowed = ", ".join(si(r, "Ω") for r in fixtures) if fixtures else "any value"
        self.pulse_form.edits["series_ohm"].setToolTip(f"series_ohm: the station's series "
                                                       f"resistors: {allowed}")

    # -- actions --------------------------------------------------------------------------

    def read(self) -> Job | None:
        """Queue a read with the Read settings (None when refused)."""
        return self._submit(ManualRead)

    def pulse(self) -> Job | None:
        """Queue the pulses and the read after them (None when refused)."""
        return self._submit(ManualPulse)

    def _procedure(self, cls: type[ManualRead | ManualPulse]) -> StationProcedure:
        """The action with the forms' values (ValueError naming a refused field)."""
        values = self.read_form.values()
        if cls is ManualPulse:
            values = {**self.pulse_form.values(), **values}
        return build_procedure(cls, values)

    def _submit(self, cls: type[ManualRead | ManualPulse]) -> Job | None:
        """Check the action against the station as the window checks a queued run, then
        queue it; on a refusal show why and send nothing."""
        try:
            if self.archive:
                raise ValueError("the data folder is read-only (archived): no action can be "
                                 "catalogued there")
            if self.queue.busy:
                raise ValueError("a run holds the station: wait until the queue is empty")
            procedure = self._procedure(cls)
            device_id = ready_to_queue(procedure, self.station, self.station_problem,
                                       self.device.text())
        except (ValueError, VisaIOError) as err:  # refused, or an instrument is not there
            self.show_problem(str(err))
            return None
        self.show_problem(None)
        job = self.queue.submit(procedure, device_id)
        self.jobs[job.number] = procedure
        return job

    def show_problem(self, message: str | None) -> None:
        """Show why an action was refused (None clears it); the field it names turns red."""
        self.message.setText(message or "")
        self.message.setVisible(bool(message))
        self.read_form.mark(message)
        self.pulse_form.mark(message)

    # -- the queue ------------------------------------------------------------------------

    def update_state(self) -> None:
        """Enable the actions only while the queue is empty (no run holds the station)."""
        current = self.queue.current
        idle = not self.queue.busy
        self.controls.setEnabled(idle and not self.archive)
        if self.archive:
            text = "Read-only (archived) data folder: manual actions are off."
        elif idle:
            text = ""
        elif current is not None and current.number in self.jobs:
            text = f"{'Pulsing' if isinstance(current.procedure, ManualPulse) else 'Reading'}…"
        else:
            text = ("A queued run holds the station"
                    + (f" ({current.label()})" if current else "")
                    + ": manual actions wait until the queue is empty.")
        self.state.setText(text)
        self.state.setVisible(bool(text))

    def _job_started(self, job: Job) -> None:
        if job.number in self.jobs:
            self.holding.emit(True)
        self.update_state()

    def _job_finished(self, job: Job, result: JobResult) -> None:
        procedure = self.jobs.pop(job.number, None)
        if procedure is not None:
            self.holding.emit(False)
            self._show_result(procedure, result)
        self.update_state()

    # -- results --------------------------------------------------------------------------

    def _show_result(self, procedure: StationProcedure, result: JobResult) -> None:
        """The read (and pulse response) of an ended action, added to the history."""
        outcome = result.outcome
        if outcome is None or outcome.status != "finished":
            status = ("did not start" if outcome is None
                      else f"(run {outcome.run_id}) {outcome.status}")
            self.result.setText(f"<b>{type(procedure).__name__} {status}</b>: "
                                f"{result.error or ''}")
            return
        rows = load_rows(outcome.results_path)
        read = rows.iloc[-1]
        resistance = float(read["Resistance (ohm)"])
        self.actions += 1
        kind = "read"
        text = ""
        if isinstance(procedure, ManualPulse):
            kind = "+" if procedure.amplitude_v > 0 else "-"
            text = (f"{procedure.pulses} × {procedure.amplitude_v:g} V, "
                    f"{si(procedure.width_s, 's')}, peak "
                    f"{si(float(rows['Peak current (A)'].max()), 'A')}; ")
            self._show_response(outcome.traces_path)
        limited = (" · <span style='color:#b00000'>current at the compliance: R is an upper "
                   "bound</span>" if read["In compliance"] else "")
        self.result.setText(
            f"<b>Action {self.actions}</b> (run {outcome.run_id}): {text}"
            f"<b>R = {si(resistance, 'Ω')}</b> (G = {si(float(read['Conductance (S)']), 'S')}, "
            f"I = {si(float(read['Read current (A)']), 'A')} at "
            f"{read['Read bias (V)']:.3g} V){limited}")
        self.history.append(HistoryPoint(self.actions, self.station.now() - self.t0,
                                         resistance, kind))
        self._draw_history()

    def _show_response(self, traces_path: object) -> None:
        """Applied voltage and device current of the burst, from the run's trace file."""
        entry = next(e for key, e in read_traces(str(traces_path)).items()
                     if key.endswith("_pulses"))
        self.v_curve.setData(entry["t"], entry["v_source"])
        self.i_curve.setData(entry["t"], entry["i_device"])
        symbol = "o" if smu_pulse_path(self.station) else None  # the SMU: a reading a pulse
        for curve, colour in ((self.v_curve, VOLTAGE_COLOUR), (self.i_curve, CURRENT_COLOUR)):
            curve.setSymbol(symbol)
            curve.setSymbolBrush(colour)

    def _draw_history(self) -> None:
        """Every read so far against the chosen x axis, |R| on log y."""
        name = self.x_axis.currentText()
        label, unit = X_AXES[name]
        self.history_plot.getPlotItem().setLabel("bottom", label, units=unit or None)
        points = [p for p in self.history if np.isfinite(p.resistance_ohm)
                  and p.resistance_ohm != 0]

        def xy(selected: list[HistoryPoint]) -> tuple[np.ndarray, np.ndarray]:
            x = [p.action if name == "Action" else p.time_s for p in selected]
            return np.array(x, dtype=float), np.abs([p.resistance_ohm for p in selected])

        self.history_line.setData(*xy(points))
        for kind, mark in self.history_marks.items():
            mark.setData(*xy([p for p in points if p.kind == kind]))

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """The history as drawn: (x, |R|) of every finite read, in order."""
        x, y = self.history_line.getOriginalDataset()
        return (np.empty(0), np.empty(0)) if x is None else (x, y)
