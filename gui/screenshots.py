"""Render the main window during an I(V) run and during a pulse run on the simulated bench, its
manual Read/Pulse panel after a few actions, the wafer map and a device's history after a small
campaign, and its Campaign tab after a small population campaign, to PNG files, as the docs
show them:

    QT_QPA_PLATFORM=offscreen python -m labmem.gui.screenshots docs/screenshots
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PyQt5 import QtCore

from labmem.campaigns.executors import run_campaign
from labmem.campaigns.spec import Campaign
from labmem.gui.app import application
from labmem.gui.live_plots import IVPanel, PulsePanel
from labmem.gui.main_window import MainWindow
from labmem.station import Station

WINDOW_SIZE = (1440, 1000)


def wait_for(condition: Callable[[], bool], timeout_s: float = 300.0) -> None:
    """Run the event loop until condition() holds; TimeoutError after timeout_s."""
    app = application()
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the state to capture")
        app.processEvents()
        time.sleep(0.01)


@contextmanager
def shown_window(before: Callable[[Path], object] | None = None) -> Iterator[MainWindow]:
    """The main window on the simulated bench at WINDOW_SIZE, its instruments identified, with
    a data folder and settings of its own (the default layout, not the user's last session);
    before(data folder) runs first (e.g. a campaign the window then shows). Closed after."""
    application()
    with tempfile.TemporaryDirectory() as tmp:
        QtCore.QSettings.setPath(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope, tmp)
        data = Path(tmp) / "data"
        if before is not None:
            before(data)
        window = MainWindow(Station(), data)
        window.resize(*WINDOW_SIZE)
        window.show()
        try:
            wait_for(lambda: window.station_panel.rows is not None)  # instruments identified
            yield window
        finally:
            window.close()


def output_folder(out_dir: str | Path) -> Path:
    """out_dir as a Path, created when missing."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


def render(out_dir: str | Path, iv_cycles: int = 30, packages: int = 16) -> list[Path]:
    """iv_run.png (half-way through an IVSweep of iv_cycles) and pulse_run.png (an
    IntegrateAndFire of packages, its burst drawn) in out_dir; returns their paths."""
    out = output_folder(out_dir)
    with shown_window() as window:
        window.procedures.select("IVSweep").set_values({"cycles": iv_cycles})
        window.procedures.device.setText("W3-D12-A4")
        iv = window.queue_from_form()
        wait_for(lambda: isinstance(window.panel, IVPanel)
                 and len(window.panel.vsets) >= iv_cycles // 2)
        paths = [out / "iv_run.png"]
        window.grab().save(str(paths[-1]))
        window.procedures.select("IntegrateAndFire").set_values({"packages": packages})
        pulse = window.queue_from_form()
        wait_for(lambda: iv.number in window.results)
        wait_for(lambda: isinstance(window.panel, PulsePanel)
                 and window.panel.rows.curves != {})
        paths.append(out / "pulse_run.png")
        window.grab().save(str(paths[-1]))
        wait_for(lambda: pulse.number in window.results)
    return paths


MANUAL_ACTIONS: list[tuple[str, dict[str, float]]] = [
    ("read", {}), ("pulse", {"amplitude_v": 2.0, "pulses": 3}), ("read", {}),
    ("pulse", {"amplitude_v": -2.0, "pulses": 3}), ("read", {}),
    ("pulse", {"amplitude_v": 2.5, "pulses": 1}), ("pulse", {"amplitude_v": -1.5, "pulses": 2}),
    ("pulse", {"amplitude_v": 2.0, "pulses": 5})]
"""Reads and pulses (1 ms wide, 1 ms apart, through 1 kΩ) that set, reset and set again the
simulated device (read at 0.1 V, 1 mA compliance)."""


def render_manual(out_dir: str | Path,
                  actions: list[tuple[str, dict[str, float]]] = MANUAL_ACTIONS) -> Path:
    """manual_panel.png in out_dir: the Manual tab after the actions; returns its path."""
    out = output_folder(out_dir)
    with shown_window() as window:
        panel = window.manual
        window.tabs.setCurrentWidget(panel)
        panel.device.setText("W3-D12-A4")
        panel.read_form.set_values({"compliance_a": 1e-3})
        panel.pulse_form.set_values({"width_s": 1e-3, "interval_s": 1e-3, "series_ohm": 1e3})
        for kind, values in actions:
            panel.pulse_form.set_values(values)
            job = panel.read() if kind == "read" else panel.pulse()
            if job is None:
                raise RuntimeError(f"{kind} {values} refused: {panel.message.text()}")
            wait_for(lambda job=job: job.number not in panel.jobs)
        path = out / "manual_panel.png"
        window.grab().save(str(path))
    return path


MAP_CAMPAIGN = """\
campaign: wafer-map
devices:
{devices}
steps:
  - name: iv
    procedure: IVSweep
    parameters: {{cycles: 4}}
    repeats: 3
"""
"""Twelve simulated devices on two dies of wafer W3, three short I(V) runs each."""
MAP_DEVICES = [f"  - {{wafer: W3, die: D{die}, device: {row}{col}}}"
               for die in (1, 2) for row in "AB" for col in (1, 2, 3)]


def render_map(out_dir: str | Path) -> list[Path]:
    """wafer_map.png (the Wafer map tab after a campaign on twelve simulated devices, coloured
    by the Vset mean) and device_history.png (one device's history) in out_dir."""
    out = output_folder(out_dir)
    campaign = Campaign.from_text(MAP_CAMPAIGN.format(devices="\n".join(MAP_DEVICES)))
    with shown_window(lambda data: run_campaign(campaign, data, show_progress=False)) as window:
        window.tabs.setCurrentWidget(window.wafer_map)
        window.wafer_map.figure.setCurrentText("IVSweep · vset mean [V]")
        for _ in range(5):  # the plot's layout settles (title, axis labels)
            application().processEvents()
        paths = [out / "wafer_map.png", out / "device_history.png"]
        window.grab().save(str(paths[0]))
        history = window.wafer_map.open_history("W3-D1-A2")
        history.figure.setCurrentText("IVSweep · vset mean [V]")
        history.against.setCurrentText("run (in order)")
        wait_for(lambda: history.isVisible())
        for _ in range(5):
            application().processEvents()
        history.window().grab().save(str(paths[1]))
    return paths


DEMO_CAMPAIGN = """\
# Four simulated devices: forming, E2 training, integrate-and-fire.
campaign: population-demo
description: a small population, as docs/examples/population.yaml
population: {count: 4, seed: 2026}
steps:
  - name: forming
    procedure: IVSweep
    parameters: {cycles: 1, v_pos: 3.0, step_v: 0.02}
    require: {metric: set_fraction, above: 0}   # a device that never sets is skipped
  - name: training
    procedure: ComplianceLadderTraining
    parameters: {cycles: 6, ladder_cycles: 1, first_fire_v: 0}
    until: {metric: vset_std_v, block: "volatile, trained", below: 0.05}
    max_repeats: 2
  - name: neuron
    procedure: IntegrateAndFire
    parameters: {packages: 6}
"""
"""The campaign the Campaign tab's screenshot runs."""


def render_campaign(out_dir: str | Path, text: str = DEMO_CAMPAIGN) -> Path:
    """campaign_panel.png in out_dir: the Campaign tab after running text; returns its path."""
    out = output_folder(out_dir)
    with shown_window() as window:
        panel = window.campaigns
        window.tabs.setCurrentWidget(panel)
        path = window.data_dir.parent / "population-demo.yaml"  # beside the data folder
        path.write_text(text, encoding="utf-8")
        panel.editor.open_file(path)
        if not panel.start():
            raise RuntimeError(f"campaign refused: {panel.editor.refusals}")
        wait_for(lambda: panel.running is None)
        shot = out / "campaign_panel.png"
        window.grab().save(str(shot))
    return shot


def main(argv: list[str] | None = None) -> int:
    """Command line: the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots")
    args = parser.parse_args(argv)
    for path in [*render(args.out), render_manual(args.out), *render_map(args.out),
                 render_campaign(args.out)]:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
