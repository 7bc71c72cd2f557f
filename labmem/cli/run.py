"""`labmem run` (one procedure) and `labmem campaign` (a programme over devices) on the
command line, with the exit codes of `labmem --help`."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labmem.catalog import check_device_id
from labmem.procedures.names import PROCEDURE_MODULES, procedure_doc
from labmem.stop_signals import STOP_SIGNALS, stop_on_signals

if TYPE_CHECKING:
    from labmem.station import Station
    from labmem.station_file import StationConfig

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_NOT_FOUND, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = ("exit codes: 0 done · 1 a run failed or was aborted, or a campaign skipped a "
              "device · 2 refused input (bad parameter, campaign file, usage) · 3 instrument, "
              "station or run not found · 130 interrupted (Ctrl-C; instruments left safe) · "
              "143/129 stopped by SIGTERM/SIGHUP (the run aborts at its next step; instruments "
              "left safe) · 141 the reader of the output went away (e.g. `| head`)")


def whole_number(lowest: int, highest: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from lowest to highest, refused (exit 2) otherwise."""
    def whole(text: str) -> int:
        value = int(text)  # argparse turns the ValueError into "invalid whole value"
        if value < lowest or (highest is not None and value > highest):
            raise argparse.ArgumentTypeError(
                f"{value} is not allowed: allowed {lowest}"
                + (f" to {highest}" if highest is not None else " or more"))
        return value

    return whole


def read_station(path: str | None, command: str) -> StationConfig | int:
    """The station file of --station (None: the built-in one), or the exit code once stderr
    says why it cannot be read: 2 for a refused file (naming the line), 3 for a missing one."""
    from labmem.station_file import StationConfig, StationError

    try:
        return StationConfig.from_file(path) if path else StationConfig.default()
    except StationError as err:
        print(f"{command}: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as err:
        print(f"{command}: cannot open the station {path}: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND


def read_device_overrides(path: str | None, command: str) -> dict[str, float] | int:
    """The `device:` overrides of a bench file (None: none), or the exit code once stderr says
    why it cannot be read: 2 for a refused file (naming the setting or line), 3 for a missing
    one."""
    from labmem.simulated_instruments.bench.wiring import BenchConfig

    try:
        return BenchConfig.from_yaml(path).device if path else {}
    except OSError as err:
        print(f"{command}: cannot read {path}: {err.strerror or err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (ValueError, TypeError) as err:
        print(f"{command}: {err}", file=sys.stderr)
        return EXIT_REFUSED


def open_station(path: str | None, command: str) -> Station | int:
    """The station of --station (None: the built-in simulated one), or the exit code once
    stderr says why it cannot be opened (2: a refused file; 3: missing, or no VISA library)."""
    from labmem.station import Station

    config = read_station(path, command)
    if isinstance(config, int):
        return config
    try:
        return Station(config)
    except (OSError, ValueError) as err:
        print(f"{command}: cannot open the station {config.source}: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND


def data_folder_problem(data: str) -> str | None:
    """Why --data cannot hold runs (a file is in the way), or None."""
    path = Path(data)
    return f"--data {data} is a file, not a folder" if path.exists() and not path.is_dir() \
        else None


def _run(args: argparse.Namespace) -> int:
    from pyvisa.errors import VisaIOError
    from tqdm import tqdm

    from labmem.procedures.base import build_procedure, parameters_in_order
    from labmem.procedures.registry import PROCEDURES
    from labmem.procedures.runner import run_procedure
    from labmem.station import InstrumentError

    cls = PROCEDURES[args.procedure]
    given = {name: getattr(args, name) for name in parameters_in_order(cls)
             if getattr(args, name) is not None}
    try:
        procedure = build_procedure(cls, given)
        check_device_id(args.device)
    except ValueError as err:
        print(f"labmem run: {err}", file=sys.stderr)
        return EXIT_REFUSED
    if (problem := data_folder_problem(args.data)) is not None:
        print(f"labmem run: {problem}", file=sys.stderr)
        return EXIT_REFUSED
    station = open_station(args.station, "labmem run")
    if isinstance(station, int):
        return station
    station.config.record = station.config.record or args.record
    bar = tqdm(total=100.0, desc=args.procedure, file=sys.stderr,
               disable=True if args.quiet else None,  # None: a bar only on a terminal
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")

    def progress(percent: float) -> None:
        bar.update(percent - bar.n)

    abort = threading.Event()
    try:
        with stop_on_signals(abort) as stopped:
            outcome = run_procedure(procedure, station, args.data, device_id=args.device,
                                    abort=abort, on_progress=progress, operator=args.operator,
                                    note=args.note)
    except ValueError as err:
        print(f"labmem run: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except InstrumentError as err:  # checked before the run is catalogued
        print(f"labmem run: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (VisaIOError, OSError) as err:  # an instrument of the station is not there
        print(f"labmem run: instrument not found: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except KeyboardInterrupt:
        print("labmem run: interrupted; the run is catalogued as aborted and the "
              "instruments are in their safe state", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        bar.close()
    print(f"run {outcome.run_id} {args.procedure} {outcome.status}: {outcome.results_path}")
    if outcome.error:
        print(f"  {outcome.error}", file=sys.stderr)
    for unsafe in outcome.safe_off_errors:
        print(f"labmem run: NOT SAFE: {unsafe}; check that instrument by hand",
              file=sys.stderr)
    if stopped.signum:
        print(f"labmem run: stopped by {stopped.name}; run {outcome.run_id} is catalogued "
              f"as {outcome.status}", file=sys.stderr)
        return stopped.exit_code
    return EXIT_OK if outcome.status == "finished" else EXIT_FAILED


def _campaign(args: argparse.Namespace) -> int:
    from labmem.campaigns.executors import run_campaign
    from labmem.campaigns.spec import Campaign, CampaignError, CampaignNotFoundError
    from labmem.procedures.base import AbortedError
    from labmem.station import InstrumentError

    try:
        campaign = Campaign.from_file(args.file)
    except (OSError, CampaignNotFoundError) as err:
        print(f"labmem campaign: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except CampaignError as err:
        print(f"labmem campaign: {err}", file=sys.stderr)
        return EXIT_REFUSED
    if args.action == "check":
        print(f"{args.file}: campaign {campaign.name!r}, {len(campaign.devices)} devices × "
              f"{len(campaign.steps)} steps, "
              f"{'simulated' if campaign.simulated else campaign.station}: ok")
        return EXIT_OK
    out = Path(args.out or Path("campaigns") / campaign.name)
    abort = threading.Event()
    # Dask workers are other processes: a stop signal there ends the process as before.
    signals = () if args.executor == "dask" else STOP_SIGNALS
    try:
        with stop_on_signals(abort, signals) as stopped:
            data = run_campaign(campaign, out, resume=args.resume, executor_name=args.executor,
                                scheduler=args.scheduler, workers=args.workers,
                                show_progress=not args.quiet, abort=abort)
    except CampaignNotFoundError as err:
        print(f"labmem campaign: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except CampaignError as err:
        print(f"labmem campaign: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except AbortedError as err:
        print(f"labmem campaign: stopped by {stopped.name}: {err}; continue with: labmem "
              f"campaign run {args.file} --out {out} --resume", file=sys.stderr)
        return stopped.exit_code
    except InstrumentError as err:  # checked before the step's run is catalogued
        print(f"labmem campaign: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except KeyboardInterrupt:
        print(f"labmem campaign: interrupted; continue with: labmem campaign run {args.file} "
              f"--out {out} --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    skipped = [d for d in data["devices"] if d["status"] == "skipped"]
    print(f"campaign {campaign.name}: {len(data['devices']) - len(skipped)} of "
          f"{len(data['devices'])} devices complete in {data['wall_time_s']} s; wrote "
          f"{out / 'campaign_report.md'} and {out / 'campaign_summary.json'}")
    for device in skipped:
        print(f"  skipped {device['device_id']}: {device['skipped']}", file=sys.stderr)
    return EXIT_FAILED if skipped else EXIT_OK


class _ProcedureParser(argparse.ArgumentParser):
    """The parser of one procedure of `labmem run`: it adds the procedure's parameters (which
    imports the procedure, hence PyMeasure) only when the command line chooses it, so that
    `labmem --help` and `labmem run --help` start quickly."""

    def __init__(self, *args: Any, procedure: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.procedure = procedure

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self.procedure:
            self._add_parameters(self.procedure)
            self.procedure = ""
        return super().parse_known_args(args, namespace)

    def _add_parameters(self, name: str) -> None:
        from labmem.procedures.base import allowed_range, parameter_label, parameters_in_order
        from labmem.procedures.registry import PROCEDURES

        for pname, parameter in parameters_in_order(PROCEDURES[name]).items():
            allowed = allowed_range(parameter)
            self.add_argument(f"--{pname}", metavar="VALUE",
                              help=f"{parameter_label(parameter)}; "
                              + (f"{allowed}; " if allowed else "")
                              + f"default {parameter.default}")


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    """`labmem run PROCEDURE --param value …`, one sub-command per procedure."""
    run = sub.add_parser(
        "run", help="run one procedure and catalogue it",
        description="Run one procedure on a station (default: the built-in simulated one), "
        "write its rows and traces into the data directory and catalogue it. "
        "`labmem run PROCEDURE --help` lists the procedure's parameters.",
        epilog="examples: labmem run IVSweep --cycles 10 --compliance_a 1e-6 · "
        "labmem run IntegrateAndFire --station lab.yaml --device W3-D12-A4 · " + EXIT_CODES)
    procedures = run.add_subparsers(dest="procedure", required=True, metavar="PROCEDURE",
                                    parser_class=_ProcedureParser)
    for name in PROCEDURE_MODULES:
        doc = procedure_doc(name)
        parser = procedures.add_parser(name, help=doc.split(". ")[0], description=doc,
                                       epilog=f"example: labmem run {name} --device W3-D12 · "
                                       + EXIT_CODES, procedure=name)
        parser.add_argument("--station", help="station YAML file (default: built-in simulated)")
        parser.add_argument("--data", default="data", help="data directory (default: ./data)")
        parser.add_argument("--device", default="", help="device id for the catalog and "
                            "file names: letters, digits, '_', '.', '-'")
        parser.add_argument("--operator", default="", help="who ran it (for the catalog)")
        parser.add_argument("--note", default="", help="free-text note or tags for the "
                            "catalog, e.g. 'after anneal #batch3'")
        parser.add_argument("--record", action="store_true", help="record every VISA "
                            "transaction to a transcript beside the run (as the station "
                            "file's record: true; see labmem replay)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.set_defaults(func=_run)


def add_campaign_parser(sub: argparse._SubParsersAction) -> None:
    """`labmem campaign run|check FILE`."""
    campaign = sub.add_parser(
        "campaign", help="run or check a campaign over many devices",
        description="Run a campaign file: every device through its steps, each run "
        "catalogued under the campaign, then campaign_report.md, figures and "
        "campaign_summary.json. --resume continues after a crash or an abort without "
        "running a finished step again. Simulated campaigns can spread their devices over a "
        "Dask cluster. `check` validates the file only.",
        epilog="examples: labmem campaign check wafer3.yaml · labmem campaign run wafer3.yaml "
        "--out runs/wafer3 · labmem campaign run wafer3.yaml --out runs/wafer3 --resume · "
        "labmem campaign run population.yaml --executor dask --workers 2 · " + EXIT_CODES)
    campaign.add_argument("action", choices=("run", "check"))
    campaign.add_argument("file", help="campaign YAML file")
    campaign.add_argument("--out", help="output folder (default: campaigns/<campaign name>)")
    campaign.add_argument("--resume", action="store_true",
                          help="continue the campaign already in --out")
    campaign.add_argument("--executor", choices=("serial", "dask"), default="serial",
                          help="serial (default) or dask (simulated campaigns only)")
    campaign.add_argument("--scheduler", help="dask: scheduler address (default: a local "
                                              "cluster)")
    campaign.add_argument("--workers", type=int, default=2,
                          help="dask: worker processes of the local cluster (default 2)")
    campaign.add_argument("--quiet", action="store_true", help="no progress bars")
    campaign.set_defaults(func=_campaign)
