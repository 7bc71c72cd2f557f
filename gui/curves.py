"""Plot pieces the live plots are made of: a growing array, a line grown in frozen chunks
(an update re-sends at most one chunk), and a labelled plot widget."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyqtgraph as pg

COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14),
           (140, 86, 75), (227, 119, 194), (23, 190, 207)]


class GrowingArray:
    """A float array that grows by appending; capacity doubles, so appends cost amortised
    O(new values). values is a view: what was appended is never rewritten."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self.size = 0

    def extend(self, values: Iterable[float] | np.ndarray) -> None:
        """Append values."""
        new = np.asarray(values, dtype=float)
        need = self.size + new.size
        if need > self._data.size:
            grown = np.empty(max(need, 2 * self._data.size))
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size:need] = new
        self.size = need

    @property
    def values(self) -> np.ndarray:
        """What has been appended, in order."""
        return self._data[: self.size]


class ChunkedCurve:
    """A growing line drawn as frozen chunks and one open chunk: an update re-sends only the
    open chunk (at most CHUNK points) to the plot. Each chunk starts at the previous one's
    last point, so the line stays joined. Frozen chunks drop their markers: CHUNK markers
    merge into a line anyway, and painting 10⁵ markers would cost more than all the rest."""

    CHUNK = 2048

    def __init__(self, plot: pg.PlotItem, **style: Any) -> None:
        self.plot, self.style = plot, style
        self.frozen: list[pg.PlotDataItem] = []
        self._x, self._y = GrowingArray(), GrowingArray()
        self.open = plot.plot([], [], **style)

    def extend(self, x: np.ndarray, y: np.ndarray) -> None:
        """Append points and redraw the open chunk."""
        self._x.extend(x)
        self._y.extend(y)
        while self._x.size > self.CHUNK:
            xs, ys = self._x.values, self._y.values
            self.open.setData(xs[: self.CHUNK].copy(), ys[: self.CHUNK].copy())
            self.open.setSymbol(None)
            self.frozen.append(self.open)
            self.open = self.plot.plot([], [], **self.style)
            self._x, self._y = GrowingArray(), GrowingArray()
            self._x.extend(xs[self.CHUNK - 1:])
            self._y.extend(ys[self.CHUNK - 1:])
        self.open.setData(self._x.values, self._y.values)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Every point, once each, in order."""
        xs, ys = [], []
        for n, item in enumerate([*self.frozen, self.open]):
            x, y = item.getOriginalDataset()
            if x is None:
                continue
            xs.append(x[1:] if n else x)
            ys.append(y[1:] if n else y)
        if not xs:
            return np.empty(0), np.empty(0)
        return np.concatenate(xs), np.concatenate(ys)


def plot_widget(title: str, x: tuple[str, str], y: tuple[str, str], log_x: bool = False,
          log_y: bool = False) -> pg.PlotWidget:
    """A white plot with a title, labelled axes with units, grid and log modes."""
    widget = pg.PlotWidget(title=title)
    item = widget.getPlotItem()
    item.setLabel("bottom", x[0], units=x[1] or None)
    item.setLabel("left", y[0], units=y[1] or None)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setLogMode(x=log_x, y=log_y)
    for side, log in (("bottom", log_x), ("left", log_y)):
        if log:  # decades read better in plain units than as "10⁻⁵ nA"
            item.getAxis(side).enableAutoSIPrefix(False)
    return widget
