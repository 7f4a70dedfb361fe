"""Draft many cases at once: bounded concurrency, resumable, one failure never stops the rest.

Each case gets a folder ``OUT/<case name>/`` holding its drafts and a small manifest
(``.drafter.json``) that records, per artifact, a key hashing the case file's bytes and
every setting that shapes the draft. A rerun skips an artifact whose key matches and whose
file exists, so a batch stopped by Ctrl-C or a crash resumes without redoing paid work.
The manifest entry is written before the draft file: a crash between the two leaves a
missing file, which the rerun drafts again; drafts are written atomically, never half.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drafter import __version__
from drafter.drafts import Kind
from drafter.errors import DrafterError, InputError
from drafter.output import EXTENSIONS, Format, write_atomic

MANIFEST = ".drafter.json"
CASE_SUFFIXES = (".yaml", ".yml")

Status = Literal["model", "repaired", "template", "skipped", "invalid", "failed"]
STATUS_LABELS: dict[Status, str] = {
    "model": "drafted by model",
    "repaired": "repaired",
    "template": "template",
    "skipped": "already done",
    "invalid": "invalid case",
    "failed": "failed",
}
_RANK: dict[Status, int] = {s: i for i, s in enumerate(STATUS_LABELS)}


@dataclass
class CaseResult:
    """What happened to one case: its worst artifact status and the reasons."""

    source: Path
    folder: Path
    statuses: dict[Kind, Status] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    invalid: bool = False

    @property
    def status(self) -> Status:
        """The case's overall status: the least happy of its artifacts."""
        if self.invalid:
            return "invalid"
        if not self.statuses:
            return "failed"
        return max(self.statuses.values(), key=_RANK.__getitem__)

    @property
    def ok(self) -> bool:
        return self.status not in ("invalid", "failed")


Produce = Callable[[Path, Kind], tuple[bytes, Status, Sequence[str]]]
"""Draft one artifact of one case file: (output bytes, status, reasons)."""


def find_cases(specs: Iterable[str]) -> list[Path]:
    """Case files named by paths, globs or folders (``*.yaml``/``*.yml`` inside), in order."""
    found: dict[Path, None] = {}
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES)
        elif path.exists():
            matches = [path]
        else:
            matches = sorted(Path(p) for p in glob.glob(spec, recursive=True))
            if not matches:
                raise InputError(f"{spec}: no such file, and no case files match it.")
        found.update(dict.fromkeys(m for m in matches if m.is_file()))
    if not found:
        raise InputError("no case files found in " + ", ".join(specs) + ".")
    return list(found)


def folders_for(cases: Sequence[Path], out: Path) -> dict[Path, Path]:
    """One output folder per case, named after the file; clashing names get the parent's."""
    stems: dict[str, int] = {}
    for case in cases:
        stems[case.stem] = stems.get(case.stem, 0) + 1
    return {
        case: out / (case.stem if stems[case.stem] == 1 else f"{case.parent.name}-{case.stem}")
        for case in cases
    }


def job_key(case_bytes: bytes, kind: Kind, settings: dict[str, Any]) -> str:
    """A hash of everything that shapes one draft: the case, the artifact, the settings."""
    digest = hashlib.sha256(case_bytes)
    digest.update(
        json.dumps({"kind": kind, "version": __version__, **settings}, sort_keys=True).encode()
    )
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def draft_case(
    source: Path,
    folder: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: dict[str, Any],
    produce: Produce,
    case_bytes: bytes | None = None,
) -> CaseResult:
    """Draft every artifact of one case that is not already done; never raises.

    ``case_bytes``: the case file's content as read earlier (the Batch API drafts against
    what it submitted); by default the file is read now.
    """
    result = CaseResult(source=source, folder=folder)
    if case_bytes is None:
        try:
            case_bytes = source.read_bytes()
        except OSError as exc:
            result.invalid = True
            result.reasons.append(f"cannot be read ({exc.strerror or exc})")
            return result
    manifest = _read_manifest(folder)
    for kind in kinds:
        key = job_key(case_bytes, kind, settings)
        target = folder / f"{kind}{EXTENSIONS[fmt]}"
        if manifest.get(kind) == key and target.exists():
            result.statuses[kind] = "skipped"
            continue
        try:
            data, status, reasons = produce(source, kind)
            manifest[kind] = key
            write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2).encode(), force=True)
            write_atomic(target, data, force=True)
        except InputError as exc:
            result.invalid = True
            result.reasons.append(str(exc))
            return result
        except DrafterError as exc:
            result.statuses[kind] = "failed"
            result.reasons.append(f"{kind}: {exc}")
            continue
        except Exception as exc:  # one case's bug must not stop the batch
            result.statuses[kind] = "failed"
            result.reasons.append(f"{kind}: unexpected {type(exc).__name__}: {exc}")
            continue
        result.statuses[kind] = status
        result.reasons.extend(f"{kind}: {r}" for r in reasons)
    return result


def run(
    cases: Sequence[Path],
    out: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: dict[str, Any],
    produce: Produce,
    jobs: int = 4,
    progress: Callable[[CaseResult], None] | None = None,
    folders: Mapping[Path, Path] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> list[CaseResult]:
    """Draft all ``cases`` with at most ``jobs`` at a time; results in input order.

    ``folders`` overrides :func:`folders_for`; ``contents`` gives case files' bytes as read
    earlier (see :func:`draft_case`).
    """
    folders = folders or folders_for(cases, out)
    contents = contents or {}
    results: dict[Path, CaseResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="drafter")
    try:
        futures = {
            pool.submit(
                draft_case,
                case,
                folders[case],
                kinds,
                fmt,
                settings,
                produce,
                contents.get(case),
            ): case
            for case in cases
        }
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if progress:
                progress(result)
    finally:
        # On Ctrl-C: drop queued cases, let running ones finish their atomic writes.
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[c] for c in cases if c in results]


def summary_table(results: Sequence[CaseResult], width: int | None = None) -> str:
    """A plain table: case, outcome, reasons; then the counts."""
    width = width or int(os.environ.get("COLUMNS", "100"))
    name_w = min(max((len(r.source.name) for r in results), default=4), 40)
    lines = [f"{'case':<{name_w}}  {'outcome':<16}  reasons"]
    for r in results:
        reason = " ".join("; ".join(r.reasons).split()) or "-"
        room = max(20, width - name_w - 20)
        if len(reason) > room:
            reason = reason[: room - 1] + "…"
        lines.append(f"{r.source.name[:name_w]:<{name_w}}  {STATUS_LABELS[r.status]:<16}  {reason}")
    counts: dict[str, int] = {}
    for r in results:
        counts[STATUS_LABELS[r.status]] = counts.get(STATUS_LABELS[r.status], 0) + 1
    lines.append("")
    lines.append(
        ", ".join(f"{n} {label}" for label, n in counts.items()) + f" ({len(results)} cases)"
    )
    return "\n".join(lines)
