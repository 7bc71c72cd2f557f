"""VISA transcripts: recording a run's traffic (station option record) and replaying it against
the emulators (labmem.transcript, labmem.replay)."""

from __future__ import annotations

import base64
import gzip
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pyvisa.constants import StatusCode
from pyvisa.errors import VisaIOError

from labmem.catalog import Catalog
from labmem.procedures.base import build_procedure
from labmem.procedures.registry import PROCEDURES
from labmem.procedures.runner import run_procedure
from labmem.replay import command_key, replay
from labmem.simulated_instruments.visa.traffic import count_traffic
from labmem.station_file import DEFAULT_STATION_YAML, StationConfig
from labmem.transcript import Transcript, anonymise, decode, encode

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def _record(station, tmp_path: Path, name: str, **parameters) -> Transcript:
    """Run a procedure on a recording station; its catalogued transcript, read back."""
    station.config.record = True
    outcome = run_procedure(build_procedure(PROCEDURES[name], parameters), station, tmp_path)
    assert outcome.status == "finished", outcome.error
    run = Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id)
    assert Path(run.transcript_path).name == Path(outcome.results_path).stem + ".visa.jsonl.gz"
    return Transcript.load(run.transcript_path)


@pytest.fixture
def recorded(new_station, tmp_path):
    """A short I(V) sweep and a pulse train recorded on one simulated station."""
    station = new_station(seed=11)
    return (_record(station, tmp_path, "IVSweep", cycles=1),
            _record(station, tmp_path, "PulseTrain"))


def test_recorded_runs_replay_without_differences(recorded):
    iv, pulse = recorded
    for transcript in recorded:
        assert transcript.header["simulated"] and transcript.header["clock"] == "virtual"
        report = replay(transcript)
        assert report.differences == [], report.summary()
        assert report.queries >= 5
    assert any("answer_b64" in r for r in iv.records)  # the SMU buffer, a binary block
    assert [r["setup"] for r in pulse.records if r["op"] == "setup"] == ["pulse"]
    assert pulse.header["idns"]["scope"].startswith("KEYSIGHT TECHNOLOGIES,MSO9104A")


def test_three_injected_changes_are_exactly_the_differences(recorded):
    iv = recorded[0]
    records = [dict(r) for r in iv.records]
    lfr = next(r for r in records if r.get("data") == ":SYST:LFR?\n")
    lfr["answer"] = "60\n"  # a setting answered differently
    buffer = next(r for r in records if "answer_b64" in r)
    raw = bytearray(decode(buffer, "answer"))
    header = 2 + int(chr(raw[1]))
    values = np.frombuffer(bytes(raw[header:-1]), "<f4").copy()
    values[np.argmax(np.abs(values))] *= 1.5  # a reading 50 % off
    raw[header:-1] = values.tobytes()
    del buffer["answer_b64"]
    encode(buffer, "answer", bytes(raw))
    unknown = {**lfr, "op": "write", "data": ":SYST:FROB 1\n"}
    del unknown["answer"], unknown["tr"]
    records.insert(records.index(lfr) + 1, unknown)  # a command no instrument knows
    report = replay(replace(iv, records=records))
    found = {(d.command, d.kind) for d in report.differences}
    assert found == {(":SYST:LFR?", "answer"), (":SYST:FROB", "refused"),
                     (":FORM:DATA;:FORM:BORD;:TRAC:DATA?;:FORM:DATA", "reading")}, report.summary()
    assert len(report.differences) == 3
    assert "-113" in next(d.message for d in report.differences if d.kind == "refused")


def test_an_answer_the_instrument_took_long_to_give_is_a_timing_difference(recorded):
    records = [dict(r) for r in recorded[1].records]
    opc = next(r for r in records if r.get("data") == "*OPC?\n")
    opc["dt"] = 0.02  # 20 ms at the instrument, microseconds on the bench
    report = replay(replace(recorded[1], records=records))
    assert [(d.command, d.kind) for d in report.differences] == [("*OPC?", "timing")]


def test_a_timeout_is_recorded_and_raised_unchanged(new_station, tmp_path):
    station = new_station()
    smu = station.smu
    recorder = station.record(tmp_path / "t.visa.jsonl.gz")
    assert "read" in vars(station.visalib)
    with pytest.raises(VisaIOError) as raised:
        smu.driver.adapter.connection.read()  # nothing asked: the instrument has nothing to say
    assert raised.value.error_code == StatusCode.error_timeout
    recorder.close()
    assert "read" not in vars(station.visalib) and "write" not in vars(station.visalib)
    (record,) = Transcript.load(tmp_path / "t.visa.jsonl.gz").records
    assert (record["r"], record["op"], record["error"]) == ("smu", "read",
                                                            StatusCode.error_timeout)


def test_every_write_the_library_serves_is_recorded(new_station, tmp_path):
    station = new_station()
    recorder = station.record(tmp_path / "t.visa.jsonl.gz")
    with count_traffic(station.visalib) as traffic:
        station.smu.idn  # noqa: B018 (a query)
        station.awg.safe_off()
        station.scope.safe_off()
    recorder.close()
    sent = [decode(r, "data") for r in Transcript.load(recorder.path).transactions()]
    assert len(sent) == traffic.writes >= 3
    assert sum(map(len, sent)) == traffic.bytes_out


def test_a_station_without_the_option_wraps_nothing(new_station, tmp_path):
    station = new_station()
    outcome = run_procedure(build_procedure(PROCEDURES["IVSweep"], {"cycles": 1}), station,
                            tmp_path)
    assert Catalog(tmp_path / "catalog.sqlite").get(outcome.run_id).transcript_path == ""
    assert not {"write", "read"} & set(vars(station.visalib))
    assert not list(tmp_path.glob("*.visa.jsonl.gz"))


def test_the_station_file_option():
    assert StationConfig.from_text(DEFAULT_STATION_YAML + "record: true\n").record
    assert not StationConfig.default().record


def test_anonymised_transcripts_keep_no_serial_number_or_address(recorded):
    secrets = ("04412345", "MY12345678", "192.168.0.9", "0x2450")
    assert all(s in str([recorded[1].header, *recorded[1].records]) for s in secrets)
    for transcript in recorded:
        shared = anonymise(transcript)
        text = str([shared.header, *shared.records])
        assert not [secret for secret in secrets if secret in text]
        assert replay(shared).differences == []


@pytest.mark.parametrize("path", sorted(TRANSCRIPTS.glob("*.visa.jsonl.gz")), ids=lambda p: p.name)
def test_kept_transcripts_still_replay_exactly(path):
    transcript = Transcript.load(path)
    assert transcript.header["anonymised"]
    report = replay(transcript)
    assert report.differences == [], report.summary()
    assert report.queries > 0


def test_kept_transcripts_exist():
    assert list(TRANSCRIPTS.glob("*.visa.jsonl.gz"))


def test_a_file_that_is_not_a_transcript_is_refused(tmp_path):
    path = tmp_path / "x.visa.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a labmem VISA transcript"):
        Transcript.load(path)


def test_command_keys_group_by_header_with_numbers_normalised():
    assert command_key(b":CHANnel2:SCALe 0.5\n") == ":CHANNEL#:SCALE"
    assert command_key(b":INIT;*WAI;:TRAC:ACT? \"defbuffer1\"\n") == ":INIT;*WAI;:TRAC:ACT?"
    assert command_key(base64.b64decode(base64.b64encode(b"#210abcdefghij"))) == "<block>"
