"""The run catalog: one SQLite row per run (procedure, parameters, device, station, instrument
IDNs, software version, simulated or not, times, status, data paths). WAL mode, so a reader
never blocks the run that is writing, and a killed run leaves its row behind."""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labmem import __version__

log = logging.getLogger(__name__)

STATUSES = ("running", "finished", "failed", "aborted")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    procedure TEXT NOT NULL,
    parameters TEXT NOT NULL,
    device_id TEXT NOT NULL DEFAULT '',
    station TEXT NOT NULL DEFAULT '',
    instruments TEXT NOT NULL DEFAULT '{}',
    labmem_version TEXT NOT NULL,
    simulated INTEGER NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'aborted')),
    error TEXT,
    results_path TEXT NOT NULL DEFAULT '',
    traces_path TEXT NOT NULL DEFAULT '',
    campaign TEXT,
    step TEXT,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_device ON runs (device_id);
CREATE INDEX IF NOT EXISTS runs_campaign ON runs (campaign);
"""


@dataclass(frozen=True)
class Run:
    """One catalogued run."""

    id: int
    procedure: str
    parameters: dict[str, Any]
    device_id: str
    station: str
    instruments: dict[str, str]
    labmem_version: str
    simulated: bool
    started: float
    ended: float | None
    status: str
    error: str | None
    results_path: str
    traces_path: str
    campaign: str | None
    host: str
    pid: int
    step: str | None = None
    """The campaign step (e.g. "02.01": step 2, attempt 1) the run was, if any."""

    @property
    def interrupted(self) -> bool:
        """A run still marked running whose process on this host is gone (killed, crashed)."""
        return (self.status == "running" and self.host == socket.gethostname()
                and not _alive(self.pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Catalog:
    """The catalog database at a path (created on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(runs)")}
            if "step" not in columns:  # a catalog written before campaigns had steps
                db.execute("ALTER TABLE runs ADD COLUMN step TEXT")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def start(self, procedure: str, parameters: dict[str, Any], *, device_id: str = "",
              station: str = "", instruments: dict[str, str] | None = None,
              simulated: bool = False, results_path: str = "", traces_path: str = "",
              campaign: str | None = None, step: str | None = None) -> int:
        """Record a run as running now; returns its id."""
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO runs (procedure, parameters, device_id, station, instruments, "
                "labmem_version, simulated, started, status, results_path, traces_path, "
                "campaign, step, host, pid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                (procedure, json.dumps(parameters, default=str), device_id, station,
                 json.dumps(instruments or {}), __version__, int(simulated), time.time(),
                 results_path, traces_path, campaign, step, socket.gethostname(), os.getpid()))
            run_id = int(cur.lastrowid)
        log.info("run %d (%s) started", run_id, procedure)
        return run_id

    def finish(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run as finished, failed (with the error) or aborted."""
        if status not in STATUSES[1:]:
            raise ValueError(f"a run ends finished, failed or aborted, not {status!r}")
        with self._connect() as db:
            db.execute("UPDATE runs SET status = ?, error = ?, ended = ? WHERE id = ?",
                       (status, error, time.time(), run_id))

    def get(self, run_id: int) -> Run:
        """One run by id (KeyError if absent)."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id} in {self.path}")
        return _run(row)

    def runs(self, *, procedure: str | None = None, device_id: str | None = None,
             status: str | None = None, campaign: str | None = None) -> list[Run]:
        """Runs matching every filter given, oldest first."""
        where, args = [], []
        for column, value in (("procedure", procedure), ("device_id", device_id),
                              ("status", status), ("campaign", campaign)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        with self._connect() as db:
            return [_run(row) for row in db.execute(sql + " ORDER BY id", args)]


def _run(row: sqlite3.Row) -> Run:
    data = dict(row)
    data["parameters"] = json.loads(data["parameters"])
    data["instruments"] = json.loads(data["instruments"])
    data["simulated"] = bool(data["simulated"])
    return Run(**data)
