"""The follow-up email to the customer, after the clear-the-air meeting."""

from drafter.artifact import Artifact

ARTIFACT = Artifact(
    kind="followup",
    order=4,
    title="follow-up email",
    help="Draft the follow-up email to the customer after the meeting (needs `after_meeting`).",
    audience="customer",
    to_line=True,
    letter=True,
    signed=True,
    words=(60, 300),
    schema="drafter.schemas:FollowupDraft",
    requires="after_meeting",
)
