"""One device's history: every catalogued run of it in time order with its figures of merit,
and a trend plot of a chosen figure against the start time or the run's place; any run's plots
reopen from here as from the run browser."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtWidgets

from labmem.catalog import Catalog, Run, local_time
from labmem.gui.figures_of_merit import FigureCache, split_unit
from labmem.gui.live_plots import LivePanel
from labmem.gui.run_browser import open_run

FIXED_COLUMNS = ("Run", "Procedure", "Step", "Status", "Started")
AGAINST = ("start time", "run (in order)")
SIZED_ROWS = 100
"""Column widths fit the first rows only, so a history of 10³ runs fills at once."""


class HistoryModel(QtCore.QAbstractTableModel):
    """The runs and their figures as a table model: cells are formatted when shown."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []
        self.names: list[str] = []
        self.figures: dict[int, dict[str, float]] = {}

    def set(self, runs: list[Run], names: list[str],
            figures: dict[int, dict[str, float]]) -> None:
        """Show these runs with these figure columns."""
        self.beginResetModel()
        self.runs, self.names, self.figures = runs, names, figures
        self.endResetModel()

    def rowCount(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: QtCore.QModelIndex = QtCore.QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(FIXED_COLUMNS) + len(self.names)

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation,  # noqa: N802
                   role: int = QtCore.Qt.DisplayRole) -> str | None:
        if role != QtCore.Qt.DisplayRole or orientation != QtCore.Qt.Horizontal:
            return None
        return [*FIXED_COLUMNS, *self.names][section]

    def data(self, index: QtCore.QModelIndex, role: int = QtCore.Qt.DisplayRole) -> str | None:
        if role != QtCore.Qt.DisplayRole:
            return None
        run, col = self.runs[index.row()], index.column()
        if col >= len(FIXED_COLUMNS):
            value = self.figures.get(run.id, {}).get(self.names[col - len(FIXED_COLUMNS)])
            return "" if value is None else f"{value:.4g}"
        return (str(run.id), run.procedure, run.step or "",
                "interrupted" if run.interrupted else run.status,
                local_time(run.started))[col]


class DeviceHistory(QtWidgets.QWidget):
    """Table of the device's runs (oldest first) and the chosen figure's trend."""

    def __init__(self, catalog: Catalog, device_id: str, cache: FigureCache | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.device_id = device_id
        self.cache = cache or FigureCache()
        self.windows: list[QtWidgets.QWidget] = []
        self.runs: list[Run] = []
        self.figures: dict[int, dict[str, float]] = {}
        self.title = QtWidgets.QLabel()
        self.title.setStyleSheet("font-weight: bold; padding: 2px;")
        self.figure = QtWidgets.QComboBox()
        self.figure.setMinimumContentsLength(28)
        self.figure.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLength)
        self.against = QtWidgets.QComboBox()
        self.against.addItems(AGAINST)
        open_button = QtWidgets.QPushButton("Open plots")
        open_button.clicked.connect(self.open_selected)
        controls = QtWidgets.QHBoxLayout()
        for label, widget in (("Trend of", self.figure), ("against", self.against)):
            controls.addWidget(QtWidgets.QLabel(label))
            controls.addWidget(widget)
        controls.addWidget(open_button)
        controls.addStretch(1)
        self.model = HistoryModel()
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setResizeContentsPrecision(SIZED_ROWS)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.plots = QtWidgets.QStackedWidget()
        """The trend against start time (a date axis) and against the run's place."""
        self.curves: list[pg.PlotDataItem] = []
        for axis in (pg.DateAxisItem(orientation="bottom"), pg.AxisItem("bottom")):
            plot = pg.PlotWidget(background="w", axisItems={"bottom": axis})
            plot.showGrid(x=True, y=True, alpha=0.3)
            self.curves.append(plot.plot([], [], pen=pg.mkPen("#1f77b4", width=1.5),
                                         symbol="o", symbolSize=7, symbolBrush="#1f77b4"))
            self.plots.addWidget(plot)
        self.curve = self.curves[0]
        """The curve shown."""
        self.message = QtWidgets.QLabel()
        splitter = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plots)
        splitter.setSizes([350, 350])
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(controls)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        self.figure.currentTextChanged.connect(lambda _: self.draw())
        self.against.currentTextChanged.connect(lambda _: self.draw())
        self.refresh()

    def refresh(self) -> None:
        """Re-read the device's runs from the catalog (read-only)."""
        path = self.catalog.path
        runs = Catalog(path, read_only=True).runs(device_id=self.device_id) \
            if path.is_file() else []
        self.set_runs(runs, {run.id: self.cache.figures(run) for run in runs})

    def set_runs(self, runs: list[Run], figures: dict[int, dict[str, float]]) -> None:
        """Show these runs (put in time order) with their figures of merit, by run id."""
        self.runs = sorted(runs, key=lambda r: (r.started, r.id))
        self.figures = figures
        names = sorted({f for run in self.runs for f in figures.get(run.id, {})})
        self.title.setText(f"Device {self.device_id}: {len(self.runs)} runs, "
                           f"{len(names)} figures of merit")
        self.model.set(self.runs, names, figures)
        self.table.resizeColumnsToContents()
        chosen = self.figure.currentText()
        self.figure.blockSignals(True)
        self.figure.clear()
        self.figure.addItems(names)
        if chosen in names:
            self.figure.setCurrentText(chosen)
        self.figure.blockSignals(False)
        self.draw()

    def trend(self) -> tuple[np.ndarray, np.ndarray, list[Run]]:
        """x (start time in s since the epoch, or the run's place from 1), y of the chosen
        figure and the runs that have it."""
        figure = self.figure.currentText()
        places = [(n + 1, run) for n, run in enumerate(self.runs)
                  if figure in self.figures.get(run.id, {})]
        by_time = self.against.currentText() == AGAINST[0]
        x = np.array([run.started if by_time else n for n, run in places], dtype=float)
        y = np.array([self.figures[run.id][figure] for _, run in places], dtype=float)
        return x, y, [run for _, run in places]

    def draw(self) -> None:
        """Plot the chosen figure against start time or run place."""
        figure = self.figure.currentText()
        x, y, _ = self.trend()
        by_time = self.against.currentText() == AGAINST[0]
        self.plots.setCurrentIndex(0 if by_time else 1)
        self.curve = self.curves[0 if by_time else 1]
        item = self.plots.currentWidget().getPlotItem()
        item.setLabel("bottom", "start (local time)" if by_time
                      else "run of the device (in order)")
        name, unit = split_unit(figure)
        item.setLabel("left", name.split(" · ", 1)[-1] or "no figure of merit", units=unit)
        item.setTitle(name)
        self.curve.setData(x, y)
        item.enableAutoRange()

    def selected(self) -> Run | None:
        """The run of the selected row (None when nothing is selected)."""
        rows = self.table.selectionModel().selectedRows()
        return self.runs[rows[0].row()] if rows else None

    def open_selected(self) -> LivePanel | None:
        """A window with the selected run's plots, as the run browser opens them."""
        return open_run(self.selected(), self, self.windows, self.message)
