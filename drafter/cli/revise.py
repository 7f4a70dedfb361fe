"""``drafter revise ID INSTRUCTION``: a logged draft revised by the model as the user asks.

Mounted lazily on the main group; the work is :mod:`drafter.revise`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from drafter.cli.options import model_flags, model_options, output_option, render_options
from drafter.output import Format


@click.command("revise")
@click.argument("entry_id", metavar="ID", type=int)
@click.argument("instruction", metavar="INSTRUCTION")
@output_option
@render_options
@model_options
def revise_command(
    entry_id: int,
    instruction: str,
    output: str | None,
    fmt: Format | None,
    force: bool,
    dry_run: bool,
    verbose: bool,
    no_log: bool,
    **opts: Any,
) -> None:
    """Revise draft ID (from `drafter log list`) as INSTRUCTION asks, with a model.

    The draft's logged conversation is continued with your instruction (a
    template draft gets its conversation built from the case kept in the log),
    and the revision is checked against the method like any model draft: one
    that breaks a rule is sent back once with the problems listed. Your
    instruction cannot switch the method off: if the revision still breaks a
    rule, it is refused with the reasons (exit 1), nothing is written, and draft
    ID is kept. A draft made with --redact is revised redacted. The revision is
    written like any draft and logged as a revision of ID: `drafter log show`
    lists the chain.

    \b
    Examples:
      drafter revise 12 "shorter, lead with the credit"
      drafter revise 12 "more formal" -o email.eml

    \b
    Exit codes:
      0  revised and written
      1  the revision was refused (it broke the method) or the model failed
      2  bad input: unknown ID, no model set up, an option
      130  interrupted (Ctrl-C)
    """
    from drafter import history, revise
    from drafter.errors import OutputError
    from drafter.output import output_format, write_atomic

    chosen = output_format(fmt, output)
    target = output or "-"
    entry = history.lookup(entry_id)
    choices = model_flags(opts)
    request = revise.request_for(entry, choices, dry_run=dry_run, log=not no_log, **opts)
    revised = revise.revision(entry, instruction, request)
    if dry_run:
        click.echo(revise.preview(revised), nl=False)
        return
    produced = revise.produce(request, entry, revised, chosen, target)
    for notice in produced.notices:
        click.echo(f"drafter: notice: {notice}", err=True)
    if verbose and produced.summary:
        click.echo(f"drafter: {produced.summary}", err=True)
    if target == "-":
        from drafter.cli.draft import write_stdout

        write_stdout(produced.data)
    else:
        try:
            write_atomic(Path(target), produced.data, force=force)
        except OutputError as exc:
            from drafter.cli.log import unwritten

            raise unwritten(exc, {entry.kind: produced.history_id}, request.log) from None
        logged = f" (draft {produced.history_id})" if produced.history_id is not None else ""
        click.echo(f"wrote {target}{logged}", err=True)
    produced.written(target)
