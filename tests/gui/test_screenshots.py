"""The screenshot script renders the window during an I(V) run and a pulse run."""

from __future__ import annotations

from PyQt5 import QtGui

from labmem.gui.screenshots import WINDOW_SIZE, render


def test_screenshots_of_an_iv_run_and_a_pulse_run(qtbot, tmp_path):
    paths = render(tmp_path, iv_cycles=4, packages=6)
    assert [p.name for p in paths] == ["iv_run.png", "pulse_run.png"]
    for path in paths:
        image = QtGui.QImage(str(path))
        assert (image.width(), image.height()) == WINDOW_SIZE
        # A rendered window, not a blank one: many distinct colours.
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
                   for y in range(0, image.height(), 7)}
        assert len(colours) > 50
