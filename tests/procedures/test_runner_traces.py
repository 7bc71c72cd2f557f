"""The HDF5 traces reach the disk once, when the run ends, however it ends: a run that fails
after storing a record still leaves it readable."""

from __future__ import annotations

from labmem.procedures.neuron.pulse_responses import PulseTrain
from labmem.procedures.runner import run_procedure
from labmem.traces import read_traces


class _FailsAfterItsRecord(PulseTrain):
    def execute(self) -> None:
        super().execute()
        raise RuntimeError("the probe lifted")


def test_a_failed_run_keeps_the_record_it_stored(new_station, tmp_path):
    outcome = run_procedure(_FailsAfterItsRecord(waveform="0:1e-5, 1:2e-5, 0:1e-5"),
                            new_station(), tmp_path)
    assert outcome.status == "failed" and "the probe lifted" in outcome.error
    (entry,) = read_traces(outcome.traces_path).values()
    assert entry["t"].size > 0 and entry["units"]["t"] == "s"
