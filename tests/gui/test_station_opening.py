"""The window opens its station off the GUI thread and queues no run onto a station whose
instruments did not answer."""

from __future__ import annotations

from labmem.catalog import Catalog


def test_a_silent_smu_leaves_the_window_responsive_and_its_runs_unqueued(
        qtbot, tmp_path, silent_smu_window):
    window, resource = silent_smu_window(300)
    panel = window.station_panel
    assert "opening…" in panel.header.text()  # the constructor did not wait for *IDN?
    window.procedures.select("IVSweep")
    assert window.queue_from_form() is None
    assert "still opening" in window.procedures.message.text()
    qtbot.waitUntil(lambda: panel.rows is not None, timeout=10_000)
    assert panel.states() == {"smu": "not connected"}
    assert window.queue_from_form() is None
    assert window.procedures.message.text().startswith(
        f"smu (keithley2450 at {resource}) not found")
    assert window.queue.pending() == [] and window.queue.current is None
    assert Catalog(tmp_path / "data" / "catalog.sqlite").runs() == []
    window.close()
