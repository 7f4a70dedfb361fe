"""Every rule, declared in these modules; importing them in this order fills the rulebook
in report order."""

from drafter.checks.rules import opening  # noqa: F401, I001  (the order is the report order)
from drafter.checks.rules import coverage  # noqa: F401
from drafter.checks.rules import agenda  # noqa: F401
from drafter.checks.rules import escalation  # noqa: F401
from drafter.checks.rules import honesty  # noqa: F401
from drafter.checks.rules import grounding  # noqa: F401
from drafter.checks.rules import form  # noqa: F401
from drafter.checks.rules import followup  # noqa: F401
from drafter.checks.rulebook import RULEBOOK, rules_for

__all__ = ["RULEBOOK", "rules_for"]
