"""Draft many cases through the OpenAI Batch API: submit, status, collect.

:func:`submit` writes one JSONL line per valid case and artifact, whose body is exactly the
direct path's first request (:func:`drafter.llm.openai_api.request_body`), uploads it, starts
a batch, and records in ``DIR/.drafter-batch.json`` what collecting needs: the batch and file
ids, the settings (never the API key), each case's path and text (drafts are made for what
was submitted even if a case file changes meanwhile).

:func:`collect` downloads the output and error files once, then drafts every case through
:func:`drafter.pipeline.produce` with the batch's line, read like a direct reply, as the
model's first reply: the same checks, repair rounds (chat API), template fallback, history,
per-case folders and manifests as ``drafter batch``. An error line, or no line, falls back to
the template with the reason. Collecting again redoes no finished draft. ``openai`` is
imported only by the functions that talk to the API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter import batch as batching
from drafter import pipeline
from drafter.artifacts import artifact, kinds_for
from drafter.batchfiles import folders_for
from drafter.batchreport import CaseResult
from drafter.batchstate import (
    ENDPOINT,
    REQUESTS,
    STATE,
    STATE_VERSION,
    BatchState,
    Downloaded,
    RecordedSettings,
    SubmittedCase,
)
from drafter.case import Tone
from drafter.casefile import read_source
from drafter.config import UserConfig
from drafter.drafts import Kind
from drafter.errors import DrafterError, InputError
from drafter.output import EXTENSIONS, Format, write_atomic

if TYPE_CHECKING:
    import openai
    from openai.types import Batch

    from drafter.llm.provider import Failure
    from drafter.settings import LLMSettings

__all__ = [
    "COLLECTABLE",
    "ENDPOINT",
    "ERRORS",
    "OUTPUT",
    "REQUESTS",
    "STATE",
    "STATE_VERSION",
    "BatchAPIError",
    "BatchNotReady",
    "BatchState",
    "Downloaded",
    "RecordedSettings",
    "Submission",
    "SubmittedCase",
    "cancel",
    "collect",
    "counts",
    "describe",
    "fetch",
    "next_command",
    "reply_of",
    "status",
    "submit",
]

OUTPUT = ".drafter-batch-output.jsonl"
ERRORS = ".drafter-batch-errors.jsonl"
COLLECTABLE = ("completed", "expired", "cancelled")
"""Batch statuses with results to collect (an expired or cancelled batch: partial ones)."""


class BatchAPIError(DrafterError):
    """The Batch API refused or failed (exit 1)."""


class BatchNotReady(DrafterError):
    """The batch has not finished yet (exit 1)."""


@dataclass(frozen=True)
class Submission:
    """What :func:`submit` did: the state it recorded and the cases it could not submit."""

    state: BatchState
    invalid: list[CaseResult]

    @property
    def batch_id(self) -> str | None:
        return self.state.batch_id

    @property
    def requests(self) -> int:
        return self.state.requests


def _client(settings: LLMSettings) -> openai.OpenAI:
    from drafter.llm.openai_api import make_client

    return make_client(settings)


def _api_error(exc: Exception, settings: LLMSettings, doing: str) -> BatchAPIError:
    from drafter.llm.openai_api import explain

    return BatchAPIError(f"{doing}: {explain(exc, settings)}")


def next_command(verb: str, out: Path) -> str:
    """``drafter batch status DIR``, quoted for the shell."""
    import shlex

    return f"drafter batch {verb} {shlex.quote(str(out))}"


# --- submit ----------------------------------------------------------------------------------


def submit(
    cases: Sequence[Path],
    out: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: LLMSettings,
    *,
    config: UserConfig,
    tone: Tone | None = None,
    templates_dir: Path | None = None,
    redact: bool = False,
    client: openai.OpenAI | None = None,
) -> Submission:
    """Write the JSONL, upload it, start the batch, record the state; return what was done.

    Invalid cases are not submitted. Refuses a ``DIR`` that already holds a started batch.
    """
    import openai

    from drafter import tokens
    from drafter.llm.openai_api import request_body

    if (out / STATE).exists():
        old = BatchState.read(out)
        if old.batch_id:
            raise InputError(
                f"{out} already holds batch {old.batch_id}: see "
                f"`{next_command('status', out)}` and `{next_command('collect', out)}`, "
                "or choose another -o DIR for a new batch."
            )
    folders = folders_for(cases, out)
    entries: list[SubmittedCase] = []
    invalid: list[CaseResult] = []
    lines: list[dict[str, Any]] = []
    for path in cases:
        folder = folders[path]
        try:
            _, text = read_source(str(path))
            case = pipeline.load_case(str(path), config, text)
        except InputError as exc:
            invalid.append(CaseResult(source=path, folder=folder, invalid=True, reasons=[str(exc)]))
            entries.append(SubmittedCase(str(path), folder.name, invalid=str(exc)))
            continue
        request = pipeline.Request.of(
            config, case, str(path), tone=tone, templates_dir=templates_dir, redact=redact
        )
        prompt_case, _ = request.prompt_case()
        requests: dict[Kind, str] = {}
        unsent: dict[Kind, str] = {}
        for kind in kinds_for(request.case, kinds):
            custom_id = f"{folder.name}/{kind}"
            try:
                body = request_body(kind, prompt_case or request.case, settings)
            except tokens.PromptTooLong as exc:
                unsent[kind] = str(exc)
                continue
            requests[kind] = custom_id
            lines.append({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body})
        entries.append(SubmittedCase(str(path), folder.name, text, requests, unsent))

    state = BatchState(
        settings=RecordedSettings(
            llm=settings.stored(),
            format=fmt,
            kinds=tuple(kinds),
            tone=tone,
            templates=str(templates_dir.resolve()) if templates_dir else None,
            redact=redact,
        ),
        fingerprint=pipeline.fingerprint(config, settings, fmt, tone, templates_dir, redact),
        cases=tuple(entries),
        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    if not lines:
        return Submission(state, invalid)

    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    write_atomic(out / REQUESTS, data, force=True)
    client = client or _client(settings)
    try:
        uploaded = client.files.create(
            file=("drafter-batch.jsonl", data, "application/jsonl"), purpose="batch"
        )
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, "uploading the batch file failed") from None
    state = replace(state, input_file_id=uploaded.id)
    state.write(out)  # before the batch starts: a crash leaves the file id on record
    try:
        started = client.batches.create(
            input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
        )
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, "starting the batch failed") from None
    state = replace(state, batch_id=started.id, status=started.status)
    state.write(out)
    return Submission(state, invalid)


# --- status ----------------------------------------------------------------------------------


def _recorded(
    out: Path, config: UserConfig, client: openai.OpenAI | None
) -> tuple[BatchState, str, LLMSettings, openai.OpenAI]:
    """The state recorded in ``out``, its batch id, its settings and a client for them."""
    state = BatchState.read(out)
    batch_id = state.started(out)
    settings = state.llm_settings(config)
    return state, batch_id, settings, client or _client(settings)


def _note_status(out: Path, state: BatchState, current: Batch) -> BatchState:
    """``state`` with the batch's current status, written if it changed."""
    if state.status == current.status:
        return state
    noted = replace(state, status=current.status)
    noted.write(out)
    return noted


def status(
    out: Path, *, config: UserConfig, client: openai.OpenAI | None = None
) -> tuple[BatchState, Batch]:
    """The recorded state and the batch as the API reports it now."""
    import openai

    state, batch_id, settings, client = _recorded(out, config, client)
    try:
        current = client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, f"looking up batch {batch_id} failed") from None
    return _note_status(out, state, current), current


def cancel(out: Path, *, config: UserConfig, client: openai.OpenAI | None = None) -> Batch:
    """Ask the API to stop the batch recorded in ``out``; returns it as the API reports it
    (``cancelling``, then ``cancelled``). Replies that already came back are kept: once it
    is cancelled, :func:`collect` drafts them and falls back to the template for the rest."""
    import openai

    state, batch_id, settings, client = _recorded(out, config, client)
    try:
        current = client.batches.cancel(batch_id)
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, f"cancelling batch {batch_id} failed") from None
    _note_status(out, state, current)
    return current


def counts(current: Batch) -> str:
    """``3 requests: 2 completed, 1 failed``."""
    c = current.request_counts
    if c is None:
        return "request counts not reported yet"
    return f"{c.total} requests: {c.completed} completed, {c.failed} failed"


def describe(current: Batch) -> str:
    """Why the batch has nothing to collect yet, or failed."""
    if current.status == "failed":
        errors = current.errors.data if current.errors and current.errors.data else []
        why = "; ".join(
            " ".join(f"{e.message or e.code or 'error'}".split())
            + (f" (line {e.line})" if e.line else "")
            for e in errors[:3]
        )
        return f"batch {current.id} failed{': ' + why if why else ''}; nothing ran"
    return f"batch {current.id} is {current.status} ({counts(current)})"


# --- collect ---------------------------------------------------------------------------------


def reply_of(line: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any] | str]:
    """One output or error file line: its custom id, and the chat completion or the reason
    there is none."""
    custom_id = line.get("custom_id")
    response = line.get("response") or {}
    error = line.get("error")
    code = response.get("status_code") if isinstance(response, Mapping) else None
    body = response.get("body") if isinstance(response, Mapping) else None
    if not error and code == 200 and isinstance(body, Mapping):
        return custom_id, body
    detail: Any = None
    if isinstance(error, Mapping):
        detail = error.get("message") or error.get("code")
        code = code or error.get("code")
    elif isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        detail = body["error"].get("message")
    message = " ".join(str(detail or "no detail").split())[:200]
    return custom_id, f"the batch request failed ({code or 'error'}): {message}"


def fetch(out: Path, *, config: UserConfig, client: openai.OpenAI | None = None) -> BatchState:
    """Download the finished batch's output and error files into ``out``, once; return the
    state (pass it on to :func:`collect`). Raises :class:`BatchNotReady` while the batch runs,
    :class:`BatchAPIError` if it failed."""
    state = BatchState.read(out)
    return _fetched(out, state, state.llm_settings(config), client)[0]


def _fetched(
    out: Path, state: BatchState, settings: LLMSettings, client: openai.OpenAI | None
) -> tuple[BatchState, Downloaded]:
    """``state`` with the results downloaded, unless they already are."""
    result = state.result
    if result and all((out / name).exists() for name in result.files):
        return state, result
    return _download(out, state, client or _client(settings), settings)


def _download(
    out: Path, state: BatchState, client: openai.OpenAI, settings: LLMSettings
) -> tuple[BatchState, Downloaded]:
    import openai

    batch_id = state.started(out)
    try:
        current = client.batches.retrieve(batch_id)
        if current.status == "failed":
            raise BatchAPIError(f"{describe(current)}. Submit the cases again with another -o DIR.")
        if current.status not in COLLECTABLE:
            raise BatchNotReady(
                f"{describe(current)}: nothing to collect yet. Check with "
                f"`{next_command('status', out)}` and collect when it is completed."
            )
        files: dict[str, str] = {}
        for name, file_id in ((OUTPUT, current.output_file_id), (ERRORS, current.error_file_id)):
            if file_id:
                write_atomic(out / name, client.files.content(file_id).content, force=True)
                files[name] = file_id
    except openai.OpenAIError as exc:
        raise _api_error(
            exc, settings, f"fetching the results of batch {batch_id} failed"
        ) from None
    result = Downloaded(current.status, files)
    state = replace(state, status=current.status, result=result)
    state.write(out)
    return state, result


def _replies(out: Path, result: Downloaded) -> dict[str, Mapping[str, Any] | Failure]:
    """Every line of the downloaded files by custom id: the chat-completion body, or why
    there is none; a reply beats an error."""
    from drafter.llm.provider import Failure, Why

    replies: dict[str, Mapping[str, Any] | Failure] = {}
    for name in result.files:
        for raw in (out / name).read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue  # its request counts as missing
            if not isinstance(line, Mapping):
                continue
            custom_id, given = reply_of(line)
            if custom_id and isinstance(given, str):
                replies.setdefault(custom_id, Failure(Why.BATCH_FAILED, given))
            elif custom_id and not isinstance(given, str):
                replies[custom_id] = given
    return replies


def collect(
    out: Path,
    *,
    config: UserConfig,
    client: openai.OpenAI | None = None,
    jobs: int = 4,
    log: bool = True,
    progress: Callable[[CaseResult], None] | None = None,
    state: BatchState | None = None,
) -> list[CaseResult]:
    """Download the results once, then draft every submitted case (see the module doc).

    ``state``: the record :func:`fetch` returned, else read from ``out``. Raises
    :class:`BatchNotReady` while the batch runs, :class:`BatchAPIError` if it failed.
    """
    from drafter.llm.openai_api import read_reply
    from drafter.llm.provider import Failure, Reply, Why

    state = state or BatchState.read(out)
    settings = state.llm_settings(config)
    client = client or _client(settings)
    state, result = _fetched(out, state, settings, client)
    replies = _replies(out, result)
    recorded = state.settings
    fmt = recorded.format
    missing = f"the batch returned no reply for this request (batch {result.status})"

    entries = {Path(e.path): e for e in state.submitted}
    folders = {path: out / e.folder for path, e in entries.items()}

    def build_request(source: Path, submitted: bytes) -> pipeline.Request:
        path = entries[source].path
        return pipeline.Request.of(
            config,
            pipeline.load_case(path, config, submitted.decode("utf-8")),
            path,
            tone=recorded.tone,
            templates_dir=recorded.templates_dir,
            llm=settings,
            log=log,
            redact=recorded.redact,
        )

    request_for = batching.per_case(build_request)

    def first_reply(entry: SubmittedCase, kind: Kind) -> Reply | Failure:
        """The batch's reply to ``kind``'s request, read like a direct one, or why none."""
        custom_id = entry.requests.get(kind)
        if not custom_id:
            return Failure(Why.BATCH_FAILED, entry.unsent.get(kind, f"{kind} was not submitted"))
        given = replies.get(custom_id, Failure(Why.BATCH_FAILED, missing))
        return given if isinstance(given, Failure) else read_reply(kind, given, settings)

    def produce(source: Path, kind: Kind, submitted: bytes) -> pipeline.Produced | None:
        request = request_for(source, submitted)
        if not artifact(kind).drafts_from(request.case):
            return None
        given = first_reply(entries[source], kind)
        target = folders[source] / f"{kind}{EXTENSIONS[fmt]}"
        return pipeline.produce(request, kind, fmt, str(target), first=given, client=client)

    results = batching.run(
        list(entries),
        out,
        recorded.kinds,
        fmt,
        dict(state.fingerprint),
        produce,
        jobs=jobs,
        progress=progress,
        folders=folders,
        contents={path: (e.text or "").encode("utf-8") for path, e in entries.items()},
    )
    by_path = {r.source: r for r in results}
    ordered: list[CaseResult] = []
    for e in state.cases:
        path = Path(e.path)
        if e.invalid is not None:
            ordered.append(
                CaseResult(
                    source=path,
                    folder=out / e.folder,
                    invalid=True,
                    reasons=[f"not submitted: {e.invalid}"],
                )
            )
        elif path in by_path:
            ordered.append(by_path[path])
    return ordered
