"""Replay a VISA transcript (labmem.transcript) against the `@labmem` emulators and list where
their answers differ from the recorded ones: the short list of emulator defects a lab's
transcript turns into.

Replay opens a fresh simulated bench with the transcript's station section (each role's
emulator chosen by its *IDN? answer, else by its driver's name); a transcript recorded on the
simulated bench gets the same bench settings and the device's recorded state. Before each
transaction the bench's virtual clock is advanced to the transaction's recorded start (relative
to the recording's start), set-up changes are connected as recorded, and every write is sent
as recorded. What is compared, per transaction:

- answers of settings, identities and states (every query that is not a reading): field by
  field, numbers as numbers (so 1E-6 and 1.000000E-06 agree), text exactly (*IDN? with the
  serial number masked when the transcript is anonymised; dates and times of day, which the
  emulators take from the host's clock, are not compared);
- readings (READING_RULES: SMU readings, scope measurements and waveforms): numbers within
  |replayed - recorded| <= atol + rtol |recorded|; binary blocks (IEEE 488.2 #) of the same
  length, decoded with the data format the session last asked for (FORM SRE/REAL/WORD/BYTE,
  byte order SWAP/LSBF), floats within the rule's tolerance, integer ADC codes within
  BLOCK_CODE_TOL of their full scale;
- timeouts: a recorded answer the emulator does not give, or the other way round;
- refused commands: an error the emulator queues (e.g. -113 undefined header) after a
  transaction the instrument completed; the error is then taken off the queue so later
  SYST:ERR? answers keep comparing with the instrument's;
- timing: a query whose recorded duration exceeds TIMING_FACTOR × the bench's (virtual) duration
  + TIMING_SLACK_S — an answer the instrument took long to give that the bench gives at once.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyvisa
import yaml

from labmem.station import Station
from labmem.station_file import StationConfig
from labmem.transcript import Transcript, decode, idn_serial, mask_serial, without_serials

TIMING_FACTOR = 2.0
"""A recorded duration over this many times the bench's is a timing difference…"""
TIMING_SLACK_S = 5e-3
"""…once it also exceeds the bench's by this much (bus latency, host scheduling)."""
BLOCK_CODE_TOL = 0.01
"""Integer block data (ADC codes) agree within this fraction of their full scale."""
SETTING_RTOL = 1e-9
"""Numbers in answers that are not readings agree to formatting only."""
CLOCK_FIELD = re.compile(r'"?(\d{1,2} \w{3} \d{4}|\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d(:\d\d)?)"?')
"""Fields that are dates or times of day (e.g. in a waveform preamble): not compared, the
emulators stamp them with the host's clock."""


@dataclass(frozen=True)
class ReadingRule:
    """Queries of a role (regular expressions on the role and the upper-cased command) whose
    numbers are measured values, and how close a replayed one must be."""

    role: str
    command: str
    rtol: float
    atol: float
    why: str


READING_RULES = (
    ReadingRule(r"smu\d?", r"READ\?|:?MEAS|:?FETC|TRAC\w*:DATA|PRINT\w*\(|PRINTBUFFER", 0.05,
                1e-12, "SMU readings: 5 % or 1 pA (the noise of the lowest current ranges)"),
    ReadingRule(r"scope", r"MEAS|WAV\w*:DATA|CURV|:DATA\?", 0.05, 2e-3,
                "scope measurements and waveforms: 5 % or 2 mV"),
)
"""The rules replay uses by default; queries no rule names are settings (compared exactly)."""


@dataclass(frozen=True)
class Difference:
    """One transaction whose replay differs from its record."""

    index: int
    role: str
    command: str
    """The command with numbers normalised (e.g. ':CHANNEL#:SCALE'), how differences group."""
    kind: str
    """answer, reading, timeout, refused or timing."""
    message: str


@dataclass
class ReplayReport:
    """The differences a replay found and how much it compared."""

    transactions: int = 0
    queries: int = 0
    differences: list[Difference] = field(default_factory=list)

    def groups(self) -> dict[tuple[str, str, str], list[Difference]]:
        """Differences by (role, normalised command, kind), in order of first appearance."""
        out: dict[tuple[str, str, str], list[Difference]] = defaultdict(list)
        for diff in self.differences:
            out[(diff.role, diff.command, diff.kind)].append(diff)
        return dict(out)

    def summary(self) -> str:
        """One line per group: count, role, command, kind and the first example."""
        lines = [f"{self.transactions} transactions ({self.queries} answers) replayed: "
                 f"{len(self.differences)} differences in {len(self.groups())} commands"]
        for (role, command, kind), diffs in self.groups().items():
            lines.append(f"  {len(diffs):4d} × {role} {command} [{kind}] first at "
                         f"#{diffs[0].index}: {diffs[0].message}")
        return "\n".join(lines)


def command_key(message: bytes) -> str:
    """The headers of a program message, upper-cased, numbers as #: 'CHANnel2:SCALe 0.5' →
    ':CHANNEL#:SCALE' (parameters dropped), units joined by ';'."""
    text = message.decode("latin-1").strip()
    if text.startswith("#"):
        return "<block>"
    headers = [unit.strip().split(" ")[0].split("\t")[0] for unit in text.split(";")]
    return ";".join(re.sub(r"\d+", "#", h.upper()) for h in headers if h)[:80]


def replay(transcript: Transcript, rules: tuple[ReadingRule, ...] = READING_RULES
           ) -> ReplayReport:
    """Play a transcript's writes on a fresh simulated bench and compare every answer."""
    with tempfile.TemporaryDirectory(prefix="labmem-replay-") as folder:
        return _Replayer(transcript, _bench_station(transcript, Path(folder)), rules).run()


def _bench_station(transcript: Transcript, folder: Path) -> Station:
    """The station of the transcript on a bench file of its own in folder."""
    header = transcript.header
    section = header.get("station", {})
    roles = section.get("roles", {})
    settings = dict(header.get("bench", {}).get("settings", {}))
    settings["instruments"] = {
        role: {"model": _model(role, spec["driver"], header.get("idns", {}).get(role, "")),
               "resource": spec["resource"]}
        for role, spec in roles.items() if "resource" in spec}
    bench_file = folder / "bench.yaml"
    bench_file.write_text(yaml.safe_dump(settings))
    station = Station(StationConfig(f"{bench_file}@labmem", roles,
                                    section.get("fixtures", {}), section.get("wiring", {}),
                                    "<replay>"))
    state = header.get("bench", {}).get("state")
    if state is not None:
        station.bench.restore(state)
    _connect(station, header.get("setup"))
    return station


def _model(role: str, driver: str, idn: str) -> str:
    """The emulator model of an instrument: by its *IDN? maker and model, else its driver."""
    from labmem.simulated_instruments.emulators.registry import EMULATORS

    wanted = [f.strip().upper() for f in idn.split(",")[:2]]
    for model, cls in EMULATORS.items():
        if len(wanted) == 2 and [f.strip().upper() for f in cls.idn.split(",")[:2]] == wanted:
            return model
    if driver in EMULATORS:
        return driver
    raise ValueError(f"role {role}: no emulator answers *IDN? like {idn!r} or is named "
                     f"{driver!r}; known models: {', '.join(EMULATORS)}")


def _connect(station: Station, setup: dict[str, Any] | None) -> None:
    """Recable the bench as a transcript's setup line (or header) says."""
    if not setup:
        return
    station.use_setup(setup["setup"], setup.get("series_ohm"), setup.get("tia_gain_v_per_a"),
                      **(setup.get("membrane") or {}))


class _Replayer:
    """One replay: the bench's sessions, the clock offset, the data format of each role."""

    def __init__(self, transcript: Transcript, station: Station,
                 rules: tuple[ReadingRule, ...]) -> None:
        self.transcript = transcript
        self.station = station
        self.bench = station.bench
        self.rules = rules
        self.anonymised = bool(transcript.header.get("anonymised"))
        recorded_on_bench = "state" in transcript.header.get("bench", {})
        self.offset = (float(transcript.header.get("t0", 0.0)) if recorded_on_bench
                       else self.bench.now)
        self.manager = pyvisa.ResourceManager(station.config.visa_library)
        self.sessions: dict[str, Any] = {}
        self.formats: dict[str, tuple[str, str]] = {}
        self.report = ReplayReport()

    def run(self) -> ReplayReport:
        try:
            for record in self.transcript.records:
                self._advance(record["t"])
                if record["op"] == "setup":
                    _connect(self.station, record)
                else:
                    self._transaction(record)
        finally:
            for session in self.sessions.values():
                session.close()
        return self.report

    def _advance(self, t: float) -> None:
        self.bench.advance(self.offset + t - self.bench.now)

    def _resource(self, role: str) -> Any:
        if role not in self.sessions:
            spec = self.station.config.roles.get(role)
            if spec is None:
                raise ValueError(f"the transcript talks to {role!r}, which its station section "
                                 "does not name")
            self.sessions[role] = self.manager.open_resource(spec["resource"])
        return self.sessions[role]

    def _transaction(self, record: dict[str, Any]) -> None:
        role, op = record["r"], record["op"]
        resource = self._resource(role)
        emulator = self.bench.resources[resource.resource_name]
        errors_before = len(emulator.errors)
        data = decode(record, "data") or b""
        key = command_key(data) if op != "read" else "<read>"
        self.report.transactions += 1
        start = self.bench.now
        answer: bytes | None = b""
        if op in ("write", "query"):
            self._note_format(role, data)
            try:
                resource.write_raw(data)
            except pyvisa.errors.VisaIOError as err:
                self._differ(record, key, "refused", f"write failed: {err}")
        if op in ("read", "query"):
            self._advance(record["t"] + record.get("tr", 0.0))
            self.report.queries += 1
            try:
                answer = resource.read_raw()
            except pyvisa.errors.VisaIOError:
                answer = None
            self._compare(record, role, key, data, answer, self.bench.now - start)
        if "error" not in record and len(emulator.errors) > errors_before:
            new = [emulator.errors.pop() for _ in range(len(emulator.errors) - errors_before)]
            if answer is None:  # its own timeout was reported: not its -420 too
                new = [(code, text) for code, text in new if code != -420]
            if new:
                self._differ(record, key, "refused", "the emulator queued " + "; ".join(
                    f"{code} {text}" for code, text in reversed(new)))

    def _compare(self, record: dict[str, Any], role: str, key: str, data: bytes,
                 answer: bytes | None, bench_dt: float) -> None:
        recorded = decode(record, "answer")
        if recorded is None or answer is None:
            if (recorded is None) != (answer is None):
                self._differ(record, key, "timeout", "the instrument timed out, the emulator "
                             "answered" if recorded is None else
                             "the emulator timed out (no answer), the instrument answered "
                             f"{_shown(recorded)}")
            return
        rule = next((r for r in self.rules if re.fullmatch(r.role, role)
                     and re.search(r.command, key)), None)
        if self.anonymised and _block(answer) is None:
            emulator = self.bench.resources[self.sessions[role].resource_name]
            answer = without_serials(answer.decode("latin-1"),
                                     {idn_serial(emulator.idn)}).encode("latin-1")
        problem = _answer_problem(recorded, answer, rule, self.formats.get(role),
                                  self.anonymised and data.strip().upper() == b"*IDN?")
        if problem:
            self._differ(record, key, "answer" if rule is None else "reading", problem)
        if record["dt"] > TIMING_FACTOR * bench_dt + TIMING_SLACK_S:
            self._differ(record, key, "timing", f"the instrument took {record['dt']:.4g} s, "
                         f"the bench {bench_dt:.4g} s")

    def _note_format(self, role: str, data: bytes) -> None:
        """Remember the binary data format and byte order a message asks for."""
        text = data.decode("latin-1").upper()
        kind, order = self.formats.get(role, ("u1", ">"))
        found = re.search(r"FORM\w*(?::DATA)?\s+(SRE|REAL,?\s*32|REAL|DRE|REAL,?\s*64|WORD|"
                          r"INT16|BYTE|INT8)", text)
        if found:
            word = found.group(1).replace(" ", "")
            kind = {"SRE": "f4", "REAL32": "f4", "REAL,32": "f4", "REAL": "f4", "DRE": "f8",
                    "REAL64": "f8", "REAL,64": "f8", "WORD": "i2", "INT16": "i2"}.get(word,
                                                                                     "i1")
        if re.search(r"(BORD|BYT\w*ORD\w*)\s+(SWAP|LSBF)", text):
            order = "<"
        elif re.search(r"(BORD|BYT\w*ORD\w*)\s+(NORM|MSBF)", text):
            order = ">"
        self.formats[role] = (kind, order)

    def _differ(self, record: dict[str, Any], key: str, kind: str, message: str) -> None:
        self.report.differences.append(Difference(record.get("n", 0), record["r"], key, kind,
                                                  message))


def _shown(answer: bytes) -> str:
    text = answer.decode("latin-1").strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _block(answer: bytes) -> bytes | None:
    """The payload of an IEEE 488.2 block answer (#<n><length><bytes>, or #0<bytes> up to the
    final newline), else None."""
    if answer[:1] != b"#" or len(answer) < 2 or not answer[1:2].isdigit():
        return None
    digits = int(answer[1:2])
    if digits == 0:
        return answer[2:-1] if answer.endswith(b"\n") else answer[2:]
    if len(answer) < 2 + digits:
        return None
    length = int(answer[2:2 + digits])
    return answer[2 + digits:2 + digits + length]


def _answer_problem(recorded: bytes, answer: bytes, rule: ReadingRule | None,
                    fmt: tuple[str, str] | None, idn: bool) -> str:
    """Why a replayed answer does not match the recorded one ("" when it does)."""
    block = _block(recorded)
    if block is not None:
        mine = _block(answer)
        if mine is None or len(mine) != len(block):
            return (f"a block of {len(block)} bytes was recorded, the emulator answered "
                    + ("no block" if mine is None else f"{len(mine)} bytes"))
        return _block_problem(block, mine, rule, fmt or ("u1", ">"))
    want, got = recorded.decode("latin-1").strip(), answer.decode("latin-1").strip()
    if idn:
        want, got = mask_serial(want), mask_serial(got)
    fields_want, fields_got = re.split(r"[,;]", want), re.split(r"[,;]", got)
    if len(fields_want) != len(fields_got):
        return f"recorded {_shown(recorded)}, replayed {_shown(answer)} (other field count)"
    for a, b in zip(fields_want, fields_got, strict=True):
        x, y = _number(a), _number(b)
        if CLOCK_FIELD.fullmatch(a.strip()) and CLOCK_FIELD.fullmatch(b.strip()):
            same = True
        elif x is None or y is None:
            same = a.strip() == b.strip()
        elif rule is None:
            same = math.isclose(x, y, rel_tol=SETTING_RTOL) or x == y
        else:
            same = abs(y - x) <= rule.atol + rule.rtol * abs(x)
        if not same:
            tol = "" if rule is None else f" (tolerance {rule.rtol:g} rel + {rule.atol:g})"
            return f"recorded {_shown(recorded)}, replayed {_shown(answer)}{tol}"
    return ""


def _block_problem(want: bytes, got: bytes, rule: ReadingRule | None,
                   fmt: tuple[str, str]) -> str:
    kind, order = fmt
    dtype = np.dtype(order + kind) if kind != "u1" else np.dtype("u1")
    if len(want) % dtype.itemsize:
        dtype = np.dtype("u1")
    a = np.frombuffer(want, dtype).astype(float)
    b = np.frombuffer(got, dtype).astype(float)
    if dtype.kind == "f":
        rtol, atol = (rule.rtol, rule.atol) if rule is not None else (SETTING_RTOL, 0.0)
        bad = ~(np.abs(b - a) <= atol + rtol * np.abs(a))
        what = f"tolerance {rtol:g} rel + {atol:g}"
    else:
        tol = BLOCK_CODE_TOL * 2.0 ** (8 * dtype.itemsize) if rule is not None else 0.0
        bad = np.abs(b - a) > tol
        what = f"tolerance {tol:g} codes"
    if not bad.any():
        return ""
    first = int(np.argmax(bad))
    return (f"{int(bad.sum())} of {a.size} {dtype.str} values differ ({what}); first at "
            f"{first}: recorded {a[first]:g}, replayed {b[first]:g}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
