"""Faults the @labmem library injects into one role's VISA traffic, for tests of what a run
does when an instrument misbehaves: a read that times out, an instrument that stops answering
(until a device clear), a dropped session, a garbage reply, or a command refused with an SCPI
error. The emulators' instrument logic knows nothing of it.

A fault fires at the `at`-th transaction on its role: every write and read counts, or, with a
`pattern` (a regular expression), only the writes it matches; a read fault then hits the reply
to that write."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyvisa import errors
from pyvisa.constants import StatusCode

FAULT_KINDS = ("timeout", "silent", "drop", "garbage", "error")
GARBAGE = b"\x15#9garbage?\n"
"""What a garbage reply holds: no number, no block, nothing a driver can parse."""
EXECUTION_ERROR = -200


@dataclass
class Fault:
    """One fault to inject: role, kind (FAULT_KINDS), at which transaction, on which writes."""

    role: str
    kind: str
    at: int = 1
    pattern: str | None = None
    count: int = 0
    fired_at_s: float | None = None
    """Virtual time at which it fired (None: not yet)."""
    _armed: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {FAULT_KINDS}")
        if self.at < 1:
            raise ValueError(f"a fault fires at transaction 1 or later, got {self.at}")


class FaultInjector:
    """The faults set on one library; consulted by its write, read and clear."""

    def __init__(self, bench: Any) -> None:
        self.bench = bench
        self.faults: list[Fault] = []
        self.silent: set[str] = set()
        """Roles that stopped answering (reads time out until a device clear)."""
        self.dropped: set[int] = set()
        """Sessions that are gone (every call fails with connection lost)."""

    def inject(self, role: str, kind: str, at: int = 1, pattern: str | None = None) -> Fault:
        """Add a fault; returns it (its fired_at_s tells when it fired)."""
        if role not in self.bench.instruments:
            raise ValueError(f"the bench has no role {role!r}; roles: "
                             f"{list(self.bench.instruments)}")
        self.faults.append(Fault(role, kind, at, pattern))
        return self.faults[-1]

    def _role(self, instrument: Any) -> str:
        return next(r for r, i in self.bench.instruments.items() if i is instrument)

    def _fire(self, fault: Fault, session: int, role: str) -> None:
        fault.fired_at_s = self.bench.now
        if fault.kind == "drop":
            self.dropped.add(session)
        elif fault.kind == "silent":
            self.silent.add(role)
        else:
            fault._armed = True  # timeout, garbage, error: act on this transaction or the reply

    def check_session(self, session: int) -> None:
        """Raise connection lost on a dropped session."""
        if session in self.dropped:
            raise errors.VisaIOError(StatusCode.error_connection_lost)

    def write(self, session: int, instrument: Any, data: bytes) -> bool:
        """Before a write: False when the instrument must not get it (refused with an error)."""
        self.check_session(session)
        role = self._role(instrument)
        text = data.decode("latin-1")
        for fault in self.faults:
            if fault.role != role or fault.fired_at_s is not None:
                continue
            if fault.pattern is None or re.search(fault.pattern, text):
                fault.count += 1
                if fault.count == fault.at:
                    self._fire(fault, session, role)
                    self.check_session(session)
                    if fault.kind == "error":
                        fault._armed = False
                        instrument.push_error(EXECUTION_ERROR, "Execution error (injected)")
                        return False
        return True

    def read(self, session: int, instrument: Any) -> bytes | None:
        """Before a read: the bytes to answer instead (garbage), None to read as usual; raises
        a timeout or connection lost."""
        self.check_session(session)
        role = self._role(instrument)
        for fault in self.faults:
            if fault.role != role:
                continue
            if fault.fired_at_s is None and fault.pattern is None:
                fault.count += 1
                if fault.count == fault.at:
                    self._fire(fault, session, role)
                    self.check_session(session)
            if fault._armed:
                fault._armed = False
                instrument.read()  # the reply is lost
                if fault.kind == "garbage":
                    return GARBAGE
                if fault.kind == "error":
                    instrument.push_error(EXECUTION_ERROR, "Execution error (injected)")
                raise errors.VisaIOError(StatusCode.error_timeout)
        if role in self.silent:
            instrument.read()
            raise errors.VisaIOError(StatusCode.error_timeout)
        return None

    def clear(self, session: int, instrument: Any) -> None:
        """A device clear ends an instrument's silence (not a dropped session)."""
        self.check_session(session)
        self.silent.discard(self._role(instrument))
