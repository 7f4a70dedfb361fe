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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from drafter import __version__, pipeline
from drafter import batch as batching
from drafter.batchfiles import folders_for
from drafter.batchreport import CaseResult
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

STATE = ".drafter-batch.json"
REQUESTS = ".drafter-batch-requests.jsonl"
OUTPUT = ".drafter-batch-output.jsonl"
ERRORS = ".drafter-batch-errors.jsonl"
ENDPOINT: Final = "/v1/chat/completions"
STATE_VERSION = 1
COLLECTABLE = ("completed", "expired", "cancelled")
"""Batch statuses with results to collect (an expired or cancelled batch: partial ones)."""


class BatchAPIError(DrafterError):
    """The Batch API refused or failed (exit 1)."""


class BatchNotReady(DrafterError):
    """The batch has not finished yet (exit 1)."""


@dataclass(frozen=True)
class Submission:
    """What :func:`submit` did: the state it recorded and the cases it could not submit."""

    state: dict[str, Any]
    invalid: list[CaseResult]

    @property
    def batch_id(self) -> str | None:
        return str(self.state["batch_id"]) if self.state.get("batch_id") else None

    @property
    def requests(self) -> int:
        return sum(len(c.get("requests", {})) for c in self.state["cases"])


# --- the state file --------------------------------------------------------------------------


def read_state(out: Path) -> dict[str, Any]:
    """``DIR/.drafter-batch.json``; :class:`InputError` when there is none."""
    path = out / STATE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{out} holds no Batch API run ({STATE} is missing): start one with "
            f"`drafter batch CASES... -o {out} --via batch-api`."
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read ({exc}).") from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise InputError(f"{path}: not a drafter batch state file (version {STATE_VERSION}).")
    return state


def _write_state(out: Path, state: Mapping[str, Any]) -> None:
    data = json.dumps(state, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    write_atomic(out / STATE, data, force=True)


def settings_from(state: Mapping[str, Any], config: UserConfig) -> LLMSettings:
    """The model settings recorded at submission, with today's API key."""
    from drafter.settings import reloaded

    recorded = state["settings"]
    return reloaded(recorded["llm"], config, redact=recorded["redact"])


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
        old = read_state(out)
        if old.get("batch_id"):
            raise InputError(
                f"{out} already holds batch {old['batch_id']}: see "
                f"`{next_command('status', out)}` and `{next_command('collect', out)}`, "
                "or choose another -o DIR for a new batch."
            )
    folders = folders_for(cases, out)
    entries: list[dict[str, Any]] = []
    invalid: list[CaseResult] = []
    lines: list[dict[str, Any]] = []
    for path in cases:
        folder = folders[path]
        try:
            _, text = read_source(str(path))
            case = pipeline.load_case(str(path), config, text)
        except InputError as exc:
            invalid.append(CaseResult(source=path, folder=folder, invalid=True, reasons=[str(exc)]))
            entries.append({"path": str(path), "folder": folder.name, "invalid": str(exc)})
            continue
        request = pipeline.Request.of(
            config, case, str(path), tone=tone, templates_dir=templates_dir, redact=redact
        )
        prompt_case, _ = request.prompt_case()
        entry: dict[str, Any] = {
            "path": str(path),
            "folder": folder.name,
            "text": text,
            "requests": {},
            "unsent": {},
        }
        for kind in kinds:
            custom_id = f"{folder.name}/{kind}"
            try:
                body = request_body(kind, prompt_case or request.case, settings)
            except tokens.PromptTooLong as exc:
                entry["unsent"][kind] = str(exc)
                continue
            entry["requests"][kind] = custom_id
            lines.append({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body})
        entries.append(entry)

    state: dict[str, Any] = {
        "version": STATE_VERSION,
        "drafter": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "batch_id": None,
        "input_file_id": None,
        "status": None,
        "endpoint": ENDPOINT,
        "requests_file": REQUESTS,
        "settings": {
            "llm": settings.stored(),
            "format": fmt,
            "kinds": list(kinds),
            "tone": tone,
            "templates": str(templates_dir.resolve()) if templates_dir else None,
            "redact": redact,
        },
        "fingerprint": pipeline.fingerprint(config, settings, fmt, tone, templates_dir, redact),
        "cases": entries,
    }
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
    state["input_file_id"] = uploaded.id
    _write_state(out, state)  # before the batch starts: a crash leaves the file id on record
    try:
        started = client.batches.create(
            input_file_id=uploaded.id, endpoint=ENDPOINT, completion_window="24h"
        )
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, "starting the batch failed") from None
    state["batch_id"] = started.id
    state["status"] = started.status
    _write_state(out, state)
    return Submission(state, invalid)


# --- status ----------------------------------------------------------------------------------


def _recorded(
    out: Path, config: UserConfig, client: openai.OpenAI | None
) -> tuple[dict[str, Any], str, LLMSettings, openai.OpenAI]:
    """The state recorded in ``out``, its batch id, its settings and a client for them."""
    state = read_state(out)
    batch_id = state.get("batch_id")
    if not batch_id:
        raise InputError(f"{out}: the batch was never started; submit the cases again.")
    settings = settings_from(state, config)
    return state, batch_id, settings, client or _client(settings)


def _note_status(out: Path, state: dict[str, Any], current: Batch) -> None:
    if state.get("status") != current.status:
        state["status"] = current.status
        _write_state(out, state)


def status(
    out: Path, *, config: UserConfig, client: openai.OpenAI | None = None
) -> tuple[dict[str, Any], Batch]:
    """The recorded state and the batch as the API reports it now."""
    import openai

    state, batch_id, settings, client = _recorded(out, config, client)
    try:
        current = client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise _api_error(exc, settings, f"looking up batch {batch_id} failed") from None
    _note_status(out, state, current)
    return state, current


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


def fetch(out: Path, *, config: UserConfig, client: openai.OpenAI | None = None) -> dict[str, Any]:
    """Download the finished batch's output and error files into ``out``, once; return the
    state. Raises :class:`BatchNotReady` while the batch runs, :class:`BatchAPIError` if it
    failed."""
    state = read_state(out)
    settings = settings_from(state, config)
    _fetched(out, state, settings, client)
    return state


def _fetched(
    out: Path, state: dict[str, Any], settings: LLMSettings, client: openai.OpenAI | None
) -> None:
    """``state`` with the results downloaded, unless they already are."""
    result = state.get("result")
    if not (result and all((out / name).exists() for name in result["files"])):
        _download(out, state, client or _client(settings), settings)


def _download(
    out: Path, state: dict[str, Any], client: openai.OpenAI, settings: LLMSettings
) -> None:
    import openai

    batch_id = state.get("batch_id")
    if not batch_id:
        raise InputError(f"{out}: the batch was never started; submit the cases again.")
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
    state["status"] = current.status
    state["result"] = {"status": current.status, "files": files}
    _write_state(out, state)


def _replies(out: Path, state: Mapping[str, Any]) -> dict[str, Mapping[str, Any] | Failure]:
    """Every line of the downloaded files by custom id: the chat-completion body, or why
    there is none; a reply beats an error."""
    from drafter.llm.provider import Failure, Why

    replies: dict[str, Mapping[str, Any] | Failure] = {}
    for name in state["result"]["files"]:
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
) -> list[CaseResult]:
    """Download the results once, then draft every submitted case (see the module doc).

    Raises :class:`BatchNotReady` while the batch runs, :class:`BatchAPIError` if it failed.
    """
    from drafter.llm.openai_api import read_reply
    from drafter.llm.provider import Failure, Reply, Why

    state = read_state(out)
    settings = settings_from(state, config)
    client = client or _client(settings)
    _fetched(out, state, settings, client)
    replies = _replies(out, state)
    recorded = state["settings"]
    fmt: Format = recorded["format"]
    kinds: list[Kind] = recorded["kinds"]
    templates = Path(recorded["templates"]) if recorded["templates"] else None
    missing = f"the batch returned no reply for this request (batch {state['result']['status']})"

    entries = {Path(e["path"]): e for e in state["cases"] if "invalid" not in e}
    folders = {path: out / e["folder"] for path, e in entries.items()}

    def build_request(source: Path, submitted: bytes) -> pipeline.Request:
        path = entries[source]["path"]
        return pipeline.Request.of(
            config,
            pipeline.load_case(path, config, submitted.decode("utf-8")),
            path,
            tone=recorded["tone"],
            templates_dir=templates,
            llm=settings,
            log=log,
            redact=recorded["redact"],
        )

    request_for = batching.per_case(build_request)

    def first_reply(entry: Mapping[str, Any], kind: Kind) -> Reply | Failure:
        """The batch's reply to ``kind``'s request, read like a direct one, or why none."""
        custom_id = entry["requests"].get(kind)
        if not custom_id:
            return Failure(Why.BATCH_FAILED, entry["unsent"].get(kind, f"{kind} was not submitted"))
        given = replies.get(custom_id, Failure(Why.BATCH_FAILED, missing))
        return given if isinstance(given, Failure) else read_reply(kind, given, settings)

    def produce(source: Path, kind: Kind, submitted: bytes) -> pipeline.Produced:
        given = first_reply(entries[source], kind)
        target = folders[source] / f"{kind}{EXTENSIONS[fmt]}"
        return pipeline.produce(
            request_for(source, submitted), kind, fmt, str(target), first=given, client=client
        )

    paths = list(entries)
    results = batching.run(
        paths,
        out,
        kinds,
        fmt,
        state["fingerprint"],
        produce,
        jobs=jobs,
        progress=progress,
        folders=folders,
        contents={path: e["text"].encode("utf-8") for path, e in entries.items()},
    )
    by_path = {r.source: r for r in results}
    ordered: list[CaseResult] = []
    for e in state["cases"]:
        path = Path(e["path"])
        if "invalid" in e:
            ordered.append(
                CaseResult(
                    source=path,
                    folder=out / e["folder"],
                    invalid=True,
                    reasons=[f"not submitted: {e['invalid']}"],
                )
            )
        elif path in by_path:
            ordered.append(by_path[path])
    return ordered
