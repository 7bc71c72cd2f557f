"""The Campaign tab: a campaign file in the editor (checked as it is typed), run on a worker
thread through the campaign runner (`labmem campaign run`'s own), with its progress per device
and step, Abort, and Resume (the runner's resume: finished steps are reused, the rest run).
At a real station the operator is asked to move the probes to each device in a dialog that
holds only the campaign; the window goes on. While a campaign runs, the single-run queue and
the Manual tab keep off the station (`holding`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt5 import QtCore, QtWidgets

from labmem.campaigns.executors import run_campaign
from labmem.campaigns.runner import CampaignHooks, StepResult
from labmem.campaigns.spec import Campaign, CampaignError, Device
from labmem.catalog import Catalog
from labmem.gui.campaign_editor import CampaignEditor
from labmem.gui.campaign_progress import CampaignProgress
from labmem.gui.run_queue import RunQueue
from labmem.procedures.base import AbortedError

log = logging.getLogger(__name__)


class OperatorPrompt(QtCore.QObject):
    """The campaign's operator: asked on the campaign's thread, answered in a dialog on the GUI
    thread that is not modal (the window goes on); OK continues, Abort stops the campaign."""

    asked = QtCore.pyqtSignal(str)
    """The question on screen (GUI thread)."""
    _ask = QtCore.pyqtSignal(str, object)

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: QtWidgets.QMessageBox | None = None
        self.messages: list[str] = []
        self._ask.connect(self._show)

    def ask(self, message: str) -> None:
        """Wait (campaign thread) until the operator presses OK; AbortedError on Abort."""
        answer: dict[str, Any] = {"done": threading.Event(), "ok": False}
        self._ask.emit(message, answer)
        answer["done"].wait()
        if not answer["ok"]:
            raise AbortedError(f"the operator aborted the campaign at: {message}")

    def _show(self, message: str, answer: dict[str, Any]) -> None:
        self.messages.append(message)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Question,
                                    "Campaign: the operator is needed",
                                    f"{message}\n\nPress OK when done; the campaign waits.",
                                    parent=self.window)
        ok = box.addButton("OK", QtWidgets.QMessageBox.AcceptRole)
        box.addButton("Abort campaign", QtWidgets.QMessageBox.RejectRole)
        box.setModal(False)

        def answered(_: int) -> None:
            answer["ok"] = box.clickedButton() is ok
            answer["done"].set()
            self.dialog = None
            box.deleteLater()

        box.finished.connect(answered)
        self.dialog = box
        box.show()
        self.asked.emit(message)

    def cancel(self) -> None:
        """Answer Abort to a waiting question (the campaign is being aborted)."""
        if self.dialog is not None:
            self.dialog.reject()


class CampaignPanel(QtWidgets.QWidget):
    """Editor, output folder, Run / Resume / Abort, the overall progress and the table."""

    holding = QtCore.pyqtSignal(bool)
    """True while a campaign runs (the queue and the Manual tab keep off the station)."""
    device_started = QtCore.pyqtSignal(object)
    step_started = QtCore.pyqtSignal(object, str, str)
    step_progress = QtCore.pyqtSignal(object, str, float)
    step_ended = QtCore.pyqtSignal(object, object)
    device_ended = QtCore.pyqtSignal(object)
    ended = QtCore.pyqtSignal(object, object)
    """(summary or None, the error that stopped it or None), on the GUI thread."""

    def __init__(self, queue: RunQueue, data_dir: Callable[[], Path],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue, self.data_dir = queue, data_dir
        self.abort_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.running: Campaign | None = None
        self.summary: dict[str, Any] | None = None
        """The last finished campaign's summary (campaign_summary.json)."""
        self.prompt = OperatorPrompt(self)
        self.editor = CampaignEditor()
        self.editor.checked.connect(lambda _: self.update_state())
        self.out = QtWidgets.QLineEdit()
        self.out.textChanged.connect(lambda _: self.update_state())
        browse = QtWidgets.QToolButton()
        browse.setText("…")
        browse.setToolTip("Choose the output folder")
        browse.clicked.connect(self._choose_out)
        self.run_button = QtWidgets.QPushButton("Run campaign")
        self.run_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button = QtWidgets.QPushButton("Resume")
        self.resume_button.setToolTip("Continue the campaign in the output folder: finished "
                                      "steps are kept, the rest run")
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.abort_button = QtWidgets.QPushButton("Abort campaign")
        self.abort_button.setStyleSheet("QPushButton { color: #b00000; font-weight: bold; } "
                                        "QPushButton:disabled { color: #a0a0a0; }")
        self.abort_button.clicked.connect(self.abort)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setFormat("%p % of the steps")
        self.state = QtWidgets.QLabel()
        self.outcome = QtWidgets.QLabel()
        """How the last campaign of this window ended."""
        for label in (self.state, self.outcome):
            label.setWordWrap(True)
            label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.outcome.hide()
        self.table = CampaignProgress()

        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(QtWidgets.QLabel("Output folder"))
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.run_button, self.resume_button, self.abort_button):
            buttons.addWidget(button)
        buttons.addWidget(self.bar, 1)
        run_side = QtWidgets.QWidget()
        run_layout = QtWidgets.QVBoxLayout(run_side)
        run_layout.setContentsMargins(0, 0, 0, 0)
        run_layout.addLayout(out_row)
        run_layout.addLayout(buttons)
        run_layout.addWidget(self.state)
        run_layout.addWidget(self.outcome)
        run_layout.addWidget(self.table, 1)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        splitter.addWidget(self.editor)
        splitter.addWidget(run_side)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([230, 400])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter)

        self.device_started.connect(self._device_started)
        self.step_started.connect(self.table.step_started)
        self.step_progress.connect(self._step_progress)
        self.step_ended.connect(self._step_ended)
        self.device_ended.connect(self.table.device_ended)
        self.ended.connect(self._ended)
        self.prompt.asked.connect(self._asked)
        queue.queue_changed.connect(self.update_state)
        self.update_state()

    # -- output folder --------------------------------------------------------------------

    def output_folder(self) -> Path | None:
        """The folder typed, or <data folder>/campaigns/<campaign name>."""
        if self.out.text().strip():
            return Path(self.out.text().strip())
        campaign = self.editor.campaign
        return self.data_dir() / "campaigns" / campaign.name if campaign else None

    def _choose_out(self) -> None:
        start = str(self.output_folder() or self.data_dir())
        name = QtWidgets.QFileDialog.getExistingDirectory(self, "Output folder", start)
        if name:
            self.out.setText(name)

    def runs_in_output(self) -> int:
        """How many runs of the edited campaign the output folder holds already."""
        campaign, out = self.editor.campaign, self.output_folder()
        if campaign is None or out is None or not (out / "catalog.sqlite").is_file():
            return 0
        try:
            return len(Catalog(out / "catalog.sqlite", read_only=True)
                       .runs(campaign=campaign.name))
        except Exception:  # (not a catalog labmem can read: the runner says why)
            return 0

    # -- running --------------------------------------------------------------------------

    def update_state(self) -> None:
        """Run when the text checks and the folder is new, Resume when it holds runs of the
        campaign, neither while a campaign or a queued run holds the station."""
        campaign, out = self.editor.campaign, self.output_folder()
        self.out.setPlaceholderText(str(out) if out and not self.out.text().strip() else
                                    "<data folder>/campaigns/<campaign name>")
        running = self.running is not None
        self.abort_button.setEnabled(running)
        self.editor.setEnabled(not running)
        self.out.setEnabled(not running)
        earlier = self.runs_in_output() if not running else 0
        ready = campaign is not None and not running and not self.queue.busy
        self.run_button.setEnabled(ready and earlier == 0)
        self.resume_button.setEnabled(ready and earlier > 0)
        if running:
            return
        if self.queue.busy:
            text = "A queued run holds the station: campaigns start when the queue is empty."
        elif campaign is None:
            text = "Open or write a campaign that checks (✓) to run it."
        elif earlier:
            text = (f"The output folder holds {earlier} runs of {campaign.name}: Resume "
                    "continues it (finished steps are kept).")
        else:
            text = f"Ready: the campaign writes to {out}."
        self.state.setText(text)

    def start(self, resume: bool = False) -> bool:
        """Run (or resume) the edited campaign on a worker thread; False when refused (why is
        shown). The file is saved first: the output folder keeps a copy of what ran."""
        campaign = self.editor.campaign
        if campaign is None or self.running is not None or self.queue.busy:
            return False
        if self.editor.text.document().isModified() or self.editor.path is None:
            if not self.editor.save():
                return False
            campaign = self.editor.check()
            if campaign is None:
                return False
        out = self.output_folder()
        assert out is not None
        self.running, self.summary = campaign, None
        self.abort_event.clear()
        self.outcome.hide()
        self.table.start(campaign)
        self.bar.setRange(0, len(campaign.devices) * len(campaign.steps))
        self.bar.setValue(0)
        self.state.setText(f"{'Resuming' if resume else 'Running'} campaign {campaign.name} "
                           f"into {out}…")
        log.info("campaign %s: %s into %s", campaign.name, "resumed" if resume else "started",
                 out)
        self.holding.emit(True)
        self.update_state()
        self.thread = threading.Thread(target=self._work, args=(campaign, out, resume),
                                       name="labmem-campaign", daemon=True)
        self.thread.start()
        return True

    def _work(self, campaign: Campaign, out: Path, resume: bool) -> None:
        """The campaign thread: the runner, told to report here and to ask the prompt."""
        shown: dict[str, int] = {}

        def progress(device: Device, label: str, percent: float) -> None:
            if shown.get(label) != int(percent):  # a signal per whole percent, no more
                shown[label] = int(percent)
                self.step_progress.emit(device, label, percent)

        hooks = CampaignHooks(operator=self.prompt.ask, device_started=self.device_started.emit,
                              step_started=self.step_started.emit, step_progress=progress,
                              step_ended=self.step_ended.emit,
                              device_ended=self.device_ended.emit)
        try:
            summary = run_campaign(campaign, out, resume=resume, show_progress=False,
                                   abort=self.abort_event, hooks=hooks)
        except Exception as err:  # (shown in the tab; the runner left it safe)
            self.ended.emit(None, err)
        else:
            self.ended.emit(summary, None)

    def abort(self) -> None:
        """Stop the running step (instruments safe) and the campaign; Resume continues it."""
        if self.running is None:
            return
        self.abort_event.set()
        self.prompt.cancel()
        self.state.setText(f"Aborting campaign {self.running.name}…")

    def stop(self, timeout_s: float = 30.0) -> None:
        """Abort a running campaign and wait for its thread (the window closes)."""
        self.abort()
        if self.thread is not None:
            self.thread.join(timeout_s)

    def running_label(self) -> str | None:
        """"Campaign NAME" while one runs, else None."""
        return f"Campaign {self.running.name}" if self.running is not None else None

    # -- what the campaign thread tells ---------------------------------------------------

    def _device_started(self, device: Device) -> None:
        assert self.running is not None
        note = ("its own simulated bench, no probes to move" if self.running.simulated
                else f"opening the station {Path(str(self.running.station)).name}")
        self.table.device_started(device, note)
        self.state.setText(f"Campaign {self.running.name}: {device.where()} · {note}")

    def _asked(self, message: str) -> None:
        """The campaign waits for the operator: the table and the state say so."""
        if self.running is not None and self.table.current is not None:
            self.table.device_started(self.table.current, "waiting for the operator")
        self.state.setText(f"Waiting for the operator: {message}")

    def _step_progress(self, device: Device, label: str, percent: float) -> None:
        self.table.step_progress(device, label, percent)

    def _step_ended(self, device: Device, run: StepResult) -> None:
        self.table.step_ended(device, run)
        self._count_steps()

    def _count_steps(self) -> None:
        """The overall bar: steps ended (or skipped) over devices × steps."""
        done = 0
        for result in self.table.results.values():
            done += (len(self.running.steps) if self.running and result.skipped
                     else len({s.key.split(".")[0] for s in result.steps}))
        self.bar.setValue(done)

    def _ended(self, summary: dict[str, Any] | None, error: Exception | None) -> None:
        campaign = self.running
        assert campaign is not None
        self.thread = None
        self.summary = summary
        if summary is not None:
            skipped = [d for d in summary["devices"] if d["skipped"]]
            out = self.output_folder()
            text = (f"Campaign {campaign.name}: {len(summary['devices']) - len(skipped)} of "
                    f"{len(summary['devices'])} devices complete in {summary['wall_time_s']} s;"
                    f" report: {out / 'campaign_report.md'}")
            self.bar.setValue(self.bar.maximum())
        elif isinstance(error, AbortedError):
            text = (f"Campaign {campaign.name} aborted: {str(error).rstrip('.')}. Resume "
                    "continues it.")
            self.table.stopped(str(error))
        elif isinstance(error, CampaignError):
            text = f"Campaign {campaign.name} refused: {error}"
        else:
            text = f"Campaign {campaign.name} stopped by an error: {error}"
            self.table.stopped(str(error))
        log.log(logging.INFO if summary is not None else logging.WARNING, text)
        self.running = None
        self.outcome.setText(text)
        self.outcome.setStyleSheet("" if summary is not None else "color: #b00000;")
        self.outcome.show()
        self.holding.emit(False)
        self.update_state()
