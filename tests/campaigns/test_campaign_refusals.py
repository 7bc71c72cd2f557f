"""A campaign that cannot run is refused before anything is written into its output folder
(exit 2 refused, 3 not found, one line), and campaign files with odd values are refused naming
the line."""

from __future__ import annotations

import socket

import pytest

from labmem.campaigns.spec import Campaign, CampaignError
from labmem.cli.main import main
from labmem.station import Station

SIMULATED = "campaign: sim\npopulation: {count: 1}\nsteps: [{procedure: IVSweep}]\n"
ON_STATION = "campaign: real\nstation: station.yaml\ndevices: [{device: A}]\n" \
             "steps: [{procedure: IVSweep}]\n"
STATION = 'visa_library: "{library}"\nroles:\n  smu: {{driver: keithley2450, resource: ' \
          '"USB0::0x05E6::0x2450::04412345::INSTR"}}\n'


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refusal(tmp_path, capsys, campaign: str, *options: str, library: str = "@labmem"
            ) -> tuple[int, str]:
    """Exit code and stderr of `labmem campaign run` on this campaign text, output in
    tmp_path/out; the output folder must stay absent."""
    (tmp_path / "station.yaml").write_text(STATION.format(library=library))
    path = tmp_path / "c.yaml"
    path.write_text(campaign)
    code = main(["campaign", "run", str(path), "--out", str(tmp_path / "out"), "--quiet",
                 *options])
    err = capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "nothing is written for a refused campaign"
    assert "Traceback" not in err and len(err.splitlines()) == 1
    return code, err


@pytest.mark.parametrize(("campaign", "options", "library", "code", "words"), [
    (ON_STATION, (), "@nosuchvisa", 3, "cannot open the station"),
    (SIMULATED, ("--executor", "dask", "--workers", "0"), "@labmem", 2,
     "--workers must be at least 1, got 0"),
    (ON_STATION, ("--executor", "dask"), "@labmem", 2, "--executor dask is for simulated"),
    (SIMULATED, ("--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{closed_port()}"),
     "@labmem", 3, "no Dask scheduler answers at tcp://127.0.0.1:"),
    (SIMULATED, ("--executor", "dask", "--scheduler", "nowhere"), "@labmem", 2,
     "--scheduler 'nowhere': missing port number"),
], ids=["no VISA library", "no workers", "dask on a station", "scheduler not answering",
        "scheduler address"])
def test_a_refused_campaign_writes_nothing(tmp_path, capsys, campaign, options, library,
                                           code, words):
    got, err = refusal(tmp_path, capsys, campaign, *options, library=library)
    assert got == code
    assert err.startswith("labmem campaign: ") and words in err


def test_real_instruments_need_a_terminal_for_the_operator(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(Station, "simulated", property(lambda self: False))
    code, err = refusal(tmp_path, capsys, ON_STATION)
    assert code == 2 and "run the campaign from a terminal" in err


def test_an_output_folder_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "out").write_text("")
    path = tmp_path / "c.yaml"
    path.write_text(SIMULATED)
    assert main(["campaign", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"labmem campaign: the output folder {tmp_path}/out " \
                                      "is a file\n"


@pytest.mark.parametrize(("text", "code", "line", "words"), [
    ("campaign: x\npopulation: {count: 2, spread: .nan}\nsteps: [{procedure: IVSweep}]\n",
     2, 2, "population.spread: nan is not a finite number"),
    ("campaign: x\ndevices: [{device: A, x_um: .inf, y_um: 0}]\nsteps: "
     "[{procedure: IVSweep}]\n", 2, 2, "devices.0.x_um: inf is not a finite number"),
    ("campaign: x\ndevices: [{device: A}]\nsteps: [{procedure: IVSweep}]\n"
     "devices: [{device: B}]\n", 2, 4, "'devices' is given twice (first on line 2)"),
    ("campaign: x\nstation: nothere.yaml\ndevices: [{device: A}]\nsteps: "
     "[{procedure: IVSweep}]\n", 3, 2, "nothere.yaml: No such file or directory"),
    ("campaign: x\nstation: bad_station.yaml\ndevices: [{device: A}]\nsteps: "
     "[{procedure: IVSweep}]\n", 2, 2, "station file"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    until: "
     "{metric: vset_std_v, below: 0.1}\n", 2, 5, "until repeats the step: give max_repeats"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    parameters:\n"
     "      cycles: true\n", 2, 6,
     "Cycles (cycles) = True is not allowed: a number is needed, not true/false"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    parameters:\n"
     "      cycles: 1.5\n", 2, 6, "Cycles (cycles) = 1.5 is not allowed: a whole number"),
], ids=["nan", "inf", "duplicate key", "missing station", "malformed station", "until alone",
        "boolean count", "fractional count"])
def test_odd_campaign_files_are_refused_naming_the_line(tmp_path, capsys, text, code, line,
                                                        words):
    (tmp_path / "bad_station.yaml").write_text("roles: [1, 2\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CampaignError) as err:
        Campaign.from_file(path)
    assert str(err.value).startswith(f"{path}, line {line}: ") and words in str(err.value)
    assert main(["campaign", "check", str(path)]) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"line {line}: " in err


def test_a_binary_campaign_file_is_refused(tmp_path, capsys):
    path = tmp_path / "bin.yaml"
    path.write_bytes(bytes(range(256)))
    assert main(["campaign", "check", str(path)]) == 2
    assert capsys.readouterr().err == f"labmem campaign: {path}: not a text (UTF-8) file\n"


def test_integral_numbers_are_whole_counts(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("campaign: x\npopulation: {count: 2.0, seed: 1.0}\nsteps:\n"
                    "  - {procedure: IVSweep, parameters: {cycles: 1e3}, repeats: 2.0}\n")
    campaign = Campaign.from_file(path)
    (step,) = campaign.steps
    assert step.repeats == 2 and isinstance(step.repeats, int)
    assert step.build().cycles == 1000
    assert len(campaign.devices) == 2
