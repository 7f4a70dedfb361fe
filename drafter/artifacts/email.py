"""The Take-the-Stick email to the customer."""

from drafter.artifact import Artifact

ARTIFACT = Artifact(
    kind="email",
    order=1,
    title="Take-the-Stick email",
    help="Draft the Take-the-Stick email to the customer.",
    audience="customer",
    to_line=True,
    letter=True,
    signed=True,
    words=(100, 350),
    schema="drafter.schemas:EmailDraft",
)
