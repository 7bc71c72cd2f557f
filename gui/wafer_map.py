"""The wafer map: the catalog's devices (or one campaign's) placed by their wafer/die/device ids,
or by prober coordinates read from a campaign file, coloured by a chosen figure of merit, grey
where a device has none; a click opens the device's history."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtGui, QtWidgets

from labmem.campaigns.spec import Campaign
from labmem.catalog import Catalog
from labmem.gui.device_history import DeviceHistory
from labmem.gui.figures_of_merit import FigureCache, split_unit

ALL_RUNS = "all runs"
CAMPAIGN_FOLDER = "{} (campaign folder)"
"""A campaign run from the window keeps its own catalog in <data folder>/campaigns/<name>/;
the map offers each such folder as a source of its own."""
COLORMAP = "viridis"
NO_FIGURE = QtGui.QColor(170, 170, 170)
"""A device without the chosen figure."""
COLOURS = 256
"""Colour steps of the map: devices share 256 brushes, which keeps a recolouring of 10⁴
devices cheap (pyqtgraph draws each distinct brush once)."""
LABELLED = 64
"""Devices are labelled with their ids on a map of at most this many."""
LETTER_NUMBER = re.compile(r"([A-Za-z])(\d{1,2})")
"""A device named by row letter and column number on its die, e.g. A4."""


def split_id(device_id: str) -> tuple[str, str, str]:
    """(wafer, die, device) of a device id, as campaigns join them: "W3-D12-A4" → ("W3",
    "D12", "A4"); "SIM-D0001" → ("SIM", "", "D0001"); "sample7" → ("", "", "sample7")."""
    parts = device_id.split("-")
    if len(parts) >= 3:
        return parts[0], parts[1], "-".join(parts[2:])
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return "", "", device_id


def _natural(text: str) -> list:
    """Sort key putting D2 before D10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def grid_layout(device_ids: list[str]) -> dict[str, tuple[float, float]]:
    """(column, row) of each device of one wafer: dies in a square grid in natural order;
    in a die, devices named letter+number (A4) at row letter and column number, any other
    names in a square grid in natural order."""
    dies: dict[str, list[tuple[str, str]]] = {}
    for device_id in device_ids:
        _, die, device = split_id(device_id)
        dies.setdefault(die, []).append((device, device_id))
    cells: dict[str, dict[str, tuple[int, int]]] = {}
    for die, members in dies.items():
        matches = [LETTER_NUMBER.fullmatch(name) for name, _ in members]
        if all(matches):
            cells[die] = {device_id: (int(m.group(2)), ord(m.group(1).upper()) - ord("A"))
                          for m, (_, device_id) in zip(matches, members, strict=True)}
        else:
            side = math.ceil(math.sqrt(len(members)))
            ordered = sorted(members, key=lambda m: _natural(m[0]))
            cells[die] = {device_id: (n % side, n // side)
                          for n, (_, device_id) in enumerate(ordered)}
    width = max(c for die in cells.values() for c, _ in die.values()) + 2
    height = max(r for die in cells.values() for _, r in die.values()) + 2
    side = math.ceil(math.sqrt(len(dies)))
    out = {}
    for n, die in enumerate(sorted(dies, key=_natural)):
        x0, y0 = (n % side) * width, (n // side) * height
        for device_id, (col, row) in cells[die].items():
            out[device_id] = (float(x0 + col), float(y0 + row))
    return out


class WaferMap(QtWidgets.QWidget):
    """Devices as squares coloured by a figure of merit, with a colour bar in its unit."""

    device_chosen = QtCore.pyqtSignal(str)
    """A device was clicked (its history opens)."""

    def __init__(self, catalog: Catalog, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.shown_catalog = catalog.path
        """The catalog whose devices are shown (the data folder's or a campaign folder's)."""
        self.cache = FigureCache()
        self.devices: dict[str, dict[str, float]] = {}
        """Device id → its figures of merit (each from its latest run that has it)."""
        self.coordinates: dict[str, tuple[float, float]] = {}
        """Device id → prober (x, y) in µm, from a campaign file."""
        self.windows: list[QtWidgets.QWidget] = []
        self.positions: dict[str, tuple[float, float]] = {}
        self._layout: tuple[tuple[str, ...], dict[str, tuple[float, float]]] = ((), {})
        """The last grid layout and the devices it was made for."""
        self.source = QtWidgets.QComboBox()
        self.source.setToolTip("The runs whose devices are shown: every run, or one campaign's")
        self.wafer = QtWidgets.QComboBox()
        self.figure = QtWidgets.QComboBox()
        for combo, chars in ((self.source, 12), (self.wafer, 6), (self.figure, 24)):
            combo.setMinimumContentsLength(chars)
            combo.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLength)
        refresh = QtWidgets.QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        coords = QtWidgets.QPushButton("Prober coordinates…")
        coords.setToolTip("Place the devices at the x_um, y_um a campaign file gives them")
        coords.clicked.connect(self._coordinates_dialog)
        controls = QtWidgets.QHBoxLayout()  # two rows: the tab fits the window's right column
        controls.addWidget(QtWidgets.QLabel("Colour by"))
        controls.addWidget(self.figure, 1)
        where = QtWidgets.QHBoxLayout()
        for label, widget in (("Runs", self.source), ("Wafer", self.wafer)):
            where.addWidget(QtWidgets.QLabel(label))
            where.addWidget(widget)
        where.addWidget(refresh)
        where.addWidget(coords)
        where.addStretch(1)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.plot = self.view.addPlot(0, 0)
        self.plot.setAspectLocked(True)
        self.plot.invertY(True)
        self.plot.showGrid(x=False, y=False)
        self.scatter = pg.ScatterPlotItem(symbol="s", hoverable=True, tip=self._tip,
                                          pen=pg.mkPen("k", width=0))
        self.square = 1.0
        """A device's side in the plot's units (its size in pixels follows the zoom)."""
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.labels: list[pg.TextItem] = []
        self.cmap = pg.colormap.get(COLORMAP)
        self.brushes = [pg.mkBrush(c) for c in self.cmap.map(np.linspace(0, 1, COLOURS),
                                                             mode="qcolor")]
        self.grey = pg.mkBrush(NO_FIGURE)
        self.plot.vb.sigRangeChanged.connect(lambda *_: self._resize_squares())
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False,
                                   width=18, colorMapMenu=False)
        self.bar.axis.setWidth(72)  # room for the tick values and the unit beside them
        self.view.addItem(self.bar, 0, 1)
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(where)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)
        self.source.activated.connect(lambda _: self.refresh())
        self.wafer.currentTextChanged.connect(lambda _: self.place())
        self.figure.currentTextChanged.connect(lambda _: self.draw())
        self.device_chosen.connect(self.open_history)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt's name)
        """Read the catalog each time the map is shown (new runs, another data folder); the
        figures of runs already seen are cached."""
        super().showEvent(event)
        self.refresh()

    # -- data -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the catalog (read-only) and recompute the figures of new runs: every run,
        one campaign's, or a campaign folder's own catalog (campaigns run from the window)."""
        path = self.catalog.path
        folders = {CAMPAIGN_FOLDER.format(found.parent.name): found
                   for found in sorted(path.parent.glob("campaigns/*/catalog.sqlite"))}
        runs = Catalog(path, read_only=True).runs() if path.is_file() else []
        campaigns = sorted({r.campaign for r in runs if r.campaign})
        items = [ALL_RUNS, *campaigns, *folders]
        chosen = self.source.currentText() or ALL_RUNS
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItems(items)
        self.source.setCurrentText(chosen if chosen in items else ALL_RUNS)
        self.source.blockSignals(False)
        chosen = self.source.currentText()
        self.shown_catalog = folders.get(chosen, path)
        if chosen in folders:
            runs = Catalog(folders[chosen], read_only=True).runs()
        elif chosen != ALL_RUNS:
            runs = [r for r in runs if r.campaign == chosen]
        self.set_devices(self.cache.device_figures(runs))

    def set_devices(self, devices: dict[str, dict[str, float]]) -> None:
        """Show these devices with their figures of merit (keeping the chosen figure)."""
        self.devices = devices
        figures = sorted({f for values in devices.values() for f in values})
        wafers = sorted({split_id(d)[0] for d in devices}, key=_natural)
        for combo, items in ((self.figure, figures), (self.wafer, wafers)):
            chosen = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if chosen in items:
                combo.setCurrentText(chosen)
            combo.blockSignals(False)
        self.place()

    def set_coordinates(self, coordinates: dict[str, tuple[float, float]]) -> None:
        """Place devices at prober coordinates (µm) instead of by their ids."""
        self.coordinates = coordinates
        self.place()

    def load_coordinates(self, path: str | Path) -> int:
        """Prober coordinates of the devices a campaign file lists; how many it gave."""
        campaign = Campaign.from_file(path)
        coords = {d.id: (d.x_um, d.y_um) for d in campaign.devices
                  if d.x_um is not None and d.y_um is not None}
        self.set_coordinates(coords)
        return len(coords)

    def _coordinates_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Campaign file with prober coordinates", "", "Campaign (*.yaml *.yml)")
        if path:
            try:
                count = self.load_coordinates(path)
            except (OSError, ValueError) as err:  # CampaignError is a ValueError
                self.message.setText(f"No coordinates read: {err}")
                return
            self.message.setText(f"{count} devices with prober coordinates from {path}")

    # -- drawing --------------------------------------------------------------------------

    def shown_devices(self) -> list[str]:
        """The ids of the devices on the chosen wafer."""
        wafer = self.wafer.currentText()
        return [d for d in self.devices if split_id(d)[0] == wafer]

    def place(self) -> None:
        """Lay the chosen wafer's devices out (prober coordinates when every one has them,
        else by their ids), then colour them."""
        ids = self.shown_devices()
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        on_prober = bool(ids) and all(d in self.coordinates for d in ids)
        if on_prober:
            self.positions = {d: (self.coordinates[d][0] * 1e-6, self.coordinates[d][1] * 1e-6)
                              for d in ids}
            self.plot.setLabel("bottom", "prober x", units="m")
            self.plot.setLabel("left", "prober y", units="m")
        else:
            if self._layout[0] != tuple(ids):
                self._layout = tuple(ids), grid_layout(ids) if ids else {}
            self.positions = self._layout[1]
            self.plot.setLabel("bottom", "die column · device column")
            self.plot.setLabel("left", "die row · device row")
        self.plot.showAxis("bottom")
        xy = np.array(list(self.positions.values()), dtype=float).reshape(-1, 2)
        self.square = _spacing(xy) * 0.85
        self.scatter.setData(x=xy[:, 0], y=xy[:, 1], data=ids, brush=self._colours())
        if len(ids) <= LABELLED:
            for device_id, (x, y) in self.positions.items():
                text = pg.TextItem(split_id(device_id)[2] or device_id, color="k",
                                   anchor=(0.5, 0.5), fill=(255, 255, 255, 180))
                text.setPos(x, y)
                self.plot.addItem(text)
                self.labels.append(text)
        self.plot.autoRange()
        self._resize_squares()

    def _resize_squares(self) -> None:
        """Squares of `square` plot units at the present zoom (pixel-sized symbols draw
        10⁴ devices far faster than scaled ones)."""
        width = self.plot.vb.viewPixelSize()[0]
        self.scatter.setSize(max(2.0, self.square / width) if width > 0 else 10.0)

    def values(self) -> np.ndarray:
        """The chosen figure of each shown device, in drawing order (NaN where missing)."""
        figure = self.figure.currentText()
        return np.array([self.devices[d].get(figure, np.nan) for d in self.positions],
                        dtype=float)

    def draw(self) -> None:
        """Colour the devices by the chosen figure; the colour bar spans its finite values."""
        self.scatter.setBrush(self._colours())

    def _colours(self) -> list[QtGui.QBrush]:
        """Each shown device's brush for the chosen figure (grey without it); sets the colour
        bar's span and label, and the message."""
        figure = self.figure.currentText()
        values = self.values()
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi == lo:  # one value (or equal ones): a span around it
            lo, hi = lo - (abs(lo) * 0.05 or 0.5), hi + (abs(hi) * 0.05 or 0.5)
        steps = np.clip((np.nan_to_num(values, nan=lo) - lo) / (hi - lo) * (COLOURS - 1)
                        + 0.5, 0, COLOURS - 1).astype(int)
        lut = [*self.brushes, self.grey]
        steps[np.isnan(values)] = COLOURS
        self.bar.setLevels((lo, hi))
        name, unit = split_unit(figure)
        self.bar.axis.setLabel(name.split(" · ", 1)[-1], units=unit)
        self.plot.setTitle(name or "no figure of merit in these runs")
        missing = int(np.isnan(values).sum())
        wafer = self.wafer.currentText()
        self.message.setText(
            f"{len(values)} devices{f' on wafer {wafer}' if wafer else ''}"
            + (f"; {missing} without {figure or 'a figure of merit'} (grey)" if missing else "")
            + ". Click a device for its history.")
        return [lut[k] for k in steps.tolist()]

    def _tip(self, x: float, y: float, data: str) -> str:
        value = self.devices.get(data, {}).get(self.figure.currentText())
        unit = split_unit(self.figure.currentText())[1]
        shown = "—" if value is None else pg.siFormat(value, suffix=unit) if unit \
            else f"{value:.4g}"
        return f"{data}: {shown}"

    def _clicked(self, _item: pg.ScatterPlotItem, points, _event=None) -> None:
        if len(points):
            self.device_chosen.emit(points[0].data())

    def open_history(self, device_id: str) -> DeviceHistory:
        """A window with every run of the device and its figures of merit over time."""
        history = DeviceHistory(Catalog(self.shown_catalog, read_only=True), device_id,
                                self.cache)
        window = QtWidgets.QMainWindow(self)
        window.setWindowTitle(f"Device {device_id} · history")
        window.setCentralWidget(history)
        window.resize(1100, 750)
        window.show()
        self.windows.append(window)
        return history


def _spacing(xy: np.ndarray) -> float:
    """The smallest step between distinct x or y positions (1 when there is none)."""
    steps = [np.diff(np.unique(xy[:, k])) for k in (0, 1)] if len(xy) else []
    steps = [s[s > 0].min() for s in steps if (s > 0).any()]
    return float(min(steps)) if steps else 1.0
