"""Live-plot update cost with 10⁴ and 10⁵ points already shown, per new batch of rows: the
I(V) panel (one SMU buffer = one 301-point cycle per batch) and a growing row plot (100 rows
per batch), beside the naive ways: re-send every point to one curve, and re-read the whole
results file first (PyMeasure's default). "update" is the plot's own work; "+ paint" adds
rendering the widget once.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gui_timing
import pyqtgraph as pg

from labmem.gui.app import application
from labmem.gui.live_plots import IVPanel, RowsPanel, RowView
from labmem.procedures.switching.iv import IVSweep

SIZES = (10_000, 100_000)
BATCHES = 30
CYCLE_POINTS = 301
timed = partial(gui_timing.timed, repeats=BATCHES)
"""Median ms of a redraw step alone and with one render (gui_timing.timed)."""


def iv_cycle(block: int, cycle: int, rng: np.random.Generator) -> list[dict]:
    """One 0 → 1.5 → −0.5 → 0 cycle with a set at a random voltage, as SMU rows."""
    v = np.concatenate([np.linspace(0, 1.5, 113), np.linspace(1.5, -0.5, 150, endpoint=False),
                        np.linspace(-0.5, 0, CYCLE_POINTS - 263)])
    vset = rng.uniform(0.3, 1.2)
    i = np.where((v > vset) & (np.arange(v.size) < 113), 1e-8, 1e-11 * (1 + np.abs(v)))
    return [{"Block": block, "Cycle": cycle, "Compliance (A)": 1e-8, "Voltage (V)": a,
             "Current (A)": b} for a, b in zip(v.tolist(), i.tolist(), strict=True)]


def bench_iv(shown: int) -> tuple[float, float]:
    """I(V) panel holding `shown` points; a new cycle per batch."""
    rng = np.random.default_rng(4)
    panel = IVPanel()
    panel.resize(1000, 600)
    panel.show()
    panel.start(IVSweep())
    cycles = shown // CYCLE_POINTS
    for c in range(cycles):
        panel.add_rows(iv_cycle(0, c, rng))
    batches = [iv_cycle(0, cycles + k, rng) for k in range(2 * BATCHES)]
    return timed(lambda k: panel.add_rows(batches[k]), panel)


def bench_rows(shown: int) -> tuple[float, float]:
    """Row plot holding `shown` points; 100 new rows per batch."""
    view = RowView("Time (s)", "Current (A)", ("Time", "s"), ("Current", "A"), "bench",
                   log_y=True)
    panel = RowsPanel(view)
    panel.resize(1000, 600)
    panel.show()
    t = np.arange(shown + 200 * BATCHES, dtype=float)
    rows = [{"Time (s)": x, "Current (A)": 1e-6 * (1 + np.sin(x / 500))} for x in t.tolist()]
    panel.add_rows(rows[:shown])
    return timed(lambda k: panel.add_rows(rows[shown + 100 * k:shown + 100 * (k + 1)]), panel)


def naive_plot() -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    """One curve on its own plot."""
    widget = pg.PlotWidget()
    widget.resize(1000, 600)
    widget.show()
    return widget, widget.getPlotItem().plot()


def bench_naive(shown: int) -> tuple[float, float]:
    """One curve re-sent whole on every batch of 100 rows."""
    widget, curve = naive_plot()
    x = np.arange(shown + 200 * BATCHES, dtype=float)
    y = 1e-6 * (1 + np.sin(x / 500))

    def step(k: int) -> None:
        n = shown + 100 * (k + 1)
        curve.setData(x[:n].copy(), y[:n].copy())

    return timed(step, widget)


def bench_reread(shown: int) -> tuple[float, float]:
    """The whole results file read again, then re-sent, on every batch of 100 rows."""
    widget, curve = naive_plot()
    x = np.arange(shown + 200 * BATCHES, dtype=float)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.csv"
        pd.DataFrame({"Time (s)": x[:shown], "Current (A)": 1e-6 * np.sin(x[:shown])}).to_csv(
            path, index=False)

        def step(k: int) -> None:
            with open(path, "a") as f:
                f.writelines(f"{v},{1e-6 * np.sin(v)}\n"
                             for v in x[shown + 100 * k:shown + 100 * (k + 1)])
            data = pd.read_csv(path)
            curve.setData(data["Time (s)"].to_numpy(), data["Current (A)"].to_numpy())

        return timed(step, widget)


def main() -> None:
    """Print the medians."""
    app = application()
    print(f"median of {BATCHES} batches each")
    for shown in SIZES:
        print(f"{shown:,} points shown")
        for name, run in (("I(V) panel, +1 cycle (301 rows)", bench_iv),
                          ("row plot, +100 rows", bench_rows),
                          ("naive: whole curve re-sent, +100 rows", bench_naive),
                          ("naive: file re-read + re-sent, +100 rows", bench_reread)):
            update, painted = run(shown)
            print(f"  {name:42s} update {update:7.2f} ms   update + paint {painted:7.2f} ms")
            app.processEvents()


if __name__ == "__main__":
    main()
