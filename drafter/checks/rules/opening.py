"""How a draft opens: the email greets the customer by name, the agenda states its purpose."""

from __future__ import annotations

import re

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import letters, only, rule, violation
from drafter.checks.text import (
    WINDOW_CHARS,
    name_in,
    nonblank_lines,
)

GREETING_LINES = 3


_PURPOSE = re.compile(
    r"(?<!\w)(?:purpose|goal|objective|aim|why we(?:'re| are) meeting)\b", re.IGNORECASE
)


_MAKE_RIGHT = re.compile(
    r"(?<!\w)(?:(?:make|making|put|putting|set|setting) (?:it|this|that|things) right|make amends"
    r"|repair\w*|rebuild\w*|restor\w*|fix(?:ing)? (?:this|it|what)|not (?:to|here to|about) "
    r"(?:sell|selling|pitch)|not (?:a )?sales|no (?:selling|sales|pitch)|not selling)\b",
    re.IGNORECASE,
)


@rule(
    "greeting",
    "The email greets the customer by name near the top (METHOD, the artifacts: greeting by name).",
    applies=letters,
)
def _greeting(doc: Doc) -> list[Violation]:
    top = nonblank_lines(doc.body)[:GREETING_LINES]
    if name_in(" ".join(top), doc.case.customer.name):
        return []
    return [violation("greeting", top[0] if top else "")]


@rule(
    "agenda-purpose",
    "The agenda states its purpose: to make it right, not to sell (METHOD, the agenda; "
    "principle 1).",
    applies=only("agenda"),
)
def _agenda_purpose(doc: Doc) -> list[Violation]:
    for m in _PURPOSE.finditer(doc.flow):
        if _MAKE_RIGHT.search(doc.flow, m.start(), m.start() + WINDOW_CHARS):
            return []
    return [violation("agenda-purpose")]
