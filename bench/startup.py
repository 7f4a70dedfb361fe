"""Start-up benchmark: median wall time of `drafter email CASE` against `python -c pass`.

Run from the repository root with drafter installed in the current interpreter:

    python bench/startup.py [--runs 30] [--case drafter/examples/late-payroll.yaml]

Target: `drafter email CASE` (offline template path, history log on) at most 1.3 times the
median time of importing the libraries it cannot avoid, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASE = ROOT / "drafter" / "examples" / "late-payroll.yaml"
TARGET_RATIO = 1.3


FLOOR = "import click, jinja2, yaml, pydantic.main, importlib.metadata"
"""What the offline path cannot avoid importing: the floor under drafter's own time."""


def median_ms(command: list[str], runs: int, home: str) -> tuple[float, float]:
    """Median and best wall time of ``command`` in milliseconds, after one warm-up run.

    No user config; history log and template cache in ``home`` (warm after the first run).
    """
    env = {
        **os.environ,
        "DRAFTER_CONFIG": os.devnull,
        "XDG_DATA_HOME": home,
        "XDG_CACHE_HOME": home,
    }
    subprocess.run(command, check=True, capture_output=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE)
    args = parser.parse_args()

    python = sys.executable
    with tempfile.TemporaryDirectory() as home:
        base, base_best = median_ms([python, "-c", "pass"], args.runs, home)
        rows = [("python -c pass", base, base_best)]
        rows.append(("libraries alone", *median_ms([python, "-c", FLOOR], args.runs, home)))
        for kind in ("email", "agenda", "escalation"):
            command = [python, "-m", "drafter", kind, str(args.case), "--mode", "templates"]
            rows.append((f"drafter {kind}", *median_ms(command, args.runs, home)))

    print(f"{'command':<22}{'median ms':>10}{'best ms':>10}{'over python':>13}")
    for name, med, best in rows:
        print(f"{name:<22}{med:>10.1f}{best:>10.1f}{med - base:>13.1f}")
    floor, email = rows[1][1], rows[2][1]
    ratio = email / floor
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    print(
        f"\ndrafter email median {email:.1f} ms = {ratio:.2f}x the libraries alone "
        f"({floor:.1f} ms): {verdict} the {TARGET_RATIO}x target "
        f"({args.runs} runs, {os.cpu_count()} cores, Python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
