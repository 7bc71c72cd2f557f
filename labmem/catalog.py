"""The run catalog: one SQLite row per run (procedure, parameters, device, operator, note,
station, instrument IDNs, software version, simulated or not, times, status, data paths).
WAL mode, so a reader never blocks the run that is writing, and a killed run leaves its row
behind. Data paths are stored relative to the catalog, so a moved or copied data folder keeps
working; archived catalogs open read-only. The schema is versioned (PRAGMA user_version) and
an older catalog is upgraded when it is opened for writing."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from labmem import __version__

log = logging.getLogger(__name__)

STATUSES = ("running", "finished", "failed", "aborted")

SCHEMA_VERSION = 3
"""PRAGMA user_version of a current catalog; 0 is a catalog written before it was versioned."""

DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
"""A device id: letters, digits, '_', '.', '-', starting with a letter or digit, at most 64
characters; safe in a file name on every system, and never a path."""

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
"""Version 1: the table as first written (a catalog of version 0 may lack `step`)."""

_VERSION_2 = """
ALTER TABLE runs ADD COLUMN operator TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
CREATE INDEX IF NOT EXISTS runs_procedure ON runs (procedure);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started);
"""
"""Version 2: operator and note per run, indexes on status, procedure and start."""

_VERSION_3 = """
ALTER TABLE runs ADD COLUMN transcript_path TEXT NOT NULL DEFAULT ''
"""
"""Version 3: the run's VISA transcript, when it was recorded (labmem.transcript)."""


class CatalogError(RuntimeError):
    """A catalog that cannot be opened or read, naming the file and why."""


def check_device_id(device_id: str, what: str = "device id") -> str:
    """The device id (or a part of one, named by what) itself when it is empty or safe in a
    file name (DEVICE_ID); ValueError naming it otherwise. Every path built from a device id
    goes through this."""
    if device_id and not DEVICE_ID.fullmatch(device_id):
        raise ValueError(f"{what} {device_id!r} is not allowed: use letters, digits, "
                         f"'_', '.' and '-' (at most 64, starting with a letter or digit)")
    return device_id


def local_time(stamp: float | None) -> str:
    """A catalog time as ISO 8601 in the local zone with its offset ("" for None)."""
    if stamp is None:
        return ""
    return datetime.fromtimestamp(stamp).astimezone().isoformat(timespec="seconds")


def utc_time(stamp: float) -> str:
    """A time as ISO 8601 in UTC, e.g. "2025-03-01T09:30:00+00:00" (files that travel)."""
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Run:
    """One catalogued run; results_path and traces_path are resolved against the catalog."""

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
    operator: str = ""
    note: str = ""
    """Free text: what the operator wants to remember about the run, tags included."""
    transcript_path: str = ""
    """The run's VISA transcript ("" when it was not recorded)."""

    @property
    def interrupted(self) -> bool:
        """A run still marked running whose process on this host is gone (killed, crashed)."""
        return (self.status == "running" and self.host == socket.gethostname()
                and not _alive(self.pid))

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (None while running)."""
        return None if self.ended is None else self.ended - self.started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Catalog:
    """The catalog database at a path. For writing (the default) it is created on first use
    and upgraded to SCHEMA_VERSION; read_only opens an existing one without writing anything,
    so an archived (read-only) data folder can be listed and exported."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            if not self.path.is_file():
                raise FileNotFoundError(f"no run catalog at {self.path}")
            self._uri = self.path.resolve().as_uri() + "?mode=ro"
            if _archived(self.path):  # nothing can write here: no locks, no -wal/-shm
                self._uri += "&immutable=1"
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            _migrate(db, self.path.parent)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            if self.read_only:
                connection = sqlite3.connect(self._uri, uri=True, timeout=30)
            else:
                connection = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as err:
            raise CatalogError(f"cannot open the run catalog {self.path}: {err}") from err
        with closing(connection) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def _relative(self, path: str | Path) -> str:
        """A data path as stored: relative to the catalog's folder."""
        return os.path.relpath(Path(path).resolve(), self.path.parent.resolve()) if path \
            else ""

    def start(self, procedure: str, parameters: dict[str, Any], *, device_id: str = "",
              station: str = "", instruments: dict[str, str] | None = None,
              simulated: bool = False, results_path: str | Path = "",
              traces_path: str | Path = "", campaign: str | None = None,
              step: str | None = None, operator: str = "", note: str = "",
              started: float | None = None, transcript_path: str | Path = "") -> int:
        """Record a run as running since started (default now); returns its id."""
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO runs (procedure, parameters, device_id, station, instruments, "
                "labmem_version, simulated, started, status, results_path, traces_path, "
                "campaign, step, host, pid, operator, note, transcript_path) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (procedure, json.dumps(parameters, default=str), check_device_id(device_id),
                 station, json.dumps(instruments or {}), __version__, int(simulated),
                 time.time() if started is None else started,
                 self._relative(results_path), self._relative(traces_path),
                 campaign, step, socket.gethostname(), os.getpid(), operator, note,
                 self._relative(transcript_path)))
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

    def set_note(self, run_id: int, note: str) -> None:
        """Replace a run's note (free text, tags as #words) after the run; KeyError if absent."""
        with self._connect() as db:
            if db.execute("UPDATE runs SET note = ? WHERE id = ?", (note, run_id)).rowcount == 0:
                raise KeyError(f"no run {run_id} in {self.path}")

    def get(self, run_id: int) -> Run:
        """One run by id (KeyError if absent)."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id} in {self.path}")
        return self._run(row)

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
            return [self._run(row) for row in db.execute(sql + " ORDER BY id", args)]

    def _run(self, row: sqlite3.Row) -> Run:
        data = dict(row)
        data["parameters"] = json.loads(data["parameters"])
        data["instruments"] = json.loads(data["instruments"])
        data["simulated"] = bool(data["simulated"])
        for key in ("results_path", "traces_path", "transcript_path"):  # an archived older
            stored = data.get(key)  # catalog (read-only, not upgraded) may lack the last
            data[key] = str(_resolve(self.path.parent, stored)) if stored else ""
        return Run(**data)


def _archived(path: Path) -> bool:
    """True when the catalog's folder cannot be written and no writer left a journal: the
    catalog can be read as an immutable file."""
    wal = path.with_name(path.name + "-wal")
    return not os.access(path.parent, os.W_OK) and not (wal.exists() and wal.stat().st_size)


def _resolve(folder: Path, stored: str) -> Path:
    """A stored data path as a file path. A relative path is beside the catalog. An absolute
    one (written before paths were relative) is taken beside the catalog when a file of
    that name is there (the folder was moved or copied), else as written."""
    path = Path(stored)
    if not path.is_absolute():
        return folder / path
    beside = folder / path.name
    return beside if beside.exists() else path


def _migrate(db: sqlite3.Connection, folder: Path) -> None:
    """Bring a catalog's schema up to SCHEMA_VERSION, one version at a time."""
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")  # one transaction: a crash leaves the old version whole
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CatalogError(f"the run catalog in {folder} has schema version {version}; this "
                           f"labmem {__version__} reads up to {SCHEMA_VERSION}: update labmem")
    if version < 1:
        _script(db, _SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        if "step" not in columns:  # a catalog written before campaigns had steps
            db.execute("ALTER TABLE runs ADD COLUMN step TEXT")
    if version < 2:
        _script(db, _VERSION_2)
        _relative_paths(db, folder)
    if version < 3:
        _script(db, _VERSION_3)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run SQL statements inside the open transaction (executescript would commit first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _relative_paths(db: sqlite3.Connection, folder: Path) -> None:
    """Store old absolute data paths relative to the catalog, where the file is found."""
    for run_id, results, traces in db.execute(
            "SELECT id, results_path, traces_path FROM runs").fetchall():
        new = []
        for stored in (results, traces):
            path = _resolve(folder, stored) if stored else None
            new.append(os.path.relpath(path, folder) if path is not None and path.exists()
                       else stored)
        db.execute("UPDATE runs SET results_path = ?, traces_path = ? WHERE id = ?",
                   (*new, run_id))
