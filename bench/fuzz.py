"""Fuzz drafter with generated case files: the property test's generator, for many examples.

Run from the repository root with drafter and hypothesis installed:

    python bench/fuzz.py [--examples 2000] [--seed 0] [--keep DIR]

Every example goes through validate, email (text, json, eml) and `all -o DIR`. Prints the
examples run, the exit codes seen per command, the slowest example and its time, and any
crash (an exit other than 0 or 2, or a traceback), whose case files are kept in --keep.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.test_fuzz_cases import case_files, crashed, drive


def main() -> int:
    """Run the examples; exit 1 if any crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args()

    codes: Counter[tuple[str, int]] = Counter()
    crashes: list[tuple[str, int, str, str]] = []
    slowest = (0.0, "")
    runs = 0

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case_files())
    def one(text: str) -> None:
        nonlocal slowest, runs
        runs += 1
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            results = drive(text, Path(tmp))
            took = time.perf_counter() - started
        slowest = max(slowest, (took, text))
        for command, exit_code, output in results:
            codes[command, exit_code] += 1
            if crashed(exit_code, output):
                crashes.append((command, exit_code, output, text))

    started = time.perf_counter()
    one()
    report(runs, time.perf_counter() - started, codes, slowest, crashes, args.keep)
    return 1 if crashes else 0


def report(
    runs: int,
    total: float,
    codes: Counter[tuple[str, int]],
    slowest: tuple[float, str],
    crashes: list[tuple[str, int, str, str]],
    keep: Path,
) -> None:
    """Print the totals; save each crashing case file under ``keep``."""
    print(f"examples: {runs} in {total:.1f} s")
    print("exit codes:")
    for (command, exit_code), n in sorted(codes.items()):
        print(f"  {command:<14} exit {exit_code}: {n}")
    took, text = slowest
    print(f"slowest example: {took:.2f} s ({len(text):,} characters; first line {text[:60]!r})")
    print(f"crashes: {len(crashes)}")
    if crashes:
        keep.mkdir(parents=True, exist_ok=True)
    for i, (command, exit_code, output, case) in enumerate(crashes):
        path = keep / f"crash-{i}.yaml"
        path.write_text(case, encoding="utf-8")
        last = output.strip().splitlines()[-1] if output.strip() else ""
        print(f"  {command} → exit {exit_code}: {last[:160]} ({path})")


if __name__ == "__main__":
    sys.exit(main())
