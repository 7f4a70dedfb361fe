"""The drafting commands: one per artifact (``email``, ``agenda``, …) and ``all``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drafter.artifacts import KINDS, Kind, artifact, kinds_for
from drafter.cli.options import (
    EXIT_CODES,
    MODEL_HELP,
    case_argument,
    folder_option,
    model_flags,
    model_options,
    output_option,
    render_options,
    reply_to_option,
)
from drafter.output import EXTENSIONS, Format

if TYPE_CHECKING:
    from drafter.pipeline import Produced, Request


def _request(
    case: str, dry_run: bool, no_log: bool, opts: dict[str, Any], kind: Kind | None = None
) -> Request:
    """The request for ``case`` from a drafting command's options; its mode notice said.
    With ``kind``, a case without what that artifact is drafted from is an input error."""
    from drafter import pipeline
    from drafter.errors import InputError

    request = pipeline.Request.build(
        case, choices=model_flags(opts), dry_run=dry_run, log=not no_log, **opts
    )
    if kind is not None and not artifact(kind).drafts_from(request.case):
        raise InputError(artifact(kind).lacking(request.case_path))
    if request.mode_notice and not dry_run:
        click.echo(f"drafter: {request.mode_notice}", err=True)
    return request


def _report(produced: Produced, verbose: bool) -> None:
    for notice in produced.notices:
        click.echo(f"drafter: notice: {notice}", err=True)
    if verbose and produced.summary:
        click.echo(f"drafter: {produced.summary}", err=True)


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output as bytes, now."""
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _draft_command(kind: Kind) -> click.Command:
    @click.command(
        kind,
        help=f"""{artifact(kind).help}

CASE is a YAML case file, or - to read it from standard input.

\b
Examples:
  drafter {kind} case.yaml
  drafter {kind} case.yaml --tone direct --format markdown
  drafter {kind} case.yaml -o {kind}.eml
  cat case.yaml | drafter {kind} -

{MODEL_HELP}

{EXIT_CODES}""",
    )
    @case_argument
    @output_option
    @render_options
    @model_options
    def command(
        case: str,
        output: str | None,
        fmt: Format | None,
        force: bool,
        dry_run: bool,
        verbose: bool,
        no_log: bool,
        **opts: Any,
    ) -> None:
        from drafter import pipeline
        from drafter.errors import OutputError
        from drafter.output import output_format, write_atomic

        chosen = output_format(fmt, output)
        target = output or "-"
        request = _request(case, dry_run, no_log, opts, kind)
        if dry_run:
            click.echo(pipeline.dry_run(request, kind))
            return
        produced = pipeline.produce(request, kind, chosen, target)
        _report(produced, verbose)
        if target == "-":
            write_stdout(produced.data)
        else:
            try:
                write_atomic(Path(target), produced.data, force=force)
            except OutputError as exc:
                from drafter.cli.log import unwritten

                raise unwritten(exc, {kind: produced.history_id}, request.log) from None
            click.echo(f"wrote {target}", err=True)
        produced.written(target)

    if artifact(kind).replies:
        command.params.append(reply_to_option())
    return command


@click.command("all")
@case_argument
@folder_option("Folder to write every draft the case has material for into (created if missing).")
@render_options
@model_options
def all_command(
    case: str,
    folder: Path,
    fmt: Format | None,
    force: bool,
    dry_run: bool,
    verbose: bool,
    no_log: bool,
    **opts: Any,
) -> None:
    """Write every draft for CASE into a folder.

    Files are named email.txt, agenda.txt, escalation.txt and, when the case has
    `after_meeting`, followup.txt (the extension follows --format). If any of them
    exists, nothing is written unless you pass --force. With --dry-run, the requests
    are printed and nothing is written or sent.

    \b
    Example:
      drafter all case.yaml -o drafts/ --format eml
    """
    from drafter import pipeline
    from drafter.output import WriteError, write_files

    chosen: Format = fmt or "text"
    request = _request(case, dry_run, no_log, opts)
    kinds = kinds_for(request.case)
    if dry_run:
        click.echo("\n\n".join(pipeline.dry_run(request, kind) for kind in kinds))
        return
    drafts = []
    for kind in kinds:
        path = folder / f"{kind}{EXTENSIONS[chosen]}"
        produced = pipeline.produce(request, kind, chosen, str(path))
        _report(produced, verbose)
        drafts.append((path, produced))
    try:
        write_files([(path, produced.data) for path, produced in drafts], force=force)
    except WriteError as exc:
        from drafter.cli.log import unwritten

        for path, produced in drafts:
            if path in exc.placed:
                produced.written(str(path))
        ids = {path.stem: produced.history_id for path, produced in drafts}
        raise unwritten(exc, ids, request.log) from None
    for path, produced in drafts:
        produced.written(str(path))
        click.echo(f"wrote {path}", err=True)


COMMANDS: tuple[click.Command, ...] = (*(_draft_command(kind) for kind in KINDS), all_command)
"""Every drafting command, for the main group."""
