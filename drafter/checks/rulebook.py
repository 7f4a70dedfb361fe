"""The rulebook: every rule declared once, by the :func:`rule` decorator, with its id, its
reason and the artifacts it applies to. Reports list rules in the order they are declared."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from drafter.artifact import Artifact, Kind
from drafter.artifacts import artifact
from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.text import clip

Check = Callable[[Doc], list[Violation]]
"""A rule's check: the violations it finds in a draft."""
Applies = Callable[[Artifact], bool]
"""Which artifacts a rule applies to."""


@dataclass(frozen=True)
class Rule:
    """One rule of the method: its id, why it matters, where it applies, and its check."""

    rule_id: str
    reason: str
    applies: Applies
    check: Check


RULEBOOK: dict[str, Rule] = {}
"""Every rule by id, in declaration order (the report order); filled by :func:`rule`."""


def every(_: Artifact) -> bool:
    """Applies to every artifact."""
    return True


def to_customer(found: Artifact) -> bool:
    """Applies to the artifacts the customer reads."""
    return found.audience == "customer"


def letters(found: Artifact) -> bool:
    """Applies to letters: greeted by name, closed with one ask."""
    return found.letter


def signed(found: Artifact) -> bool:
    """Applies to the artifacts the sender signs."""
    return found.signed


def only(kind: Kind) -> Applies:
    """Applies to the artifact named ``kind`` alone."""
    return lambda found: found.kind == kind


def rule(rule_id: str, reason: str, applies: Applies = every) -> Callable[[Check], Check]:
    """Declare a check as rule ``rule_id``: why it matters (one sentence citing the method),
    and the artifacts it applies to."""

    def register(check: Check) -> Check:
        if rule_id in RULEBOOK:
            raise ValueError(f"rule {rule_id} is declared twice")
        RULEBOOK[rule_id] = Rule(rule_id, reason, applies, check)
        return check

    return register


def rules_for(kind: Kind) -> tuple[Rule, ...]:
    """The rules run on ``kind``, in report order."""
    found = artifact(kind)
    return tuple(r for r in RULEBOOK.values() if r.applies(found))


def violation(rule_id: str, text: str = "") -> Violation:
    """Rule ``rule_id`` broken, by ``text`` ("" when something is missing)."""
    return Violation(rule_id, RULEBOOK[rule_id].reason, clip(text))


def phrases(rule_id: str, matches: Iterable[re.Match[str]]) -> list[Violation]:
    """One violation per distinct offending phrase, in order of appearance."""
    seen: dict[str, Violation] = {}
    for m in sorted(matches, key=lambda m: m.start()):
        seen.setdefault(m[0].lower(), violation(rule_id, m[0]))
    return list(seen.values())
