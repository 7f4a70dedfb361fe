"""Scaling benchmark for the checks: wall time against input size on pathological inputs.

Run from the repository root with drafter installed in the current interpreter:

    python bench/checks_scaling.py [--sizes 10000,100000,1000000] [--limit 60]
    python bench/checks_scaling.py --package-dir /tmp/before   # an older copy of drafter/

Each input is checked as every kind of draft (``check_text``), and sent down the model path:
one field of a structured reply (schemas cleaning), rendered, then checked (``check_draft``).
Linear code grows about 10x per size; quadratic code 100x. An input's larger sizes are
skipped once ten times its last time exceeds ``--limit`` seconds: they could take hours.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT.parent / "shared" / "cases" / "missed-deliveries.yaml"

INPUTS: dict[str, str] = {
    "=": "=",
    "-": "-",
    ".": ".",
    "spaces": " ",
    "a-": "a-",
    "digits,": "1,",
    "$1,": "$1,",
    "{{": "{{",
    "[a": "[a",
    "<insert": "<insert",
    "short lines": "a\n",
    "bullets": "- item\n",
    "one sentence": "our predecessor offered an upgrade ",
    "recommend": "recommend ",
    "$1 2020": "$1 2020 ",
}
"""Input name → the unit repeated to the wanted size."""
KINDS = ("email", "agenda", "escalation")


def _load(package_dir: str | None) -> tuple[Callable[[str, str], Any], Callable[[str], Any]]:
    """``check_text`` and the model path, from ``package_dir`` if given."""
    if package_dir:
        sys.path.insert(0, package_dir)
    from drafter.casefile import load_case
    from drafter.checks import check_draft, check_text
    from drafter.schemas import EmailDraft

    print(f"drafter from {Path(sys.modules['drafter'].__file__ or '').parent}")
    case = load_case(str(CASE))

    def check(kind: str, text: str) -> Any:
        return check_text(kind, text, case)  # type: ignore[arg-type]

    def model_path(text: str) -> Any:
        reply = EmailDraft.model_validate(
            {
                **dict.fromkeys(("subject", "greeting", "ownership", "gesture", "sign_off"), "x"),
                "failures": [{"failure": text, "impact": "x"}],
                "changes": [text],
                "pledge": text,
                "ask": "Ten minutes at your shop?",
            }
        )
        return check_draft(reply.to_draft(case), case)

    return check, model_path


def _time(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    """Print seconds per input and size: the three kinds checked, and the model path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--package-dir")
    parser.add_argument("--only", help="comma-separated input names")
    args = parser.parse_args()
    check, model_path = _load(args.package_dir)
    sizes = [int(s) for s in args.sizes.split(",")]
    names = args.only.split(",") if args.only else list(INPUTS)
    print(f"{'input':<14}{'chars':>9}{'check (3 kinds)':>17}{'model path':>12}")
    for name in names:
        for size in sizes:
            text = (INPUTS[name] * (size // len(INPUTS[name]) + 1))[:size]
            kinds = sum(_time(partial(check, kind, text)) for kind in KINDS)
            model = _time(partial(model_path, text))
            print(f"{name:<14}{size:>9}{kinds:>16.2f}s{model:>11.2f}s", flush=True)
            if max(kinds, model) * 10 > args.limit and size != sizes[-1]:
                print(f"{name:<14}{'larger sizes skipped':>38}")
                break


if __name__ == "__main__":
    main()
