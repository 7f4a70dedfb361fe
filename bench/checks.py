"""Score the method checks on the labelled corpus: how many bad drafts they catch, how many
good drafts they wrongly flag, per kind and per planted category.

Run from the repository root (offline, a few seconds):

    python bench/checks.py              # the tuning part: tests/data/labelled/<kind>/
    python bench/checks.py --heldout    # the held-out fifth: tests/data/labelled/heldout/<kind>/
    python bench/checks.py --kind email -v   # also list every miss
    python bench/checks.py --corpus DIR      # any folder laid out the same way (DIR/<kind>/)

Each draft is checked exactly as `drafter check DRAFT --case CASE --kind KIND` would check it.
A bad draft counts as caught when any rule fires; the table shows, per planted category,
which rules fired (so a catch for the wrong reason is visible).
The last line is `recall R%, false alarms F%` over every kind.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "labelled"
KINDS = ("email", "agenda", "escalation")


@dataclass(frozen=True)
class Scored:
    """One labelled draft and what the checks said of it."""

    file: str
    kind: str
    label: str
    category: str
    note: str
    fired: tuple[tuple[str, str], ...]  # (rule, offending words)

    @property
    def flagged(self) -> bool:
        return bool(self.fired)


def labels(folder: Path) -> list[dict[str, str]]:
    """The label lines of one kind's folder (empty when it has none)."""
    path = folder / "labels.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(folder: Path, kind: str) -> list[Scored]:
    """Check every labelled draft in ``folder`` against its case."""
    from drafter.casefile import load_case
    from drafter.checks import check_text
    from drafter.pipeline import read_draft

    cases: dict[str, object] = {}
    scored = []
    for entry in labels(folder):
        case_path = str((ROOT / entry["case"]).resolve())
        if case_path not in cases:
            cases[case_path] = load_case(case_path)
        text = read_draft(str(folder / entry["file"]))
        report = check_text(kind, text, cases[case_path])  # type: ignore[arg-type]
        fired = tuple((v.rule, v.text) for v in report.violations)
        scored.append(
            Scored(
                entry["file"],
                kind,
                entry["label"],
                entry.get("category", ""),
                entry.get("note", ""),
                fired,
            )
        )
    return scored


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def table(kind: str, scored: list[Scored], verbose: bool) -> tuple[int, int, int, int]:
    """Print one kind's confusion table; return (bad, caught, good, flagged)."""
    bad = [s for s in scored if s.label == "bad"]
    good = [s for s in scored if s.label == "good"]
    caught = [s for s in bad if s.flagged]
    flagged = [s for s in good if s.flagged]
    print(f"\n== {kind}: {len(scored)} drafts ({len(good)} good, {len(bad)} bad)")
    print(
        f"   bad caught {len(caught)}/{len(bad)} ({percent(len(caught), len(bad))}), "
        f"good flagged {len(flagged)}/{len(good)} ({percent(len(flagged), len(good))})"
    )
    by_category: dict[str, list[Scored]] = defaultdict(list)
    for s in bad:
        by_category[s.category].append(s)
    print(f"   {'category':<24}{'caught':>8}{'of':>5}   rules that fired")
    for category in sorted(by_category):
        items = by_category[category]
        rules = Counter(rule for s in items for rule in {r for r, _ in s.fired})
        fired = ", ".join(f"{r} x{n}" for r, n in rules.most_common(3))
        hits = sum(s.flagged for s in items)
        print(f"   {category:<24}{hits:>8}{len(items):>5}   {fired}")
    for s in flagged:
        print(f"   FALSE ALARM {s.file}:")
        for rule, words in s.fired:
            print(f"      {rule}: {words[:140]!r}")
    if verbose:
        for s in bad:
            if not s.flagged:
                print(f"   MISSED {s.file} ({s.category}): {s.note[:140]!r}")
    return len(bad), len(caught), len(good), len(flagged)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", action="store_true", help="score the held-out fifth")
    parser.add_argument(
        "--corpus", type=Path, help="score DIR/<kind>/ instead (e.g. a held-out set kept outside)"
    )
    parser.add_argument("--kind", choices=KINDS, action="append", help="only these kinds")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    base = args.corpus or (CORPUS / "heldout" if args.heldout else CORPUS)
    totals = [0, 0, 0, 0]
    for kind in args.kind or KINDS:
        scored = score(base / kind, kind)
        if not scored:
            print(f"\n== {kind}: no labelled drafts in {base / kind}")
            continue
        for i, n in enumerate(table(kind, scored, args.verbose)):
            totals[i] += n
    bad, caught, good, flagged = totals
    part = str(args.corpus) if args.corpus else "held-out part" if args.heldout else "tuning part"
    print(f"\n{part}: {bad + good} drafts")
    print(f"recall {percent(caught, bad)}, false alarms {percent(flagged, good)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
