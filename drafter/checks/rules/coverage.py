"""What a draft must cover: every failure in the case, and every real change (a follow-up
after the meeting reports what was agreed instead)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import rule, to_customer, violation
from drafter.checks.text import covered, mentioned, stems_of


def follow_up(doc: Doc) -> bool:
    """Is this email the follow-up after the meeting: the case records the meeting, and the
    draft reports every step agreed in it? It needs no new ask and no list of changes."""
    if doc.artifact.requires == "after_meeting":
        return True
    after = doc.case.after_meeting
    return (
        doc.kind == "email"
        and after is not None
        and bool(after.agreed)
        and all(mentioned([a.step], doc.stems) for a in after.agreed)
    )


@rule(
    "failures-named",
    "Every failure in the case is stated plainly, in the customer's terms (METHOD "
    "principle 2, take the stick).",
)
def _failures_named(doc: Doc) -> list[Violation]:
    if doc.artifact.requires == "after_meeting":
        return []  # the follow-up reports what was heard and agreed, not the failures again
    remedies = doc.facts.changes | doc.facts.gifts
    return [
        violation("failures-named", f.issue)
        for f in doc.case.what_went_wrong
        if not _named([f.issue, f"{f.issue} {f.impact or ''}"], remedies, doc.stems)
    ]


def _named(phrasings: list[str], remedies: frozenset[str], stems: Sequence[str]) -> bool:
    """Is a failure named, paraphrase allowed? Naming the change that fixed it ('your own
    proof approval is now on file') does not name the failure ('we said the proofs were
    approved when they were never sent'): one of the failure's own words must be there."""
    for phrasing in phrasings:
        keys = frozenset(stems_of(phrasing))
        if covered(keys, stems, keys - remedies):
            return True
    return False


_VAGUE = re.compile(
    r"(?<!\w)(?:look(?:ing)? into (?:it|this|that|the (?:matter|issue|problem)s?)"
    r"|work(?:ing)? on (?:it|this|that|a fix|a solution|the (?:issue|problem)s?)"
    r"|investigating|taking (?:steps|measures|action)|(?:steps|measures) (?:are being|have been) "
    r"taken|(?:put|putting) (?:measures|processes|steps) in place|doing (?:everything|all) we can"
    r"|review(?:ing)? (?:our|the) process(?:es)?|(?:we will|we'll) do better"
    r"|lessons (?:have been )?learned|(?:we|I)(?:'ve| have) (?:now )?(?:changed|introduced"
    r"|implemented|put in place))\b",
    re.IGNORECASE,
)


@rule(
    "changes-named",
    "Every real change in the case is named, and nothing vague such as 'we are looking "
    "into it' stands in for one (METHOD principle 5, what changed).",
    applies=to_customer,
)
def _changes_named(doc: Doc) -> list[Violation]:
    if doc.case.what_changed and not follow_up(doc):
        return [
            violation("changes-named", c.change)
            for c in doc.case.what_changed
            if not mentioned([c.change], doc.stems)
        ]
    spans = [doc.sentence(m.start()) for m in _VAGUE.finditer(doc.flow) if not doc.copied(m)]
    said = {span: violation("changes-named", doc.sentence_text(span[0])) for span in set(spans)}
    return [said[span] for span in spans]
