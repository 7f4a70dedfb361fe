"""``drafter check``: the method's rules run on any draft, as a coach."""

from __future__ import annotations

import click

from drafter.artifacts import KINDS, Kind
from drafter.errors import EXIT_UNEXPECTED


@click.command()
@click.argument("draft_path", metavar="DRAFT")
@click.option(
    "--case", "case_path", required=True, metavar="CASE", help="The case the draft is for."
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="What DRAFT is (default: from its file name, e.g. agenda.md, else email).",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="Report format.",
)
def check(draft_path: str, case_path: str, kind: Kind | None, fmt: str) -> None:
    """Check a draft against the recovery method: the coach for what you write yourself.

    DRAFT is a text, Markdown or .eml file (or - for standard input), written by hand,
    by drafter or by anyone else. Every broken rule is printed with the reason it
    matters and the offending text, then a score. Exits 1 if any rule fails.

    \b
    Examples:
      drafter check my-email.txt --case case.yaml
      drafter check agenda.md --case case.yaml --format json
    """
    import json

    from drafter import pipeline
    from drafter.checks import check_text, format_report

    case = pipeline.load_case(case_path)
    kind = kind or pipeline.kind_for(draft_path)
    report = check_text(kind, pipeline.read_draft(draft_path), case)
    if fmt == "json":
        click.echo(json.dumps({"draft": draft_path, **report.to_dict()}, indent=2))
    else:
        click.echo(f"{draft_path}: {format_report(report)}")
    if not report.ok:
        raise click.exceptions.Exit(EXIT_UNEXPECTED)
