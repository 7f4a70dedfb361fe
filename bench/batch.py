"""Batch benchmark: `drafter batch -j N` against a local STUB server that sleeps 200 ms a request.

Run from anywhere with the interpreter drafter is installed in:

    python bench/batch.py                 # 200 and 2,000 cases at -j 1, 4, 16 (a few minutes)
    python bench/batch.py --quick         # 40 cases: a smoke run
    python bench/batch.py --sizes 200 --jobs 4,16

What it does:

1. Generates N case files in a temporary folder from ``../shared/cases/*.yaml`` (account,
   customer name, e-mail and value varied per copy, so every case hashes differently).
2. Starts ``bench/stub_server.py``: an OpenAI-compatible STUB on 127.0.0.1 (random free port),
   for timing only, not a model. Each ``/v1/chat/completions`` sleeps 200 ms and returns a
   canned JSON email in drafter's schema, echoing the case's facts from the prompt. It stops
   when this script ends (its stdin closes) and after a hard timeout.
3. Runs ``python -m drafter batch CASES -o OUT -j N --kinds email --mode llm --base-url STUB
   --model stub --repair-rounds 0 --no-log`` as a child process, with ``DRAFTER_CONFIG`` set
   to /dev/null and ``XDG_*`` pointing into the temporary folder, so no user config or history
   is read or written. One case costs exactly one request.
4. Measures wall time, the ratio ideal/wall where ideal = cases x 0.2 s / j (and the same
   ratio once started, i.e. without the start-up before the first request), the requests the
   stub saw (must equal cases), requests in flight at the stub (average over the span from
   the first request to the last reply / peak), the processes drafter ran (it forks workers
   for big batches), the peak RSS of its largest process and the peak PSS of all of them
   together (sampled every 50 ms; shared pages counted once), and their CPU
   time (``os.wait4``). ``startup`` is the time from launch to the first request; ``tail``
   from the last reply to the child's exit; ``stub CPU`` the stub's own CPU time (it shares
   the machine's cores with drafter, as does any other load: the load average is printed).

Targets (issue 4): at least 80% of ideal at -j 16; peak memory flat as the case count grows
(compared at -j 16, 200 vs 2,000 cases). -j 1 runs only at sizes up to 200 cases: 2,000 x
0.2 s would take 400 s on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = ROOT.parent / "shared" / "cases"
STUB = Path(__file__).resolve().with_name("stub_server.py")

DELAY = 0.2
"""Seconds the stub sleeps per request."""
TARGET_RATIO = 0.80
"""Wall time must be within 1/0.8 of the ideal at -j 16."""
FLAT_GROWTH = 0.25
"""Peak RSS at the largest size may exceed the smallest's by at most this fraction."""
MAX_J1_CASES = 200
"""-j 1 is skipped above this many cases (2,000 x 0.2 s is 400 s)."""

FIRST_NAMES = ("Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Emerson")
LAST_NAMES = ("Okonkwo", "Lindgren", "Marsh", "Takahashi", "Ferreira", "Novak", "Adeyemi")
REGIONS = ("North", "South", "East", "West", "Central", "Coastal", "Metro", "Valley")


# --- cases ---------------------------------------------------------------------------------


def _scalar(text: str, pattern: str) -> str | None:
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip().strip("'\"") if match else None


def vary(text: str, i: int) -> str:
    """One shared case rewritten as copy ``i``: another account, customer, e-mail and value."""
    account = _scalar(text, r"^account:\s*(.+)$")
    customer = _scalar(text, r"^customer:\s*\n\s+name:\s*(.+)$")
    if account:
        region = REGIONS[i % len(REGIONS)]
        text = text.replace(account, f"{account} {region} {i:05d}")
    if customer:
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        text = text.replace(customer, f"{first} {last}")
        old_local = ".".join(customer.lower().split())
        text = text.replace(f"{old_local}@", f"{first.lower()}.{last.lower()}.{i}@")
    return re.sub(
        r"^(\s*annual_value:\s*)(\d+)",
        lambda m: f"{m.group(1)}{int(m.group(2)) + 100 * i}",
        text,
        flags=re.MULTILINE,
    )


def generate(count: int, folder: Path, sources: list[Path]) -> Path:
    """Write ``count`` case files into ``folder`` (created), cycling through ``sources``."""
    texts = [p.read_text(encoding="utf-8") for p in sources]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"case-{i:05d}.yaml").write_text(vary(texts[i % len(texts)], i), "utf-8")
    return folder


# --- the stub ------------------------------------------------------------------------------


class Stub:
    """``bench/stub_server.py`` in its own process, on 127.0.0.1, stopped on exit."""

    def __init__(self, delay: float, max_seconds: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(STUB), "--delay", str(delay), "--max-seconds", str(max_seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the stub did not start (said {line!r})")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def _call(self, method: str, path: str) -> dict[str, Any]:
        request = urllib.request.Request(self.url + path, method=method, data=None)
        with urllib.request.urlopen(request, timeout=10) as reply:
            data: dict[str, Any] = json.load(reply)
        return data

    def reset(self) -> None:
        self._call("POST", "/stub/reset")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stub/stats")

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()  # the stub shuts down at EOF
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- one run -------------------------------------------------------------------------------


@dataclass
class Run:
    cases: int
    jobs: int
    wall: float
    requests: int
    max_inflight: int
    avg_inflight: float
    rss_mb: float
    pss_mb: float
    processes: int
    cpu: float
    startup: float
    tail: float
    exit_code: int
    stub_cpu: float
    outcome: str

    @property
    def ideal(self) -> float:
        return self.cases * DELAY / min(self.jobs, self.cases)

    @property
    def ratio(self) -> float:
        return self.ideal / self.wall if self.wall else 0.0

    @property
    def steady(self) -> float:
        """The ratio once started: ideal / (wall - start-up), start-up being the time until
        the first request, which no concurrency shortens (interpreter and imports)."""
        drafting = self.wall - self.startup
        return self.ideal / drafting if drafting > 0 else 0.0


def child_env(tmp: Path) -> dict[str, str]:
    """The environment for drafter: no user config, no keys, XDG folders in ``tmp``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "DRAFTER_", "XDG_")) and k != "COLUMNS"
    }
    env["DRAFTER_CONFIG"] = os.devnull
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        folder = tmp / "xdg" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(folder)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class TreeMemory:
    """Samples, every 50 ms, the summed PSS of a process and its descendants (drafter forks
    worker processes for big batches; PSS counts pages they share once, split between them).
    Linux only: elsewhere the figures stay at zero."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self.processes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
            tree += frontier
        return tree

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            return 0
        match = re.search(r"^Pss:\s+(\d+) kB", text, re.MULTILINE)
        return int(match[1]) if match else 0

    def _sample(self) -> None:
        if not Path("/proc/self/smaps_rollup").exists():
            return
        while not self._done.wait(0.05):
            tree = self._tree()
            self.processes = max(self.processes, len(tree))
            self.peak_mb = max(self.peak_mb, sum(map(self._pss_kb, tree)) / 1024)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def wait_measured(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float, float]:
    """Wait for ``proc`` (killed after ``timeout``): exit code, peak RSS in MB, CPU seconds."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    return proc.returncode, rss_mb, usage.ru_utime + usage.ru_stime


def _outcome(stdout: str) -> str:
    """The counts line of drafter's summary table, e.g. ``200 drafted by model (200 cases)``."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no summary)"


def run_batch(stub: Stub, cases: Path, count: int, jobs: int, tmp: Path) -> Run:
    """One timed ``drafter batch`` run into a fresh output folder."""
    out = tmp / f"out-{count}-j{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "drafter",
        "batch",
        str(cases),
        "-o",
        str(out),
        "-j",
        str(jobs),
        "--kinds",
        "email",
        "--mode",
        "llm",
        "--base-url",
        f"{stub.url}/v1",
        "--model",
        "stub",
        "--repair-rounds",
        "0",
        "--no-log",
    ]
    stub.reset()
    stub_cpu = float(stub.stats()["cpu_seconds"])
    ideal = count * DELAY / min(jobs, count)
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    stdout_path = logs / f"{count}-j{jobs}.out"
    stderr_path = logs / f"{count}-j{jobs}.err"
    stdout: IO[bytes]
    stderr: IO[bytes]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        launched = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=child_env(tmp),
            cwd=tmp,
        )
        memory = TreeMemory(proc.pid)
        code, rss_mb, cpu = wait_measured(proc, timeout=ideal * 5 + 120)
        wall = time.perf_counter() - start
        memory.stop()
        ended = time.time()
    stats = stub.stats()
    first = stats.get("first_arrival") or ended
    last = stats.get("last_reply") or ended
    if code != 0:
        err = stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        print(f"  drafter exited {code}; stderr tail:\n{err}", file=sys.stderr)
    return Run(
        cases=count,
        jobs=jobs,
        wall=wall,
        requests=int(stats["requests"]),
        max_inflight=int(stats["max_inflight"]),
        avg_inflight=int(stats["requests"]) * DELAY / max(last - first, DELAY),
        rss_mb=rss_mb,
        pss_mb=memory.peak_mb,
        processes=memory.processes,
        cpu=cpu,
        startup=first - launched,
        tail=ended - last,
        exit_code=code,
        stub_cpu=float(stats["cpu_seconds"]) - stub_cpu,
        outcome=_outcome(stdout_path.read_text(encoding="utf-8", errors="replace")),
    )


# --- report --------------------------------------------------------------------------------

HEADER = (
    f"{'cases':>6} {'-j':>3} {'wall s':>8} {'ideal s':>8} {'ideal/wall':>10} {'once started':>12} "
    f"{'requests':>9} "
    f"{'in flight':>10} {'procs':>5} {'peak RSS MB':>11} {'peak PSS MB':>11} {'CPU s':>7} "
    f"{'CPU ms/case':>11} "
    f"{'startup s':>9} {'tail s':>7} {'stub CPU s':>10}"
)


def row(r: Run) -> str:
    requests = f"{r.requests}" + ("" if r.requests == r.cases else "!")
    return (
        f"{r.cases:>6} {r.jobs:>3} {r.wall:>8.2f} {r.ideal:>8.2f} {r.ratio:>10.0%} "
        f"{r.steady:>12.0%} "
        f"{requests:>9} {r.avg_inflight:>5.1f}/{r.max_inflight:<4} {r.processes:>5} "
        f"{r.rss_mb:>11.1f} {r.pss_mb:>11.1f} {r.cpu:>7.2f} {1000 * r.cpu / r.cases:>11.1f} "
        f"{r.startup:>9.2f} {r.tail:>7.2f} {r.stub_cpu:>10.2f}"
    )


def verdicts(runs: list[Run], top_j: int) -> list[str]:
    """The two targets, judged on the runs made."""
    lines = []
    for r in runs:
        if r.jobs == top_j:
            verdict = "meets" if r.ratio >= TARGET_RATIO else "MISSES"
            lines.append(
                f"-j {top_j}, {r.cases} cases: {r.ratio:.0%} of ideal {verdict} the "
                f"{TARGET_RATIO:.0%} target ({r.steady:.0%} once started, after "
                f"{r.startup:.2f} s of start-up)"
            )
    at_top = sorted((r for r in runs if r.jobs == top_j), key=lambda r: r.cases)
    if len(at_top) >= 2:
        small, large = at_top[0], at_top[-1]
        for what, before, after in (
            ("peak RSS (largest process)", small.rss_mb, large.rss_mb),
            ("peak PSS (all processes)", small.pss_mb, large.pss_mb),
        ):
            if not before:
                continue
            growth = after / before - 1
            verdict = "flat" if growth <= FLAT_GROWTH else "NOT flat"
            lines.append(
                f"memory at -j {top_j}, {what}: {before:.1f} MB at {small.cases} cases, "
                f"{after:.1f} MB at {large.cases} cases ({growth:+.0%}): {verdict} "
                f"(allowed +{FLAT_GROWTH:.0%})"
            )
    bad = [r for r in runs if r.requests != r.cases or r.exit_code != 0]
    for r in bad:
        lines.append(
            f"WARNING {r.cases} cases -j {r.jobs}: stub saw {r.requests} requests, "
            f"exit code {r.exit_code}"
        )
    return lines


def parse_ints(text: str) -> list[int]:
    values = [int(v) for v in text.replace(" ", "").split(",") if v]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, e.g. 200,2000: {text!r}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=parse_ints, default=[200, 2000], help="e.g. 200,2000")
    parser.add_argument("--jobs", type=parse_ints, default=[1, 4, 16], help="e.g. 1,4,16")
    parser.add_argument("--quick", action="store_true", help="40 cases only: a smoke run")
    parser.add_argument("--cases", type=Path, default=SHARED_CASES, help="source case folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    sizes: list[int] = [40] if args.quick else sorted(set(args.sizes))
    jobs: list[int] = sorted(set(args.jobs))
    sources = sorted(args.cases.glob("*.yaml"))
    if not sources:
        parser.error(f"no *.yaml case files in {args.cases}")
    plan = [(n, j) for n in sizes for j in jobs if j > 1 or n <= MAX_J1_CASES]
    skipped = [(n, j) for n in sizes for j in jobs if (n, j) not in plan]
    budget = sum(n * DELAY / min(j, n) * 5 + 120 for n, j in plan) + 60

    tmp = Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    print(
        f"drafter batch benchmark: stub server sleeping {DELAY * 1000:.0f} ms per request "
        f"(a stub for timing only, not a model); {os.cpu_count()} cores; "
        f"Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}; temp {tmp}"
    )
    stub = Stub(DELAY, max_seconds=budget)
    runs: list[Run] = []
    try:
        print(f"stub on {stub.url}; generating cases from {len(sources)} shared case files")
        for n in sizes:
            generate(n, tmp / f"cases-{n}", sources)
        print()
        print(HEADER, flush=True)
        for n, j in plan:
            run = run_batch(stub, tmp / f"cases-{n}", n, j, tmp)
            runs.append(run)
            print(row(run), flush=True)
    finally:
        stub.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    for n, j in skipped:
        print(f"skipped -j {j} at {n} cases: {n} x {DELAY:g} s would take {n * DELAY:.0f} s alone")
    for r in runs:
        print(f"{r.cases} cases -j {r.jobs}: {r.outcome}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine skews)")
    print()
    for line in verdicts(runs, max(jobs)):
        print(line)
    if args.keep:
        print(f"kept {tmp}")


if __name__ == "__main__":
    main()
