"""Figures of merit of catalogued runs, for the wafer map and the device history: each run's
metrics computed from its stored rows by its procedure (as campaigns compute them), flattened
to names with their units ("IVSweep · vset mean [V]"), and cached per run."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

from labmem.campaigns.report import SKIPPED_BLOCKS
from labmem.catalog import Run
from labmem.procedures.registry import procedure_class
from labmem.summaries import load_rows

log = logging.getLogger(__name__)

UNIT_SUFFIXES = {"_v": "V", "_a": "A", "_hz": "Hz", "_ohm": "Ω", "_s": "s"}
"""A metric's unit from the end of its name (vset_mean_v → V)."""
CONDUCTANCES = ("g_", "dg_", "formed_g", "ltp_amplitude", "ltd_amplitude")
"""Metrics ending in _s that are conductances (siemens), not times."""


def metric_unit(name: str) -> str:
    """The unit of a metric named as labmem.metrics names them ("" for a plain number)."""
    for suffix, unit in UNIT_SUFFIXES.items():
        if name.endswith(suffix):
            return "S" if unit == "s" and name.startswith(CONDUCTANCES) else unit
    return ""


UNIT = re.compile(r"^(.*) \[([^\[\]]*)\]$")


def figure_name(procedure: str, metric: str, block: str = "") -> str:
    """A figure's flattened name: procedure, metric without its unit suffix, I(V) block, unit;
    e.g. "ComplianceLadderTraining · vset mean (volatile, trained) [V]"."""
    unit = metric_unit(metric)
    suffix = next((s for s in UNIT_SUFFIXES if metric.endswith(s)), "") if unit else ""
    name = f"{procedure} · {metric[:len(metric) - len(suffix)].replace('_', ' ')}"
    return name + (f" ({block})" if block else "") + (f" [{unit}]" if unit else "")


def split_unit(figure: str) -> tuple[str, str]:
    """(name, unit) of a flattened figure name: the name for an axis, the unit for its SI
    prefix ("" when the figure is a plain number)."""
    match = UNIT.match(figure)
    return (match.group(1), match.group(2)) if match else (figure, "")


def run_figures(run: Run) -> dict[str, float]:
    """Every finite numeric figure of merit of a finished run, by flattened name (an I(V)
    run's per block, without the first-fire and ladder blocks, as the campaign report);
    empty for a run that did not finish or whose rows cannot be read (logged)."""
    if run.status != "finished" or not run.results_path or not Path(run.results_path).exists():
        return {}
    try:
        procedure = procedure_class(run.procedure)()
        procedure.set_parameters(run.parameters, except_missing=False)
        rows = load_rows(run.results_path)
        metrics = {} if rows.empty else procedure.run_metrics(rows)
    except Exception as err:  # an unreadable run has no figures; the map says so in grey
        log.warning("run %d: no figures of merit: %s", run.id, err)
        return {}
    if "blocks" in metrics:
        blocks = {k: v for k, v in metrics["blocks"].items() if not k.startswith(SKIPPED_BLOCKS)}
        named = {(name, label if len(blocks) > 1 else ""): value
                 for label, block in blocks.items() for name, value in block.items()}
    else:
        named = {(name, ""): value for name, value in metrics.items()}
    return {figure_name(run.procedure, name, block): float(value)
            for (name, block), value in named.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value)}


class FigureCache:
    """run_figures per run, computed once: a finished run's stored rows do not change. Runs
    are known by id and results file, so the cache survives a change of data folder."""

    def __init__(self) -> None:
        self._figures: dict[tuple[int, str], dict[str, float]] = {}

    def figures(self, run: Run) -> dict[str, float]:
        """The run's figures of merit (cached once the run has ended)."""
        key = (run.id, run.results_path)
        if key not in self._figures:
            figures = run_figures(run)
            if run.status == "running":
                return figures
            self._figures[key] = figures
        return self._figures[key]

    def device_figures(self, runs: list[Run]) -> dict[str, dict[str, float]]:
        """Per device id, each figure from its latest run (by start) that has it."""
        out: dict[str, dict[str, float]] = {}
        for run in sorted(runs, key=lambda r: r.started):
            if run.device_id:
                out.setdefault(run.device_id, {}).update(self.figures(run))
        return out
