"""Checks before anything runs: station files refused with their line (exit 2), every role a
procedure needs answering *IDN? as the model its driver speaks to (exit 3, no catalog row),
and one simulated bench per bench file."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.procedures.registry import PROCEDURES
from labmem.station import simulated_station
from labmem.station_file import DEFAULT_STATION_YAML

SMU = "USB0::0x05E6::0x2450::04412345::INSTR"


@pytest.fixture
def silent_port():
    """A loopback TCP port that accepts connections (the kernel's backlog) and never
    answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def write(tmp_path, text: str, name: str = "lab.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def no_runs(data) -> bool:
    path = data / "catalog.sqlite"
    return not path.exists() or Catalog(path).runs() == []


# -- station files (item 14, wiring item 5) ------------------------------------------------

BAD_FILES = {
    "syntax": ("roles:\n  smu: {driver: keithley2450\n", 3, "expected ',' or '}'"),
    "roles list": ("visa_library: '@labmem'\nroles: [1, 2]\n", 2, "is not of type 'object'"),
    "object tag": ("roles: !!python/object/apply:os.system ['true']\n", 1,
                   "could not determine a constructor"),
    "no roles": ("visa_library: '@labmem'\n", 1, "'roles' is a required property"),
    "resource type": (f"roles:\n  smu: {{driver: keithley2450, resource: {SMU!r}}}\n"
                      "  awg:\n    driver: hp33120a\n    resource: 10\n", 5,
                      "10 is not of type 'string'"),
    "timeout type": ("roles:\n  smu:\n    driver: keithley2450\n    resource: x\n"
                     "    timeout_ms: soon\n", 5, "'soon' is not of type 'integer'"),
    "unknown role": ("roles:\n  sum: {driver: keithley2450, resource: x}\n", 2,
                     "unknown key 'sum'"),
    "driver in the wrong role": ("roles:\n  awg: {driver: keithley2450, resource: x}\n", 2,
                                 "needs a WaveformGenerator driver"),
    "scope channel 7": (DEFAULT_STATION_YAML.replace("scope_awg_channel: 1",
                                                     "scope_awg_channel: 7"), 12,
                        "channel 7 does not exist on the mso9104a (channels 1-4)"),
    "one channel twice": (DEFAULT_STATION_YAML.replace("scope_tia_channel: 2",
                                                       "scope_tia_channel: 1"), 13,
                          "both go to scope channel 1"),
    "channel zero": (DEFAULT_STATION_YAML.replace("scope_tia_channel: 2",
                                                  "scope_tia_channel: 0"), 13,
                     "0 is less than the minimum of 1"),
    "bool channel": (DEFAULT_STATION_YAML.replace("scope_tia_channel: 2",
                                                  "scope_tia_channel: true"), 13,
                     "True is not of type 'integer'"),
    "negative resistor": (DEFAULT_STATION_YAML.replace("[1.0e+3,", "[-1.0e+3,"), 10,
                          "less than or equal to the minimum of 0"),
}
COMMANDS = {
    "instruments": lambda station, tmp: ["instruments", "--station", station],
    "run": lambda station, tmp: ["run", "IVSweep", "--station", station, "--data",
                                 str(tmp / "data"), "--quiet"],
    "gui": lambda station, tmp: ["gui", "--station", station],
    "campaign check": lambda station, tmp: ["campaign", "check", write(
        tmp, f"campaign: c\nstation: {station}\ndevices: [{{device: A1}}]\n"
             "steps: [{procedure: IVSweep}]\n", "c.yaml")],
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_station_file_is_refused_with_its_line_and_exit_2(tmp_path, capsys, case,
                                                                 command):
    text, line, message = BAD_FILES[case]
    station = write(tmp_path, text)
    assert main(COMMANDS[command](station, tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{station}, line {line}: " in err and message in err
    assert "Traceback" not in err and no_runs(tmp_path / "data")


def test_campaign_run_refuses_a_bad_station_file_before_writing(tmp_path, capsys):
    station = write(tmp_path, BAD_FILES["roles list"][0])
    campaign = COMMANDS["campaign check"](station, tmp_path)[2]
    out = tmp_path / "out"
    assert main(["campaign", "run", campaign, "--out", str(out), "--quiet"]) == 2
    assert f"{station}, line 2: " in capsys.readouterr().err
    assert not out.exists()


# -- every role the procedure needs answers, and is the right model (items 3, 4) -----------

def test_every_procedure_declares_the_roles_it_talks_to():
    for name, cls in PROCEDURES.items():
        assert cls.ROLES and set(cls.ROLES) <= {"smu", "awg", "scope"}, name
    assert PROCEDURES["IVSweep"].ROLES == ("smu",)
    assert PROCEDURES["Retention"].ROLES == ("smu",)
    assert set(PROCEDURES["SynapticWeight"].ROLES) == {"smu", "awg", "scope"}
    assert set(PROCEDURES["IntegrateAndFire"].ROLES) == {"awg", "scope"}


def test_a_silent_smu_is_refused_within_its_timeout_and_opens_no_row(tmp_path, capsys,
                                                                      silent_port):
    resource = f"TCPIP0::127.0.0.1::{silent_port}::SOCKET"
    station = write(tmp_path, f'visa_library: "@py"\nroles:\n  smu: {{driver: keithley2450, '
                              f'resource: "{resource}", timeout_ms: 200}}\n')
    data = tmp_path / "data"
    assert main(["run", "IVSweep", "--station", station, "--data", str(data), "--quiet",
                 "--cycles", "1"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"labmem run: smu (keithley2450 at "
                                                   f"{resource}) not found")
    assert "VI_ERROR_TMO" in err and no_runs(data)
    assert main(["instruments", "--station", station]) == 3


@pytest.mark.skipif(importlib.util.find_spec("gpib") is not None
                    or importlib.util.find_spec("gpib_ctypes") is not None,
                    reason="a GPIB library is installed")
def test_a_gpib_resource_without_a_gpib_library_is_not_found(tmp_path, capsys, silent_port):
    station = write(tmp_path, 'visa_library: "@py"\nroles:\n  awg: {driver: hp33120a, '
                              'resource: "GPIB0::10::INSTR"}\n  scope: {driver: mso9104a, '
                              f'resource: "TCPIP0::127.0.0.1::{silent_port}::SOCKET"}}\n')
    data = tmp_path / "data"
    assert main(["run", "PulseTrain", "--station", station, "--data", str(data),
                 "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("labmem run: awg (hp33120a at GPIB0::10::INSTR) not found")
    assert "waveform" not in err and err.count("\n") == 1 and no_runs(data)


def test_a_role_missing_from_the_station_is_refused(tmp_path, capsys, new_bench):
    station = write(tmp_path, f'visa_library: "{new_bench()}"\nroles:\n'
                              f'  smu: {{driver: keithley2450, resource: "{SMU}"}}\n')
    assert main(["run", "PulseTrain", "--station", station, "--data", str(tmp_path / "d"),
                 "--quiet"]) == 3
    assert f"the station {station} has no 'awg' role" in capsys.readouterr().err
    assert no_runs(tmp_path / "d")


def test_another_model_in_a_role_is_refused_unless_idn_check_is_off(tmp_path, capsys,
                                                                     new_bench):
    text = DEFAULT_STATION_YAML.replace('"@labmem"', f'"{new_bench()}"').replace(
        '"GPIB0::10::INSTR"}', f'"{SMU}"}}')  # the AWG role on the SMU's resource
    station = write(tmp_path, text)
    data = tmp_path / "data"
    assert main(["run", "PulseTrain", "--station", station, "--data", str(data),
                 "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"labmem run: awg (hp33120a at {SMU}) answers *IDN? "
                          "'KEITHLEY INSTRUMENTS,MODEL 2450,")
    assert "HEWLETT-PACKARD,33120A" in err and err.count("\n") == 1 and no_runs(data)
    assert main(["instruments", "--station", station]) == 3
    assert "awg (hp33120a" in capsys.readouterr().err
    station = write(tmp_path, text.replace(f'"{SMU}"}}\n  scope',
                                           f'"{SMU}", idn_check: false}}\n  scope'))
    assert main(["instruments", "--station", station]) == 0


# -- one simulated bench per bench file (item 12) ------------------------------------------

def test_a_second_bench_with_other_settings_on_one_file_is_refused(tmp_path):
    path = tmp_path / "bench.yaml"
    first = simulated_station(path, seed=4)
    assert simulated_station(path, seed=4).bench is first.bench  # same settings: one world
    with pytest.raises(ValueError, match=r"other settings \(seed: 4\) is already open"):
        simulated_station(path, seed=7)
    assert path.read_text() == "seed: 4\n"  # the open bench's file is left as it was
    other = simulated_station(tmp_path / "bench7.yaml", seed=7)
    assert other.bench.config.seed == 7 and first.bench.config.seed == 4
