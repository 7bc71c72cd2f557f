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
    ("roles: {smu: {driver: keithley2450, resource: x, channel: b}}",
     "role 'smu': the keithley2450 driver has no channel to choose; remove 'channel' "
     r"\(drivers with channels: keithley2636b, k81160a\)"),
    ("roles: {awg: {driver: k81160a, resource: x, channel: 3}}",
     r"channel 3 does not exist on the k81160a \(channels: 1, 2\)"),
    ("roles: {smu: {driver: keithley2636b, resource: x, channel: c}}",
     r"channel 'c' does not exist on the keithley2636b \(channels: a, b\)"),
    ("roles: {smu: {driver: keithley2636b, resource: x, channel: 1}}",
     "channel 1 does not exist"),
    ("roles: {smu: {driver: keithley2636b, resource: x, channel: [a]}}",
     "is not of type 'string', 'integer'"),
    ("roles: {scope: {driver: mso9104a, resource: x, sync_channel: 2}}",
     "role 'scope': the mso9104a driver has no option 'sync_channel'; remove 'sync_channel' "
     r"\(drivers with option 'sync_channel': rigol_ds1000z\)"),
    ("roles: {scope: {driver: rigol_ds1000z, resource: x, sync_channel: 5}}",
     r"sync_channel 5 does not exist on the rigol_ds1000z \(channels 1-4\)"),
    ("roles: {scope: {driver: rigol_ds1000z, resource: x, sync_level_v: high}}",
     "'high' is not of type 'number'"),
    ("wiring: {differential: true}\nroles: {smu: {driver: keithley2450, resource: x}}",
     "wiring.differential: .* needs an awg role"),
])
def test_bad_station_files_are_refused(text, message):
    with pytest.raises(StationError, match="line 1: .*" + message):
        StationConfig.from_text(text)


def test_an_81160a_role_may_name_its_second_channel():
    config = StationConfig.from_text("roles: {awg: {driver: k81160a, resource: x, channel: 2}}")
    assert config.roles["awg"]["channel"] == 2


def test_a_role_opens_on_the_channel_its_station_file_names(new_bench):
    resource = "USB0::0x05E6::0x2636::04412346::INSTR"
    lib = new_bench(instruments={"smu": {"model": "keithley2636b", "resource": resource}})
    station = Station(StationConfig.from_text(
        f'visa_library: "{lib}"\nroles:\n  smu: {{driver: keithley2636b, '
        f'resource: "{resource}", channel: b}}\n'))
    try:
        smu = station.smu
        smu.configure(1e-3)
        smu.apply(0.25)
        levels = smu.driver.ask("print(smua.source.levelv, smub.source.levelv)")
        assert [float(x) for x in levels.split("\t")] == [0.0, 0.25]
    finally:
        station.safe_off()


def test_a_rigol_role_takes_its_sync_channel_and_level_from_the_station_file(new_bench):
    resource = "TCPIP0::192.168.0.20::INSTR"
    lib = new_bench(instruments={"scope": {"model": "ds1054z", "resource": resource}})
    station = Station(StationConfig.from_text(
        f'visa_library: "{lib}"\nroles:\n  scope: {{driver: rigol_ds1000z, '
        f'resource: "{resource}", sync_channel: 4, sync_level_v: 1.5}}\n'))
    try:
        assert (station.scope.sync_channel, station.scope.sync_level_v) == (4, 1.5)
    finally:
        station.safe_off()


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


def test_a_bench_file_is_found_beside_its_station_file(tmp_path, monkeypatch):
    """visa_library "bench.yaml@labmem" in a station file means the bench file next to it,
    whatever the working directory; an absolute path or another library is left alone."""
    folder = tmp_path / "stations"
    folder.mkdir()
    (folder / "bench_relative.yaml").write_text("seed: 11\n")
    station = folder / "sim.yaml"
    station.write_text(DEFAULT_STATION_YAML.replace(
        'visa_library: "@labmem"', 'visa_library: "bench_relative.yaml@labmem"'))
    monkeypatch.chdir(tmp_path)
    config = StationConfig.from_file(station)
    assert config.visa_library == f"{folder / 'bench_relative.yaml'}@labmem"
    assert Station(config).bench.config.seed == 11
    for library in ("@labmem", "@py", "", f"{folder / 'bench_relative.yaml'}@labmem"):
        station.write_text(DEFAULT_STATION_YAML.replace(
            'visa_library: "@labmem"', f'visa_library: "{library}"'))
        assert StationConfig.from_file(station).visa_library == library


def test_labmem_instruments_supported_lists_drivers_and_models(capsys):
    """--supported names every driver with the role it fills and every simulated model."""
    from labmem.cli.main import main
    from labmem.simulated_instruments.emulators.registry import EMULATORS
    from labmem.station_file import DRIVERS

    assert main(["instruments", "--supported", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    roles = {row["driver"]: row["role"] for row in listing["drivers"]}
    assert set(roles) == set(DRIVERS)
    assert roles["keithley2450"] == "smu" and roles["hp33120a"] == "awg"
    assert roles["mso9104a"] == "scope"
    assert set(listing["bench_models"]) == set(EMULATORS)
