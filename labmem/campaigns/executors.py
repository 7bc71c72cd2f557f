"""Where a campaign's devices run: one after another in this process (with progress bars per
device and step), or spread over a Dask cluster (simulated campaigns only: real devices share
their one station). Either way the results come back per device, in the campaign's order, and
run_campaign writes the report. Everything a campaign needs is checked before anything is
written into its output folder."""

from __future__ import annotations

import logging
import shutil
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from labmem.campaigns import report as campaign_report
from labmem.campaigns.runner import CampaignHooks, DeviceResult, check_output, run_device
from labmem.campaigns.spec import (
    Campaign,
    CampaignError,
    CampaignNotFoundError,
    Device,
    station_config,
)
from labmem.station import Station

log = logging.getLogger(__name__)

EXECUTORS = ("serial", "dask")


def run_serial(campaign: Campaign, out: Path, show_progress: bool = True,
               abort: threading.Event | None = None,
               hooks: CampaignHooks | None = None) -> list[DeviceResult]:
    """Each device in turn; a bar over devices and one over the running step. Setting abort
    stops the running step and the campaign (AbortedError); hooks are told every step."""
    results = []
    disable = None if show_progress else True  # None: bars only on a terminal
    devices = tqdm(campaign.devices, desc="devices", unit="device", position=0,
                   disable=disable, file=sys.stderr)
    step_bar = tqdm(total=100.0, desc="step", position=1, leave=False, disable=disable,
                    file=sys.stderr, bar_format="{desc}: {percentage:3.0f}%|{bar}|")
    try:
        for device in devices:
            devices.set_postfix_str(device.id)

            def show(label: str, percent: float, device_id: str = device.id) -> None:
                step_bar.set_description_str(f"{device_id} · {label}", refresh=False)
                step_bar.update(percent - step_bar.n)

            results.append(run_device(campaign, device, out, progress=show, abort=abort,
                                      hooks=hooks))
            _log_device(results[-1])
    finally:
        step_bar.close()
        devices.close()
    return results


def run_dask(campaign: Campaign, out: Path, scheduler: str | None = None, workers: int = 2,
             show_progress: bool = True) -> list[DeviceResult]:
    """Each device as one task on a Dask cluster: the scheduler at `scheduler`, or a local
    cluster of `workers` single-threaded processes. The output folder must be visible to every
    worker (the same disk, or a shared file system)."""
    check_dask(campaign, scheduler, workers)
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None if scheduler else LocalCluster(  # on loopback: nothing leaves the machine
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.CRITICAL)
    try:
        with Client(scheduler or cluster) as client:
            here = _Reporting.of_this_process()
            futures = {client.submit(_run_device_reporting_as_here, here, campaign, device,
                                     str(out), pure=False,
                                     key=f"{campaign.name}-{device.id}"): n
                       for n, device in enumerate(campaign.devices)}
            results: list[DeviceResult | None] = [None] * len(futures)
            bar = tqdm(total=len(futures), desc="devices", unit="device",
                       disable=None if show_progress else True, file=sys.stderr)
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                _log_device(result)
                bar.update(1)
            bar.close()
    finally:
        if cluster is not None:
            cluster.close()
    return [r for r in results if r is not None]


@dataclass(frozen=True)
class _Reporting:
    """How this process shows warnings and labmem's log records on stderr (warning filters,
    and the level and format of each handler of the "labmem" logger)."""

    filters: list
    handlers: list[tuple[int, logging.Formatter | None]]

    @classmethod
    def of_this_process(cls) -> _Reporting:
        return cls(list(warnings.filters),
                   [(h.level, h.formatter) for h in logging.getLogger("labmem").handlers])


def _run_device_reporting_as_here(here: _Reporting, campaign: Campaign, device: Device,
                                  out: str) -> DeviceResult:
    """run_device on a Dask worker that warns and logs as the caller would (so that --quiet
    and one-line errors hold there too)."""
    handlers = []
    for level, formatter in here.handlers:
        handlers.append(logging.StreamHandler())
        handlers[-1].setLevel(level)
        handlers[-1].setFormatter(formatter)
        logging.getLogger("labmem").addHandler(handlers[-1])
    try:
        with warnings.catch_warnings():
            warnings.filters[:] = here.filters
            return run_device(campaign, device, out)
    finally:
        for handler in handlers:
            logging.getLogger("labmem").removeHandler(handler)


def check_dask(campaign: Campaign, scheduler: str | None, workers: int) -> None:
    """Refuse what Dask cannot run (real instruments, no workers, an address it cannot parse)
    and say when the scheduler does not answer (CampaignNotFoundError)."""
    if not campaign.simulated:
        raise CampaignError("a campaign on real instruments runs on its single station: "
                            "--executor dask is for simulated campaigns")
    if scheduler is None:
        if workers < 1:
            raise CampaignError(f"--workers must be at least 1, got {workers}")
        return
    from distributed.comm.addressing import get_address_host_port

    try:
        host, port = get_address_host_port(scheduler)
    except ValueError as err:
        raise CampaignError(f"--scheduler {scheduler!r}: {err}") from None
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as err:
        raise CampaignNotFoundError(f"no Dask scheduler answers at {scheduler}: "
                                    f"{err.strerror or err}") from None


def check_station(campaign: Campaign, operator: Callable[[str], None] | None = None) -> None:
    """For a campaign on a station file: the file parses, its VISA library opens, and at real
    instruments there is someone to ask to move the probes (operator, or a terminal)."""
    if campaign.station is None:
        return
    config = station_config(campaign.station)
    try:
        station = Station(config)
    except (OSError, ValueError) as err:
        raise CampaignNotFoundError(f"cannot open the station {campaign.station}: "
                                    f"{err}") from None
    if not station.simulated and operator is None and not sys.stdin.isatty():
        raise CampaignError(f"the station {campaign.station} has real instruments: the "
                            "operator is asked to move the probes to each device, so run the "
                            "campaign from a terminal")


def _log_device(result: DeviceResult) -> None:
    log.info("%s: %d runs, %s", result.device.id, len(result.steps),
             f"skipped ({result.skipped})" if result.skipped else "complete")


def executor(name: str) -> Callable[..., list[DeviceResult]]:
    """The executor called name."""
    if name not in EXECUTORS:
        raise CampaignError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
    return run_serial if name == "serial" else run_dask


def run_campaign(campaign: Campaign, out: str | Path, *, resume: bool = False,
                 executor_name: str = "serial", scheduler: str | None = None,
                 workers: int = 2, show_progress: bool = True,
                 abort: threading.Event | None = None,
                 hooks: CampaignHooks | None = None) -> dict[str, Any]:
    """Check the campaign and all it needs (executor, station, output folder) before writing
    anything; run every device (reusing finished steps when resuming), write
    campaign_summary.json, the figures and campaign_report.md into out; return the summary.
    Setting abort (serial executor) stops the running step and the campaign (AbortedError,
    no report); --resume continues it. hooks (serial executor) are told every step and name
    who moves the probes."""
    campaign.check()
    run = executor(executor_name)
    if executor_name == "dask":
        check_dask(campaign, scheduler, workers)
    check_station(campaign, hooks.operator if hooks is not None else None)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CampaignError(f"the output folder {out} is a file")
    check_output(campaign, out, resume)
    out.mkdir(parents=True, exist_ok=True)
    if Path(campaign.source).is_file():  # provenance: the file as it was run
        shutil.copyfile(campaign.source, out / "campaign.yaml")
    start = time.perf_counter()
    kwargs: dict[str, Any] = {"show_progress": show_progress}
    if executor_name == "dask":
        kwargs.update(scheduler=scheduler, workers=workers)
    else:
        kwargs.update(abort=abort, hooks=hooks)
    results = run(campaign, out, **kwargs)
    data = campaign_report.summary(campaign, results, executor_name,
                                   time.perf_counter() - start)
    campaign_report.write(out, data)
    return data
