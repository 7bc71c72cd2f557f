"""PNG figures of the reference programme (matplotlib, headless). Layouts are fixed margins
in inches (no tight_layout pass), and dense clouds are one rasterised artist each."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from labmem import analysis
from labmem.records import IVBlock, PulseRecord

_REGIME_COLOURS = {10e-9: "tab:blue", 1e-3: "tab:red"}


MARGINS_IN = {"left": 0.8, "right": 0.2, "bottom": 0.55, "top": 0.35, "wspace": 0.85,
              "hspace": 0.2}
"""Fixed margins and gaps between axes, in inches (room for tick labels and axis labels)."""


def _subplots(nrows: int, ncols: int, figsize: tuple[float, float], top_in: float | None = None,
              **kwargs) -> tuple[plt.Figure, np.ndarray | plt.Axes]:
    """plt.subplots with the fixed margins of MARGINS_IN (top_in for taller titles)."""
    w, h = figsize
    m = {**MARGINS_IN, **({"top": top_in} if top_in is not None else {})}
    left, right, bottom, top = m["left"] / w, 1 - m["right"] / w, m["bottom"] / h, 1 - m["top"] / h
    axis_w = (w * (right - left) - (ncols - 1) * m["wspace"]) / ncols
    axis_h = (h * (top - bottom) - (nrows - 1) * m["hspace"]) / nrows
    return plt.subplots(nrows, ncols, figsize=figsize, **kwargs, gridspec_kw={
        "left": left, "right": right, "bottom": bottom, "top": top,
        "wspace": m["wspace"] / axis_w, "hspace": m["hspace"] / axis_h})


def _cloud(rows: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Curves (one per row) over one x as a single polyline broken by NaNs, so a cloud of
    hundreds of curves is one artist."""
    rows = np.atleast_2d(rows)
    xs = np.broadcast_to(x, rows.shape)
    gap = np.full((rows.shape[0], 1), np.nan)
    return np.hstack([xs, gap]).ravel(), np.hstack([rows, gap]).ravel()


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _iv_axes(ax: plt.Axes, block: IVBlock) -> None:
    """Grey cloud of every cycle's log|I| against V with the median cycle bold."""
    floor = 1e-14
    ax.semilogy(*_cloud(np.abs(block.i) + floor, block.v), color="0.75", lw=0.5,
                rasterized=True)
    colour = _REGIME_COLOURS.get(block.compliance_a, "k")
    ax.semilogy(block.v, analysis.median_abs_cycle(block.i) + floor, color=colour, lw=2,
                label="median cycle")
    ax.axhline(block.compliance_a, color=colour, ls=":", lw=1, label="compliance")
    mean, std = analysis.mean_std(block.vset_v)
    ax.set_title(f"{block.label}: {block.compliance_a:.0e} A\nVset {mean:.3f} ± {std:.3f} V",
                 fontsize=9)
    ax.set_xlabel("V (V)")
    ax.set_ylabel("|I| (A)")
    ax.set_ylim(1e-13, block.compliance_a * 5)
    ax.legend(fontsize=7, loc="lower right")


def iv_blocks(blocks: dict[str, IVBlock], path: Path) -> Path:
    """E1/E2: I(V) clouds of the untrained volatile, nonvolatile and trained volatile blocks."""
    fig, axes = _subplots(1, len(blocks), (4.2 * len(blocks), 3.8), top_in=0.5)
    for ax, block in zip(np.atleast_1d(axes), blocks.values(), strict=True):
        _iv_axes(ax, block)
    return _save(fig, path)


def vset_histograms(blocks: dict[str, IVBlock], path: Path) -> Path:
    """E2: Vset histograms per block on a shared voltage axis."""
    fig, ax = _subplots(1, 1, (6, 3.6))
    bins = np.arange(0.0, 1.6, 0.02)
    for block in blocks.values():
        ax.hist(block.vset_v[np.isfinite(block.vset_v)], bins=bins, alpha=0.6,
                label=block.label)
    ax.set_xlabel("Vset at 90 % of compliance (V)")
    ax.set_ylabel("cycles")
    ax.legend(fontsize=8)
    return _save(fig, path)


def regime_switching(blocks: list[IVBlock], path: Path) -> Path:
    """E3: Vset mean ± σ per block and the I(V) of the last pair of blocks."""
    fig, axes = _subplots(1, 3, (13, 3.8), top_in=0.5)
    for n, block in enumerate(blocks, start=1):
        mean, std = analysis.mean_std(block.vset_v)
        colour = _REGIME_COLOURS.get(block.compliance_a, "k")
        axes[0].errorbar(n, mean, yerr=std, fmt="o", color=colour)
    axes[0].set_xlabel("block (alternating 1 mA / 10 nA)")
    axes[0].set_ylabel("Vset mean ± σ (V)")
    axes[0].set_title("regime switching", fontsize=9)
    _iv_axes(axes[1], blocks[-2])
    _iv_axes(axes[2], blocks[-1])
    return _save(fig, path)


def pulse_response(
    rec: PulseRecord,
    title: str,
    path: Path,
    time_unit: float = 1e-3,
    marks: np.ndarray | None = None,
) -> Path:
    """Applied voltage and device current against time, with optional spike markers."""
    unit = {1e-3: "ms", 1e-6: "µs"}[time_unit]
    fig, (top, bottom) = _subplots(2, 1, (8, 4.6), sharex=True)
    t = rec.t / time_unit
    top.plot(t, rec.v_source, color="tab:green", lw=0.8)
    top.set_ylabel("applied V (V)")
    top.set_title(title, fontsize=9)
    bottom.plot(t, rec.i * 1e9, color="tab:purple", lw=0.8)
    if marks is not None and marks.size:
        bottom.plot(t[marks], rec.i[marks] * 1e9, "rv", ms=5, label="spike")
        bottom.legend(fontsize=8)
    bottom.set_ylabel("device current (nA)")
    bottom.set_xlabel(f"time ({unit})")
    return _save(fig, path)


def synapse(g_all: np.ndarray, runs: int, path: Path) -> Path:
    """E7: conductance per read pulse (conditioning runs dashed, measured runs and their mean),
    and each measured run's deviation from the mean."""
    fig, (top, bottom) = _subplots(2, 1, (7, 5), sharex=True)
    idx = np.arange(1, g_all.shape[1] + 1)
    conditioning, g = g_all[:-runs], g_all[-runs:]
    mean = g.mean(axis=0)
    for n, run in enumerate(conditioning, start=1):
        top.plot(idx, run * 1e6, "--", lw=0.8, color="0.6",
                 label="conditioning runs" if n == 1 else None)
    for run in g:
        top.plot(idx, run * 1e6, lw=0.7, alpha=0.6)
        bottom.plot(idx, (run - mean) * 1e6, lw=0.7)
    top.plot(idx, mean * 1e6, "k", lw=2, label=f"mean of {runs} runs")
    top.axvline(g.shape[1] / 2 + 0.5, color="0.5", ls=":")
    top.set_ylabel("G (µS)")
    top.set_title("potentiation (+1 V) then depression (−0.8 V), read at 0.1 V", fontsize=9)
    top.legend(fontsize=8)
    bottom.set_ylabel("G − G_mean (µS)")
    bottom.set_xlabel("pulse index")
    return _save(fig, path)


def delay_vs_amplitude(amps: np.ndarray, delays: np.ndarray, fit: dict, path: Path) -> Path:
    """E8: every delay, the log-mean per amplitude and the straight-line fit of log10(delay)."""
    fig, ax = _subplots(1, 1, (6, 4))
    ok = np.isfinite(delays)
    ax.semilogy(np.broadcast_to(amps[:, None], delays.shape)[ok], delays[ok], ".", color="0.6",
                ms=3, rasterized=True)
    ax.semilogy(amps, fit["delay_s"], "o", color="tab:red", label="log-mean")
    line = 10 ** (fit["log10_slope_per_v"] * amps + fit["log10_intercept"])
    ax.semilogy(amps, line, "-", color="tab:red",
                label=f"fit: {fit['log10_slope_per_v']:.2f} dec/V, R² = {fit['r2']:.3f}")
    ax.set_xlabel("pulse amplitude (V)")
    ax.set_ylabel("switching delay (s)")
    ax.legend(fontsize=8)
    return _save(fig, path)


def retention(records: dict, path: Path) -> Path:
    """E9: read current at 0.1 V against time after a set in each regime."""
    fig, ax = _subplots(1, 1, (6, 4))
    colours = {"volatile": "tab:blue", "nonvolatile": "tab:red"}
    for name, (t, i) in records.items():
        ax.loglog(t[1:], np.abs(i[1:]) + 1e-15, label=name, color=colours[name])
    ax.set_xlabel("time after set (s)")
    ax.set_ylabel("read current at 0.1 V (A)")
    ax.legend(fontsize=8)
    return _save(fig, path)
