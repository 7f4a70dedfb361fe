"""The sandbox for the user's own templates (``--templates DIR``): what they may load, and
how much they may compute.

A user template folder may come from anyone (a colleague, a shared drive, a repository), so
rendering it must neither read files outside the folder nor exhaust the machine:

- :class:`FolderLoader` loads only regular files that really are inside the folder, up to
  :data:`MAX_TEMPLATE_BYTES` each. A symbolic link is followed only when its target is inside
  the folder too; one that leads outside (``pw.j2 -> /etc/passwd``) is refused, with a
  message. The last step is opened with ``O_NOFOLLOW`` (where the system has it), and
  ``O_NONBLOCK`` so a named pipe cannot hang the run.
- :class:`LimitedEnvironment` is Jinja's sandbox with limits per render: loop iterations in
  total, the size of any string or list a template builds, template loads (includes, imports,
  extends) and the output's size. Exceeding one raises :class:`LimitExceeded`.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from drafter.errors import InputError

MAX_TEMPLATE_BYTES = 256 * 1024
"""The largest template file loaded (the built-in ones are under 6 KB)."""
MAX_ITERATIONS = 100_000
"""Loop iterations in one render, all loops (nested, recursive, included) together."""
MAX_TEXT = 4_000_000
"""The longest string, and the longest list, an expression may build (characters, items):
above any case file's text (at most 2 million characters), far below a machine's memory."""
MAX_OUTPUT = 4_000_000
"""The most characters one rendered block (subject or body) may have."""
MAX_LOADS = 200
"""Templates loaded by includes, imports and extends in one render."""
MAX_INT_BITS = 4096
"""The largest number ``**`` may compute, in bits."""

SANDBOX_VERSION = 1
"""Raise when the guards compiled into user templates change: it names their code cache."""

_TICK = "__drafter_tick"
_LOAD = "__drafter_load"
_FORMAT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_WIDE = re.compile(r"\d{7,}")
"""A width or precision of a million or more in a ``str.format`` field (refused)."""


class LimitExceeded(jinja2.TemplateError):
    """A user template went over one of the sandbox's limits."""

    def __init__(self, template: str | None, message: str) -> None:
        super().__init__(message)
        self.template = template


@dataclass
class _Budget:
    iterations: int = 0
    loads: int = 0


_BUDGET: ContextVar[_Budget] = ContextVar("drafter_template_budget")


def _budget() -> _Budget:
    """This render's budget (a fresh one outside :func:`render_limited`)."""
    try:
        return _BUDGET.get()
    except LookupError:
        _BUDGET.set(_Budget())
        return _BUDGET.get()


def render_limited(
    render: Callable[[], Iterator[str]], template: str, folders: tuple[Path, ...]
) -> str:
    """The output of ``render``, with a fresh budget; a limit exceeded (or a runaway that
    Python itself stopped) becomes an :class:`InputError` naming the template."""
    token = _BUDGET.set(_Budget())
    try:
        size, parts = 0, []
        for part in render():
            size += len(part)
            if size > MAX_OUTPUT:
                raise LimitExceeded(template, f"output limit of {MAX_OUTPUT:,} characters exceeded")
            parts.append(part)
        return "".join(parts)
    except LimitExceeded as exc:
        where = _where(exc.template or template, folders)
        raise InputError(f"template {where}: {exc}.") from None
    except (RecursionError, OverflowError, MemoryError) as exc:
        raise InputError(f"template {_where(template, folders)}: {_RUNAWAY[type(exc)]}.") from None
    finally:
        _BUDGET.reset(token)


_RUNAWAY = {
    RecursionError: "macros, loops or includes nest too deeply (does one call itself?)",
    OverflowError: "a number or range is too large (ranges may have at most 100,000 items)",
    MemoryError: "it ran out of memory",
}
"""What a user template did wrong, by the Python error that stopped it."""


def _where(name: str, folders: tuple[Path, ...]) -> str:
    """``email.j2 in DIR`` for a user template, ``email.j2`` for a built-in one."""
    folder = next((d for d in folders if (d / name).is_file()), None)
    return f"{name} in {folder}" if folder else name


# --- loading only from inside the folder ------------------------------------------------------


class FolderLoader(jinja2.BaseLoader):
    """Regular files inside ``folder`` (symbolic links only when they stay inside it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = folder.resolve()

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """The template's text, its real path and an up-to-date check, or TemplateNotFound."""
        path = self.root.joinpath(*split_template_path(template))
        real = path.resolve()
        if not real.is_relative_to(self.root):
            raise InputError(
                f"template {template} in {self.folder} is a link to a file outside that "
                "folder; only files inside the template folder are loaded. Copy the file "
                "into the folder instead of linking to it."
            )
        source, mtime = self._read(real, template)
        return source, str(real), lambda: _mtime(real) == mtime

    def _read(self, path: Path, template: str) -> tuple[str, float]:
        """The text of regular file ``path``, and its modification time."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None
        except OSError as exc:
            raise InputError(f"template {template} in {self.folder}: {exc.strerror}.") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise InputError(f"template {template} in {self.folder} is not a regular file.")
        with os.fdopen(fd, "rb") as file:
            data = file.read(MAX_TEMPLATE_BYTES + 1)
        if len(data) > MAX_TEMPLATE_BYTES:
            raise InputError(
                f"template {template} in {self.folder} is larger than "
                f"{MAX_TEMPLATE_BYTES // 1024} KB; a template that big is not a template."
            )
        try:
            return data.decode("utf-8"), info.st_mtime
        except UnicodeDecodeError as exc:
            raise InputError(
                f"template {template} in {self.folder} is not UTF-8 text (byte {exc.start})."
            ) from None


def _mtime(path: Path) -> float | None:
    with contextlib.suppress(OSError):
        return path.stat().st_mtime
    return None


# --- limits -----------------------------------------------------------------------------------


@jinja2.pass_context
def _tick(context: Context, _value: object = None) -> str:
    """Count one loop iteration (inserted at the top of every loop body)."""
    budget = _budget()
    budget.iterations += 1
    if budget.iterations > MAX_ITERATIONS:
        raise LimitExceeded(context.name, f"loop limit of {MAX_ITERATIONS:,} iterations exceeded")
    return ""


@jinja2.pass_context
def _load(context: Context, template: Any) -> Any:
    """Count one include, import or extends (wraps the name of the template loaded)."""
    budget = _budget()
    budget.loads += 1
    if budget.loads > MAX_LOADS:
        raise LimitExceeded(
            context.name,
            f"limit of {MAX_LOADS} includes, imports and extends exceeded "
            "(does a template include itself?)",
        )
    return template


def _guard(tree: nodes.Template) -> nodes.Template:
    """``tree`` with a :func:`_tick` in every loop body and a :func:`_load` on every load."""
    for loop in tree.find_all(nodes.For):
        tick = nodes.Filter(nodes.Const(None), _TICK, [], [], None, None)
        loop.body.insert(0, nodes.ExprStmt(tick, lineno=loop.lineno))
    loads: list[nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends] = [
        *tree.find_all(nodes.Include),
        *tree.find_all(nodes.Import),
        *tree.find_all(nodes.FromImport),
        *tree.find_all(nodes.Extends),
    ]
    for load in loads:
        load.template = nodes.Filter(load.template, _LOAD, [], [], None, None)
    return tree


def _too_long(size: int) -> None:
    if size > MAX_TEXT:
        raise LimitExceeded(None, f"text limit of {MAX_TEXT:,} characters exceeded")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, Sized) else 0


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large, before computing it."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                _too_long(len(seq) * max(times, 0))
    elif operator == "+" and isinstance(left, str | list | tuple):
        _too_long(_size(left) + _size(right))
    elif operator == "%" and isinstance(left, str):
        _check_percent(left, right)
    if isinstance(left, int) and isinstance(right, int):
        _check_number(operator, left, right)


def _check_number(operator: str, left: int, right: int) -> None:
    """Refuse ``*`` or ``**`` of whole numbers whose result would pass :data:`MAX_INT_BITS`."""
    if operator == "*":
        bits = left.bit_length() + right.bit_length()
    elif operator == "**" and right > 0 and abs(left) > 1:
        bits = int(right * math.log2(abs(left)))
    else:
        return
    if bits > MAX_INT_BITS:
        raise LimitExceeded(None, f"number limit of {MAX_INT_BITS} bits exceeded")


def _ints(value: Any) -> list[int]:
    """The integers among ``value``, its items or its values."""
    if isinstance(value, dict):
        items = list(value.values())
    else:
        items = list(value) if isinstance(value, list | tuple) else [value]
    return [i for i in items if isinstance(i, int)]


def _check_percent(text: str, args: Any) -> None:
    """Refuse ``%`` formatting with a width or precision of :data:`MAX_TEXT` or more."""
    for m in _FORMAT_WIDTH.finditer(text):
        for spec in m.groups():
            if spec == "*":
                _too_long(max([0, *_ints(args)]))
            elif spec:
                _too_long(int(spec))


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a string method (``center``, ``ljust``, ``format``…) asked for a huge width."""
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    _too_long(max([0, *_ints(list(args)), *_ints(kwargs)]))
    if getattr(obj, "__name__", "") in ("format", "format_map") and _WIDE.search(owner):
        _too_long(MAX_TEXT + 1)
    if getattr(obj, "__name__", "") == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str):
        _too_long(len(text) + (text.count(old) if old else len(text) + 1) * len(new))


def _limited_filters() -> dict[str, Callable[..., Any]]:
    """Jinja's filters that can build huge text from small input, with size checks first."""

    def center(value: Any, width: int = 80) -> Any:
        _too_long(width)
        return JINJA_FILTERS["center"](value, width)

    def indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> Any:
        _too_long(width if isinstance(width, int) else len(width))
        _too_long(_size(value) * (1 + (width if isinstance(width, int) else len(width))))
        return JINJA_FILTERS["indent"](value, width, *args, **kwargs)

    def format_(value: Any, *args: Any, **kwargs: Any) -> Any:
        _check_percent(str(value), kwargs or args)
        return JINJA_FILTERS["format"](value, *args, **kwargs)

    @jinja2.pass_eval_context
    def replace(ctx: Any, value: Any, old: Any, new: Any, count: Any = None) -> Any:
        _check_replace(str(value), old, new)
        return JINJA_FILTERS["replace"](ctx, value, old, new, count)

    @jinja2.pass_eval_context
    def join(ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value)
        _too_long(len(items) * len(d) + sum(len(str(i)) for i in items))
        return JINJA_FILTERS["join"](ctx, items, d, attribute)

    return {"center": center, "indent": indent, "format": format_, "replace": replace,
            "join": join}  # fmt: skip


class LimitedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, with the limits of this module."""

    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters.update(_limited_filters())
        self.filters[_TICK] = _tick
        self.filters[_LOAD] = _load

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse as Jinja does, then add the loop and load counters."""
        return _guard(super()._parse(source, name, filename))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``left operator right``, refused when the result would be too large."""
        try:
            _check_binop(operator, left, right)
        except LimitExceeded as exc:
            raise LimitExceeded(context.name, str(exc)) from None
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``__obj`` as the sandbox does, refusing string methods asked for huge text."""
        try:
            _check_call(__obj, args, kwargs)
        except LimitExceeded as exc:
            raise LimitExceeded(__context.name, str(exc)) from None
        return super().call(__context, __obj, *args, **kwargs)
