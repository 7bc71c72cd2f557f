"""Rows given a column at a time (emit_columns) reach the results file as the same bytes the
row-at-a-time writer gives for the same rows, whatever the values (plain numbers take the column
path, anything else the row path), and a live consumer still gets one dict per row."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.experiment import Procedure, Results

from labmem.procedures.runner import _line, run_procedure, table_lines
from labmem.procedures.switching.iv import IVSweep
from labmem.records import table_rows

COLUMNS = ["Block", "Cycle", "Compliance (A)", "Time (s)", "Voltage (V)", "Current (A)",
           "Flag", "Missing"]


class _Rows(Procedure):
    DATA_COLUMNS = COLUMNS


def _row_writer_text(results: Results, rows: list[dict]) -> str:
    """What the writer before column batches put in the file: one _line per row dict."""
    return "".join(_line(results, COLUMNS, row) for row in rows)


@pytest.fixture
def results(tmp_path) -> Results:
    return Results(_Rows(), str(tmp_path / "rows.csv"))


def _awkward_floats(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)
    x[:6] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e16]
    return x


TABLES = {
    "plain numbers": lambda rng: {
        "Block": 2, "Cycle": 7, "Compliance (A)": 1e-6, "Time (s)": rng.random(50),
        "Voltage (V)": _awkward_floats(rng, 50), "Current (A)": rng.standard_normal(50) * 1e-9,
        "Flag": rng.integers(0, 2, 50)},
    "numpy scalar": lambda rng: {"Block": np.float64(0.1), "Time (s)": rng.random(5)},
    "booleans": lambda rng: {"Block": 1, "Flag": rng.random(5) > 0.5},
    "a string": lambda rng: {"Cycle": "n/a", "Time (s)": rng.random(4)},
    "float32": lambda rng: {"Time (s)": rng.random(4).astype(np.float32)},
    "scalars only": lambda rng: {"Block": 3, "Current (A)": -2.5e-12},
    "no rows": lambda rng: {"Block": 1, "Time (s)": np.zeros(0)},
}


@pytest.mark.parametrize("name", TABLES)
def test_a_column_batch_writes_the_bytes_of_its_rows(results, name):
    table = TABLES[name](np.random.default_rng(3))
    rows = table_rows(table)
    assert table_lines(results, COLUMNS, table) == _row_writer_text(results, rows)


def test_rows_of_a_table_are_the_dicts_a_procedure_built_per_row():
    t = np.array([0.0, 0.5])
    assert table_rows({"Block": 1, "Time (s)": t, "Flag": np.array([True, False])}) == [
        {"Block": 1, "Time (s)": 0.0, "Flag": True}, {"Block": 1, "Time (s)": 0.5, "Flag": False}]


def test_columns_of_different_lengths_are_refused(results):
    with pytest.raises(ValueError, match="different lengths"):
        table_lines(results, COLUMNS, {"Time (s)": np.zeros(2), "Voltage (V)": np.zeros(3)})


def test_a_live_consumer_gets_every_row_of_a_sweep_as_a_dict(new_station, tmp_path):
    seen: list[dict] = []
    outcome = run_procedure(IVSweep(cycles=2, step_v=0.05), new_station(), tmp_path,
                            on_row=seen.append)
    stored = Results.load(str(outcome.results_path)).data
    assert len(seen) == len(stored) > 0
    assert [r["Current (A)"] for r in seen] == stored["Current (A)"].tolist()
    assert {type(r["In compliance"]) for r in seen} == {int}
