"""One drafting request, end to end: config + case → draft → formatted bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drafter.case import Case, Tone
from drafter.casefile import load_case as _load_case
from drafter.casefile import read_bytes
from drafter.config import UserConfig
from drafter.drafts import KINDS, Kind
from drafter.errors import InputError
from drafter.output import Format, render_output
from drafter.render import RenderOptions, render


@dataclass(frozen=True)
class Request:
    """A validated case and how to render it."""

    case: Case
    config: UserConfig
    templates: tuple[Path, ...]
    signature: str | None

    @classmethod
    def build(
        cls, case_path: str, tone: Tone | None = None, templates_dir: Path | None = None
    ) -> Request:
        """Read the config and the case; apply a ``--tone`` override."""
        config = UserConfig.locate()
        case = load_case(case_path, config)
        if tone is not None:
            case = case.model_copy(update={"tone": tone})
        folders = tuple(d for d in (templates_dir, config.template_dir) if d is not None)
        return cls(case=case, config=config, templates=folders, signature=config.values.signature)

    def render_options(self, markdown: bool) -> RenderOptions:
        """Options for the renderer in the given output flavour."""
        return RenderOptions(
            markdown=markdown, signature=self.signature, template_dirs=self.templates
        )


def load_case(path: str, config: UserConfig | None = None) -> Case:
    """Load a case file, filling the sender and tone from the user's config when omitted."""
    config = config or UserConfig.locate()
    return _load_case(path, config.case_defaults())


def produce(request: Request, kind: Kind, fmt: Format) -> bytes:
    """Draft one artifact and format it."""
    draft = render(kind, request.case, request.render_options(markdown=fmt == "markdown"))
    return render_output(draft, fmt)


def kind_for(path: str) -> Kind:
    """Guess a draft's kind from its file name (``agenda.md`` → agenda); email otherwise."""
    name = Path(path).name.lower()
    return next((kind for kind in KINDS if kind in name), "email")


def read_draft(path: str) -> str:
    """The text of a draft to check: a text file, an .eml (subject + body), or stdin."""
    source, raw = read_bytes(path)
    if source.lower().endswith(".eml"):
        from email import message_from_bytes
        from email.policy import default

        msg = message_from_bytes(raw, policy=default)
        part = msg.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        return f"Subject: {msg.get('Subject', '')}\n\n{body}"
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{source}: is not UTF-8 text.") from None
