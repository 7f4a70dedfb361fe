"""Errors the user can act on, and the exit codes they map to."""

from __future__ import annotations

EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2


class DrafterError(Exception):
    """An error with a message meant for the user, printed without a traceback."""

    exit_code = EXIT_UNEXPECTED


class InputError(DrafterError):
    """The user's input (case file, config, template, option) is wrong: exit 2."""

    exit_code = EXIT_BAD_INPUT


class OutputError(DrafterError):
    """A draft could not be written where the user asked."""

    exit_code = EXIT_BAD_INPUT
