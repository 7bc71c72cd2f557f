"""Bounded steps of the safe state: a call with a deadline in a worker thread, and how to tell
a VISA session that is gone from an instrument that refused."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pyvisa
from pyvisa.constants import StatusCode

from labmem.instruments.roles import Role

log = logging.getLogger(__name__)

SAFE_OFF_TIMEOUT_S = 5.0
"""Default deadline of one role's safe_off: a dead session must not hold the safe state up."""


TIMED_OUT = TimeoutError("safe_off timed out")


def call_within(func: Callable[[], None], timeout_s: float) -> BaseException | None:
    """Call func in a daemon worker thread and wait at most timeout_s: None when it returned,
    its exception, or TIMED_OUT (the thread is left behind; it must be unstuck by the caller)."""
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
    return outcome[0] if outcome else TIMED_OUT


def session_lost(error: BaseException) -> bool:
    """True for the errors of a VISA session that is gone (not of an instrument that refused)."""
    if isinstance(error, pyvisa.errors.InvalidSession | ConnectionError):
        return True
    return isinstance(error, pyvisa.errors.VisaIOError) and error.error_code in (
        StatusCode.error_connection_lost, StatusCode.error_invalid_object)


def close_quietly(role: Role) -> None:
    """Close a role's VISA session, ignoring errors (it may already be gone)."""
    try:
        role.close()
    except Exception:  # nothing more can be done with a dead session
        log.debug("closing the session failed", exc_info=True)
