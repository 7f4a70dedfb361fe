"""What happened to each case of a batch, and the summary table that says so."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from drafter.drafts import Kind

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


def summary_table(results: Sequence[CaseResult], width: int | None = None) -> str:
    """A plain table: case, outcome, reasons; then the counts."""
    width = width or int(os.environ.get("COLUMNS", "100"))
    names = [_printable(r.source.name) for r in results]
    name_w = min(max(map(len, names), default=4), 40)
    lines = [f"{'case':<{name_w}}  {'outcome':<16}  reasons"]
    for r, name in zip(results, names, strict=True):
        reason = _printable(" ".join("; ".join(r.reasons).split())) or "-"
        room = max(20, width - name_w - 20)
        if len(reason) > room:
            reason = reason[: room - 1] + "…"
        lines.append(f"{name[:name_w]:<{name_w}}  {STATUS_LABELS[r.status]:<16}  {reason}")
    counts: dict[str, int] = {}
    for r in results:
        counts[STATUS_LABELS[r.status]] = counts.get(STATUS_LABELS[r.status], 0) + 1
    lines.append("")
    lines.append(
        ", ".join(f"{n} {label}" for label, n in counts.items()) + f" ({len(results)} cases)"
    )
    return "\n".join(lines)


def _printable(text: str) -> str:
    """``text`` with control characters shown as ``?``: a file name never drives the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)
