"""Run a procedure that must finish and read back what it wrote: the helpers the procedure
tests share (imported as `from finished_runs import …`, as tests/faults imports scenarios)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pymeasure.experiment import Results

from labmem.procedures.runner import RunOutcome, run_procedure


def finished(procedure: Any, station: Any, data_dir: Any, **kwargs: Any
             ) -> tuple[RunOutcome, pd.DataFrame]:
    """Run procedure on station into data_dir; assert it finished; (outcome, its rows)."""
    outcome = run_procedure(procedure, station, data_dir, **kwargs)
    assert outcome.status == "finished", outcome.error
    return outcome, Results.load(str(outcome.results_path)).data


def rows_and_metrics(procedure: Any, station: Any, data_dir: Any) -> tuple[pd.DataFrame, dict]:
    """The rows of a finished run and the procedure's metrics of them."""
    _, rows = finished(procedure, station, data_dir)
    return rows, procedure.run_metrics(rows)
