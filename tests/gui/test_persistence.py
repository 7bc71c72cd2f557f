"""What the window remembers between sessions (issue 20 item 6): the parameters of each
procedure, the device and operator, the data folder, the layout; the data-folder chooser."""

from __future__ import annotations

import os

import pytest

from labmem.catalog import Catalog
from labmem.gui.main_window import MainWindow


def reopen(qtbot, station, data_dir=None):
    """A new window on the same station, as after restarting `labmem gui`."""
    win = MainWindow(station, data_dir)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.station_panel.rows is not None)
    return win


def test_parameters_restored_after_reopening_the_window(qtbot, window):
    window.procedures.select("IVSweep").set_values({"cycles": 7, "step_v": 0.02})
    window.procedures.select("IntegrateAndFire").set_values({"packages": 3})
    window.procedures.device.setText("W3-D12-A4")
    window.procedures.operator.setText("Ada")
    window.close()
    again = reopen(qtbot, window.station)
    assert again.procedures.choice.currentText() == "IntegrateAndFire"
    assert again.procedures.form.values()["packages"] == "3"
    assert again.procedures.device.text() == "W3-D12-A4"
    assert again.procedures.operator.text() == "Ada"
    iv = again.procedures.select("IVSweep").values()
    assert (iv["cycles"], iv["step_v"]) == ("7", "0.02")
    again.close()


def test_the_data_folder_and_the_layout_are_restored(qtbot, window, tmp_path):
    folder = tmp_path / "elsewhere"
    assert window.set_data_folder(folder)
    window.resize(1300, 1050)
    qtbot.waitUntil(lambda: window.width() == 1300)
    columns, left = window.splitters
    columns.setSizes([600, 700])
    left.setSizes([500, 200])
    sizes = (columns.sizes(), left.sizes())
    window.close()
    again = reopen(qtbot, window.station)  # no --data: the last session's folder
    assert again.data_dir == folder.resolve()
    assert (again.splitters[0].sizes(), again.splitters[1].sizes()) == sizes
    assert (again.width(), again.height()) == (1300, 1050)
    again.close()


def test_a_new_data_folder_takes_the_runs_and_its_catalog_is_browsed(qtbot, window, finish,
                                                                     tmp_path):
    folder = tmp_path / "day2"
    assert window.set_data_folder(folder)
    window.procedures.device.setText("W1-D1-A1")
    window.procedures.select("IVSweep").set_values({"cycles": 1})
    assert window.data_folder.pattern.text() == \
        "New runs: IVSweep_W1-D1-A1_<date>_<time>_000.csv, .h5"
    result = finish(window.queue_from_form())
    assert result.outcome.results_path.parent == folder
    (run,) = Catalog(folder / "catalog.sqlite").runs()
    assert [r.id for r in window.browser.runs] == [run.id]
    assert Catalog(tmp_path / "data" / "catalog.sqlite").runs() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_data_folder_is_refused_with_the_reason(qtbot, window, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert not window.set_data_folder(folder)
    finally:
        folder.chmod(0o700)
    assert "is not writable" in window.data_folder.message.text()
    assert window.data_dir == tmp_path / "data"


def test_a_file_is_refused_as_data_folder(qtbot, window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("")
    assert not window.set_data_folder(path)
    assert window.data_folder.message.text() == f"{path} is a file, not a folder"
    assert window.data_dir == tmp_path / "data"


def test_a_folder_that_cannot_be_made_is_refused_with_the_reason(qtbot, window, tmp_path):
    (tmp_path / "notes.txt").write_text("")
    assert not window.set_data_folder(tmp_path / "notes.txt" / "runs")
    assert window.data_folder.message.text().startswith(
        f"{tmp_path / 'notes.txt' / 'runs'} cannot be made: ")
    assert window.data_dir == tmp_path / "data"
