"""How long a run keeps the station busy: the procedure's planned instrument time
(get_estimates(): its waveforms or sweeps) scaled by what the last completed run of that
procedure at this station took for its planned time, which covers the instrument overhead a
user waits for (set-up, arming, transfers of the records, rests). Remembered in the settings."""

from __future__ import annotations

from labmem.gui.settings import load_json, save_json


def _key(station: str, procedure: str) -> str:
    return f"overhead/{station}/{procedure}".replace("\\", "/")


def remember_run(station: str, procedure: str, planned_s: float, took_s: float) -> None:
    """Store what a completed run took (wall time) for its planned instrument time."""
    if planned_s > 0 and took_s > 0:
        save_json(_key(station, procedure), {"planned_s": planned_s, "took_s": took_s})


def expected_s(station: str, procedure: str, planned_s: float) -> float | None:
    """The wall time a run of planned_s instrument time should take at this station, from the
    last completed run of the procedure there; None before one has been measured. The
    overhead is taken to grow with the planned time (more bursts or trials, longer records)."""
    last = load_json(_key(station, procedure))
    try:
        return planned_s * float(last["took_s"]) / float(last["planned_s"])
    except (TypeError, KeyError, ValueError, ZeroDivisionError):
        return None
