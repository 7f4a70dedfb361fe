"""Render drafts from the Jinja templates in ``templates/`` (offline, deterministic)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from drafter.advice import recommend, third_person
from drafter.artifacts import artifact
from drafter.case import Case, Customer
from drafter.drafts import Draft, Kind, Party
from drafter.errors import InputError
from drafter.meeting import plan as agenda_plan
from drafter.resources import resource_dir

CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"(?<![ \t])[ \t]+\n")


@dataclass(frozen=True)
class RenderOptions:
    """How to render: output flavour, the user's signature, and template overrides."""

    markdown: bool = False
    signature: str | None = None
    template_dirs: tuple[Path, ...] = ()


def money(amount: float, currency: str = "USD") -> str:
    """``240000, 'USD'`` → ``$240,000``; unknown currencies put the code after."""
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{text}" if sign else f"{text} {currency}"


def longdate(value: date) -> str:
    """``2026-12-15`` → ``15 December 2026`` (unambiguous in every locale)."""
    return f"{value.day} {value:%B %Y}"


def number(value: float) -> str:
    """``6.0`` → ``6``; ``2.5`` → ``2.5``."""
    return f"{value:g}"


_TITLES = frozenset(
    ("mr", "mrs", "ms", "mx", "miss", "dr", "prof", "professor", "sir", "dame", "rev", "fr")
)
"""Honorifics that may open a name ("Dr. Dana Whitfield"), compared without the full stop."""


def _is_title(word: str) -> bool:
    return word.rstrip(".").lower() in _TITLES


_SUFFIXES = frozenset(("jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"))
"""Words that may close a name ("Ann Lee Jr."): never a surname, compared without punctuation."""
_PARTICLES = frozenset(
    ("van", "von", "der", "den", "de", "da", "di", "du", "del", "della", "la", "le", "dos", "ter")
)
"""Lower-case words that belong to the surname after them ("van der Berg")."""
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]+")


def _words(name: str) -> list[str]:
    """The words of a name without a closing suffix ("Ann Lee, PhD" → ["Ann", "Lee"])."""
    words = [w.strip(",") for w in name.split() if w.strip(",")]
    while len(words) > 1 and words[-1].rstrip(".").lower() in _SUFFIXES:
        words.pop()
    return words


def first_name(name: str) -> str:
    """The given name: the first word after any title or initial ("Dr. J. Dana Lee" → "Dana")."""
    words = _words(name)
    given = [w for w in words if not (_is_title(w) or (len(w.rstrip(".")) == 1 and w[-1] == "."))]
    return given[0] if given else name


def _surname(words: list[str]) -> str:
    """The last word with the lower-case particles before it ("Dr. Ana van der Berg" → "van der
    Berg")."""
    start = len(words) - 1
    while start > 2 and words[start - 1] in _PARTICLES:
        start -= 1
    return " ".join(words[start:])


def _japanese(name: str) -> bool:
    """Clearly a Japanese name: it has kana, or it is kanji written family name, space, given
    name (Chinese names in Han script are written without the space)."""
    parts = name.split()
    return bool(_KANA.search(name)) or (len(parts) == 2 and all(_HAN.fullmatch(p) for p in parts))


def addressed(customer: Customer, tone: str = "warm") -> str:
    """How a greeting addresses the customer. The form is the same in every ``tone``: a formal
    letter shows in its wording, not in a mail-merge full name ("Dear Dana Whitfield").

    - their ``salutation`` when the case gives one ("Dr. Whitfield", "田中様");
    - a clearly Japanese name: the family name (written first) and 様 ("田中 美咲" → "田中様");
    - a name that opens with a title: title and surname ("Dr. Ana van der Berg" → "Dr. van der
      Berg"); never a bare title;
    - a name in Han or Hangul script that cannot be split safely: the full name as written;
    - otherwise the first name ("Dana Whitfield" → "Dana").
    """
    if customer.salutation:
        return customer.salutation
    name = customer.name.strip()
    if _japanese(name):
        return f"{name.split()[0]}様"
    words = _words(name)
    if len(words) > 1 and _is_title(words[0]):
        return f"{words[0]} {_surname(words)}"
    if not name.isascii() and not any(ch.isupper() or ch.islower() for ch in name):
        return name  # a script without letter case (Han, Hangul): no first-name guess
    return first_name(name)


_WHEN_FILLER = frozenset(
    {"in", "on", "of", "the", "at", "by", "and", "to", "from", "since", "until", "around"}
    | {"about", "early", "mid", "late", "last", "this", "next", "during", "between"}
)
_MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july")
_MONTHS = (*_MONTHS, "august", "september", "october", "november", "december")
_TIME_WORD = re.compile(r"[^\W_]+")


def _time_words(text: str) -> set[str]:
    """The words that pin down a time: years, months (as "mar"), seasons, "week"; not filler,
    not a bare day number, not the verb "may"."""
    found = set()
    for word in _TIME_WORD.findall(text):
        low = word.lower()
        if low in _WHEN_FILLER or len(low) < (3 if low.isdigit() else 2):
            continue
        month = next((m for m in _MONTHS if low in (m, m[:3]) or low == m[:4] == "sept"), None)
        if month == "may" and word == "may":
            continue
        found.add(month[:3] if month else low)
    return found


def mentions(text: str, when: str) -> bool:
    """Does ``text`` already say ``when`` ("in March" for "March 2026", "on 3 November" for
    "3 November 2026")? Then the when is not repeated after it."""
    return bool(_time_words(when) & _time_words(text))


def sentence(text: str) -> str:
    """Text ending in sentence punctuation, so a field reads as a sentence."""
    text = text.strip()
    return text if not text or text[-1] in ".!?…\"'”)" else text + "."


def unsentence(text: str) -> str:
    """Text with a trailing full stop removed, to run it into a longer sentence."""
    text = text.strip()
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def lcfirst(text: str) -> str:
    """Lower-case the first letter unless the first word looks like a name or acronym."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and (word[1:].lower() != word[1:] or word in {"I"}):
        return text
    return text[:1].lower() + text[1:]


def heading_for(markdown: bool) -> Any:
    """A ``heading(text)`` helper: ``## text`` in Markdown, the bare text in plain text."""

    def heading(text: str, level: int = 2) -> str:
        return f"{'#' * level} {text}" if markdown else text

    return heading


FILTERS = {
    "money": money,
    "longdate": longdate,
    "number": number,
    "first_name": first_name,
    "addressed": addressed,
    "sentence": sentence,
    "unsentence": unsentence,
    "lcfirst": lcfirst,
    "internal": third_person,
    "mentions": mentions,
    "agenda_plan": agenda_plan,
}


class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates: an unusable cache folder is skipped."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache(name: str) -> jinja2.BytecodeCache | None:
    """Compiled templates in the user's cache folder: compiling costs more than drafting."""
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("drafter", appauthor=False)) / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _BytecodeCache(str(folder))


@cache
def _environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(resource_dir("templates")))
    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "autoescape": jinja2.select_autoescape(["html", "htm"], default_for_string=False),
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": False,
    }
    if template_dirs:  # the user's own templates: sandboxed, limited, only files in the folder
        from drafter.sandbox import SANDBOX_VERSION, FolderLoader, LimitedEnvironment

        loaders = [*(FolderLoader(d) for d in template_dirs), builtin]
        env: jinja2.Environment = LimitedEnvironment(
            loader=jinja2.ChoiceLoader(loaders),
            # Its own cache: code compiled with the sandbox's guards is never mixed with
            # code compiled without them (the cache keys on name and source only).
            bytecode_cache=_bytecode_cache(f"jinja-sandbox-{SANDBOX_VERSION}"),
            **options,
        )
    else:
        env = jinja2.Environment(loader=builtin, bytecode_cache=_bytecode_cache("jinja"), **options)
    env.filters.update(FILTERS)
    return env


def tidy(text: str) -> str:
    """Strip trailing spaces and collapse runs of blank lines that template logic leaves."""
    text = _TRAILING_SPACE.sub("\n", text.strip() + "\n")
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


def recipients(kind: Kind, case: Case) -> tuple[Party, ...]:
    """Who a draft is addressed to: the customer, or the decider for the escalation note."""
    if artifact(kind).audience == "management":
        e = case.escalation
        return (Party((e and e.to) or "Senior management", e.to_email if e else None),)
    return (Party(case.customer.name, case.customer.email),)


def render_template(
    name: str, variables: dict[str, Any], options: RenderOptions
) -> tuple[str, str]:
    """Render template ``name``'s ``subject`` and ``body`` blocks; return both, tidied."""
    env = _environment(options.template_dirs)
    try:
        template = env.get_template(name)
        ctx = template.new_context(
            {**variables, "markdown": options.markdown, "heading": heading_for(options.markdown)}
        )
        if env.sandboxed:
            from drafter.sandbox import render_limited

            dirs = options.template_dirs
            subject = render_limited(lambda: template.blocks["subject"](ctx), name, dirs)
            body = render_limited(lambda: template.blocks["body"](ctx), name, dirs)
        else:
            subject = "".join(template.blocks["subject"](ctx))
            body = "".join(template.blocks["body"](ctx))
    except KeyError as exc:
        raise InputError(f"template {name} must define a {{% block {exc.args[0]} %}}.") from None
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"template {exc.filename or name}, line {exc.lineno}: {exc.message}."
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise InputError(f"template {exc.name} was not found.") from None
    except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
        raise InputError(f"template {name}: {exc}.") from None
    return " ".join(subject.split()), tidy(body)


def render(kind: Kind, case: Case, options: RenderOptions | None = None) -> Draft:
    """Draft one artifact for ``case`` from its template."""
    options = options or RenderOptions()
    variables = {
        "case": case,
        "signature": options.signature,
        "recommendation": recommend(case),
    }
    subject, body = render_template(artifact(kind).template, variables, options)
    return Draft(
        kind=kind,
        subject=subject,
        body=body,
        sender=Party(case.sender.name, case.sender.email),
        to=recipients(kind, case),
        markdown=options.markdown,
    )
