"""Redraw cost of the wafer map with 10⁴ devices (choosing another figure of merit recolours
every device; changing wafer lays them out again) and of the device history with 10³ runs
(the table and the trend filled again; the trend plotted against the other axis). The
figures of merit are given, as the map and history hold them once computed (FigureCache):
computing them from the runs' files is a one-off per run, not part of a redraw. "+ paint"
adds rendering the widget once.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui_views.py
"""

from __future__ import annotations

import os
import tempfile
from functools import partial
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gui_timing

from labmem.catalog import Catalog, Run
from labmem.gui.app import application
from labmem.gui.device_history import AGAINST, DeviceHistory
from labmem.gui.wafer_map import WaferMap

DEVICES = 10_000
RUNS = 1_000
REPEATS = 15
FIGURES = ("IVSweep · vset mean [V]", "IVSweep · vset std [V]",
           "IntegrateAndFire · pulses to fire")
timed = partial(gui_timing.timed, repeats=REPEATS)
"""Median ms of a redraw step alone and with one render (gui_timing.timed)."""


def synthetic_devices(rng: np.random.Generator) -> dict[str, dict[str, float]]:
    """DEVICES devices on one wafer, dies of 50 (rows A-E, columns 1-10); a tenth without
    the pulses to fire."""
    devices = {}
    for n in range(DEVICES):
        die, device = n // 50, n % 50
        name = f"W1-D{die + 1}-{'ABCDE'[device // 10]}{device % 10 + 1}"
        values = {FIGURES[0]: rng.normal(0.8, 0.1), FIGURES[1]: rng.uniform(0.01, 0.1)}
        if rng.random() > 0.1:
            values[FIGURES[2]] = float(rng.integers(1, 30))
        devices[name] = values
    return devices


def bench_map(folder: Path) -> dict[str, tuple[float, float]]:
    wafer_map = WaferMap(Catalog(folder / "catalog.sqlite"))
    wafer_map.resize(1100, 750)
    wafer_map.show()
    wafer_map.set_devices(synthetic_devices(np.random.default_rng(1)))
    shown = len(wafer_map.positions)
    assert shown == DEVICES, shown
    return {
        f"map, {shown} devices: another figure": timed(
            lambda k: wafer_map.figure.setCurrentText(FIGURES[k % len(FIGURES)]), wafer_map),
        f"map, {shown} devices: laid out again": timed(lambda k: wafer_map.place(),
                                                       wafer_map),
    }


def synthetic_runs(folder: Path) -> tuple[list[Run], dict[int, dict[str, float]]]:
    """RUNS runs of one device, an hour apart, with two figures each."""
    rng = np.random.default_rng(2)
    runs = [Run(id=n + 1, procedure="IVSweep", parameters={}, device_id="W1-D1-A1",
                station="", instruments={}, labmem_version="", simulated=True,
                started=1.7e9 + 3600 * n, ended=1.7e9 + 3600 * n + 60, status="finished",
                error=None, results_path=str(folder / f"r{n}.csv"), traces_path="",
                campaign="bench", host="", pid=0, step=f"{n:02d}.00")
            for n in range(RUNS)]
    figures = {run.id: {FIGURES[0]: rng.normal(0.8, 0.1), FIGURES[1]: rng.uniform(0.01, 0.1)}
               for run in runs}
    return runs, figures


def bench_history(folder: Path) -> dict[str, tuple[float, float]]:
    history = DeviceHistory(Catalog(folder / "catalog.sqlite"), "W1-D1-A1")
    history.resize(1100, 750)
    history.show()
    runs, figures = synthetic_runs(folder)
    history.set_runs(runs, figures)
    return {
        f"history, {RUNS} runs: table and trend filled": timed(
            lambda k: history.set_runs(runs, figures), history),
        f"history, {RUNS} runs: trend against the other axis": timed(
            lambda k: history.against.setCurrentText(AGAINST[k % 2]), history),
        f"history, {RUNS} runs: another figure": timed(
            lambda k: history.figure.setCurrentText(FIGURES[k % 2]), history),
    }


def main() -> None:
    application()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        Catalog(folder / "catalog.sqlite")  # an empty catalog to point the views at
        results = {**bench_map(folder), **bench_history(folder)}
    print(f"{'view (median of ' + str(REPEATS) + ')':<58} {'redraw':>9} {'+ paint':>9}")
    for name, (alone, painted) in results.items():
        print(f"{name:<58} {alone:7.1f} ms {painted:7.1f} ms")


if __name__ == "__main__":
    main()
