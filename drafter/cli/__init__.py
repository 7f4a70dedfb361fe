"""The ``drafter`` command line: thin click commands over case → request → draft → output.

:mod:`~drafter.cli.app` holds the group and the entry point, :mod:`~drafter.cli.options`
the option groups the commands share; each other module is one family of commands.
"""

from drafter.cli import draft
from drafter.cli.app import DrafterGroup, cli, main

for _command in draft.COMMANDS:
    cli.add_command(_command)

__all__ = ["DrafterGroup", "cli", "main"]
