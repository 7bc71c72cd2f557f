"""Fixes from the first day at the probe station (issue 20 item 7): flat data autoscale
around their value, a refused field is scrolled into view, the queue list fits its column and
counts in words, closing during a run asks, estimates include the instrument overhead, and
the window stays responsive while a slow station opens."""

from __future__ import annotations

import numpy as np
import pytest

from labmem.gui.live_plots import panel_for
from labmem.procedures.synapse.weight import SynapticWeight


def view_range(widget, axis):
    """The autoscaled range of a plot's axis (0: x, 1: y)."""
    box = widget.getPlotItem().getViewBox()
    box.updateAutoRange()
    return box.viewRange()[axis]


@pytest.mark.parametrize(("value", "low", "high"), [(2e-6, 1.7e-6, 2.3e-6), (0.0, -2e-9, 2e-9)])
def test_a_flat_trace_autoscales_around_its_value_not_to_400_ma(qtbot, value, low, high):
    panel = panel_for(SynapticWeight)
    qtbot.addWidget(panel)
    panel.start(SynapticWeight())
    t = np.linspace(0, 1e-3, 50)
    panel.add_trace("run_1", t, {"v_source": np.full(50, 0.2), "i_device": np.full(50, value)})
    lo, hi = view_range(panel.current, 1)
    assert low <= lo < value < hi <= high
    lo, hi = view_range(panel.voltage, 1)
    assert 0.17 <= lo < 0.2 < hi <= 0.23


def test_a_reopened_single_read_shows_its_conductance_and_pulse_not_400_ms(qtbot):
    panel = panel_for(SynapticWeight)
    qtbot.addWidget(panel)
    panel.start(SynapticWeight())
    panel.add_rows([{"Pulse": 0, "Conductance (S)": 3e-5, "Run": 1, "Conditioning": 0}])
    lo, hi = view_range(panel.rows.widget, 1)
    assert 2.6e-5 <= lo < 3e-5 < hi <= 3.4e-5
    lo, hi = view_range(panel.rows.widget, 0)
    assert -1.5 <= lo < 0 < hi <= 1.5
