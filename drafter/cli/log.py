"""``drafter log``: list, show and recover the drafts in the history log.

Mounted lazily on the main group. Errors are drafter's own
(:class:`~drafter.errors.InputError` for an unknown id, exit 2), reported by that group.
"""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from drafter.artifacts import KINDS
from drafter.errors import OutputError

if TYPE_CHECKING:
    from drafter.history import Entry

ACCOUNT_WIDTH = 24
MODEL_WIDTH = 20


@click.group("log")
def log() -> None:
    """The history log: every draft drafter made, with how and at what cost.

    Each draft is recorded (case, kind, mode, model, the exact messages sent, the
    replies, check results, tokens, cost, timings and the draft itself) in a local
    SQLite database before it is written, so a draft whose file could not be
    written is never lost: `drafter log recover ID -o FILE` writes it again.
    $DRAFTER_HISTORY names another database file.

    \b
    Examples:
      drafter log list -n 50
      drafter log show 12
      drafter log recover 12 -o email.txt
    """


@log.command("path")
def path_command() -> None:
    """Print where the history database is (or would be)."""
    from drafter import history

    click.echo(history.db_path())


@log.command("list")
@click.option(
    "-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N"
)
@click.option("--account", default=None, help="Only drafts for this account (any case).")
@click.option("--kind", type=click.Choice(KINDS), default=None, help="Only this kind of draft.")
@click.option("--json", "as_json", is_flag=True, help="JSON, one object per draft.")
def list_command(limit: int, account: str | None, kind: str | None, as_json: bool) -> None:
    """List recent drafts, newest first.

    Drafts marked * were meant for a file that was never written: recover them
    with `drafter log recover ID -o FILE`.
    """
    from drafter import history

    entries = history.list_entries(limit, account=account, kind=kind)
    if as_json:
        click.echo(json.dumps([e.to_dict(full=False) for e in entries], indent=2))
        return
    if not entries:
        click.echo(f"no drafts recorded in {history.db_path()}", err=True)
        return
    header = ("ID", "WHEN", "ACCOUNT", "KIND", "MODE/PATH", "MODEL", "TOKENS", "COST")
    rows = [header, *(_row(e) for e in entries)]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    numeric = {0, 6, 7}
    for row in rows:
        cells = (_pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(row))
        click.echo("  ".join(cells).rstrip())
    if any(e.lost for e in entries):
        click.echo("* never written: drafter log recover ID -o FILE", err=True)


def _row(entry: Entry) -> tuple[str, ...]:
    route = entry.mode if entry.mode == "templates" else f"{entry.mode}/{entry.route}"
    tokens = f"{entry.prompt_tokens:,}+{entry.completion_tokens:,}" if entry.tokens else "-"
    return (
        f"{entry.id}{'*' if entry.lost else ''}",
        _when(entry.started, "%Y-%m-%d %H:%M"),
        _clip(entry.account, ACCOUNT_WIDTH),
        entry.kind,
        route,
        _clip(entry.model or "-", MODEL_WIDTH),
        tokens,
        _usd(entry.cost),
    )


def _when(started: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return time.strftime(fmt, time.localtime(started))


def _char_width(char: str) -> int:
    """Terminal columns ``char`` takes: 2 for wide East Asian, 0 for combining marks."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _width(text: str) -> int:
    """Terminal columns ``text`` takes."""
    return sum(map(_char_width, text))


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns, on the left when ``right``."""
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _clip(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` columns with a trailing "…" when longer."""
    text = " ".join(text.split())
    if _width(text) <= width:
        return text
    kept, used = [], 1  # room for the "…"
    for char in text:
        used += _char_width(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _usd(cost: float | None) -> str:
    if cost is None:
        return "-"
    return f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}"


@log.command("show")
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Everything, as one JSON object.")
def show_command(entry_id: int, as_json: bool) -> None:
    """Print everything recorded about draft ID: its revisions, messages, replies, checks and
    the draft."""
    from drafter import history

    entry = history.lookup(entry_id)
    chain = history.chain(entry_id)
    if as_json:
        revisions = [
            {"id": e.id, "parent": e.parent, "depth": depth, "instruction": e.instruction}
            for depth, e in chain
        ]
        data = entry.to_dict() | {"revisions": revisions}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo("\n".join([*_describe(entry), *_revisions(entry, chain)]))


def _revisions(entry: Entry, chain: list[tuple[int, Entry]]) -> list[str]:
    """The tree of revisions ``entry`` is part of, one draft a line; none when it has none."""
    if len(chain) < 2:
        return []
    lines = ["", "## revisions", ""]
    for depth, e in chain:
        route = e.mode if e.mode == "templates" else f"{e.mode}/{e.route}"
        asked = f": {json.dumps(e.instruction, ensure_ascii=False)}" if e.instruction else ""
        this = "  <- this draft" if e.id == entry.id else ""
        lines.append(f"{'  ' * depth}draft {e.id} ({route}, {_when(e.started)}){asked}{this}")
    return lines


def _describe(e: Entry) -> list[str]:
    took = f", took {e.duration_ms:,} ms" if e.duration_ms is not None else ""
    how = "templates" if e.mode == "templates" else f"llm, {e.route} draft, model {e.model}"
    lines = [
        f"draft {e.id}: {e.kind} for {e.account or '?'}",
        f"started:  {_when(e.started)}{took}",
        f"case:     {e.case_path or '?'} (sha256 {e.case_hash[:12] or '?'})",
        f"mode:     {how}",
    ]
    if e.parent is not None:
        asked = json.dumps(e.instruction or "", ensure_ascii=False)
        lines.append(f"revises:  draft {e.parent}, asked: {asked}")
    lines += [f"reason:   {reason}" for reason in e.reasons]
    if e.mode == "llm":
        calls = f" in {e.calls} call{'s' if e.calls != 1 else ''}" if e.calls else ""
        lines.append(
            f"tokens:   {e.prompt_tokens:,} prompt + {e.completion_tokens:,} completion{calls}"
        )
        lines.append(f"cost:     {_usd(e.cost)}{' (estimate)' if e.cost is not None else ''}")
    if e.written:
        lines.append(f"output:   {'stdout' if e.output_path == '-' else e.output_path}")
    elif e.lost:
        lines.append(
            f"output:   {e.output_path} was NOT written; "
            f"recover it with: drafter log recover {e.id} -o FILE"
        )
    else:
        lines.append("output:   not recorded as written")
    lines += _checks(e)
    for i, message in enumerate(e.messages, 1):
        lines += [
            "",
            f"## message {i}: {message.get('role', '?')}",
            "",
            str(message.get("content")),
        ]
    for i, reply in enumerate(e.replies, 1):
        lines += ["", f"## reply {i}", "", reply]
    fmt = e.output_format or e.body_format
    lines += ["", f"## draft ({fmt})", "", e.recovered().decode("utf-8", "replace").rstrip("\n")]
    return lines


def _checks(e: Entry) -> list[str]:
    report = e.checks
    if report is None:
        return ["checks:   not recorded"]
    failed = report.get("failed") or []
    score = report.get("score")
    verdict = "passed" if not failed else f"failed {', '.join(map(str, failed))}"
    lines = [f"checks:   {verdict}" + (f" (score {score})" if score is not None else "")]
    for v in report.get("violations") or []:
        if isinstance(v, dict):
            text = f": {v['text']!r}" if v.get("text") else ""
            lines.append(f"  - {v.get('rule', '?')}{text}")
    return lines


@log.command("recover")
@click.argument("entry_id", metavar="ID", type=int)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    default=None,
    help="Write to FILE (atomically; refuses to overwrite without --force) instead of stdout.",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--body", "body_only", is_flag=True, help="Only the draft's body.")
def recover_command(entry_id: int, output: str | None, force: bool, body_only: bool) -> None:
    """Re-emit draft ID exactly as it was to be written (or just its body).

    For a draft that was generated, and perhaps paid for, but whose file could not
    be written: nothing is sent to a model again.

    \b
    Example:
      drafter log recover 12 -o email.eml
    """
    from drafter import history

    entry = history.lookup(entry_id)
    data = entry.recovered(body_only=body_only)
    if output is None or output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from pathlib import Path

    from drafter.output import format_for_path, write_atomic

    implied = format_for_path(output)
    stored = None if body_only else entry.output_format
    if implied and stored and implied != stored:
        click.echo(
            f"drafter: notice: draft {entry_id} is stored as {stored}; written as it is, "
            f"whatever {output}'s extension suggests",
            err=True,
        )
    try:
        write_atomic(Path(output), data, force=force)
    except OutputError as exc:
        raise OutputError(f"{exc} Draft {entry_id} is still in the history log.") from None
    if not body_only:
        history.mark_written(entry_id, output)
    click.echo(f"wrote {output} (draft {entry_id} from the history log)", err=True)


def unwritten(exc: OutputError, ids: Mapping[str, int | None], logged: bool) -> OutputError:
    """``exc`` (a failed write of the drafts ``ids``, kind → history id) saying where the
    drafts are kept: their ids in the history log and how to write them again, or plainly
    that they were not kept."""
    kept = {kind: i for kind, i in ids.items() if i is not None}
    lost = [kind for kind, i in ids.items() if i is None]
    notes = []
    if len(kept) == 1:
        (entry_id,) = kept.values()
        notes.append(
            f"Draft {entry_id} is safe in the history log; write it again with: "
            f"drafter log recover {entry_id} -o FILE"
        )
    elif kept:
        listed = ", ".join(f"{i} ({kind})" for kind, i in kept.items())
        notes.append(
            f"Drafts {listed} are safe in the history log; write each again with: "
            "drafter log recover ID -o FILE"
        )
    if lost:
        many = len(lost) > 1
        why = "is off" if not logged else f"could not record {'them' if many else 'it'}"
        drafts = " and ".join(lost)
        notes.append(
            f"The {drafts} draft{'s were' if many else ' was'} not kept: the history log {why}."
        )
    return OutputError(" ".join([str(exc), *notes]))
