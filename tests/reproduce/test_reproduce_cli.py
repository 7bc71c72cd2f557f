"""`labmem reproduce` writes its figures and a summary.json with the agreed keys."""

from __future__ import annotations

import pytest

from labmem.cli.main import main
from labmem.reproduce import report
from labmem.reproduce.station_programme import device_station
from labmem.simulated_instruments.device.params import AgFilamentParams

REQUIRED_IV = {"compliance_a", "cycles", "vset_v", "vset_mean_v", "vset_std_v"}


def test_summary_has_the_agreed_keys(reference_summary):
    s = reference_summary
    assert s["simulated"] is True and isinstance(s["seed"], int)
    for key in ("volatile_initial", "nonvolatile", "volatile_trained"):
        assert set(s["iv"][key]) >= REQUIRED_IV
    for block in s["regime_switching"]:
        assert {"regime", "compliance_a", "cycles", "vset_mean_v", "vset_std_v"} <= set(block)
    assert {"amplitudes_v", "responded", "first_response_pulse", "threshold_v"} <= set(
        s["all_or_none"])
    assert len(s["integrate"]["peak_current_a"]) == 9
    assert {"spikes", "first_spike_package"} <= set(s["integrate_and_fire"])
    assert all({"package", "pulse"} == set(x) for x in s["integrate_and_fire"]["spikes"])
    assert {"runs", "g_mean_s", "g_std_s"} <= set(s["synapse"])
    assert len(s["synapse"]["g_mean_s"]) == 200
    assert {"amplitudes_v", "delay_s", "log10_slope_per_v", "r2"} <= set(
        s["delay_vs_amplitude"])
    assert {"volatile_decay_s", "nonvolatile_hold_s"} <= set(s["retention"])


def test_figures_are_written(reference_out, reference_summary):
    assert len(reference_summary["figures"]) == 9
    for name in reference_summary["figures"]:
        data = (reference_out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_cli_requires_out():
    with pytest.raises(SystemExit):
        main(["reproduce"])


def test_a_fitted_device_runs_the_programme_and_the_report_names_its_overrides(
        tmp_path, reference_summary):
    station = device_station(4, "iv", tmp_path, {"v_a_fresh": 1.21})
    device = station.visalib.bench.device  # the bench the station's instruments share
    assert device.params.v_a_fresh == 1.21
    assert device.params.v_a_trained == AgFilamentParams().v_a_trained
    station.safe_off()
    path = report.write({**reference_summary, "device_overrides": {"v_a_fresh": 1.21}},
                        tmp_path / "report.md")
    assert "Device parameters overridden: `v_a_fresh` = 1.21." in path.read_text()
    assert "overridden" not in report.write(reference_summary, tmp_path / "r.md").read_text()
