"""``drafter config``: where the settings file is, and what is in effect."""

from __future__ import annotations

from typing import Any

import click


@click.group()
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
