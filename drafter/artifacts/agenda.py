"""The clear-the-air meeting agenda, shared with the customer."""

from drafter.artifact import Artifact

ARTIFACT = Artifact(
    kind="agenda",
    order=2,
    title="clear-the-air meeting agenda",
    help="Draft the clear-the-air meeting agenda to share with the customer.",
    audience="customer",
    to_line=False,
    letter=False,
    signed=False,
    words=(0, 450),
    schema="drafter.schemas:AgendaDraft",
)
