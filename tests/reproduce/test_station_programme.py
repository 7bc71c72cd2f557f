"""The neuron calibration targets through the whole instrument path (AWG → series R → device
→ TIA → scope, all over VISA), as statistics over several simulated devices (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from pymeasure.experiment import Results

from labmem.procedures.neuron.pulse_responses import AllOrNone, IntegrateAndFire
from labmem.procedures.runner import run_procedure
from labmem.station import simulated_station

SEEDS = range(100, 108)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def neuron_runs(tmp_path_factory):
    """E4 and E6 on eight fresh devices: (first responding pulse, spikes per device)."""
    out = tmp_path_factory.mktemp("neurons")
    firsts, spikes = [], []
    for seed in SEEDS:
        station = simulated_station(out / f"bench{seed}.yaml", seed=seed)
        e4 = run_procedure(AllOrNone(series_ohm=10e6, tia_gain=1e6, sample_interval_s=100e-6),
                           station, out)
        responded = Results.load(str(e4.results_path)).data["Responded"].to_numpy()
        firsts.append(int(np.argmax(responded)) + 1 if responded.any() else 99)
        station = simulated_station(out / f"bench{seed}b.yaml", seed=seed + 1000)
        e6 = run_procedure(IntegrateAndFire(series_ohm=2e6, sample_interval_s=0.1e-6),
                           station, out)
        rows = Results.load(str(e6.results_path)).data
        spikes.append(rows[rows["Spikes"] > 0][["Package", "Pulse"]].to_numpy(dtype=int))
    return firsts, spikes


def spikes_by_package(spikes: np.ndarray) -> list[np.ndarray]:
    """The spiking pulses of each package that spiked."""
    return [spikes[spikes[:, 0] == package, 1] for package in np.unique(spikes[:, 0])]


def test_all_or_none_threshold_over_devices(neuron_runs):
    firsts, _ = neuron_runs
    assert 5 <= np.median(firsts) <= 7
    assert np.mean([5 <= f <= 7 for f in firsts]) >= 0.7


def test_integrate_and_fire_over_devices(neuron_runs):
    _, spikes = neuron_runs
    first_packages = [s[0, 0] if len(s) else 99 for s in spikes]
    assert 7 <= np.median(first_packages) <= 9
    assert np.mean([7 <= p <= 9 for p in first_packages]) >= 0.6
    second = [pulses[1] for s in spikes for pulses in spikes_by_package(s) if len(pulses) > 1]
    assert len(second) >= 5, "packages long enough to fire twice do so"
    assert 12 <= np.median(second) <= 16


def test_a_half_volt_offset_does_not_allow_a_second_spike(neuron_runs, tmp_path):
    """The paper on E6: "smaller bias offsets (-0.5 V) were not enough to allow for a second
    spiking event in the given pulse scheme": the Ag a spike deposits is re-oxidised only under
    a strong enough reverse bias, so the same devices fire at most once per package, but for
    rare exceptions (8 of 106 spiking packages; with -1 V 36 of 91 fire twice or more)."""
    _, spikes = neuron_runs
    at_1v = [p for s in spikes for p in spikes_by_package(s)]
    twice_at_1v = np.mean([len(p) > 1 for p in at_1v])
    packages = []
    for seed in SEEDS:
        station = simulated_station(tmp_path / f"bench{seed}.yaml", seed=seed + 1000)
        e6 = run_procedure(IntegrateAndFire(series_ohm=2e6, sample_interval_s=0.1e-6,
                                            low_v=-0.5), station, tmp_path)
        rows = Results.load(str(e6.results_path)).data
        packages += spikes_by_package(rows[rows["Spikes"] > 0][["Package", "Pulse"]]
                                      .to_numpy(dtype=int))
    assert len(packages) >= 3 * len(SEEDS), "the devices still fire"
    twice = np.mean([len(p) > 1 for p in packages])
    assert twice <= 0.1 and twice <= twice_at_1v / 4, (twice, twice_at_1v)


def test_the_instruments_and_the_model_agree_on_integrate_and_fire(neuron_runs):
    """Issue 19: E6 through the instruments (AWG edges, TIA, scope) and model-only centre on the
    paper (first spike in package 8, a second one near pulse 14) and do not differ
    statistically (Mann-Whitney, 5 %)."""
    from scipy.stats import mannwhitneyu

    from labmem.reproduce import model_programme as pg
    from labmem.simulated_instruments.device.params import AgFilamentParams

    params, cfg = AgFilamentParams(), pg.ProgrammeConfig()
    model_first, model_second = [], []
    for child in np.random.SeedSequence(20261203).spawn(20):
        spikes = pg.integrate_and_fire(params, np.random.default_rng(child), cfg)[1]["spikes"]
        pairs = np.array([[s["package"], s["pulse"]] for s in spikes], dtype=int).reshape(-1, 2)
        model_first.append(pairs[0, 0] if len(pairs) else 99)
        model_second += [p[1] for p in spikes_by_package(pairs) if len(p) > 1]
    _, spikes = neuron_runs
    first = [s[0, 0] if len(s) else 99 for s in spikes]
    second = [p[1] for s in spikes for p in spikes_by_package(s) if len(p) > 1]
    assert abs(np.median(model_first) - 8) <= 1 and abs(np.median(first) - 8) <= 1
    assert abs(np.median(model_second) - 14) <= 1.5 and abs(np.median(second) - 14) <= 1.5
    assert mannwhitneyu(model_first, first).pvalue > 0.05
    assert mannwhitneyu(model_second, second).pvalue > 0.05


@pytest.fixture(scope="module", params=[1, 2])
def iv_through_instruments(request, tmp_path_factory) -> dict:
    """E1–E3 (training ladder and regime switching) through the SMU driver, for a seed other
    than the reference report's: the I(V) entries of its summary."""
    from labmem.reproduce import station_programme as sp
    from labmem.summaries import load_rows

    out = tmp_path_factory.mktemp(f"iv{request.param}")
    station = sp.device_station(request.param, "iv", out)
    runs = [(proc, run_procedure(proc, station, out)) for proc in sp.procedures()["iv"]]
    summary: dict = {}
    sp.iv_summary(runs, load_rows, summary)
    return summary


def test_training_lowers_hrs_and_the_reset_is_gradual_through_the_instruments(
        iv_through_instruments):
    """Issue 19 statements 2 and 5a on two more devices, measured as a user would."""
    from test_model_programme import check_gradual_reset, check_hrs_reduction

    check_hrs_reduction(iv_through_instruments)
    check_gradual_reset(iv_through_instruments)


SHORT_TRAINING = {"cycles": 10, "ladder_per_decade": 1, "ladder_cycles": 1}
"""The training ladder shortened for a wafer: 10 cycles per block, one rung per decade."""


@pytest.fixture(scope="module")
def wafer_through_instruments(tmp_path_factory) -> list[tuple[np.ndarray, np.ndarray]]:
    """(untrained, trained) volatile Vset per cycle through the SMU driver: the reference
    report's I(V) device, then six devices of one population (the campaign example's seed)."""
    from labmem.procedures.switching.iv import ComplianceLadderTraining
    from labmem.reproduce import station_programme as sp
    from labmem.reproduce.model_programme import DEFAULT_SEED
    from labmem.simulated_instruments.device.population import draw_population
    from labmem.summaries import iv_blocks, load_rows

    out = tmp_path_factory.mktemp("wafer")
    stations = [sp.device_station(DEFAULT_SEED, "iv", out)] + [
        simulated_station(out / f"wafer{d.seed}.yaml", seed=d.seed, device=d.params)
        for d in draw_population(6, seed=2026)]
    vsets = []
    for station in stations:
        proc = ComplianceLadderTraining(**SHORT_TRAINING)
        run = run_procedure(proc, station, out)
        blocks = sp.e2_blocks(iv_blocks(load_rows(run.results_path),
                                        [b.label for b in proc.blocks()]))
        vsets.append((blocks["volatile_initial"].vset_v, blocks["volatile_trained"].vset_v))
    return vsets


def test_a_wafer_through_the_instruments_sets_higher_untrained_and_alike_trained(
        wafer_through_instruments):
    """Issue 19 statement 3 as a user measures it: untrained, the wafer's devices set higher
    and more scattered than the reference (best-case) device; trained, all alike, low and
    narrow."""
    (reference, _), *devices = wafer_through_instruments
    means = np.array([np.nanmean(u) for u, _ in devices])
    pooled = np.concatenate([u for u, _ in devices])
    assert np.mean(np.isfinite(pooled)) >= 0.8, "most cycles set within the 1.5 V sweep"
    assert np.median(means) >= np.nanmean(reference) + 0.15, (means, np.nanmean(reference))
    assert np.std(means, ddof=1) >= 0.1, means
    assert np.nanstd(pooled, ddof=1) >= 1.3 * np.nanstd(reference, ddof=1)
    for _, trained in wafer_through_instruments:
        assert np.isfinite(trained).all()
        assert abs(trained.mean() - 0.23) <= 0.05 and trained.std(ddof=1) <= 0.03, trained
