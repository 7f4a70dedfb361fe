"""``drafter batch``: many cases at once, directly or through the OpenAI Batch API."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from drafter.artifacts import KINDS, Kind, artifact, kinds_for
from drafter.cli.options import (
    folder_option,
    jobs_option,
    model_flags,
    model_options,
    templates_option,
    tone_option,
)
from drafter.errors import EXIT_BAD_INPUT, EXIT_UNEXPECTED, InputError
from drafter.output import EXTENSIONS, FORMATS, Format

if TYPE_CHECKING:
    from drafter.batchreport import CaseResult
    from drafter.case import Tone
    from drafter.config import UserConfig
    from drafter.settings import LLMSettings


class _BatchGroup(click.Group):
    """``drafter batch CASES…`` drafts; ``drafter batch status|collect`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_BatchGroup)
def batch() -> None:
    """Draft many cases at once: `drafter batch CASES... -o DIR`.

    \b
    Examples:
      drafter batch cases/ -o drafts/            every *.yaml in cases/
      drafter batch 'q3/*.yaml' -o drafts/ -j 8 --kinds email
    \b
    Through the OpenAI Batch API (half the price; results within 24 hours):
      drafter batch cases/ -o drafts/ --via batch-api
      drafter batch status drafts/
      drafter batch collect drafts/
      drafter batch cancel drafts/      (changed your mind: stop it)
    \b
    Run `drafter batch run --help` for every option.
    """


@batch.command("run")
@click.argument("cases", metavar="CASES...", nargs=-1, required=True)
@folder_option("Folder for the drafts: one subfolder per case.")
@click.option(
    "--kinds",
    type=click.Choice(KINDS),
    multiple=True,
    help="Which drafts (repeat the option) [default: all three].",
)
@jobs_option(
    "Cases drafted at the same time. On Linux, big batches at -j 8 and above are spread "
    "over worker processes (one per 4 jobs, at most two per CPU)."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True
)
@tone_option
@templates_option
@click.option(
    "--via",
    type=click.Choice(["direct", "batch-api"]),
    default="direct",
    show_default=True,
    help="direct: draft now, -j at a time. batch-api: submit the first requests to the "
    "OpenAI Batch API and return; then `drafter batch status DIR` and `drafter batch "
    "collect DIR`.",
)
@model_options
def batch_run(
    cases: tuple[str, ...],
    folder: Path,
    kinds: tuple[Kind, ...],
    jobs: int,
    fmt: Format,
    tone: Tone | None,
    templates_dir: Path | None,
    via: str,
    dry_run: bool,
    verbose: bool,
    no_log: bool,
    **opts: Any,
) -> None:
    """Draft every case in CASES (files, globs or folders) into DIR.

    Cases run -j at a time; a case that is invalid or fails never stops the others.
    A summary table says, per case, whether the drafts came from the model, were
    repaired, fell back to the template, or failed, and why. Rerunning the same
    command resumes: drafts already made for the same case content and settings
    are skipped, so an interrupted batch loses nothing and redoes nothing.

    With --via batch-api the first request of every draft goes to the OpenAI Batch
    API instead (half the price, done within 24 hours): the command uploads them,
    starts the batch, records it in DIR/.drafter-batch.json and prints its id.
    `drafter batch collect DIR` later checks, repairs or replaces each reply exactly
    as a direct run does.

    \b
    Exit codes: 0 all drafted; 1 some case failed; 2 some case file is invalid;
    130 interrupted (Ctrl-C): finished drafts are kept, rerun to resume.
    """
    from drafter import batch as batching
    from drafter import batchworkers, pipeline
    from drafter.batchfiles import find_cases, folders_for, kept, reply_file
    from drafter.casefile import decode, read_bytes
    from drafter.config import UserConfig
    from drafter.reply import read_original
    from drafter.settings import choose, resolve

    if dry_run:
        raise click.UsageError("--dry-run works on one case: `drafter email CASE --dry-run`.")
    paths = find_cases(cases)
    config = UserConfig.locate()
    wanted = resolve(config, model_flags(opts))
    llm, notice = choose(wanted, config)
    if via == "batch-api":
        _submit(paths, folder, kinds or KINDS, fmt, llm, config, tone, templates_dir, wanted.redact)
        return
    if notice:
        click.echo(f"drafter: {notice}", err=True)
    settings = pipeline.fingerprint(config, llm, fmt, tone, templates_dir, wanted.redact)
    client = None
    if llm is not None:  # one client, one connection pool, shared by every worker thread
        from drafter.llm.openai_api import make_client

        client = make_client(llm)

    def build_request(source: Path, case_bytes: bytes) -> pipeline.Request:
        reply = reply_file(source)
        return pipeline.Request.of(
            config,
            pipeline.load_case(str(source), config, text=decode(str(source), case_bytes)),
            str(source),
            tone=tone,
            templates_dir=templates_dir,
            llm=llm,
            log=not no_log,
            redact=wanted.redact,
            reply=read_original(str(reply)) if reply else None,
        )

    request_for = batching.per_case(build_request)

    def produce(source: Path, kind: Kind, case_bytes: bytes) -> pipeline.Produced | None:
        request = request_for(source, case_bytes)
        if not artifact(kind).drafts_from(request.case):
            return None
        target = str(folders[source] / f"{kind}{EXTENSIONS[fmt]}")
        produced = pipeline.produce(request, kind, fmt, target, client=client)
        if verbose and produced.summary:
            click.echo(f"drafter: {source.name}: {produced.summary}", err=True)
        return produced

    folders = folders_for(paths, folder)
    processes = batchworkers.worker_processes(jobs, len(paths))
    if processes > 1:  # fill the caches every draft uses once, before the workers fork
        with contextlib.suppress(InputError):  # an invalid first case is reported below
            first = build_request(paths[0], read_bytes(str(paths[0]))[1])
            pipeline.warm(first, kinds_for(first.case, kinds or KINDS))
    with click.progressbar(
        length=len(paths), label="drafting", file=sys.stderr, show_pos=True
    ) as bar:
        try:
            results = batching.run(
                paths,
                folder,
                kinds or KINDS,
                fmt,
                settings,
                produce,
                jobs=jobs,
                progress=lambda _: bar.update(1),
                folders=folders,
                processes=processes,
            )
        except KeyboardInterrupt:
            _interrupted(kept(folders.values()))
    _finish(results)


def _finish(results: Sequence[CaseResult]) -> None:
    """Print the summary table; exit 2 if a case file is invalid, 1 if a case failed."""
    from drafter.batchreport import summary_table

    click.echo(summary_table(results))
    if any(r.status == "invalid" for r in results):
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(EXIT_UNEXPECTED)


def _interrupted(kept: int) -> None:
    """Stop a batch after Ctrl-C: one line, exit 130; a second Ctrl-C is ignored."""
    import signal

    with contextlib.suppress(ValueError):  # not the main thread: nothing to ignore
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    click.echo(
        f"\ndrafter: interrupted; {kept} finished draft{'s are' if kept != 1 else ' is'} kept; "
        "rerun the same command to resume.",
        err=True,
    )
    raise click.exceptions.Exit(130)


def _submit(
    paths: list[Path],
    folder: Path,
    kinds: tuple[Kind, ...],
    fmt: Format,
    llm: LLMSettings | None,
    config: UserConfig,
    tone: Tone | None,
    templates_dir: Path | None,
    redact: bool,
) -> None:
    """``drafter batch CASES -o DIR --via batch-api``."""
    from drafter import batchapi
    from drafter.batchfiles import locked
    from drafter.batchreport import summary_table

    if llm is None:
        raise InputError(
            "--via batch-api drafts with a model: set OPENAI_API_KEY (or the [llm] api_key "
            "in the config), and do not pass --mode templates."
        )
    with locked(folder):
        submission = batchapi.submit(
            paths,
            folder,
            kinds,
            fmt,
            llm,
            config=config,
            tone=tone,
            templates_dir=templates_dir,
            redact=redact,
        )
    if submission.invalid:
        click.echo(summary_table(submission.invalid))
        click.echo("")
    if submission.batch_id is None:
        click.echo("drafter: nothing to submit: no valid case.", err=True)
    else:
        n = submission.requests
        cases = sum(1 for c in submission.state.cases if c.requests)
        click.echo(
            f"submitted batch {submission.batch_id}: {n} request{'s' if n != 1 else ''} for "
            f"{cases} case{'s' if cases != 1 else ''} to {llm.model} at {llm.url} "
            f"(recorded in {folder / batchapi.STATE})"
        )
        click.echo(f"next: {batchapi.next_command('status', folder)}")
    if submission.invalid:
        raise click.exceptions.Exit(EXIT_BAD_INPUT)


_BATCH_DIR = click.argument(
    "folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path)
)


@batch.command("status")
@_BATCH_DIR
def batch_status(folder: Path) -> None:
    """Show how far the Batch API run recorded in DIR has got.

    \b
    Example:
      drafter batch status drafts/
    """
    from drafter import batchapi
    from drafter.config import UserConfig

    _, current = batchapi.status(folder, config=UserConfig.locate())
    click.echo(f"batch {current.id}: {current.status}")
    click.echo(batchapi.counts(current))
    if current.status in batchapi.COLLECTABLE:
        click.echo(f"next: {batchapi.next_command('collect', folder)}")
    elif current.status == "failed":
        click.echo(batchapi.describe(current))


@batch.command("cancel")
@_BATCH_DIR
def batch_cancel(folder: Path) -> None:
    """Stop the Batch API run recorded in DIR.

    Requests that already finished are kept (and billed). The batch goes through
    `cancelling` to `cancelled`, which can take a few minutes; then `drafter batch
    collect DIR` writes their drafts and falls back to the template for the rest.

    \b
    Example:
      drafter batch cancel drafts/
    """
    from drafter import batchapi
    from drafter.config import UserConfig

    current = batchapi.cancel(folder, config=UserConfig.locate())
    click.echo(f"batch {current.id}: {current.status}")
    click.echo(batchapi.counts(current))
    click.echo(
        f"next: {batchapi.next_command('status', folder)} until it is cancelled, then "
        f"{batchapi.next_command('collect', folder)}"
    )


@batch.command("collect")
@_BATCH_DIR
@jobs_option("Cases checked (and repaired through the chat API) at the same time.")
@click.option(
    "--no-log", is_flag=True, help="Keep these drafts out of the history log (`drafter log`)."
)
def batch_collect(folder: Path, jobs: int, no_log: bool) -> None:
    """Fetch a finished Batch API run's replies and write the drafts into DIR.

    Every reply is checked against the method, repaired or replaced by the template
    exactly as `drafter batch` does; failed or missing replies fall back to the
    template with the reason. Collecting again redoes nothing.

    \b
    Exit codes: 0 all drafted; 1 the batch is not done, or some case failed;
    2 some case file was invalid at submission.
    """
    from drafter import batchapi
    from drafter.config import UserConfig

    config = UserConfig.locate()
    state = batchapi.fetch(folder, config=config)  # not done yet: says so, before any bar
    total = len(state.submitted)
    with click.progressbar(length=total, label="collecting", file=sys.stderr, show_pos=True) as bar:
        results = batchapi.collect(
            folder,
            config=config,
            jobs=jobs,
            log=not no_log,
            progress=lambda _: bar.update(1),
            state=state,
        )
    _finish(results)
