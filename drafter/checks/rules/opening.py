"""How a draft opens: the email greets the customer by name (the agenda's purpose is in
:mod:`drafter.checks.rules.agenda`)."""

from __future__ import annotations

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import letters, rule, violation
from drafter.checks.text import name_in, nonblank_lines

GREETING_LINES = 3


@rule(
    "greeting",
    "The email greets the customer by name near the top, or by the case's salutation "
    "(METHOD, the artifacts: greeting by name).",
    applies=letters,
)
def _greeting(doc: Doc) -> list[Violation]:
    top = " ".join(nonblank_lines(doc.body)[:GREETING_LINES])
    customer = doc.case.customer
    if any(name_in(top, name) for name in (customer.name, customer.salutation) if name):
        return []
    return [violation("greeting", nonblank_lines(doc.body)[0] if top else "")]
