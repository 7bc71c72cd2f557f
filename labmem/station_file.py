"""Station files: which driver and VISA resource fills each role, the VISA library, fixtures
and wiring, read with the line-numbered loader and checked against a schema, the drivers and
the scope's channels before anything is opened."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.instruments.roles import Oscilloscope, Role, SourceMeter, WaveformGenerator
from labmem.yaml_lines import FileError, Locator, load_with_lines

DRIVERS = {
    "keithley2400": "labmem.instruments.keithley.keithley2400:Keithley2400SourceMeter",
    "keithley2450": "labmem.instruments.keithley.keithley2450:Keithley2450SourceMeter",
    "keithley2636b": "labmem.instruments.keithley.keithley2600:Keithley2600SourceMeter",
    "hp33120a": "labmem.instruments.hp.hp33120a:HP33120AWaveformGenerator",
    "b2902a": "labmem.instruments.keysight.b2900:B2900SourceMeter",
    "infiniivision": "labmem.instruments.keysight.infiniivision:InfiniiVisionOscilloscope",
    "k33500b": "labmem.instruments.keysight.k33500b:K33500BWaveformGenerator",
    "k81160a": "labmem.instruments.keysight.k81160a:K81160AWaveformGenerator",
    "mso9104a": "labmem.instruments.keysight.mso9104a:MSO9104AOscilloscope",
    "tektronix_mso5": "labmem.instruments.tektronix.mso5:TektronixMSO5Oscilloscope",
    "rigol_ds1000z": "labmem.instruments.rigol.ds1000z:RigolDS1000ZOscilloscope",
}
"""Role implementation of each supported VISA instrument."""


DEFAULT_STATION_YAML = """\
# labmem station file: roles → driver + VISA resource, the VISA library, fixtures.
# "@labmem" is the built-in simulated bench; use "" (system VISA) or "@py" at the probe station.
visa_library: "@labmem"
roles:
  smu: {driver: keithley2450, resource: "USB0::0x05E6::0x2450::04412345::INSTR"}
  awg: {driver: hp33120a, resource: "GPIB0::10::INSTR"}
  scope: {driver: mso9104a, resource: "TCPIP0::192.168.0.9::inst0::INSTR"}
  tia: {driver: femto_dhpca100, gain_v_per_a: 1.0e+5, mode: low_noise}
fixtures:
  series_resistors_ohm: [1.0e+3, 1.0e+4, 1.0e+5, 1.0e+6, 2.0e+6, 1.0e+7, 1.0e+9, 1.0e+10]
wiring:
  scope_awg_channel: 1
  scope_tia_channel: 2
"""
"""The built-in default station: the default simulated bench."""


ROLE_KINDS: dict[str, type[Role]] = {"smu": SourceMeter, "awg": WaveformGenerator,
                                      "scope": Oscilloscope, "smu2": SourceMeter}
"""The VISA roles a station fills and the interface each role's driver must have (smu2: an
optional second source-meter, e.g. the other channel of a 2636B biasing the device's bottom
terminal; it may share the smu's resource)."""
WIRING_DEFAULTS = {"scope_awg_channel": 1, "scope_tia_channel": 2, "scope_membrane_channel": 3}
"""Scope channels of the pulse path (AWG output, TIA output) and of the membrane set-up's node
probe unless the station file says."""
ROLE_OPTIONS = ("channel", "sync_channel", "sync_level_v")
"""Optional keys of a VISA role passed to its driver's role class, which must take them."""
FIXTURE_LISTS = {
    "series_resistors_ohm": "series resistors (pulse set-up) and input resistors (membrane)",
    "capacitors_f": "membrane capacitors",
    "leak_resistors_ohm": "membrane leak resistors",
    "load_resistors_ohm": "membrane load resistors",
}
"""Fixture lists a station file may give (values > 0; an absent list accepts any value)."""

_VISA_ROLE = {
    "type": "object", "additionalProperties": False, "required": ["driver", "resource"],
    "properties": {"driver": {"type": "string"}, "resource": {"type": "string", "minLength": 1},
                   "timeout_ms": {"type": "integer", "minimum": 1},
                   "idn_check": {"type": "boolean"},
                   "channel": {"type": ["string", "integer"]},
                   "sync_channel": {"type": "integer", "minimum": 1},
                   "sync_level_v": {"type": "number"}},
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["roles"],
    "properties": {
        "visa_library": {"type": "string"},
        "record": {"type": "boolean"},
        "roles": {"type": "object", "additionalProperties": False, "properties": {
            **{role: _VISA_ROLE for role in ROLE_KINDS},
            "tia": {"type": "object", "additionalProperties": False, "required": ["driver"],
                    "properties": {"driver": {"type": "string"},
                                   "gain_v_per_a": {"type": "number"},
                                   "mode": {"type": "string"}}}}},
        "fixtures": {"type": "object", "additionalProperties": False, "properties": {
            key: {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}}
            for key in FIXTURE_LISTS}},
        "wiring": {"type": "object", "additionalProperties": False, "properties": {
            **{key: {"type": "integer", "minimum": 1} for key in WIRING_DEFAULTS},
            "differential": {"type": "boolean"}}},
    },
}
"""The shape of a station file (JSON schema, draft 2020-12)."""


class StationError(FileError):
    """A station file that cannot describe a station, with where and why."""


def driver_class(driver: str) -> type[Role]:
    """The role implementation of a driver name of DRIVERS."""
    module, cls_name = DRIVERS[driver].split(":")
    return getattr(importlib.import_module(module), cls_name)


@dataclass
class StationConfig:
    """Parsed station file."""

    visa_library: str = "@labmem"
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    fixtures: dict[str, Any] = field(default_factory=dict)
    wiring: dict[str, int] = field(default_factory=dict)
    source: str = "<default>"
    record: bool = False
    """Record every run's VISA transactions to a transcript beside it (`record: true`)."""

    @classmethod
    def from_text(cls, text: str, source: str = "<text>") -> StationConfig:
        """Parse station YAML (safe loader: no object construction) and check its shape, the
        drivers and the wiring; StationError names the line."""
        data, lines = load_with_lines(text, source, "station", StationError)
        where = Locator(source, lines, "station")
        problem = where.first_schema_error(SCHEMA, data)
        if problem is not None:
            raise StationError(problem)
        for path, message in _problems(data):
            raise StationError(where(path, message))
        return cls(str(data.get("visa_library", "@labmem")), data["roles"],
                   data.get("fixtures") or {}, data.get("wiring") or {}, source,
                   bool(data.get("record", False)))

    @classmethod
    def from_file(cls, path: str | Path) -> StationConfig:
        """Read a station file (OSError when it cannot be read). A bench file it names as
        its VISA library ("bench.yaml@labmem") is found beside the station file when the path
        is relative, so a station file and its bench travel together."""
        config = cls.from_text(Path(path).read_text(), str(path))
        bench, at, backend = config.visa_library.rpartition("@")
        if at and backend == "labmem" and bench and not Path(bench).is_absolute():
            config.visa_library = f"{Path(path).parent / bench}@labmem"
        return config

    @classmethod
    def default(cls, visa_library: str = "@labmem") -> StationConfig:
        """The built-in station, on the default simulated bench or on another library (e.g. a
        bench file, "bench.yaml@labmem")."""
        return replace(cls.from_text(DEFAULT_STATION_YAML, "<default>"),
                       visa_library=visa_library)


def _problems(data: dict[str, Any]) -> list[tuple[tuple, str]]:
    """(path in the file, message) of what the schema cannot see: unknown drivers, a driver
    in the wrong role, a channel the driver does not have, TIA settings the amplifier lacks,
    impossible wiring."""
    out: list[tuple[tuple, str]] = []
    roles = data["roles"]
    for role, spec in roles.items():
        driver = spec["driver"]
        if role == "tia":
            if driver != "femto_dhpca100":
                out.append((("roles", role, "driver"), f"unknown TIA driver {driver!r}; "
                                                       "known: femto_dhpca100"))
                continue
            try:
                tia_from(spec)
            except ValueError as err:
                out.append((("roles", role), f"roles.tia: {err}"))
        elif driver not in DRIVERS:
            out.append((("roles", role, "driver"), f"role {role!r}: unknown driver "
                                                   f"{driver!r}; known: {sorted(DRIVERS)}"))
        elif not issubclass(driver_class(driver), ROLE_KINDS[role]):
            out.append((("roles", role, "driver"), f"role {role!r} needs a "
                                                   f"{ROLE_KINDS[role].__name__} driver; "
                                                   f"{driver} is not one"))
        if role != "tia" and driver in DRIVERS:
            for option in ROLE_OPTIONS:
                problem = _option_problem(driver, option, spec[option]) if option in spec \
                    else ""
                if problem:
                    out.append((("roles", role, option), f"role {role!r}: {problem}"))
    wiring = data.get("wiring") or {}
    if wiring.get("differential") and "awg" not in roles:
        out.append((("wiring", "differential"), "wiring.differential: the AWG's second "
                                                "channel on the device's bottom terminal "
                                                "needs an awg role"))
    if not wiring:
        return out
    scope = roles.get("scope")
    if scope is None or scope["driver"] not in DRIVERS:
        return [*out, (("wiring",), "wiring names scope channels, but the station has no "
                                    "scope role with a known driver")]
    channels = driver_class(scope["driver"]).CHANNELS  # type: ignore[attr-defined]
    for key, channel in wiring.items():
        if key in WIRING_DEFAULTS and channel > channels:
            out.append((("wiring", key), f"wiring.{key}: channel {channel} does not exist on "
                                         f"the {scope['driver']} (channels 1-{channels})"))
    awg, tia, node = ({**WIRING_DEFAULTS, **wiring}[key] for key in WIRING_DEFAULTS)
    if awg == tia:
        key = "scope_tia_channel" if "scope_tia_channel" in wiring else "scope_awg_channel"
        out.append((("wiring", key), f"wiring: the AWG output and the TIA output both go to "
                                     f"scope channel {awg}; give them different channels"))
    if node in (awg, tia) and "scope_membrane_channel" in wiring:
        out.append((("wiring", "scope_membrane_channel"),
                    f"wiring: the membrane probe goes to scope channel {node}, which already "
                    "shows the AWG or the TIA output; give it a channel of its own"))
    return out


def _takes(driver: str, option: str) -> bool:
    """Whether the driver's role class takes the option as an argument (one taking `channel`
    lists the values in CHANNEL_NAMES)."""
    return option in inspect.signature(driver_class(driver)).parameters


def _option_problem(driver: str, option: str, value: str | int | float) -> str:
    """Why a station file's role option does not fit the driver ("" when it does): a driver
    without that option, a channel it does not have, a value its role class refuses."""
    if not _takes(driver, option):
        takers = [name for name in DRIVERS if _takes(name, option)]
        what, whose = (("no channel to choose", "channels") if option == "channel" else
                       (f"no option {option!r}", f"option {option!r}"))
        return (f"the {driver} driver has {what}; remove {option!r} "
                f"(drivers with {whose}: {', '.join(takers)})")
    if option == "channel":
        names = driver_class(driver).CHANNEL_NAMES  # type: ignore[attr-defined]
        if value not in names:
            return (f"channel {value!r} does not exist on the {driver} "
                    f"(channels: {', '.join(map(str, names))})")
    elif option == "sync_channel":
        channels = driver_class(driver).CHANNELS  # type: ignore[attr-defined]
        if not 1 <= int(value) <= channels:
            return (f"sync_channel {value!r} does not exist on the {driver} "
                    f"(channels 1-{channels})")
    return ""


def tia_from(spec: dict[str, Any]) -> CurrentAmplifier:
    """The TIA a station file's tia role declares (defaults: 1e5 V/A, low noise)."""
    return CurrentAmplifier(float(spec.get("gain_v_per_a", 1e5)), spec.get("mode", "low_noise"))
