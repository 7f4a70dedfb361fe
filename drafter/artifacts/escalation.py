"""The internal escalation note to senior management."""

from drafter.artifact import Artifact

ARTIFACT = Artifact(
    kind="escalation",
    order=3,
    title="escalation note",
    help="Draft the internal escalation note to senior management.",
    audience="management",
    to_line=True,
    letter=False,
    signed=True,
    words=(0, 450),
    schema="drafter.schemas:EscalationDraft",
)
