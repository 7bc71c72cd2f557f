"""Timing of a GUI redraw for the GUI benchmarks: a step alone, and the step plus one render."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PyQt5 import QtWidgets


def timed(step: Callable[[int], object], widget: QtWidgets.QWidget,
          repeats: int) -> tuple[float, float]:
    """Median ms of step(n) alone and of step(n) plus one full render of widget, over
    `repeats` of each (steps numbered 0, 1, 2, … across both)."""
    alone, painted = [], []
    for n in range(repeats):
        t0 = time.perf_counter()
        step(2 * n)
        alone.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        step(2 * n + 1)
        widget.grab()
        painted.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(alone)), 1e3 * float(np.median(painted))
