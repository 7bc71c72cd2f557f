"""The station: which instrument fills each role, over which VISA library, with which fixtures
(series resistors, TIA gain), and the set-up (wiring) procedures ask for."""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyvisa
import yaml
from pyvisa.constants import StatusCode

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.instruments.roles import Oscilloscope, Role, SourceMeter, WaveformGenerator

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
        """Parse station YAML (safe loader: no object construction) and check its shape."""
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{source}: a station file is a mapping")
        unknown = set(data) - {"visa_library", "roles", "fixtures", "wiring"}
        if unknown:
            raise ValueError(f"{source}: unknown station keys {sorted(unknown)}")
        roles = data.get("roles") or {}
        for role, spec in roles.items():
            if not isinstance(spec, dict) or "driver" not in spec:
                raise ValueError(f"{source}: role {role!r} needs a driver")
            driver = spec["driver"]
            if role == "tia":
                if driver != "femto_dhpca100":
                    raise ValueError(f"{source}: unknown TIA driver {driver!r}")
                _tia_from(spec)
            elif driver not in DRIVERS:
                raise ValueError(f"{source}: role {role!r}: unknown driver {driver!r}; "
                                 f"known: {sorted(DRIVERS)}")
            elif "resource" not in spec:
                raise ValueError(f"{source}: role {role!r} needs a resource string")
        return cls(str(data.get("visa_library", "@labmem")), roles,
                   data.get("fixtures") or {}, data.get("wiring") or {}, source)

    @classmethod
    def from_file(cls, path: str | Path) -> StationConfig:
        """Read a station file."""
        return cls.from_text(Path(path).read_text(), str(path))

    @classmethod
    def default(cls, visa_library: str = "@labmem") -> StationConfig:
        """The built-in station, on the default simulated bench or on another library (e.g. a
        bench file, "bench.yaml@labmem")."""
        return replace(cls.from_text(DEFAULT_STATION_YAML, "<default>"),
                       visa_library=visa_library)


SAFE_OFF_TIMEOUT_S = 5.0
"""Default deadline of one role's safe_off: a dead session must not hold the safe state up."""


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
        """The role object (opened on first use)."""
        if name not in self._roles:
            spec = self.config.roles.get(name)
            if spec is None or name == "tia":
                raise KeyError(f"station {self.config.source} has no VISA role {name!r}")
            module, cls_name = DRIVERS[spec["driver"]].split(":")
            cls = getattr(importlib.import_module(module), cls_name)
            self._roles[name] = cls(spec["resource"], visa_library=self.config.visa_library)
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
        """One row per role: role, driver, resource, *IDN? (or the error), simulated or not."""
        rows = []
        kind = "simulated" if self.simulated else "real"
        for name, spec in self.config.roles.items():
            row = {"role": name, "driver": spec["driver"], "resource": spec.get("resource", ""),
                   "kind": kind}
            if name == "tia":
                row.update(resource="(no VISA interface; declared in the station file)",
                           idn=self.tia.describe())
            else:
                try:
                    if name not in self._idns:  # an open instrument keeps its identity
                        self._idns[name] = self.role(name).idn
                    row["idn"] = self._idns[name]
                except Exception as err:  # a missing instrument is reported, not fatal
                    row["idn"] = f"not found: {err}"
            rows.append(row)
        return rows

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
        wiring = self.config.wiring
        return (f"Connect AWG → {series_ohm:g} Ω → device → TIA ({self.tia.describe()}) → "
                f"scope CH{wiring.get('scope_tia_channel', 2)}; AWG output → scope "
                f"CH{wiring.get('scope_awg_channel', 1)}; AWG sync → scope AUX trigger.")

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
    given BenchConfig settings (e.g. seed=7) and opened as "<bench_file>@labmem"."""
    path = Path(bench_file)
    path.write_text(yaml.safe_dump(bench_settings))
    return Station(StationConfig.default(f"{path}@labmem"))
