"""One drafting request, end to end: config + case → draft (template or model) → bytes."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from drafter.artifacts import artifact
from drafter.case import Case, Tone
from drafter.casefile import load_case as _load_case
from drafter.casefile import parse_case, read_bytes
from drafter.config import UserConfig
from drafter.drafts import KINDS, Draft, Kind
from drafter.errors import DrafterError, InputError
from drafter.output import Format, render_output
from drafter.render import RenderOptions, render
from drafter.settings import LLMSettings, choose, resolve

if TYPE_CHECKING:
    import openai

    from drafter.llm.provider import Failure, Reply
    from drafter.redact import Redaction
    from drafter.reply import Original
    from drafter.revise import Revision

Route = Literal["model", "repaired", "template"]


@dataclass(frozen=True)
class Produced:
    """One formatted draft, and what the user should be told about how it was made."""

    data: bytes
    notices: tuple[str, ...] = ()
    summary: str | None = None
    """Tokens and cost of the model calls, for ``-v``."""
    history_id: int | None = None
    """The draft's entry in the history log (``None``: not logged)."""
    route: Route = "template"
    """The route the draft took: the model's, the model's after repair, or the template."""
    reasons: tuple[str, ...] = ()
    """Why the route is not ``model`` when a model was used."""
    tokens: int = 0
    """Prompt and completion tokens of the model calls (0: drafted from templates)."""

    def written(self, target: str) -> None:
        """Note in the history log that the draft reached ``target`` (``-``: stdout)."""
        if self.history_id is not None:
            from drafter import history

            history.mark_written(self.history_id, target)


@dataclass(frozen=True)
class Request:
    """A validated case, how to render it, and the model settings when drafting with one."""

    case: Case
    case_path: str
    templates: tuple[Path, ...]
    signature: str | None
    llm: LLMSettings | None = None
    """``None``: draft from templates only."""
    mode_notice: str | None = None
    """In auto mode, the one line saying which way drafts are made."""
    log: bool = True
    """Record every draft in the history log."""
    redact: bool = False
    """Send the model placeholders instead of names, emails, phones and the account."""
    show_waiting: bool = False
    """While the model is awaited, say so on stderr when it is a terminal (one draft at a
    time: the single-case commands)."""
    reply: Original | None = None
    """The customer's message that letters to them answer (``--reply-to``)."""

    @classmethod
    def build(
        cls,
        case_path: str,
        tone: Tone | None = None,
        templates_dir: Path | None = None,
        choices: Mapping[str, Any] | None = None,
        dry_run: bool = False,
        log: bool = True,
        reply_to: str | None = None,
    ) -> Request:
        """Read the config and the case; apply ``--tone``; settle templates or model from
        the model flags ``choices``: the request of a single-case command (which shows the
        wait for a model).

        For a dry run the model settings are resolved whatever the mode, and need no key.
        ``reply_to``: the customer's .eml that the draft answers.
        """
        config = UserConfig.locate()
        reply = None
        if reply_to is not None:
            from drafter.reply import read_original

            reply = read_original(reply_to)
        case = load_case(case_path, config)
        settings = resolve(config, choices)
        llm: LLMSettings | None = settings
        notice: str | None = None
        if not dry_run:
            llm, notice = choose(settings, config)
        return cls.of(
            config,
            case,
            case_path,
            tone=tone,
            templates_dir=templates_dir,
            llm=llm,
            mode_notice=notice,
            log=log,
            redact=settings.redact,
            show_waiting=True,
            reply=reply,
        )

    @classmethod
    def of(
        cls,
        config: UserConfig,
        case: Case,
        case_path: str,
        *,
        tone: Tone | None = None,
        templates_dir: Path | None = None,
        llm: LLMSettings | None = None,
        mode_notice: str | None = None,
        log: bool = True,
        redact: bool = False,
        show_waiting: bool = False,
        reply: Original | None = None,
    ) -> Request:
        """A request for a case already loaded, with settings already resolved; the
        ``reply``'s own words become the case's ``customer_words`` when it has none."""
        if tone is not None:
            case = case.model_copy(update={"tone": tone})
        words = reply.own_words() if reply is not None else None
        if words and not case.customer_words:
            case = case.model_copy(update={"customer_words": words})
        folders = tuple(d for d in (templates_dir, config.template_dir) if d is not None)
        return cls(
            case=case,
            case_path=case_path,
            templates=folders,
            signature=config.values.signature,
            llm=llm,
            mode_notice=mode_notice,
            log=log and config.values.history,
            redact=redact,
            show_waiting=show_waiting,
            reply=reply,
        )

    def prompt_case(self) -> tuple[Case | None, Redaction | None]:
        """The case as the model may see it: redacted (with its key) when asked, else as is."""
        if not self.redact:
            return None, None
        from drafter.redact import redact

        return redact(self.case)

    def render_options(self, markdown: bool) -> RenderOptions:
        """Options for the renderer in the given output flavour."""
        return RenderOptions(
            markdown=markdown, signature=self.signature, template_dirs=self.templates
        )


def fingerprint(
    config: UserConfig,
    llm: LLMSettings | None,
    fmt: Format,
    tone: Tone | None = None,
    templates_dir: Path | None = None,
    redact: bool = False,
) -> dict[str, Any]:
    """Everything besides the case file that shapes a draft: for batch resume keys."""
    values = config.values
    folders = [templates_dir, config.template_dir]
    return {
        "format": fmt,
        "tone": tone,
        "templates": [str(d.resolve()) for d in folders if d is not None],
        "config": values.model_dump(mode="json", exclude={"llm", "history"}),
        "llm": None if llm is None else llm.fingerprint(),
        "redact": redact,
    }


def load_case(path: str, config: UserConfig | None = None, text: str | None = None) -> Case:
    """Load a case file, filling the sender and tone from the user's config when omitted.

    With ``text``, that is the case file's content (as read earlier) and ``path`` names it.
    """
    config = config or UserConfig.locate()
    if text is not None:
        return parse_case(text, path, config.case_defaults())
    return _load_case(path, config.case_defaults())


def produce(
    request: Request,
    kind: Kind,
    fmt: Format,
    target: str = "-",
    *,
    first: Reply | Failure | None = None,
    client: openai.OpenAI | None = None,
    revision: Revision | None = None,
) -> Produced:
    """Draft one artifact (model first when configured, the template as the safety net).

    The draft is recorded in the history log before it is returned for writing to
    ``target``, so a failed write loses nothing. ``first`` and ``client`` go to
    :func:`drafter.llm.draft`: the first reply when it came from the Batch API (read, or why
    there is none), and the client for any repair round. A ``revision`` continues a logged
    conversation instead (its settings strict: a failing revision raises, nothing recorded).
    """
    started, clock = time.time(), time.perf_counter()
    options = request.render_options(markdown=fmt == "markdown")
    template = partial(render, kind, request.case, options)
    meta: dict[str, Any] = {"mode": "templates"}
    notices: list[str] = []
    summary = None
    outcome = None
    if request.llm is not None:
        from drafter import llm

        prompt_case, redaction = request.prompt_case()
        with waiting(request.llm, request.show_waiting and first is None):
            outcome = llm.draft(
                kind,
                request.case,
                request.llm,
                template,
                options,
                prompt_case=prompt_case,
                redaction=redaction,
                first=first,
                client=client,
                conversation=revision.messages if revision else None,
            )
        draft = outcome.draft
        notices += [f"{kind}: {text}" for text in (*outcome.notices, *outcome.reasons)]
        summary = f"{kind}: {outcome.route} draft; {outcome.summary()}"
        meta = {
            "mode": "llm",
            "path": outcome.route,
            "model": outcome.model,
            "reasons": list(outcome.reasons),
            "usage": {
                "prompt_tokens": outcome.usage.prompt_tokens,
                "completion_tokens": outcome.usage.completion_tokens,
                "calls": outcome.usage.calls,
            },
            "cost_usd": outcome.cost,
        }
    else:
        draft = template()
    report = None
    if outcome is not None and outcome.route != "template" and outcome.report is not None:
        report = outcome.report.to_dict()  # the model's final draft, already checked
    elif fmt == "json" or (outcome is not None and request.log):
        # A template draft passes by construction (tests): it is checked only where the
        # report is shown (json) or kept (history), never on the offline fast path.
        from drafter.checks import check_draft

        report = check_draft(draft, request.case).to_dict()
    if fmt == "json":
        meta["checks"] = report
    reply = request.reply if request.reply is not None and artifact(kind).replies else None
    if reply is not None:
        notices += [f"{kind}: {text}" for text in reply.notices]
    data, unformatted = _formatted(draft, fmt, meta, reply)
    history_id = None
    if request.log:
        from drafter import history

        entry = history.Entry.of(
            draft,
            mode=meta["mode"],
            route=outcome.route if outcome else "template",
            account=request.case.account,
            case_hash=history.case_hash(request.case),
            case_path=request.case_path,
            model=outcome.model if outcome else None,
            reasons=outcome.reasons if outcome else (),
            messages=outcome.messages if outcome else (),
            replies=outcome.replies if outcome else (),
            checks=report,
            prompt_tokens=outcome.usage.prompt_tokens if outcome else 0,
            completion_tokens=outcome.usage.completion_tokens if outcome else 0,
            calls=outcome.usage.calls if outcome else 0,
            cost=outcome.cost if outcome else None,
            started=started,
            duration_ms=round((time.perf_counter() - clock) * 1000),
            output_format=fmt,
            output=data,
            output_path=target,
            case_json=request.case.model_dump_json(),
            redacted=request.redact,
            parent=revision.parent if revision else None,
            instruction=revision.instruction if revision else None,
        )
        history_id = history.record(entry, warn=lambda why: notices.append(f"history: {why}"))
    if data is None:
        kept = f"; it is in the history log: drafter log recover {history_id}" if history_id else ""
        raise DrafterError(f"could not format the {kind} draft as {fmt} ({unformatted}){kept}.")
    return Produced(
        data,
        tuple(notices),
        summary,
        history_id,
        route=outcome.route if outcome else "template",
        reasons=outcome.reasons if outcome else (),
        tokens=outcome.usage.prompt_tokens + outcome.usage.completion_tokens if outcome else 0,
    )


@contextmanager
def waiting(settings: LLMSettings, show: bool = True) -> Iterator[None]:
    """While the body runs, one line on stderr (a terminal only), redrawn every second:
    ``waiting for MODEL at HOST (12 s; each request gives up after 182 s)``; erased after."""
    if not (show and sys.stderr.isatty()):
        yield
        return
    from urllib.parse import urlsplit

    where = f"{settings.model} at {urlsplit(settings.url).netloc}"
    done = threading.Event()
    started = time.monotonic()

    def tick() -> None:
        while not done.wait(1.0):
            waited = time.monotonic() - started
            sys.stderr.write(
                f"\r\033[Kdrafter: waiting for {where} ({waited:.0f} s; each request gives "
                f"up after {settings.deadline:.0f} s)"
            )
            sys.stderr.flush()

    ticker = threading.Thread(target=tick, name="drafter-waiting", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _formatted(
    draft: Draft, fmt: Format, meta: dict[str, Any], reply: Original | None = None
) -> tuple[bytes | None, str]:
    """The draft as ``fmt`` bytes (answering ``reply``), or ``None`` and why not (the draft
    is logged either way)."""
    try:
        return render_output(draft, fmt, meta, reply), ""
    except Exception as exc:  # a formatting bug must not lose a draft already paid for
        return None, f"{type(exc).__name__}: {exc}"


def warm(request: Request, kinds: Sequence[Kind]) -> None:
    """Fill the caches a draft of ``kinds`` uses (compiled templates, prompts and checks, the
    model's schemas) without sending anything: batch workers forked afterwards share them."""
    from drafter.checks import check_draft

    options = request.render_options(markdown=False)
    for kind in kinds:
        check_draft(render(kind, request.case, options), request.case)
        if request.llm is not None:
            from drafter.llm.openai_api import request_body

            request_body(kind, request.case, request.llm)


def dry_run(request: Request, kind: Kind) -> str:
    """The exact request a model draft would send, with its token count; nothing is sent."""
    from drafter.llm.preview import dry_run as preview

    assert request.llm is not None, "build the request with dry_run=True"
    prompt_case, _ = request.prompt_case()
    return preview(kind, prompt_case or request.case, request.llm)


def kind_for(path: str) -> Kind:
    """Guess a draft's kind from its file name (``agenda.md`` → agenda); email otherwise."""
    name = Path(path).name.lower()
    return next((kind for kind in KINDS if kind in name), "email")


MAX_MIME_SECTIONS = 100
"""Most multipart sections read in an .eml (the parser slows quadratically with nesting)."""


def read_draft(path: str) -> str:
    """The text of a draft to check: a text file, an .eml (subject + body), or stdin."""
    source, raw = read_bytes(path, what="draft")
    if source.lower().endswith(".eml"):
        if len(re.findall(rb"boundary\s*=", raw, re.IGNORECASE)) > MAX_MIME_SECTIONS:
            raise InputError(
                f"{source}: has more than {MAX_MIME_SECTIONS} multipart sections; an email "
                "draft has a few. Save the draft as plain text and check that."
            )
        try:
            return _eml_text(raw)
        except RecursionError:  # message/rfc822 parts nested hundreds deep
            raise InputError(
                f"{source}: its MIME parts are nested too deeply to read; "
                "save the draft as plain text and check that."
            ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{source}: is not UTF-8 text.") from None


def _eml_text(raw: bytes) -> str:
    """Subject and plain-text body of an email; an unknown charset reads as UTF-8 with �."""
    from email import message_from_bytes
    from email.policy import default

    msg = message_from_bytes(raw, policy=default)
    part = msg.get_body(preferencelist=("plain",))
    body = ""
    if part is not None:
        try:
            body = part.get_content()
        except (LookupError, UnicodeError):  # charset=x-unknown, or a codec that is no text
            payload = part.get_payload(decode=True)
            body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return f"Subject: {msg.get('Subject', '')}\n\n{body}"
