"""Station files, set-up changes (simulated recabling vs asking the operator), the clock."""

from __future__ import annotations

import json

import pytest

from labmem.station import Station
from labmem.station_file import DEFAULT_STATION_YAML, StationConfig, StationError


def test_default_station_roles_and_fixtures():
    config = StationConfig.default()
    assert config.visa_library == "@labmem"
    assert set(config.roles) == {"smu", "awg", "scope", "tia"}
    assert 1e5 in config.fixtures["series_resistors_ohm"]


@pytest.mark.parametrize("text, message", [
    ("roles: {smu: {driver: keithley2636, resource: 'GPIB0::1::INSTR'}}", "unknown driver"),
    ("roles: {smu: {driver: keithley2450}}", "'resource' is a required property"),
    ("roles: {tia: {driver: sr570}}", "unknown TIA driver"),
    ("instruments: {}", "unknown key 'instruments'"),
    ("!!python/object/apply:os.system ['true']", "could not determine a constructor"),
])
def test_bad_station_files_are_refused(text, message):
    with pytest.raises(StationError, match="line 1: .*" + message):
        StationConfig.from_text(text)


def test_tia_gain_must_be_a_real_setting():
    with pytest.raises(ValueError, match="allowed"):
        StationConfig.from_text(DEFAULT_STATION_YAML.replace("1.0e+5, mode", "3.0e+5, mode"))


def test_simulated_station_recables_the_bench(new_station):
    station = new_station()
    assert station.simulated and station.setup == "smu"
    station.use_setup("pulse", series_ohm=1e6, tia_gain_v_per_a=1e6)
    bench = station.bench
    assert (bench.setup, bench.series_ohm, bench.tia.gain_v_per_a) == ("pulse", 1e6, 1e6)
    assert bench.tia.bandwidth_hz == station.tia.bandwidth_hz
    with pytest.raises(ValueError, match="not a fixture"):
        station.use_setup("pulse", series_ohm=3.3e5)
    station.use_setup("smu")
    assert bench.setup == "smu"


def test_real_station_asks_the_operator(new_station, monkeypatch):
    asked: list[str] = []
    station = new_station()
    station.operator = asked.append
    monkeypatch.setattr(Station, "bench", property(lambda self: None))
    station.use_setup("pulse", series_ohm=2e6)
    station.use_setup("pulse", series_ohm=2e6)  # already so: nothing to ask
    assert len(asked) == 1
    assert "2e+06 Ω" in asked[0] and "TIA" in asked[0] and "CH2" in asked[0]


def test_waits_run_on_the_virtual_clock(new_station):
    station = new_station()
    t0 = station.now()
    station.wait(3600.0)
    assert station.now() == pytest.approx(t0 + 3600.0)


def test_labmem_instruments_lists_roles_with_their_idn(tmp_path, capsys):
    from labmem.cli.main import main

    assert main(["instruments", "--json"]) == 0
    rows = {row["role"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["smu"]["idn"].startswith("KEITHLEY INSTRUMENTS,MODEL 2450")
    assert rows["scope"]["idn"].startswith("KEYSIGHT TECHNOLOGIES,MSO9104A")
    assert rows["awg"]["idn"].startswith("HEWLETT-PACKARD,33120A")
    assert all(row["kind"] == "simulated" for row in rows.values())
    station = tmp_path / "lab.yaml"
    station.write_text(DEFAULT_STATION_YAML.replace(
        "USB0::0x05E6::0x2450::04412345::INSTR", "USB0::0x05E6::0x2450::99999999::INSTR"))
    assert main(["instruments", "--station", str(station)]) == 3  # the SMU is not there
    assert "not found" in capsys.readouterr().out
