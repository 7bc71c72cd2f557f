"""VISA transcripts: every write, read and query of a run, recorded where all of a station's
instruments meet PyVISA (the VISA library object its resources share), as gzip JSON lines
beside the run. Read back, anonymised and replayed against the emulators (labmem.replay).

Line 1 is the header (station section, *IDN? answers, set-up, clock, and on the simulated bench
its settings and the device's state); every further line is one transaction::

    {"n": 12, "t": 0.0123, "dt": 0.02, "r": "smu", "op": "query", "tr": 0.0001,
     "data": "READ?\\n", "answer": "1.0E-6\\n"}

n orders the calls (lines are written as transactions end); t is the start on the station clock
(virtual on the simulated bench, monotonic wall time at a real station) relative to the
header's t0, dt the duration, tr (queries) when the read began.
Bytes that are not printable ASCII are stored as base64 under data_b64 / answer_b64. A failed
call (e.g. a timeout) has "error": the VISA status code, and was re-raised unchanged.
Set-up changes of the station (recabling) are lines with "op": "setup".
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyvisa import rname
from pyvisa.constants import ResourceAttribute, StatusCode

from labmem import __version__

FORMAT = "labmem-visa-transcript"
VERSION = 1
SUFFIX = ".visa.jsonl.gz"
"""A run's transcript is <results stem>.visa.jsonl.gz beside its CSV…"""
BLOCKS_SUFFIX = ".visa.bin"
"""…with the binary payloads (waveforms, buffers) raw and uncompressed in <results stem>.visa.bin,
when there are any: base64 and JSON, or even gzip at level 1 (≈ 100 ms per 16 MB of scope
records), would cost more time than the transfer's own handling."""


def blocks_path(path: str | Path) -> Path:
    """The side file of binary payloads of a transcript file."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(SUFFIX) + BLOCKS_SUFFIX)

_NOT_TEXT = re.compile(rb"[^\x20-\x7e\r\n\t]")


def encode(record: dict[str, Any], key: str, data: bytes,
           side: Callable[[bytes], list[int]] | None = None) -> None:
    """Store bytes under key as text when printable ASCII; else in the side file when there is
    one (key_bin: [offset, length]), or as base64 under key_b64."""
    if _NOT_TEXT.search(data) is None:
        record[key] = data.decode("ascii")
    elif side is not None:
        record[key + "_bin"] = side(data)
    else:
        record[key + "_b64"] = base64.b64encode(data).decode("ascii")


def decode(record: dict[str, Any], key: str) -> bytes | None:
    """The bytes stored by encode() under key (None when the record has none)."""
    if key in record:
        return record[key].encode("ascii")
    if key + "_b64" in record:
        return base64.b64decode(record[key + "_b64"])
    return None


def canonical(resource: str) -> str:
    """A VISA resource name in PyVISA's canonical spelling (as given when it cannot parse)."""
    try:
        return str(rname.parse_resource_name(resource))
    except rname.InvalidResourceName:
        return resource


@dataclass
class _Reading:
    n: int
    start: float
    chunks: list[bytes] = field(default_factory=list)


class Recorder:
    """Records every write and read a VISA library object serves to a transcript file, by
    wrapping its write() and read() (as simulated_instruments.visa.traffic counts them):
    nothing is wrapped, hence nothing costs, while no recorder is open. A write answered by the
    next read of its session becomes one query; a read in chunks is one read; an exception is
    recorded and re-raised unchanged."""

    def __init__(self, path: str | Path, visalib: Any, clock: Callable[[], float],
                 header: dict[str, Any], roles: dict[str, str]) -> None:
        self.path = Path(path)
        self.visalib = visalib
        self.clock = clock
        self.t0 = clock()
        self.count = 0
        """Transactions written so far."""
        self._roles = {canonical(res): role for role, res in reversed(list(roles.items()))}
        self._names: dict[int, str] = {}
        self._writes: dict[int, tuple[int, float, float, bytes]] = {}
        self._n = 0
        """Sequence number of the next call: a query is written when its read ends, so lines
        are written out of order; n puts them back (Transcript.load sorts by it)."""
        self._reads: dict[int, _Reading] = {}
        self._lock = threading.Lock()
        self._file = gzip.open(self.path, "wt", encoding="ascii",  # noqa: SIM115 (till close)
                               compresslevel=1)
        self._line({"format": FORMAT, "version": VERSION, "labmem_version": __version__,
                    "recorded_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "t0": self.t0, **header})
        self._blocks: Any = None
        self._blocks_size = 0
        self._saved = {name: vars(visalib)[name] for name in ("write", "read")
                       if name in vars(visalib)}
        self._write, self._read = visalib.write, visalib.read
        visalib.write, visalib.read = self._recorded_write, self._recorded_read

    @property
    def recording(self) -> bool:
        """True until close()."""
        return not self._file.closed

    def close(self) -> None:
        """Stop recording: the library's own write/read come back, pending transactions are
        written and the file is closed."""
        with self._lock:
            if self._file.closed:
                return
            for name in ("write", "read"):
                if name in self._saved:
                    setattr(self.visalib, name, self._saved[name])
                else:
                    delattr(self.visalib, name)
            for session in list(self._reads):
                self._end_read(session, None)
            for session in list(self._writes):
                self._end_write(session)
            self._file.close()
            if self._blocks is not None:
                self._blocks.close()

    def setup(self, **settings: Any) -> None:
        """Note a change of the station's wiring (set-up, series resistor, TIA, membrane)."""
        with self._lock:
            self._line({"n": self._next(), "t": self.clock() - self.t0, "op": "setup",
                        **settings})

    # -- the wrapped library calls --------------------------------------------------------

    def _recorded_write(self, session: int, data: bytes) -> Any:
        with self._lock:
            self._end_read(session, None)
            self._end_write(session)
            n = self._next()
        start = self.clock()
        try:
            result = self._write(session, data)
        except Exception as err:
            with self._lock:
                record = self._record(n, session, "write", start, err)
                encode(record, "data", bytes(data))
                self._line(record)
            raise
        with self._lock:
            self._writes[session] = (n, start, self.clock(), bytes(data))
        return result

    def _recorded_read(self, session: int, count: int) -> Any:
        with self._lock:
            if session not in self._reads:
                self._reads[session] = _Reading(self._next(), self.clock())
        try:
            chunk, status = self._read(session, count)
        except Exception as err:
            with self._lock:
                self._end_read(session, err)
            raise
        with self._lock:
            self._reads.setdefault(session, _Reading(self._next(), self.clock())).chunks.append(
                bytes(chunk))
            if status != StatusCode.success_max_count_read:
                self._end_read(session, None)
        return chunk, status

    # -- records --------------------------------------------------------------------------

    def _end_write(self, session: int) -> None:
        """A write no read answered: a write record."""
        pending = self._writes.pop(session, None)
        if pending is not None:
            n, start, end, data = pending
            record = self._record(n, session, "write", start)
            record["dt"] = end - start
            encode(record, "data", data, self._block)
            self._line(record)

    def _end_read(self, session: int, error: BaseException | None) -> None:
        """A finished read: a query when its session's last write is pending, else a read."""
        reading = self._reads.pop(session, None)
        if reading is None:
            return
        pending = self._writes.pop(session, None)
        if pending is None:
            record = self._record(reading.n, session, "read", reading.start, error)
        else:
            record = self._record(pending[0], session, "query", pending[1], error)
            record["tr"] = reading.start - pending[1]
            encode(record, "data", pending[3], self._block)
        if reading.chunks or error is None:
            encode(record, "answer", b"".join(reading.chunks), self._block)
        self._line(record)

    def _block(self, data: bytes) -> list[int]:
        """Append binary bytes to the side file (opened on first use): [offset, length]."""
        if self._blocks is None:
            self._blocks = open(blocks_path(self.path), "wb")  # noqa: SIM115 (till close)
        offset = self._blocks_size
        self._blocks.write(data)
        self._blocks_size += len(data)
        return [offset, len(data)]

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _record(self, n: int, session: int, op: str, start: float,
                error: BaseException | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {"n": n, "t": start - self.t0, "dt": self.clock() - start,
                                  "r": self._role(session), "op": op}
        if error is not None:
            record["error"] = int(getattr(error, "error_code", 0)) or type(error).__name__
        return record

    def _role(self, session: int) -> str:
        """The station role (or resource name) a session is open on, asked once."""
        name = self._names.get(session)
        if name is None:
            try:
                resource = self.visalib.get_attribute(session,
                                                      ResourceAttribute.resource_name)[0]
            except Exception:  # a session the library no longer knows
                resource = f"session {session}"
            name = self._names[session] = self._roles.get(canonical(str(resource)),
                                                          str(resource))
        return name

    def _line(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")
        self.count += record.get("op") != "setup" and "format" not in record


@dataclass
class Transcript:
    """A transcript read back: its header and its transactions (setup lines included)."""

    header: dict[str, Any]
    records: list[dict[str, Any]]

    @classmethod
    def load(cls, path: str | Path) -> Transcript:
        """Read a transcript file (gzip or plain JSON lines); ValueError when it is not one."""
        path = Path(path)
        opener: Any = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
        try:
            with opener(path, "rt", encoding="ascii") as lines:
                rows = [json.loads(line) for line in lines if line.strip()]
        except (ValueError, EOFError, gzip.BadGzipFile) as err:  # JSON, text or gzip broken
            raise ValueError(f"{path} is not a labmem VISA transcript ({err})") from err
        if not rows or not isinstance(rows[0], dict) or rows[0].get("format") != FORMAT:
            raise ValueError(f"{path} is not a labmem VISA transcript (no {FORMAT} header)")
        if any("data_bin" in row or "answer_bin" in row for row in rows):
            _inline_blocks(rows, blocks_path(path))
        if rows[0].get("version", 0) > VERSION:
            raise ValueError(f"{path}: transcript version {rows[0]['version']}; this labmem "
                             f"{__version__} reads up to {VERSION}")
        return cls(rows[0], sorted(rows[1:], key=lambda row: row.get("n", 0)))

    def save(self, path: str | Path) -> None:
        """Write as a gzip transcript (e.g. after anonymise())."""
        with gzip.open(path, "wt", encoding="ascii", compresslevel=1) as out:
            for record in (self.header, *self.records):
                out.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")

    def transactions(self) -> Iterator[dict[str, Any]]:
        """The write / read / query records, in order."""
        return (r for r in self.records if r.get("op") != "setup")


def _inline_blocks(rows: list[dict[str, Any]], side: Path) -> None:
    """Replace side-file references (key_bin) by base64 (key_b64) in the records read."""
    try:
        blocks = side.read_bytes()
    except OSError as err:
        raise ValueError(f"the binary payloads of the transcript are missing: {err}") from err
    for row in rows:
        for key in ("data", "answer"):
            if key + "_bin" in row:
                offset, length = row.pop(key + "_bin")
                row[key + "_b64"] = base64.b64encode(blocks[offset:offset + length]).decode()


ANONYMOUS_RESOURCES = "GPIB0::{n}::INSTR"
"""Resource names an anonymised transcript gives its instruments (n = 1, 2, … by role)."""
_IDN_SERIAL = re.compile(r"^([^,]*,[^,]*,)([^,]*)(,.*)?$", re.DOTALL)


def anonymise(transcript: Transcript) -> Transcript:
    """A copy without serial numbers or addresses: every role's resource becomes a GPIB address
    of its own, the serial field of each *IDN? answer "0", and the station file's path, run
    details (device, operator) and host names go. Answers are compared with the serial field
    masked when a transcript says it is anonymised."""
    header = json.loads(json.dumps(transcript.header))
    station = header.get("station", {})
    resources: dict[str, str] = {}
    for spec in station.get("roles", {}).values():
        if "resource" in spec:
            key = canonical(spec["resource"])
            resources.setdefault(key, ANONYMOUS_RESOURCES.format(n=len(resources) + 1))
            spec["resource"] = resources[key]
    station["source"] = "<anonymised>"
    header.get("bench", {}).get("settings", {}).pop("instruments", None)  # resources
    serials = {idn_serial(idn) for idn in header.get("idns", {}).values()}
    header["idns"] = {role: mask_serial(idn) for role, idn in header.get("idns", {}).items()}
    header.pop("run", None)
    header["anonymised"] = True
    records = []
    for record in transcript.records:
        record = dict(record)
        if "::" in record.get("r", ""):  # a session on no role of the station
            record["r"] = resources.get(canonical(record["r"]), "<other instrument>")
        data = decode(record, "data")
        if data is not None and data.strip().upper() == b"*IDN?" and "answer" in record:
            serials.add(idn_serial(record["answer"]))
            record["answer"] = mask_serial(record["answer"])
        records.append(record)
    for record in records:
        if "answer" in record:
            record["answer"] = without_serials(record["answer"], serials)
    return Transcript(header, records)


def idn_serial(idn: str) -> str:
    """The serial-number field (the third) of an *IDN? answer ("" when there is none)."""
    fields = idn.split(",")
    return fields[2].strip() if len(fields) > 2 else ""


def without_serials(text: str, serials: set[str]) -> str:
    """Text with every serial number of at least 4 characters (e.g. in a scope's waveform
    preamble) replaced by "0"."""
    for serial in sorted(serials, key=len, reverse=True):
        if len(serial) >= 4:
            text = text.replace(serial, "0")
    return text


def mask_serial(idn: str) -> str:
    """An *IDN? answer with its serial-number field (the third) replaced by "0"."""
    return _IDN_SERIAL.sub(lambda m: m.group(1) + "0" + (m.group(3) or ""), idn)
