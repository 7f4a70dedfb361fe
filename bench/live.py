"""Live model benchmark: draft every case x artifact against a running OpenAI-compatible
server and report the route each draft took, why, and whether the final draft passes.

Not part of CI (it needs a server). Start one of the local models first, e.g.

    ../shared/llm/serve start                      # 0.5B on :8088
    DRAFTER_LLM_MODEL=1.5b ../shared/llm/serve start   # 1.5B on :8089

then, from the repository root:

    python bench/live.py                                   # 0.5B, the shared cases
    python bench/live.py --base-url http://127.0.0.1:8089/v1 --model qwen2.5-coder-1.5b-instruct
    python bench/live.py --cases 'drafter/examples/*.yaml' --kind email

Per draft: case, artifact, route (model / repaired / template), seconds, tokens, whether
the final draft passes the checks (as `drafter check` would judge it) and, when the model's
draft was not used as is, the reasons. The summary gives the share of drafts the model
wrote that were used (as written or repaired), the share that fell back to the template,
and the number of final drafts that fail a check (the target is none). ``--show`` prints
every draft the model wrote that was used, to be read.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = str(ROOT.parent / "shared" / "cases" / "*.yaml")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8088/v1")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--cases", default=DEFAULT_CASES, help="a glob of case files")
    parser.add_argument("--kind", action="append", help="only these artifacts")
    parser.add_argument("--repair-rounds", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per try")
    parser.add_argument(
        "--show", action="store_true", help="print every final draft the model wrote, to read"
    )
    args = parser.parse_args()

    from drafter.artifacts import kinds_for
    from drafter.checks import check_text
    from drafter.errors import DrafterError
    from drafter.pipeline import Request, produce

    choices = {
        "mode": "llm",
        "base_url": args.base_url,
        "model": args.model,
        "temperature": 0.0,
        "seed": 1,
        "timeout": args.timeout,
        "max_retries": 0,
        "repair_rounds": args.repair_rounds,
    }
    paths = sorted(glob.glob(args.cases))
    if not paths:
        print(f"no case files match {args.cases}", file=sys.stderr)
        return 2
    routes: Counter[str] = Counter()
    failing: list[str] = []
    print(f"{args.model} at {args.base_url}: {len(paths)} cases\n")
    print(f"{'case':<28}{'artifact':<12}{'route':<10}{'s':>6}{'tokens':>9}  checks")
    for path in paths:
        try:
            request = Request.build(path, choices=choices, log=False)
        except DrafterError as exc:
            print(f"{Path(path).stem:<28}cannot read: {exc}")
            continue
        for kind in kinds_for(request.case):
            if args.kind and kind not in args.kind:
                continue
            clock = time.perf_counter()
            try:
                produced = produce(request, kind, "text")
            except DrafterError as exc:
                print(f"{Path(path).stem:<28}{kind:<12}{'error':<10}  {exc}")
                routes["error"] += 1
                continue
            seconds = time.perf_counter() - clock
            text = produced.data.decode("utf-8")
            report = check_text(kind, text, request.case)
            verdict = "pass" if report.ok else "FAIL " + ", ".join(report.failed)
            print(
                f"{Path(path).stem:<28}{kind:<12}{produced.route:<10}{seconds:>6.1f}"
                f"{produced.tokens:>9}  {verdict}"
            )
            for reason in produced.reasons:
                print(f"{'':<40}why: {reason[:150]}")
            if args.show and produced.route != "template":
                print("\n" + "\n".join(f"    | {line}" for line in text.splitlines()) + "\n")
            routes[produced.route] += 1
            if not report.ok:
                failing.append(f"{Path(path).stem} {kind}")
    total = sum(routes.values())
    used = routes["model"] + routes["repaired"]
    print(
        f"\n{total} drafts: model {routes['model']}, repaired {routes['repaired']}, "
        f"template {routes['template']}, error {routes['error']}"
    )
    if total:
        print(
            f"model drafts used {100 * used / total:.0f}% "
            f"(as written {100 * routes['model'] / total:.0f}%), "
            f"fell back {100 * routes['template'] / total:.0f}%; "
            f"final drafts failing a check: {len(failing)}"
        )
    for name in failing:
        print(f"   FAILING: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
