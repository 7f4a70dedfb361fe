"""Read a case file safely and turn every problem into a message naming file, line and field."""

from __future__ import annotations

import difflib
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from drafter.case import Case
from drafter.errors import InputError

MAX_BYTES = 1_000_000
"""Largest case file accepted; real cases are a few kilobytes."""

MAX_NODES = 10_000
"""Largest number of YAML values after alias expansion (stops 'billion laughs')."""

MAX_EXPANDED_CHARS = 2_000_000
"""Most characters of text after alias expansion: one long text aliased 3,000 times is not."""

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings; a case file is four levels deep."""

STDIN = "-"


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about 15 times faster), else the pure-Python one."""


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that reads every plain scalar as the text written, except null and booleans.

    YAML 1.1 turns ``10:30`` into 630, ``0123`` into 83 and ``2024-05-01`` into a date; here
    they stay text, so text fields keep them exactly and number fields parse them (decimal only).
    """


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", ["t", "T", "f", "F"]),
    ("tag:yaml.org,2002:merge", r"^<<$", ["<"]),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
_Loader.yaml_constructors = {
    tag: constructor
    for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
    if tag is None or tag.rsplit(":", 1)[-1] in ("null", "bool", "str", "seq", "map")
}
"""Explicit tags such as ``!!int 0x10``, ``!!timestamp`` or ``!!set`` are refused."""


class CaseFileError(InputError):
    """A case file that cannot be read or does not match the case format."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        if len(problems) == 1:
            text = f"{source}: {problems[0]}"
        else:
            text = f"{source} has {len(problems)} problems:\n" + "\n".join(
                f"  {p}" for p in problems
            )
        super().__init__(text)


def read_bytes(path: str, what: str = "case file") -> tuple[str, bytes]:
    """Return ``(display name, bytes)`` of a file, or of stdin for ``-``, at most MAX_BYTES."""
    name = "<stdin>" if path == STDIN else path
    try:
        if path == STDIN:
            raw = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise CaseFileError(name, ["no such file."]) from None
    except IsADirectoryError:
        raise CaseFileError(name, [f"is a folder, not a {what}."]) from None
    except OSError as exc:
        raise CaseFileError(name, [f"cannot be read ({exc.strerror or exc})."]) from None
    if len(raw) > MAX_BYTES:
        raise CaseFileError(name, [f"is larger than {MAX_BYTES // 1000} KB; a {what} is a few KB."])
    return name, raw


def read_source(path: str) -> tuple[str, str]:
    """Return ``(display name, text)`` of a case file path, or of stdin for ``-``."""
    name, raw = read_bytes(path)
    return name, decode(name, raw)


def decode(name: str, raw: bytes) -> str:
    """The text of case file ``name`` read as ``raw`` bytes (UTF-8, with or without BOM)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseFileError(
            name, [f"line {line}: is not UTF-8 text; save the file as UTF-8 and try again."]
        ) from None


def load_case(path: str, defaults: Mapping[str, Any] | None = None) -> Case:
    """Load and validate a case file; ``defaults`` fill top-level keys the file omits."""
    name, text = read_source(path)
    return parse_case(text, name, defaults)


def parse_case(text: str, source: str, defaults: Mapping[str, Any] | None = None) -> Case:
    """Validate case-file text; ``source`` names it in error messages."""
    node = _compose(text, source)
    data = _construct(node, source)
    merged = {**(defaults or {}), **data}
    try:
        return Case.model_validate(merged)
    except ValidationError as exc:
        problems = sorted((_describe(err, node) for err in exc.errors()), key=_line_of)
        raise CaseFileError(source, problems) from None


def _compose(text: str, source: str) -> yaml.MappingNode:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        raise CaseFileError(source, [f"{where}is not valid YAML: {exc.problem}."]) from None
    except yaml.YAMLError as exc:
        raise CaseFileError(source, [f"is not valid YAML: {exc}."]) from None
    finally:
        loader.dispose()
    if node is None:
        raise CaseFileError(
            source, ["is empty; run `drafter init` for a starter case file to fill in."]
        )
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        raise CaseFileError(
            source,
            [
                f"line {node.start_mark.line + 1}: the top level is {kind}; expected fields "
                "such as `account:`, `customer:` and `what_went_wrong:`."
            ],
        )
    _check_nodes(node, source)
    return node


def _check_nodes(root: yaml.Node, source: str) -> None:
    """Reject alias bombs, deep nesting and duplicate keys before anything is built."""
    sizes: dict[int, tuple[int, int]] = {}

    def too_big(node: yaml.Node, what: str) -> CaseFileError:
        return CaseFileError(
            source,
            [
                f"line {node.start_mark.line + 1}: {what}; a case file never needs that "
                "(check its YAML anchors `&` and aliases `*`)."
            ],
        )

    def size(node: yaml.Node, depth: int) -> tuple[int, int]:
        """``(values, characters)`` of ``node`` once every alias in it is expanded."""
        if id(node) in sizes:
            return sizes[id(node)]
        if depth > MAX_DEPTH:
            raise too_big(node, f"is nested more than {MAX_DEPTH} levels deep")
        sizes[id(node)] = (1, 0)  # guards against recursive aliases
        values, chars = 1, 0
        if isinstance(node, yaml.ScalarNode):
            chars = len(node.value)
        elif isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            children = node.value if isinstance(node, yaml.SequenceNode) else _pairs(node, source)
            for child in children:
                child_values, child_chars = size(child, depth + 1)
                values, chars = values + child_values, chars + child_chars
        if values > MAX_NODES:
            raise too_big(node, f"expands to more than {MAX_NODES:,} values")
        if chars > MAX_EXPANDED_CHARS:
            raise too_big(
                node, f"expands to more than {MAX_EXPANDED_CHARS // 1_000_000} MB of text"
            )
        sizes[id(node)] = (values, chars)
        return values, chars

    size(root, 0)


_KEY_TAGS = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge")
"""What a mapping key may be: text, or ``<<`` (merge the mapping an alias names)."""


def _pairs(node: yaml.MappingNode, source: str) -> list[yaml.Node]:
    """The keys and values of a mapping node, in order; a key given twice is an error."""
    seen: dict[str, int] = {}
    for key, _value in node.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode) or key.tag not in _KEY_TAGS:
            shown = f"`{key.value}`" if isinstance(key, yaml.ScalarNode) else "a list or mapping"
            raise CaseFileError(
                source,
                [
                    f"line {line}: {shown} cannot be a field name; "
                    "field names are words such as `account`."
                ],
            )
        if key.value in seen:
            raise CaseFileError(
                source,
                [
                    f"line {line}: field `{key.value}` appears twice "
                    f"(first on line {seen[key.value]}); keep one."
                ],
            )
        seen[key.value] = line
    return [child for pair in node.value for child in pair]


def _construct(node: yaml.Node, source: str) -> dict[str, Any]:
    loader = _Loader("")
    try:
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark else ""
        problem = exc.problem or "cannot be read"
        if "constructor for the tag" in problem:
            problem = (
                "YAML tags such as `!!int` or `!!python/object` are not allowed in a case "
                "file; write the value plainly"
            )
        raise CaseFileError(source, [f"{where}{problem}."]) from None
    finally:
        loader.dispose()
    assert isinstance(data, dict)
    return data


def _describe(err: Any, root: yaml.Node) -> str:
    """One line for one pydantic error: line, dotted field, what was expected."""
    loc: tuple[str | int, ...] = tuple(err["loc"])
    node, exact = _node_at(root, loc)
    line = node.start_mark.line + 1 if node is not None else None
    field = _dotted(loc) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        what = "is required but missing"
        if loc == ("sender",):
            what += " (or set a default [sender] in your config: see `drafter config show`)"
        where = f"line {line}: " if line and len(loc) > 1 else ""
        return f"{where}field `{field}` {what}."
    if kind == "extra_forbidden":
        return f"line {line}: field `{field}` {unknown_key(str(loc[-1]), known_keys(loc[:-1]))}"
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    msg = msg[0].lower() + msg[1:]
    got = err.get("input")
    shown = ""
    if (
        exact
        and isinstance(got, str | int | float | bool)
        and len(repr(got)) <= 60
        and repr(got) not in msg
    ):
        shown = f" (found {got!r})"
    where = f"line {line}: " if line else ""
    return f"{where}field `{field}`: {msg}{shown}."


def _line_of(problem: str) -> int:
    """Sort key: the line number a problem starts with (problems without one go first)."""
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0


def _node_at(root: yaml.Node, loc: tuple[str | int, ...]) -> tuple[yaml.Node | None, bool]:
    """The YAML node at a pydantic ``loc``, or its nearest ancestor; and whether it is exact."""
    node: yaml.Node = root
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    # an unknown key is best pointed at by the key itself
                    child = value if part != loc[-1] else key
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            return node, False
        node = child
    return node, True


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def unknown_key(name: str, known: frozenset[str], noun: str = "field") -> str:
    """``is not a known field; did you mean `x`?``, or the names known there, for ``name``."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"is not a known {noun}; did you mean `{close[0]}`?"
    if known:
        return f"is not a known {noun} (known here: {', '.join(sorted(known))})."
    return f"is not a known {noun}."


def known_keys(loc: Sequence[str | int], root: type[BaseModel] = Case) -> frozenset[str]:
    """Field names accepted at ``loc`` (a mapping inside a ``root``), for suggestions."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return frozenset()
        info = model.model_fields.get(part)
        if info is None:
            return frozenset()
        model = _inner_model(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return frozenset(model.model_fields)
    return frozenset()


def _inner_model(annotation: Any) -> Any:
    """Unwrap ``X | None`` and ``list[X]`` down to X."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return annotation
