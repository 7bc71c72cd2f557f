"""Live plots on their own: growing curves keep every point once, I(V) cycles close into the
median and the Vset histogram, row plots group and fade as their view says."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from labmem.gui.curves import ChunkedCurve, GrowingArray
from labmem.gui.live_plots import (
    IVPanel,
    PulsePanel,
    RowsPanel,
    panel_for,
)
from labmem.procedures.neuron.pulse_responses import IntegrateAndFire
from labmem.procedures.registry import PROCEDURES
from labmem.procedures.sweep import IVProcedure
from labmem.procedures.switching.iv import ComplianceLadderTraining, IVSweep
from labmem.procedures.synapse.retention import Retention
from labmem.procedures.synapse.weight import SynapticWeight


def iv_rows(block: int, cycle: int, compliance_a: float, vset_v: float, n: int = 101):
    """A synthetic triangle cycle: 1 pA until vset_v on the way up, then the compliance."""
    up = np.linspace(0.0, 1.0, n // 2 + 1)
    v = np.concatenate([up, up[-2::-1]])
    i = np.where((v >= vset_v) & (np.arange(v.size) <= n // 2), compliance_a, 1e-12)
    return [{"Block": block, "Cycle": cycle, "Compliance (A)": compliance_a,
             "Voltage (V)": float(a), "Current (A)": float(b)} for a, b in zip(v, i, strict=True)]


def test_growing_array_keeps_order_across_reallocations():
    grown = GrowingArray(capacity=4)
    for start in range(0, 100, 7):
        grown.extend(np.arange(start, min(start + 7, 100)))
    np.testing.assert_array_equal(grown.values, np.arange(100))


def test_chunked_curve_holds_every_point_once_and_freezes_full_chunks(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    curve = ChunkedCurve(widget.getPlotItem(), symbol="o")
    x = np.arange(3 * ChunkedCurve.CHUNK + 17, dtype=float)
    for part in np.array_split(x, 23):
        curve.extend(part, 2 * part)
    assert len(curve.frozen) == 3
    assert all(item.getOriginalDataset()[0].size == ChunkedCurve.CHUNK for item in curve.frozen)
    assert all(item.opts["symbol"] is None for item in curve.frozen)
    got_x, got_y = curve.data()
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, 2 * x)


def test_iv_panel_closes_cycles_into_histogram_and_per_compliance_median(qtbot):
    panel = IVPanel()
    qtbot.addWidget(panel)
    panel.start(IVSweep())
    vsets = [0.3, 0.5, 0.7]
    for cycle, vset in enumerate(vsets):
        panel.add_rows(iv_rows(0, cycle, 1e-8, vset))
    assert len(panel.vsets) == 2, "the open cycle waits for its end"
    panel.finish()
    assert panel.vsets == pytest.approx(vsets, abs=0.011)
    edges, counts = panel.hist_curve.getOriginalDataset()
    assert counts.sum() == 3 and np.diff(edges) == pytest.approx(0.02)
    _, median = panel.median.getOriginalDataset()
    at = np.flatnonzero(np.isclose(iv_rows(0, 0, 1e-8, 0.5)[0]["Voltage (V)"], 0))[0]
    assert median[at] == pytest.approx(1e-12)
    # A new block at another compliance restarts the running median, not the histogram.
    panel.add_rows(iv_rows(1, 0, 1e-3, 0.9))
    panel.finish()
    _, median = panel.median.getOriginalDataset()
    assert median.max() == pytest.approx(1e-3)
    assert panel.compliance_line.value() == pytest.approx(-3.0)
    assert len(panel.vsets) == 4 and "4 cycles" in panel.hist.getPlotItem().titleLabel.text


def test_iv_panel_draws_zero_current_on_the_floor_of_the_log_axis(qtbot):
    panel = IVPanel()
    qtbot.addWidget(panel)
    panel.start(IVSweep())
    rows = iv_rows(0, 0, 1e-8, 0.5)
    rows[0]["Current (A)"] = 0.0
    panel.add_rows(rows)
    _, i = panel.plotted()
    assert np.all(i > 0) and np.isfinite(np.log10(i)).all()


def test_row_plot_groups_runs_and_fades_conditioning(qtbot):
    panel = panel_for(SynapticWeight)
    qtbot.addWidget(panel)
    panel.start(SynapticWeight())
    rows = [{"Run": run, "Conditioning": int(run == 0), "Pulse": k, "Conductance (S)": g}
            for run in range(3) for k, g in enumerate(np.linspace(1e-4, 2e-4, 10))]
    panel.add_rows(rows[:15])
    panel.add_rows(rows[15:])
    assert list(panel.rows.curves) == [0, 1, 2]
    faint = panel.rows.curves[0].open.opts["symbolBrush"]
    bold = panel.rows.curves[1].open.opts["symbolBrush"]
    assert faint[3] < bold[3]
    x, y = panel.rows.data()
    np.testing.assert_allclose(x, [r["Pulse"] for r in rows])
    np.testing.assert_allclose(y, [r["Conductance (S)"] for r in rows])


def test_pulse_panel_marks_onsets_above_the_procedures_spike_threshold(qtbot):
    panel = panel_for(IntegrateAndFire)
    qtbot.addWidget(panel)
    assert isinstance(panel, PulsePanel)
    procedure = IntegrateAndFire()
    panel.start(procedure)
    t = np.arange(1000) * 1e-6
    i = np.full(t.size, 1e-9)
    for onset in (100, 400, 700):
        i[onset:onset + 20] = 2 * procedure.spike_threshold_a()
    panel.add_trace("integrate_and_fire", t, {"v_source": np.zeros(t.size), "i_device": i})
    spike_t, _ = panel.spikes.getData()
    np.testing.assert_allclose(spike_t, t[[100, 400, 700]])
    assert "3 spikes" in panel.current.getPlotItem().titleLabel.text
    # Traces without a device current (SMU forming sweeps) leave the burst as it was.
    panel.add_trace("forming_0", t, {"v": t, "i": t})
    np.testing.assert_array_equal(panel.i_curve.getOriginalDataset()[1], i)


def test_every_procedure_has_live_plots_of_its_own_columns(qtbot):
    for cls in PROCEDURES.values():
        panel = panel_for(cls)
        qtbot.addWidget(panel)
        panel.start(cls())
        if isinstance(panel, IVPanel):
            assert issubclass(cls, IVProcedure)
            continue
        view = panel.rows.view
        assert {view.x, view.y} <= set(cls.DATA_COLUMNS), cls.__name__
        assert (view.group is None) or view.group in cls.DATA_COLUMNS
    assert isinstance(panel_for(Retention), RowsPanel)
    assert not isinstance(panel_for(Retention), PulsePanel)
    assert isinstance(panel_for(ComplianceLadderTraining), IVPanel)



def test_iv_panel_merges_closed_cycles_without_losing_or_joining_any(qtbot):
    panel = IVPanel()
    qtbot.addWidget(panel)
    panel.start(IVSweep())
    cycles = [iv_rows(0, c, 1e-8, 0.2 + 0.02 * c) for c in range(IVPanel.MERGE_CYCLES + 5)]
    for rows in cycles:
        panel.add_rows(rows)
    panel.finish()
    assert len(panel.merged_items) == 1 and len(panel.cycle_items) == 5
    v, i = panel.plotted()
    np.testing.assert_array_equal(v, [r["Voltage (V)"] for rows in cycles for r in rows])
    np.testing.assert_array_equal(i, [r["Current (A)"] for rows in cycles for r in rows])
    merged_v, _ = panel.merged_items[0].getOriginalDataset()
    assert np.count_nonzero(np.isnan(merged_v)) == IVPanel.MERGE_CYCLES  # one gap per cycle
    assert panel.cycles == len(panel.vsets) == len(cycles)


def test_row_plot_crosses_readings_the_scope_clipped(qtbot):
    panel = panel_for(SynapticWeight)
    qtbot.addWidget(panel)
    panel.start(SynapticWeight())
    rows = [{"Run": 0, "Conditioning": 0, "Pulse": k, "Conductance (S)": 1e-4 * (k + 1),
             "Over range": int(k in (2, 5))} for k in range(8)]
    panel.add_rows(rows[:4])
    panel.add_rows(rows[4:])
    x, y = panel.rows.clipped_points()
    np.testing.assert_allclose(x, [2, 5])
    np.testing.assert_allclose(y, [3e-4, 6e-4])
    assert panel.rows.clipped.opts["symbol"] == "x"
    panel.start(SynapticWeight())
    assert panel.rows.clipped_points()[0].size == 0
