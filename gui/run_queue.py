"""The queue of runs the GUI plays one after another on a worker thread, and the hand-over of
each run's rows, traces and progress to the GUI thread, which drains them on a timer."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PyQt5 import QtCore

from labmem.catalog import Catalog, check_device_id
from labmem.procedures.base import StationProcedure
from labmem.procedures.runner import RunOutcome, run_procedure
from labmem.station import Station

log = logging.getLogger(__name__)


class LiveData:
    """What a run measured since the GUI last looked: filled on the worker thread, taken on
    the GUI thread; taking it costs what arrived since, not everything so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[dict[str, Any]] = []
        self._traces: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []
        self.progress: float | None = None

    def add_row(self, row: dict[str, Any]) -> None:
        """One measured row (runner callback)."""
        with self._lock:
            self._rows.append(row)

    def add_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray]) -> None:
        """One stored trace (runner callback)."""
        with self._lock:
            self._traces.append((name, t, channels))

    def set_progress(self, percent: float) -> None:
        """Progress in % (runner callback)."""
        self.progress = percent

    def take(self) -> tuple[list[dict[str, Any]], list[tuple[str, np.ndarray, dict]]]:
        """The rows and traces that arrived since the last call."""
        with self._lock:
            rows, self._rows = self._rows, []
            traces, self._traces = self._traces, []
        return rows, traces


@dataclass
class Job:
    """One queued run: a checked procedure, the device it measures, its live data."""

    number: int
    procedure: StationProcedure
    device_id: str = ""
    operator: str = ""
    note: str = ""
    live: LiveData = field(default_factory=LiveData)

    @property
    def name(self) -> str:
        """The procedure's class name."""
        return type(self.procedure).__name__

    def label(self) -> str:
        """How the queue list shows the job."""
        device = f" · {self.device_id}" if self.device_id else ""
        return f"#{self.number} {self.name}{device}"


@dataclass(frozen=True)
class JobResult:
    """How a job ended: the runner's outcome, or the error that kept it from starting."""

    outcome: RunOutcome | None
    error: str | None = None


class RunQueue(QtCore.QObject):
    """Runs jobs in order on one worker thread, so the GUI thread never waits on hardware."""

    job_started = QtCore.pyqtSignal(object)
    job_finished = QtCore.pyqtSignal(object, object)  # Job, JobResult
    queue_changed = QtCore.pyqtSignal()

    def __init__(self, station: Station, data_dir: Path, catalog: Catalog,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.station, self.data_dir, self.catalog = station, data_dir, catalog
        self._pending: deque[Job] = deque()
        self._wake = threading.Condition()
        self._numbers = iter(range(1, 1 << 62))
        self._abort = threading.Event()
        self._closing = False
        self.current: Job | None = None
        self._thread = threading.Thread(target=self._work, name="labmem-runs", daemon=True)
        self._thread.start()

    def submit(self, procedure: StationProcedure, device_id: str = "", operator: str = "",
               note: str = "") -> Job:
        """Queue a checked procedure; it runs after those queued before it. operator and note
        go into its catalog row."""
        job = Job(next(self._numbers), procedure, device_id, operator, note)
        with self._wake:
            self._pending.append(job)
            self._wake.notify()
        self.queue_changed.emit()
        return job

    def pending(self) -> list[Job]:
        """Jobs waiting their turn, in order."""
        with self._wake:
            return list(self._pending)

    def clear(self) -> None:
        """Drop every job not yet started."""
        with self._wake:
            self._pending.clear()
        self.queue_changed.emit()

    def abort(self) -> bool:
        """Ask the running job to stop (the runner leaves the instruments safe); False when
        nothing is running."""
        if self.current is None:
            return False
        self._abort.set()
        return True

    @property
    def busy(self) -> bool:
        """True while a job runs or waits."""
        return self.current is not None or bool(self.pending())

    def close(self, timeout_s: float = 30.0) -> None:
        """Drop the queue, abort the running job and end the worker thread."""
        with self._wake:
            self._closing = True
            self._pending.clear()
            self._wake.notify()
        self._abort.set()
        self._thread.join(timeout_s)

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._closing:
                    self._wake.wait()
                if self._closing:
                    return
                job = self._pending.popleft()
                self.current = job
                self._abort.clear()
            self.queue_changed.emit()
            self.job_started.emit(job)
            result = self._run(job)
            self.current = None
            self.job_finished.emit(job, result)

    def _run(self, job: Job) -> JobResult:
        try:
            outcome = run_procedure(
                job.procedure, self.station, self.data_dir, catalog=self.catalog,
                device_id=job.device_id, abort=self._abort, on_row=job.live.add_row,
                on_progress=job.live.set_progress, on_trace=job.live.add_trace,
                operator=job.operator, note=job.note)
        except Exception as err:  # refused before it started (e.g. the station changed)
            log.error("%s did not start: %s", job.label(), err)
            return JobResult(None, str(err))
        return JobResult(outcome, outcome.error)


def ready_to_queue(procedure: StationProcedure, station: Station,
                   problem: Callable[[tuple[str, ...]], str | None], device_text: str) -> str:
    """Attach the station to procedure once the station can serve its roles (problem(roles)
    says why not) and its plan passes check(); the checked device id. ValueError (or
    pyvisa's VisaIOError, an instrument not there) with the reason otherwise."""
    reason = problem(procedure.roles_on(station))
    if reason is not None:
        raise ValueError(reason)
    procedure.station = station
    procedure.check()
    return check_device_id(device_text.strip())
