"""`labmem reproduce`: run E1–E9 as procedures on the default simulated station, then write the
figures, summary.json and a report comparing each figure of merit with the paper's value.

Every experiment group runs on its own fresh simulated device (a bench seeded from the
programme seed), as one would take a fresh device on the wafer; E1–E3 share one device."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from labmem import __version__, analysis, summaries
from labmem.catalog import Catalog
from labmem.procedures.base import StationProcedure
from labmem.procedures.neuron.pulse_responses import AllOrNone, Integrate, IntegrateAndFire
from labmem.procedures.runner import RunOutcome, run_procedure
from labmem.procedures.switching.delay import SwitchingDelay
from labmem.procedures.switching.iv import ComplianceLadderTraining, RegimeSwitching
from labmem.procedures.synapse.retention import Retention
from labmem.procedures.synapse.weight import SynapticWeight
from labmem.records import IVBlock
from labmem.reproduce import figures, report
from labmem.reproduce.model_programme import DEFAULT_SEED
from labmem.simulated_instruments.device.params import AgFilamentParams
from labmem.station import Station, simulated_station

Progress = Callable[[str], None]


class ReproduceError(RuntimeError):
    """A run of the programme that did not finish (its status and error)."""


class OutputFolderError(ValueError):
    """An output folder that cannot be made (a file in the way, no permission)."""


DEVICES = ("iv", "all_or_none", "integrate", "integrate_and_fire", "synapse", "delay",
           "retention")
"""One fresh simulated device per experiment group."""

def procedures() -> dict[str, list[StationProcedure]]:
    """The programme's procedures per device, with the reference parameters."""
    return {
        "iv": [ComplianceLadderTraining(), RegimeSwitching()],
        "all_or_none": [AllOrNone(series_ohm=10e6, tia_gain=1e6, sample_interval_s=100e-6)],
        "integrate": [Integrate(series_ohm=2e6, tia_gain=1e5, sample_interval_s=10e-6)],
        "integrate_and_fire": [IntegrateAndFire(series_ohm=2e6, tia_gain=1e5,
                                                sample_interval_s=0.1e-6)],
        "synapse": [SynapticWeight()],
        "delay": [SwitchingDelay()],
        "retention": [Retention()],
    }


def device_station(seed: int, device: str, work: Path,
                   overrides: dict[str, float] | None = None) -> Station:
    """The default station on a fresh simulated bench for one experiment group (its device
    with overrides of the model parameters, e.g. a fitted twin's)."""
    index = DEVICES.index(device)
    bench_seed = int(np.random.SeedSequence(seed).spawn(len(DEVICES))[index].generate_state(1)[0])
    return simulated_station(work / f"bench_{device}.yaml", seed=bench_seed,
                             device=dict(overrides or {}))


def run_programme(seed: int, data_dir: Path, progress: Progress = lambda _m: None,
                  overrides: dict[str, float] | None = None
                  ) -> tuple[dict, dict, list[RunOutcome]]:
    """Run every procedure (on devices with overrides of the model parameters); return
    (summary, records for figures, run outcomes). A run that does not finish raises
    ReproduceError with its error."""
    catalog = Catalog(data_dir / "catalog.sqlite")
    outcomes: dict[str, list[tuple[StationProcedure, RunOutcome]]] = {}
    rows: dict[Path, pd.DataFrame] = {}
    for device, procs in procedures().items():
        station = device_station(seed, device, data_dir, overrides)
        for proc in procs:
            progress(f"{type(proc).__name__} on device {device}")
            tables = summaries.RowTables(proc.DATA_COLUMNS)
            outcome = run_procedure(proc, station, data_dir, catalog=catalog,
                                    device_id=f"sim-{seed}-{device}", campaign="reproduce",
                                    on_table=tables.add)
            if outcome.status != "finished":
                raise ReproduceError(f"{type(proc).__name__} {outcome.status}: {outcome.error}")
            outcomes.setdefault(device, []).append((proc, outcome))
            rows[outcome.results_path] = tables.frame()
    return (*summarise(seed, outcomes, rows.__getitem__),
            [o for runs in outcomes.values() for _, o in runs])


def summarise(seed: int, outcomes: dict[str, list[tuple[StationProcedure, RunOutcome]]],
              load: Callable[[Path], pd.DataFrame]) -> tuple[dict, dict]:
    """Summary (the keys of the model-level programme) and figure records from the runs' rows
    (load(results path) gives them: kept in memory, or summaries.load_rows from the file)."""
    summary: dict = {"seed": seed, "simulated": True, "labmem_version": __version__,
                     "instrument_path": True}
    raw = iv_summary(outcomes["iv"], load, summary)
    runs = {key: pairs[0] for key, pairs in outcomes.items()}
    for key, fn in (("all_or_none", summaries.all_or_none), ("integrate", summaries.integrate)):
        run = runs[key][1]
        summary[key], raw[key] = fn(load(run.results_path), run.traces_path)
    fire, run = runs["integrate_and_fire"]
    assert isinstance(fire, IntegrateAndFire)
    summary["integrate_and_fire"], raw["integrate_and_fire"] = summaries.integrate_and_fire(
        load(run.results_path), run.traces_path, fire.spike_threshold_a(), fire.period_s)
    summary["synapse"], raw["synapse"] = summaries.synapse(
        load(runs["synapse"][1].results_path))
    summary["delay_vs_amplitude"], raw["delay"] = summaries.delay_vs_amplitude(
        load(runs["delay"][1].results_path))
    summary["retention"], raw["retention"] = summaries.retention(
        load(runs["retention"][1].results_path))
    summary["parameters"] = AgFilamentParams().as_dict()
    return summary, raw


def e2_blocks(training: list[IVBlock]) -> dict[str, IVBlock]:
    """E2's three blocks of a training ladder's (ComplianceLadderTraining) blocks, by the
    summary's keys: untrained volatile, nonvolatile, trained volatile."""
    by_label = {b.label: b for b in training}
    return {"volatile_initial": by_label["volatile, untrained"],
            "nonvolatile": by_label["nonvolatile"],
            "volatile_trained": by_label["volatile, trained"]}


def iv_summary(iv_runs: list[tuple[StationProcedure, RunOutcome]],
               load: Callable[[Path], pd.DataFrame], summary: dict) -> dict:
    """Put the I(V) device's entries (E1–E3: "iv", "compliance_ladder", "regime_switching")
    into summary from its two runs; return their blocks for the figures."""
    (ladder, ladder_run), (switch, switch_run) = iv_runs
    assert isinstance(ladder, ComplianceLadderTraining) and isinstance(switch, RegimeSwitching)
    training = summaries.iv_blocks(load(ladder_run.results_path),
                                   [b.label for b in ladder.blocks()])
    blocks = e2_blocks(training)
    summary["iv"] = {key: block.summary() for key, block in blocks.items()}
    summary["compliance_ladder"] = [
        {"compliance_a": b.compliance_a, "vset_mean_v": analysis.mean_std(b.vset_v)[0]}
        for b in training if b.label.startswith("ladder")]
    switching = summaries.iv_blocks(load(switch_run.results_path),
                                    [b.label for b in switch.blocks()])
    summary["regime_switching"] = [
        {"regime": "volatile" if b.compliance_a < 1e-6 else "nonvolatile",
         **{k: v for k, v in b.summary().items() if k != "vset_v"}} for b in switching]
    return {"blocks": blocks, "switching": switching}


def write_figures(summary: dict, raw: dict, out: Path) -> list[Path]:
    """Write one PNG per experiment into out; return their paths."""
    fire = raw["integrate_and_fire"]
    return [
        figures.iv_blocks(raw["blocks"], out / "e1_e2_iv_blocks.png"),
        figures.vset_histograms(raw["blocks"], out / "e2_vset_histograms.png"),
        figures.regime_switching(raw["switching"], out / "e3_regime_switching.png"),
        figures.pulse_response(raw["all_or_none"], "E4 all-or-none (10 MΩ series)",
                               out / "e4_all_or_none.png"),
        figures.pulse_response(raw["integrate"], "E5 integrate (3 V, 5 ms, 2 MΩ series)",
                               out / "e5_integrate.png"),
        figures.pulse_response(fire, "E6 integrate-and-fire (−1 V → +2 V, 2 MΩ series)",
                               out / "e6_integrate_and_fire.png", 1e-6,
                               fire.extra["spike_index"]),
        figures.synapse(raw["synapse"], summary["synapse"]["runs"], out / "e7_synapse.png"),
        figures.delay_vs_amplitude(np.array(summary["delay_vs_amplitude"]["amplitudes_v"]),
                                   raw["delay"], summary["delay_vs_amplitude"],
                                   out / "e8_delay_vs_amplitude.png"),
        figures.retention(raw["retention"], out / "e9_retention.png"),
    ]


def reproduce(out: Path, seed: int = DEFAULT_SEED, progress: Progress = print,
              overrides: dict[str, float] | None = None) -> dict:
    """Run the programme through the instruments (on devices with overrides of the model
    parameters, e.g. a fitted twin's), write data, figures, summary.json and report.md into
    out; return the summary."""
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"the output folder {out} is a file")
    data_dir = out / "data"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # e.g. a parent that is a file, or no permission
        raise OutputFolderError(f"cannot make the output folder {out}: "
                                f"{err.strerror or err}") from None
    start = time.perf_counter()
    summary, raw, runs = run_programme(seed, data_dir, progress, overrides)
    if overrides:
        summary["device_overrides"] = dict(overrides)
    summary["wall_time_s"] = round(time.perf_counter() - start, 2)
    summary["runs"] = [{"id": r.run_id, "results": str(r.results_path.relative_to(out)),
                        "traces": str(r.traces_path.relative_to(out))} for r in runs]
    progress("writing figures and report")
    paths = write_figures(summary, raw, out)
    summary["figures"] = [p.name for p in paths]
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    report.write(summary, out / "report.md")
    return summary
