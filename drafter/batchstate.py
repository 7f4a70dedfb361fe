"""The record of a Batch API run, ``DIR/.drafter-batch.json``: what was submitted, with what
settings, and what was downloaded; read and written as JSON (never the API key)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from drafter import __version__
from drafter.case import Tone
from drafter.config import UserConfig
from drafter.drafts import Kind
from drafter.errors import InputError
from drafter.output import Format, write_atomic

if TYPE_CHECKING:
    from drafter.settings import LLMSettings

STATE = ".drafter-batch.json"
REQUESTS = ".drafter-batch-requests.jsonl"
ENDPOINT: Final = "/v1/chat/completions"
STATE_VERSION = 1


@dataclass(frozen=True)
class SubmittedCase:
    """One case of a Batch API run: the text submitted and its requests' custom ids by kind
    (``unsent``: the kinds whose prompt could not be sent, and why), or why it is invalid."""

    path: str
    folder: str
    text: str | None = None
    """The case file's text as submitted (``None``: invalid)."""
    requests: Mapping[Kind, str] = field(default_factory=dict)
    unsent: Mapping[Kind, str] = field(default_factory=dict)
    invalid: str | None = None
    """Why the case was not submitted."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubmittedCase:
        if "invalid" in data:
            return cls(str(data["path"]), str(data["folder"]), invalid=str(data["invalid"]))
        return cls(
            str(data["path"]),
            str(data["folder"]),
            text=str(data["text"]),
            requests=dict(data["requests"]),
            unsent=dict(data["unsent"]),
        )

    def to_json(self) -> dict[str, Any]:
        if self.invalid is not None:
            return {"path": self.path, "folder": self.folder, "invalid": self.invalid}
        return {
            "path": self.path,
            "folder": self.folder,
            "text": self.text,
            "requests": dict(self.requests),
            "unsent": dict(self.unsent),
        }


@dataclass(frozen=True)
class RecordedSettings:
    """What the drafts of a Batch API run are made with, recorded at submission."""

    llm: Mapping[str, Any]
    """:meth:`LLMSettings.stored`: no key, no mode, no URL credentials."""
    format: Format
    kinds: tuple[Kind, ...]
    tone: Tone | None
    templates: str | None
    """The ``--templates`` folder, resolved."""
    redact: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecordedSettings:
        return cls(
            llm=dict(data["llm"]),
            format=data["format"],
            kinds=tuple(data["kinds"]),
            tone=data["tone"],
            templates=data["templates"],
            redact=bool(data["redact"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "llm": dict(self.llm),
            "format": self.format,
            "kinds": list(self.kinds),
            "tone": self.tone,
            "templates": self.templates,
            "redact": self.redact,
        }

    @property
    def templates_dir(self) -> Path | None:
        return Path(self.templates) if self.templates else None


@dataclass(frozen=True)
class Downloaded:
    """The batch's result files, once fetched: its final status and file ids by name."""

    status: str
    files: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "files": dict(self.files)}


@dataclass(frozen=True)
class BatchState:
    """``DIR/.drafter-batch.json``: a Batch API run as recorded (never the API key).

    Read once per command (:meth:`read`); a change is a new record (``dataclasses.replace``)
    written back with :meth:`write`. The JSON on disk keeps the keys of :meth:`to_json`.
    """

    settings: RecordedSettings
    fingerprint: Mapping[str, Any]
    """:func:`drafter.pipeline.fingerprint`: the batch resume key's settings part."""
    cases: tuple[SubmittedCase, ...]
    created: str
    drafter: str = __version__
    batch_id: str | None = None
    input_file_id: str | None = None
    status: str | None = None
    """The batch's status as last seen."""
    endpoint: str = ENDPOINT
    requests_file: str = REQUESTS
    result: Downloaded | None = None
    version: int = STATE_VERSION

    @classmethod
    def read(cls, out: Path) -> BatchState:
        """The state recorded in ``out``; :class:`InputError` when there is none."""
        path = out / STATE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(
                f"{out} holds no Batch API run ({STATE} is missing): start one with "
                f"`drafter batch CASES... -o {out} --via batch-api`."
            ) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot be read ({exc}).") from None
        try:
            return cls.from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(
                f"{path}: not a drafter batch state file (version {STATE_VERSION})."
            ) from None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchState:
        """The record of a state file's JSON; :class:`ValueError` if it is not one."""
        if not isinstance(data, Mapping) or data.get("version") != STATE_VERSION:
            raise ValueError("not a drafter batch state")
        result = data.get("result")
        return cls(
            settings=RecordedSettings.from_json(data["settings"]),
            fingerprint=dict(data["fingerprint"]),
            cases=tuple(SubmittedCase.from_json(c) for c in data["cases"]),
            created=str(data.get("created", "")),
            drafter=str(data.get("drafter", "")),
            batch_id=data.get("batch_id") or None,
            input_file_id=data.get("input_file_id"),
            status=data.get("status"),
            endpoint=str(data.get("endpoint", ENDPOINT)),
            requests_file=str(data.get("requests_file", REQUESTS)),
            result=Downloaded(str(result["status"]), dict(result["files"])) if result else None,
            version=STATE_VERSION,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.version,
            "drafter": self.drafter,
            "created": self.created,
            "batch_id": self.batch_id,
            "input_file_id": self.input_file_id,
            "status": self.status,
            "endpoint": self.endpoint,
            "requests_file": self.requests_file,
            "settings": self.settings.to_json(),
            "fingerprint": dict(self.fingerprint),
            "cases": [c.to_json() for c in self.cases],
        }
        if self.result is not None:
            data["result"] = self.result.to_json()
        return data

    def write(self, out: Path) -> None:
        data = json.dumps(self.to_json(), indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        write_atomic(out / STATE, data, force=True)

    def llm_settings(self, config: UserConfig) -> LLMSettings:
        """The model settings recorded at submission, with today's API key."""
        from drafter.settings import reloaded

        return reloaded(self.settings.llm, config, redact=self.settings.redact)

    @property
    def submitted(self) -> tuple[SubmittedCase, ...]:
        """The valid cases, in order."""
        return tuple(c for c in self.cases if c.invalid is None)

    @property
    def requests(self) -> int:
        return sum(len(c.requests) for c in self.cases)

    def started(self, out: Path) -> str:
        """The batch id; :class:`InputError` if the batch was never started."""
        if not self.batch_id:
            raise InputError(f"{out}: the batch was never started; submit the cases again.")
        return self.batch_id
