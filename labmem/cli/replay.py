"""`labmem replay TRANSCRIPT`: a recorded VISA transcript against the simulated bench's
emulators, with the differences grouped by command (labmem.replay)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from labmem.cli.run import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED


def _replay(args: argparse.Namespace) -> int:
    from labmem.replay import replay
    from labmem.transcript import Transcript, anonymise

    try:
        transcript = Transcript.load(args.transcript)
    except OSError as err:
        print(f"labmem replay: cannot read {args.transcript}: {err}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except ValueError as err:  # not a transcript, or a newer one
        print(f"labmem replay: {err}", file=sys.stderr)
        return EXIT_REFUSED
    if args.anonymise:
        transcript = anonymise(transcript)
        transcript.save(args.anonymise)
        print(f"wrote {args.anonymise} (serial numbers and addresses removed)")
    try:
        report = replay(transcript)
    except ValueError as err:  # e.g. an instrument no emulator stands for
        print(f"labmem replay: {err}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        print(json.dumps({"transactions": report.transactions, "answers": report.queries,
                          "differences": [asdict(d) for d in report.differences]}, indent=2))
    else:
        print(report.summary())
    return EXIT_FAILED if report.differences else EXIT_OK


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    """`labmem replay TRANSCRIPT [--anonymise OUT] [--json]`."""
    parser = sub.add_parser(
        "replay", help="replay a recorded VISA transcript against the emulators",
        description="Play the writes of a transcript (recorded by `labmem run --record` or a "
        "station file's `record: true`) against the @labmem emulators of the same models on "
        "a fresh simulated bench, and list where their answers differ from the recorded "
        "ones, grouped by command: settings exactly, readings within tolerances, timeouts, "
        "commands the emulator refuses, and answers the instrument took much longer to give "
        "(docs/real_bench.md).",
        epilog="examples: labmem replay data/IVSweep_20250301_093000_000.visa.jsonl.gz · "
        "labmem replay run.visa.jsonl.gz --anonymise tests/transcripts/iv.visa.jsonl.gz · "
        "exit codes: 0 no difference · 1 differences · 2 not a transcript · 3 file not found")
    parser.add_argument("transcript", help="transcript file (.visa.jsonl.gz)")
    parser.add_argument("--anonymise", metavar="OUT", help="first write a copy without serial "
                        "numbers and addresses to OUT (to share it), and replay that")
    parser.add_argument("--json", action="store_true", help="differences as JSON")
    parser.set_defaults(func=_replay)
