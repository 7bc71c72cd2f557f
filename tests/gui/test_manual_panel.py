"""The manual Read/Pulse panel on the simulated bench: each action a catalogued run drawn in
the history, refusals that send nothing, and the panel and the queue never sharing the
station."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5 import QtGui

from labmem.gui.screenshots import WINDOW_SIZE, render_manual
from labmem.summaries import load_rows


@pytest.fixture
def act(qtbot, window):
    """act(job): wait until the panel has shown the end of its action; the catalogued run."""
    def wait(job):
        assert job is not None, window.manual.message.text()
        qtbot.waitUntil(lambda: job.number in window.results
                        and job.number not in window.manual.jobs, timeout=60_000)
        return window.catalog.runs()[-1]
    return wait


@pytest.fixture
def writes(window, monkeypatch):
    """Every message the bench's instruments receive from now on."""
    sent: list[bytes] = []
    for emulator in window.station.bench.instruments.values():
        def record(data, write=emulator.write):
            sent.append(data)
            write(data)
        monkeypatch.setattr(emulator, "write", record)
    return sent


def test_a_manual_read_and_pulse_are_catalogued_and_drawn_in_the_history(window, act,
                                                                         assert_safe):
    panel = window.manual
    assert window.tabs.tabText(window.tabs.indexOf(panel)) == "Manual"
    panel.device.setText("W1-D2-A3")
    panel.read_form.set_values({"read_v": 0.2, "compliance_a": 1e-4})
    run = act(panel.read())
    assert (run.procedure, run.status, run.device_id) == ("ManualRead", "finished", "W1-D2-A3")
    assert (run.parameters["read_v"], run.parameters["compliance_a"]) == (0.2, 1e-4)
    pristine = load_rows(run.results_path).iloc[0]
    assert pristine["Read bias (V)"] == pytest.approx(0.2, rel=1e-3)
    assert pristine["Resistance (ohm)"] > 1e9  # the unformed device

    panel.pulse_form.set_values({"amplitude_v": 2.0, "pulses": 3, "width_s": 1e-3,
                                 "interval_s": 1e-3, "series_ohm": 1e4})
    run = act(panel.pulse())
    assert (run.procedure, run.status) == ("ManualPulse", "finished")
    assert {k: run.parameters[k] for k in ("amplitude_v", "pulses", "series_ohm", "read_v")} \
        == {"amplitude_v": 2.0, "pulses": 3, "series_ohm": 1e4, "read_v": 0.2}
    rows = load_rows(run.results_path)
    assert list(rows["Pulse"]) == [1, 2, 3]
    after = rows["Resistance (ohm)"].iloc[0]
    assert after < 1e6  # the pulses set the device

    x, r = panel.plotted()
    np.testing.assert_array_equal(x, [1, 2])
    np.testing.assert_allclose(r, [pristine["Resistance (ohm)"], after])
    assert [p.kind for p in panel.history] == ["read", "+"]
    assert panel.history_marks["+"].getOriginalDataset()[1].tolist() == [after]
    t, v = panel.v_curve.getOriginalDataset()
    assert v.max() == pytest.approx(2.0, rel=0.01) and t.size > 100  # the AWG burst
    assert "R = " in panel.result.text() and "3 × 2 V" in panel.result.text()
    panel.x_axis.setCurrentText("Time")
    x, _ = panel.plotted()
    assert 0 < x[0] < x[1]  # on the station's (virtual) clock
    assert_safe(window.station)


@pytest.mark.parametrize(("form", "values", "message", "field"), [
    ("read_form", {"read_v": 50}, "Read bias (read_v) = '50' is not allowed: allowed -5 to 5 V",
     "read_v"),
    ("read_form", {"compliance_a": 2.0}, "outside the Keithley 2450 range", "compliance_a"),
    ("pulse_form", {"amplitude_v": 15}, "the waveform is not allowed on the AWG", None),
    ("pulse_form", {"series_ohm": 3e3}, "Series resistance (series_ohm) = 3000 Ω is not "
                                        "allowed", "series_ohm"),
])
def test_a_refused_input_shows_the_message_and_sends_nothing(window, act, writes, form,
                                                             values, message, field):
    panel = window.manual
    getattr(panel, form).set_values(values)
    action = panel.read if form == "read_form" else panel.pulse
    assert action() is None
    assert message in panel.message.text()
    if field is not None:
        assert getattr(panel, form).edits[field].styleSheet() != ""
    assert writes == [] and window.catalog.runs() == [] and not panel.jobs
    getattr(panel, form).set_values(
        {name: getattr(panel, form).parameters[name].default for name in values})
    act(action())  # the same action with allowed values talks to the instruments
    assert writes and panel.message.text() == ""


def test_the_panel_is_disabled_while_a_run_holds_the_station_and_vice_versa(qtbot, window,
                                                                             act, finish):
    panel = window.manual
    window.procedures.select("IVSweep").set_values({"cycles": 2, "step_v": 0.02})
    job = window.queue_from_form()
    assert not panel.controls.isEnabled()  # waiting counts: the run will take the station
    assert "A queued run holds the station" in panel.state.text()
    assert panel.read() is None and "a run holds the station" in panel.message.text()
    assert finish(job).outcome.status == "finished"
    qtbot.waitUntil(panel.controls.isEnabled)
    assert panel.state.isHidden()

    form_button = []  # the form's Queue run while the panel's action holds the station
    panel.holding.connect(lambda held: form_button.append(
        (held, window.procedures.queue_button.isEnabled())))
    job = panel.read()
    assert not panel.controls.isEnabled()  # no second action while this one waits or runs
    act(job)
    assert form_button == [(True, False), (False, True)]
    qtbot.waitUntil(panel.controls.isEnabled)


def test_the_screenshot_shows_the_manual_tab_after_its_actions(qtbot, tmp_path):
    path = render_manual(tmp_path, [("read", {}), ("pulse", {"amplitude_v": 2.0})])
    image = QtGui.QImage(str(path))
    assert (path.name, image.width(), image.height()) == ("manual_panel.png", *WINDOW_SIZE)
