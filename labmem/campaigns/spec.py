"""Campaign files: which station, which devices (listed, or a simulated population), and the
steps each device goes through (procedure, parameters, repeats, conditions).

Files are YAML read with the safe loader (a tag that would construct an object is refused,
and so is a key given twice), checked against a JSON schema (numbers must be finite), then
against the station file and the procedures themselves; every refusal names the line. The
same dataclasses are the Python API: build a Campaign in code and run it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from labmem.catalog import check_device_id
from labmem.metrics import metric_value
from labmem.procedures.base import StationProcedure, build_procedure
from labmem.procedures.registry import PROCEDURES
from labmem.procedures.sweep import IVProcedure
from labmem.simulated_instruments.device.population import draw_population
from labmem.station_file import StationConfig
from labmem.yaml_lines import FileError, Locator, load_with_lines

ON_FAILURE = ("skip_device", "continue")
"""What a failed step does: skip the device's remaining steps (default), or go on."""

_CONDITION = {
    "type": "object", "additionalProperties": False, "required": ["metric"],
    "minProperties": 2,
    "properties": {"metric": {"type": "string"}, "block": {"type": "string"},
                   "below": {"type": "number"}, "above": {"type": "number"}},
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["campaign", "steps"],
    "properties": {
        "campaign": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},
        "description": {"type": "string"},
        "station": {"type": "string"},
        "devices": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["device"],
            "properties": {"wafer": {"type": "string"}, "die": {"type": "string"},
                           "device": {"type": "string", "minLength": 1},
                           "x_um": {"type": "number"}, "y_um": {"type": "number"},
                           "seed": {"type": "integer", "minimum": 0}}}},
        "population": {
            "type": "object", "additionalProperties": False, "required": ["count"],
            "properties": {"count": {"type": "integer", "minimum": 1, "maximum": 100_000},
                           "seed": {"type": "integer", "minimum": 0},
                           "spread": {"type": "number", "minimum": 0},
                           "wafer": {"type": "string"}}},
        "steps": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["procedure"],
            "properties": {
                "name": {"type": "string"}, "procedure": {"type": "string"},
                "parameters": {"type": "object"},
                "repeats": {"type": "integer", "minimum": 1},
                "until": _CONDITION, "max_repeats": {"type": "integer", "minimum": 1},
                "require": _CONDITION, "on_failure": {"enum": list(ON_FAILURE)}}}},
    },
}
"""The shape of a campaign file (JSON schema, draft 2020-12)."""


class CampaignError(FileError):
    """A campaign that cannot run, with where and why (refused input: exit code 2); refusals
    holds every refusal found at the check that stopped (the message is the first)."""

    def __init__(self, message: str, *more: str) -> None:
        super().__init__(message)
        self.refusals = [message, *more]


class CampaignNotFoundError(CampaignError):
    """Something a campaign needs that is not there: its station file, VISA library or Dask
    scheduler (exit code 3)."""


@dataclass(frozen=True)
class Condition:
    """A test of one metric of a step's run: below and/or above a value."""

    metric: str
    block: str | None = None
    """For I(V) procedures: the block whose metric is meant (default: the last block)."""
    below: float | None = None
    above: float | None = None

    def met(self, metrics: dict[str, Any]) -> bool:
        """True when the metric is finite and within the bounds."""
        value = metric_value(metrics, self.metric, self.block)
        if value != value:  # NaN: the run did not show the effect
            return False
        return ((self.below is None or value < self.below)
                and (self.above is None or value > self.above))

    def describe(self) -> str:
        """E.g. "vset_std_v[volatile, trained] < 0.05"."""
        name = self.metric + (f"[{self.block}]" if self.block else "")
        bounds = [f"< {self.below:g}"] if self.below is not None else []
        bounds += [f"> {self.above:g}"] if self.above is not None else []
        return f"{name} {' and '.join(bounds)}"


@dataclass(frozen=True)
class Step:
    """One procedure a device goes through: `repeats` times, or again `until` a condition
    holds (at most max_repeats times); `require` makes a run that misses it a failure."""

    procedure: str
    parameters: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    repeats: int = 1
    until: Condition | None = None
    max_repeats: int = 1
    require: Condition | None = None
    on_failure: str = "skip_device"

    @property
    def label(self) -> str:
        """The step's name, or its procedure's."""
        return self.name or self.procedure

    @property
    def attempts(self) -> int:
        """Most runs the step makes."""
        return self.max_repeats if self.until is not None else self.repeats

    def build(self) -> StationProcedure:
        """A fresh procedure with the step's parameters."""
        return build_procedure(PROCEDURES[self.procedure], self.parameters)


@dataclass(frozen=True)
class Device:
    """A device on the wafer (optionally with prober coordinates), or a drawn simulated one
    (seed and parameter changes of its bench)."""

    device: str
    wafer: str = ""
    die: str = ""
    x_um: float | None = None
    y_um: float | None = None
    seed: int | None = None
    params: dict[str, float] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """wafer-die-device, e.g. "W3-D12-A4" (the catalog's device id)."""
        return "-".join(p for p in (self.wafer, self.die, self.device) if p)

    def where(self) -> str:
        """Where the operator puts the probes."""
        at = f" at x = {self.x_um:g} µm, y = {self.y_um:g} µm" \
            if self.x_um is not None and self.y_um is not None else ""
        return f"device {self.id}{at}"


@dataclass(frozen=True)
class Campaign:
    """A programme over devices. station None is the built-in station, each device on a
    simulated bench of its own; a station file runs every device on that one station."""

    name: str
    steps: list[Step]
    devices: list[Device]
    station: str | None = None
    description: str = ""
    source: str = "<api>"

    @classmethod
    def from_text(cls, text: str, source: str = "<text>",
                  base_dir: Path | None = None) -> Campaign:
        """Parse, check against the schema and the procedures; CampaignError names the line."""
        data, lines = load_with_lines(text, source, "campaign", CampaignError)
        where = Locator(source, lines, "campaign")
        for path in _non_finite(data):
            raise CampaignError(where(path, f"{'.'.join(map(str, path))}: {_get(data, path)} "
                                            "is not a finite number"))
        problem = where.first_schema_error(SCHEMA, data)
        if problem is not None:
            raise CampaignError(problem)
        data = _integers(SCHEMA, data)
        if ("devices" in data) == ("population" in data):
            raise CampaignError(where(("campaign",), "give either devices or population"))
        if "population" in data and "station" in data:
            raise CampaignError(where(("station",), "a population is simulated: each device "
                                                    "has a bench of its own, so leave out "
                                                    "station"))
        try:
            check_device_id(data.get("population", {}).get("wafer", ""), "wafer")
        except ValueError as err:
            raise CampaignError(where(("population", "wafer"), str(err))) from None
        devices = ([Device(**d) for d in data["devices"]] if "devices" in data
                   else population_devices(**data["population"]))
        station = data.get("station")
        if station is not None and base_dir is not None and not Path(station).is_absolute():
            station = str(base_dir / station)
        if station is not None:
            station_config(station, where(("station",), ""))
        campaign = cls(data["campaign"], [_step(s) for s in data["steps"]], devices,
                       station, data.get("description", ""), source)
        problems = [where(path, message) for path, message in campaign.problems()]
        if problems:
            raise CampaignError(*problems)
        return campaign

    @classmethod
    def from_file(cls, path: str | Path) -> Campaign:
        """Read a campaign file; a station path in it is relative to the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CampaignError(f"{path}: not a text (UTF-8) file") from None
        return cls.from_text(text, str(path), path.parent)

    @property
    def simulated(self) -> bool:
        """True when every device has a simulated bench of its own."""
        return self.station is None

    def problems(self) -> list[tuple[tuple, str]]:
        """(path in the file, message) of everything that would stop the campaign: unknown
        procedures, parameters and metrics, refused values, repeated device ids."""
        out: list[tuple[tuple, str]] = []
        seen: set[str] = set()
        for n, device in enumerate(self.devices):
            problem = _device_id_problem(device)
            if problem is not None:
                out.append((("devices", n, *problem[0]), problem[1]))
            if device.id in seen:
                out.append((("devices", n, "device"), f"device id {device.id!r} is repeated"))
            seen.add(device.id)
        for n, step in enumerate(self.steps):
            out += [(("steps", n, *path), message) for path, message in _step_problems(step)]
        return out

    def check(self) -> None:
        """Raise CampaignError with the first problem (for campaigns built in code)."""
        for path, message in self.problems():
            raise CampaignError(f"{self.source}: {'.'.join(map(str, path))}: {message}")


def population_devices(count: int, seed: int = 0, spread: float = 1.0,
                       wafer: str = "SIM") -> list[Device]:
    """count simulated devices drawn from the device-to-device variability population."""
    return [Device(f"D{d.index + 1:04d}", wafer=wafer, seed=d.seed, params=d.params)
            for d in draw_population(count, seed, spread)]


def _device_id_problem(device: Device) -> tuple[tuple, str] | None:
    """(field, message) when a part of the device id, or the whole id, is not safe in a file
    name (labmem.catalog.check_device_id); None when the id is fine."""
    for name in ("wafer", "die", "device"):
        try:
            check_device_id(getattr(device, name), name)
        except ValueError as err:
            return (name,), str(err)
    try:
        check_device_id(device.id)
    except ValueError as err:
        return ("device",), str(err)
    return None

def station_config(path: str, where: str = "") -> StationConfig:
    """The campaign's station file, parsed; CampaignNotFoundError when it is missing,
    CampaignError when it is malformed (where: "file, line N: " of its key, if known)."""
    try:
        return StationConfig.from_file(path)
    except OSError as err:
        raise CampaignNotFoundError(f"{where}station file {path}: "
                                    f"{err.strerror or err}") from None
    except (ValueError, yaml.YAMLError) as err:
        raise CampaignError(f"{where}station file {path}: {' '.join(str(err).split())}"
                            ) from None


def _non_finite(data: Any, path: tuple = ()) -> list[tuple]:
    """Paths of every NaN or infinite number in the campaign data (YAML's .nan, .inf)."""
    if isinstance(data, float):
        return [] if np.isfinite(data) else [path]
    items = data.items() if isinstance(data, dict) else \
        enumerate(data) if isinstance(data, list) else ()
    return [found for key, value in items for found in _non_finite(value, (*path, key))]


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _integers(schema: dict[str, Any], data: Any) -> Any:
    """data with every integral number the schema types as integer (e.g. 3.0, 1e3) as an int,
    so that counts and seeds are ints whatever way the file wrote them."""
    if schema.get("type") == "integer" and isinstance(data, float):
        return int(data)
    if isinstance(data, dict):
        properties = schema.get("properties", {})
        return {k: _integers(properties.get(k, {}), v) for k, v in data.items()}
    if isinstance(data, list):
        return [_integers(schema.get("items", {}), v) for v in data]
    return data


def _step(data: dict[str, Any]) -> Step:
    conditions = {k: Condition(**data[k]) for k in ("until", "require") if k in data}
    return Step(**{**data, **conditions})


def _step_problems(step: Step) -> list[tuple[tuple, str]]:
    cls = PROCEDURES.get(step.procedure)
    if cls is None:
        return [(("procedure",), f"unknown procedure {step.procedure!r}; known: "
                                 f"{', '.join(PROCEDURES)}")]
    out: list[tuple[tuple, str]] = []
    for name, value in step.parameters.items():  # one at a time, so each names its line
        try:
            build_procedure(cls, {name: value})
        except ValueError as err:
            out.append((("parameters", name), str(err)))
    if step.until is None and step.max_repeats != 1:
        out.append((("max_repeats",), "max_repeats goes with until"))
    if step.until is not None and step.max_repeats < 2:
        out.append((("until",), "until repeats the step: give max_repeats (2 or more), the "
                                "most runs it makes; to test a single run, use require"))
    if step.until is not None and step.repeats != 1:
        out.append((("repeats",), "give repeats or until, not both"))
    for key in ("until", "require"):
        condition = getattr(step, key)
        if condition is None:
            continue
        names = cls.METRICS
        if condition.metric not in names:
            out.append(((key, "metric"), f"{step.procedure} has no metric "
                                         f"{condition.metric!r}; known: {', '.join(names)}"))
        if condition.below is None and condition.above is None:
            out.append(((key,), "a condition needs below or above"))
        if condition.block is not None and not out:
            labels = [b.label for b in step.build().blocks()] \
                if issubclass(cls, IVProcedure) else []
            if condition.block not in labels:
                out.append(((key, "block"), f"{step.procedure} has no block "
                                            f"{condition.block!r}; its blocks: {labels}"))
    return out
