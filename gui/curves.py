"""Plot pieces the live plots are made of: a growing array, a line grown in frozen chunks
(an update re-sends at most one chunk), a view that gives flat data a range of its own, and a
labelled plot widget."""

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


FLAT_FRACTION = 0.1
"""Flat data at value v autoscales to v ± 10 % (log axes: v / 1.1 to v × 1.1)."""
ZERO_SPAN = {"A": 1e-9, "S": 1e-9, "V": 1e-3, "s": 1e-6}
"""Half-span by unit of an axis whose data are all zero (a unit not listed: 1); a panel that
knows the instrument's range sets its own (FlatRangeViewBox.zero_span)."""


class FlatRangeViewBox(pg.ViewBox):
    """A view whose autorange gives flat data (one value on an axis) a span from that value,
    not pyqtgraph's ±0.5, which an SI prefix turns into ±400 mA around a flat 1 µA trace."""

    def __init__(self, zero_span: tuple[float, float] = (1.0, 1.0), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.zero_span = list(zero_span)
        """Half-span (x, y) of an axis whose data are all zero."""

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # noqa: N802
        """pyqtgraph's bounds, with a flat axis widened around its value."""
        bounds = super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        for axis in (0, 1):
            flat = self._flat_value(axis, items)
            if flat is not None:
                bounds[axis] = self.flat_range(axis, flat)
        return bounds

    def flat_range(self, axis: int, value: float) -> list[float]:
        """The range a flat axis at value (in view coordinates: log10 on a log axis) gets."""
        if self.state["logMode"][axis]:
            half = np.log10(1 + FLAT_FRACTION)
        else:
            half = FLAT_FRACTION * abs(value) or self.zero_span[axis]
        return [value - half, value + half]

    def _flat_value(self, axis: int, items: list | None) -> float | None:
        """The one finite value every shown item's data take on axis, or None."""
        values: list[float] = []
        for item in self.addedItems if items is None else items:
            if not item.isVisible() or getattr(item, "dataBounds", None) is None:
                continue
            bounds = item.dataBounds(axis)
            if bounds is not None and all(b is not None and np.isfinite(b) for b in bounds):
                values.extend(bounds)
        return values[0] if values and min(values) == max(values) else None


def plot_widget(title: str, x: tuple[str, str], y: tuple[str, str], log_x: bool = False,
          log_y: bool = False) -> pg.PlotWidget:
    """A white plot with a title, labelled axes with units, grid and log modes; flat data
    autoscale around their value (FlatRangeViewBox)."""
    zero_span = (ZERO_SPAN.get(x[1], 1.0), ZERO_SPAN.get(y[1], 1.0))
    widget = pg.PlotWidget(title=title, viewBox=FlatRangeViewBox(zero_span))
    item = widget.getPlotItem()
    item.setLabel("bottom", x[0], units=x[1] or None)
    item.setLabel("left", y[0], units=y[1] or None)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.setLogMode(x=log_x, y=log_y)
    for side, log in (("bottom", log_x), ("left", log_y)):
        if log:  # decades read better in plain units than as "10⁻⁵ nA"
            item.getAxis(side).enableAutoSIPrefix(False)
    return widget
