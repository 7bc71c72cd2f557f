"""The probe-station main window: station panel, procedure form and run queue on the left;
live plots and the run browser on the right; the log below; run state in the status bar."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets
from pyvisa.errors import VisaIOError

from labmem.catalog import Catalog
from labmem.gui.campaign_panel import CampaignPanel
from labmem.gui.data_folder import DataFolderBar, folder_problem
from labmem.gui.estimates import remember_run
from labmem.gui.live_plots import LivePanel, panel_for
from labmem.gui.log_pane import LogPane
from labmem.gui.manual_panel import ManualPanel
from labmem.gui.procedure_panel import ProcedurePanel, format_duration
from labmem.gui.run_browser import RunBrowser
from labmem.gui.run_queue import Job, JobResult, RunQueue, ready_to_queue
from labmem.gui.settings import load_json, restore_layout, save_json, save_layout
from labmem.gui.setup_prompt import SetupPrompt
from labmem.gui.station_panel import StationPanel, describe_active_setup
from labmem.gui.wafer_map import WaferMap
from labmem.station import Station

log = logging.getLogger(__name__)

DRAIN_INTERVAL_MS = 100
"""How often the live plots take what the running job measured."""


class MainWindow(QtWidgets.QMainWindow):
    """Everything at the probe station in one window, on one station and data directory."""

    def __init__(self, station: Station, data_dir: str | Path | None = None) -> None:
        """data_dir None: the folder of the last session (./data the first time)."""
        super().__init__()
        self.station = station
        self.data_dir = Path(data_dir or load_json("data_folder", "data"))
        path = self.data_dir / "catalog.sqlite"
        self.archive = path.is_file() and not os.access(self.data_dir, os.W_OK)
        """An archived (read-only) data folder: its runs are browsed, none is queued."""
        self.catalog = Catalog(path, read_only=self.archive)
        kind = "simulated bench" if station.simulated else "real instruments"
        self.setWindowTitle(f"labmem · {station.config.source} · {kind}")
        self.prompt = SetupPrompt(station, self)
        self.station_panel = StationPanel(station)
        self.station_panel.check_button.clicked.connect(self.check_station)
        self.procedures = ProcedurePanel(station=station.config.source)
        self.procedures.queue_requested.connect(self.queue_from_form)
        self.data_folder = DataFolderBar()
        self.data_folder.chosen.connect(self.set_data_folder)
        self.data_folder.show_folder(self.data_dir)
        self.procedures.choice.currentTextChanged.connect(self._show_next_name)
        self.procedures.device.textChanged.connect(self._show_next_name)
        self._show_next_name()
        self.queue_list = QtWidgets.QListWidget()
        self.queue_list.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.queue_list.setTextElideMode(QtCore.Qt.ElideMiddle)
        self.queue_list.setMinimumHeight(44)
        abort = QtWidgets.QPushButton("Abort run")
        abort.setStyleSheet("QPushButton { color: #b00000; font-weight: bold; }")
        abort.clicked.connect(self.abort)
        clear = QtWidgets.QPushButton("Clear queue")
        clear.setObjectName("clear_queue")
        clear.clicked.connect(self.clear_queue)
        self.abort_button = abort

        queue_box = QtWidgets.QGroupBox("Queue")
        queue_layout = QtWidgets.QVBoxLayout(queue_box)
        queue_layout.addWidget(self.queue_list)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(abort)
        buttons.addWidget(clear)
        queue_layout.addLayout(buttons)

        left = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        left.setObjectName("left_column")
        left.addWidget(self.procedures)
        left.addWidget(queue_box)
        left.setStretchFactor(0, 1)
        left.setSizes([680, 130])
        left_column = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left_column)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.data_folder)
        left_layout.addWidget(left, 1)

        self.live_title = QtWidgets.QLabel("No run yet: choose a procedure and queue it.")
        self.live_title.setStyleSheet("font-weight: bold; padding: 2px;")
        self.live_area = QtWidgets.QStackedWidget()
        self.panel: LivePanel | None = None
        live = QtWidgets.QWidget()
        live_layout = QtWidgets.QVBoxLayout(live)
        live_layout.setContentsMargins(0, 0, 0, 0)
        live_layout.addWidget(self.live_title)
        live_layout.addWidget(self.live_area, 1)
        self.browser = RunBrowser(self.catalog)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(live, "Live plots")
        self.tabs.addTab(self.browser, "Runs")

        splitter = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        splitter.setObjectName("columns")
        splitter.addWidget(left_column)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 900])
        self.setCentralWidget(splitter)
        self.splitters = (splitter, left)
        """Their sizes are remembered between sessions."""

        self._dock("Station", self.station_panel, QtCore.Qt.TopDockWidgetArea)
        self.log_pane = LogPane()
        log_dock = self._dock("Log", self.log_pane, QtCore.Qt.BottomDockWidgetArea)
        self.resizeDocks([log_dock], [110], QtCore.Qt.Vertical)  # the form needs the height

        self.state = QtWidgets.QLabel("Idle")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addWidget(self.state, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.prompt.informed.connect(self._setup_changed)

        self.queue = RunQueue(station, self.data_dir, self.catalog, self)
        self.queue.job_started.connect(self._job_started)
        self.queue.job_finished.connect(self._job_finished)
        self.queue.queue_changed.connect(self._show_queue)
        self.running: Job | None = None
        self.submitted: list[Job] = []
        """Every job queued from this window, in order."""
        self.results: dict[int, JobResult] = {}
        """How each ended job ended, by job number."""
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(DRAIN_INTERVAL_MS)
        self.timer.timeout.connect(self.drain)
        self.timer.start()
        self._closing_without_asking = False
        self.manual = ManualPanel(station, self.queue, self.station_panel.problem, self.archive)
        self.manual.holding.connect(lambda held: self.procedures.queue_button.setEnabled(not held))
        self.tabs.addTab(self.manual, "Manual")
        self.wafer_map = WaferMap(self.catalog)
        self.tabs.addTab(self.wafer_map, "Wafer map")
        self.campaigns = CampaignPanel(self.queue, lambda: self.data_dir)
        for held_off in (self.procedures.queue_button, self.manual, self.station_panel):
            self.campaigns.holding.connect(lambda held, w=held_off: w.setEnabled(not held))
        self.tabs.addTab(self.campaigns, "Campaign")
        self.resize(1440, 1000)
        restore_layout(self, self.splitters)

    def _dock(self, title: str, widget: QtWidgets.QWidget,
              area: QtCore.Qt.DockWidgetArea) -> QtWidgets.QDockWidget:
        """A movable, floatable (not closable) dock holding widget."""
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetMovable
                         | QtWidgets.QDockWidget.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    # -- queueing -------------------------------------------------------------------------

    def queue_from_form(self) -> Job | None:
        """Check the form's procedure against the station and queue it; on a refusal (a bad
        parameter, a station not yet open, a role whose instrument is missing or another
        model), show the message by the form and queue nothing."""
        panel = self.procedures
        try:
            if self.archive:
                raise ValueError(f"{self.data_dir} is a read-only (archived) data folder: its "
                                 "runs can be browsed; a new run needs a folder labmem can "
                                 "write (labmem gui --data FOLDER)")
            procedure = panel.procedure()
            device_id = ready_to_queue(procedure, self.station, self.station_panel.problem,
                                       panel.device.text())
        except (ValueError, VisaIOError) as err:  # refused, or an instrument is not there
            panel.show_problem(str(err))
            self.state.setText(f"Not queued: {err}")
            return None
        panel.show_problem(None)
        panel.remember()
        job = self.queue.submit(procedure, device_id, operator=panel.operator.text().strip(),
                                note=panel.note.text().strip())
        self.submitted.append(job)
        log.info("queued %s (about %s on the instruments)", job.label(),
                 format_duration(float(procedure.get_estimates())))
        return job

    def set_data_folder(self, folder: Path) -> bool:
        """Write new runs to folder and browse its catalog; refused (False, the reason shown)
        while a run goes or waits, or when labmem cannot write there."""
        problem = ("the data folder changes when the queue is empty" if self.queue.busy
                   else folder_problem(folder))
        self.data_folder.show_problem(problem)
        if problem is not None:
            self.state.setText(f"Data folder not changed: {problem}")
            return False
        self.data_dir, self.archive = folder, False
        self.catalog = Catalog(folder / "catalog.sqlite")
        self.queue.data_dir, self.queue.catalog = folder, self.catalog
        self.browser.catalog = self.wafer_map.catalog = self.catalog
        self.browser.refresh()
        self.data_folder.show_folder(folder)
        self.state.setText(f"New runs go to {folder.resolve()}")
        log.info("data folder: %s", folder.resolve())
        return True

    def _show_next_name(self) -> None:
        self.data_folder.show_next(self.procedures.choice.currentText(),
                                   self.procedures.device.text().strip())

    def check_station(self) -> None:
        """Open and identify the instruments again (e.g. after plugging one in); not while a
        run goes or waits, as the check talks to the instruments."""
        if self.queue.busy:
            self.state.setText("Instruments are checked when the queue is empty")
            return
        self.station_panel.check()

    def abort(self) -> None:
        """Stop the running job; the runner leaves every instrument in its safe state."""
        if self.queue.abort():
            self.state.setText(f"Aborting {self.running.label() if self.running else 'run'}…")

    def clear_queue(self) -> None:
        """Drop the waiting jobs (the running one goes on)."""
        self.queue.clear()

    def _show_queue(self) -> None:
        self.queue_list.clear()
        current = self.queue.current
        if current is not None:
            self.queue_list.addItem(f"▶ {current.label()}")
        pending = self.queue.pending()
        for job in pending:
            self.queue_list.addItem(f"   {job.label()}")
        if pending:
            total = sum(float(j.procedure.get_estimates()) for j in pending)
            runs = "run" if len(pending) == 1 else "runs"
            self.queue_list.addItem(f"   waiting: {len(pending)} {runs}, about "
                                    f"{format_duration(total)} on the instruments")
        for n in range(self.queue_list.count()):  # elided in the list, whole in the tooltip
            self.queue_list.item(n).setToolTip(self.queue_list.item(n).text())

    # -- a job's life ---------------------------------------------------------------------

    def _job_started(self, job: Job) -> None:
        self.running = job
        panel = panel_for(type(job.procedure))
        panel.start(job.procedure)
        if self.panel is not None:
            self.live_area.removeWidget(self.panel)
            self.panel.deleteLater()
        self.panel = panel
        self.live_area.addWidget(panel)
        self.live_area.setCurrentWidget(panel)
        self.live_title.setText(f"Run {job.label()} · running")
        self.state.setText(f"Running {job.label()}")
        self.progress.setRange(0, 0)  # busy until the procedure reports progress
        self.progress.show()

    def drain(self) -> None:
        """Hand what the running job measured since the last call to its plots."""
        job, panel = self.running, self.panel
        if job is None or panel is None:
            return
        rows, traces = job.live.take()
        if rows:
            panel.add_rows(rows)
        for name, t, channels in traces:
            panel.add_trace(name, t, channels)
        if job.live.progress is not None:
            self.progress.setRange(0, 100)
            self.progress.setValue(round(job.live.progress))

    def _job_finished(self, job: Job, result: JobResult) -> None:
        self.drain()
        if self.panel is not None:
            self.panel.finish()
        self.running = None
        self.results[job.number] = result
        if result.outcome is not None and result.outcome.status == "finished":
            took = self.catalog.get(result.outcome.run_id).duration_s
            remember_run(self.station.config.source, job.name,
                         float(job.procedure.get_estimates()), took or 0.0)
            self.procedures.update_estimate()
        self._show_queue()
        self.progress.hide()
        outcome = result.outcome
        if outcome is None:
            text = f"{job.label()} did not start: {result.error}"
        else:
            safe = ("instruments in the safe state (outputs off, sources at 0 V)"
                    if not outcome.safe_off_errors else
                    "SAFE STATE NOT REACHED: " + "; ".join(outcome.safe_off_errors))
            text = f"Run {outcome.run_id} {job.name} {outcome.status} · {safe}"
            if outcome.error:
                text += f" · {outcome.error}"
            self.live_title.setText(f"Run {outcome.run_id} · {job.label()} · {outcome.status}")
        self.state.setText(text)
        self.state.setToolTip(text)
        log.info(text)
        self.browser.refresh()
        self.station_panel.refresh()

    def _setup_changed(self, message: str) -> None:
        self.station_panel.refresh()
        self.state.setText(f"Set-up changed: {describe_active_setup(self.station)}")
        log.info("set-up: %s", message)

    # -- closing --------------------------------------------------------------------------

    def stop_for_signal(self) -> None:
        """Ctrl-C or a stop signal: abort the running run and close without asking."""
        self._closing_without_asking = True
        self.close()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Ask before aborting a running run; then abort what runs (instruments go safe),
        stop the worker, detach the log pane."""
        running = self.queue.current
        label = running.label() if running is not None else self.campaigns.running_label()
        if label is not None and not self._closing_without_asking:
            box = QtWidgets.QMessageBox(
                QtWidgets.QMessageBox.Warning, "Abort the running run?",
                f"{label} is running. Closing the window aborts it: the "
                "instruments are put in their safe state (outputs off, sources at 0 V) and "
                "the waiting runs are dropped.", parent=self)
            abort = box.addButton("Abort and close", QtWidgets.QMessageBox.DestructiveRole)
            box.setDefaultButton(box.addButton(QtWidgets.QMessageBox.Cancel))
            box.exec_()
            if box.clickedButton() is not abort:
                event.ignore()
                return
        self.procedures.remember()
        save_json("data_folder", str(self.data_dir.resolve()))
        save_layout(self, self.splitters)
        self.timer.stop()
        self.campaigns.stop()
        self.queue.close()
        self.log_pane.detach()
        super().closeEvent(event)
