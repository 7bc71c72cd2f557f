"""The Campaign tab on the simulated bench: a population campaign run from the window with its
progress table filled, refusals at their line while typing, abort and resume, and the
operator's probe-move prompt holding only the campaign."""

from __future__ import annotations

import json
import threading

import pytest
from PyQt5 import QtCore, QtGui, QtWidgets

from labmem.catalog import Catalog
from labmem.gui.screenshots import WINDOW_SIZE, render_campaign
from labmem.station import Station

CAMPAIGN_TIMEOUT_MS = 60_000
POPULATION = """\
campaign: pop
population: {count: 3, seed: 5}
steps:
  - name: forming
    procedure: IVSweep
    parameters: {cycles: 1, v_pos: 3.0, step_v: 0.02}
    require: {metric: set_fraction, above: 0}
  - name: neuron
    procedure: IntegrateAndFire
    parameters: {packages: 4}
"""


@pytest.fixture
def panel(window):
    """The window's Campaign tab, shown."""
    window.tabs.setCurrentWidget(window.campaigns)
    return window.campaigns


def open_text(panel, tmp_path, text, name="pop.yaml"):
    path = tmp_path / name
    path.write_text(text)
    panel.editor.open_file(path)
    return path


def wait_end(qtbot, panel):
    qtbot.waitUntil(lambda: panel.running is None and not panel.outcome.isHidden(),
                    timeout=CAMPAIGN_TIMEOUT_MS)


def test_a_population_campaign_runs_from_the_window_and_fills_its_table(qtbot, window,
                                                                         panel, tmp_path):
    assert window.tabs.tabText(window.tabs.indexOf(panel)) == "Campaign"
    open_text(panel, tmp_path, POPULATION)
    assert panel.editor.refusals == [] and "3 devices × 2 steps" in panel.editor.verdict.text()
    assert panel.output_folder() == tmp_path / "data" / "campaigns" / "pop"
    held = []
    panel.holding.connect(lambda h: held.append(
        (h, window.procedures.queue_button.isEnabled(), window.manual.isEnabled())))
    panel.run_button.click()
    assert panel.running is not None and not panel.run_button.isEnabled()
    wait_end(qtbot, panel)
    assert held == [(True, False, False), (False, True, True)]
    table = panel.table
    for device in ("SIM-D0001", "SIM-D0002", "SIM-D0003"):
        assert table.cell(device, "forming").startswith("✓ finished")
        assert table.cell(device, "neuron").startswith("✓ finished")
        assert table.cell(device, "Status") == "complete"
    out = tmp_path / "data" / "campaigns" / "pop"
    summary = json.loads((out / "campaign_summary.json").read_text())
    assert summary == panel.summary
    for device in summary["devices"]:  # the figures of merit shown are the report's
        for name, value in device["figures_of_merit"].items():
            if value is not None:
                assert table.cell(device["device_id"], name) == f"{value:.4g}"
    assert "pulses to fire" in table.figures
    assert panel.bar.value() == panel.bar.maximum() == 6
    assert "3 of 3 devices complete" in panel.outcome.text()
    assert (out / "campaign.yaml").read_text() == POPULATION  # the file as it ran
    assert not panel.run_button.isEnabled() and panel.resume_button.isEnabled()


def test_a_refused_campaign_shows_its_line_cannot_run_and_is_fixed_by_typing(qtbot, panel,
                                                                             tmp_path):
    text = POPULATION.replace("cycles: 1,", "cycles: 1, compliance_a: 5,")
    open_text(panel, tmp_path, text)
    [refusal] = panel.editor.refusals
    assert refusal.line == 6 and "Compliance (compliance_a) = 5 is not allowed" in \
        refusal.message
    assert panel.editor.text.marked == {6: refusal.message}
    assert panel.editor.refusal_list.item(0).text().startswith("line 6: Compliance")
    assert not panel.run_button.isEnabled() and not panel.start()
    panel.editor.refusal_list.itemClicked.emit(panel.editor.refusal_list.item(0))
    assert panel.editor.text.textCursor().blockNumber() == 5  # the cursor on line 6

    cursor = panel.editor.text.textCursor()  # type the fix: 5 A becomes 1 mA
    line = cursor.block().text()
    cursor.movePosition(QtGui.QTextCursor.StartOfBlock)
    cursor.movePosition(QtGui.QTextCursor.Right, n=line.index("5,"))
    cursor.deleteChar()
    panel.editor.text.setTextCursor(cursor)
    qtbot.keyClicks(panel.editor.text, "1e-3")
    assert not panel.run_button.isEnabled()  # unchecked until typing pauses
    qtbot.waitUntil(panel.run_button.isEnabled, timeout=5_000)
    assert panel.editor.refusals == [] and panel.editor.text.marked == {}
    assert not panel.editor.refusal_list.isVisible()

    qtbot.keyClicks(panel.editor.text, "x")  # 1e-3x: refused again, at the same line
    qtbot.waitUntil(lambda: bool(panel.editor.refusals), timeout=5_000)
    assert panel.editor.refusals[0].line == 6 and not panel.run_button.isEnabled()


def test_an_aborted_campaign_resumes_and_completes_the_rest(qtbot, panel, tmp_path):
    open_text(panel, tmp_path, POPULATION)
    reached, go_on = threading.Event(), threading.Event()

    def hold(device, run):  # on the campaign's thread: wait after device 2's first step
        if device.device == "D0002" and not reached.is_set():
            reached.set()
            go_on.wait(30)

    panel.step_ended.connect(hold, QtCore.Qt.DirectConnection)
    panel.run_button.click()
    qtbot.waitUntil(reached.is_set, timeout=CAMPAIGN_TIMEOUT_MS)
    panel.abort_button.click()
    go_on.set()
    wait_end(qtbot, panel)
    assert "aborted" in panel.outcome.text() and "Resume continues it" in \
        panel.outcome.text()
    assert panel.table.cell("SIM-D0002", "neuron") == "✗ aborted"
    assert panel.table.cell("SIM-D0003", "forming") == "waiting"
    out = panel.output_folder()
    runs = Catalog(out / "catalog.sqlite").runs(campaign="pop")
    assert [(r.device_id, r.step, r.status) for r in runs] == [
        ("SIM-D0001", "00.00", "finished"), ("SIM-D0001", "01.00", "finished"),
        ("SIM-D0002", "00.00", "finished"), ("SIM-D0002", "01.00", "aborted")]
    assert not panel.run_button.isEnabled() and panel.resume_button.isEnabled()
    assert "holds 4 runs of pop: Resume" in panel.state.text()

    panel.resume_button.click()
    wait_end(qtbot, panel)
    assert "3 of 3 devices complete" in panel.outcome.text()
    assert panel.table.cell("SIM-D0001", "forming") == "↺ ✓ finished, reused"
    assert panel.table.cell("SIM-D0002", "forming") == "↺ ✓ finished, reused"
    assert panel.table.cell("SIM-D0002", "neuron") == "✓ finished"
    assert panel.table.cell("SIM-D0003", "Status") == "complete"
    finished = [(r.device_id, r.step) for r in Catalog(out / "catalog.sqlite").runs(
        campaign="pop") if r.status == "finished"]
    assert sorted(finished) == sorted({(f"SIM-D000{d}", f"0{s}.00") for d in (1, 2, 3)
                                       for s in (0, 1)})  # each step finished once


ON_STATION = """\
campaign: wafer
station: station.yaml
devices:
  - {wafer: W3, die: D12, device: A4, x_um: 1200, y_um: 300}
  - {wafer: W3, die: D12, device: A5, x_um: 1400, y_um: 300}
steps:
  - {name: iv, procedure: IVSweep, parameters: {cycles: 1, step_v: 0.05}}
"""


def start_on_station(panel, tmp_path, new_bench, monkeypatch):
    """Run ON_STATION on a station that passes for real instruments (the operator is asked)."""
    (tmp_path / "station.yaml").write_text(
        f'visa_library: "{new_bench()}"\nroles:\n  smu: {{driver: keithley2450, resource: '
        '"USB0::0x05E6::0x2450::04412345::INSTR"}\n')
    open_text(panel, tmp_path, ON_STATION, "wafer.yaml")
    assert panel.editor.campaign is not None, panel.editor.refusals
    monkeypatch.setattr(Station, "simulated", property(lambda self: False))  # as if real
    panel.run_button.click()


def test_the_probe_move_prompt_holds_the_campaign_only(qtbot, window, panel, tmp_path,
                                                       new_bench, monkeypatch):
    start_on_station(panel, tmp_path, new_bench, monkeypatch)
    qtbot.waitUntil(lambda: panel.prompt.dialog is not None, timeout=CAMPAIGN_TIMEOUT_MS)
    dialog = panel.prompt.dialog
    assert "Move the probes to device W3-D12-A4 at x = 1200 µm, y = 300 µm" in dialog.text()
    assert not dialog.isModal()
    assert panel.table.cell("W3-D12-A4", "Status") == "waiting for the operator"
    ticks = []  # the GUI's event loop goes on while the campaign waits
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5_000)
    window.tabs.setCurrentIndex(0)  # and the window answers
    assert window.tabs.currentIndex() == 0
    window.tabs.setCurrentWidget(panel)
    assert not (tmp_path / "data" / "campaigns" / "wafer" / "data").exists()  # no run yet
    assert panel.running is not None and panel.thread.is_alive()

    [ok] = [b for b in dialog.buttons() if b.text() == "OK"]
    ok.click()
    qtbot.waitUntil(lambda: panel.prompt.dialog is not None
                    and "A5" in panel.prompt.dialog.text(), timeout=CAMPAIGN_TIMEOUT_MS)
    assert panel.table.cell("W3-D12-A4", "iv") == "✓ finished"
    [abort] = [b for b in panel.prompt.dialog.buttons() if b.text() == "Abort campaign"]
    abort.click()
    wait_end(qtbot, panel)
    assert "the operator aborted the campaign at: Move the probes to device W3-D12-A5" in \
        panel.outcome.text()
    assert panel.table.cell("W3-D12-A5", "iv") == "waiting"
    assert panel.prompt.messages == [
        "Move the probes to device W3-D12-A4 at x = 1200 µm, y = 300 µm.",
        "Move the probes to device W3-D12-A5 at x = 1400 µm, y = 300 µm."]


def test_the_screenshot_shows_the_campaign_tab_after_its_run(qtbot, tmp_path):
    path = render_campaign(tmp_path, POPULATION)
    image = QtGui.QImage(str(path))
    assert (path.name, image.width(), image.height()) == ("campaign_panel.png", *WINDOW_SIZE)


def test_closing_during_a_campaign_asks_then_aborts_it(qtbot, window, panel, tmp_path,
                                                       new_bench, monkeypatch):
    start_on_station(panel, tmp_path, new_bench, monkeypatch)
    qtbot.waitUntil(lambda: panel.prompt.dialog is not None, timeout=CAMPAIGN_TIMEOUT_MS)
    thread, asked, press = panel.thread, [], []

    def exec_(box):  # the question on closing, answered with the button in press
        asked.append(box.windowTitle())
        next(b for b in box.buttons() if b.text() == press[-1]).click()
        return 0

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec_", exec_)
    press.append("Cancel")
    window.close()
    assert asked == ["Abort the running run?"] and window.isVisible() and thread.is_alive()
    press.append("Abort and close")
    window.close()
    assert len(asked) == 2 and not window.isVisible() and not thread.is_alive()


def test_a_campaign_run_from_the_window_fills_the_map_and_opens_a_history(qtbot, window, panel,
                                                                           tmp_path):
    """Issue 20: a 3-device population campaign run from the Campaign tab; the Wafer map offers
    its folder, shows its three devices coloured by a figure of merit, and a device's history
    holds that device's two runs."""
    open_text(panel, tmp_path, POPULATION)
    panel.run_button.click()
    wait_end(qtbot, panel)
    wafer_map = window.wafer_map
    window.tabs.setCurrentWidget(wafer_map)  # shown: re-reads the catalogs
    folder = "pop (campaign folder)"
    assert folder in [wafer_map.source.itemText(k) for k in range(wafer_map.source.count())]
    wafer_map.source.setCurrentText(folder)
    wafer_map.refresh()
    assert sorted(wafer_map.devices) == ["SIM-D0001", "SIM-D0002", "SIM-D0003"]
    figure = "IVSweep · vset mean [V]"
    assert figure in [wafer_map.figure.itemText(k) for k in range(wafer_map.figure.count())]
    wafer_map.figure.setCurrentText(figure)
    expected = {d["device_id"]: d["figures_of_merit"]["Vset forming mean (V)"]
                for d in panel.summary["devices"]}  # the report's figure, computed its way
    for device, value in expected.items():
        assert wafer_map.devices[device][figure] == pytest.approx(value)
    history = wafer_map.open_history("SIM-D0002")
    assert [run.procedure for run in history.runs] == ["IVSweep", "IntegrateAndFire"]
    assert all(run.campaign == "pop" for run in history.runs)
