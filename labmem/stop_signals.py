"""SIGTERM and SIGHUP handled as an operator's stop: the running procedure stops at its next
step and the instruments go to their safe state, instead of the process dying with its
outputs on. The exit code then says which signal it was (128 + its number)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

STOP_SIGNALS = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s)
"""The signals that ask a run to stop (SIGHUP does not exist on Windows)."""


@dataclass
class StopRequest:
    """Which stop signal arrived (None: none)."""

    signum: int | None = None

    @property
    def name(self) -> str:
        """The signal's name, e.g. "SIGTERM"."""
        return signal.Signals(self.signum).name if self.signum else ""

    @property
    def exit_code(self) -> int:
        """128 + the signal number (143 for SIGTERM, 129 for SIGHUP), as a shell reports."""
        return 128 + (self.signum or 0)


@contextmanager
def stop_on_signals(stop: Callable[[], None] | threading.Event,
                    signals: tuple[int, ...] = STOP_SIGNALS) -> Iterator[StopRequest]:
    """While inside, each of `signals` calls stop() (or sets the event) and is recorded in
    the yielded StopRequest; the previous handlers come back on leaving. Main thread only."""
    request = StopRequest()
    action = stop.set if isinstance(stop, threading.Event) else stop

    def handle(signum: int, frame: object) -> None:
        request.signum = signum
        action()

    previous = {s: signal.signal(s, handle) for s in signals}
    try:
        yield request
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
