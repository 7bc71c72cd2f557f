"""Campaigns on the simulated bench: a population of devices through forming, training (until
the trained volatile Vset σ is small enough) and an integrate-and-fire test; the report and
summary; a SIGKILL mid-way and a resume that runs every step exactly once; skipped devices."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import matplotlib.image
import pytest

from labmem.campaigns import report
from labmem.campaigns.executors import run_campaign
from labmem.campaigns.runner import run_device
from labmem.campaigns.spec import Campaign, CampaignError, Condition, Device, Step
from labmem.catalog import Catalog
from labmem.cli.main import main
from labmem.summaries import load_rows

CAMPAIGN = """\
campaign: {name}
description: forming, training and a neuron test over a small population
population: {{count: {count}, seed: 5}}
steps:
  - name: forming
    procedure: IVSweep
    parameters: {{cycles: 1, v_pos: 3.0, step_v: 0.01}}
    require: {{metric: set_fraction, above: 0}}
  - name: training
    procedure: ComplianceLadderTraining
    parameters: {{cycles: {cycles}, ladder_cycles: 1, first_fire_v: 0}}
    until: {{metric: vset_std_v, block: "volatile, trained", below: {sigma}}}
    max_repeats: 2
  - name: neuron
    procedure: IntegrateAndFire
    parameters: {{packages: 6}}
"""


def write_campaign(tmp_path, name="pop", count=3, cycles=5, sigma=0.05):
    path = tmp_path / f"{name}.yaml"
    path.write_text(CAMPAIGN.format(name=name, count=count, cycles=cycles, sigma=sigma))
    return path


def finished_steps(out) -> dict[tuple[str, str], list[int]]:
    """(device, step key) → ids of its finished runs."""
    found: dict[tuple[str, str], list[int]] = {}
    for run in Catalog(out / "catalog.sqlite").runs():
        if run.status == "finished":
            found.setdefault((run.device_id, run.step), []).append(run.id)
    return found


def test_a_three_device_campaign_writes_its_report_and_summary(tmp_path):
    out = tmp_path / "out"
    assert main(["campaign", "run", str(write_campaign(tmp_path)), "--out", str(out),
                 "--quiet"]) == 0
    summary = json.loads((out / "campaign_summary.json").read_text())
    devices = summary["devices"]
    assert [d["device_id"] for d in devices] == ["SIM-D0001", "SIM-D0002", "SIM-D0003"]
    assert all(d["status"] == "complete" for d in devices)
    # Distinct simulated devices: their untrained Vset differs, their benches too.
    vsets = [d["figures_of_merit"]["Vset volatile, untrained mean (V)"] for d in devices]
    assert len(set(vsets)) == 3
    across = summary["across_devices"]
    for column in ("Vset volatile, untrained mean (V)", "Vset nonvolatile mean (V)",
                   "Vset volatile, trained σ (V)", "pulses to fire"):
        assert across[column]["devices"] == 3, column
    assert across["Vset volatile, trained mean (V)"]["mean"] < \
        across["Vset volatile, untrained mean (V)"]["mean"], "training lowers Vset"
    report = (out / "campaign_report.md").read_text()
    assert "# Campaign pop" in report and "| SIM-D0003 | complete |" in report
    assert (out / "vset_per_device.png").stat().st_size > 10_000
    assert (out / "pulses_to_fire.png").exists()
    # Every run is catalogued under the campaign with its step, each step once per device.
    runs = Catalog(out / "catalog.sqlite").runs(campaign="pop")
    assert len(runs) == sum(len(d["steps"]) for d in devices)
    steps = finished_steps(out)
    assert all(len(ids) == 1 for ids in steps.values())
    assert {key for _, key in steps} >= {"00.00", "01.00", "02.00"}
    # A training step that met its condition stopped; one that did not was repeated.
    for device in devices:
        training = [s for s in device["steps"] if s["step"] == "training"]
        assert all(not s["condition_met"] for s in training[:-1])
        assert len(training) == 2 or training[-1]["condition_met"]


def test_the_report_tabulates_and_plots_any_procedure_s_figures_of_merit(tmp_path):
    """Steps whose metrics are neither Vset nor pulses to fire nor the synaptic range (here
    per-block threshold-switching figures and EPSC's): a column each, per device and across
    devices, and one figure per step with a panel per figure of merit."""
    path = tmp_path / "neurons.yaml"
    path.write_text("campaign: neurons\npopulation: {count: 2, seed: 3}\nsteps:\n"
                    "  - {name: threshold, procedure: ThresholdSwitching, "
                    "parameters: {cycles: 2}}\n"
                    "  - {name: epsc, procedure: EPSC, parameters: {trials: 1}}\n")
    out = tmp_path / "out"
    assert main(["campaign", "run", str(path), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "campaign_summary.json").read_text())
    across = summary["across_devices"]
    assert across["threshold vth_mean_v"]["devices"] == 2
    assert 0.3 < across["threshold vth_mean_v"]["mean"] < 1.5
    assert across["epsc epsc_decay_median_s"]["devices"] == 2
    report = (out / "campaign_report.md").read_text()
    assert "| threshold vhold_mean_v |" in report
    for step in ("threshold", "epsc"):
        assert (out / f"step_{step}.png").stat().st_size > 10_000
        assert f"![step_{step}.png](step_{step}.png)" in report


def test_running_again_without_resume_is_refused(tmp_path):
    path = write_campaign(tmp_path, count=1)
    out = tmp_path / "out"
    assert main(["campaign", "run", str(path), "--out", str(out), "--quiet"]) == 0
    assert main(["campaign", "run", str(path), "--out", str(out), "--quiet"]) == 2
    assert main(["campaign", "run", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    assert all(len(ids) == 1 for ids in finished_steps(out).values()), "nothing was redone"


def rows_written(path: str) -> int:
    """Rows of a results file the campaign is writing; 0 while its header is still being
    written (a poll can catch it half-way)."""
    try:
        return len(load_rows(path))
    except ValueError:
        return 0


def test_sigkill_mid_way_then_resume_runs_every_step_exactly_once(tmp_path):
    path = write_campaign(tmp_path, name="killed", count=2, cycles=30, sigma=1.0)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "labmem.cli.main", "campaign", "run", str(path),
                              "--out", str(out), "--quiet"])
    catalog_path = out / "catalog.sqlite"
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
        if not catalog_path.exists():
            continue
        runs = Catalog(catalog_path).runs()
        running = [r for r in runs if r.status == "running" and r.step == "01.00"]
        if running and os.path.exists(running[0].results_path) \
                and rows_written(running[0].results_path) > 2000:
            victim = running[0]  # mid-way through the first device's training
    assert victim is not None, "the campaign never reached its training step"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    rows_at_kill = len(load_rows(victim.results_path))
    before = finished_steps(out)
    assert set(before) == {(victim.device_id, "00.00")}

    assert main(["campaign", "run", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    after = finished_steps(out)
    devices = ("SIM-D0001", "SIM-D0002")
    assert set(after) == {(d, k) for d in devices for k in ("00.00", "01.00", "02.00")}
    assert all(len(ids) == 1 for ids in after.values()), "a step ran twice"
    assert after[(victim.device_id, "00.00")] == before[(victim.device_id, "00.00")]
    killed = Catalog(catalog_path).get(victim.id)
    assert killed.status == "aborted" and "interrupted" in killed.error
    assert len(load_rows(killed.results_path)) == rows_at_kill > 2000, "no row lost"
    summary = json.loads((out / "campaign_summary.json").read_text())
    first = summary["devices"][0]["steps"]
    assert [s["resumed"] for s in first] == [True, False, False]

    # The resumed device went on from its saved state: the same numbers as a campaign that
    # was never interrupted.
    fresh = tmp_path / "fresh"
    assert main(["campaign", "run", str(path), "--out", str(fresh), "--quiet"]) == 0
    clean = json.loads((fresh / "campaign_summary.json").read_text())
    assert [d["figures_of_merit"] for d in summary["devices"]] == \
        [d["figures_of_merit"] for d in clean["devices"]]


def test_a_device_whose_forming_fails_is_skipped(tmp_path):
    campaign = Campaign(
        "strict", [Step("IVSweep", {"cycles": 1, "v_pos": 0.3}, name="forming",
                        require=Condition("set_fraction", above=0.5)),
                   Step("IntegrateAndFire", {"packages": 4})],
        [Device("A1", wafer="W1", seed=3)])
    result = run_device(campaign, campaign.devices[0], tmp_path)
    assert [s.step for s in result.steps] == ["forming"], "the neuron test was not run"
    assert result.skipped == "forming: set_fraction > 0.5 not met"
    out = tmp_path / "cli"
    path = tmp_path / "strict.yaml"
    path.write_text("campaign: strict\ndevices: [{wafer: W1, device: A1, seed: 3}]\nsteps:\n"
                    "  - {name: forming, procedure: IVSweep, parameters: {cycles: 1, "
                    "v_pos: 0.3},\n     require: {metric: set_fraction, above: 0.5}}\n"
                    "  - {procedure: IntegrateAndFire, parameters: {packages: 4}}\n")
    assert main(["campaign", "run", str(path), "--out", str(out), "--quiet"]) == 1
    assert "| W1-A1 | skipped | 1 |" in (out / "campaign_report.md").read_text()


@pytest.mark.parametrize(("text", "line", "words"), [
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n"
     "  - procedure: IVSweeps\n", 5, "unknown procedure 'IVSweeps'"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    parameters:\n"
     "      cycles: 3\n      compliance_a: 5\n", 7,
     "Compliance (compliance_a) = 5 is not allowed: allowed 1e-09 to 1.05 A"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    parameters:\n"
     "      cycle: 3\n", 6, "IVSweep has no parameter 'cycle'"),
    ("campaign: x\ndevices:\n  - device: !!python/object/apply:os.system ['touch pwned']\n"
     "steps: [{procedure: IVSweep}]\n", 3, "could not determine a constructor"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IVSweep\n    until: "
     "{metric: vset_std_v, below: 0.1}\n    max_repeats: 0\n", 6, "max_repeats"),
    ("campaign: x\npopulation: {count: 2}\ndevices: [{device: A}]\nsteps: "
     "[{procedure: IVSweep}]\n", 1, "give either devices or population"),
    ("campaign: x\npopulation: {count: 2}\nstation: lab.yaml\nsteps: [{procedure: IVSweep}]"
     "\n", 3, "a population is simulated"),
    ("campaign: x\ndevices: [{device: A}]\nsteps:\n  - procedure: IntegrateAndFire\n"
     "    require: {metric: vset_std_v, below: 1}\n", 5,
     "IntegrateAndFire has no metric 'vset_std_v'"),
    ("campaign: x\ndevices:\n  - device: A\n  - wafer: \"../../../escaped\"\n    device: B\n"
     "steps: [{procedure: IVSweep}]\n", 4, "wafer '../../../escaped' is not allowed"),
    ("campaign: x\ndevices:\n  - device: \"a b\"\nsteps: [{procedure: IVSweep}]\n", 3,
     "device 'a b' is not allowed"),
    ("campaign: x\npopulation:\n  count: 2\n  wafer: W/3\nsteps: [{procedure: IVSweep}]\n",
     4, "wafer 'W/3' is not allowed"),
])
def test_invalid_campaign_files_are_refused_naming_the_line(tmp_path, capsys, text, line,
                                                             words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CampaignError) as err:
        Campaign.from_file(path)
    assert str(err.value).startswith(f"{path}, line {line}: ")
    assert words in str(err.value)
    assert main(["campaign", "check", str(path)]) == 2
    assert f"line {line}" in capsys.readouterr().err
    assert not (tmp_path / "pwned").exists()


def test_a_small_campaign_on_a_local_dask_cluster_matches_the_serial_run(tmp_path):
    campaign = Campaign.from_file(write_campaign(tmp_path, name="scaled", count=2))
    serial = run_campaign(campaign, tmp_path / "serial", show_progress=False)
    dask = run_campaign(campaign, tmp_path / "dask", executor_name="dask", workers=2,
                        show_progress=False)
    assert dask["executor"] == "dask"
    for a, b in zip(serial["devices"], dask["devices"], strict=True):
        assert a["device_id"] == b["device_id"]
        assert [s["metrics"] for s in a["steps"]] == [s["metrics"] for s in b["steps"]]
        assert a["figures_of_merit"] == b["figures_of_merit"]
    assert len(Catalog(tmp_path / "dask" / "catalog.sqlite").runs(campaign="scaled")) == \
        sum(len(d["steps"]) for d in dask["devices"])


def test_dask_is_refused_for_real_instruments(tmp_path):
    station = tmp_path / "lab.yaml"
    station.write_text('visa_library: "@labmem"\nroles: {}\n')
    campaign = Campaign("real", [Step("IVSweep")], [Device("A")], station=str(station))
    with pytest.raises(CampaignError, match="runs on its single station"):
        run_campaign(campaign, tmp_path / "out", executor_name="dask", show_progress=False)


@pytest.mark.parametrize("name", ["population.yaml", "wafer_w3.yaml", "neuron_catalogue.yaml",
                                  "synapse_catalogue.yaml"])
def test_the_example_campaigns_in_the_docs_are_valid(name, capsys):
    assert main(["campaign", "check", f"docs/examples/{name}"]) == 0
    assert capsys.readouterr().out.endswith(": ok\n")


def test_a_campaign_on_a_station_file_runs_every_device_there(tmp_path, new_bench):
    station = tmp_path / "station.yaml"
    station.write_text(f'visa_library: "{new_bench(seed=9)}"\nroles:\n'
                       '  smu: {driver: keithley2450, resource: '
                       '"USB0::0x05E6::0x2450::04412345::INSTR"}\n')
    path = tmp_path / "on_station.yaml"
    path.write_text("campaign: on-station\nstation: station.yaml\n"
                    "devices: [{wafer: W9, die: D1, device: A1, x_um: 10, y_um: 20}]\n"
                    "steps: [{procedure: IVSweep, parameters: {cycles: 2, step_v: 0.05}}]\n")
    campaign = Campaign.from_file(path)
    assert campaign.station == str(station) and not campaign.simulated
    summary = run_campaign(campaign, tmp_path / "out", show_progress=False)
    assert summary["station"] == str(station)
    (device,) = summary["devices"]
    assert device["status"] == "complete" and device["device_id"] == "W9-D1-A1"
    assert not (tmp_path / "out" / "benches").exists(), "no bench of its own"


def test_a_step_s_figure_holds_its_own_figures_of_merit_not_those_of_a_longer_label(tmp_path):
    devices = [{"figures_of_merit": {"EPSC peak": 1.0, "EPSC 2 peak": 2.0, "EPSC 2 decay": 3.0}}]
    data = {"steps": ["EPSC", "EPSC 2"], "devices": devices,
            "across_devices": {c: {} for c in devices[0]["figures_of_merit"]}}
    paths = report._step_figures(tmp_path, data, ["D1"])
    assert [p.name for p in paths] == ["step_epsc.png", "step_epsc_2.png"]
    widths = [matplotlib.image.imread(p).shape[1] for p in paths]
    assert widths[0] < widths[1], "one panel for EPSC, two for EPSC 2"
