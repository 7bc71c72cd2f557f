"""Rows kept in memory as the runner writes them (summaries.RowTables on on_table) are the rows
PyMeasure reads back from the results file: same columns, types and values (a float read
back from text may differ in its last bit, as pandas' fast parser is not correctly rounded)."""

from __future__ import annotations

import pandas as pd
import pytest

from labmem.procedures.neuron.pulse_responses import AllOrNone, PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.procedures.synapse.weight import SynapticWeight
from labmem.summaries import RowTables, load_rows

PROCEDURES = {
    "I(V) sweep (column batches)": lambda: IVSweep(cycles=3, step_v=0.05),
    "synaptic weight (column batches with an over-range flag)": lambda: SynapticWeight(
        runs=2, conditioning_runs=1, pulses=3, forming_cycles=1),
    "all-or-none (one row at a time)": lambda: AllOrNone(series_ohm=10e6, tia_gain=1e6,
                                                         sample_interval_s=100e-6),
    "pulse train (a single row)": lambda: PulseTrain(waveform="0:1e-5, 1:2e-5, 0:1e-5"),
}


@pytest.mark.parametrize("name", PROCEDURES)
def test_rows_in_memory_are_the_rows_of_the_results_file(new_station, tmp_path, name):
    procedure = PROCEDURES[name]()
    tables = RowTables(procedure.DATA_COLUMNS)
    outcome = run_procedure(procedure, new_station(), tmp_path, on_table=tables.add)
    assert outcome.status == "finished", outcome.error
    kept, stored = tables.frame(), load_rows(outcome.results_path)
    assert len(kept) > 0
    pd.testing.assert_frame_equal(kept, stored, check_exact=False, rtol=1e-15, atol=0)
