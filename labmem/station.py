"""The station: which instrument fills each role, over which VISA library, with which fixtures
(series resistors, TIA gain), and the set-up (wiring) procedures ask for."""

from __future__ import annotations

import importlib
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyvisa
import yaml
from pyvisa.constants import StatusCode

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.instruments.roles import Oscilloscope, Role, SourceMeter, WaveformGenerator
from labmem.simulated_instruments.visa.library import LabmemVisaLibrary
from labmem.yaml_lines import FileError, Locator, load_with_lines

log = logging.getLogger(__name__)

DRIVERS = {
    "keithley2450": "labmem.instruments.keithley.keithley2450:Keithley2450SourceMeter",
    "hp33120a": "labmem.instruments.hp.hp33120a:HP33120AWaveformGenerator",
    "mso9104a": "labmem.instruments.keysight.mso9104a:MSO9104AOscilloscope",
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
  series_resistors_ohm: [1.0e+3, 1.0e+4, 1.0e+5, 1.0e+6, 2.0e+6, 1.0e+7]
wiring:
  scope_awg_channel: 1
  scope_tia_channel: 2
"""
"""The built-in default station: the default simulated bench."""


ROLE_KINDS: dict[str, type[Role]] = {"smu": SourceMeter, "awg": WaveformGenerator,
                                      "scope": Oscilloscope}
"""The VISA roles a station fills and the interface each role's driver must have."""
WIRING_DEFAULTS = {"scope_awg_channel": 1, "scope_tia_channel": 2}
"""Scope channels of the pulse path (AWG output, TIA output) unless the station file says."""

_VISA_ROLE = {
    "type": "object", "additionalProperties": False, "required": ["driver", "resource"],
    "properties": {"driver": {"type": "string"}, "resource": {"type": "string", "minLength": 1},
                   "timeout_ms": {"type": "integer", "minimum": 1},
                   "idn_check": {"type": "boolean"}},
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "required": ["roles"],
    "properties": {
        "visa_library": {"type": "string"},
        "roles": {"type": "object", "additionalProperties": False, "properties": {
            **{role: _VISA_ROLE for role in ROLE_KINDS},
            "tia": {"type": "object", "additionalProperties": False, "required": ["driver"],
                    "properties": {"driver": {"type": "string"},
                                   "gain_v_per_a": {"type": "number"},
                                   "mode": {"type": "string"}}}}},
        "fixtures": {"type": "object", "additionalProperties": False, "properties": {
            "series_resistors_ohm": {"type": "array", "items": {
                "type": "number", "exclusiveMinimum": 0}}}},
        "wiring": {"type": "object", "additionalProperties": False, "properties": {
            key: {"type": "integer", "minimum": 1} for key in WIRING_DEFAULTS}},
    },
}
"""The shape of a station file (JSON schema, draft 2020-12)."""


class StationError(FileError):
    """A station file that cannot describe a station, with where and why."""


class InstrumentError(RuntimeError):
    """An instrument a run needs is missing, silent, or another model than its driver speaks
    to (one line naming the role and the resource)."""


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
                   data.get("fixtures") or {}, data.get("wiring") or {}, source)

    @classmethod
    def from_file(cls, path: str | Path) -> StationConfig:
        """Read a station file (OSError when it cannot be read)."""
        return cls.from_text(Path(path).read_text(), str(path))

    @classmethod
    def default(cls, visa_library: str = "@labmem") -> StationConfig:
        """The built-in station, on the default simulated bench or on another library (e.g. a
        bench file, "bench.yaml@labmem")."""
        return replace(cls.from_text(DEFAULT_STATION_YAML, "<default>"),
                       visa_library=visa_library)


SAFE_OFF_TIMEOUT_S = 5.0
"""Default deadline of one role's safe_off: a dead session must not hold the safe state up."""

def _problems(data: dict[str, Any]) -> list[tuple[tuple, str]]:
    """(path in the file, message) of what the schema cannot see: unknown drivers, a driver
    in the wrong role, TIA settings the amplifier lacks, impossible wiring."""
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
                _tia_from(spec)
            except ValueError as err:
                out.append((("roles", role), f"roles.tia: {err}"))
        elif driver not in DRIVERS:
            out.append((("roles", role, "driver"), f"role {role!r}: unknown driver "
                                                   f"{driver!r}; known: {sorted(DRIVERS)}"))
        elif not issubclass(driver_class(driver), ROLE_KINDS[role]):
            out.append((("roles", role, "driver"), f"role {role!r} needs a "
                                                   f"{ROLE_KINDS[role].__name__} driver; "
                                                   f"{driver} is not one"))
    wiring = data.get("wiring") or {}
    if not wiring:
        return out
    scope = roles.get("scope")
    if scope is None or scope["driver"] not in DRIVERS:
        return [*out, (("wiring",), "wiring names scope channels, but the station has no "
                                    "scope role with a known driver")]
    channels = driver_class(scope["driver"]).CHANNELS  # type: ignore[attr-defined]
    for key, channel in wiring.items():
        if channel > channels:
            out.append((("wiring", key), f"wiring.{key}: channel {channel} does not exist on "
                                         f"the {scope['driver']} (channels 1-{channels})"))
    awg, tia = ({**WIRING_DEFAULTS, **wiring}[key] for key in WIRING_DEFAULTS)
    if awg == tia:
        key = "scope_tia_channel" if "scope_tia_channel" in wiring else "scope_awg_channel"
        out.append((("wiring", key), f"wiring: the AWG output and the TIA output both go to "
                                     f"scope channel {awg}; give them different channels"))
    return out


def _tia_from(spec: dict[str, Any]) -> CurrentAmplifier:
    return CurrentAmplifier(float(spec.get("gain_v_per_a", 1e5)), spec.get("mode", "low_noise"))


def ask_operator(message: str) -> None:
    """Ask the person at the probe station to recable; waits for Enter on a terminal."""
    if not sys.stdin.isatty():
        raise RuntimeError(f"the station needs recabling and nobody can be asked: {message}")
    input(f"{message}\nPress Enter when connected… ")


class Station:
    """Roles opened from a station file; owns the set-up and the clock procedures use."""

    def __init__(self, config: StationConfig | None = None,
                 operator: Callable[[str], None] = ask_operator) -> None:
        self.config = config or StationConfig.default()
        self.operator = operator
        self.announce: Callable[[str], None] | None = None
        """Told what a set-up change on the simulated bench connected (e.g. shown by the GUI);
        it needs no answer, unlike the operator at a real station."""
        self._roles: dict[str, Role] = {}
        self._idns: dict[str, str] = {}
        self._dead: dict[str, str] = {}
        """Roles whose safe_off did not return in time, with why: never tried again."""
        self.safe_off_timeout_s = SAFE_OFF_TIMEOUT_S
        """Deadline of each role's safe_off (seconds of wall time)."""
        self.visalib = pyvisa.ResourceManager(self.config.visa_library).visalib
        self.tia = _tia_from(self.config.roles.get("tia", {}))
        self.setup = "smu"
        self.series_ohm: float | None = None
        bench = self.bench
        if bench is not None:
            for key in ("scope_awg_channel", "scope_tia_channel"):
                if key in self.config.wiring:
                    setattr(bench.config, key, int(self.config.wiring[key]))
            bench.connect(bench.setup, tia_gain_v_per_a=self.tia.gain_v_per_a,
                          tia_mode=self.tia.mode)
            self.setup, self.series_ohm = bench.setup, bench.series_ohm

    @classmethod
    def from_file(cls, path: str | Path | None, **kwargs: Any) -> Station:
        """Open the station a file describes; path None is the built-in station on the
        simulated bench."""
        return cls(StationConfig.from_file(path) if path else StationConfig.default(), **kwargs)

    # -- what it is ---------------------------------------------------------------------

    @property
    def bench(self) -> Any:
        """The simulated bench behind the VISA library, or None on real hardware."""
        return getattr(self.visalib, "bench", None)

    @property
    def simulated(self) -> bool:
        """True on the simulated bench."""
        return self.bench is not None

    def role(self, name: str) -> Role:
        """The role object (opened on first use, with the station file's VISA timeout)."""
        if name not in self._roles:
            spec = self.config.roles.get(name)
            if spec is None or name == "tia":
                raise KeyError(f"station {self.config.source} has no VISA role {name!r}")
            options = {"timeout": spec["timeout_ms"]} if "timeout_ms" in spec else {}
            self._roles[name] = driver_class(spec["driver"])(
                spec["resource"], visa_library=self.config.visa_library, **options)
        return self._roles[name]

    @property
    def smu(self) -> SourceMeter:
        """The source-measure unit."""
        return self.role("smu")  # type: ignore[return-value]

    @property
    def awg(self) -> WaveformGenerator:
        """The arbitrary waveform generator."""
        return self.role("awg")  # type: ignore[return-value]

    @property
    def scope(self) -> Oscilloscope:
        """The oscilloscope."""
        return self.role("scope")  # type: ignore[return-value]

    def instruments(self) -> list[dict[str, str]]:
        """One row per role: role, driver, resource, *IDN? (or the error), simulated or not,
        and the problem that keeps a run from using it ("" when there is none)."""
        rows = []
        kind = "simulated" if self.simulated else "real"
        for name, spec in self.config.roles.items():
            row = {"role": name, "driver": spec["driver"], "resource": spec.get("resource", ""),
                   "kind": kind, "problem": ""}
            if name == "tia":
                row.update(resource="(no VISA interface; declared in the station file)",
                           idn=self.tia.describe())
            else:
                row["idn"], row["problem"] = self._identify(name)
            rows.append(row)
        return rows

    def _identify(self, name: str) -> tuple[str, str]:
        """(*IDN? answer or "not found: why", problem or "") of a VISA role."""
        spec = self.config.roles[name]
        where = f"{name} ({spec['driver']} at {spec['resource']})"
        try:
            if name not in self._idns:  # an open instrument keeps its identity
                self._idns[name] = self.role(name).idn
        except Exception as err:  # a missing instrument is reported, not fatal
            why = " ".join(str(err).split()) or type(err).__name__
            return f"not found: {why}", f"{where} not found (no answer to *IDN?): {why}"
        idn = self._idns[name]
        patterns = driver_class(spec["driver"]).IDN_PATTERNS
        if spec.get("idn_check", True) and patterns and not any(
                re.match(p, idn, re.IGNORECASE) for p in patterns):
            return idn, (f"{where} answers *IDN? {idn!r}, but the driver speaks to "
                         f"{' or '.join(patterns)} (idn_check: false in the station file "
                         "accepts it)")
        return idn, ""

    def check_roles(self, names: Iterable[str]) -> None:
        """Refuse (InstrumentError, one line naming the role and resource) before a run
        starts: a role the station lacks, an instrument that does not answer *IDN? within its
        VISA timeout, or one that is not the model its driver speaks to."""
        for name in names:
            if name not in self.config.roles:
                raise InstrumentError(f"the station {self.config.source} has no {name!r} "
                                      "role")
            if name != "tia":
                problem = self._identify(name)[1]
                if problem:
                    raise InstrumentError(problem)

    def idns(self) -> dict[str, str]:
        """Role → *IDN? answer (or why not), for the run catalog and results metadata."""
        return {row["role"]: row["idn"] for row in self.instruments()}

    # -- set-up -------------------------------------------------------------------------

    @property
    def series_resistors_ohm(self) -> list[float]:
        """The series resistors this station has (empty: any value is accepted)."""
        return list(self.config.fixtures.get("series_resistors_ohm") or [])

    def is_fixture(self, series_ohm: float) -> bool:
        """True when the station has this series resistor (or lists none)."""
        resistors = self.series_resistors_ohm
        return not resistors or any(abs(series_ohm - r) <= 1e-9 * r for r in resistors)

    def use_setup(self, setup: str, series_ohm: float | None = None,
                  tia_gain_v_per_a: float | None = None) -> None:
        """Ask for a wiring: "smu" (SMU ↔ device) or "pulse" (AWG → series R → device → TIA →
        scope). The simulated bench recables itself; at a real station the operator is asked."""
        if setup not in ("smu", "pulse"):
            raise ValueError(f"set-up must be 'smu' or 'pulse', got {setup!r}")
        if setup == "pulse":
            if series_ohm is None:
                raise ValueError("the pulse set-up needs series_ohm")
            if not self.is_fixture(series_ohm):
                available = ", ".join(f"{r:g}" for r in self.series_resistors_ohm)
                raise ValueError(f"series_ohm {series_ohm:g} Ω is not a fixture of this "
                                 f"station; available: {available}")
        tia = self.tia if tia_gain_v_per_a is None else CurrentAmplifier(tia_gain_v_per_a,
                                                                          self.tia.mode)
        wanted = (setup, series_ohm if setup == "pulse" else None, tia)
        if wanted == (self.setup, self.series_ohm if self.setup == "pulse" else None, self.tia):
            return
        self.safe_off()
        self.tia = tia
        message = self.describe_setup(setup, series_ohm)
        if self.bench is not None:
            self.bench.connect(setup, series_ohm, tia.gain_v_per_a, tia.mode)
            if self.announce is not None:
                self.announce(message)
        else:
            self.operator(message)
        self.setup = setup
        if setup == "pulse":
            self.series_ohm = series_ohm

    def describe_setup(self, setup: str, series_ohm: float | None = None) -> str:
        """What to connect, in the operator's words."""
        if setup == "smu":
            return "Connect the SMU (force HI/LO) directly to the device."
        wiring = {**WIRING_DEFAULTS, **self.config.wiring}
        return (f"Connect AWG → {series_ohm:g} Ω → device → TIA ({self.tia.describe()}) → "
                f"scope CH{wiring['scope_tia_channel']}; AWG output → scope "
                f"CH{wiring['scope_awg_channel']}; AWG sync → scope AUX trigger.")

    # -- clock and safety ---------------------------------------------------------------

    def now(self) -> float:
        """Seconds on the station's clock (virtual on the simulated bench)."""
        return self.bench.now if self.bench is not None else time.monotonic()

    def wait(self, duration_s: float) -> None:
        """Let time pass with the sources as they are (no time.sleep on the simulated bench)."""
        if duration_s <= 0:
            return
        if self.bench is not None:
            self.bench.advance(duration_s)
        else:
            time.sleep(duration_s)

    def safe_off(self) -> list[str]:
        """Every opened role to its safe state, each within safe_off_timeout_s; returns what
        could not be made safe, one "role: why" per role (empty when all of it is safe)."""
        errors = []
        for name in list(self._roles):
            error = self._role_safe_off(name)
            if error is not None:
                log.error("safe_off of %s failed: %s", name, error)
                errors.append(f"{name}: {error}")
        return errors

    def _role_safe_off(self, name: str) -> str | None:
        """One role to its safe state; on a lost session, once more on a reopened one. None
        when safe, else why not. A role whose safe_off did not return in time is dead: its
        session is closed (ending the stuck call) and it is never tried again."""
        if name in self._dead:
            return self._dead[name]
        deadline = time.monotonic() + self.safe_off_timeout_s
        for attempt in range(2):
            role = self._roles[name]
            error = _call_within(role.safe_off, deadline - time.monotonic())
            if error is None:
                return None
            if error is _TIMED_OUT:
                why = (f"safe state not confirmed: safe_off did not return within "
                       f"{self.safe_off_timeout_s:g} s (session closed)")
                self._dead[name] = why
                _close_quietly(role)
                return why
            if attempt == 0 and _session_lost(error):
                log.warning("%s: session lost (%s); reopening it to reach the safe state",
                            name, error)
                _close_quietly(role)
                del self._roles[name]
                try:
                    self.role(name)
                except Exception as err:  # the instrument cannot be reached at all
                    return f"{error}; reopening failed: {err}"
                continue
            return str(error)
        return str(error)


_TIMED_OUT = TimeoutError("safe_off timed out")


def _call_within(func: Callable[[], None], timeout_s: float) -> BaseException | None:
    """Call func in a daemon worker thread and wait at most timeout_s: None when it returned,
    its exception, or _TIMED_OUT (the thread is left behind; it must be unstuck by the caller)."""
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            func()
            outcome.append(None)
        except BaseException as err:  # handed to the caller
            outcome.append(err)

    worker = threading.Thread(target=work, name="labmem-safe-off", daemon=True)
    worker.start()
    worker.join(max(timeout_s, 0.0))
    return outcome[0] if outcome else _TIMED_OUT


def _session_lost(error: BaseException) -> bool:
    """True for the errors of a VISA session that is gone (not of an instrument that refused)."""
    if isinstance(error, pyvisa.errors.InvalidSession | ConnectionError):
        return True
    return isinstance(error, pyvisa.errors.VisaIOError) and error.error_code in (
        StatusCode.error_connection_lost, StatusCode.error_invalid_object)


def _close_quietly(role: Role) -> None:
    """Close a role's VISA session, ignoring errors (it may already be gone)."""
    try:
        role.close()
    except Exception:  # nothing more can be done with a dead session
        log.debug("closing the session failed", exc_info=True)


def simulated_station(bench_file: str | Path, **bench_settings: Any) -> Station:
    """The built-in station on a simulated bench of its own: bench_file is written with the
    given BenchConfig settings (e.g. seed=7) and opened as "<bench_file>@labmem". PyVISA keeps
    one bench per file in a process, so a file whose bench is open with other settings is
    refused (ValueError) rather than silently reused; the same settings share that bench."""
    path = Path(bench_file)
    text = yaml.safe_dump(bench_settings)
    opened = LabmemVisaLibrary.opened.get(str(path.resolve()))
    if opened is not None and opened != text:
        raise ValueError(f"{path}: a simulated bench with other settings "
                         f"({' '.join(opened.split())}) is already open on this file in this "
                         "process; give the new bench a file of its own")
    path.write_text(text)
    return Station(StationConfig.default(f"{path}@labmem"))
