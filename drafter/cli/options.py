"""Option groups shared by the commands, each declared once: case, render, model, jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from drafter.output import FORMATS
from drafter.settings import Flag, flags

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


def reply_to_option() -> click.Option:
    """``--reply-to MESSAGE.eml``, for letters to the customer (:func:`drafter.reply.answers`)."""
    return click.Option(
        ["--reply-to", "reply_to"],
        metavar="MESSAGE.eml",
        default=None,
        help="Answer the customer's message in its thread: Re: their subject, to their "
        "address, In-Reply-To/References from its headers, their message quoted below. "
        "Its text becomes the case's customer_words when the case has none.",
    )


def _setting_option(flag: Flag) -> Callable[[F], F]:
    """The click option of one model setting, as :func:`drafter.settings.flags` declares it:
    ``--name-with-dashes``; ``None`` when not given (the environment, config file or default
    decides)."""
    dashed = flag.name.replace("_", "-")
    kwargs: dict[str, Any] = {"default": None, "help": flag.help}
    if flag.metavar:
        kwargs["metavar"] = flag.metavar
    if isinstance(flag.type, tuple):
        kwargs["type"] = click.Choice(flag.type)
    elif flag.type is bool and flag.negatable:
        return click.option(f"--{dashed}/--no-{dashed}", flag.name, **kwargs)
    elif flag.type is bool:
        return click.option(f"--{dashed}", flag.name, is_flag=True, help=flag.help)
    elif flag.type in (int, float) and flag.bounds:
        b = flag.bounds
        limits: dict[str, Any] = {
            "min": b.get("ge", b.get("gt")),
            "max": b.get("le", b.get("lt")),
            "min_open": "gt" in b,
            "max_open": "lt" in b,
        }
        kwargs["type"] = (click.IntRange if flag.type is int else click.FloatRange)(**limits)
    elif flag.type is not str:
        kwargs["type"] = flag.type
    return click.option(f"--{dashed}", flag.name, **kwargs)


def model_options(f: F) -> F:
    """The model settings (:data:`MODEL_FLAGS`, made from :func:`drafter.settings.flags`) and
    ``--dry-run``, ``-v``, ``--no-log``."""
    return _stack(
        f,
        [
            *(_setting_option(flag) for flag in flags()),
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


MODEL_FLAGS = tuple(flag.name for flag in flags())
"""The model settings :func:`model_options` declares, by parameter name."""


def model_flags(opts: dict[str, Any]) -> dict[str, Any]:
    """Pop the model settings (:data:`MODEL_FLAGS`) out of a command's keyword arguments;
    ``None``: not given."""
    return {name: opts.pop(name) for name in MODEL_FLAGS if name in opts}


output_option = click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=str,
    default=None,
    help="Write to FILE (atomically; refuses to overwrite without --force) instead of stdout.",
)
"""``-o/--output FILE``: where one draft goes (stdout when absent)."""


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
