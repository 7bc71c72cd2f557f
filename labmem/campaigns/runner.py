"""Run a campaign: every device through its steps, each run catalogued under the campaign with
its step key, so that a campaign stopped anywhere (abort, crash, SIGKILL) resumes where it was
and never runs a finished step again.

A step is done once its catalog row says finished or failed; an aborted or interrupted run is
run again. On the simulated bench the device's physical state is saved with every done step,
before its catalog row closes, so a resumed device goes on from the state it had. Simulated
devices are independent, so a simulated campaign can also spread its devices over a Dask
cluster; every worker writes into the one catalog."""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labmem.campaigns.spec import Campaign, CampaignError, Device
from labmem.catalog import Catalog, Run
from labmem.procedures.base import AbortedError, StationProcedure
from labmem.procedures.runner import run_procedure
from labmem.station import Station, simulated_station
from labmem.summaries import load_rows

log = logging.getLogger(__name__)

StepProgress = Callable[[str, float], None]
"""Told (step label, percent of its run) while a device runs."""
ENDED = ("finished", "failed")
"""Run statuses that are a step's outcome, kept on resume; an aborted (or interrupted) run is
not, and its step runs again."""


def _ignore(*_: Any) -> None:
    """A hook nobody listens to."""


def step_key(index: int, attempt: int) -> str:
    """The catalog's name for attempt `attempt` of step `index`, e.g. "02.01"."""
    return f"{index:02d}.{attempt:02d}"


@dataclass
class StepResult:
    """One run of a step on a device."""

    step: str
    key: str
    procedure: str
    run_id: int
    status: str
    error: str | None
    metrics: dict[str, Any]
    condition_met: bool | None = None
    """Whether `until` (or `require`) held after this run; None when the step has none."""
    resumed: bool = False
    """True when the run had ended before this process (a resumed campaign)."""


@dataclass
class DeviceResult:
    """A device's runs, and why its remaining steps were skipped (if they were)."""

    device: Device
    steps: list[StepResult] = field(default_factory=list)
    skipped: str | None = None

    def last(self, label: str) -> StepResult | None:
        """The last finished run of the step with this label."""
        runs = [s for s in self.steps if s.step == label and s.status == "finished"]
        return runs[-1] if runs else None


@dataclass(frozen=True)
class CampaignHooks:
    """What a caller that runs a campaign in its own process (the GUI) is told as the devices
    and steps go, on the campaign's thread, and who is asked to move the probes at a real
    station (None: the terminal, as `labmem campaign run` does)."""

    operator: Callable[[str], None] | None = None
    """Asked to move the probes (and to recable) at a real station; raises to refuse."""
    device_started: Callable[[Device], None] = _ignore
    step_started: Callable[[Device, str, str], None] = _ignore
    """Told (device, step key, step label) before a step's run (not for a reused one)."""
    step_progress: Callable[[Device, str, float], None] = _ignore
    """Told (device, step label, percent of its run)."""
    step_ended: Callable[[Device, StepResult], None] = _ignore
    """Told every run of a step, reused ones (resumed) included."""
    device_ended: Callable[[DeviceResult], None] = _ignore


@dataclass(frozen=True)
class Paths:
    """Where a campaign keeps its things under its output folder."""

    out: Path

    @property
    def catalog(self) -> Path:
        return self.out / "catalog.sqlite"

    @property
    def data(self) -> Path:
        return self.out / "data"

    def bench(self, device: Device) -> Path:
        """The bench file of a simulated device."""
        return self.out / "benches" / f"{device.id}.yaml"

    def state(self, device: Device, key: str) -> Path:
        """A simulated device's physical state after the step run `key`."""
        return self.out / "state" / device.id / f"{key}.json"


def device_seed(device: Device) -> int:
    """The bench seed of a listed simulated device without one: a stable hash of its id."""
    return device.seed if device.seed is not None else zlib.crc32(device.id.encode())


def open_station(campaign: Campaign, device: Device, paths: Paths,
                 operator: Callable[[str], None] | None = None) -> Station:
    """The device's own simulated bench, or the campaign's station with the operator (None:
    the terminal) asked to move the probes to the device."""
    if campaign.simulated:
        path = paths.bench(device)
        path.parent.mkdir(parents=True, exist_ok=True)
        return simulated_station(path, seed=device_seed(device), device=dict(device.params))
    station = Station.from_file(campaign.station,
                                **({"operator": operator} if operator is not None else {}))
    if not station.simulated:  # a station file on the simulated bench has one device
        station.operator(f"Move the probes to {device.where()}.")
    return station


def close_interrupted(catalog: Catalog, runs: list[Run]) -> None:
    """Runs left `running` by a process that is gone end as aborted (their rows stay)."""
    for run in runs:
        if run.interrupted:
            catalog.finish(run.id, "aborted", "interrupted: the campaign process ended during "
                                              "the run; the step runs again on resume")


def run_device(campaign: Campaign, device: Device, out: str | Path,
               progress: StepProgress | None = None,
               abort: threading.Event | None = None,
               hooks: CampaignHooks | None = None) -> DeviceResult:
    """Every step of the campaign on one device, reusing the step runs that ended before.
    A KeyboardInterrupt aborts the running step (instruments safe) and propagates; so does
    setting `abort` (the step stops at its next point, then AbortedError is raised). hooks
    are told the device's steps as they go."""
    hooks = hooks or CampaignHooks()
    paths = Paths(Path(out))
    catalog = Catalog(paths.catalog)
    runs = catalog.runs(campaign=campaign.name, device_id=device.id)
    close_interrupted(catalog, runs)
    done = {r.step: r for r in runs if r.status in ENDED}
    hooks.device_started(device)
    station = open_station(campaign, device, paths, hooks.operator)
    if station.bench is not None and done:
        station.bench.restore(json.loads(paths.state(device, max(done)).read_text()))
    result = DeviceResult(device)
    for index, step in enumerate(campaign.steps):
        condition = step.until or step.require
        for attempt in range(step.attempts):
            key = step_key(index, attempt)
            procedure = step.build()
            earlier = done.get(key)
            if earlier is not None:
                run = StepResult(step.label, key, step.procedure, earlier.id, earlier.status,
                                 earlier.error, _metrics(procedure, earlier.status,
                                                         earlier.results_path), resumed=True)
            else:
                def save_state(status: str, key: str = key) -> None:
                    if status in ENDED and station.bench is not None:
                        _write_atomic(paths.state(device, key), station.bench.snapshot())

                def show(percent: float, label: str = step.label) -> None:
                    hooks.step_progress(device, label, percent)
                    if progress is not None:
                        progress(label, percent)

                hooks.step_started(device, key, step.label)
                outcome = run_procedure(
                    procedure, station, paths.data, catalog=catalog, device_id=device.id,
                    campaign=campaign.name, step=key, on_end=save_state, abort=abort,
                    on_progress=show)
                if abort is not None and abort.is_set():
                    station.safe_off()
                    raise AbortedError(f"{device.id}: step {key} ({step.label}) "
                                       f"{outcome.status}; the campaign stopped")
                run = StepResult(step.label, key, step.procedure, outcome.run_id,
                                 outcome.status, outcome.error,
                                 _metrics(procedure, outcome.status, outcome.results_path))
            if condition is not None and run.status == "finished":
                run.condition_met = condition.met(run.metrics)
            result.steps.append(run)
            hooks.step_ended(device, run)
            if run.status != "finished" or (step.until is not None and run.condition_met):
                break
        last = result.steps[-1]
        failure = (f"{last.step} {last.status}: {last.error}" if last.status != "finished"
                   else f"{last.step}: {step.require.describe()} not met"
                   if step.require is not None and not last.condition_met else None)
        if failure is not None:
            log.warning("%s: %s", device.id, failure)
            if step.on_failure == "skip_device":
                result.skipped = failure
                break
    station.safe_off()
    hooks.device_ended(result)
    return result


def _metrics(procedure: StationProcedure, status: str, results_path: str | Path
             ) -> dict[str, Any]:
    """A run's metrics from its stored rows; none unless it finished and stored rows."""
    if status != "finished":
        return {}
    rows = load_rows(results_path)
    return {} if rows.empty else procedure.run_metrics(rows)


def _write_atomic(path: Path, data: Any) -> None:
    """Write JSON so that a kill leaves either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def device_record(result: DeviceResult) -> dict[str, Any]:
    """A device's result as plain JSON data."""
    device = asdict(result.device)
    device["device_id"] = result.device.id
    return {**device, "status": "skipped" if result.skipped else "complete",
            "skipped": result.skipped, "steps": [asdict(s) for s in result.steps]}


def check_output(campaign: Campaign, out: Path, resume: bool) -> None:
    """Refuse to start a campaign over the runs of an earlier one unless resuming, and to
    resume one that a live process is still running."""
    if not (out / "catalog.sqlite").exists():
        return
    runs = Catalog(out / "catalog.sqlite").runs(campaign=campaign.name)
    if runs and not resume:
        raise CampaignError(f"{out} already holds runs of campaign {campaign.name!r}: add "
                            "--resume to continue it, or choose another output folder")
    live = [r for r in runs if r.status == "running" and not r.interrupted]
    if live:
        raise CampaignError(f"campaign {campaign.name!r} is still running (run {live[0].id}, "
                            f"process {live[0].pid} on {live[0].host}); resume it once that "
                            "process has ended")
