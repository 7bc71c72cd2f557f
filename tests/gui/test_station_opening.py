"""The window opens its station off the GUI thread and queues no run onto a station whose
instruments did not answer."""

from __future__ import annotations

import socket

from labmem.catalog import Catalog
from labmem.gui.main_window import MainWindow
from labmem.station import Station
from labmem.station_file import StationConfig


def test_a_silent_smu_leaves_the_window_responsive_and_its_runs_unqueued(qtbot, tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        resource = f"TCPIP0::127.0.0.1::{server.getsockname()[1]}::SOCKET"
        config = StationConfig.from_text(
            f'visa_library: "@py"\nroles:\n  smu: {{driver: keithley2450, resource: '
            f'"{resource}", timeout_ms: 300}}\n', "lab.yaml")
        window = MainWindow(Station(config), tmp_path / "data")
        qtbot.addWidget(window)
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
