"""The ``drafter`` command line: thin click commands over case → render → checks → output."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from drafter import __version__
from drafter.cli_log import log
from drafter.drafts import KINDS, Kind
from drafter.errors import EXIT_BAD_INPUT, EXIT_UNEXPECTED, DrafterError, InputError
from drafter.output import EXTENSIONS, FORMATS, Format
from drafter.resources import example_summary, examples

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERRUPTED = 130
EXIT_CODES = """\b
Exit codes:
  0  success
  1  unexpected error, or a check failed (`drafter check`, `--strict`)
  2  bad input: case file, config, template or option
  130  interrupted (Ctrl-C)"""

MAIN_HELP = f"""Draft the messages that win back a customer your company has hurt.

Describe what went wrong, what has changed and what is at stake in one YAML
case file, then draft a Take-the-Stick email to the customer, a clear-the-air
meeting agenda, or an escalation note to senior management.

\b
Get started:
  drafter init case.yaml            write a commented starter case
  drafter validate case.yaml        check it, with line numbers for mistakes
  drafter email case.yaml           print the email, ready to paste
  drafter all case.yaml -o drafts/  write all three drafts to a folder
  drafter email case.yaml -o draft.eml   an unsent draft for your mail client

{EXIT_CODES}
"""

KIND_HELP: dict[Kind, str] = {
    "email": "Draft the Take-the-Stick email to the customer.",
    "agenda": "Draft the clear-the-air meeting agenda to share with the customer.",
    "escalation": "Draft the internal escalation note to senior management.",
}


class DrafterGroup(click.Group):
    """Turns drafter's own errors into one clear paragraph and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DrafterError as exc:
            click.echo(f"drafter: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # after ^C on a terminal, start a fresh line
            click.echo(f"{chr(10) if sys.stderr.isatty() else ''}drafter: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.stderr.close()  # the reader (e.g. `| head`) went away: not an error
            ctx.exit(0)
        except Exception as exc:  # the last line of defence: never a traceback
            click.echo(
                f"drafter: unexpected error: {type(exc).__name__}: {exc}\n"
                "This is a bug in drafter; please report it with the command you ran.",
                err=True,
            )
            ctx.exit(EXIT_UNEXPECTED)


@click.group(
    cls=DrafterGroup, help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, "-V", "--version", prog_name="drafter")
def cli() -> None:
    """Entry point group."""


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGINT, _first_interrupt)
    # Last of all at exit: Python's teardown then restores the default handler, and a
    # Ctrl-C in that moment would kill the process with no word.
    atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)
    cli(prog_name="drafter")


def _first_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C: stop what runs (KeyboardInterrupt); a second press ends the process at once."""
    signal.signal(signal.SIGINT, _second_interrupt)
    raise KeyboardInterrupt


def _second_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C again while stopping: exit 130 now, without cleanup or traceback."""
    os._exit(EXIT_INTERRUPTED)


cli.add_command(log)


# ---------------------------------------------------------------- shared options


def _case_argument(f: F) -> F:
    return click.argument("case", metavar="CASE", type=str)(f)


def _render_options(f: F) -> F:
    options = [
        click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default=None,
            help="text (default; paste into a mail client), markdown, json, or eml "
            "(an unsent draft your mail client opens). Inferred from -o's extension.",
        ),
        click.option("--force", is_flag=True, help="Overwrite output files that already exist."),
        click.option(
            "--tone",
            type=click.Choice(["warm", "formal", "direct"]),
            default=None,
            help="Override the case's tone (default: the case's, else your config's, else warm).",
        ),
        click.option(
            "--templates",
            "templates_dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            default=None,
            help="A folder of your own email.j2 / agenda.j2 / escalation.j2 "
            "(rendered sandboxed) used before the built-in templates.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


MODEL_HELP = """\b
Drafting with a model (OpenAI, or any OpenAI-compatible server):
  --mode auto (default) uses a model when OPENAI_API_KEY or a base URL is
  set, templates otherwise. Every model draft is checked against the method;
  one that fails is sent back once with the problems listed, and if it still
  fails (or the API errors) you get the template draft and a notice saying why.
  Settings come from flags, then OPENAI_API_KEY / OPENAI_BASE_URL /
  DRAFTER_MODEL, then the [llm] table of your config file."""


def _model_options(f: F) -> F:
    options = [
        click.option(
            "--mode",
            type=click.Choice(["auto", "llm", "templates"]),
            default=None,
            help="auto: a model if a key or base URL is set, else templates (default).",
        ),
        click.option("--model", default=None, help="Model name [default: gpt-4o-mini]."),
        click.option(
            "--base-url",
            default=None,
            metavar="URL",
            help="An OpenAI-compatible server, e.g. http://127.0.0.1:8088/v1 (no key needed "
            "for a local one).",
        ),
        click.option("--temperature", type=click.FloatRange(0, 2), default=None),
        click.option("--seed", type=int, default=None, help="For repeatable drafts."),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            metavar="SECONDS",
            help="Per try [default: 60, or 120 for a local server]. A draft's request gives "
            "up after TIMEOUT x (MAX_RETRIES + 1) plus the back-off (0.5 s doubling, at most "
            "8 s): 182 s at the defaults (362 s local), then you get the template draft.",
        ),
        click.option(
            "--max-retries",
            type=click.IntRange(0, 10),
            default=None,
            help="Retries of rate limits, 5xx and timeouts, by the client [default: 2]. A "
            "Retry-After longer than the time left is not waited for.",
        ),
        click.option(
            "--max-prompt-tokens",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help="Trim long free text (customer words, notes) so the prompt fits, saying so.",
        ),
        click.option(
            "--repair-rounds",
            type=click.IntRange(0, 5),
            default=None,
            metavar="N",
            help="Times a failing model draft is sent back with its problems [default: 1].",
        ),
        click.option(
            "--redact/--no-redact",
            default=None,
            help="Send the model placeholders instead of names, emails, phone numbers and "
            "the account; the reply is restored before checks and output.",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="Exit 1 instead of falling back to the template draft.",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Print the exact messages, token count and estimated cost; send nothing.",
        ),
        click.option(
            "-v", "--verbose", is_flag=True, help="Report tokens used and cost after a call."
        ),
        click.option(
            "--no-log",
            is_flag=True,
            help="Keep this draft out of the history log (`drafter log`).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _choices(opts: dict[str, Any]) -> Any:
    """Pop the model options out of a command's keyword arguments."""
    from drafter.pipeline import ModelChoices

    names = ModelChoices.__dataclass_fields__
    return ModelChoices(**{name: opts.pop(name) for name in list(opts) if name in names})


def _report(produced: Any, verbose: bool) -> None:
    for notice in produced.notices:
        click.echo(f"drafter: notice: {notice}", err=True)
    if verbose and produced.summary:
        click.echo(f"drafter: {produced.summary}", err=True)


def _draft_command(kind: Kind) -> click.Command:
    @click.command(
        kind,
        help=f"""{KIND_HELP[kind]}

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
    @_case_argument
    @click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=str,
        default=None,
        help="Write to FILE (atomically; refuses to overwrite without --force) instead of stdout.",
    )
    @_render_options
    @_model_options
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
        from drafter.cli_log import unwritten
        from drafter.errors import OutputError
        from drafter.output import output_format, write_atomic

        chosen = output_format(fmt, output)
        target = output or "-"
        request = pipeline.Request.build(
            case, choices=_choices(opts), dry_run=dry_run, log=not no_log, **opts
        )
        if dry_run:
            click.echo(pipeline.dry_run(request, kind))
            return
        if request.mode_notice:
            click.echo(f"drafter: {request.mode_notice}", err=True)
        produced = pipeline.produce(request, kind, chosen, target)
        _report(produced, verbose)
        if target == "-":
            _write_stdout(produced.data)
        else:
            try:
                write_atomic(Path(target), produced.data, force=force)
            except OutputError as exc:
                raise unwritten(exc, {kind: produced.history_id}, request.log) from None
            click.echo(f"wrote {target}", err=True)
        produced.written(target)

    return command


for _kind in KINDS:
    cli.add_command(_draft_command(_kind))


@cli.command("all")
@_case_argument
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write email, agenda and escalation into (created if missing).",
)
@_render_options
@_model_options
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
    """Write all three drafts for CASE into a folder.

    Files are named email.txt, agenda.txt and escalation.txt (the extension follows
    --format). If any of them exists, nothing is written unless you pass --force.
    With --dry-run, the three requests are printed and nothing is written or sent.

    \b
    Example:
      drafter all case.yaml -o drafts/ --format eml
    """
    from drafter import pipeline
    from drafter.cli_log import unwritten
    from drafter.output import WriteError, write_files

    chosen: Format = fmt or "text"
    request = pipeline.Request.build(
        case, choices=_choices(opts), dry_run=dry_run, log=not no_log, **opts
    )
    if dry_run:
        click.echo("\n\n".join(pipeline.dry_run(request, kind) for kind in KINDS))
        return
    if request.mode_notice:
        click.echo(f"drafter: {request.mode_notice}", err=True)
    drafts = []
    for kind in KINDS:
        path = folder / f"{kind}{EXTENSIONS[chosen]}"
        produced = pipeline.produce(request, kind, chosen, str(path))
        _report(produced, verbose)
        drafts.append((path, produced))
    try:
        write_files([(path, produced.data) for path, produced in drafts], force=force)
    except WriteError as exc:
        for path, produced in drafts:
            if path in exc.placed:
                produced.written(str(path))
        ids = {path.stem: produced.history_id for path, produced in drafts}
        raise unwritten(exc, ids, request.log) from None
    for path, produced in drafts:
        produced.written(str(path))
        click.echo(f"wrote {path}", err=True)


@cli.command()
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


def _jobs_option(help: str) -> Callable[[F], F]:
    """``-j/--jobs``: how many cases run at the same time."""
    return click.option(
        "-j", "--jobs", type=click.IntRange(1, 64), default=4, show_default=True, help=help
    )


class _BatchGroup(click.Group):
    """``drafter batch CASES…`` drafts; ``drafter batch status|collect`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_BatchGroup)
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
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the drafts: one subfolder per case.",
)
@click.option(
    "--kinds",
    type=click.Choice(KINDS),
    multiple=True,
    help="Which drafts (repeat the option) [default: all three].",
)
@_jobs_option(
    "Cases drafted at the same time. On Linux, big batches at -j 8 and above are spread "
    "over worker processes (one per 4 jobs, at most two per CPU)."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True
)
@click.option("--tone", type=click.Choice(["warm", "formal", "direct"]), default=None)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
)
@click.option(
    "--via",
    type=click.Choice(["direct", "batch-api"]),
    default="direct",
    show_default=True,
    help="direct: draft now, -j at a time. batch-api: submit the first requests to the "
    "OpenAI Batch API and return; then `drafter batch status DIR` and `drafter batch "
    "collect DIR`.",
)
@_model_options
def batch_run(
    cases: tuple[str, ...],
    folder: Path,
    kinds: tuple[Kind, ...],
    jobs: int,
    fmt: Format,
    tone: Any,
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
    from drafter import pipeline
    from drafter.casefile import decode, read_bytes
    from drafter.config import UserConfig

    if dry_run:
        raise click.UsageError("--dry-run works on one case: `drafter email CASE --dry-run`.")
    paths = batching.find_cases(cases)
    choices = _choices(opts)
    config = UserConfig.locate()
    llm, notice = pipeline.model_settings(config, choices)
    redact = bool(choices.redact if choices.redact is not None else config.values.llm.redact)
    if via == "batch-api":
        _submit(paths, folder, kinds or KINDS, fmt, llm, config, tone, templates_dir, redact)
        return
    if notice:
        click.echo(f"drafter: {notice}", err=True)
    settings = pipeline.fingerprint(config, llm, fmt, tone, templates_dir, redact)
    client = None
    if llm is not None:  # one client, one connection pool, shared by every worker thread
        from drafter.llm import make_client

        client = make_client(llm)

    def build_request(source: Path, case_bytes: bytes) -> pipeline.Request:
        return pipeline.Request.of(
            config,
            pipeline.load_case(str(source), config, text=decode(str(source), case_bytes)),
            str(source),
            tone=tone,
            templates_dir=templates_dir,
            llm=llm,
            log=not no_log,
            redact=redact,
        )

    request_for = batching.per_case(build_request)

    def produce(source: Path, kind: Kind, case_bytes: bytes) -> pipeline.Produced:
        request = request_for(source, case_bytes)
        target = str(folders[source] / f"{kind}{EXTENSIONS[fmt]}")
        produced = pipeline.produce(request, kind, fmt, target, client=client)
        if verbose and produced.summary:
            click.echo(f"drafter: {source.name}: {produced.summary}", err=True)
        return produced

    folders = batching.folders_for(paths, folder)
    processes = batching.worker_processes(jobs, len(paths))
    if processes > 1:  # fill the caches every draft uses once, before the workers fork
        with contextlib.suppress(InputError):  # an invalid first case is reported below
            pipeline.warm(build_request(paths[0], read_bytes(str(paths[0]))[1]), kinds or KINDS)
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
            _interrupted(batching.kept(folders.values()))
    click.echo(batching.summary_table(results))
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
    llm: Any,
    config: Any,
    tone: Any,
    templates_dir: Path | None,
    redact: bool,
) -> None:
    """``drafter batch CASES -o DIR --via batch-api``."""
    from drafter import batch as batching
    from drafter import batchapi

    if llm is None:
        raise InputError(
            "--via batch-api drafts with a model: set OPENAI_API_KEY (or the [llm] api_key "
            "in the config), and do not pass --mode templates."
        )
    with batching.locked(folder):
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
        click.echo(batching.summary_table(submission.invalid))
        click.echo("")
    if submission.batch_id is None:
        click.echo("drafter: nothing to submit: no valid case.", err=True)
    else:
        n = submission.requests
        cases = sum(1 for c in submission.state["cases"] if c.get("requests"))
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
@_jobs_option("Cases checked (and repaired through the chat API) at the same time.")
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
    from drafter import batch as batching
    from drafter import batchapi
    from drafter.config import UserConfig

    config = UserConfig.locate()
    state = batchapi.fetch(folder, config=config)  # not done yet: says so, before any bar
    total = sum(1 for c in state["cases"] if "invalid" not in c)
    with click.progressbar(length=total, label="collecting", file=sys.stderr, show_pos=True) as bar:
        results = batchapi.collect(
            folder, config=config, jobs=jobs, log=not no_log, progress=lambda _: bar.update(1)
        )
    click.echo(batching.summary_table(results))
    if any(r.status == "invalid" for r in results):
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(EXIT_UNEXPECTED)


# ---------------------------------------------------------------- case-file tools


@cli.command()
@click.argument("cases", metavar="CASE...", nargs=-1, required=True)
def validate(cases: tuple[str, ...]) -> None:
    """Check case files without drafting anything.

    CASE is a file, a folder (its *.yaml and *.yml files), a glob, or - for standard
    input, as for `drafter batch`. Prints one line per valid file; for an invalid one,
    every problem with its line number and field. Exits 2 if any file is invalid.

    \b
    Example:
      drafter validate cases/
    """
    from drafter.batch import find_cases

    failed = 0
    seen: set[str] = set()
    for spec in cases:
        try:
            paths = [spec] if spec == "-" else [str(p) for p in find_cases([spec])]
        except InputError as exc:
            failed += 1
            click.echo(f"drafter: {exc}", err=True)
            continue
        for path in paths:
            if path not in seen:
                seen.add(path)
                failed += not _validate_one(path)
    if failed:
        raise click.exceptions.Exit(EXIT_BAD_INPUT)


def _validate_one(path: str) -> bool:
    """Print whether the case file at ``path`` is valid (its problems if not); return that."""
    from drafter import pipeline

    try:
        case = pipeline.load_case(path)
    except InputError as exc:
        click.echo(f"drafter: {exc}", err=True)
        return False
    click.echo(
        f"{path}: ok — {case.account}, {len(case.what_went_wrong)} failure(s), "
        f"{len(case.what_changed)} change(s), tone {case.tone}"
    )
    return True


@cli.command()
def schema() -> None:
    """Print the case file's JSON Schema, for editor autocompletion.

    \b
    Example (VS Code with the YAML extension), in settings.json:
      "yaml.schemas": {"/path/to/drafter-case.schema.json": "*.case.yaml"}
    \b
      drafter schema > drafter-case.schema.json
    """
    import json

    from drafter.case import Case

    doc = Case.model_json_schema()
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "drafter case file, version 2",
        **doc,
    }
    # the user's config may supply the sender, so editors must not demand it
    doc["required"] = [name for name in doc.get("required", []) if name != "sender"]
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _list_examples(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Print each example case's name and one-line description, then exit."""
    if not value or ctx.resilient_parsing:
        return
    found = examples()
    width = max(map(len, found), default=0)
    for name, example_path in found.items():
        click.echo(f"{name:<{width}}  {example_summary(example_path)}")
    ctx.exit()


@cli.command()
@click.argument("path", default="case.yaml", required=False)
@click.option(
    "--example",
    type=click.Choice(list(examples())),
    metavar="NAME",
    help="Write the named example case instead of the starter (see --list-examples).",
)
@click.option(
    "--list-examples",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_list_examples,
    help="List the example cases, one line each, and exit.",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(path: str, example: str | None, force: bool) -> None:
    """Write a commented starter case file to PATH (default case.yaml; - for stdout).

    Every field is explained in a comment; replace the example story with yours,
    then run `drafter validate PATH`. With --example NAME, write one of the
    complete example cases instead, ready to draft from.

    \b
      drafter init --list-examples
      drafter init --example late-payroll example.yaml
    """
    source = examples()[example] if example else Path(__file__).parent / "starter.yaml"
    data = source.read_bytes()
    if path == "-":
        _write_stdout(data)
        return
    from drafter.output import write_atomic

    write_atomic(Path(path), data, force=force)
    if example:
        click.echo(f"wrote {path}, the {example} example; try: drafter email {path}", err=True)
    else:
        click.echo(f"wrote {path}; edit it, then run: drafter validate {path}", err=True)


# ---------------------------------------------------------------- config


@cli.group()
def config() -> None:
    """Your settings: default sender, signature, tone and model.

    The config file is TOML, in your platform's config folder (see `drafter config
    path`), or wherever $DRAFTER_CONFIG points. A `templates/` folder beside it
    overrides the built-in templates.
    """


@config.command("path")
def config_path() -> None:
    """Print where the config file is (or would be)."""
    from drafter.config import UserConfig

    click.echo(UserConfig.locate().path)


@config.command("show")
def config_show() -> None:
    """Print the settings in effect (API keys masked), or an example if there is no file."""
    from drafter.config import EXAMPLE, UserConfig

    user = UserConfig.locate()
    if not user.path.exists():
        click.echo(f"# no config file at {user.path}; an example to start from:\n")
        click.echo(EXAMPLE)
        return
    values = user.values.model_dump(exclude_none=True)
    if values.get("llm", {}).get("api_key"):
        values["llm"]["api_key"] = "****"
    click.echo(f"# {user.path}")
    _echo_toml(values)


def _echo_toml(values: dict[str, Any], table: str = "") -> None:
    """Print a small nested dict as TOML (scalars first, then tables)."""
    import json

    for key, value in values.items():
        if not isinstance(value, dict):
            click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    for key, value in values.items():
        if isinstance(value, dict) and value:
            name = f"{table}.{key}" if table else key
            click.echo(f"\n[{name}]")
            _echo_toml(value, name)


def _write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
