"""Case-file tools: ``drafter validate``, ``drafter schema`` and ``drafter init``."""

from __future__ import annotations

from pathlib import Path

import click

from drafter.cli.draft import write_stdout
from drafter.errors import EXIT_BAD_INPUT, InputError
from drafter.resources import example_summary, examples


@click.command()
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
    from drafter.batchfiles import find_cases

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


@click.command()
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


@click.command()
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
    source = examples()[example] if example else Path(__file__).parents[1] / "starter.yaml"
    data = source.read_bytes()
    if path == "-":
        write_stdout(data)
        return
    from drafter.output import write_atomic

    write_atomic(Path(path), data, force=force)
    if example:
        click.echo(f"wrote {path}, the {example} example; try: drafter email {path}", err=True)
    else:
        click.echo(f"wrote {path}; edit it, then run: drafter validate {path}", err=True)
