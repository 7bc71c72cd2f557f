"""The `@labmem` PyVISA backend: message-based sessions onto the emulators of one bench.

``pyvisa.ResourceManager("@labmem")`` opens the built-in default bench,
``pyvisa.ResourceManager("path/bench.yaml@labmem")`` a described one. PyVISA caches one library
object per path, so every resource opened from it shares one world.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pyvisa import attributes, constants, errors, highlevel, rname
from pyvisa.constants import ResourceAttribute, StatusCode

from labmem.simulated_instruments.bench.wiring import Bench, BenchConfig
from labmem.simulated_instruments.emulators.registry import emulator_class
from labmem.simulated_instruments.scpi.instrument import ScpiInstrument
from labmem.simulated_instruments.visa.faults import FaultInjector

log = logging.getLogger(__name__)

DEFAULT_BENCH = "default"
"""Library path that stands for the built-in default bench."""


@dataclass
class _Session:
    resource_name: str
    instrument: ScpiInstrument
    attrs: dict[int, Any] = field(default_factory=dict)
    pending: bytes = b""
    """The response being read, from offset on (reads advance the offset, never copy the
    rest, so a long reply read in many chunks costs its length once)."""
    offset: int = 0


def _channel_port(emulator: ScpiInstrument, role: str) -> Any:
    """The port of a further role on an instrument already on the bench (the second channel
    of a two-channel SMU as smu2); ValueError when the instrument has none for it."""
    port = getattr(emulator, "port", None)
    if port is None:
        raise ValueError(f"role {role!r}: the {type(emulator).__name__} at its resource is "
                         "already on the bench in another role and has no channel for this one")
    return port(role)


class LabmemVisaLibrary(highlevel.VisaLibraryBase):
    """VISA library whose resources are the emulated instruments of one simulated bench."""

    bench: Bench
    opened: ClassVar[dict[str, str]] = {}
    """Bench file (resolved path) → the text its bench was built from, for every bench file
    opened in this process (PyVISA hands out that bench for the file from then on)."""

    @staticmethod
    def get_library_paths() -> tuple[highlevel.LibraryPath, ...]:
        """The default library path: the built-in bench."""
        return (highlevel.LibraryPath(DEFAULT_BENCH),)

    @staticmethod
    def get_debug_info() -> list[str]:
        """Lines for `pyvisa-info`."""
        return ["labmem simulated bench backend"]

    def _init(self) -> None:
        path = str(self.library_path)
        if path in ("", DEFAULT_BENCH):
            config = BenchConfig()
        else:
            config = BenchConfig.from_yaml(path)
            self.opened[str(Path(path).resolve())] = Path(path).read_text()
        self.bench = Bench(config)
        # smu2 last: it goes on the smu's instrument (BenchConfig checks they share it)
        for role, (model, resource) in sorted(config.instruments.items(),
                                              key=lambda item: item[0] == "smu2"):
            shared = self.bench.resources.get(resource)
            if shared is None:
                self.bench.attach(role, resource, emulator_class(model)(self.bench))
            else:
                self.bench.attach(role, resource, shared, _channel_port(shared, role))
        self.sessions: dict[int, _Session | None] = {}
        self.faults = FaultInjector(self.bench)
        """Faults to inject into the traffic (tests): faults.inject(role, kind, at, pattern)."""
        log.info("labmem bench %r opened with %d instruments", path, len(self.bench.resources))

    def _new_session(self, value: _Session | None) -> int:
        session = 1 + max(self.sessions, default=0)
        self.sessions[session] = value
        return session

    def _get(self, session: int) -> _Session:
        sess = self.sessions.get(session)
        if sess is None:
            raise errors.InvalidSession()
        return sess

    # -- resource manager ---------------------------------------------------------------

    def open_default_resource_manager(self) -> tuple[int, StatusCode]:
        """Open the resource-manager session."""
        return self._new_session(None), StatusCode.success

    def list_resources(self, session: int, query: str = "?*::INSTR") -> tuple[str, ...]:
        """Resource strings of the bench's instruments that match a VISA query."""
        names = list(self.bench.resources)
        try:
            return tuple(rname.filter(names, query))
        except (ValueError, re.error):
            return tuple(n for n in names if fnmatch.fnmatch(n, query))

    def open(self, session: int, resource_name: str,
             access_mode: constants.AccessModes = constants.AccessModes.no_lock,
             open_timeout: int = constants.VI_TMO_IMMEDIATE) -> tuple[int, StatusCode]:
        """Open a session to one instrument of the bench."""
        try:
            canonical = str(rname.parse_resource_name(resource_name))
        except rname.InvalidResourceName:
            raise errors.VisaIOError(StatusCode.error_invalid_resource_name) from None
        for name, instrument in self.bench.resources.items():
            if str(rname.parse_resource_name(name)) == canonical:
                return self._new_session(_Session(name, instrument)), StatusCode.success
        raise errors.VisaIOError(StatusCode.error_resource_not_found)

    def close(self, session: int) -> StatusCode:
        """Close a session."""
        if session not in self.sessions:
            raise errors.InvalidSession()
        del self.sessions[session]
        return StatusCode.success

    # -- attributes ---------------------------------------------------------------------

    def get_attribute(self, session: int, attribute: ResourceAttribute
                      ) -> tuple[Any, StatusCode]:
        """Read a VISA attribute (defaults as a real session has them)."""
        sess = self._get(session)
        if attribute == ResourceAttribute.resource_name:
            return sess.resource_name, StatusCode.success
        if attribute == ResourceAttribute.interface_type:
            info = rname.parse_resource_name(sess.resource_name)
            return constants.InterfaceType[info.interface_type.lower()], StatusCode.success
        if attribute in sess.attrs:
            return sess.attrs[attribute], StatusCode.success
        attr = attributes.AttributesByID.get(attribute)
        if attr is None or attr.default == "N/A":
            return 0, StatusCode.error_nonsupported_attribute
        return attr.default, StatusCode.success

    def set_attribute(self, session: int, attribute: ResourceAttribute, attribute_state: Any
                      ) -> StatusCode:
        """Write a VISA attribute (timeout, termination character, …)."""
        self._get(session).attrs[attribute] = attribute_state
        return StatusCode.success

    # -- message-based I/O --------------------------------------------------------------

    def write(self, session: int, data: bytes) -> tuple[int, StatusCode]:
        """Send one program message to the instrument (END asserted with the last byte)."""
        sess = self._get(session)
        if self.faults.write(session, sess.instrument, bytes(data)):
            sess.instrument.write(bytes(data))
        return len(data), StatusCode.success

    def read(self, session: int, count: int) -> tuple[bytes, StatusCode]:
        """Read up to count bytes; stops after the termination character when enabled, like a
        real VISA read. With nothing to say the read times out (VI_ERROR_TMO)."""
        sess = self._get(session)
        if sess.offset >= len(sess.pending):
            injected = self.faults.read(session, sess.instrument)
            sess.pending = sess.instrument.read() if injected is None else bytes(injected)
            sess.offset = 0
        if not sess.pending:
            sess.instrument.no_response()
            raise errors.VisaIOError(StatusCode.error_timeout)
        start = sess.offset
        stop = min(start + count, len(sess.pending))
        status = StatusCode.success_max_count_read
        if self.get_attribute(session, ResourceAttribute.termchar_enabled)[0]:
            term = bytes([self.get_attribute(session, ResourceAttribute.termchar)[0]])
            idx = sess.pending.find(term, start, stop)
            if idx >= 0:
                stop = idx + 1
                status = StatusCode.success_termination_character_read
        sess.offset = stop
        if stop == len(sess.pending) and status != StatusCode.success_termination_character_read:
            status = StatusCode.success
        return sess.pending[start:stop], status

    def read_stb(self, session: int) -> tuple[int, StatusCode]:
        """Serial poll: the IEEE-488.2 status byte."""
        return self._get(session).instrument.status_byte(), StatusCode.success

    def clear(self, session: int) -> StatusCode:
        """Device clear: drop pending input and output."""
        sess = self._get(session)
        self.faults.clear(session, sess.instrument)
        sess.pending, sess.offset = b"", 0
        sess.instrument.device_clear()
        return StatusCode.success

    def assert_trigger(self, session: int, protocol: constants.TriggerProtocol
                       ) -> StatusCode:
        """Bus trigger (GPIB GET / USBTMC TRIGGER)."""
        self._get(session).instrument.trigger()
        return StatusCode.success

    def flush(self, session: int, mask: constants.BufferOperation) -> StatusCode:
        """Nothing is buffered on the host side."""
        self._get(session)
        return StatusCode.success

    def lock(self, session: int, lock_type: constants.Lock, timeout: int,
             requested_key: str | None = None) -> tuple[str, StatusCode]:
        """Locks always succeed: the simulated bench has one host."""
        return requested_key or "labmem", StatusCode.success

    def unlock(self, session: int) -> StatusCode:
        """See lock()."""
        return StatusCode.success

    def disable_event(self, session: int, event_type: constants.EventType,
                      mechanism: constants.EventMechanism) -> StatusCode:
        """No events are generated."""
        return StatusCode.success

    def discard_events(self, session: int, event_type: constants.EventType,
                       mechanism: constants.EventMechanism) -> StatusCode:
        """No events are generated."""
        return StatusCode.success

