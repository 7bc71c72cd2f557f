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


def test_a_refused_field_out_of_view_is_scrolled_to_with_its_message(qtbot, window):
    form = window.procedures.select("IntegrateAndFire")
    last = list(form.edits)[-1]
    form.set_values({last: "not a number"})
    edit = form.edits[last]
    assert edit.visibleRegion().isEmpty()  # below the fold at 1440×1000
    assert window.queue_from_form() is None
    qtbot.waitUntil(lambda: not edit.visibleRegion().isEmpty(), timeout=2000)
    assert f"({last})" in form.notes[last].text() and form.notes[last].isVisible()
    assert not form.notes[last].visibleRegion().isEmpty()
    assert window.procedures.scroll.minimumHeight() >= 5 * edit.sizeHint().height()


def test_the_queue_fits_its_column_and_counts_one_run(qtbot, window):
    window.procedures.device.setText("W3-D12-A4-a-long-device-name-for-the-queue-list")
    window.procedures.select("IVSweep").set_values({"cycles": 5000})
    first = window.queue_from_form()
    window.queue_from_form()
    qtbot.waitUntil(lambda: window.running is first, timeout=10_000)
    texts = [window.queue_list.item(n).text() for n in range(window.queue_list.count())]
    assert any(t.strip().startswith("waiting: 1 run, about") for t in texts), texts
    assert window.queue_list.horizontalScrollBar().maximum() == 0
    window.queue.clear()
    window.abort()


def test_estimates_add_the_overhead_the_last_run_took(qtbot, window, finish):
    from labmem.gui.estimates import remember_run
    from labmem.gui.procedure_panel import format_duration

    panel = window.procedures
    panel.select("IntegrateAndFire")
    planned = float(panel.procedure().get_estimates())
    assert panel.estimate.text() == (f"Duration: waveforms {format_duration(planned)}"
                                     " + overhead (unmeasured)")
    remember_run(window.station.config.source, "IntegrateAndFire", planned / 2, 120.0)
    panel.update_estimate()
    assert panel.estimate.text() == (f"Duration: ≈ 4 min 00 s (waveforms "
                                     f"{format_duration(planned)})")
    panel.select("IVSweep").set_values({"cycles": 1})
    assert "+ overhead (unmeasured)" in panel.estimate.text()
    result = finish(window.queue_from_form())
    assert result.outcome.status == "finished"
    assert panel.estimate.text().startswith("Duration: ≈ ")
    assert "(sweeps " in panel.estimate.text()


def test_a_slow_station_opens_while_the_window_keeps_running(qtbot, silent_smu_window):
    from PyQt5 import QtCore

    window, _ = silent_smu_window(2000)
    window.show()
    panel, ticks = window.station_panel, []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(panel.rows))
    timer.start(20)
    assert panel.busy.isVisible()
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=1500)
    assert ticks == [None] * len(ticks)  # the loop ran while the SMU was silent
    qtbot.waitUntil(lambda: panel.rows is not None, timeout=10_000)
    timer.stop()
    assert not panel.busy.isVisible()
    assert panel.states() == {"smu": "not connected"}
    window.close()
