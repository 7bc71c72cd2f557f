"""`labmem reproduce`: run E1–E9 on the simulated device, write figures and summary.json."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from labmem import __version__, figures
from labmem import programme as pg
from labmem.simulated_instruments.device_params import AgFilamentParams

DEFAULT_SEED = 4
"""Seed of the reference run (`make demo`); calibration tests also use other seeds."""

_EXPERIMENTS = ("iv", "all_or_none", "integrate", "integrate_and_fire", "synapse", "delay",
                "retention")


def run_programme(
    seed: int = DEFAULT_SEED,
    params: AgFilamentParams | None = None,
    cfg: pg.ProgrammeConfig | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> tuple[dict, dict]:
    """Run E1–E9; return (summary dict, raw records for figures).

    Each experiment gets its own generator spawned from the seed, so experiments are
    independent of one another and every one is reproducible from the seed alone.
    """
    params = params or AgFilamentParams()
    cfg = cfg or pg.ProgrammeConfig()
    rngs = dict(zip(_EXPERIMENTS, (np.random.default_rng(s) for s in
                                   np.random.SeedSequence(seed).spawn(len(_EXPERIMENTS))),
                    strict=True))
    summary: dict = {"seed": seed, "simulated": True, "labmem_version": __version__}
    raw: dict = {}

    blocks, ladder, switching = pg.training_and_switching(params, rngs["iv"], cfg, progress)
    summary["iv"] = {key: block.summary() for key, block in blocks.items()}
    summary["compliance_ladder"] = [
        {"compliance_a": b.compliance_a, "vset_mean_v": pg.analysis.mean_std(b.vset_v)[0]}
        for b in ladder
    ]
    summary["regime_switching"] = [
        {
            "regime": "volatile" if b.compliance_a < 1e-6 else "nonvolatile",
            **{k: v for k, v in b.summary().items() if k != "vset_v"},
        }
        for b in switching
    ]
    raw.update(blocks=blocks, switching=switching)

    progress("E4 all-or-none")
    raw["all_or_none"], summary["all_or_none"] = pg.all_or_none(
        params, rngs["all_or_none"], cfg)
    progress("E5 integrate")
    raw["integrate"], summary["integrate"] = pg.integrate(params, rngs["integrate"], cfg)
    progress("E6 integrate-and-fire")
    raw["integrate_and_fire"], summary["integrate_and_fire"] = pg.integrate_and_fire(
        params, rngs["integrate_and_fire"], cfg)
    progress("E7 synapse")
    raw["synapse"], summary["synapse"] = pg.synapse(params, rngs["synapse"], cfg)
    progress("E8 switching delay")
    raw["delay"], summary["delay_vs_amplitude"] = pg.delay_vs_amplitude(
        params, rngs["delay"], cfg)
    progress("E9 retention")
    raw["retention"], summary["retention"] = pg.retention(params, rngs["retention"], cfg)
    summary["parameters"] = params.as_dict()
    return summary, raw


def write_figures(summary: dict, raw: dict, out: Path) -> list[Path]:
    """Write one PNG per experiment into out; return their paths."""
    fire = raw["integrate_and_fire"]
    return [
        figures.iv_blocks(raw["blocks"], out / "e1_e2_iv_blocks.png"),
        figures.vset_histograms(raw["blocks"], out / "e2_vset_histograms.png"),
        figures.regime_switching(raw["switching"], out / "e3_regime_switching.png"),
        figures.pulse_response(raw["all_or_none"], "E4 all-or-none (10 MΩ series)",
                               out / "e4_all_or_none.png"),
        figures.pulse_response(raw["integrate"], "E5 integrate (3 V, 5 ms, 2 MΩ series)",
                               out / "e5_integrate.png"),
        figures.pulse_response(fire, "E6 integrate-and-fire (−1 V → +2 V, 2 MΩ series)",
                               out / "e6_integrate_and_fire.png", 1e-6,
                               fire.extra["spike_index"]),
        figures.synapse(raw["synapse"], summary["synapse"]["runs"], out / "e7_synapse.png"),
        figures.delay_vs_amplitude(np.array(summary["delay_vs_amplitude"]["amplitudes_v"]),
                                   raw["delay"], summary["delay_vs_amplitude"],
                                   out / "e8_delay_vs_amplitude.png"),
        figures.retention(raw["retention"], out / "e9_retention.png"),
    ]


def reproduce(out: Path, seed: int = DEFAULT_SEED, progress: Callable[[str], None] = print) -> dict:
    """Run the programme, write figures and summary.json into out, return the summary."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    summary, raw = run_programme(seed, progress=progress)
    summary["wall_time_s"] = round(time.perf_counter() - start, 2)
    progress("writing figures")
    paths = write_figures(summary, raw, out)
    summary["figures"] = [p.name for p in paths]
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
