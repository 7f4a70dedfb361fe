"""The ``drafter`` group: errors as one clear paragraph and an exit code, Ctrl-C, lazy commands."""

from __future__ import annotations

import atexit
import importlib
import os
import signal
import sys
from typing import Any

import click

from drafter import __version__
from drafter.cli.options import EXIT_CODES
from drafter.errors import EXIT_UNEXPECTED, DrafterError

EXIT_INTERRUPTED = 130

MAIN_HELP = f"""Draft the messages that win back a customer your company has hurt.

Describe what went wrong, what has changed and what is at stake in one YAML
case file, then draft a Take-the-Stick email to the customer, a clear-the-air
meeting agenda, an escalation note to senior management, or, after the
meeting, the follow-up email.

\b
Get started:
  drafter init --list-examples      worked example cases for every situation
  drafter init case.yaml            write a commented starter case
  drafter validate case.yaml        check it, with line numbers for mistakes
  drafter email case.yaml           print the email, ready to paste
  drafter all case.yaml -o drafts/  write every draft to a folder
  drafter email case.yaml -o draft.eml   an unsent draft for your mail client
  drafter email case.yaml --reply-to theirs.eml   a reply in their thread
  drafter revise ID "shorter"       revise a logged draft with a model

{EXIT_CODES}
"""

LAZY_COMMANDS = {
    "batch": "drafter.cli.batch:batch",
    "check": "drafter.cli.check:check",
    "config": "drafter.cli.config:config",
    "init": "drafter.cli.casefiles:init",
    "log": "drafter.cli.log:log",
    "revise": "drafter.cli.revise:revise_command",
    "schema": "drafter.cli.casefiles:schema",
    "validate": "drafter.cli.casefiles:validate",
}
"""Commands imported only when used (or listed in ``--help``): ``module:attribute``."""


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


class _LazyGroup(DrafterGroup):
    """Also offers :data:`LAZY_COMMANDS`, importing each one's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, _, name = LAZY_COMMANDS[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_LazyGroup, help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]}
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
