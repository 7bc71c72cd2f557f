"""The campaign's report: a table across devices of the figures of merit (Vset statistics per
regime, pulses to fire, synaptic range, and any other step's metrics), their spread over the
devices, figures, and campaign_summary.json with every run's metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from labmem import __version__, analysis
from labmem.campaigns.runner import DeviceResult, device_record
from labmem.campaigns.spec import Campaign

SKIPPED_BLOCKS = ("first fire", "ladder ")
"""I(V) blocks left out of the table: the single first-fire cycle and the ladder steps."""


def figures_of_merit(campaign: Campaign, result: DeviceResult) -> dict[str, float]:
    """One device's table row, from the last finished run of each step."""
    row: dict[str, float] = {}
    for step in campaign.steps:
        run = result.last(step.label)
        if run is None:
            continue
        metrics = run.metrics
        if "blocks" in metrics:
            blocks = {k: v for k, v in metrics["blocks"].items()
                      if not k.startswith(SKIPPED_BLOCKS)}
            for label, block in blocks.items():
                name = step.label if len(blocks) == 1 else label
                if "vset_mean_v" in block:
                    row[f"Vset {name} mean (V)"] = block["vset_mean_v"]
                    row[f"Vset {name} σ (V)"] = block["vset_std_v"]
                else:  # another I(V) procedure's per-block figures
                    prefix = step.label if len(blocks) == 1 else f"{step.label} {label}"
                    row.update({f"{prefix} {k}": v for k, v in block.items()})
        elif "pulses_to_fire" in metrics:
            row["pulses to fire"] = metrics["pulses_to_fire"]
            row["first spiking package"] = metrics["first_spike_package"]
        elif "g_min_s" in metrics:
            row["G min (S)"], row["G max (S)"] = metrics["g_min_s"], metrics["g_max_s"]
            row["G max / G min"] = metrics["g_ratio"]
        else:
            row.update({f"{step.label} {k}": v for k, v in metrics.items()
                        if isinstance(v, (int, float))})
    return row


def across_devices(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, σ and count of every column over the devices that have it (finite values)."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    out = {}
    for column in columns:
        values = np.array([row.get(column, np.nan) for row in rows], dtype=float)
        finite = values[np.isfinite(values)]
        out[column] = {"mean": float(finite.mean()) if finite.size else math.nan,
                       "std": analysis.mean_std(finite)[1], "devices": int(finite.size)}
    return out


def summary(campaign: Campaign, results: list[DeviceResult], executor: str,
            wall_time_s: float) -> dict[str, Any]:
    """campaign_summary.json's content (NaN written as null)."""
    rows = [figures_of_merit(campaign, r) for r in results]
    return _plain({
        "campaign": campaign.name, "description": campaign.description,
        "source": campaign.source, "labmem_version": __version__,
        "simulated": campaign.simulated, "station": campaign.station or "<built-in simulated>",
        "executor": executor, "wall_time_s": round(wall_time_s, 2),
        "steps": [step.label for step in campaign.steps],
        "devices": [{**device_record(r), "figures_of_merit": row}
                    for r, row in zip(results, rows, strict=True)],
        "across_devices": across_devices(rows),
    })


def _plain(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write(out: Path, data: dict[str, Any]) -> list[Path]:
    """campaign_summary.json, the figures and campaign_report.md in out; their paths."""
    summary_path, report_path = out / "campaign_summary.json", out / "campaign_report.md"
    summary_path.write_text(json.dumps(data, indent=2))
    figures = _figures(out, data)
    report_path.write_text(_markdown(data, [p.name for p in figures]))
    return [summary_path, *figures, report_path]


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}"


def _markdown(data: dict[str, Any], figures: list[str]) -> str:
    devices = data["devices"]
    columns = list(data["across_devices"])
    skipped = [d for d in devices if d["status"] == "skipped"]
    lines = [
        f"# Campaign {data['campaign']}", "",
        *([data["description"], ""] if data["description"] else []),
        f"- file: `{data['source']}`; station: {data['station']}; executor: "
        f"{data['executor']}; labmem {data['labmem_version']}",
        f"- devices: {len(devices)} ({len(devices) - len(skipped)} complete, "
        f"{len(skipped)} skipped); runs: {sum(len(d['steps']) for d in devices)}; "
        f"wall time {data['wall_time_s']} s", "",
        "## Across devices", "",
        "| figure of merit | mean | σ | devices |", "|---|---|---|---|",
        *(f"| {c} | {_fmt(s['mean'])} | {_fmt(s['std'])} | {s['devices']} |"
          for c, s in data["across_devices"].items()), "",
        "## Per device", "",
        "| device | status | runs | " + " | ".join(columns) + " |",
        "|---|---|---|" + "---|" * len(columns),
        *(f"| {d['device_id']} | {d['status']} | {len(d['steps'])} | "
          + " | ".join(_fmt(d["figures_of_merit"].get(c)) for c in columns) + " |"
          for d in devices), "",
    ]
    if skipped:
        lines += ["## Skipped devices", "",
                  *(f"- {d['device_id']}: {d['skipped']}" for d in skipped), ""]
    if figures:
        lines += ["## Figures", "", *(f"![{name}]({name})" for name in figures), ""]
    return "\n".join(lines)


def _figures(out: Path, data: dict[str, Any]) -> list[Path]:
    devices = data["devices"]
    ids = [d["device_id"] for d in devices]
    x = np.arange(len(devices))
    table = [d["figures_of_merit"] for d in devices]

    def column(name: str) -> np.ndarray:
        return np.array([np.nan if row.get(name) is None else row[name] for row in table],
                        dtype=float)

    paths = []
    vset = [c[len("Vset "):-len(" mean (V)")] for c in data["across_devices"]
            if c.startswith("Vset ") and c.endswith(" mean (V)")]
    if vset:
        fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(ids) + 3), 3.8))
        for n, name in enumerate(vset):
            offset = (n - (len(vset) - 1) / 2) * 0.8 / max(len(vset), 1)
            ax.errorbar(x + offset, column(f"Vset {name} mean (V)"),
                        yerr=column(f"Vset {name} σ (V)"), fmt="o", capsize=3, label=name)
        ax.set_ylabel("Vset mean ± σ (V)")
        ax.legend(fontsize=8)
        paths.append(_save(fig, ax, ids, out / "vset_per_device.png"))
    if "pulses to fire" in data["across_devices"]:
        fig, ax = plt.subplots(figsize=(max(6, 0.4 * len(ids) + 3), 3.4))
        ax.bar(x, column("pulses to fire"), color="tab:orange")
        ax.set_ylabel("pulses to fire (first spiking package)")
        paths.append(_save(fig, ax, ids, out / "pulses_to_fire.png"))
    paths += _step_figures(out, data, ids)
    if "G min (S)" in data["across_devices"]:
        fig, ax = plt.subplots(figsize=(max(6, 0.4 * len(ids) + 3), 3.4))
        ax.vlines(x, column("G min (S)"), column("G max (S)"), lw=6, color="tab:green")
        ax.set_yscale("log")
        ax.set_ylabel("synaptic range: G min … G max (S)")
        paths.append(_save(fig, ax, ids, out / "synaptic_range.png"))
    return paths


STEP_FIGURE_COLUMNS = 4
"""Panels per row of a step's figure."""


def _step_figures(out: Path, data: dict[str, Any], ids: list[str]) -> list[Path]:
    """For each step with figures of merit of its own (not Vset, pulses to fire or the
    synaptic range): one figure, a panel per figure of merit, its value on each device."""
    table = [d["figures_of_merit"] for d in data["devices"]]
    owner = {c: max((s for s in data["steps"] if c.startswith(f"{s} ")), key=len, default=None)
             for c in data["across_devices"]}  # the longest label: "EPSC" vs "EPSC 2"
    paths = []
    for step in data["steps"]:
        columns = [c for c in data["across_devices"] if owner[c] == step]
        values = {c: np.array([np.nan if row.get(c) is None else row[c] for row in table],
                              dtype=float) for c in columns}
        columns = [c for c in columns if np.isfinite(values[c]).any()]
        if not columns:
            continue
        ncols = min(STEP_FIGURE_COLUMNS, len(columns))
        nrows = -(-len(columns) // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.6 * nrows),
                                 squeeze=False)
        x = np.arange(len(ids))
        for ax, column in zip(axes.flat, columns, strict=False):
            ax.plot(x, values[column], "o", color="tab:blue")
            ax.set_title(column[len(step) + 1:], fontsize=8)
            ax.set_xticks(x, ids, fontsize=6, rotation=45, ha="right")
            ax.grid(alpha=0.3)
        for ax in axes.flat[len(columns):]:
            ax.set_visible(False)
        fig.suptitle(step, fontsize=10)
        fig.tight_layout()
        path = out / f"step_{_file_name(step)}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def _file_name(label: str) -> str:
    """A step label as a file name: letters, digits and '_' only."""
    return "".join(ch if ch.isalnum() else "_" for ch in label).strip("_").lower()


def _save(fig: plt.Figure, ax: plt.Axes, ids: list[str], path: Path) -> Path:
    ax.set_xticks(np.arange(len(ids)), ids, rotation=45 if len(ids) > 6 else 0, ha="right"
                  if len(ids) > 6 else "center", fontsize=8)
    ax.set_xlabel("device")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
