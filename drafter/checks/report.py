"""The result of checking one draft: its violations, score, JSON summary and text."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from drafter.artifact import Kind


@dataclass(frozen=True)
class Violation:
    """One broken rule: its id, why it matters, and the offending text ("" if missing)."""

    rule: str
    reason: str
    text: str = ""


@dataclass(frozen=True)
class Report:
    """The result of checking one draft."""

    kind: Kind
    violations: tuple[Violation, ...]
    rules_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the rules broken, in report order."""
        broken = {v.rule for v in self.violations}
        return tuple(rule for rule in self.rules_run if rule in broken)

    @property
    def score(self) -> float:
        """Share of rules passed, 0.0 to 1.0."""
        return 1.0 - len(self.failed) / len(self.rules_run) if self.rules_run else 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary, for ``drafter check --json``."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "score": round(self.score, 3),
            "rules_run": list(self.rules_run),
            "failed": list(self.failed),
            "violations": [asdict(v) for v in self.violations],
        }


def format_report(report: Report) -> str:
    """The report as text for a terminal: a summary line, then each broken rule once,
    with its reason and every offending passage."""
    passed = len(report.rules_run) - len(report.failed)
    head = f"{report.kind}: {passed}/{len(report.rules_run)} rules passed"
    if report.ok:
        return f"{head}."
    lines = [f"{head} (score {report.score:.2f})."]
    for rule in report.failed:
        reason = next(v.reason for v in report.violations if v.rule == rule)
        lines.append(f"- {rule}: {reason}")
        lines.extend(f"    {v.text}" for v in report.violations if v.rule == rule and v.text)
    return "\n".join(lines)
