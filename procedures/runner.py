"""Run one procedure on a station: check it, catalogue it, write its rows (flushed as they are
measured) and traces, and close the run as finished, failed or aborted with the instruments in
their safe state (a run that leaves an instrument unsafe is failed, naming the role)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pymeasure.experiment import Results

from labmem import __version__
from labmem.catalog import Catalog, check_device_id, utc_time
from labmem.procedures.base import AbortedError, StationProcedure, TraceCallback
from labmem.records import table_length, table_rows
from labmem.station import Station
from labmem.summaries import OVER_RANGE
from labmem.traces import TraceStore
from labmem.transcript import SUFFIX as TRANSCRIPT_SUFFIX

log = logging.getLogger(__name__)

RowCallback = Callable[[dict[str, Any]], None]
TableCallback = Callable[[dict[str, Any]], None]
"""Told of rows a batch at a time, given a column at a time (see emit_columns; a single row is
a table of scalars)."""


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended and where its data is."""

    run_id: int
    status: str
    error: str | None
    results_path: Path
    traces_path: Path
    safe_off_errors: tuple[str, ...] = ()
    """Roles that shutdown() could not put in the safe state, with the error."""


def run_stem(procedure: str, device_id: str, stamp: str, number: str) -> str:
    """The file name (without suffix) of a run's results and traces: procedure, device,
    start time and a number that keeps it fresh, e.g. IVSweep_W3-D12-A4_20250101_093000_000.
    Suffixes are added, not set with with_suffix: a device id may hold a dot."""
    return procedure + (f"_{device_id}" if device_id else "") + f"_{stamp}_{number}"


def data_paths(data_dir: Path, procedure: StationProcedure,
               device_id: str = "") -> tuple[Path, Path]:
    """Fresh (results CSV, traces HDF5) paths named after the procedure, the device (so
    processes measuring different devices into one folder never pick the same name) and the
    time. ValueError for a device id that is not safe in a file name."""
    stamp = time.strftime("%Y%m%d_%H%M%S")
    device = check_device_id(device_id)
    name = type(procedure).__name__ + (f"_{device}" if device else "")
    for n in range(10_000):
        stem = run_stem(type(procedure).__name__, device, stamp, f"{n:03d}")
        csv, h5 = data_dir / f"{stem}.csv", data_dir / f"{stem}.h5"
        if not csv.exists() and not h5.exists():
            return csv, h5
    raise RuntimeError(f"no free file name for {name} in {data_dir}")


def run_procedure(procedure: StationProcedure, station: Station, data_dir: str | Path, *,
                  catalog: Catalog | None = None, device_id: str = "",
                  campaign: str | None = None, abort: threading.Event | None = None,
                  on_row: RowCallback | None = None, on_table: TableCallback | None = None,
                  on_progress: Callable[[float], None] | None = None,
                  on_trace: TraceCallback | None = None, step: str | None = None,
                  on_end: Callable[[str], None] | None = None, operator: str = "",
                  note: str = "") -> RunOutcome:
    """Run a procedure to its end. A role the procedure needs that does not answer, or is
    another model, raises InstrumentError, and bad parameters ValueError, before anything is
    output or catalogued; anything after that is caught, recorded and reported in the outcome.
    on_end(status) runs once the instruments are safe, before the catalog row is closed, so
    what it saves (e.g. a simulated device's state) exists for every run the catalog shows
    as ended. operator and note go into the catalog row. on_row is told of every row as a dict,
    on_table of every batch of rows as columns (cheaper: e.g. to keep them in memory)."""
    procedure.station = station
    station.check_roles(procedure.roles_on(station))
    procedure.check()
    data_dir = Path(data_dir)
    results_path, traces_path = data_paths(data_dir, procedure, device_id)
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog = catalog or Catalog(data_dir / "catalog.sqlite")
    transcript_path = (results_path.with_name(results_path.stem + TRANSCRIPT_SUFFIX)
                       if station.config.record else None)
    started = time.time()
    run_id = catalog.start(
        type(procedure).__name__, procedure.parameter_values(), device_id=device_id,
        station=station.config.source, instruments=station.idns(),
        simulated=station.simulated, results_path=results_path, traces_path=traces_path,
        campaign=campaign, step=step, operator=operator, note=note, started=started,
        transcript_path=transcript_path or "")
    identity = {"run_id": run_id, "procedure": type(procedure).__name__,
                "device_id": device_id, "started_utc": utc_time(started),
                "labmem_version": __version__}
    procedure.run_id, procedure.device_id = run_id, device_id
    procedure.started_utc = identity["started_utc"]
    try:
        results = Results(procedure, str(results_path))  # writes the header
        rows = open(results_path, "a", encoding=Results.ENCODING)  # noqa: SIM115
    except OSError as err:  # e.g. a full disk: the run fails before any output
        error = f"{type(err).__name__}: {err}"
        error = _closed(lambda: catalog.finish(run_id, "failed", error), error)
        return RunOutcome(run_id, "failed", error, results_path, traces_path)
    traces = TraceStore(traces_path, identity)
    procedure.traces = traces
    procedure.on_trace = on_trace
    abort = abort or threading.Event()
    status, error = "failed", None
    columns = procedure.DATA_COLUMNS
    flagged = [0]  # readings from scope samples over range ("Over range" column), for the log
    with rows:
        def write(text: str) -> None:
            rows.write(text)
            rows.flush()  # a killed run keeps every row measured before the kill

        def emit_table(table: dict[str, Any]) -> None:
            flags = np.broadcast_to(table.get(OVER_RANGE, 0), table_length(table))
            flagged[0] += int(np.count_nonzero(flags))  # a shared flag counts once per row
            write(table_lines(results, columns, table))
            if on_table is not None:
                on_table(table)
            if on_row is not None:
                for record in table_rows(table):
                    on_row(record)

        def emit(topic: str, record: Any) -> None:
            if topic == "results":
                flagged[0] += bool(record.get(OVER_RANGE, 0))
                write(_line(results, columns, record))
                if on_table is not None:
                    on_table(record)
                if on_row is not None:
                    on_row(record)
            elif topic == "progress" and on_progress is not None:
                on_progress(float(record))

        procedure.emit = emit
        procedure.emit_table = emit_table
        procedure.should_stop = abort.is_set
        recorder = None
        try:
            if transcript_path is not None:
                recorder = station.record(transcript_path, run={
                    **identity, "parameters": procedure.parameter_values()})
            procedure.startup()
            procedure.evaluate_metadata()
            results.store_metadata()
            procedure.execute()
            status = "aborted" if abort.is_set() else "finished"
        except AbortedError:
            status = "aborted"
        except KeyboardInterrupt:
            status, error = "aborted", "interrupted"
            raise
        except Exception as err:  # recorded in the catalog, reported in the outcome
            error = "".join(traceback.format_exception_only(err)).strip()
            log.error("run %d failed: %s", run_id, error, exc_info=True)
        finally:
            procedure.shutdown()
            if procedure.safe_off_errors:  # an instrument left unsafe fails the run
                unsafe = "safe state not reached: " + "; ".join(procedure.safe_off_errors)
                status, error = "failed", f"{error}; {unsafe}" if error else unsafe
            if recorder is not None:  # after shutdown: the safe state's traffic is in it
                error = _closed(recorder.close, error)
            error = _closed(rows.close, _closed(traces.close, error))
            if error is not None and status == "finished":
                status = "failed"  # the last rows or traces did not reach the disk
            if on_end is not None:
                on_end(status)
            error = _closed(lambda: catalog.finish(run_id, status, error), error)
    log.info("run %d %s: %s", run_id, status, results_path)
    if flagged[0]:
        log.warning("run %d: %d reading(s) from scope samples over range, flagged in the "
                    "results and left out of its figures of merit", run_id, flagged[0])
    return RunOutcome(run_id, status, error, results_path, traces_path,
                      tuple(procedure.safe_off_errors or ()))


def _closed(close: Callable[[], None], error: str | None) -> str | None:
    """Run a closing step of a run (a file, the catalog row); a disk error there (a full
    disk: ENOSPC, or SQLite's "database or disk is full") is added to the run's error
    instead of escaping, so the run still ends with an outcome."""
    try:
        close()
    except (OSError, sqlite3.Error) as err:
        log.error("closing the run: %s", err)
        return "; ".join(e for e in (error, f"{type(err).__name__}: {err}") if e)
    return error


def _line(results: Results, columns: list[str], record: dict[str, Any]) -> str:
    """One CSV line as PyMeasure's formatter writes it; plain numbers take a fast path."""
    values = [record.get(c, float("nan")) for c in columns]
    if all(type(v) in (float, int) for v in values):
        return ",".join(map(str, values)) + Results.LINE_BREAK
    return results.format(record) + Results.LINE_BREAK


def table_lines(results: Results, columns: list[str], table: dict[str, Any]) -> str:
    """The CSV lines of rows given a column at a time (see StationProcedure.emit_columns),
    byte for byte those _line() writes for table_rows(table). Columns of plain numbers (float64
    or integer arrays, float or int scalars) are formatted a column at a time; a table with
    any other value takes the row path."""
    n = table_length(table)
    cells = [_column_text(table.get(c, float("nan")), n) for c in columns]
    if any(cell is None for cell in cells):
        return "".join(_line(results, columns, r) for r in table_rows(table))
    if n == 0:
        return ""
    rows = map(Results.DELIMITER.join, zip(*cells, strict=True))
    return Results.LINE_BREAK.join(rows) + Results.LINE_BREAK


def _column_text(value: Any, n: int) -> list[str] | None:
    """A column's n cells as _line() writes plain numbers (str of a Python float or int);
    None for anything else (strings, booleans, other array types)."""
    if isinstance(value, np.ndarray):
        plain = value.dtype.kind in "iu" or value.dtype == np.float64
        return list(map(str, value.tolist())) if plain else None
    return [str(value)] * n if type(value) in (float, int) else None
