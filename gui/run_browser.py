"""The run browser: past runs from the catalog with their status, filtered by procedure,
status, device, date and note; reopen a run's plots from its stored rows and traces, overlay
several runs on one plot, edit a run's note (and #tags), or export them as CSV."""

from __future__ import annotations

from pathlib import Path

from PyQt5 import QtCore, QtWidgets

from labmem.catalog import Catalog, Run, local_time
from labmem.export import export
from labmem.gui.live_plots import LivePanel, panel_for
from labmem.gui.run_filters import RunFilters
from labmem.gui.run_overlay import RunOverlay
from labmem.procedures.registry import procedure_class
from labmem.summaries import load_rows
from labmem.traces import read_traces

COLUMNS = ("Run", "Procedure", "Status", "Device", "Started", "Duration", "Bench", "Campaign",
           "Operator", "Note")


def replay(run: Run) -> LivePanel:
    """The live plots of a run, drawn again from what it stored."""
    cls = procedure_class(run.procedure)
    procedure = cls()
    procedure.set_parameters(run.parameters, except_missing=False)
    panel = panel_for(cls)
    panel.start(procedure)
    panel.add_rows(load_rows(run.results_path).to_dict("records"))
    if run.traces_path and Path(run.traces_path).exists():
        for name, entry in read_traces(run.traces_path).items():
            channels = {k: v for k, v in entry.items() if k not in ("t", "units", "attrs")}
            panel.add_trace(name, entry["t"], channels)
    panel.finish()
    return panel


def open_run(run: Run | None, parent: QtWidgets.QWidget, windows: list[QtWidgets.QWidget],
             message: QtWidgets.QLabel) -> LivePanel | None:
    """A window (kept in windows) with the run's plots replayed; None, with the reason in
    message, when no run is selected (run None) or its files cannot be read."""
    if run is None:
        message.setText("Select a run first.")
        return None
    try:
        panel = replay(run)
    except Exception as err:  # a missing or unreadable file is reported, not fatal
        message.setText(f"Run {run.id} cannot be reopened: {err}")
        return None
    window = QtWidgets.QMainWindow(parent)
    window.setWindowTitle(f"Run {run.id} · {run.procedure} · {run.status} · "
                          f"{run.device_id or 'no device id'}")
    window.setCentralWidget(panel)
    window.resize(1100, 700)
    window.show()
    windows.append(window)
    return panel


class RunBrowser(QtWidgets.QWidget):
    """Table of catalogued runs, newest first, filtered; reopen, overlay, note and export."""

    def __init__(self, catalog: Catalog, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.windows: list[QtWidgets.QWidget] = []
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.message = QtWidgets.QLabel()
        self.filters = RunFilters()
        self.filters.changed.connect(self.show_runs)
        buttons = QtWidgets.QHBoxLayout()
        for text, slot in (("Refresh", self.refresh), ("Open plots", self.open_selected),
                           ("Overlay", self.overlay_selected),
                           ("Edit note…", self._note_dialog),
                           ("Export rows…", lambda: self._export_dialog("rows")),
                           ("Export traces…", lambda: self._export_dialog("traces"))):
            button = QtWidgets.QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.filters)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        self.all_runs: list[Run] = []
        """Every catalogued run, newest first."""
        self.runs: list[Run] = []
        """The runs shown (those the filters pass), in table order."""
        self.refresh()

    def refresh(self) -> None:
        """Re-read the catalog."""
        self.all_runs = list(reversed(self._reader().runs()))
        self.filters.set_procedures([run.procedure for run in self.all_runs])
        self.show_runs()

    def show_runs(self) -> None:
        """Fill the table with the runs the filters pass."""
        self.runs = [run for run in self.all_runs if self.filters.accepts(run)]
        self.table.clearSelection()
        self.table.setRowCount(len(self.runs))
        for n, run in enumerate(self.runs):
            duration = "" if run.duration_s is None else f"{run.duration_s:.1f} s"
            status = "interrupted" if run.interrupted else run.status
            campaign = f"{run.campaign} · step {run.step}" if run.campaign else ""
            cells = (str(run.id), run.procedure, status, run.device_id,
                     local_time(run.started), duration, "simulated" if run.simulated else "real",
                     campaign, run.operator, run.note)
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if col == 2 and run.error:
                    item.setToolTip(run.error)
                self.table.setItem(n, col, item)
        self.table.resizeColumnsToContents()

    def _reader(self) -> Catalog:
        """The catalog opened read-only: browsing never writes, so it works on an archive."""
        return Catalog(self.catalog.path, read_only=True)

    def selected(self) -> Run | None:
        """The run of the first selected row (None when nothing is selected)."""
        runs = self.selected_runs()
        return runs[0] if runs else None

    def selected_runs(self) -> list[Run]:
        """The runs of the selected rows, in table order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.runs[row] for row in rows]

    def select(self, *run_ids: int) -> None:
        """Select the rows of these run ids (only those)."""
        self.table.clearSelection()
        model, selection = self.table.model(), QtCore.QItemSelection()
        for n, run in enumerate(self.runs):
            if run.id in run_ids:
                selection.select(model.index(n, 0), model.index(n, model.columnCount() - 1))
        self.table.selectionModel().select(selection, QtCore.QItemSelectionModel.Select)

    def overlay_selected(self) -> RunOverlay | None:
        """A window with the selected runs' rows on one plot (X and Y chosen there)."""
        runs = self.selected_runs()
        if not runs:
            self.message.setText("Select one or more runs first (Ctrl- or Shift-click).")
            return None
        overlay = RunOverlay(runs)
        window = QtWidgets.QMainWindow(self)
        window.setWindowTitle("Runs " + ", ".join(str(run.id) for run in runs) + " overlaid")
        window.setCentralWidget(overlay)
        window.resize(1100, 700)
        window.show()
        self.windows.append(window)
        return overlay

    def set_note(self, run: Run, note: str) -> None:
        """Replace the run's note in the catalog; refused on an archived (read-only) one."""
        if self.catalog.read_only:
            raise ValueError(f"{self.catalog.path.parent} is a read-only (archived) data "
                             "folder: notes are not changed there")
        self.catalog.set_note(run.id, note)
        self.refresh()
        self.select(run.id)
        self.message.setText(f"Run {run.id}: note saved")

    def _note_dialog(self) -> None:
        run = self.selected()
        if run is None:
            self.message.setText("Select a run first.")
            return
        note, ok = QtWidgets.QInputDialog.getText(
            self, f"Note of run {run.id}", "Note (tags as #words):", text=run.note)
        if ok:
            try:
                self.set_note(run, note.strip())
            except ValueError as err:
                self.message.setText(f"Run {run.id}: {err}")

    def open_selected(self) -> LivePanel | None:
        """A window with the selected run's plots."""
        return open_run(self.selected(), self, self.windows, self.message)

    def export_selected(self, what: str, out: Path) -> int:
        """Write the selected run's rows or traces to out as CSV; returns the row count."""
        run = self.selected()
        if run is None:
            raise ValueError("no run selected")
        count = export(run, what, out)
        self.message.setText(f"Run {run.id}: wrote {count} {what} rows to {out}")
        return count

    def _export_dialog(self, what: str) -> None:
        run = self.selected()
        if run is None:
            self.message.setText("Select a run first.")
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, f"Export run {run.id} {what}", f"run{run.id}_{what}.csv", "CSV (*.csv)")
        if path:
            try:
                self.export_selected(what, Path(path))
            except ValueError as err:  # e.g. traces of an I(V) run, which stores none
                self.message.setText(f"Run {run.id}: {err}")
