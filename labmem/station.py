"""The station: which instrument fills each role, over which VISA library, with which fixtures
(series resistors, TIA gain), and the set-up (wiring) procedures ask for."""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyvisa
import yaml

from labmem.instruments.femto.femto_dhpca100 import CurrentAmplifier
from labmem.instruments.roles import Oscilloscope, Role, SourceMeter, WaveformGenerator
from labmem.safe_state import (
    SAFE_OFF_TIMEOUT_S,
    TIMED_OUT,
    call_within,
    close_quietly,
    session_lost,
)
from labmem.station_file import (
    FIXTURE_LISTS,
    ROLE_OPTIONS,
    WIRING_DEFAULTS,
    StationConfig,
    driver_class,
    tia_from,
)
from labmem.transcript import Recorder

log = logging.getLogger(__name__)

SETUPS = ("smu", "pulse", "differential", "membrane")
"""The wirings a procedure may ask for (differential only on a differential station)."""
AWG_SETUPS = ("pulse", "differential")
"""The wirings through the AWG and its series resistor."""

class InstrumentError(RuntimeError):
    """An instrument a run needs is missing, silent, or another model than its driver speaks
    to (one line naming the role and the resource)."""


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
        self.safe_offs = 0
        """How many times safe_off() ran: a set-up made before the last one is gone."""
        self.visalib = pyvisa.ResourceManager(self.config.visa_library).visalib
        self.tia = tia_from(self.config.roles.get("tia", {}))
        self.setup = "smu"
        self.series_ohm: float | None = None
        self.membrane: dict[str, Any] | None = None
        """The membrane set-up's components and source while it is connected."""
        self.recorder: Recorder | None = None
        """The VISA transcript being recorded (see record()), or None."""
        bench = self.bench
        if bench is not None:
            for key in WIRING_DEFAULTS:
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
        """The role object (opened on first use, with the station file's VISA timeout and the
        role options it gives, e.g. a driver's channel)."""
        if name not in self._roles:
            spec = self.config.roles.get(name)
            if spec is None or name == "tia":
                raise KeyError(f"station {self.config.source} has no VISA role {name!r}")
            options = {"timeout": spec["timeout_ms"]} if "timeout_ms" in spec else {}
            options.update({key: spec[key] for key in ROLE_OPTIONS if key in spec})
            self._roles[name] = driver_class(spec["driver"])(
                spec["resource"], visa_library=self.config.visa_library, **options)
        return self._roles[name]

    @property
    def smu(self) -> SourceMeter:
        """The source-measure unit."""
        return self.role("smu")  # type: ignore[return-value]

    @property
    def smu2(self) -> SourceMeter:
        """The second source-measure unit (optional role), e.g. a bias on the device's other
        terminal."""
        return self.role("smu2")  # type: ignore[return-value]

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
        return self.fixtures("series_resistors_ohm")

    def is_fixture(self, value: float, kind: str = "series_resistors_ohm") -> bool:
        """True when the station has this component in its fixture list kind (one of
        FIXTURE_LISTS; by default the series resistors), or lists none of that kind."""
        values = self.fixtures(kind)
        return not values or any(abs(value - r) <= 1e-9 * r for r in values)

    def fixtures(self, kind: str) -> list[float]:
        """The components of a fixture list (FIXTURE_LISTS) the station has (empty: any)."""
        if kind not in FIXTURE_LISTS:
            raise KeyError(f"unknown fixture list {kind!r}; known: {sorted(FIXTURE_LISTS)}")
        return list(self.config.fixtures.get(kind) or [])

    def check_membrane(self, membrane_f: float, input_ohm: float, leak_ohm: float | None,
                       load_ohm: float) -> None:
        """Refuse (ValueError naming what the station has) membrane components that are not
        its fixtures; no leak and a 0 Ω load (a wire) need none."""
        wanted = [("capacitors_f", membrane_f, "F", "membrane_f"),
                  ("series_resistors_ohm", input_ohm, "Ω", "input_ohm")]
        if leak_ohm is not None:
            wanted.append(("leak_resistors_ohm", leak_ohm, "Ω", "leak_ohm"))
        if load_ohm > 0:
            wanted.append(("load_resistors_ohm", load_ohm, "Ω", "load_ohm"))
        for kind, value, unit, name in wanted:
            if not value > 0:
                raise ValueError(f"{name} {value!r} {unit} is not allowed: give a value > 0")
            if not self.is_fixture(value, kind):
                available = ", ".join(f"{v:g}" for v in self.fixtures(kind))
                raise ValueError(f"{name} {value:g} {unit} is not a fixture of this station "
                                 f"({FIXTURE_LISTS[kind]}); available: {available}")

    @property
    def differential(self) -> bool:
        """True when the station file wires the AWG's second channel to the device's bottom
        terminal (`wiring: {differential: true}`), so the differential set-up exists here."""
        return bool(self.config.wiring.get("differential", False))

    def use_setup(self, setup: str, series_ohm: float | None = None,
                  tia_gain_v_per_a: float | None = None, **membrane: Any) -> None:
        """Ask for a wiring: "smu" (SMU ↔ device), "pulse" (AWG → series R → device → TIA →
        scope), "differential" (AWG CH1 → series R → device ← AWG CH2, on a differential
        station) or "membrane" (source → input R → node with C and leak R to ground → load R →
        device → TIA; membrane: membrane_f, input_ohm, leak_ohm (None: none), load_ohm and
        source "awg" or "smu"). The simulated bench recables itself; at a real station the
        operator is asked."""
        if setup not in SETUPS:
            raise ValueError(f"set-up must be one of {SETUPS}, got {setup!r}")
        if setup == "differential" and not self.differential:
            raise ValueError(f"the station {self.config.source} has no differential set-up "
                             "(wiring: {differential: true} says the AWG's channel 2 is on the "
                             "device's bottom terminal)")
        if setup == "membrane":
            membrane = {"leak_ohm": None, "load_ohm": 0.0, "source": "awg", **membrane}
            if membrane["source"] not in ("awg", "smu"):
                raise ValueError(f"the membrane source is 'awg' or 'smu', got "
                                 f"{membrane['source']!r}")
            self.check_membrane(membrane["membrane_f"], membrane["input_ohm"],
                                membrane["leak_ohm"], membrane["load_ohm"])
        elif membrane:
            raise ValueError(f"membrane settings {sorted(membrane)} belong to the membrane "
                             "set-up")
        if setup in AWG_SETUPS:
            if series_ohm is None:
                raise ValueError(f"the {setup} set-up needs series_ohm")
            if not self.is_fixture(series_ohm):
                available = ", ".join(f"{r:g}" for r in self.series_resistors_ohm)
                raise ValueError(f"series_ohm {series_ohm:g} Ω is not a fixture of this "
                                 f"station; available: {available}")
        tia = self.tia if tia_gain_v_per_a is None else CurrentAmplifier(tia_gain_v_per_a,
                                                                          self.tia.mode)
        wanted = (setup, series_ohm if setup in AWG_SETUPS else None, tia, membrane or None)
        if wanted == (self.setup, self.series_ohm if self.setup in AWG_SETUPS else None,
                      self.tia, self.membrane):
            return
        self.safe_off()
        self.tia = tia
        message = self.describe_setup(setup, series_ohm, membrane or None)
        if self.bench is not None:
            self.bench.connect(setup, series_ohm, tia.gain_v_per_a, tia.mode, **membrane)
            if self.announce is not None:
                self.announce(message)
        else:
            self.operator(message)
        self.setup = setup
        self.membrane = membrane or None
        if setup in AWG_SETUPS:
            self.series_ohm = series_ohm
        if self.recorder is not None and self.recorder.recording:
            self.recorder.setup(**self.wiring_state())

    @property
    def scope_channels(self) -> tuple[int, int]:
        """Scope channels of the pulse path: (AWG output, TIA output), as the wiring says."""
        wiring = {**WIRING_DEFAULTS, **self.config.wiring}
        return int(wiring["scope_awg_channel"]), int(wiring["scope_tia_channel"])

    @property
    def scope_membrane_channel(self) -> int:
        """Scope channel probing the membrane node, as the wiring says."""
        return int({**WIRING_DEFAULTS, **self.config.wiring}["scope_membrane_channel"])

    def describe_setup(self, setup: str, series_ohm: float | None = None,
                       membrane: dict[str, Any] | None = None) -> str:
        """What to connect, in the operator's words."""
        if setup == "smu":
            return "Connect the SMU (force HI/LO) directly to the device."
        awg, tia = self.scope_channels
        if setup == "differential":
            return (f"Connect AWG CH1 → {series_ohm:g} Ω → device top and AWG CH2 → device "
                    f"bottom; the current in the series branch ({self.tia.describe()}, or a "
                    f"differential probe across the resistor at that gain) → scope CH{tia}; "
                    f"AWG CH1 − CH2 (a differential probe) → scope CH{awg}; AWG sync → scope "
                    "AUX trigger.")
        if setup == "membrane":
            assert membrane is not None
            leak = (" and nothing else" if membrane["leak_ohm"] is None
                    else f" and a {membrane['leak_ohm']:g} Ω leak resistor")
            source = "AWG" if membrane["source"] == "awg" else "SMU (force HI)"
            sync = "; AWG sync → scope AUX trigger" if membrane["source"] == "awg" else ""
            return (f"Connect {source} → {membrane['input_ohm']:g} Ω → membrane node; from the "
                    f"node to ground a {membrane['membrane_f']:g} F capacitor{leak}; node → "
                    f"{membrane['load_ohm']:g} Ω → device → TIA ({self.tia.describe()}) → "
                    f"scope CH{tia}; node → high-impedance probe → scope "
                    f"CH{self.scope_membrane_channel}; source → scope CH{awg}{sync}.")
        return (f"Connect AWG → {series_ohm:g} Ω → device → TIA ({self.tia.describe()}) → "
                f"scope CH{tia}; AWG output → scope CH{awg}; AWG sync → scope AUX trigger.")

    def wiring_state(self) -> dict[str, Any]:
        """The set-up as connected now (what a transcript needs to recable a bench)."""
        return {"setup": self.setup, "series_ohm": self.series_ohm,
                "tia_gain_v_per_a": self.tia.gain_v_per_a, "tia_mode": self.tia.mode,
                "membrane": self.membrane}

    # -- recording ----------------------------------------------------------------------

    def record(self, path: str | Path, **about: Any) -> Recorder:
        """Start recording every VISA transaction of every role into a transcript at path
        (labmem.transcript); about (e.g. the run) goes into its header. close() the recorder
        returned to stop."""
        config = self.config
        header: dict[str, Any] = {
            **about, "simulated": self.simulated, "clock": "virtual" if self.simulated
            else "wall", "idns": dict(self._idns), "setup": self.wiring_state(),
            "station": {"source": config.source, "visa_library": config.visa_library,
                        "roles": config.roles, "fixtures": config.fixtures,
                        "wiring": config.wiring}}
        if self.bench is not None:
            library = Path(str(self.visalib.library_path))
            header["bench"] = {"settings": yaml.safe_load(library.read_text()) or {}
                               if library.is_file() else {}, "state": self.bench.snapshot()}
        roles = {name: spec["resource"] for name, spec in config.roles.items()
                 if "resource" in spec}
        self.recorder = Recorder(path, self.visalib, self.now, header, roles)
        return self.recorder

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
        self.safe_offs += 1
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
            error = call_within(role.safe_off, deadline - time.monotonic())
            if error is None:
                return None
            if error is TIMED_OUT:
                why = (f"safe state not confirmed: safe_off did not return within "
                       f"{self.safe_off_timeout_s:g} s (session closed)")
                self._dead[name] = why
                close_quietly(role)
                return why
            if attempt == 0 and session_lost(error):
                log.warning("%s: session lost (%s); reopening it to reach the safe state",
                            name, error)
                close_quietly(role)
                del self._roles[name]
                try:
                    self.role(name)
                except Exception as err:  # the instrument cannot be reached at all
                    return f"{error}; reopening failed: {err}"
                continue
            return str(error)
        return str(error)


def simulated_station(bench_file: str | Path, **bench_settings: Any) -> Station:
    """The built-in station on a simulated bench of its own: bench_file is written with the
    given BenchConfig settings (e.g. seed=7) and opened as "<bench_file>@labmem". PyVISA keeps
    one bench per file in a process, so a file whose bench is open with other settings is
    refused (ValueError) rather than silently reused; the same settings share that bench."""
    from labmem.simulated_instruments.visa.library import LabmemVisaLibrary

    path = Path(bench_file)
    text = yaml.safe_dump(bench_settings)
    opened = LabmemVisaLibrary.opened.get(str(path.resolve()))
    if opened is not None and opened != text:
        raise ValueError(f"{path}: a simulated bench with other settings "
                         f"({' '.join(opened.split())}) is already open on this file in this "
                         "process; give the new bench a file of its own")
    path.write_text(text)
    return Station(StationConfig.default(f"{path}@labmem"))
