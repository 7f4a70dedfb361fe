"""The recovery method (METHOD.md) as code: rules a draft must pass.

Every rule has a stable kebab-case id and a one-sentence reason (``RULES``). The checks
work on free text as well as on rendered drafts: a first line may be ``Subject: …`` or not,
``To:``/``From:`` lines are skipped, and wrapped paragraphs are joined before phrases are
matched. Text copied verbatim from the case is never flagged as an excuse, a sales pitch,
an invented fact or a placeholder: the case is the source of truth.

Each rule is declared once, in :mod:`drafter.checks.rules`, with the artifacts it applies
to; an artifact's limits (its length in words, whether it is signed) come from
:mod:`drafter.artifacts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from drafter.artifacts import KINDS
from drafter.case import Case
from drafter.checks.document import prepare, split_headers
from drafter.checks.report import Report, Violation, format_report
from drafter.checks.rules import RULEBOOK, rules_for
from drafter.drafts import Draft, Kind

__all__ = [
    "KIND_RULES",
    "RULES",
    "Report",
    "Violation",
    "check_draft",
    "check_text",
    "format_report",
]

RULES: Mapping[str, str] = MappingProxyType({r.rule_id: r.reason for r in RULEBOOK.values()})
"""Every rule: id → why it matters, citing the method."""

KIND_RULES: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {kind: tuple(r.rule_id for r in rules_for(kind)) for kind in KINDS}
)
"""The rules run for each kind of draft, in report order."""


def _run(kind: Kind, subject: str, body: str, case: Case) -> Report:
    doc = prepare(kind, subject, body, case)
    rules = rules_for(kind)
    violations = tuple(v for r in rules for v in r.check(doc))
    return Report(kind=kind, violations=violations, rules_run=tuple(r.rule_id for r in rules))


def check_text(kind: Kind, text: str, case: Case) -> Report:
    """Check any draft text (subject line included if it has one) against the method."""
    subject, body = split_headers(text)
    return _run(kind, subject, body, case)


def check_draft(draft: Draft, case: Case) -> Report:
    """Check a rendered draft: its subject and body together."""
    return _run(draft.kind, draft.subject, draft.body, case)
