"""The wafer map and the device history on a small population campaign: its devices placed and
coloured by a figure of merit computed from their runs, grey without it; a click opening a
device's history with its runs in time order and the figure's trend; and the run browser's
overlay, axis choice, filters and notes on the same runs."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt5 import QtCore

from labmem.campaigns.executors import run_campaign
from labmem.campaigns.spec import Campaign
from labmem.catalog import Catalog
from labmem.gui.device_history import AGAINST
from labmem.gui.live_plots import IVPanel
from labmem.gui.run_browser import RunBrowser
from labmem.gui.wafer_map import NO_FIGURE, WaferMap, grid_layout, split_id
from labmem.procedures.switching.iv import IVSweep
from labmem.summaries import load_rows

CAMPAIGN = """\
campaign: map
population: {count: 3, seed: 5, wafer: W1}
steps:
  - name: iv
    procedure: IVSweep
    parameters: {cycles: 3}
    repeats: 2
"""
VSET = "IVSweep · vset mean [V]"
DEVICES = ["W1-D0001", "W1-D0002", "W1-D0003"]


@pytest.fixture(scope="module")
def campaign_out(tmp_path_factory):
    """A 3-device population, two 3-cycle I(V) runs each, plus a failed run of a 4th device."""
    out = tmp_path_factory.mktemp("campaign")
    run_campaign(Campaign.from_text(CAMPAIGN), out, show_progress=False)
    catalog = Catalog(out / "catalog.sqlite")
    catalog.finish(catalog.start("IVSweep", {}, device_id="W1-D0004"), "failed", "no contact")
    return out


def vset_mean(run) -> float:
    """The run's Vset mean, computed here from its rows by the procedure's own metrics."""
    procedure = IVSweep()
    procedure.set_parameters(run.parameters, except_missing=False)
    return procedure.run_metrics(load_rows(run.results_path))["vset_mean_v"]


def latest_vsets(out) -> dict[str, float]:
    runs = Catalog(out / "catalog.sqlite").runs()
    return {d: vset_mean([r for r in runs if r.device_id == d][-1]) for d in DEVICES}


def shown_map(qtbot, out) -> WaferMap:
    wafer_map = WaferMap(Catalog(out / "catalog.sqlite"))
    qtbot.addWidget(wafer_map)
    wafer_map.resize(900, 600)
    wafer_map.show()  # reads the catalog
    wafer_map.figure.setCurrentText(VSET)
    return wafer_map


def test_the_campaign_devices_are_on_the_map_coloured_by_their_vset(qtbot, campaign_out):
    wafer_map = shown_map(qtbot, campaign_out)
    assert wafer_map.figure.currentText() == VSET
    assert sorted(wafer_map.positions) == [*DEVICES, "W1-D0004"]
    expected = latest_vsets(campaign_out)
    values = dict(zip(wafer_map.positions, wafer_map.values(), strict=True))
    assert values["W1-D0004"] != values["W1-D0004"]  # NaN: its only run failed
    assert {d: values[d] for d in DEVICES} == pytest.approx(expected)
    lo, hi = min(expected.values()), max(expected.values())
    assert wafer_map.bar.levels() == pytest.approx((lo, hi))
    assert wafer_map.bar.axis.labelUnits == "V"
    brushes = dict(zip(wafer_map.positions, wafer_map.scatter.data["brush"], strict=True))
    cmap = pg.colormap.get("viridis")
    for device, value in expected.items():
        colour = cmap.map((value - lo) / (hi - lo), mode="qcolor")
        assert brushes[device].color().getRgb()[:3] == colour.getRgb()[:3]
    assert brushes["W1-D0004"].color() == NO_FIGURE
    assert "1 without" in wafer_map.message.text()


def test_a_click_on_a_device_opens_its_history(qtbot, campaign_out):
    wafer_map = shown_map(qtbot, campaign_out)
    x, y = wafer_map.positions["W1-D0002"]
    scene = wafer_map.plot.vb.mapViewToScene(QtCore.QPointF(x, y))
    where = wafer_map.view.mapFromScene(scene)
    with qtbot.waitSignal(wafer_map.device_chosen) as chosen:
        qtbot.mouseClick(wafer_map.view.viewport(), QtCore.Qt.LeftButton, pos=where)
    assert chosen.args == ["W1-D0002"]
    history = wafer_map.windows[-1].centralWidget()
    runs = [r for r in Catalog(campaign_out / "catalog.sqlite").runs()
            if r.device_id == "W1-D0002"]
    assert [r.id for r in history.runs] == [r.id for r in runs]
    model = history.table.model()
    assert model.rowCount() == 2
    assert model.data(model.index(1, 0)) == str(runs[1].id)
    column = [model.headerData(c, QtCore.Qt.Horizontal) for c in range(model.columnCount())]
    assert float(model.data(model.index(1, column.index(VSET)))) == pytest.approx(
        vset_mean(runs[1]), rel=1e-3)
    history.figure.setCurrentText(VSET)
    x, y, shown = history.trend()
    assert list(x) == [r.started for r in runs]
    assert [r.id for r in shown] == [r.id for r in runs]
    assert y == pytest.approx([vset_mean(r) for r in runs])
    assert history.curve.yData == pytest.approx(y)
    history.against.setCurrentText(AGAINST[1])
    assert list(history.curve.xData) == [1, 2]
    history.table.selectRow(1)
    panel = history.open_selected()
    assert isinstance(panel, IVPanel)
    assert "W1-D0002" in history.windows[-1].windowTitle()


def test_devices_are_placed_by_die_and_row_letter_or_by_prober_coordinates(qtbot, tmp_path):
    assert split_id("W3-D12-A4") == ("W3", "D12", "A4")
    assert split_id("SIM-D0001") == ("SIM", "", "D0001")
    places = grid_layout(["W3-D1-A1", "W3-D1-B2", "W3-D2-A1"])
    assert places["W3-D1-B2"][0] - places["W3-D1-A1"][0] == 1  # column 2 after column 1
    assert places["W3-D1-B2"][1] - places["W3-D1-A1"][1] == 1  # row B under row A
    assert places["W3-D2-A1"][0] > places["W3-D1-B2"][0]  # the next die to the right
    wafer_map = WaferMap(Catalog(tmp_path / "catalog.sqlite"))
    qtbot.addWidget(wafer_map)
    wafer_map.set_devices({"W3-D12-A4": {"f [s]": 1.0}, "W3-D12-A5": {}})
    assert wafer_map.load_coordinates("docs/examples/wafer_w3.yaml") == 2
    assert wafer_map.positions["W3-D12-A5"] == pytest.approx((1400e-6, 300e-6))
    assert wafer_map.plot.getAxis("bottom").labelUnits == "m"


def browser_on(qtbot, out) -> RunBrowser:
    browser = RunBrowser(Catalog(out / "catalog.sqlite"))
    qtbot.addWidget(browser)
    return browser


def test_two_runs_overlaid_with_the_chosen_axes(qtbot, campaign_out):
    browser = browser_on(qtbot, campaign_out)
    first, second = (r for r in browser.all_runs if r.device_id == "W1-D0001")
    browser.select(first.id, second.id)
    overlay = browser.overlay_selected()
    assert set(overlay.curves) == {first.id, second.id}
    assert (overlay.x.currentText(), overlay.y.currentText()) == ("Voltage (V)", "Current (A)")
    rows = load_rows(first.results_path)
    assert np.array_equal(overlay.curves[first.id].xData, rows["Voltage (V)"].to_numpy())
    overlay.x.setCurrentText("Time (s)")
    assert np.array_equal(overlay.curves[first.id].xData, rows["Time (s)"].to_numpy())
    assert overlay.plot.getPlotItem().getAxis("bottom").labelUnits == "s"


def test_filters_and_a_tagged_note(qtbot, campaign_out):
    browser = browser_on(qtbot, campaign_out)
    assert len(browser.runs) == 7
    browser.filters.device.setText("d0002")
    assert {r.device_id for r in browser.runs} == {"W1-D0002"}
    assert browser.table.rowCount() == 2
    browser.filters.device.clear()
    browser.filters.status.setCurrentText("failed")
    assert [r.device_id for r in browser.runs] == ["W1-D0004"]
    browser.filters.status.setCurrentText("any")
    browser.filters.dates.setChecked(True)
    browser.filters.end.setDate(QtCore.QDate.currentDate().addDays(-1))
    assert browser.runs == []
    browser.filters.dates.setChecked(False)
    run = browser.all_runs[-1]
    browser.set_note(run, "good contact #keep")
    assert Catalog(campaign_out / "catalog.sqlite").get(run.id).note == "good contact #keep"
    browser.filters.note.setText("#KEEP")
    assert [r.id for r in browser.runs] == [run.id]
    browser.filters.note.setText("#keep bad")
    assert browser.runs == []
