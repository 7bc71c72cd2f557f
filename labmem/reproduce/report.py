"""The reproduction report: each figure of merit measured through the instruments beside the
paper's value and the tolerance the calibration aims for, then the figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIGURE_TITLES = {
    "e1_e2_iv_blocks.png": "E1/E2 I(V) blocks (grey: every cycle, bold: median cycle)",
    "e2_vset_histograms.png": "E2 Vset histograms",
    "e3_regime_switching.png": "E3 regime switching",
    "e4_all_or_none.png": "E4 all-or-none",
    "e5_integrate.png": "E5 integrate",
    "e6_integrate_and_fire.png": "E6 integrate-and-fire",
    "e7_synapse.png": "E7 potentiation and depression",
    "e8_delay_vs_amplitude.png": "E8 switching delay against amplitude",
    "e9_retention.png": "E9 retention",
}


@dataclass(frozen=True)
class Target:
    """One row of the comparison: how to read the measured value and whether it passes."""

    experiment: str
    quantity: str
    paper: str
    tolerance: str
    measure: Callable[[dict], float | None]
    passes: Callable[[float], bool]
    unit: str = ""


def _iv(key: str, stat: str) -> Callable[[dict], float]:
    return lambda s: s["iv"][key][stat]


def _second_spike_median(s: dict) -> float | None:
    by_package: dict[int, list[int]] = {}
    for spike in s["integrate_and_fire"]["spikes"]:
        by_package.setdefault(spike["package"], []).append(spike["pulse"])
    second = [pulses[1] for pulses in by_package.values() if len(pulses) > 1]
    return float(np.median(second)) if second else None


@dataclass(frozen=True)
class Within:
    """A two-sided target: |x − centre| ≤ tol (and its tolerance-normalised error)."""

    centre: float
    tol: float

    def __call__(self, x: float) -> bool:
        return abs(x - self.centre) <= self.tol

    def error(self, x: float) -> float:
        """|x − centre| / tol: ≤ 1 passes."""
        return abs(x - self.centre) / self.tol


TARGETS = (
    Target("E2.1", "Vset mean, volatile untrained", "0.77 V", "±0.10 V",
           _iv("volatile_initial", "vset_mean_v"), Within(0.77, 0.10), "V"),
    Target("E2.1", "Vset σ, volatile untrained", "0.22 V", "±0.07 V",
           _iv("volatile_initial", "vset_std_v"), Within(0.22, 0.07), "V"),
    Target("E2.3", "Vset mean, nonvolatile", "0.35 V", "±0.07 V",
           _iv("nonvolatile", "vset_mean_v"), Within(0.35, 0.07), "V"),
    Target("E2.3", "Vset σ, nonvolatile", "0.03 V", "±0.02 V",
           _iv("nonvolatile", "vset_std_v"), Within(0.03, 0.02), "V"),
    Target("E2.4", "Vset mean, volatile trained", "0.23 V", "±0.05 V",
           _iv("volatile_trained", "vset_mean_v"), Within(0.23, 0.05), "V"),
    Target("E2.4", "Vset σ, volatile trained", "0.01 V", "≤ 0.02 V",
           _iv("volatile_trained", "vset_std_v"), lambda x: x <= 0.02, "V"),
    Target("E4", "first responding pulse", "6th (≈1.2 V)", "5th–7th",
           lambda s: s["all_or_none"]["first_response_pulse"], lambda x: 5 <= x <= 7),
    Target("E5", "last / first pulse peak current", "rises non-linearly", "> 1.05",
           lambda s: s["integrate"]["peak_current_a"][-1] / s["integrate"]["peak_current_a"][0],
           lambda x: x > 1.05),
    Target("E6", "package of the first spike", "8th (last pulse)", "7th–9th",
           lambda s: s["integrate_and_fire"]["first_spike_package"], lambda x: 7 <= x <= 9),
    Target("E6", "pulse of the second spike in a package (median)", "14th", "12th–16th",
           _second_spike_median, lambda x: 12 <= x <= 16),
    Target("E7", "potentiation gain G(100)/G(1)", "gradual, saturating", "> 1.3",
           lambda s: s["synapse"]["g_mean_s"][99] / s["synapse"]["g_mean_s"][0],
           lambda x: x > 1.3),
    Target("E7", "run-to-run spread (mean σ of G)", "tens of µS", "1–100 µS",
           lambda s: float(np.mean(s["synapse"]["g_std_s"])) * 1e6,
           lambda x: 1 <= x <= 100, "µS"),
    Target("E8", "R² of log10(delay) against V", "linear", "≥ 0.95",
           lambda s: s["delay_vs_amplitude"]["r2"], lambda x: x >= 0.95),
    Target("E8", "slope of log10(delay)", "falls exponentially", "< −1 dec/V",
           lambda s: s["delay_vs_amplitude"]["log10_slope_per_v"], lambda x: x < -1,
           "dec/V"),
    Target("E9", "volatile decay to 1/e", "µs–ms", "≤ 10 ms",
           lambda s: s["retention"]["volatile_decay_s"] * 1e3, lambda x: x <= 10, "ms"),
    Target("E9", "nonvolatile hold (to half)", "holds", "≥ 10 s",
           lambda s: s["retention"]["nonvolatile_hold_s"], lambda x: x >= 10, "s"),
)


def compare(summary: dict) -> list[dict]:
    """Every target with its measured value and whether it is met."""
    rows = []
    for target in TARGETS:
        value = target.measure(summary)
        ok = value is not None and bool(np.isfinite(value)) and target.passes(value)
        rows.append({"experiment": target.experiment, "quantity": target.quantity,
                     "paper": target.paper, "tolerance": target.tolerance,
                     "measured": value, "unit": target.unit, "met": ok})
    return rows


def write(summary: dict, path: Path) -> Path:
    """Markdown report: the comparison table, how it was measured, then every figure."""
    rows = compare(summary)
    met = sum(r["met"] for r in rows)
    lines = [
        "# labmem reproduction of the reference programme (E1–E9)",
        "",
        f"Seed {summary['seed']} · labmem {summary['labmem_version']} · simulated bench, "
        f"every experiment run as a procedure through the instrument drivers (SMU, AWG, "
        f"scope, TIA) · {summary.get('wall_time_s', '?')} s wall · "
        f"**{met} of {len(rows)} targets met**.",
        "",
        *([f"Device parameters overridden: {_overrides(summary['device_overrides'])}.", ""]
          if summary.get("device_overrides") else []),
        "| exp. | quantity | paper | tolerance | measured | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        value = "—" if r["measured"] is None else f"{r['measured']:.4g} {r['unit']}".strip()
        lines.append(f"| {r['experiment']} | {r['quantity']} | {r['paper']} | "
                     f"{r['tolerance']} | {value} | {'yes' if r['met'] else '**no**'} |")
    lines += ["", "Data: every run's results file, HDF5 traces and the run catalog are in "
              "`data/`; `summary.json` holds the numbers.", ""]
    for name in summary.get("figures", []):
        lines += [f"## {FIGURE_TITLES.get(name, name)}", "", f"![{name}]({name})", ""]
    path.write_text("\n".join(lines))
    return path


def _overrides(device: dict[str, float]) -> str:
    """`name` = value, … of the device overrides the programme ran with."""
    return ", ".join(f"`{name}` = {value:.4g}" for name, value in sorted(device.items()))
