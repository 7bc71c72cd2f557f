"""The progress table of a running campaign: a row per device, a column per step (its state:
waiting, running with its percent, how its runs ended), the device's status, then its figures
of merit as its steps end (a column per figure, as the campaign report names them)."""

from __future__ import annotations

import math

from PyQt5 import QtGui, QtWidgets

from labmem.campaigns.report import figures_of_merit
from labmem.campaigns.runner import DeviceResult, StepResult
from labmem.campaigns.spec import Campaign, Device

COLOURS = {"waiting": (150, 150, 150), "running": (200, 110, 0), "finished": (0, 110, 0),
           "unmet": (170, 120, 0), "failed": (176, 0, 0), "aborted": (176, 0, 0),
           "skipped": (120, 120, 120), "complete": (0, 110, 0)}
"""Text colour of a cell by what it says."""


class CampaignProgress(QtWidgets.QTableWidget):
    """Device × step states and the devices' figures of merit, filled as the campaign goes."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(0, 0, parent)
        self.campaign: Campaign | None = None
        self.results: dict[str, DeviceResult] = {}
        """Each device's step runs so far, by device id."""
        self.figures: list[str] = []
        """The figure-of-merit columns, in the order they came."""
        self.running: set[tuple[int, int]] = set()
        """Cells that say running (row, column)."""
        self._step_cell: tuple[int, int] | None = None
        self.current: Device | None = None
        """The device being measured."""
        self.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        self.setAlternatingRowColors(True)

    def start(self, campaign: Campaign) -> None:
        """Every device waiting at every step."""
        self.campaign, self.results, self.figures = campaign, {}, []
        self.running, self._step_cell = set(), None
        steps = [step.label for step in campaign.steps]
        self.setRowCount(len(campaign.devices))
        self.setColumnCount(2 + len(steps))
        self.setHorizontalHeaderLabels(["Device", *steps, "Status"])
        for row, device in enumerate(campaign.devices):
            self._set(row, 0, device.id, tip=device.where())
            for column in range(1, len(steps) + 2):
                self._set(row, column, "waiting", "waiting")

    # -- what the campaign tells ----------------------------------------------------------

    def device_started(self, device: Device, note: str) -> None:
        """The device is next: note says what happens first (the probes, its bench)."""
        self.results[device.id] = DeviceResult(device)
        self.current = device
        self._set(self._row(device), self._status_column(), note, "running")

    def step_started(self, device: Device, key: str, label: str) -> None:
        attempt = int(key.split(".")[1]) + 1
        text = "▶ running" + (f" (run {attempt})" if attempt > 1 else "")
        self._step_cell = (self._row(device), _step_column(key))
        self._set(*self._step_cell, text, "running")
        self._set(self._row(device), self._status_column(), "running", "running")

    def step_progress(self, device: Device, label: str, percent: float) -> None:
        item = self.item(*self._step_cell) if self._step_cell else None
        if item is not None and item.text().startswith("▶"):
            item.setText(f"{item.text().split(' · ')[0]} · {percent:.0f} %")

    def step_ended(self, device: Device, run: StepResult) -> None:
        """A run of a step ended (or was reused on resume): its state, then the device's
        figures of merit so far."""
        result = self.results.setdefault(device.id, DeviceResult(device))
        result.steps.append(run)
        runs = [s for s in result.steps if _step_column(s.key) == _step_column(run.key)]
        kind = ("unmet" if run.status == "finished" and run.condition_met is False
                else run.status)
        text = {"finished": "✓ finished", "unmet": "✓ finished, condition not met",
                "failed": "✗ failed", "aborted": "✗ aborted"}.get(kind, run.status)
        if len(runs) > 1:
            text += f" ({len(runs)} runs)"
        if run.resumed:
            text = f"↺ {text}, reused"
        tip = "\n".join(_describe(s) for s in runs)
        self._set(self._row(device), _step_column(run.key), text, kind, tip)
        self._show_figures(result)

    def device_ended(self, result: DeviceResult) -> None:
        """The device's status: complete, or skipped with why (its remaining steps too)."""
        row = self._row(result.device)
        if result.skipped:
            self._set(row, self._status_column(), "skipped", "skipped", result.skipped)
            for column in range(1, self._status_column()):
                if self.item(row, column).text() == "waiting":
                    self._set(row, column, "skipped", "skipped", result.skipped)
        else:
            self._set(row, self._status_column(), "complete", "complete")

    def stopped(self, why: str) -> None:
        """The campaign stopped: a running step or device says so."""
        for row, column in sorted(self.running):
            self._set(row, column, "✗ aborted", "aborted", why)

    # -- cells ----------------------------------------------------------------------------

    def _show_figures(self, result: DeviceResult) -> None:
        assert self.campaign is not None
        row = self._row(result.device)
        for name, value in figures_of_merit(self.campaign, result).items():
            if name not in self.figures:
                self.figures.append(name)
                column = self.columnCount()
                self.insertColumn(column)
                self.setHorizontalHeaderItem(column, QtWidgets.QTableWidgetItem(name))
            text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) \
                else "—" if isinstance(value, float) else str(value)
            self._set(row, self._status_column() + 1 + self.figures.index(name), text)

    def _set(self, row: int, column: int, text: str, kind: str | None = None,
             tip: str = "") -> None:
        item = QtWidgets.QTableWidgetItem(text)
        if kind is not None:
            item.setForeground(QtGui.QColor(*COLOURS[kind]))
        item.setToolTip(tip or text)
        self.setItem(row, column, item)
        if kind == "running":
            self.running.add((row, column))
        else:
            self.running.discard((row, column))

    def _row(self, device: Device) -> int:
        assert self.campaign is not None
        return self.campaign.devices.index(device)

    def _status_column(self) -> int:
        assert self.campaign is not None
        return 1 + len(self.campaign.steps)

    def cell(self, device_id: str, column: str) -> str:
        """The text in a device's row under a column header (tests, screenshots)."""
        headers = [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]
        ids = [self.item(r, 0).text() for r in range(self.rowCount())]
        item = self.item(ids.index(device_id), headers.index(column))
        return item.text() if item is not None else ""


def _step_column(key: str) -> int:
    """The column of the step whose run has the step key "SS.AA" (step SS)."""
    return 1 + int(key.split(".")[0])


def _describe(run: StepResult) -> str:
    """One run in a tooltip: id, step key, status, condition, error."""
    condition = ("" if run.condition_met is None
                 else ", condition met" if run.condition_met else ", condition not met")
    error = f": {run.error}" if run.error else ""
    return f"run {run.run_id} ({run.key}) {run.status}{condition}{error}"
