"""One drafting request, end to end: config + case → draft → formatted bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from drafter.case import Case, Tone
from drafter.casefile import load_case as _load_case
from drafter.config import UserConfig
from drafter.drafts import Kind
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
