"""The main window driven as an operator would: queue runs from the form, watch the live
plots, abort, browse and reopen past runs, and see refusals of bad parameters."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PyQt5 import QtCore, QtWidgets

from labmem.catalog import Catalog
from labmem.gui.live_plots import CURRENT_FLOOR_A, IVPanel, PulsePanel
from labmem.gui.main_window import MainWindow
from labmem.procedures.neuron.pulse_responses import IntegrateAndFire
from labmem.summaries import load_rows


def queue(qtbot, window, name: str, device: str = "", **values):
    """Choose a procedure, fill its form, click Queue run: the job, or None if refused."""
    window.procedures.select(name).set_values(values)
    window.procedures.device.setText(device)
    count = len(window.submitted)
    qtbot.mouseClick(window.procedures.queue_button, QtCore.Qt.LeftButton)
    return window.submitted[-1] if len(window.submitted) > count else None


def test_iv_sweep_from_the_form_is_plotted_and_catalogued(qtbot, window, finish):
    job = queue(qtbot, window, "IVSweep", "W1-D7", cycles=3, step_v=0.02, v_pos=2.0)
    result = finish(job)
    outcome = result.outcome
    assert outcome is not None and outcome.status == "finished", result.error
    rows = load_rows(outcome.results_path)
    assert len(rows) == 3 * 251  # 0 → 2 → −0.5 → 0 in 20 mV steps, three cycles

    panel = window.panel
    assert isinstance(panel, IVPanel)
    v, i = panel.plotted()
    np.testing.assert_array_equal(v, rows["Voltage (V)"].to_numpy())
    np.testing.assert_allclose(i, np.maximum(rows["Current (A)"].abs(), CURRENT_FLOOR_A))
    assert len(panel.vsets) == 3 and panel.cycles == 3
    assert panel.compliance_line.value() == pytest.approx(np.log10(10e-9))
    median_v, median_i = panel.median.getOriginalDataset()
    assert median_v.size == 251 and np.all(median_i > 0)

    run = Catalog(window.data_dir / "catalog.sqlite").get(outcome.run_id)
    assert (run.status, run.device_id, run.procedure) == ("finished", "W1-D7", "IVSweep")
    assert run.parameters["cycles"] == 3 and run.simulated
    assert "finished" in window.state.text() and "safe state" in window.state.text()

    browser = window.browser
    assert browser.table.item(0, 0).text() == str(outcome.run_id)
    assert browser.table.item(0, 2).text() == "finished"
    browser.select(outcome.run_id)
    reopened = browser.open_selected()
    assert isinstance(reopened, IVPanel)
    np.testing.assert_array_equal(reopened.plotted()[0], v)
    assert reopened.vsets == pytest.approx(panel.vsets, nan_ok=True)


def test_aborting_a_running_integrate_and_fire_leaves_the_instruments_safe(
        qtbot, window, finish, assert_safe, monkeypatch):
    started = []
    window.queue.job_started.connect(started.append)
    # The operator presses Abort as soon as the window shows the run going. The run holds
    # after its start-up until the click has arrived (at most 30 s), so the click cannot
    # come after the run has already finished.
    window.queue.job_started.connect(
        lambda _: qtbot.mouseClick(window.abort_button, QtCore.Qt.LeftButton))
    startup = IntegrateAndFire.startup

    def startup_then_wait_for_abort(procedure):
        startup(procedure)
        deadline = time.monotonic() + 30.0
        while not procedure.should_stop() and time.monotonic() < deadline:
            time.sleep(0.01)

    monkeypatch.setattr(IntegrateAndFire, "startup", startup_then_wait_for_abort)
    job = queue(qtbot, window, "IntegrateAndFire", packages=30)
    result = finish(job)
    assert started == [job]
    assert result.outcome is not None and result.outcome.status == "aborted"
    assert result.outcome.safe_off_errors == ()
    run = Catalog(window.data_dir / "catalog.sqlite").get(result.outcome.run_id)
    assert run.status == "aborted"
    assert_safe(window.station)
    assert not window.station.smu.output_enabled
    text = window.state.text()
    assert "aborted" in text and "instruments in the safe state" in text


def test_a_bad_parameter_shows_its_message_and_queues_nothing(qtbot, window):
    catalog = Catalog(window.data_dir / "catalog.sqlite")
    assert queue(qtbot, window, "IntegrateAndFire", duty=1.5) is None
    message = window.procedures.message.text()
    assert message == "Duty cycle (duty) = '1.5' is not allowed: allowed 0.001 to 0.999"
    assert window.procedures.form.edits["duty"].styleSheet() != ""
    assert window.procedures.form.edits["packages"].styleSheet() == ""
    # A plan the instrument cannot hold is refused the same way, naming the parameter.
    assert queue(qtbot, window, "IVSweep", step_v=1e-4) is None
    assert "Voltage step (step_v)" in window.procedures.message.text()
    assert "the SMU list holds 2500" in window.procedures.message.text()
    assert window.queue.pending() == [] and window.queue.current is None
    assert catalog.runs() == []
    assert window.queue_list.count() == 0


def test_pulse_run_shows_the_setup_change_traces_and_spike_markers(qtbot, window, finish):
    job = queue(qtbot, window, "IntegrateAndFire", "W1-D8")
    result = finish(job)
    assert result.outcome is not None and result.outcome.status == "finished", result.error
    # The simulated bench recabled itself; the dialog only informs (non-modal).
    assert any("AWG → 2e+06 Ω → device → TIA" in m for m in window.prompt.messages)
    assert window.prompt.dialog is not None and not window.prompt.dialog.isModal()
    assert "pulse path" in window.station_panel.setup_label.text()
    assert "2 MΩ" in window.station_panel.setup_label.text()

    panel = window.panel
    assert isinstance(panel, PulsePanel)
    rows = load_rows(result.outcome.results_path)
    x, y = panel.rows.data()
    np.testing.assert_allclose(x, rows["Start (s)"])
    np.testing.assert_allclose(y, rows["Peak current (A)"])
    t, i = panel.i_curve.getOriginalDataset()
    assert t.size > 1000 and np.nanmax(i) > panel.spike_threshold_a
    spike_t, _ = panel.spikes.getData()
    # Every marked onset lies in a pulse the procedure counted a spike in.
    assert len(spike_t) == rows["Spikes"].sum() > 0


def test_queued_runs_play_in_order(qtbot, window, finish):
    order = []
    window.queue.job_started.connect(lambda job: order.append(job.number))
    jobs = [queue(qtbot, window, "IVSweep", cycles=n, step_v=0.05) for n in (2, 1, 3)]
    assert window.queue_list.count() >= 2  # the running job and those waiting
    results = [finish(job) for job in jobs]
    assert order == [job.number for job in jobs]
    assert all(r.outcome.status == "finished" for r in results)
    runs = Catalog(window.data_dir / "catalog.sqlite").runs()
    assert [r.parameters["cycles"] for r in runs] == [2, 1, 3]


def test_clear_drops_waiting_runs_and_abort_stops_the_running_one(qtbot, window, finish):
    running = queue(qtbot, window, "IVSweep", cycles=5000, step_v=0.05)
    waiting = [queue(qtbot, window, "IVSweep", cycles=1, step_v=0.05) for _ in range(2)]
    qtbot.waitUntil(lambda: window.running is running, timeout=10_000)
    qtbot.mouseClick(window.findChild(QtWidgets.QPushButton, "clear_queue"),
                     QtCore.Qt.LeftButton)
    assert window.queue.pending() == []
    qtbot.mouseClick(window.abort_button, QtCore.Qt.LeftButton)
    assert finish(running).outcome.status == "aborted"
    qtbot.wait(300)
    assert all(job.number not in window.results for job in waiting)
    assert len(Catalog(window.data_dir / "catalog.sqlite").runs()) == 1


def test_an_archived_data_folder_is_browsed_and_queues_nothing(qtbot, new_station, tmp_path,
                                                                monkeypatch):
    data = tmp_path / "archive"
    catalog = Catalog(data / "catalog.sqlite")
    catalog.finish(catalog.start("IVSweep", {"cycles": 1}, device_id="W1-D1"), "finished")
    del catalog
    before = sorted(p.name for p in data.iterdir())
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root ignores mode bits
    window = MainWindow(new_station(), data)
    qtbot.addWidget(window)
    assert window.browser.table.rowCount() == 1
    assert window.browser.table.item(0, 2).text() == "finished"
    assert queue(qtbot, window, "IVSweep", cycles=1) is None
    assert "read-only (archived) data folder" in window.procedures.message.text()
    assert sorted(p.name for p in data.iterdir()) == before  # nothing written, no -wal
