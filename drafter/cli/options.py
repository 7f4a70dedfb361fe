"""Option groups shared by the commands, each declared once: case, render, model, jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from drafter.output import FORMATS

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """\b
Exit codes:
  0  success
  1  unexpected error, or a check failed (`drafter check`, `--strict`)
  2  bad input: case file, config, template or option
  130  interrupted (Ctrl-C)"""

MODEL_HELP = """\b
Drafting with a model (OpenAI, or any OpenAI-compatible server):
  --mode auto (default) uses a model when OPENAI_API_KEY or a base URL is
  set, templates otherwise. Every model draft is checked against the method;
  one that fails is sent back once with the problems listed, and if it still
  fails (or the API errors) you get the template draft and a notice saying why.
  Settings come from flags, then OPENAI_API_KEY / OPENAI_BASE_URL /
  DRAFTER_MODEL, then the [llm] table of your config file."""


def _stack(f: F, options: list[Callable[[F], F]]) -> F:
    """``f`` decorated with ``options``, the first listed first in ``--help``."""
    for option in reversed(options):
        f = option(f)
    return f


def case_argument(f: F) -> F:
    """``CASE``: a case file, or ``-`` for standard input."""
    return click.argument("case", metavar="CASE", type=str)(f)


tone_option = click.option(
    "--tone",
    type=click.Choice(["warm", "formal", "direct"]),
    default=None,
    help="Override the case's tone (default: the case's, else your config's, else warm).",
)
templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A folder of your own email.j2 / agenda.j2 / escalation.j2 (rendered sandboxed) "
    "used before the built-in templates.",
)


def render_options(f: F) -> F:
    """``--format``, ``--force``, ``--tone`` and ``--templates`` of a drafting command."""
    return _stack(
        f,
        [
            click.option(
                "-f",
                "--format",
                "fmt",
                type=click.Choice(FORMATS),
                default=None,
                help="text (default; paste into a mail client), markdown, json, or eml "
                "(an unsent draft your mail client opens). Inferred from -o's extension.",
            ),
            click.option(
                "--force", is_flag=True, help="Overwrite output files that already exist."
            ),
            tone_option,
            templates_option,
        ],
    )


def model_options(f: F) -> F:
    """The model settings (:data:`MODEL_FLAGS`) and ``--dry-run``, ``-v``, ``--no-log``."""
    return _stack(
        f,
        [
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
                help="An OpenAI-compatible server, e.g. http://127.0.0.1:8088/v1 (no key "
                "needed for a local one).",
            ),
            click.option("--temperature", type=click.FloatRange(0, 2), default=None),
            click.option("--seed", type=int, default=None, help="For repeatable drafts."),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                default=None,
                metavar="SECONDS",
                help="Per try [default: 60, or 120 for a local server]. A draft's request "
                "gives up after TIMEOUT x (MAX_RETRIES + 1) plus the back-off (0.5 s "
                "doubling, at most 8 s): 182 s at the defaults (362 s local), then you get "
                "the template draft.",
            ),
            click.option(
                "--max-retries",
                type=click.IntRange(0, 10),
                default=None,
                help="Retries of rate limits, 5xx and timeouts, by the client [default: 2]. "
                "A Retry-After longer than the time left is not waited for.",
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
                help="Send the model placeholders instead of names, emails, phone numbers "
                "and the account; the reply is restored before checks and output.",
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
        ],
    )


MODEL_FLAGS = (
    "mode",
    "model",
    "base_url",
    "temperature",
    "seed",
    "timeout",
    "max_retries",
    "max_prompt_tokens",
    "repair_rounds",
    "redact",
    "strict",
)
"""The model settings :func:`model_options` declares, by parameter name."""


def model_flags(opts: dict[str, Any]) -> dict[str, Any]:
    """Pop the model settings (:data:`MODEL_FLAGS`) out of a command's keyword arguments;
    ``None``: not given."""
    return {name: opts.pop(name) for name in MODEL_FLAGS if name in opts}


def folder_option(help: str) -> Callable[[F], F]:
    """``-o/--output DIR``: the folder the drafts go to (required)."""
    return click.option(
        "-o",
        "--output",
        "folder",
        required=True,
        metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help=help,
    )


def jobs_option(help: str) -> Callable[[F], F]:
    """``-j/--jobs``: how many cases run at the same time."""
    return click.option(
        "-j", "--jobs", type=click.IntRange(1, 64), default=4, show_default=True, help=help
    )
