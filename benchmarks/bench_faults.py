"""The fault-injection table: every fault kind × every procedure family of tests/faults,
injected half way through the faulted role's traffic; prints runs, rows lost, unsafe endings
and the longest time to the safe state (wall and virtual)."""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "faults"))

from scenarios import FAMILIES, KINDS, run_faulted, transactions


def main() -> None:
    logging.disable(logging.CRITICAL)  # the faulted runs log their (expected) failures
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print("| fault | runs | failed / aborted | rows lost | unsafe endings | longest wall "
              "(s) | longest virtual (s) |")
        print("|---|---|---|---|---|---|---|")
        for kind in KINDS:
            endings, unsafe = [], 0
            for family in FAMILIES:
                at = max(1, transactions(family, root / f"clean-{kind}-{family}") // 2)
                ending, station = run_faulted(family, kind, at, root / f"{kind}-{family}")
                unsafe += bool(station.safe_off())
                endings.append(ending)
            ended = sum(e.status in ("failed", "aborted") for e in endings)
            print(f"| {kind} | {len(endings)} | {ended} | {sum(e.rows_lost for e in endings)} "
                  f"| {unsafe} | {max(e.wall_s for e in endings):.2f} | "
                  f"{max(e.virtual_to_safe_s for e in endings):.3g} |")
        print("families: " + ", ".join(f"{f} ({r}, {w})" for f, (_, r, w) in FAMILIES.items()))


if __name__ == "__main__":
    main()
